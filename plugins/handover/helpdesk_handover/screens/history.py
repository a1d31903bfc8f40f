"""Handover history: today's list, search (name / ID number / serial), export, reprint, void."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Static

from helpdesk.extension import HelpdeskError, Printed, WorkflowContext, WorkflowScreen, _
from helpdesk_handover.export import export_xlsx
from helpdesk_handover.history import Entry, handovers, parse_day, reprint
from helpdesk_handover.progress import Progress
from helpdesk_handover.screens.progress import JobProgress


class HistoryScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [  # descriptions are msgids: the footer translates them
        Binding("f5", "search", "Search", priority=True),
        Binding("f6", "reprint", "Print again", priority=True),
        Binding("f7", "export", "Export .xlsx", priority=True),
        Binding("f8", "void", "Void", priority=True),
        Binding("f4", "cancel_job", "Cancel", priority=True),
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
            yield self.status_line()
            self.progress_bar = JobProgress(id="progress")
            yield self.progress_bar
        yield self.footer()

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
        since = parse_day(self.query_one("#since", Input).value.strip() or None)
        until = parse_day(self.query_one("#until", Input).value.strip() or None)
        if not (text or unit or since or until):
            since = until = date.today()
        return since, until, unit, text

    def action_search(self) -> None:
        try:
            since, until, unit, text = self._filters()
        except HelpdeskError as exc:  # a bad date
            self.show_error(exc)
            return
        self.run_job(lambda: handovers(self.ctx.store, since=since, until=until, unit=unit, text=text),
                     done=self._fill, group="history")

    def _fill(self, entries: list[Entry]) -> None:
        self.entries = entries
        table = self.query_one("#table", DataTable)
        table.clear()
        for entry in entries:
            p = entry.record.payload
            state = _("voided") if entry.voided_by else _("handed over")
            table.add_row(p["number"], entry.when, p["holder"]["name"], p["device"]["serial"], p["holder"].get("unit", ""),
                          f"{state} ({_('from paper')})" if entry.from_paper else state, key=entry.record.id)
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
            record_id = entry.record.id
            self.run_job(lambda: reprint(self.ctx, record_id, wait=60.0), done=self._reprinted, group="print")

    def _reprinted(self, printed: Printed) -> None:
        if printed.error is not None:
            self.show_error(printed.error)
        else:
            self.status(_("Sent to the printer again (archived: {path})").format(path=printed.path), "ok")

    def action_export(self) -> None:
        try:
            since, until, unit, _text = self._filters()
        except HelpdeskError as exc:
            self.show_error(exc)
            return
        name = f"ban-giao-{date.today():%Y%m%d}" + (f"-{unit}" if unit else "")
        path = self.ctx.settings.home / "exports" / f"{''.join(c if c.isalnum() else '-' for c in name)}.xlsx"
        progress = self.progress_bar.start(self, "Cancelled: no file was written")
        self.run_job(self._export, since, until, unit, path, progress, group="export",
                     done=lambda count: self._exported(count, path), failed=self._failed)

    def _export(self, since: date | None, until: date | None, unit: str | None, path: Path,
                progress: Progress) -> int:  # a job
        return export_xlsx(handovers(self.ctx.store, since=since, until=until, unit=unit), path, progress)

    def _exported(self, count: int, path: Path) -> None:
        self.progress_bar.finish()
        self.status(_("{count} handovers written to {path}").format(count=count, path=path), "ok")

    def _failed(self, error: BaseException) -> None:
        self.progress_bar.finish()
        self.show_error(error)

    def action_cancel_job(self) -> None:
        if self.progress_bar.cancel():
            self.status(_("Cancelling…"))

    def on_unmount(self) -> None:
        self.progress_bar.cancel()

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
            self.run_job(self.ctx.store.void, entry.record.id, reason, self.ctx.operator.id,
                         done=lambda _void: self._voided(), group="void")

    def _voided(self) -> None:
        self.query_one("#void_reason", Input).value = ""
        self.status(_("Handover voided; the reason is recorded."), "ok")
        self.action_search()
