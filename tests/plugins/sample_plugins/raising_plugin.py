"""Test plugin (fault injection at the plugin boundary): every hook raises."""

from typing import Any

import click

from helpdesk import hookimpl

__version__ = "6.6.6"


class PluginBoom(RuntimeError):
    pass


@hookimpl
def helpdesk_startup(app: Any) -> None:
    raise PluginBoom("startup exploded")


@hookimpl
def helpdesk_register_commands(cli: click.Group) -> None:
    raise PluginBoom("commands exploded")


@hookimpl
def helpdesk_register_workflows(register: Any) -> None:
    raise PluginBoom("workflows exploded")


@hookimpl
def helpdesk_identify_token(reader: str, atr: str) -> None:
    raise PluginBoom("identify exploded")


@hookimpl
def helpdesk_token_inserted(token: Any) -> None:
    raise PluginBoom("inserted exploded")


@hookimpl
def helpdesk_token_removed(serial: str) -> None:
    raise PluginBoom("removed exploded")


@hookimpl
def helpdesk_register_record_types(register: Any) -> None:
    raise PluginBoom("record types exploded")


@hookimpl
def helpdesk_record_saved(record: Any) -> None:
    raise PluginBoom("record saved exploded")


@hookimpl
def helpdesk_validate_record(record: Any) -> None:
    raise PluginBoom("validate exploded")


@hookimpl
def helpdesk_register_forms(register: Any) -> None:
    raise PluginBoom("forms exploded")


@hookimpl
def helpdesk_register_reports(register: Any) -> None:
    raise PluginBoom("reports exploded")


@hookimpl
def helpdesk_register_catalogs(register: Any) -> None:
    raise PluginBoom("catalogs exploded")
