"""PIN change (C_SetPIN) for a holder who knows the old PIN, under the unlock policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Input, Static

from helpdesk.extension import PinInput, gettext
from helpdesk_pin_unlock.screens import PinScreen

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from helpdesk.extension import Secret, WorkflowContext
    from helpdesk_pin_unlock.service import Outcome

_ = gettext


class ChangePinScreen(PinScreen):
    TITLE_MSGID = "Change PIN"
    BINDINGS: ClassVar[list[BindingType]] = [
        *PinScreen.BINDINGS,
        Binding("f9", "start_pad", "Start on the PIN pad", priority=True),
    ]

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__(context)
        self.old_pin: Secret | None = None

    def compose(self) -> ComposeResult:
        yield from self.header()
        with ContentSwitcher(initial="wait"):
            yield Static(_("Reading the token…"), id="wait")
            with Vertical(id="old"):
                yield Static(_("Step 1/2 – the holder types the current PIN"), classes="step-title")
                yield PinInput(placeholder=_("Current PIN"), id="old-pin")
            with Vertical(id="new"):
                yield Static(_("Step 2/2 – the holder types a new PIN, twice"), classes="step-title")
                yield Static("", id="policy")
                yield PinInput(placeholder=_("New PIN"), id="new-pin")
                yield PinInput(placeholder=_("New PIN again"), id="new-pin-again")
            with Vertical(id="pad"):
                yield Static(_("PIN pad reader: no PIN is typed on this screen."), classes="step-title")
                yield Static(_("Press F9 to start, then the holder types the current PIN and the new PIN "
                               "(twice) on the reader's keypad."))
            yield Static(_("Working on the token… do not pull it out."), id="working")
            yield Static("", id="result")
        yield from self.bottom()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.current_step == "pad" if action == "start_pad" else True

    def token_ready(self) -> None:
        assert self.token is not None
        if self.busy or self.finished:
            return
        if self.token.flags.user_pin_locked:
            self.step("result")
            self.status(_("The user PIN is locked: use PIN recovery (unlock) with the SO PIN."), "error")
        elif self.token.flags.protected_authentication_path:
            self.step("pad")
        elif self.current_step in ("wait", "result"):
            self.clear_inputs("old-pin", "new-pin", "new-pin-again")
            self.step("old", "old-pin")
            if self.token.flags.user_pin_state in ("count_low", "final_try"):
                self.status(_("Careful: the user PIN was entered wrongly before; few tries are left."), "warning")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        if event.input.id == "old-pin":
            if not event.input.value:
                self.status(_("Type the current PIN."), "error")
                return
            self.old_pin = self.take("old-pin")
            if self.ask_new_pin():
                self.status("")
        elif event.input.id == "new-pin":
            self.query_one("#new-pin-again", Input).focus()
        elif event.input.id == "new-pin-again":
            pins = self.take_new_pin(old=self.old_pin)
            if pins is not None:
                self.start(self.old_pin, *pins)

    def action_start_pad(self) -> None:
        if self.current_step == "pad" and not self.busy:
            self.status(_("Type the PINs on the reader's keypad now."), "warning")
            self.start(None, None, None)

    def start(self, old_pin: Secret | None, new_pin: Secret | None, again: Secret | None) -> None:
        assert self.token is not None
        self.busy = True
        self.step("working")
        self.run_job(self.service.change, self.token, self.holder, old_pin, new_pin, again,
                     done=self.changed, failed=self.change_failed, group="change")

    def changed(self, outcome: Outcome) -> None:
        self.busy = False
        self.wipe()
        self.old_pin = None
        self.show_token(outcome.token)
        text, kind = outcome.message()
        self.finished = outcome.ok
        self.step("result")
        if outcome.outcome in ("pin_incorrect", "pin_rejected") and outcome.token is not None:
            self.token_ready()  # back to the first step
        self.status(text, kind)

    def change_failed(self, error: BaseException) -> None:
        self.busy = False
        self.wipe()
        self.old_pin = None
        self.step("result")
        self.show_error(error)
