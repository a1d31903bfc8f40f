"""The ``helpdesk`` command line. With no sub-command it starts the kiosk (TUI).

Every sub-command is registered through ``helpdesk_register_commands``: the core's
own (``helpdesk/commands/builtin.py``, the essential plugin ``core``) like plugins'.
Each is imported only when used, so ``helpdesk --version`` stays fast.
A :class:`~helpdesk.errors.HelpdeskError` becomes a one-line message and exit code 2.

Exit codes: 0 ok · 1 a check failed (e.g. ``doctor`` found problems, ``audit verify``
found tampering) · 2 a clear error (bad input, token missing, …) · 3 not found.
"""

from __future__ import annotations

import os
from typing import Any

import click

from helpdesk import __version__


class LazyGroup(click.Group):
    """The ``helpdesk`` group: its commands come from ``helpdesk_register_commands``
    (the core's own through the essential plugin ``core``, then plugins'), each
    imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        commands = _registered_commands(ctx)
        _explain_missing_plugins(ctx)
        return sorted(set(super().list_commands(ctx)) | set(commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from helpdesk.commands.lazy import load_command

        found = (super().get_command(ctx, cmd_name) or _core_commands(ctx).get(cmd_name)
                 or _registered_commands(ctx).get(cmd_name))
        if found is None:
            _explain_missing_plugins(ctx)  # "no such command" may be a plugin that could not load
            return None
        return load_command(found)

    def invoke(self, ctx: click.Context) -> Any:
        from helpdesk.errors import HelpdeskError

        try:
            return super().invoke(ctx)
        except HelpdeskError as exc:
            click.echo(f"{exc.localized_title()}: {exc.localized()}", err=True)
            ctx.exit(exc.exit_code)


_COMMANDS = "helpdesk.commands"
_CORE_COMMANDS = "helpdesk.core_commands"
_LOAD_ERROR = "helpdesk.commands_error"


def _core_commands(ctx: click.Context) -> dict[str, click.Command]:
    """The essential plugins' commands, from a manager holding only them.

    They are registered first, so they win every name clash: running one of them
    needs no other plugin loaded (``helpdesk token list`` does not import plugins).
    """
    root = ctx.find_root()
    cached = root.meta.get(_CORE_COMMANDS)
    if cached is None:
        from helpdesk import plugins

        cached = root.meta[_CORE_COMMANDS] = plugins.collect_commands(plugins.build_plugin_manager(entry_points=False))
    return cached  # type: ignore[no-any-return]


def _registered_commands(ctx: click.Context) -> dict[str, click.Command]:
    """Commands registered through the hook, collected once per invocation.

    A broken settings file must not turn ``helpdesk --help`` into a traceback: the
    core's commands (``config show``, ``doctor`` …) still work, from a manager holding
    only the essential plugins, and the error is kept for :func:`_explain_missing_plugins`.
    """
    from helpdesk.errors import HelpdeskError

    root = ctx.find_root()
    cached = root.meta.get(_COMMANDS)
    if cached is None:
        from helpdesk import plugins

        try:
            cached = plugins.collect_commands()
        except HelpdeskError as exc:
            root.meta[_LOAD_ERROR] = exc
            cached = _core_commands(ctx)
        root.meta[_COMMANDS] = cached
    return cached  # type: ignore[no-any-return]


def _explain_missing_plugins(ctx: click.Context) -> None:
    """Say once why plugins' commands are missing (a core command that needs the
    settings reports the same error itself, so it is not said before running one)."""
    root = ctx.find_root()
    error = root.meta.pop(_LOAD_ERROR, None)
    if error is not None:
        click.echo(f"{error.localized_title()}: {error.localized()}", err=True)


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
