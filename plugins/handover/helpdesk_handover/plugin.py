"""The handover plugin's hook implementations (the entry point ``handover`` names this module).

Kept light: screens (Textual), ReportLab and openpyxl are imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from helpdesk import hookimpl
from helpdesk.extension import Register, Workflow

if TYPE_CHECKING:
    from helpdesk.extension import WorkflowContext

LOCALE = Path(__file__).parent / "locale"


def _handover_screen(context: WorkflowContext) -> Any:
    from helpdesk_handover.screens.handover import HandoverScreen

    return HandoverScreen(context)


def _batch_screen(context: WorkflowContext) -> Any:
    from helpdesk_handover.screens.handover import HandoverScreen

    return HandoverScreen(context, batch=True)


def _roster_screen(context: WorkflowContext) -> Any:
    from helpdesk_handover.screens.roster import RosterScreen

    return RosterScreen(context)


def _history_screen(context: WorkflowContext) -> Any:
    from helpdesk_handover.screens.history import HistoryScreen

    return HistoryScreen(context)


WORKFLOWS = (
    Workflow("handover", "Bàn giao thiết bị lưu khóa", "Hand over a token", screen=_handover_screen,
             needs_token=True, order=10),
    Workflow("handover_batch", "Bàn giao theo đơn vị (nhiều thiết bị)", "Hand over a unit's tokens (batch)",
             screen=_batch_screen, needs_token=False, order=11),
    Workflow("roster_import", "Nhập danh sách thuê bao", "Import a roster", screen=_roster_screen,
             needs_token=False, order=60),
    Workflow("handover_history", "Lịch sử bàn giao", "Handover history", screen=_history_screen,
             needs_token=False, order=61),
)


@hookimpl
def helpdesk_register_workflows(register: Callable[[Workflow], None]) -> None:
    for workflow in WORKFLOWS:
        register(workflow)


@hookimpl
def helpdesk_register_record_types(register: Register) -> None:
    from helpdesk_handover.record import validate_payload

    register("handover", validate_payload, description="A token handed over to its holder (biên bản bàn giao)",
             owner="handover")


@hookimpl
def helpdesk_register_forms(register: Register) -> None:
    from helpdesk_handover.form import FORM_NAME, build_form

    register(FORM_NAME, build_form)


@hookimpl
def helpdesk_register_catalogs(register: Callable[[str | Path], None]) -> None:
    register(LOCALE)


@hookimpl
def helpdesk_register_commands(cli: click.Group) -> None:
    from helpdesk_handover.cli import handover, roster

    cli.add_command(roster, "roster")
    cli.add_command(handover, "handover")
