"""The unlock and PIN-change operations, without any UI (screens and tests call these).

Every method blocks (token, disk, printer): call it from a Textual thread worker, never
on the UI thread. Each attempt that reaches the token, or that a guard refuses, is
committed as a ``pin_unlock.attempt`` record with its outcome; PINs stay in
:class:`~helpdesk.secret.Secret` objects owned by the caller and are never stored.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk import errors
from helpdesk.errors import HelpdeskError
from helpdesk.tokens.pkcs11 import PIN_PAD
from helpdesk_pin_unlock import guard, records
from helpdesk_pin_unlock.errors import IdentityError, UnlockRefused
from helpdesk_pin_unlock.identity import IdentityCheck, admin_override, check_national_id
from helpdesk_pin_unlock.policy import PinPolicy, check_new_pin, policy_for
from helpdesk_pin_unlock.receipt import ARCHIVE_KIND, FORM, TITLE, render_receipt
from helpdesk_pin_unlock.settings import UnlockSettings, unlock_settings
from helpdesk_pin_unlock.state import Holder, find_holder, main_certificate

if TYPE_CHECKING:
    from helpdesk.extension import WorkflowContext
    from helpdesk.printing import PrintJob
    from helpdesk.secret import Secret
    from helpdesk.store import Record
    from helpdesk.tokens.model import TokenInfo

TOKEN_TIMEOUT = 60.0


PAD_TIMEOUT = 180.0  # seconds: people type slowly on a reader, several times


@dataclass
class Outcome:
    """What an attempt came to. ``token`` is the token as read afterwards (None: it was gone)."""

    outcome: str  # one of records.OUTCOMES
    record: Record | None
    error: HelpdeskError | None = None
    token: TokenInfo | None = None
    receipt: Path | None = None
    print_job: PrintJob | None = None
    print_error: HelpdeskError | None = None
    record_error: HelpdeskError | None = None
    action: str = "unlock"

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


def classify(exc: HelpdeskError) -> str:
    """The record's outcome code for a failure the worker reported."""
    so = exc.params.get("who") == "SO PIN"
    if isinstance(exc, errors.PinLocked):
        return "so_pin_locked" if so else "pin_locked"
    if isinstance(exc, errors.PinIncorrect):
        return "so_pin_incorrect" if so else "pin_incorrect"
    if isinstance(exc, errors.PinPolicyError):
        return "pin_rejected"
    if isinstance(exc, errors.TokenRemoved | errors.TokenNotFound):
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
            raise errors.TokenError("The token did not answer within {seconds} s.",
                                    seconds=int(timeout or self.timeout)) from None

    def read(self, serial: str) -> TokenInfo:
        token: TokenInfo = self._wait(self.ctx.worker.identify(serial))
        return token

    def _reread(self, serial: str) -> TokenInfo | None:
        try:
            return self.read(serial)
        except (errors.TokenRemoved, errors.TokenNotFound):
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
                             before=token, after=token, error=exc)
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
            guard.check_so_attempt(before, self.holds_so_pin(before), confirmation)
        except UnlockRefused as exc:
            record = self._commit("unlock", "refused_final_try", before, holder, identity, before=before,
                                  after=before, error=exc)
            return Outcome("refused_final_try", record, exc, before)
        if not pad:
            if so_pin is None or new_pin is None or again is None:
                raise errors.PinPolicyError("Type the SO PIN and the new PIN twice.")
            check_new_pin(self.policy(before), new_pin, again)
        error: HelpdeskError | None = None
        try:
            if pad:
                # The SO PIN, the new PIN and the proving log-in are typed on the reader.
                self._wait(self.ctx.worker.unlock(before.serial, PIN_PAD, PIN_PAD), PAD_TIMEOUT)
            else:
                assert so_pin is not None and new_pin is not None
                self._wait(self.ctx.worker.unlock(before.serial, so_pin, new_pin))
        except HelpdeskError as exc:
            error = exc
        code = classify(error) if error else "success"
        after = self._reread(before.serial)
        seq = self._next_receipt_seq() if error is None else None
        outcome = Outcome(code, None, error, after)
        try:
            outcome.record = self._commit("unlock", code, before, holder, identity, before=before, after=after,
                                          error=error, pad=pad, receipt_seq=seq,
                                          confirmed=guard.confirmed(confirmation))
        except HelpdeskError as exc:
            outcome.record_error = exc  # the token is unlocked all the same: say so
            return outcome
        if error is None:
            self._print(outcome)
        return outcome

    # ---- PIN change ---------------------------------------------------------------
    def change(self, token: TokenInfo, holder: Holder, old_pin: Secret | None, new_pin: Secret | None,
               again: Secret | None) -> Outcome:
        """C_SetPIN for a holder who knows the old PIN, under the same policy, recorded."""
        before = self.read(token.serial)
        pad = before.flags.protected_authentication_path
        if before.flags.user_pin_locked:
            raise errors.PinLocked("The user PIN of this token is locked: unlock it with the SO PIN instead.")
        if not pad:
            if old_pin is None or new_pin is None or again is None:
                raise errors.PinPolicyError("Type the old PIN and the new PIN twice.")
            check_new_pin(self.policy(before), new_pin, again)
            if new_pin == old_pin:
                raise errors.PinPolicyError("The new PIN must differ from the old one.")
        error: HelpdeskError | None = None
        try:
            if pad:
                self._wait(self.ctx.worker.change_pin(before.serial, PIN_PAD, PIN_PAD), PAD_TIMEOUT)
            else:
                assert old_pin is not None and new_pin is not None
                self._wait(self.ctx.worker.change_pin(before.serial, old_pin, new_pin))
        except HelpdeskError as exc:
            error = exc
        code = classify(error) if error else "success"
        after = self._reread(before.serial)
        outcome = Outcome(code, None, error, after, action="change")
        try:
            outcome.record = self._commit("change", code, before, holder, IdentityCheck("old_pin"), before=before,
                                          after=after, error=error, pad=pad)
        except HelpdeskError as exc:
            outcome.record_error = exc
        return outcome

    # ---- back to the issuer (Mẫu 06) -------------------------------------------------
    def request_return(self, token: TokenInfo, holder: Holder, reason: str) -> Record:
        """Add the token to the unlock request list sent to the issuer."""
        cert = main_certificate(token)
        payload = {
            "reason": reason,
            "token": records.token_facts(token),
            "holder": records.holder_facts(holder),
            "certificate": records.cert_facts(cert),
            "state": records.states(token),
            "operator_name": self.ctx.operator.name,
        }
        return self.ctx.store.commit(records.REQUEST, records.subject_for(token, holder, cert), payload,
                                     self.ctx.operator.id)

    # ---- helpers ------------------------------------------------------------------
    def _commit(self, action: str, code: str, token: TokenInfo, holder: Holder, identity: IdentityCheck, *,
                before: TokenInfo | None, after: TokenInfo | None, error: HelpdeskError | None = None,
                pad: bool | None = None, receipt_seq: int | None = None, confirmed: bool = False) -> Record:
        cert = main_certificate(token)
        payload = {
            "action": action,
            "outcome": code,
            "identity": identity.to_payload(),
            "pin_pad": token.flags.protected_authentication_path if pad is None else pad,
            "state_before": records.states(before),
            "state_after": records.states(after),
            "final_try_confirmed": confirmed,
            "token": records.token_facts(token),
            "holder": records.holder_facts(holder),
            "certificate": records.cert_facts(cert),
            "error": str(error) if error else "",  # English text with params: never a PIN
            "receipt_seq": receipt_seq,
            "operator_name": self.ctx.operator.name,
        }
        return self.ctx.store.commit(records.ATTEMPT, records.subject_for(token, holder, cert), payload,
                                     self.ctx.operator.id)

    def _next_receipt_seq(self) -> int:
        """Receipts are numbered from 1 each calendar year (local time)."""
        year = datetime.now().astimezone().year
        start = datetime(year, 1, 1).astimezone()
        done = [r for r in self.ctx.store.records(records.ATTEMPT, since=start)
                if r.payload.get("outcome") == "success" and r.payload.get("action") == "unlock"]
        return len(done) + 1

    def render_receipt(self, record: Record) -> bytes:
        org = self.ctx.settings.organisation
        if FORM in self.ctx.forms:
            return self.ctx.forms.render(FORM, org, record)
        return render_receipt(org, record)

    def _print(self, outcome: Outcome) -> None:
        """Archive, then print; a printer problem never loses the archived receipt."""
        from helpdesk.printing import archive_and_print

        assert outcome.record is not None
        try:
            pdf = self.render_receipt(outcome.record)
            outcome.receipt, outcome.print_job = archive_and_print(
                self.ctx.settings, ARCHIVE_KIND, outcome.record.id, pdf, title=TITLE)
        except errors.PrintError as exc:
            archived = exc.params.get("archived")
            outcome.receipt = Path(str(archived)) if archived else None
            outcome.print_error = exc
        except HelpdeskError as exc:
            outcome.print_error = exc
