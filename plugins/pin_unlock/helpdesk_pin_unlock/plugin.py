"""The pin_unlock plugin's hook implementations (the entry point names this module).

Kept light: Textual screens, ReportLab and openpyxl are imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from helpdesk import hookimpl
from helpdesk.extension import Register, Workflow
from helpdesk_pin_unlock import live

if TYPE_CHECKING:
    from helpdesk.extension import WorkflowContext
    from helpdesk.tokens.model import TokenInfo

LOCALE = Path(__file__).parent / "locale"


def unlock_screen(context: WorkflowContext) -> Any:
    from helpdesk_pin_unlock.screens.unlock import UnlockScreen

    return UnlockScreen(context)


def change_screen(context: WorkflowContext) -> Any:
    from helpdesk_pin_unlock.screens.change import ChangePinScreen

    return ChangePinScreen(context)


WORKFLOWS = (
    # Any PIN state: a holder who forgot the PIN comes with a token that still says "ok".
    Workflow("pin_unlock", "Khôi phục mật khẩu – mở khóa thiết bị", "PIN recovery – unlock token",
             screen=unlock_screen, needs_token=True, order=30),
    Workflow("pin_change", "Đổi mã PIN", "Change PIN", screen=change_screen, needs_token=True,
             pin_states=("ok", "count_low", "final_try"), order=31),
)


@hookimpl
def helpdesk_register_workflows(register: Callable[[Workflow], None]) -> None:
    for workflow in WORKFLOWS:
        register(workflow)


@hookimpl
def helpdesk_register_record_types(register: Register) -> None:
    from helpdesk_pin_unlock.records import ATTEMPT, REQUEST, validate_attempt, validate_request

    register(ATTEMPT, validate_attempt, description="A PIN unlock or change attempt and its outcome (no PINs)",
             owner="pin_unlock")
    register(REQUEST, validate_request, description="A token sent back to the issuer for unlocking (Mẫu 06)",
             owner="pin_unlock")


@hookimpl
def helpdesk_register_forms(register: Register) -> None:
    from helpdesk_pin_unlock.receipt import FORM, build_receipt

    register(FORM, build_receipt)


@hookimpl
def helpdesk_register_catalogs(register: Callable[[str | Path], None]) -> None:
    register(LOCALE)


@hookimpl
def helpdesk_register_commands(cli: click.Group) -> None:
    from helpdesk_pin_unlock.cli import unlock_requests

    cli.add_command(unlock_requests, "unlock-requests")


@hookimpl
def helpdesk_token_inserted(token: TokenInfo) -> None:
    live.token_inserted(token)


@hookimpl
def helpdesk_token_removed(serial: str) -> None:
    live.token_removed(serial)
