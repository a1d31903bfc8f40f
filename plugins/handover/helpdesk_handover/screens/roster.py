"""Roster import screen: a file path, an optional column mapping, check (F5) or import (F9)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, Static

from helpdesk.i18n import _
from helpdesk.widgets.footer import LocalizedFooter
from helpdesk_handover.columns import parse_mapping
from helpdesk_handover.roster import RosterRefused, RosterReport, import_roster, read_roster
from helpdesk_handover.screens.common import WorkflowScreen

SHOWN_PROBLEMS = 200


class RosterScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "import_file", _("Import"), priority=True),
        Binding("f5", "check_file", _("Check only"), priority=True),
        Binding("escape", "close", _("Back"), priority=True),
    ]
    DEFAULT_CSS = "RosterScreen #report { height: auto; }"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(_("Import a roster (.xlsx or .csv)"), classes="title")
            yield Input(placeholder=_("Path of the roster file"), id="path")
            yield Input(placeholder=_("Column mapping, optional: national_id=Số CMT, unit=Cơ quan"), id="mapping")
            yield Checkbox(_("Import the valid rows and skip the bad ones"), id="skip_invalid")
            yield Static("", id="status")
            yield Static("", id="report")
        yield LocalizedFooter()

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
        except Exception as exc:  # a bad mapping: shown like worker errors
            self.failed("roster", exc)
            return
        if inputs is None:
            return
        self.status(_("Reading {path}…").format(path=inputs[0].name))
        self.query_one("#report", Static).update("")
        self._run(*inputs, write)

    @work(thread=True, exclusive=True, exit_on_error=False, group="roster")
    def _run(self, path: Path, mapping: dict[str, str], skip_invalid: bool, write: bool) -> None:
        store = self.context.store
        refused = False
        if write:
            try:
                report = import_roster(store, path, self.context.operator.id, mapping=mapping,
                                       skip_invalid=skip_invalid)
            except RosterRefused as exc:
                report, refused = exc.report, True
        else:
            report = read_roster(path, mapping, store)
        self.app.call_from_thread(self._show, report, write, refused)

    def _show(self, report: RosterReport, write: bool, refused: bool) -> None:
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
