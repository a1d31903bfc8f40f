"""Test plugin: well behaved — a workflow, a report, a command, a module choice."""

from typing import Any

import click

from helpdesk import hookimpl
from helpdesk.config import ModuleEntry
from helpdesk.workflow.types import ReportSection, Workflow

__version__ = "1.0.0"


@hookimpl
def helpdesk_register_workflows(register: Any) -> None:
    register(Workflow("good_flow", "Quy trình tốt", "Good flow", screen=lambda token: None))


@hookimpl
def helpdesk_register_reports(register: Any) -> None:
    register(ReportSection("good_report", "Báo cáo tốt", "Good report", compute=lambda ctx, period, unit: []))


@hookimpl
def helpdesk_register_commands(cli: click.Group) -> None:
    @cli.command("hello-good")
    def hello() -> None:
        """Say hello from the good plugin."""
        click.echo("xin chào từ good_plugin")


@hookimpl
def helpdesk_identify_token(reader: str, atr: str) -> ModuleEntry | None:
    if atr.startswith("3B95"):
        return ModuleEntry(name="good-module", path="/usr/lib/good-pkcs11.so")
    return None
