"""``register`` callbacks for collecting hooks, and per-call failure capture.

A buffer checks each item as the plugin registers it (a bad item raises
:class:`~helpdesk.workflow.types.RegistrationError` into the plugin and fails it), then,
after the hook call, resolves clashes plugin by plugin in *registration* order: the
first plugin keeps the id, the later one is failed as a whole, so a failed plugin
never contributes half of its items.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from helpdesk.plugins.manager import (
    CALL_FAILURES,
    CURRENT_PLUGIN,
    HelpdeskPluginManager,
    PluginFailure,
)
from helpdesk.workflow.types import RegistrationError

T = TypeVar("T")


class RegisterBuffer(Generic[T]):
    """A ``register`` callback: checks each item now, resolves clashes after the call."""

    def __init__(self, pm: HelpdeskPluginManager, hook: str, check: Callable[[object, str], T]) -> None:
        self.pm, self.hook, self.check = pm, hook, check
        self.items: list[tuple[str, T]] = []

    def register(self, item: object) -> None:
        plugin = CURRENT_PLUGIN.get()
        if plugin is None:
            raise RegistrationError("register() may only be called during the {hook} hook", hook=self.hook)
        try:
            value = self.check(item, plugin)
        except RegistrationError as exc:
            self.pm.fail(plugin, self.hook, exc)  # recorded even if the plugin swallows it
            raise
        self.items.append((plugin, value))

    def resolve(
        self, keys: Callable[[T], Iterable[tuple[str, str]]], reserved: Mapping[tuple[str, str], str] | None = None
    ) -> list[T]:
        """Accepted items, plugin by plugin in registration order; first one wins."""
        taken: dict[tuple[str, str], str] = dict(reserved or {})
        accepted: list[T] = []
        for name in self.pm.registration_order():
            mine = [value for plugin, value in self.items if plugin == name]
            if not mine or self.pm.state_of(name) != "ok":
                continue
            claimed: dict[tuple[str, str], str] = {}
            clash: tuple[tuple[str, str], str] | None = None
            for value in mine:
                for key in keys(value):
                    owner = taken.get(key) or claimed.get(key)
                    if owner is not None:
                        clash = (key, owner)
                        break
                    claimed[key] = name
                if clash:
                    break
            if clash is not None:
                (kind, value_), owner = clash
                self.pm.fail(
                    name,
                    self.hook,
                    RegistrationError("{kind} {value!r} is already registered by {owner}", kind=kind, value=value_, owner=owner),
                )
                continue
            taken.update(claimed)
            accepted.extend(mine)
        return accepted


@contextlib.contextmanager
def calling() -> Iterator[list[PluginFailure]]:
    """Collect the failures that happen inside the ``with`` block (this context only)."""
    failures: list[PluginFailure] = []
    token = CALL_FAILURES.set(failures)
    try:
        yield failures
    finally:
        CALL_FAILURES.reset(token)

