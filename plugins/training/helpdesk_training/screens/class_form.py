"""A new class, from the kiosk (F2 on the check-in screen): code, title, sessions, venue,
trainers, capacity, and optionally its roster file (.xlsx/.csv) imported at once.

F9 saves. A roster file with bad rows lists every row and why, and nothing is saved
(neither the class nor the roster), so the trainer fixes the file and presses F9 again.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from helpdesk.extension import WorkflowContext, WorkflowScreen, _
from helpdesk_training.model import (
    DEFAULT_CAPACITY,
    Session,
    TrainingBook,
    TrainingClass,
    TrainingError,
    check_code,
)
from helpdesk_training.roster import RosterChange, RosterRefused, import_file
from helpdesk_training.roster_file import read_roster_file

FIELDS = (
    ("code", "Class code (e.g. TH-2018-01)"),
    ("title", "Title"),
    ("sessions", "Sessions: 10/05/2018 sáng; 10/05/2018 chiều"),
    ("venue", "Venue"),
    ("trainers", "Trainers (comma-separated)"),
    ("capacity", "Capacity (default 30)"),
    ("roster", "Roster file (.xlsx or .csv), optional"),
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


class ClassFormScreen(WorkflowScreen):
    """Closes itself once saved; :attr:`saved` holds the class and its roster change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "save", "Save the class", priority=True),
        Binding("escape", "close", "Back", priority=True),
    ]
    DEFAULT_CSS = """
    ClassFormScreen Input { width: 1fr; }
    ClassFormScreen #problems { height: auto; color: $error; }
    """

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__(context)
        self.saved: tuple[TrainingClass, RosterChange | None] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(_("New training class"), classes="title")
            for name, placeholder in FIELDS:
                yield Input(placeholder=_(placeholder), id=name)
            yield self.status_line()
            yield Static("", id="problems")
        yield self.footer()

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

    def value(self, name: str) -> str:
        return _nfc(self.query_one(f"#{name}", Input).value)

    def _draft(self) -> tuple[TrainingClass, Path | None]:
        parts = [p for p in self.value("sessions").replace(",", ";").split(";") if p.strip()]
        sessions = []
        for i, part in enumerate(parts, 1):
            day, _sep, when = part.strip().partition(" ")
            sessions.append(Session.parse(i, f"{day}:{when}" if when else day))
        capacity_text = self.value("capacity") or str(DEFAULT_CAPACITY)
        if not capacity_text.isdigit() or int(capacity_text) < 1:
            raise TrainingError("Capacity must be at least 1")
        if not self.value("title"):
            raise TrainingError("A class needs a title")
        roster = self.value("roster")
        cls = TrainingClass(code=check_code(self.value("code")), title=self.value("title"), sessions=tuple(sessions),
                            venue=self.value("venue"),
                            trainers=tuple(t.strip() for t in self.value("trainers").split(",") if t.strip()),
                            capacity=int(capacity_text), created_by=self.ctx.operator.id)
        return cls, Path(roster).expanduser() if roster else None

    def action_save(self) -> None:
        if self.busy_with("save"):
            return
        self.query_one("#problems", Static).update("")
        try:
            cls, roster = self._draft()
        except TrainingError as exc:
            self.show_error(exc)
            return
        ctx = self.ctx

        def save() -> tuple[TrainingClass, RosterChange | None]:
            if roster is not None:
                report = read_roster_file(roster)  # every row checked before anything is saved
                if report.problems:
                    raise RosterRefused(report)
            book = TrainingBook(ctx)
            book.add_class(cls)
            return cls, import_file(book, cls.code, roster) if roster is not None else None

        self.status(_("Saving…"))
        self.run_job(save, done=self._saved, failed=self._failed, group="save")

    def _failed(self, error: BaseException) -> None:
        self.show_error(error)
        if isinstance(error, RosterRefused):
            self.query_one("#problems", Static).update("\n".join(error.report.lines()))

    def _saved(self, saved: tuple[TrainingClass, RosterChange | None]) -> None:
        self.saved = saved
        self.dismiss(None)

    def summary(self) -> tuple[str, str]:
        """(status text, kind) for the screen that opened this one."""
        if self.saved is None:
            return "", ""
        cls, change = self.saved
        text = _("Class {code} saved.").format(code=cls.code)
        if change is None:
            return text, "ok"
        return " ".join([text, change.summary(), *change.warnings()]), "warning" if change.warnings() else "ok"
