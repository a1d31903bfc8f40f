"""A plugin written only from docs/plugins.md: "Nhận lại thiết bị" (a token returned to
the desk). It imports ``helpdesk.extension`` and nothing else from the core.

One workflow (F8), one record type with its validator, one form, numbered receipts
("Số: N/GN-<code>") printed through the kiosk's printer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from helpdesk.extension import (
    FormDocument,
    Organisation,
    PluginSpec,
    Printed,
    Record,
    RecordTypeSpec,
    Workflow,
    WorkflowContext,
    WorkflowScreen,
    _,
)

RECORD_TYPE = "door.return"
FORM = "door.receipt"
SERIES = "GN"  # giấy nhận


def validate(payload: Mapping[str, Any]) -> list[str]:
    problems = [] if isinstance(payload.get("note"), str) and payload["note"].strip() else ["note is required"]
    if not isinstance(payload.get("seq"), int):
        problems.append("seq is required")
    return problems


def build_receipt(org: Organisation, record: Record) -> FormDocument:
    doc = FormDocument(org, number=record.payload["number"], title="GIẤY NHẬN LẠI THIẾT BỊ LƯU KHÓA BÍ MẬT",
                       date=date.fromisoformat(record.time[:10]))
    doc.paragraph(f"Sở Nội vụ đã nhận lại thiết bị. Ghi chú: {record.payload['note']}.")
    doc.signatures([("Người trả", ""), ("Người nhận", record.operator)])
    return doc


def save_and_print(ctx: WorkflowContext, note: str) -> tuple[Record, Printed]:
    """Blocking: number, commit (every plugin validates), render the form, archive, print."""
    with ctx.next_number(SERIES) as number:
        record = ctx.commit(RECORD_TYPE, None, {"note": note, "number": ctx.number_text(number), "seq": number.seq},
                            number=number)
    pdf = ctx.forms.render(FORM, record)
    printed = ctx.print(pdf, 1, kind="door-return", key=record.id, title=f"Giấy nhận {record.payload['number']}",
                        wait=30)
    return record, printed


class ReturnScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "save", "Save and print", priority=True),
        Binding("escape", "close", "Back", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Static(_("Token returned to the desk"), classes="title")
        yield Input(placeholder=_("Note"), id="note")
        yield self.status_line()
        yield self.footer()

    def action_save(self) -> None:
        note = self.query_one("#note", Input).value
        self.status(_("Saving…"))
        self.run_job(save_and_print, self.ctx, note, done=self.saved)

    def saved(self, result: tuple[Record, Printed]) -> None:
        record, printed = result
        self.printed = printed
        state = "printed" if printed.ok else f"not printed: {printed.error}"
        self.status(f"Số: {record.payload['number']} — {state}", "ok" if printed.ok else "error")


def open_screen(ctx: WorkflowContext) -> ReturnScreen:
    return ReturnScreen(ctx)


spec = PluginSpec(
    workflows=(Workflow("door_return", "Nhận lại thiết bị", "Token returned", screen=open_screen,
                        needs_token=False, key="f8", order=90),),
    record_types=(RecordTypeSpec(RECORD_TYPE, validate, "A token returned to the desk"),),
    forms={FORM: build_receipt},
)
spec.install(globals())

__all__: Sequence[str] = ["ReturnScreen", "spec"]
