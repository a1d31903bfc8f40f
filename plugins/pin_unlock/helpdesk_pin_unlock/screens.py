"""The unlock screen (khôi phục mật khẩu – mở khóa thiết bị), step by step, all by keyboard,
and what it shares with the PIN-change screen (:class:`PinScreen`).

identity (ID number, or an admin override with a reason) → SO PIN typed by the
operator (plus the typed confirmation on a final try) → new PIN twice, typed by the
holder → the token works (SO log-in, C_InitPIN, proof log-in) → result and receipt.
A PIN-pad reader skips the PIN fields: the reader asks for them. A locked SO PIN, or
one this desk does not hold, leads to the unlock request list (Mẫu 06) or to the
renewal workflow when a plugin offers one.

The token panel shows the PIN states, PIN pad, holder and certificate before any PIN
is typed. A PIN leaves its masked field wrapped in a :class:`Secret` and the field is
cleared at once; the screen wipes every Secret it took when an attempt ends and when
it closes. Blocking work runs through ``run_job``; the token's coming and going
arrives through ``token_inserted``/``token_removed``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Input, Static

from helpdesk.extension import (
    ConfigError,
    HelpdeskError,
    PinInput,
    PinPolicyError,
    Secret,
    WorkflowScreen,
    find_workflow,
    gettext,
)
from helpdesk_pin_unlock.records import Holder, main_certificate
from helpdesk_pin_unlock.rules import (
    CONFIRM_PHRASE,
    IdentityError,
    Route,
    UnlockSettings,
    check_new_pin,
    confirmed,
    pin_state_text,
    unavailable,
    unlock_route,
)
from helpdesk_pin_unlock.service import PinService

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from helpdesk.extension import Record, TokenInfo, Workflow, WorkflowContext
    from helpdesk_pin_unlock.rules import IdentityCheck
    from helpdesk_pin_unlock.service import Outcome

_ = gettext
RENEWAL_WORKFLOW = "renewal"


# ---- the token panel (read without a PIN: no try is spent) ---------------------------------
def panel_lines(token: TokenInfo, holder: Holder, so_pin_held: bool,
                now: datetime | None = None) -> list[tuple[str, str, str]]:
    """(label, value, severity) lines of the token panel, in the interface language."""
    user_text, user_sev = pin_state_text(token.flags.user_pin_state)
    so_text, so_sev = pin_state_text(token.flags.so_pin_state)
    if not so_pin_held:
        so_text, so_sev = f"{so_text} · {_('not held at this desk')}", "warning" if so_sev == "ok" else so_sev
    pad = token.flags.protected_authentication_path
    lines: list[tuple[str, str, str]] = [
        (_("Token"), f"{token.label} · {token.serial}", "ok"),
        (_("User PIN"), user_text, user_sev),
        (_("SO PIN"), so_text, so_sev),
        (_("PIN pad reader"), _("yes: PINs are typed on the reader") if pad else _("no"), "ok"),
    ]
    if holder.subscriber is not None:
        lines.append((_("Holder"), holder.name + (f" · {holder.unit_name}" if holder.unit_name else ""), "ok"))
    else:
        lines.append((_("Holder"), _("no subscriber record names this token"), "warning"))
    cert = main_certificate(token)
    if cert is None:
        lines.append((_("Certificate"), _("none on the token"), "warning"))
    else:
        until = cert.not_after.astimezone().strftime("%d/%m/%Y")
        if cert.is_valid_at(now or datetime.now(UTC)):
            lines.append((_("Certificate"), _("{name}, valid until {date}").format(
                name=cert.subject.common_name, date=until), "ok"))
        else:
            lines.append((_("Certificate"), _("{name}, not valid (until {date})").format(
                name=cert.subject.common_name, date=until), "warning"))
    return lines


_STYLE = {"ok": "", "warning": "bold yellow", "error": "bold red"}


class TokenPanel(Static):
    DEFAULT_CSS = """
    TokenPanel { border: round $primary; padding: 0 1; height: auto; }
    """

    def show(self, token: TokenInfo, holder: Holder, so_pin_held: bool) -> None:
        rows = []
        for label, value, severity in panel_lines(token, holder, so_pin_held):
            style = _STYLE[severity]
            rows.append(f"[b]{escape(label)}:[/b] " + (f"[{style}]{escape(value)}[/]" if style else escape(value)))
        self.update("\n".join(rows))

    def show_text(self, text: str) -> None:
        self.update(escape(text))


# ---- what the unlock and change screens share ----------------------------------------------
class PinScreen(WorkflowScreen):
    DEFAULT_CSS = """
    PinScreen { padding: 1 2; }
    PinScreen .step-title { text-style: bold; margin: 1 0 0 0; }
    PinScreen Input { width: 60; margin: 0 0 1 0; }
    PinScreen ContentSwitcher { height: auto; }
    PinScreen ContentSwitcher > * { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *WorkflowScreen.BINDINGS,
        Binding("f5", "reread", "Read the token again", priority=True),
    ]
    TITLE_MSGID = ""

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__(context)
        self.serial = context.token.serial if context.token else ""  # this workflow's token
        self.own: TokenInfo | None = context.token  # as last read; None while pulled out
        self.holder = Holder(None, None)
        self.config_error: ConfigError | None = None
        try:
            self.service = PinService(context)
        except ConfigError as exc:  # shown on the screen; nothing is tried on the token
            self.config_error = exc
            self.service = PinService(context, config=UnlockSettings())
        self._secrets: list[Secret] = []
        self.busy = False  # a token job that must not be interrupted is running
        self.finished = False  # the attempt succeeded (or the token went to the request list)
        self.reinserted = False

    def header(self) -> ComposeResult:
        yield Static(_(self.TITLE_MSGID), classes="title")
        yield TokenPanel(id="panel")

    def bottom(self) -> ComposeResult:
        yield self.status_line()
        yield self.footer()

    # ---- steps ---------------------------------------------------------------------------
    def step(self, name: str, focus: str | None = None) -> None:
        self.query_one(ContentSwitcher).current = name
        self.refresh_bindings()  # the footer shows the keys of this step
        if focus:
            self.query_one(f"#{focus}", Input).focus()

    @property
    def current_step(self) -> str:
        found = self.query(ContentSwitcher)
        return (found.first(ContentSwitcher).current or "") if found else ""

    def ask_new_pin(self) -> bool:
        """Show the new-PIN step with the token's PIN rules; False if they cannot be read."""
        assert self.token is not None
        try:
            policy = self.service.policy(self.token)
        except HelpdeskError as exc:
            self.show_error(exc)
            return False
        self.query_one("#policy", Static).update(escape(_("New PIN: {rules}").format(rules=policy.describe())))
        self.clear_inputs("new-pin", "new-pin-again")
        self.step("new", "new-pin")
        return True

    def take_new_pin(self, old: Secret | None = None) -> tuple[Secret, Secret] | None:
        """Take the new PIN twice; None (both wiped, the reason shown) if the policy refuses it."""
        assert self.token is not None
        new_pin, again = self.take("new-pin"), self.take("new-pin-again")
        try:
            check_new_pin(self.service.policy(self.token), new_pin, again)
            if old is not None and new_pin == old:
                raise PinPolicyError("The new PIN must differ from the old one.")
        except PinPolicyError as exc:
            new_pin.wipe()
            again.wipe()
            self.status(exc.localized(), "error")
            self.query_one("#new-pin", Input).focus()
            return None
        return new_pin, again

    # ---- secrets -------------------------------------------------------------------------
    def take(self, input_id: str) -> Secret:
        """The field's value as a Secret; the field is emptied at once."""
        field = self.query_one(f"#{input_id}", Input)
        secret = Secret(field.value)
        field.value = ""
        self._secrets.append(secret)
        return secret

    def clear_inputs(self, *ids: str) -> None:
        for input_id in ids:
            self.query_one(f"#{input_id}", Input).value = ""

    def wipe(self) -> None:
        for secret in self._secrets:
            secret.wipe()
        self._secrets.clear()

    # ---- reading the token (no PIN) -------------------------------------------------------
    def on_mount(self) -> None:
        if self.config_error is not None:
            self.show_error(self.config_error)
        elif not self.serial:
            self.query_one(TokenPanel).show_text(_("Insert the token."))
        else:
            self.action_reread()

    def on_unmount(self) -> None:
        self.wipe()

    def action_reread(self) -> None:
        if self.serial and not self.busy:
            self.run_job(self._read, self.serial, done=self.token_read, group="read")

    def _read(self, serial: str) -> tuple[TokenInfo, Holder]:
        token = self.service.read(serial)
        return token, self.service.holder(token)

    def token_read(self, result: tuple[TokenInfo, Holder]) -> None:
        token, self.holder = result
        self.show_token(token)
        if self.reinserted:
            self.reinserted = False
            self.status(_("The token was read again after it came back: its real state is shown above. "
                          "The interrupted attempt was not completed."), "warning")
        self.token_ready()

    def show_token(self, token: TokenInfo | None) -> None:
        """``token`` as read now (None: gone, the panel keeps the last reading)."""
        if token is None:
            return
        self.token = self.own = token
        self.query_one(TokenPanel).show(token, self.holder, self.service.holds_so_pin(token))

    def token_ready(self) -> None:
        """The token was (re-)read; subclasses pick the step."""

    # ---- the token coming and going -------------------------------------------------------
    def token_inserted(self, token: TokenInfo) -> None:
        if self.serial and token.serial != self.serial:
            self.token = self.own  # another token: this workflow stays with its own
            return
        self.serial, self.own = token.serial, token
        self.reinserted = not self.finished
        self.action_reread()

    def token_removed(self, serial: str) -> None:
        if serial == self.serial:
            self.own = None
            self.status(_("The token was pulled out. Insert it again to continue."), "warning")

    # ---- closing ----------------------------------------------------------------------
    def action_close(self) -> None:
        if self.busy:
            self.status(_("Wait: the token is working. Do not pull it out."), "warning")
            return
        self.wipe()
        self.dismiss(None)


# ---- the unlock screen ---------------------------------------------------------------------
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
        self.blocked_reason: Route = "so_pin_not_held"  # on the blocked step
        self.renewal: Workflow | None = None

    def compose(self) -> ComposeResult:
        yield from self.header()
        admin = self.ctx.operator.role == "admin"
        confirm = _("Type {phrase} to confirm the last try").format(phrase=CONFIRM_PHRASE)
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
                yield Input(placeholder=confirm, id="so-confirm")
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
                yield Input(placeholder=confirm, id="pad-confirm")
            with Vertical(id="blocked"):
                yield Static(_("The token must go back to the issuer"), classes="step-title")
                yield Static("", id="blocked-text")
            yield Static(_("Working on the token… do not pull it out."), id="working")
            yield Static("", id="result")
        yield from self.bottom()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys of the current step (the footer shows only these)."""
        step = self.current_step
        if action == "override":
            return step == "identity" and self.ctx.operator.role == "admin"
        if action == "request_list":
            return step in ("so", "blocked")
        if action == "renewal":
            return step == "blocked" and self.renewal is not None
        if action == "start_pad":
            return step == "pad"
        return True

    def on_mount(self) -> None:
        self.renewal = find_workflow(RENEWAL_WORKFLOW)  # offered only when some plugin registers it
        super().on_mount()

    # ---- steps ---------------------------------------------------------------------------
    def token_ready(self) -> None:
        """After each read: the first step, or the route again from the token's fresh flags."""
        if self.identity is None:
            if self.current_step in ("wait", "identity"):
                self.step("identity", "national-id")
        elif not self.finished and self.current_step in ("result", "so", "pad", "blocked"):
            self.step_after_identity(keep_message=True)

    def step_after_identity(self, keep_message: bool = False) -> None:
        assert self.token is not None
        route = unlock_route(self.token, self.service.holds_so_pin(self.token))
        if route in ("so_pin_locked", "so_pin_not_held"):
            self.show_blocked(route)
            return
        final = route == "so_pin_final_try"
        if self.token.flags.protected_authentication_path:
            warning = _("The SO PIN has one try left. Type {phrase} below, then press F9.").format(
                phrase=CONFIRM_PHRASE) if final else ""
            self.query_one("#pad-warning", Static).update(escape(warning))
            self.query_one("#pad-confirm", Input).display = final
            self.step("pad", "pad-confirm" if final else None)
        else:
            warning = _("The SO PIN has one try left: a wrong SO PIN now locks the token for good. Check the "
                        "batch list, then type {phrase} below.").format(phrase=CONFIRM_PHRASE) if final else ""
            self.query_one("#so-warning", Static).update(escape(warning))
            self.query_one("#so-confirm", Input).display = final
            self.clear_inputs("so-pin", "so-confirm")
            self.step("so", "so-pin")
        if not keep_message:
            self.status("")

    def show_blocked(self, reason: Route) -> None:
        self.blocked_reason = reason
        text = unavailable(reason).localized()
        keys = [_("F7: send back to the issuer (Mẫu 06)")]
        if self.renewal is not None:
            keys.append(_("F8: revoke and re-issue ({title})").format(title=self.renewal.title()))
        self.query_one("#blocked-text", Static).update(escape("\n".join([text, *keys])))
        self.step("blocked")
        self.status(text, "warning")

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
        self.run_job(self.service.check_identity, self.token, self.holder, typed,
                     done=self.identity_checked, failed=self.identity_failed, group="identity")

    def identity_checked(self, identity: IdentityCheck) -> None:
        self.identity = identity
        self.clear_inputs("national-id")
        self.status(_("Identity confirmed."), "ok")
        self.step_after_identity(keep_message=True)

    def identity_failed(self, error: BaseException) -> None:
        if not isinstance(error, IdentityError):
            self.show_error(error)
            return
        self.status(error.localized(), "error")
        self.query_one("#national-id", Input).focus()

    def action_override(self) -> None:
        if self.current_step != "identity" or self.token is None:
            return
        if self.ctx.operator.role != "admin":
            self.status(_("Only an administrator can skip the identity check."), "error")
            return
        try:
            self.identity = self.service.override_identity(self.query_one("#override-reason", Input).value)
        except IdentityError as exc:
            self.status(exc.localized(), "error")
            self.query_one("#override-reason", Input).focus()
            return
        self.status(_("Identity check skipped by the administrator: {reason}").format(reason=self.identity.reason),
                    "warning")
        self.step_after_identity(keep_message=True)

    def submit_so_pin(self) -> None:
        if not self.query_one("#so-pin", Input).value:
            self.status(_("Type the SO PIN."), "error")
            return
        self.so_pin = self.take("so-pin")
        if self.query_one("#so-confirm", Input).display:
            self.query_one("#so-confirm", Input).focus()
        else:
            self.show_new_pin()

    def submit_confirm(self) -> None:
        if not confirmed(self.query_one("#so-confirm", Input).value):
            self.status(_("Type exactly {phrase} to confirm the last SO PIN try.").format(phrase=CONFIRM_PHRASE),
                        "error")
            return
        if self.so_pin is None:
            self.query_one("#so-pin", Input).focus()
            return
        self.show_new_pin()

    def show_new_pin(self) -> None:
        if self.ask_new_pin():
            self.status(_("Hand the keyboard to the holder."))

    def submit_new_pin(self) -> None:
        assert self.identity is not None
        pins = self.take_new_pin()
        if pins is None:
            return
        if self.so_pin is None:
            self.step_after_identity()
            return
        self.start_unlock(self.so_pin, *pins, self.query_one("#so-confirm", Input).value)

    def action_start_pad(self) -> None:
        if self.current_step != "pad" or self.busy or self.identity is None:
            return
        confirm = self.query_one("#pad-confirm", Input)
        if confirm.display and not confirmed(confirm.value):
            self.status(_("Type exactly {phrase} to confirm the last SO PIN try.").format(phrase=CONFIRM_PHRASE),
                        "error")
            return
        self.status(_("Type the PINs on the reader's keypad now."), "warning")
        self.start_unlock(None, None, None, confirm.value)

    # ---- the unlock itself ------------------------------------------------------------------
    def start_unlock(self, so_pin: Secret | None, new_pin: Secret | None, again: Secret | None,
                     confirmation: str) -> None:
        assert self.token is not None and self.identity is not None
        self.busy = True
        self.step("working")
        self.run_job(self.service.unlock, self.token, self.holder, self.identity, so_pin, new_pin, again,
                     confirmation, done=self.unlocked, failed=self.unlock_failed, group="unlock")

    def unlocked(self, outcome: Outcome) -> None:
        self.busy = False
        self.wipe()
        self.so_pin = None
        self.clear_inputs("so-confirm", "pad-confirm")
        self.show_token(outcome.token)
        text, kind = outcome.message()
        self.finished = outcome.ok
        if outcome.outcome == "so_pin_locked":
            self.show_blocked("so_pin_locked")
        elif outcome.outcome in ("so_pin_incorrect", "refused_final_try", "token_error", "pin_rejected") \
                and outcome.token is not None:
            self.step_after_identity(keep_message=True)  # try again: the SO PIN was wiped with the rest
        else:
            self.query_one("#result", Static).update("")
            self.step("result")
        self.status(text, kind)

    def unlock_failed(self, error: BaseException) -> None:
        """Refused before any try (SO PIN locked meanwhile, token gone, …): the route
        follows the token's fresh flags."""
        self.busy = False
        self.show_error(error)
        self.wipe()
        self.so_pin = None
        self.step("result")
        self.query_one("#result", Static).update("")
        self.action_reread()

    # ---- back to the issuer, or renewal ---------------------------------------------------
    def action_request_list(self) -> None:
        if self.current_step not in ("so", "blocked") or self.token is None or self.identity is None or self.busy:
            return
        reason = self.blocked_reason if self.current_step == "blocked" else "so_pin_not_held"
        self.run_job(self.service.request_return, self.token, self.holder, reason, done=self.request_added,
                     group="request")

    def request_added(self, record: Record) -> None:
        self.finished = True
        unit = record.payload["holder"].get("unit_id") or "-"
        self.query_one("#result", Static).update("")
        self.step("result")
        self.status(_("The token was added to the unlock request list (Mẫu 06) for the issuer. Print the list "
                      "with: helpdesk unlock-requests export --unit {unit}").format(unit=unit), "ok")

    def action_renewal(self) -> None:
        if self.current_step != "blocked" or self.renewal is None:
            return
        self.wipe()
        try:
            screen: Any = self.renewal.open(self.ctx)
        except Exception as exc:  # another plugin's screen: its failure is shown, never a crash
            self.show_error(exc)
            return
        self.app.push_screen(screen)
