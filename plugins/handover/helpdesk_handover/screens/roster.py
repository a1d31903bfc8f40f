"""Roster import screen: a file path, an optional column mapping, check (F5) or import (F9)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Static

from helpdesk.extension import HelpdeskError, WorkflowScreen, _
from helpdesk_handover.columns import parse_mapping
from helpdesk_handover.progress import Progress
from helpdesk_handover.roster import RosterRefused, RosterReport, import_roster, read_roster
from helpdesk_handover.screens.progress import JobProgress

SHOWN_PROBLEMS = 200


class RosterScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [  # descriptions are msgids: the footer translates them
        Binding("f9", "import_file", "Import", priority=True),
        Binding("f5", "check_file", "Check only", priority=True),
        Binding("f7", "export_roster", "Export .xlsx", priority=True),
        Binding("f8", "cancel_job", "Cancel", priority=True),
    ]
    DEFAULT_CSS = "RosterScreen #report { height: auto; }"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(_("Import a roster (.xlsx or .csv)"), classes="title")
            yield Input(placeholder=_("Path of the roster file"), id="path")
            yield Input(placeholder=_("Column mapping, optional: national_id=Số CMT, unit=Cơ quan"), id="mapping")
            yield Checkbox(_("Import the valid rows and skip the bad ones"), id="skip_invalid")
            yield self.status_line()
            self.progress_bar = JobProgress(id="progress")
            yield self.progress_bar
            yield Static("", id="report")
        yield self.footer()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def _inputs(self) -> tuple[Path, dict[str, str], bool] | None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.status(_("Type the path of the roster file"), "error")
            return None
        mapping = parse_mapping([self.query_one("#mapping", Input).value])
        return Path(raw).expanduser(), mapping, self.query_one("#skip_invalid", Checkbox).value

    def action_check_file(self) -> None:
        self._start(write=False)

    def action_import_file(self) -> None:
        self._start(write=True)

    def _start(self, write: bool) -> None:
        try:
            inputs = self._inputs()
        except HelpdeskError as exc:  # a bad mapping
            self.show_error(exc)
            return
        if inputs is None:
            return
        self.status(_("Reading {path}…").format(path=inputs[0].name))
        self.query_one("#report", Static).update("")
        progress = self.progress_bar.start(self, "Cancelled: nothing was imported")
        self.run_job(self._run, *inputs, write, progress, done=lambda result: self._show(*result, write),
                     failed=self._failed, group="roster")

    def _run(self, path: Path, mapping: dict[str, str], skip_invalid: bool, write: bool,
             progress: Progress) -> tuple[RosterReport, bool]:  # a job: (report, refused)
        store = self.ctx.store
        if not write:
            return read_roster(path, mapping, store, progress=progress), False
        try:
            return import_roster(store, path, self.ctx.operator.id, mapping=mapping, skip_invalid=skip_invalid,
                                 progress=progress), False
        except RosterRefused as exc:
            return exc.report, True

    def action_export_roster(self) -> None:
        """The whole roster to $HELPDESK_HOME/exports/danh-sach-YYYYMMDD.xlsx (Mẫu 01 columns)."""
        from datetime import date

        from helpdesk_handover.export import export_roster

        path = self.ctx.settings.home / "exports" / f"danh-sach-{date.today():%Y%m%d}.xlsx"
        progress = self.progress_bar.start(self, "Cancelled: no file was written")
        self.run_job(export_roster, self.ctx.store, path, None, progress, group="roster", failed=self._failed,
                     done=lambda count: self._exported(count, path))

    def _exported(self, count: int, path: Path) -> None:
        self.progress_bar.finish()
        self.status(_("{count} subscribers written to {path}").format(count=count, path=path), "ok")

    def action_cancel_job(self) -> None:
        if self.progress_bar.cancel():
            self.status(_("Cancelling…"))

    def on_unmount(self) -> None:
        self.progress_bar.cancel()  # leaving the screen stops the import: nothing written

    def _failed(self, error: BaseException) -> None:
        self.progress_bar.finish()
        self.show_error(error)

    def _show(self, report: RosterReport, refused: bool, write: bool) -> None:
        self.progress_bar.finish()
        lines = report.lines()
        if len(lines) > SHOWN_PROBLEMS:
            lines = [*lines[:SHOWN_PROBLEMS], _("… and {more} more").format(more=len(lines) - SHOWN_PROBLEMS)]
        self.query_one("#report", Static).update("\n".join(lines))
        summary = report.summary()
        if refused:
            self.status(summary + " " + _("Nothing was imported: fix the rows below, or tick "
                                          "'skip the bad ones'."), "error")
        elif report.problems:
            self.status(summary, "error")
        else:
            self.status(summary if write else summary + " " + _("The file is valid."), "ok")
