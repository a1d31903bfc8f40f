"""Targets: a callable, or ``"module:attribute"`` naming one, imported on first use."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from helpdesk.errors import HelpdeskError

#: A callable, or "module:attribute" naming one (imported on first use).
Target = Callable[..., Any] | str


def resolve(target: Target) -> Any:
    """The object a :data:`Target` names."""
    if not isinstance(target, str):
        return target
    module, _, attribute = target.partition(":")
    if not module or not attribute:
        raise HelpdeskError("Bad target {target!r}: use 'module:attribute'", target=target)
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def lazy(target: Target) -> Callable[..., Any]:
    """A callable that imports ``target`` on its first call, then forwards to it."""
    if not isinstance(target, str):
        return target

    def call(*args: Any, **kwargs: Any) -> Any:
        return resolve(target)(*args, **kwargs)

    call.__qualname__ = call.__name__ = target.rpartition(":")[2]
    return call


