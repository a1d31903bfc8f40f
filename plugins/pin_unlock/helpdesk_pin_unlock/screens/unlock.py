"""Unlock (khôi phục mật khẩu – mở khóa thiết bị), step by step, all by keyboard.

identity (ID number, or an admin override with a reason) → SO PIN typed by the
operator (plus the typed confirmation on a final try) → new PIN twice, typed by the
holder → the token works (SO log-in, C_InitPIN, proof log-in) → result and receipt.
A PIN-pad reader skips the PIN fields: the reader asks for them. A locked SO PIN, or
one this desk does not hold, leads to the unlock request list (Mẫu 06) or to the
renewal workflow when a plugin offers one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Input, Static

from helpdesk.errors import PinPolicyError
from helpdesk.i18n import gettext as _
from helpdesk_pin_unlock import guard
from helpdesk_pin_unlock.errors import IdentityError
from helpdesk_pin_unlock.policy import check_new_pin
from helpdesk_pin_unlock.screens.base import PinInput, PinScreen
from helpdesk_pin_unlock.screens.outcome import outcome_text

if TYPE_CHECKING:
    from helpdesk.extension import Workflow, WorkflowContext
    from helpdesk.secret import Secret
    from helpdesk.store import Record
    from helpdesk_pin_unlock.identity import IdentityCheck
    from helpdesk_pin_unlock.service import Outcome

RENEWAL_WORKFLOW = "renewal"


class UnlockScreen(PinScreen):
    TITLE_MSGID = "PIN recovery – unlock token"
    BINDINGS: ClassVar[list[BindingType]] = [
        *PinScreen.BINDINGS,
        Binding("f6", "override", "Administrator override", priority=True),
        Binding("f7", "request_list", "Send back to the issuer (Mẫu 06)", priority=True),
        Binding("f8", "renewal", "Revoke and re-issue", priority=True),
        Binding("f9", "start_pad", "Start on the PIN pad", priority=True),
    ]

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__(context)
        self.identity: IdentityCheck | None = None
        self.so_pin: Secret | None = None
        self.blocked_reason: guard.Route = "so_pin_not_held"  # on the blocked step
        self.renewal: Workflow | None = None

    def compose(self) -> ComposeResult:
        yield from self.header()
        admin = self.ctx.operator.role == "admin"
        with ContentSwitcher(initial="wait"):
            yield Static(_("Reading the token…"), id="wait")
            with Vertical(id="identity"):
                yield Static(_("Step 1/3 – identity of the person asking"), classes="step-title")
                yield Static(_("Compare the ID number (CCCD/CMND) on the holder's identity card with the "
                               "subscriber record of this token."))
                yield Input(placeholder=_("ID number (CCCD/CMND)"), id="national-id")
                if admin:
                    yield Static(_("Administrator: to skip the check, type the reason and press F6."))
                    yield Input(placeholder=_("Reason for skipping the identity check"), id="override-reason")
            with Vertical(id="so"):
                yield Static(_("Step 2/3 – SO PIN, typed by the operator"), classes="step-title")
                yield Static("", id="so-warning")
                yield PinInput(placeholder=_("SO PIN"), id="so-pin")
                yield Input(placeholder=_("Type {phrase} to confirm the last try").format(phrase=guard.CONFIRM_PHRASE),
                            id="so-confirm")
            with Vertical(id="new"):
                yield Static(_("Step 3/3 – the holder types a new PIN, twice"), classes="step-title")
                yield Static("", id="policy")
                yield PinInput(placeholder=_("New PIN"), id="new-pin")
                yield PinInput(placeholder=_("New PIN again"), id="new-pin-again")
            with Vertical(id="pad"):
                yield Static(_("PIN pad reader: no PIN is typed on this screen."), classes="step-title")
                yield Static(_("Press F9 to start. Then: 1) the operator types the SO PIN on the reader's keypad; "
                               "2) the holder types the new PIN on the keypad; 3) the holder types the new PIN "
                               "once more to prove it works."), id="pad-text")
                yield Static("", id="pad-warning")
                yield Input(placeholder=_("Type {phrase} to confirm the last try").format(phrase=guard.CONFIRM_PHRASE),
                            id="pad-confirm")
            with Vertical(id="blocked"):
                yield Static(_("The token must go back to the issuer"), classes="step-title")
                yield Static("", id="blocked-text")
            yield Static(_("Working on the token… do not pull it out."), id="working")
            yield Static("", id="result")
        yield from self.footer()

    # ---- keys and steps ----------------------------------------------------------------
    def keys_text(self) -> str:
        step = self.current_step
        parts = [_("Esc: close"), _("F5: read the token again")]
        if step == "identity" and self.ctx.operator.role == "admin":
            parts.append(_("F6: administrator override"))
        if step in ("so", "blocked"):
            parts.append(_("F7: send back to the issuer (Mẫu 06)"))
        if step == "blocked" and self.renewal is not None:
            parts.append(_("F8: revoke and re-issue ({title})").format(title=self.renewal.title()))
        if step == "pad":
            parts.append(_("F9: start on the PIN pad"))
        return " · ".join(parts)

    def on_mount(self) -> None:
        self.renewal = self._find_renewal()
        super().on_mount()

    def _find_renewal(self) -> Workflow | None:
        """The renewal plugin's workflow, offered only when some plugin registered it."""
        from helpdesk import plugins

        found = [w for w in plugins.collect_workflows().value if w.id == RENEWAL_WORKFLOW]
        return found[0] if found else None

    def token_ready(self) -> None:
        """After each read: the first step, or the route again from the token's fresh flags."""
        if self.identity is None:
            if self.current_step in ("wait", "identity"):
                self.step("identity", "national-id")
        elif not self.finished and self.current_step in ("result", "so", "pad", "blocked"):
            self.step_after_identity(keep_message=True)

    def step_after_identity(self, keep_message: bool = False) -> None:
        assert self.token is not None
        route = guard.unlock_route(self.token, self.service.holds_so_pin(self.token))
        if route in ("so_pin_locked", "so_pin_not_held"):
            self.show_blocked(route)
        elif self.token.flags.protected_authentication_path:
            self.show_pad(route == "so_pin_final_try")
        else:
            final = route == "so_pin_final_try"
            warning = _("The SO PIN has one try left: a wrong SO PIN now locks the token for good. Check the "
                        "batch list, then type {phrase} below.").format(phrase=guard.CONFIRM_PHRASE) if final else ""
            self.query_one("#so-warning", Static).update(warning)
            self.query_one("#so-confirm", Input).display = final
            self.clear_inputs("so-pin", "so-confirm")
            self.step("so", "so-pin")
        if not keep_message and route not in ("so_pin_locked", "so_pin_not_held"):
            self.say("")

    def show_pad(self, final: bool) -> None:
        warning = _("The SO PIN has one try left. Type {phrase} below, then press F9.").format(
            phrase=guard.CONFIRM_PHRASE) if final else ""
        self.query_one("#pad-warning", Static).update(warning)
        self.query_one("#pad-confirm", Input).display = final
        self.step("pad", "pad-confirm" if final else None)

    def show_blocked(self, reason: guard.Route) -> None:
        self.blocked_reason = reason
        text = guard.unavailable(reason).localized()
        self.query_one("#blocked-text", Static).update(text)
        self.step("blocked")
        self.say(text, "warning")

    # ---- input ---------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        handler = {
            "national-id": self.submit_identity,
            "override-reason": self.action_override,
            "so-pin": self.submit_so_pin,
            "so-confirm": self.submit_confirm,
            "new-pin": lambda: self.query_one("#new-pin-again", Input).focus(),
            "new-pin-again": self.submit_new_pin,
            "pad-confirm": self.action_start_pad,
        }.get(event.input.id or "")
        if handler is not None and not self.busy:
            handler()

    def submit_identity(self) -> None:
        if self.token is None:
            return
        typed = self.query_one("#national-id", Input).value
        self.run_job("identity", self.service.check_identity, self.token, self.holder, typed)

    def done_identity(self, identity: IdentityCheck) -> None:
        self.identity = identity
        self.clear_inputs("national-id")
        self.say(_("Identity confirmed."), "ok")
        self.step_after_identity(keep_message=True)

    def failed(self, name: str, error: BaseException) -> None:
        if name == "identity" and isinstance(error, IdentityError):
            self.say(error.localized(), "error")
            self.query_one("#national-id", Input).focus()
            return
        super().failed(name, error)
        if name == "unlock":  # refused before any try (SO PIN locked meanwhile, token gone, …)
            self.wipe()
            self.so_pin = None
            self.step("result")
            self.query_one("#result", Static).update("")
            self.action_reread()  # the route follows the token's fresh flags

    def action_override(self) -> None:
        if self.current_step != "identity" or self.token is None:
            return
        if self.ctx.operator.role != "admin":
            self.say(_("Only an administrator can skip the identity check."), "error")
            return
        reason = self.query_one("#override-reason", Input).value
        try:
            self.identity = self.service.override_identity(reason)
        except IdentityError as exc:
            self.say(exc.localized(), "error")
            self.query_one("#override-reason", Input).focus()
            return
        self.say(_("Identity check skipped by the administrator: {reason}").format(reason=self.identity.reason),
                 "warning")
        self.step_after_identity(keep_message=True)

    def submit_so_pin(self) -> None:
        if not self.query_one("#so-pin", Input).value:
            self.say(_("Type the SO PIN."), "error")
            return
        self.so_pin = self.take("so-pin")
        if self.query_one("#so-confirm", Input).display:
            self.query_one("#so-confirm", Input).focus()
        else:
            self.show_new_pin()

    def submit_confirm(self) -> None:
        if not guard.confirmed(self.query_one("#so-confirm", Input).value):
            self.say(_("Type exactly {phrase} to confirm the last SO PIN try.").format(phrase=guard.CONFIRM_PHRASE),
                     "error")
            return
        if self.so_pin is None:
            self.query_one("#so-pin", Input).focus()
            return
        self.show_new_pin()

    def show_new_pin(self) -> None:
        if self.ask_new_pin():
            self.say(_("Hand the keyboard to the holder."), "info")

    def submit_new_pin(self) -> None:
        assert self.token is not None and self.identity is not None
        new_pin, again = self.take("new-pin"), self.take("new-pin-again")
        try:
            check_new_pin(self.service.policy(self.token), new_pin, again)
        except PinPolicyError as exc:
            new_pin.wipe()
            again.wipe()
            self.say(exc.localized(), "error")
            self.query_one("#new-pin", Input).focus()
            return
        if self.so_pin is None:
            self.step_after_identity()
            return
        confirmation = self.query_one("#so-confirm", Input).value
        self.start_unlock(self.so_pin, new_pin, again, confirmation)

    def action_start_pad(self) -> None:
        if self.current_step != "pad" or self.busy or self.identity is None:
            return
        confirm = self.query_one("#pad-confirm", Input)
        if confirm.display and not guard.confirmed(confirm.value):
            self.say(_("Type exactly {phrase} to confirm the last SO PIN try.").format(phrase=guard.CONFIRM_PHRASE),
                     "error")
            return
        self.say(_("Type the PINs on the reader's keypad now."), "warning")
        self.start_unlock(None, None, None, confirm.value)

    def start_unlock(self, so_pin: Secret | None, new_pin: Secret | None, again: Secret | None,
                     confirmation: str) -> None:
        assert self.token is not None and self.identity is not None
        self.busy = True
        self.step("working")
        self.run_job("unlock", self.service.unlock, self.token, self.holder, self.identity, so_pin, new_pin, again,
                     confirmation)

    def done_unlock(self, outcome: Outcome) -> None:
        self.busy = False
        self.wipe()
        self.so_pin = None
        self.clear_inputs("so-confirm", "pad-confirm")
        if outcome.token is not None:
            self.token = outcome.token
            self.show_token()
        text, severity = outcome_text(outcome)
        self.finished = outcome.ok
        if outcome.outcome == "so_pin_locked":
            self.show_blocked("so_pin_locked")
            self.say(text, severity)
            return
        if outcome.outcome in ("so_pin_incorrect", "refused_final_try", "token_error") and outcome.token is not None:
            self.say(text, severity)
            self.step_after_identity(keep_message=True)
            return
        if outcome.outcome == "pin_rejected" and outcome.token is not None:
            self.say(text, severity)  # the SO PIN was wiped with the rest: ask for it again
            self.step_after_identity(keep_message=True)
            return
        self.query_one("#result", Static).update("")
        self.step("result")
        self.say(text, severity)

    # ---- back to the issuer, or renewal ---------------------------------------------------
    def action_request_list(self) -> None:
        if self.current_step not in ("so", "blocked") or self.token is None or self.identity is None or self.busy:
            return
        reason = self.blocked_reason if self.current_step == "blocked" else "so_pin_not_held"
        self.run_job("request", self.service.request_return, self.token, self.holder, reason)

    def done_request(self, record: Record) -> None:
        self.finished = True
        unit = record.payload["holder"].get("unit_id") or "-"
        self.query_one("#result", Static).update("")
        self.step("result")
        self.say(_("The token was added to the unlock request list (Mẫu 06) for the issuer. Print the list with: "
                   "helpdesk unlock-requests export --unit {unit}").format(unit=unit), "ok")

    def action_renewal(self) -> None:
        if self.current_step != "blocked" or self.renewal is None:
            return
        self.wipe()
        self.app.push_screen(self.renewal.screen(self.ctx))
