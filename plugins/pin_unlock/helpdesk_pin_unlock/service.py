"""The unlock and PIN-change operations, without any UI (screens and tests call these).

Every method blocks (token, disk, printer): call it from a thread job
(``WorkflowScreen.run_job``), never on the UI thread. Each attempt that reaches the
token, or that a guard refuses, is committed through ``ctx.commit`` (every plugin's
validate hook runs) as a ``pin_unlock.attempt`` record with its outcome; a successful
unlock takes the next receipt number inside the same commit, then its receipt is
archived and printed (``ctx.print``). PINs stay in :class:`Secret` objects owned by the
caller and are never stored.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from helpdesk.extension import (
    PIN_PAD,
    HelpdeskError,
    PinIncorrect,
    PinLocked,
    PinPolicyError,
    TokenError,
    TokenNotFound,
    TokenRemovedError,
    gettext,
)
from helpdesk_pin_unlock import records
from helpdesk_pin_unlock.records import Holder, find_holder
from helpdesk_pin_unlock.rules import (
    IdentityCheck,
    IdentityError,
    PinPolicy,
    UnlockRefused,
    UnlockSettings,
    admin_override,
    check_national_id,
    check_new_pin,
    check_so_attempt,
    confirmed,
    pin_state_text,
    policy_for,
    unlock_settings,
)

if TYPE_CHECKING:
    from pathlib import Path

    from helpdesk.extension import Number, PrintJob, Record, Secret, TokenInfo, WorkflowContext

TOKEN_TIMEOUT = 60.0
PAD_TIMEOUT = 180.0  # seconds: people type slowly on a reader, several times


@dataclass
class Outcome:
    """What an attempt came to. ``token`` is the token as read afterwards (None: it was gone)."""

    outcome: str  # one of records.OUTCOMES
    record: Record | None
    error: HelpdeskError | None = None
    token: TokenInfo | None = None
    receipt: Path | None = None  # the archived PDF
    print_job: PrintJob | None = None
    print_error: HelpdeskError | None = None
    record_error: HelpdeskError | None = None
    action: str = "unlock"

    @property
    def ok(self) -> bool:
        return self.outcome == "success"

    def message(self) -> tuple[str, str]:
        """(text, kind) for the operator, in the interface language; kind is ok, warning or error."""
        _ = gettext
        code = self.outcome
        if code == "success" and self.action == "unlock":
            head = _("The token is unlocked: the holder logged in with the new PIN.")
            return f"{head} {self._receipt()}".strip(), "warning" if self.record_error or self.print_error else "ok"
        if code == "success":
            tail = self._receipt() if self.record_error else ""
            return f"{_('The PIN was changed.')} {tail}".strip(), "warning" if tail else "ok"
        if code == "token_removed":
            return _("The token was pulled out during the operation, so the result is not confirmed: the PIN may "
                     "be unchanged. Insert the token again; its real state will be read again (or press F5)."), "error"
        if code == "so_pin_incorrect":
            return f"{_('The SO PIN is wrong. Check the batch list before trying again.')} {self._states()}", "error"
        if code == "pin_incorrect":
            return f"{_('The old PIN is wrong.')} {self._states()}", "error"
        if code == "pin_locked":
            return _("The user PIN is locked: use PIN recovery (unlock) with the SO PIN."), "error"
        if code == "pin_rejected":
            return f"{_('The token refused the new PIN:')} {self._error()}", "error"
        return f"{self._error()} {self._states()}".strip(), "error"

    def _states(self) -> str:
        if self.token is None:
            return gettext("The token's state is unknown until it is inserted again.")
        user, _sev = pin_state_text(self.token.flags.user_pin_state)
        so, _sev = pin_state_text(self.token.flags.so_pin_state)
        return gettext("Now: user PIN {user}; SO PIN {so}.").format(user=user, so=so)

    def _error(self) -> str:
        return self.error.localized() if self.error is not None else ""

    def _receipt(self) -> str:
        _ = gettext
        if self.record_error is not None:
            return _("The record could not be saved: {error}").format(error=self.record_error.localized())
        if self.print_job is not None:
            return _("The receipt was printed on {printer} ({copies} copies) and archived in {path}.").format(
                printer=self.print_job.printer, copies=self.print_job.copies, path=self.receipt)
        if self.receipt is not None:
            error = self.print_error.localized() if self.print_error else ""
            return _("The receipt was archived in {path} but not printed: {error}").format(path=self.receipt,
                                                                                           error=error)
        if self.print_error is not None:
            return _("The receipt could not be made: {error}").format(error=self.print_error.localized())
        return ""


def classify(exc: HelpdeskError) -> str:
    """The record's outcome code for a failure the worker reported."""
    so = exc.params.get("who") == "SO PIN"
    if isinstance(exc, PinLocked):
        return "so_pin_locked" if so else "pin_locked"
    if isinstance(exc, PinIncorrect):
        return "so_pin_incorrect" if so else "pin_incorrect"
    if isinstance(exc, PinPolicyError):
        return "pin_rejected"
    if isinstance(exc, TokenRemovedError | TokenNotFound):
        return "token_removed"
    return "token_error"


class PinService:
    def __init__(self, ctx: WorkflowContext, timeout: float = TOKEN_TIMEOUT,
                 config: UnlockSettings | None = None) -> None:
        self.ctx = ctx
        self.config: UnlockSettings = config or unlock_settings(ctx.settings)  # ConfigError if bad
        self.timeout = timeout

    # ---- reading (no PIN, no try spent) ------------------------------------------
    def _wait(self, future: concurrent.futures.Future[Any], timeout: float | None = None) -> Any:
        try:
            return future.result(timeout or self.timeout)
        except concurrent.futures.TimeoutError:
            raise TokenError("The token did not answer within {seconds} s.",
                             seconds=int(timeout or self.timeout)) from None

    def read(self, serial: str) -> TokenInfo:
        token: TokenInfo = self._wait(self.ctx.worker.identify(serial))
        return token

    def _reread(self, serial: str) -> TokenInfo | None:
        try:
            return self.read(serial)
        except (TokenRemovedError, TokenNotFound):
            return None

    def holder(self, token: TokenInfo) -> Holder:
        return find_holder(self.ctx.store, token)

    def holds_so_pin(self, token: TokenInfo) -> bool:
        return self.config.holds_so_pin(token)

    def policy(self, token: TokenInfo) -> PinPolicy:
        return policy_for(token, self.config)

    # ---- identity -----------------------------------------------------------------
    def check_identity(self, token: TokenInfo, holder: Holder, typed_id: str) -> IdentityCheck:
        """Compare the typed ID number; a real mismatch is recorded (someone else's token?)."""
        try:
            return check_national_id(holder, typed_id)
        except IdentityError as exc:
            if holder.subscriber is not None and holder.subscriber.national_id and typed_id.strip():
                self._commit("unlock", "identity_mismatch", token, holder, IdentityCheck("national_id"),
                             after=token, error=exc)
            raise

    def override_identity(self, reason: str) -> IdentityCheck:
        return admin_override(self.ctx.operator, reason)

    # ---- unlock -------------------------------------------------------------------
    def unlock(self, token: TokenInfo, holder: Holder, identity: IdentityCheck, so_pin: Secret | None,
               new_pin: Secret | None, again: Secret | None, confirmation: str = "") -> Outcome:
        """SO log-in + C_InitPIN + proof log-in with the new PIN, recorded; a receipt on success.

        Raises (nothing tried, nothing recorded): SoPinUnavailable, PinPolicyError from
        the local policy, TokenRemoved/TokenNotFound when the token is not there.
        """
        before = self.read(token.serial)  # fresh flags: the guard must see the state now
        pad = before.flags.protected_authentication_path
        try:
            check_so_attempt(before, self.holds_so_pin(before), confirmation)
        except UnlockRefused as exc:
            record = self._commit("unlock", "refused_final_try", before, holder, identity, after=before, error=exc)
            return Outcome("refused_final_try", record, exc, before)
        if not pad:
            if so_pin is None or new_pin is None or again is None:
                raise PinPolicyError("Type the SO PIN and the new PIN twice.")
            check_new_pin(self.policy(before), new_pin, again)
        error: HelpdeskError | None = None
        try:
            if pad:  # the SO PIN, the new PIN and the proving log-in are typed on the reader
                self._wait(self.ctx.worker.unlock(before.serial, PIN_PAD, PIN_PAD), PAD_TIMEOUT)
            else:
                assert so_pin is not None and new_pin is not None
                self._wait(self.ctx.worker.unlock(before.serial, so_pin, new_pin))
        except HelpdeskError as exc:
            error = exc
        outcome = Outcome(classify(error) if error else "success", None, error, self._reread(before.serial))
        try:
            if error is None:
                with self.ctx.next_number(records.RECEIPT_SERIES) as number:
                    outcome.record = self._commit("unlock", "success", before, holder, identity, after=outcome.token,
                                                  pad=pad, number=number, confirmed=confirmed(confirmation))
            else:
                outcome.record = self._commit("unlock", outcome.outcome, before, holder, identity,
                                              after=outcome.token, error=error, pad=pad,
                                              confirmed=confirmed(confirmation))
        except HelpdeskError as exc:
            outcome.record_error = exc  # the token is unlocked all the same: say so
            return outcome
        if error is None:
            self._print_receipt(outcome)
        return outcome

    # ---- PIN change ---------------------------------------------------------------
    def change(self, token: TokenInfo, holder: Holder, old_pin: Secret | None, new_pin: Secret | None,
               again: Secret | None) -> Outcome:
        """C_SetPIN for a holder who knows the old PIN, under the same policy, recorded."""
        before = self.read(token.serial)
        pad = before.flags.protected_authentication_path
        if before.flags.user_pin_locked:
            raise PinLocked("The user PIN of this token is locked: unlock it with the SO PIN instead.")
        if not pad:
            if old_pin is None or new_pin is None or again is None:
                raise PinPolicyError("Type the old PIN and the new PIN twice.")
            check_new_pin(self.policy(before), new_pin, again)
            if new_pin == old_pin:
                raise PinPolicyError("The new PIN must differ from the old one.")
        error: HelpdeskError | None = None
        try:
            if pad:
                self._wait(self.ctx.worker.change_pin(before.serial, PIN_PAD, PIN_PAD), PAD_TIMEOUT)
            else:
                assert old_pin is not None and new_pin is not None
                self._wait(self.ctx.worker.change_pin(before.serial, old_pin, new_pin))
        except HelpdeskError as exc:
            error = exc
        outcome = Outcome(classify(error) if error else "success", None, error, self._reread(before.serial),
                          action="change")
        try:
            outcome.record = self._commit("change", outcome.outcome, before, holder, IdentityCheck("old_pin"),
                                          after=outcome.token, error=error, pad=pad)
        except HelpdeskError as exc:
            outcome.record_error = exc
        return outcome

    # ---- back to the issuer (Mẫu 06) -------------------------------------------------
    def request_return(self, token: TokenInfo, holder: Holder, reason: str) -> Record:
        """Add the token to the unlock request list sent to the issuer."""
        payload = {"reason": reason, **records.facts(token, holder), "state": records.states(token),
                   "operator_name": self.ctx.operator.name}
        return self.ctx.commit(records.REQUEST, records.subject_for(token, holder), payload)

    # ---- the record and the receipt -------------------------------------------------
    def _commit(self, action: str, code: str, token: TokenInfo, holder: Holder, identity: IdentityCheck, *,
                after: TokenInfo | None, error: HelpdeskError | None = None, pad: bool | None = None,
                number: Number | None = None, confirmed: bool = False) -> Record:
        payload = {
            "action": action,
            "outcome": code,
            "identity": identity.to_payload(),
            "pin_pad": token.flags.protected_authentication_path if pad is None else pad,
            "state_before": records.states(token),
            "state_after": records.states(after),
            "final_try_confirmed": confirmed,
            **records.facts(token, holder),
            "error": str(error) if error else "",  # English text with params: never a PIN
            "receipt_seq": number.seq if number else None,
            "operator_name": self.ctx.operator.name,
        }
        return self.ctx.commit(records.ATTEMPT, records.subject_for(token, holder), payload, number=number)

    def _print_receipt(self, outcome: Outcome) -> None:
        """Render the registered form, then archive and print it; a printer problem never
        loses the archived receipt (``Printed.error`` says why it did not print)."""
        assert outcome.record is not None
        try:
            pdf = self.ctx.forms.render(records.FORM, outcome.record)
            printed = self.ctx.print(pdf, kind=records.ARCHIVE_KIND, key=outcome.record.id, title=records.TITLE)
        except HelpdeskError as exc:
            outcome.print_error = exc
            return
        outcome.receipt, outcome.print_job, outcome.print_error = printed.path, printed.job, printed.error
