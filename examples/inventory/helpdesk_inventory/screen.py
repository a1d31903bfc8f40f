"""The stock-taking screen: insert each token of the box, F9 compares and saves."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from helpdesk.extension import Printed, Record, TokenInfo, WorkflowScreen, _
from helpdesk_inventory.count import Comparison, note_scan, save, seen_in
from helpdesk_inventory.delivery import read_delivery_list


class InventoryScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "compare", "Compare and save", priority=True),
        Binding("escape", "close", "Back", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Static(_("Token stock-taking"), classes="title")
        yield Input(placeholder=_("Box (e.g. HOP-2026-01)"), id="box", value="HOP-1")
        yield Input(placeholder=_("Delivery list file (.xlsx or .csv)"), id="list")
        yield Static("", id="seen")
        yield self.status_line()
        yield self.footer()

    @property
    def box(self) -> str:
        return self.query_one("#box", Input).value.strip() or "HOP-1"

    def on_mount(self) -> None:
        self.status(_("Insert the tokens of the box one after another."))
        self.run_job(seen_in, self.ctx, self.box, done=self.show_seen)

    def token_inserted(self, token: TokenInfo) -> None:
        self.run_job(self._scan, token.serial, done=self.show_seen, group="scan", exclusive=False)

    def _scan(self, serial: str) -> tuple[str, ...]:
        note_scan(self.ctx, self.box, serial)
        return seen_in(self.ctx, self.box)

    def show_seen(self, seen: tuple[str, ...]) -> None:
        self.query_one("#seen", Static).update(
            _("{count} tokens seen: {serials}").format(count=len(seen), serials=", ".join(seen)))

    def action_compare(self) -> None:
        path = Path(self.query_one("#list", Input).value.strip())
        self.status(_("Comparing with the delivery list…"))
        self.run_job(self._compare, path, done=self.saved)

    def _compare(self, path: Path) -> tuple[Record, Printed]:
        comparison = Comparison(read_delivery_list(path), seen_in(self.ctx, self.box))
        return save(self.ctx, self.box, comparison)

    def saved(self, result: tuple[Record, Printed]) -> None:
        record, printed = result
        p = record.payload
        text = _("Record {number}: {matched} as listed, {missing} missing, {extra} extra.").format(
            number=p["number"], matched=len(p["matched"]), missing=len(p["missing"]), extra=len(p["extra"]))
        if printed.error is not None:
            text += " " + _("Not printed: {error}").format(error=printed.error.localized())
        self.status(text, "ok" if not p["missing"] and not p["extra"] else "warning")
