"""The check-in screen (điểm danh), built for a queue of trainees at one session.

Choose the class (Enter); the session is today's (F4: the next one). Then each trainee
inserts their token: the certificate names them, they are marked present with the time,
and the token can be pulled at once. With PIN proof (F3) the trainee types their PIN
first; the token's PIN state is shown before any try and a final try needs F8. No token:
type the name without diacritics, or the ID number, and Enter; pick the person (Enter).
F2 creates a class (with its roster file); F9 prints the attendance list of the session.
Every store and token call runs in a thread job; the UI never waits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from helpdesk.extension import (
    PinInput,
    Printed,
    Secret,
    TokenInfo,
    WorkflowContext,
    WorkflowScreen,
    _,
)
from helpdesk_training.checkin import (
    Candidate,
    CheckInDesk,
    Outcome,
    PinProofFailed,
    PinProofRefused,
)
from helpdesk_training.model import Attendance, TrainingBook, TrainingClass
from helpdesk_training.sheets import IssuedSheet, issue_sheet, write_xlsx

if TYPE_CHECKING:
    from helpdesk_training.screens.class_form import ClassFormScreen

PIN_STATE_TEXT = {
    "ok": "PIN state: normal",
    "count_low": "PIN state: wrong PINs were typed, few tries left",
    "final_try": "PIN state: ONE try left — a wrong PIN locks the token",
    "locked": "PIN state: locked — no PIN proof possible",
}


class CheckInScreen(WorkflowScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "new_class", "New class", priority=True),
        Binding("f3", "toggle_pin_proof", "PIN proof on/off", priority=True),
        Binding("f4", "next_session", "Next session", priority=True),
        Binding("f6", "focus_search", "Search by name", priority=True),
        Binding("f7", "without_proof", "Check in without PIN proof", priority=True),
        Binding("f8", "confirm_final_try", "Confirm the final PIN try", priority=True),
        Binding("f9", "attendance_list", "Print the attendance list", priority=True),
        Binding("escape", "close", "Back", priority=True),
    ]
    DEFAULT_CSS = """
    CheckInScreen Horizontal { height: auto; }
    CheckInScreen .panel { width: 1fr; height: auto; border: round $primary; padding: 0 1; }
    CheckInScreen #classes { height: auto; max-height: 8; }
    CheckInScreen #results { height: auto; max-height: 6; }
    CheckInScreen #pin { display: none; }
    CheckInScreen #pin.shown { display: block; }
    CheckInScreen #present { height: auto; max-height: 16; }
    """

    PRINT_WAIT = 60.0  # seconds the status line follows the print job

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__(context)
        self.book: TrainingBook | None = None
        self.desk: CheckInDesk | None = None
        self.class_list: list[TrainingClass] = []
        self.pending: tuple[Candidate, TokenInfo] | None = None  # waiting for the PIN
        self.final_try_confirmed = False
        self.found: list[Candidate] = []
        self.last: Outcome | None = None
        self.present: list[Attendance] = []
        self._busy = False
        self._queue: list[TokenInfo] = []
        self._note: tuple[str, str] | None = None  # a message for when the next class opens
        self.sheet: tuple[IssuedSheet, Printed, Path] | None = None  # the last attendance list

    # ---- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(_("Training class check-in"), classes="title")
            yield OptionList(id="classes")
            yield Static(_("Choose a class and press Enter."), id="class")
            yield Checkbox(_("PIN proof: the trainee logs in to the token (F3)"), id="pin_proof")
            with Horizontal():
                yield Static(_("Insert a trainee's token."), id="trainee", classes="panel")
            yield PinInput(_("Trainee's PIN, then Enter"), id="pin")
            yield Input(placeholder=_("No token? Name without diacritics, or ID number, then Enter (F6)"),
                        id="search")
            yield OptionList(id="results")
            yield self.status_line()
            yield DataTable(id="present", cursor_type="none", zebra_stripes=True)
        yield self.footer()

    def on_mount(self) -> None:
        table = self.query_one("#present", DataTable)
        table.add_columns(_("No."), _("Full name"), _("Unit"), _("Time"), _("How"), _("Note"))
        self.run_job(self._load_classes, done=self._show_classes, group="load")

    def _load_classes(self) -> tuple[TrainingBook, list[TrainingClass]]:
        book = TrainingBook(self.ctx)
        return book, book.list_classes()

    def _show_classes(self, loaded: tuple[TrainingBook, list[TrainingClass]]) -> None:
        self.book, self.class_list = loaded
        menu = self.query_one("#classes", OptionList)
        menu.clear_options()
        if not self.class_list:
            menu.add_option(Option(_("No classes yet: press F2 to create one."), id="-none", disabled=True))
            return
        menu.add_options(Option(f"{c.code}  {c.first_day:%d/%m/%Y}  {c.title}", id=c.code) for c in self.class_list)
        menu.highlighted = 0
        menu.focus()

    # ---- the class and its session ---------------------------------------------------------
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if event.option_list.id == "classes" and not option_id.startswith("-"):
            self.open_class(option_id)
        elif event.option_list.id == "results" and self.desk is not None:
            index = event.option_index
            if 0 <= index < len(self.found):
                self._mark(self.found[index], "search")

    def open_class(self, code: str, session: str | None = None) -> None:
        if self.book is None:
            return
        book = self.book
        self.run_job(lambda: self._open(book, code, session), done=self._opened, group="open")

    @staticmethod
    def _open(book: TrainingBook, code: str, session: str | None) -> tuple[CheckInDesk, list[Attendance]]:
        desk = CheckInDesk(book, code, session)
        return desk, book.attendance_of(desk.code, desk.session.id)

    def _opened(self, opened: tuple[CheckInDesk, list[Attendance]]) -> None:
        self.desk, present = opened
        self._clear_pending()
        self._show_present(present)
        self._show_class()
        ready = _("Class {code} open for check-in. Insert a token, or search by name.").format(code=self.desk.code)
        note, kind = self._note or ("", "ok")
        self._note = None
        self.status(" ".join(filter(None, [note, ready])), kind)
        self.query_one("#search", Input).focus()
        if self.token is not None:
            self.token_inserted(self.token)

    def _show_class(self) -> None:
        if self.desk is None:
            return
        cls, s = self.desk.cls, self.desk.session
        lines = [f"{cls.code}: {cls.title}",
                 _("Session {label} · {venue} · {count}/{capacity} present").format(
                     label=s.label(), venue=cls.venue or "—", count=len(self.present), capacity=cls.capacity)]
        self.query_one("#class", Static).update("\n".join(lines))

    def action_new_class(self) -> None:
        from helpdesk_training.screens.class_form import ClassFormScreen

        form = ClassFormScreen(self.ctx)
        self.app.push_screen(form, callback=lambda _result: self._class_added(form))

    def _class_added(self, form: ClassFormScreen) -> None:
        if form.saved is None:
            return
        text, kind = form.summary()
        code = form.saved[0].code

        def reload(loaded: tuple[TrainingBook, list[TrainingClass]]) -> None:
            self._show_classes(loaded)
            self._note = (text, kind)  # shown once the class is open
            self.open_class(code)

        self.run_job(self._load_classes, done=reload, group="load")

    def action_next_session(self) -> None:
        if self.desk is None:
            return
        ids = [s.id for s in self.desk.cls.sessions]
        nxt = ids[(ids.index(self.desk.session.id) + 1) % len(ids)]
        self.open_class(self.desk.code, nxt)

    def _show_present(self, present: list[Attendance]) -> None:
        self.present = sorted(present, key=lambda a: a.at)
        table = self.query_one("#present", DataTable)
        table.clear()
        for i, a in enumerate(self.present, 1):
            how = {"pin": _("token + PIN"), "token": _("token"), "search": _("by name"),
                   "script": _("script")}.get(a.method, a.method)
            table.add_row(str(i), a.full_name, a.unit, a.time_text(), how, _("walk-in") if a.walk_in else "")
        self._show_class()

    # ---- tokens ----------------------------------------------------------------------------
    @property
    def pin_proof(self) -> bool:
        return self.query_one("#pin_proof", Checkbox).value

    def action_toggle_pin_proof(self) -> None:
        box = self.query_one("#pin_proof", Checkbox)
        box.value = not box.value

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "pin_proof" and not event.value and self.pending is not None:
            self._clear_pending()
            self.status(_("PIN proof off: insert the token again to check in."), "warning")

    def token_inserted(self, token: TokenInfo) -> None:
        if self.desk is None:
            self.status(_("Choose a class first, then insert the token again."), "warning")
            return
        if self._busy:
            self._queue.append(token)
            return
        self._clear_pending()
        self._busy = True
        self.query_one("#trainee", Static).update(_("Reading token {serial}…").format(serial=token.serial))
        desk = self.desk
        if self.pin_proof:
            self.run_job(self._who, desk, token, done=lambda c: self._ask_pin(c, token),
                         failed=self._failed, group="checkin", exclusive=False)
        else:
            self.run_job(desk.check_in_token, token, done=self._done, failed=self._failed, group="checkin",
                         exclusive=False)

    @staticmethod
    def _who(desk: CheckInDesk, token: TokenInfo) -> Candidate | Outcome:
        candidate = desk.candidate_for_token(token)
        return desk.already(candidate) or candidate

    def token_removed(self, serial: str) -> None:
        if self.pending is not None and self.pending[1].serial == serial and not self._busy:
            name = self.pending[0].trainee.full_name
            self._clear_pending()
            self.status(_("Token {serial} was pulled out before the PIN proof: {name} is not checked in. "
                          "Insert it again.").format(serial=serial, name=name), "error")

    # ---- PIN proof ---------------------------------------------------------------------------
    def _ask_pin(self, found: Candidate | Outcome, token: TokenInfo) -> None:
        self._busy = False
        if isinstance(found, Outcome):
            self._done(found)
            return
        self.pending = (found, token)
        self.final_try_confirmed = False
        state = token.flags.user_pin_state
        self._show_trainee(found, [_(PIN_STATE_TEXT.get(state, state))])
        if state == "locked":
            self.status(_("The PIN of {name}'s token is locked: no PIN proof possible. F7 checks them in without "
                          "it; send them to the PIN unlock desk.").format(name=found.trainee.full_name), "error")
            return
        pin = self.query_one("#pin", PinInput)
        pin.value = ""
        pin.add_class("shown")
        self.call_after_refresh(pin.focus)  # focusable once shown
        if state == "final_try":
            self.status(_("One PIN try left for {name}: press F8 to allow it, or F7 to check in without PIN "
                          "proof.").format(name=found.trainee.full_name), "warning")
        else:
            self.status(_("{name}: type your PIN and press Enter.").format(name=found.trainee.full_name))

    def action_confirm_final_try(self) -> None:
        if self.pending is None:
            return
        self.final_try_confirmed = True
        self.status(_("Final try allowed: the trainee types the PIN carefully and presses Enter."), "warning")

    def action_without_proof(self) -> None:
        if self.pending is None or self._busy:
            return
        candidate, token = self.pending
        self._clear_pending()
        self._mark(candidate, "token", token)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "pin":
            self._submit_pin(event.input)
        elif event.input.id == "search":
            self._search(event.value)

    def _submit_pin(self, field: Input) -> None:
        secret = Secret(field.value)
        field.value = ""
        if self.pending is None or self.desk is None or self._busy or not secret:
            secret.wipe()
            return
        candidate, token = self.pending
        desk, confirmed = self.desk, self.final_try_confirmed
        self._busy = True
        self.status(_("Checking the PIN on the token…"))

        def prove() -> Outcome:
            try:
                desk.prove_pin(token.serial, secret, final_try_confirmed=confirmed)
            finally:
                secret.wipe()
            return desk.mark(candidate, "pin", token)

        self.run_job(prove, done=self._done, failed=self._pin_failed, group="checkin", exclusive=False)

    def _pin_failed(self, error: BaseException) -> None:
        self._busy = False
        if isinstance(error, PinProofFailed) and self.pending is not None:
            self.final_try_confirmed = False
            candidate = self.pending[0]
            self._show_trainee(candidate, [_(PIN_STATE_TEXT.get(error.state, error.state))])
            self.show_error(error)
            if error.state == "locked":
                self.query_one("#pin", PinInput).remove_class("shown")
            else:
                self.query_one("#pin", PinInput).focus()
            self._next()
            return
        if not isinstance(error, PinProofRefused):  # refused: no try spent, F8 or F7 still apply
            self._clear_pending()
        self._failed(error)

    # ---- search -------------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _search(self, text: str) -> None:
        if self.desk is None:
            self.status(_("Choose a class first."), "warning")
            return
        if not text.strip():
            return
        self.run_job(self.desk.search, text, done=self._show_found, group="search")

    def _show_found(self, found: list[Candidate]) -> None:
        self.found = found
        results = self.query_one("#results", OptionList)
        results.clear_options()
        if not found:
            self.status(_("Nobody found; check the spelling or type the ID number."), "warning")
            return
        for c in found:
            t = c.trainee
            mark = "" if c.on_roster else "  [" + _("not on the roster") + "]"
            results.add_option(Option(f"{t.full_name} · {t.unit or '—'} · {t.national_id or '—'}{mark}"))
        results.highlighted = 0
        results.focus()
        self.status(_("{count} found: choose the trainee and press Enter.").format(count=len(found)))

    # ---- marking ----------------------------------------------------------------------------
    def _mark(self, candidate: Candidate, method: str, token: TokenInfo | None = None) -> None:
        if self.desk is None or self._busy:
            return
        self._busy = True
        self.run_job(self.desk.mark, candidate, method, token, done=self._done, failed=self._failed,
                     group="checkin", exclusive=False)

    def _done(self, outcome: Outcome) -> None:
        self._busy = False
        self.last = outcome
        self._clear_pending()
        self.query_one("#results", OptionList).clear_options()
        self.found = []
        search = self.query_one("#search", Input)
        search.value = ""
        self._show_trainee(outcome.candidate, [])
        if not outcome.already:
            self._show_present([*self.present, outcome.entry])
        self.status(" · ".join([outcome.headline(), *outcome.warnings()]), outcome.kind)
        search.focus()
        self._next()

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.query_one("#trainee", Static).update(_("Insert a trainee's token."))
        self.show_error(error)
        self._next()

    def _next(self) -> None:
        if self._queue and not self._busy:
            self.token_inserted(self._queue.pop(0))

    def _show_trainee(self, candidate: Candidate, extra: list[str]) -> None:
        t = candidate.trainee
        lines = [t.full_name, " · ".join(filter(None, [t.position, t.unit])),
                 _("ID number: {number}").format(number=t.national_id or "—")]
        if not candidate.on_roster:
            lines.append(_("Not on this class's roster (walk-in)"))
        self.query_one("#trainee", Static).update("\n".join([*filter(None, lines), *extra]))

    def _clear_pending(self) -> None:
        self.pending = None
        self.final_try_confirmed = False
        pin = self.query_one("#pin", PinInput)
        pin.value = ""
        pin.remove_class("shown")

    def relabel(self) -> None:
        self._show_class()

    def action_close(self) -> None:
        self._clear_pending()
        super().action_close()

    # ---- the attendance list ---------------------------------------------------------------
    def action_attendance_list(self) -> None:
        if self.desk is None or self.busy_with("sheet"):
            return
        desk, ctx = self.desk, self.ctx
        wait = self.PRINT_WAIT

        def make() -> tuple[IssuedSheet, Printed, Path]:
            issued = issue_sheet(ctx, desk.code, "attendance", desk.session.id)
            printed = ctx.print(issued.pdf, 1, kind=issued.archive_kind, key=issued.record.id,
                                title=f"{desk.code} {issued.number}", wait=wait)
            return issued, printed, write_xlsx(issued.record, printed.path.with_suffix(".xlsx"))

        self.status(_("Making the attendance list…"))
        self.run_job(make, done=self._sheet_done, group="sheet")

    def _sheet_done(self, made: tuple[IssuedSheet, Printed, Path]) -> None:
        self.sheet = made
        issued, printed, xlsx = made
        text = _("Attendance list {number}: {count} trainees; archived as {pdf} and {xlsx}").format(
            number=issued.number, count=issued.count, pdf=printed.path.name, xlsx=xlsx.name)
        if printed.error is not None:
            self.status(f"{text} · {printed.error.localized()}", "warning")
        else:
            self.status(f"{text} · " + _("sent to the printer"), "ok")

