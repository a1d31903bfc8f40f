"""What the unlock and change screens share: the token panel, re-reading the token,
thread workers, the message line, and the PINs taken from masked inputs.

A PIN leaves its ``Input`` wrapped in a :class:`~helpdesk.secret.Secret` and the field
is cleared at once; the screen wipes every Secret it took when an attempt ends and
when it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Input, Static
from textual.worker import Worker, WorkerState

from helpdesk.errors import ConfigError, HelpdeskError
from helpdesk.i18n import gettext as _
from helpdesk.secret import Secret
from helpdesk_pin_unlock import live
from helpdesk_pin_unlock.screens.panel import TokenPanel
from helpdesk_pin_unlock.service import PinService
from helpdesk_pin_unlock.settings import UnlockSettings
from helpdesk_pin_unlock.state import Holder

if TYPE_CHECKING:
    from helpdesk.extension import WorkflowContext
    from helpdesk.tokens.model import TokenInfo


@dataclass
class TokenBack(Message):
    """The screen's token was inserted again (posted by the token_inserted hook)."""

    token: TokenInfo


@dataclass
class TokenGone(Message):
    serial: str


class PinInput(Input):
    """A masked field for a PIN: never copied or cut to the clipboard."""

    def __init__(self, placeholder: str, id: str) -> None:
        super().__init__(placeholder=placeholder, password=True, id=id)

    def action_copy(self) -> None:
        pass

    def action_cut(self) -> None:
        pass


_SEVERITY_STYLE = {"info": "", "ok": "bold green", "warning": "bold yellow", "error": "bold red"}


class PinScreen(Screen[None]):
    DEFAULT_CSS = """
    PinScreen { padding: 1 2; }
    PinScreen .title { text-style: bold; margin-bottom: 1; }
    PinScreen .step-title { text-style: bold; margin: 1 0 0 0; }
    PinScreen Input { width: 60; margin: 0 0 1 0; }
    PinScreen #message { margin-top: 1; height: auto; }
    PinScreen #keys { dock: bottom; color: $text-muted; height: auto; }
    PinScreen ContentSwitcher { height: auto; }
    PinScreen ContentSwitcher > * { height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", priority=True),
        Binding("f5", "reread", "Read the token again", priority=True),
    ]

    TITLE_MSGID = ""

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__()
        self.ctx = context
        self.token: TokenInfo | None = context.token
        self.holder = Holder(None, None)
        self.config_error: ConfigError | None = None
        try:
            self.service = PinService(context)
        except ConfigError as exc:  # shown on the screen; nothing is tried on the token
            self.config_error = exc
            self.service = PinService(context, config=UnlockSettings())
        self._secrets: list[Secret] = []
        self.busy = False
        self.finished = False  # the attempt succeeded (or the token went to the request list)
        self.reinserted = False

    # ---- layout helpers --------------------------------------------------------------
    def header(self) -> list[Any]:
        return [Static(_(self.TITLE_MSGID), classes="title"), TokenPanel(id="panel")]

    def footer(self) -> list[Any]:
        return [Static("", id="message"), Static("", id="keys")]

    def ask_new_pin(self) -> bool:
        """Show the new-PIN step with the token's PIN rules; False if they cannot be read."""
        assert self.token is not None
        try:
            policy = self.service.policy(self.token)
        except HelpdeskError as exc:
            self.say_error(exc)
            return False
        self.query_one("#policy", Static).update(_("New PIN: {rules}").format(rules=policy.describe()))
        self.clear_inputs("new-pin", "new-pin-again")
        self.step("new", "new-pin")
        return True

    def step(self, name: str, focus: str | None = None) -> None:
        self.query_one(ContentSwitcher).current = name
        self.update_keys()
        if focus:
            self.query_one(f"#{focus}", Input).focus()

    @property
    def current_step(self) -> str:
        return self.query_one(ContentSwitcher).current or ""

    def keys_text(self) -> str:
        return _("Esc: close · F5: read the token again")

    def update_keys(self) -> None:
        self.query_one("#keys", Static).update(escape(self.keys_text()))

    def say(self, text: str, severity: str = "info") -> None:
        style = _SEVERITY_STYLE.get(severity, "")
        body = escape(text)
        self.query_one("#message", Static).update(f"[{style}]{body}[/]" if style else body)

    def say_error(self, exc: BaseException) -> None:
        if isinstance(exc, HelpdeskError):
            self.say(f"{exc.localized_title()}: {exc.localized()}", "error")
        else:
            self.say(_("Unexpected error ({error}). The attempt was stopped.").format(error=type(exc).__name__), "error")

    # ---- secrets ---------------------------------------------------------------------
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

    # ---- workers ---------------------------------------------------------------------
    def run_job(self, name: str, fn: Callable[..., Any], *args: Any) -> Worker[Any]:
        """Run blocking work (token, disk, printer) in a thread; see on_worker_state_changed."""
        return self.run_worker(partial(fn, *args), name=name, group=f"pin-{name}", thread=True,
                               exclusive=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            getattr(self, f"done_{worker.name}")(worker.result)
        elif event.state == WorkerState.ERROR:
            self.busy = False
            assert worker.error is not None
            self.failed(worker.name, worker.error)

    def failed(self, name: str, error: BaseException) -> None:
        self.say_error(error)

    # ---- reading the token (no PIN) ----------------------------------------------------
    def on_mount(self) -> None:
        live.listen(self)
        self.update_keys()
        if self.config_error is not None:
            self.say_error(self.config_error)
        elif self.token is None:
            self.query_one(TokenPanel).show_text(_("Insert the token."))
        else:
            self.action_reread()

    def on_unmount(self) -> None:
        live.forget(self)
        self.wipe()

    def action_reread(self) -> None:
        if self.token is not None and not self.busy:
            self.run_job("read", self._read, self.token.serial)

    def _read(self, serial: str) -> tuple[TokenInfo, Holder]:
        token = self.service.read(serial)
        return token, self.service.holder(token)

    def done_read(self, result: tuple[TokenInfo, Holder]) -> None:
        self.token, self.holder = result
        self.show_token()
        if self.reinserted:
            self.reinserted = False
            self.say(_("The token was read again after it came back: its real state is shown above. "
                       "The interrupted attempt was not completed."), "warning")
        self.token_ready()

    def show_token(self) -> None:
        if self.token is not None:
            self.query_one(TokenPanel).show(self.token, self.holder, self.service.holds_so_pin(self.token))

    def token_ready(self) -> None:
        """The token was (re-)read; subclasses pick the step."""

    # ---- token events (from the hooks, via live) ----------------------------------------
    def token_came_back(self, token: TokenInfo) -> None:
        self.post_message(TokenBack(token))  # thread-safe, whoever calls the hook

    def token_went_away(self, serial: str) -> None:
        self.post_message(TokenGone(serial))

    def on_token_back(self, message: TokenBack) -> None:
        if self.token is not None and message.token.serial == self.token.serial:
            self.token_reinserted()

    def on_token_gone(self, message: TokenGone) -> None:
        if self.token is not None and message.serial == self.token.serial:
            self.say(_("The token was pulled out. Insert it again to continue."), "warning")

    def token_reinserted(self) -> None:
        self.reinserted = not self.finished
        self.action_reread()

    # ---- closing ----------------------------------------------------------------------
    def action_close(self) -> None:
        if self.busy:
            self.say(_("Wait: the token is working. Do not pull it out."), "warning")
            return
        self.wipe()
        self.dismiss()
