"""Test plugin: written for a plugin API this kiosk does not have (HELPDESK_API >=2)."""

from typing import Any

import click

from helpdesk import hookimpl
from helpdesk.workflow.types import Workflow

__version__ = "2.0.0"
HELPDESK_API = ">=2.0,<3"


@hookimpl
def helpdesk_register_workflows(register: Any) -> None:
    register(Workflow("future_flow", "Quy trình tương lai", "Future flow", screen=lambda ctx: None))


@hookimpl
def helpdesk_register_commands(cli: click.Group) -> None:
    @cli.command("hello-future")
    def hello() -> None:
        """Never registered: the plugin is incompatible."""
        click.echo("xin chào từ tương lai")
