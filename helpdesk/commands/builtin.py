"""The core's own ``helpdesk`` commands, registered like any plugin's.

This module is the essential plugin ``core`` (``ESSENTIAL_PLUGINS`` in
:mod:`helpdesk.plugins`): registered first, so its names win a clash, and never
blocked. Each command is a :class:`~helpdesk.commands.lazy.LazyCommand`: its module is
imported only when that command runs or ``--help`` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk import __version__, hookimpl

if TYPE_CHECKING:
    import click

#: name -> "module:attribute" of a click command. Add a core command here.
COMMANDS: dict[str, str] = {
    "token": "helpdesk.commands.token:token",
    "doctor": "helpdesk.commands.doctor:doctor",
    "plugins": "helpdesk.commands.plugins:plugins",
    "config": "helpdesk.commands.config:config",
    "audit": "helpdesk.commands.audit:audit",
    "subscriber": "helpdesk.commands.subscriber:subscriber",
    "operator": "helpdesk.commands.operator:operator",
    "report": "helpdesk.commands.report:report",
    "plugin": "helpdesk.commands.plugin_new:plugin",
    "sync": "helpdesk.sync.commands:sync",
    "kiosk": "helpdesk.sync.commands:kiosk",
    "registry": "helpdesk.registry.cli:registry",
}


@hookimpl
def helpdesk_register_commands(cli: click.Group) -> None:
    from helpdesk.commands.lazy import LazyCommand

    for name, target in COMMANDS.items():
        cli.add_command(LazyCommand(name, target), name)


__all__ = ["COMMANDS", "__version__", "helpdesk_register_commands"]
