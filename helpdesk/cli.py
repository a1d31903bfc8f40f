"""The ``helpdesk`` command line. With no sub-command it starts the kiosk (TUI).

Sub-commands live in ``helpdesk/commands/`` and are imported only when used, so
``helpdesk --version`` stays fast. Plugins add commands via ``helpdesk_register_commands``.
A :class:`~helpdesk.errors.HelpdeskError` becomes a one-line message and exit code 2.

Exit codes: 0 ok · 1 a check failed (e.g. ``doctor`` found problems, ``audit verify``
found tampering) · 2 a clear error (bad input, token missing, …) · 3 not found.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from helpdesk import __version__

#: name -> "module:attribute" of a click command, loaded on first use.
BUILTIN_COMMANDS: dict[str, str] = {
    "token": "helpdesk.commands.token:token",
    "doctor": "helpdesk.commands.doctor:doctor",
    "plugins": "helpdesk.commands.plugins:plugins",
    "config": "helpdesk.commands.config:config",
    "audit": "helpdesk.commands.audit:audit",
    "subscriber": "helpdesk.commands.subscriber:subscriber",
    "operator": "helpdesk.commands.operator:operator",
    "report": "helpdesk.commands.report:report",
    "sync": "helpdesk.sync.commands:sync",
    "kiosk": "helpdesk.sync.commands:kiosk",
    "registry": "helpdesk.registry.cli:registry",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx)) | set(BUILTIN_COMMANDS)
        names |= set(_plugin_commands(ctx))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in BUILTIN_COMMANDS:
            module, _, attr = BUILTIN_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
            return command
        found = super().get_command(ctx, cmd_name)
        return found or _plugin_commands(ctx).get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        from helpdesk.errors import HelpdeskError

        try:
            return super().invoke(ctx)
        except HelpdeskError as exc:
            click.echo(f"{exc.localized_title()}: {exc.localized()}", err=True)
            ctx.exit(exc.exit_code)


def _plugin_commands(ctx: click.Context) -> dict[str, click.Command]:
    """Commands contributed by plugins, loaded once per invocation.

    A broken settings file must not turn ``helpdesk --help`` into a traceback: the
    error is printed once and the built-in commands still work.
    """
    from helpdesk.errors import HelpdeskError

    root = ctx.find_root()
    cached = root.meta.get("helpdesk.plugin_commands")
    if cached is None:
        from helpdesk.plugins import collect_commands

        try:
            cached = collect_commands()
        except HelpdeskError as exc:
            click.echo(f"{exc.localized_title()}: {exc.localized()}", err=True)
            cached = {}
        root.meta["helpdesk.plugin_commands"] = cached
    return cached  # type: ignore[no-any-return]


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="helpdesk")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help="Interface language (default vi).")
@click.pass_context
def cli(ctx: click.Context, lang: str | None) -> None:
    """Token help-desk kiosk. Without a command: start the kiosk."""
    from helpdesk import i18n

    if lang:
        i18n.set_language(lang)
    elif not os.environ.get("HELPDESK_LANG"):
        _language_from_settings()
    ctx.ensure_object(dict)
    ctx.obj["lang"] = lang
    if ctx.invoked_subcommand is None:
        from helpdesk.commands.run import run_kiosk

        run_kiosk(lang)


def _language_from_settings() -> None:
    """The settings file may choose English; a broken file is reported by the command."""
    from helpdesk import i18n
    from helpdesk.config import load_settings
    from helpdesk.errors import ConfigError

    try:
        i18n.set_language(load_settings().language)
    except ConfigError:
        pass


def main() -> None:
    cli(prog_name="helpdesk")


if __name__ == "__main__":
    main()
