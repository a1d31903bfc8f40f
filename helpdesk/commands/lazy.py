"""A click command that imports its module only when it is used.

``LazyCommand("token", "helpdesk.commands.token:token")`` is registered like any
command; the ``helpdesk`` group swaps it for the real one (:meth:`LazyCommand.load`)
when it is looked up, so ``helpdesk --version`` and ``helpdesk config show`` never
import the token, report or registry code. Used outside that group, it forwards
parsing, invocation and help to the real command.
"""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyCommand(click.Command):
    """A stand-in for the click command ``target`` ("module:attribute")."""

    def __init__(self, name: str, target: str) -> None:
        module, _, attribute = target.partition(":")
        if not module or not attribute:
            raise ValueError(f"bad command target {target!r}: use 'module:attribute'")
        super().__init__(name)
        self.target = target
        self._loaded: click.Command | None = None

    def load(self) -> click.Command:
        """The real command (imported on the first call)."""
        if self._loaded is None:
            module, _, attribute = self.target.partition(":")
            found: Any = importlib.import_module(module)
            for part in attribute.split("."):
                found = getattr(found, part)
            if not isinstance(found, click.Command):
                raise TypeError(f"{self.target} is a {type(found).__name__}, not a click command")
            self._loaded = found
        return self._loaded

    # Forwarded, for a LazyCommand used in a plain click group.
    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        return self.load().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self.load().invoke(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.load().get_short_help_str(limit)

    def get_help(self, ctx: click.Context) -> str:
        return self.load().get_help(ctx)

    def __repr__(self) -> str:
        return f"<LazyCommand {self.name} -> {self.target}>"


def load_command(command: click.Command) -> click.Command:
    """``command`` itself, or the real command behind a :class:`LazyCommand`."""
    return command.load() if isinstance(command, LazyCommand) else command
