"""Handover history: today's list, search (name / ID number / serial), export, reprint, void."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Static

from helpdesk.extension import WorkflowContext
from helpdesk.i18n import _
from helpdesk.store import Record
from helpdesk.widgets.footer import LocalizedFooter
from helpdesk_handover import service
from helpdesk_handover.cli import _date
from helpdesk_handover.export import export_xlsx
from helpdesk_handover.history import Entry, handovers
from helpdesk_handover.screens.common import WorkflowScreen


class HistoryScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "search", _("Search"), priority=True),
        Binding("f6", "reprint", _("Print again"), priority=True),
        Binding("f7", "export", _("Export .xlsx"), priority=True),
        Binding("f8", "void", _("Void"), priority=True),
        Binding("escape", "close", _("Back"), priority=True),
    ]
    DEFAULT_CSS = """
    HistoryScreen Horizontal { height: auto; }
    HistoryScreen Input { width: 1fr; }
    HistoryScreen DataTable { height: auto; max-height: 20; }
    """

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__(context)
        self.entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(_("Handover history"), classes="title")
            yield Input(placeholder=_("Search: name, ID number, token or certificate serial (Enter)"), id="search")
            with Horizontal():
                yield Input(placeholder=_("Unit"), id="unit")
                yield Input(placeholder=_("From (DD/MM/YYYY)"), id="since")
                yield Input(placeholder=_("To (DD/MM/YYYY)"), id="until")
            yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
            yield Input(placeholder=_("Reason for voiding the selected handover (then F8)"), id="void_reason")
            yield Static("", id="status")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        table = self.query_one("#table", DataTable)
        table.add_columns(_("Number"), _("Time"), _("Holder"), _("Token"), _("Unit"), _("State"))
        self.action_search()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("search", "unit", "since", "until"):
            self.action_search()

    def _filters(self) -> tuple[date | None, date | None, str | None, str | None]:
        text = self.query_one("#search", Input).value.strip() or None
        unit = self.query_one("#unit", Input).value.strip() or None
        since = _date(self.query_one("#since", Input).value.strip() or None)
        until = _date(self.query_one("#until", Input).value.strip() or None)
        if not (text or unit or since or until):
            since = until = date.today()
        return since, until, unit, text

    def action_search(self) -> None:
        try:
            filters = self._filters()
        except Exception as exc:
            self.failed("history", exc)
            return
        self._search(*filters)

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def _search(self, since: date | None, until: date | None, unit: str | None, text: str | None) -> None:
        entries = handovers(self.context.store, since=since, until=until, unit=unit, text=text)
        self.app.call_from_thread(self._fill, entries)

    def _fill(self, entries: list[Entry]) -> None:
        self.entries = entries
        table = self.query_one("#table", DataTable)
        table.clear()
        for entry in entries:
            p = entry.record.payload
            table.add_row(p["number"], entry.local_time.strftime("%d/%m/%Y %H:%M"), p["holder"]["name"],
                          p["device"]["serial"], p["holder"].get("unit", ""),
                          _("voided") if entry.voided_by else _("handed over"), key=entry.record.id)
        self.status(_("{count} handovers").format(count=len(entries)))

    def selected(self) -> Entry | None:
        table = self.query_one("#table", DataTable)
        if not self.entries or table.cursor_row < 0 or table.cursor_row >= len(self.entries):
            self.status(_("Select a handover first"), "error")
            return None
        return self.entries[table.cursor_row]

    def action_reprint(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.status(_("Printing {number} again…").format(number=entry.record.payload["number"]))
            self._reprint(entry.record)

    @work(thread=True, exclusive=True, exit_on_error=False, group="print")
    def _reprint(self, record: Record) -> None:
        printed = service.reprint(self.context.settings, self.context.store, record.id, wait=60.0)
        if printed.error is not None:
            raise printed.error
        self.app.call_from_thread(self.status, _("Sent to the printer again (archived: {path})")
                                  .format(path=printed.path), "ok")

    def action_export(self) -> None:
        try:
            since, until, unit, _text = self._filters()
        except Exception as exc:
            self.failed("history", exc)
            return
        name = f"ban-giao-{date.today():%Y%m%d}" + (f"-{unit}" if unit else "")
        path = self.context.settings.home / "exports" / f"{''.join(c if c.isalnum() else '-' for c in name)}.xlsx"
        self._export(since, until, unit, path)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _export(self, since: date | None, until: date | None, unit: str | None, path: Path) -> None:
        entries = handovers(self.context.store, since=since, until=until, unit=unit)
        count = export_xlsx(entries, path)
        self.app.call_from_thread(self.status, _("{count} handovers written to {path}")
                                  .format(count=count, path=path), "ok")

    def action_void(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        reason = self.query_one("#void_reason", Input).value.strip()
        if entry.voided_by:
            self.status(_("This handover is already voided"), "error")
        elif not reason:
            self.status(_("Type the reason for voiding first"), "error")
            self.query_one("#void_reason", Input).focus()
        else:
            self._void(entry.record.id, reason)

    @work(thread=True, exclusive=True, exit_on_error=False, group="void")
    def _void(self, record_id: str, reason: str) -> None:
        self.context.store.void(record_id, reason, self.context.operator.id)
        self.app.call_from_thread(self._voided)

    def _voided(self) -> None:
        self.query_one("#void_reason", Input).value = ""
        self.status(_("Handover voided; the reason is recorded."), "ok")
        self.action_search()
