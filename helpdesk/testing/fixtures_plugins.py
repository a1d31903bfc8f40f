"""Plugin fixtures: a fresh, empty plugin manager per test, and ``register_plugin``.

Test plugins are small classes or modules registered by the test and unregistered in
``finally``; nothing is installed. Every test starts and ends without a process-wide
manager, so one test's failed plugin never leaks into the next.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from helpdesk.plugins import HelpdeskPluginManager

__all__ = ["fresh_plugin_manager", "plugin_manager", "register_plugin"]


@pytest.fixture(autouse=True)
def fresh_plugin_manager() -> Iterator[None]:
    """Forget the process-wide plugin manager around each test."""
    if "helpdesk.plugins" in sys.modules:
        sys.modules["helpdesk.plugins"].set_plugin_manager(None)
    yield
    if "helpdesk.plugins" in sys.modules:
        sys.modules["helpdesk.plugins"].set_plugin_manager(None)


@pytest.fixture
def plugin_manager() -> Iterator[HelpdeskPluginManager]:
    """An empty manager (no entry points, no HELPDESK_PLUGINS) installed as the process's."""
    from helpdesk.plugins import build_plugin_manager, set_plugin_manager

    pm = build_plugin_manager(entry_points=False)
    set_plugin_manager(pm)
    try:
        yield pm
    finally:
        set_plugin_manager(None)


@pytest.fixture
def register_plugin(plugin_manager: HelpdeskPluginManager) -> Iterator[Callable[..., str]]:
    """``register_plugin(plugin, name=None) -> name``; unregistered after the test."""
    names: list[str] = []

    def register(plugin: object, name: str | None = None) -> str:
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        plugin_manager.register(plugin, name)
        names.append(name)
        return name

    try:
        yield register
    finally:
        for name in reversed(names):
            plugin_manager.unregister(name=name)
