"""Log-in (and, as :class:`LockScreen`, unlock): password, or the operator's own token.

Passwords and PINs are wrapped in :class:`~helpdesk.secret.Secret` the moment they
are submitted and the input is cleared; checking them (scrypt, or a PIN log-in and
signed challenge on the token) runs in a thread worker. The token section appears
while a token holding a certificate registered to an account is in a reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Button, Input, Static
from textual.worker import Worker

from helpdesk.i18n import _
from helpdesk.messages import LoggedIn, TokensChanged, Unlocked
from helpdesk.screens.base import KioskScreen
from helpdesk.secret import Secret
from helpdesk.widgets.footer import LocalizedFooter

if TYPE_CHECKING:
    from helpdesk.operators import Operator
    from helpdesk.tokens.model import TokenInfo


class LoginScreen(KioskScreen):
    """Who is at the desk. ``locked`` set: only that operator may continue (unlock)."""

    def __init__(self, locked: Operator | None = None) -> None:
        super().__init__(classes="lock-screen" if locked else "login-screen")
        self.locked = locked
        self._token: TokenInfo | None = None
        self._token_owner: Operator | None = None
        self._checking = "#password"  # the input whose check runs: focused again if it fails

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box"):
            yield Static(id="login-title", classes="title")
            yield Static(id="login-subtitle", classes="hint")
            yield Input(id="operator-id", max_length=32)
            yield Input(id="password", password=True, max_length=256)
            yield Button(id="login-button", variant="primary")
            with Vertical(id="token-login"):
                yield Static(id="token-login-label")
                yield Input(id="token-pin", password=True, max_length=64)
            yield Static(id="login-status", classes="hint")
        yield LocalizedFooter()

    def on_mount(self) -> None:
        name_input = self.query_one("#operator-id", Input)
        if self.locked is not None:
            name_input.value = self.locked.id
            name_input.disabled = True
            name_input.display = False
        self.relabel()
        self._update_token_section()
        self.query_one("#password" if self.locked else "#operator-id", Input).focus()

    def on_screen_resume(self) -> None:
        """Back on this screen (after a log-out): nothing of the last session shows."""
        self.query_one("#password", Input).value = ""
        self.query_one("#token-pin", Input).value = ""
        self._status("")
        self._update_token_section()

    def relabel(self) -> None:
        super().relabel()
        app = self.kiosk_app
        if self.locked is None:
            title = app.settings.organisation.name
            subtitle = _("Signing-token help desk · kiosk {kiosk}").format(kiosk=app.settings.kiosk_id)
        else:
            title = _("Kiosk locked")
            subtitle = _("{name} is logged in. Enter your password to continue, or Ctrl+O to switch operator.").format(
                name=self.locked.full_name)
        self.query_one("#login-title", Static).update(title)
        self.query_one("#login-subtitle", Static).update(subtitle)
        self.query_one("#operator-id", Input).placeholder = _("Operator name")
        self.query_one("#password", Input).placeholder = _("Password")
        self.query_one("#token-pin", Input).placeholder = _("Token PIN")
        self.query_one("#login-button", Button).label = _("Unlock") if self.locked else _("Log in")
        self._update_token_section()

    # ---- token log-in --------------------------------------------------------------
    def on_tokens_changed(self, message: TokensChanged) -> None:
        self._update_token_section()

    def _update_token_section(self) -> None:
        """Offer token log-in for the newest token whose certificate is registered."""
        app = self.kiosk_app
        found = None
        for token in reversed(list(app.tokens.values())):
            owner = app.token_owner(token)
            if owner is not None and (self.locked is None or owner.id == self.locked.id):
                found = (token, owner)
                break
        self._token, self._token_owner = found if found else (None, None)
        section = self.query_one("#token-login", Vertical)
        section.display = found is not None
        if found is not None:
            self.query_one("#token-login-label", Static).update(
                _("Token of {name} is in the reader: enter its PIN to log in.").format(name=found[1].full_name))

    # ---- submitting ----------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "operator-id":
            self.query_one("#password", Input).focus()
        elif event.input.id == "password":
            self._submit_password()
        elif event.input.id == "token-pin":
            self._submit_pin()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "login-button":
            self._submit_password()

    def _status(self, text: str) -> None:
        self.query_one("#login-status", Static).update(text)

    def _submit_password(self) -> None:
        box = self.query_one("#password", Input)
        password = Secret(box.value)
        box.value = ""
        operator_id = self.query_one("#operator-id", Input).value.strip()
        if not operator_id or not password:
            self._status(_("Enter your operator name and password."))
            return
        self._status(_("Checking…"))
        self._checking = "#password"
        self._password_login(operator_id, password)

    def _submit_pin(self) -> None:
        box = self.query_one("#token-pin", Input)
        pin = Secret(box.value)
        box.value = ""
        if self._token is None or self._token_owner is None or not pin:
            return
        self._status(_("Checking the token… do not remove it."))
        self._checking = "#token-pin"
        self._token_login(self._token, self._token_owner.id, pin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def _password_login(self, operator_id: str, password: Secret) -> None:
        operator = self.kiosk_app.authenticate_password(operator_id, password, unlocking=self.locked)
        self._done(operator, "password")

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def _token_login(self, token: TokenInfo, operator_id: str, pin: Secret) -> None:
        operator = self.kiosk_app.authenticate_token(token, operator_id, pin, unlocking=self.locked)
        self._done(operator, "token")

    def _done(self, operator: Operator, method: str) -> None:
        self.app.call_from_thread(self._status, "")
        self.app.post_message(Unlocked(operator) if self.locked else LoggedIn(operator, method))

    def worker_failed(self, worker: Worker[Any]) -> None:
        self._status("")
        self.query_one(self._checking, Input).focus()


class LockScreen(LoginScreen):
    """Shown after the idle time or F11: the screen below stays hidden until unlocked."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "noop", show=False)]  # Escape must not pop the lock

    def action_noop(self) -> None:
        pass
