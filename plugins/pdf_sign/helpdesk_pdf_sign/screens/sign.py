"""The signing screens, all by keyboard: "Ký thử" (a workflow) and the base it shares with
"Người nhận ký số biên bản" (a record action on handover records).

token read without a PIN (PIN state shown first) → certificate checks (validity, key
usage, chain, revocation) → the holder types the PIN (masked; on a PIN-pad reader the
reader asks) → F9 signs → pyHanko's validation and the saved files are shown.

The attempts guard: a locked PIN is refused; on the final try nothing is sent to the
token until the operator types the confirmation ("đồng ý"). A PIN leaves its field as a
:class:`Secret` at once and is wiped when the attempt ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from helpdesk.extension import (
    PIN_PAD,
    PinInput,
    Secret,
    TokenError,
    TokenNotFound,
    TokenRemovedError,
    WorkflowScreen,
    fold,
    gettext,
)
from helpdesk_pdf_sign import service
from helpdesk_pdf_sign.text import N_

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from helpdesk.extension import CertInfo, Pin, TokenInfo, WorkflowContext

_ = gettext
CONFIRM_WORDS = "dong y"  # "đồng ý", folded
PIN_STATES = {
    "ok": N_("normal"),
    "count_low": N_("a wrong PIN was typed before; few tries are left"),
    "final_try": N_("ONE try left: a wrong PIN locks the token"),
    "locked": N_("locked: use the PIN unlock workflow"),
}
MARKS = {"ok": "[green]✓[/]", "fail": "[bold red]✗[/]", "unknown": "[bold yellow]?[/]"}


class SignScreen(WorkflowScreen):
    """Check the token's certificate, then sign a document on it (subclasses say which)."""

    DEFAULT_CSS = """
    SignScreen { padding: 1 2; }
    SignScreen .panel { border: round $primary; padding: 0 1; height: auto; margin: 0 0 1 0; }
    SignScreen Input { width: 70; margin: 0 0 1 0; }
    SignScreen #confirm { display: none; }
    SignScreen.final-try #confirm { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *WorkflowScreen.BINDINGS,
        Binding("f9", "sign", "Sign", priority=True),
        Binding("f5", "reread", "Read the token again", priority=True),
    ]
    TITLE = N_("Test signing")

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__(context)
        self.serial = context.token.serial if context.token else ""
        self.prepared: service.Prepared | None = None
        self.outcome: service.Outcome | None = None
        self.busy = False

    # ---- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(_(self.TITLE), classes="title")
        yield Static(_("Insert the token."), id="token", classes="panel")
        yield Static("", id="checks", classes="panel")
        yield Static("", id="document")
        yield from self.document_fields()
        yield PinInput(placeholder=_("PIN (typed by the holder)"), id="pin")
        yield Input(placeholder=_("Type \"đồng ý\" to spend the last PIN try"), id="confirm")
        yield Static("", id="result")
        yield self.status_line()
        yield self.footer()

    def document_fields(self) -> ComposeResult:
        """Extra inputs for choosing the document (override)."""
        yield from ()

    def document_text(self) -> str:
        """What will be signed, one line (override)."""
        return _("Document: the generated test document (Văn bản ký thử)")

    def document_source(self) -> Any:
        """What the operator chose on the screen, read on the UI thread (override)."""
        return None

    def make_document(self, prepared: service.Prepared, source: Any) -> service.Document:
        """The document to sign (runs in a thread job; override)."""
        return service.make_test_document(self.ctx, prepared)

    def sign_options(self) -> dict[str, Any]:
        """Extra keyword arguments for :func:`service.sign_document` (override)."""
        return {}

    def token_refusal(self, token: TokenInfo) -> str:
        """A reason this token may not be used here, or "" (override)."""
        return ""

    # ---- reading the token and checking the certificate (no PIN) --------------------------
    def on_mount(self) -> None:
        self.query_one("#document", Static).update(escape(self.document_text()))
        if self.serial:
            self.action_reread()
        else:
            self.status(_("Insert the token."), "warning")

    def action_reread(self) -> None:
        if not self.serial or self.busy:
            return
        self.prepared = None
        self.status(_("Reading the token and checking its certificate…"))
        self.run_job(self._prepare, self.serial, done=self.prepared_ready, group="read")

    def _prepare(self, serial: str) -> tuple[TokenInfo, service.Prepared | None, str]:
        token: TokenInfo = self.ctx.worker.identify(serial).result(timeout=60)
        refusal = self.token_refusal(token)
        if refusal:
            return token, None, refusal
        return token, service.prepare(self.ctx, token), ""

    def prepared_ready(self, result: tuple[TokenInfo, service.Prepared | None, str]) -> None:
        token, prepared, refusal = result
        self.token = token
        self.show_token(token)
        if refusal:
            self.status(refusal, "error")
            return
        assert prepared is not None
        self.prepared = prepared
        lines = [f"{MARKS[c.status]} {escape(c.localized())}" for c in prepared.report.checks]
        self.query_one("#checks", Static).update("\n".join(lines))
        state = token.flags.user_pin_state
        self.set_class(state == "final_try", "final-try")
        if not prepared.report.ok:
            self.status(_("The certificate is refused: {reasons}").format(
                reasons="; ".join(c.localized() for c in prepared.report.failures)), "error")
        elif state == "locked":
            self.status(_("The PIN of this token is locked: unlock it first (PIN unlock workflow)."), "error")
        else:
            pad = token.flags.protected_authentication_path
            if state == "final_try":
                self.status(_("Only ONE PIN try is left. The holder types the PIN, the operator types \"đồng ý\", "
                              "then F9."), "warning")
            else:
                self.status(_("Press F9 and type the PIN on the reader.") if pad else
                            _("The holder types the PIN, then F9 signs."),
                            "ok" if prepared.report.revocation_status == "ok" else "warning")
            if not pad:
                self.query_one("#pin", Input).focus()

    def show_token(self, token: TokenInfo) -> None:
        try:
            cert: CertInfo | None = service.signing_certificate(token)
        except TokenError:
            cert = next((c for c in token.certificates if not c.error), None)
        pad = token.flags.protected_authentication_path
        lines = [
            (_("Token"), f"{token.label} · {token.serial}"),
            (_("User PIN"), _(PIN_STATES.get(token.flags.user_pin_state, "?"))),
            (_("PIN pad reader"), _("yes") if pad else _("no")),
        ]
        if cert is not None:
            lines.append((_("Certificate"), f"{cert.subject.common_name} · {cert.serial}"))
        self.query_one("#token", Static).update("\n".join(f"[b]{escape(k)}:[/b] {escape(v)}" for k, v in lines))

    # ---- signing ----------------------------------------------------------------------------
    def action_sign(self) -> None:
        if self.busy:
            return
        prepared, token = self.prepared, self.token
        if prepared is None or token is None or token.serial != prepared.token.serial:
            self.status(_("Insert the token and wait for its certificate to be checked."), "warning")
            return
        if not prepared.report.ok:
            self.status(_("The certificate is refused: nothing is signed."), "error")
            return
        state = token.flags.user_pin_state
        if state == "locked":
            self.status(_("The PIN of this token is locked: unlock it first (PIN unlock workflow)."), "error")
            return
        if state == "final_try" and fold(self.query_one("#confirm", Input).value) != CONFIRM_WORDS:
            self.status(_("Only ONE PIN try is left: type \"đồng ý\" to confirm before signing."), "error")
            self.query_one("#confirm", Input).focus()
            return
        pin: Pin
        field = self.query_one("#pin", Input)
        if token.flags.protected_authentication_path:
            pin = PIN_PAD
        else:
            if not field.value:
                self.status(_("Type the PIN first."), "warning")
                field.focus()
                return
            pin = Secret(field.value)
        field.value = ""
        self.query_one("#confirm", Input).value = ""
        self.busy = True
        self.status(_("Signing on the token… do not pull it out.") if pin is not PIN_PAD else
                    _("Type the PIN on the reader's keypad…"))
        self.run_job(self._sign, prepared, pin, self.document_source(), done=self.signed, failed=self.sign_failed,
                     group="sign")

    def _sign(self, prepared: service.Prepared, pin: Pin, source: Any) -> service.Outcome:
        try:
            document = self.make_document(prepared, source)
            return service.sign_document(self.ctx, prepared, document, pin, **self.sign_options())
        finally:
            if isinstance(pin, Secret):
                pin.wipe()

    def signed(self, outcome: service.Outcome) -> None:
        self.busy = False
        self.outcome = outcome
        s = outcome.signature
        yes, no = _("yes"), _("no")
        when = s.signing_time.astimezone().strftime("%H:%M:%S %d/%m/%Y") if s.signing_time else "?"
        lines = [
            _("Signer: {name}").format(name=s.common_name),
            _("Signing time: {when}").format(when=when),
            _("Intact: {intact}; valid: {valid}; trusted: {trusted}; revocation: {revocation}").format(
                intact=yes if s.intact else no, valid=yes if s.valid else no, trusted=yes if s.trusted else no,
                revocation=_(REVOCATION_WORDS[s.revocation])),
            _("PAdES level: {level}").format(level=outcome.record.payload["level"]),
            _("Signed PDF: {path}").format(path=outcome.signed_path),
        ]
        if outcome.receipt_path is not None:
            lines.append(_("Receipt: {path}").format(path=outcome.receipt_path))
        lines += ["- " + r.localized() for r in s.reasons]
        self.query_one("#result", Static).update(escape("\n".join(lines)))
        self.status(_("Signed and checked: the signature is valid.") if outcome.ok else
                    _("Signed, but the signature is NOT valid: see the reasons above."), "ok" if outcome.ok else "error")
        # the token's PIN state after the log-in (a good PIN clears "count low")
        self.run_job(self.ctx.worker.identify(prepared_serial(outcome)).result, 60, done=self._refresh_token,
                     group="read")

    def _refresh_token(self, token: TokenInfo) -> None:
        self.token = token
        self.show_token(token)

    def sign_failed(self, error: BaseException) -> None:
        self.busy = False
        if isinstance(error, TokenNotFound | TokenRemovedError):
            self.status(_("The token {serial} is no longer in the reader; nothing was signed. Insert it again to "
                          "continue.").format(serial=self.serial), "error")
            return
        self.show_error(error)
        if self.serial:  # the PIN state may have changed (a wrong PIN): show it again
            self.run_job(self.ctx.worker.identify(self.serial).result, 60, done=self._after_failure, group="read")

    def _after_failure(self, token: TokenInfo) -> None:
        self.token = token
        self.show_token(token)
        self.set_class(token.flags.user_pin_state == "final_try", "final-try")

    # ---- the token coming and going -------------------------------------------------------
    def token_inserted(self, token: TokenInfo) -> None:
        if self.serial and token.serial != self.serial and self.prepared is not None:
            return  # another token: this workflow stays with its own
        self.serial = token.serial
        self.action_reread()

    def token_removed(self, serial: str) -> None:
        if serial == self.serial:
            self.status(_("The token was pulled out. Insert it again to continue."), "warning")

    def action_close(self) -> None:
        if self.busy:
            self.status(_("Wait: the token is working. Do not pull it out."), "warning")
            return
        self.query_one("#pin", Input).value = ""
        self.dismiss(None)


REVOCATION_WORDS = {"good": N_("not revoked"), "revoked": N_("revoked"), "unknown": N_("undetermined")}


def prepared_serial(outcome: service.Outcome) -> str:
    return str(outcome.record.payload["token_serial"])


class TestSignScreen(SignScreen):
    """The "Ký thử" workflow: the generated test document, or a PDF chosen by path."""

    __test__ = False

    def document_fields(self) -> ComposeResult:
        yield Input(placeholder=_("PDF to sign (empty: the generated test document)"), id="file")

    def document_text(self) -> str:
        return _("Document: the generated test document (Văn bản ký thử), or a PDF whose path you type below")

    def document_source(self) -> Any:
        return self.query_one("#file", Input).value.strip()

    def make_document(self, prepared: service.Prepared, source: Any) -> service.Document:
        if source:
            return service.file_document(Path(str(source)).expanduser())
        return service.make_test_document(self.ctx, prepared)
