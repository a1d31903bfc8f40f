"""An attempt's outcome as one message for the operator (interface language)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk.i18n import gettext as _
from helpdesk_pin_unlock.state import pin_state_text

if TYPE_CHECKING:
    from helpdesk_pin_unlock.service import Outcome


def _states(outcome: Outcome) -> str:
    if outcome.token is None:
        return _("The token's state is unknown until it is inserted again.")
    user, _sev = pin_state_text(outcome.token.flags.user_pin_state)
    so, _sev = pin_state_text(outcome.token.flags.so_pin_state)
    return _("Now: user PIN {user}; SO PIN {so}.").format(user=user, so=so)


def _error(outcome: Outcome) -> str:
    return outcome.error.localized() if outcome.error is not None else ""


def _receipt(outcome: Outcome) -> str:
    if outcome.record_error is not None:
        return _("The record could not be saved: {error}").format(error=outcome.record_error.localized())
    if outcome.print_job is not None:
        return _("The receipt was printed on {printer} ({copies} copies) and archived in {path}.").format(
            printer=outcome.print_job.printer, copies=outcome.print_job.copies, path=outcome.receipt)
    if outcome.receipt is not None:
        error = outcome.print_error.localized() if outcome.print_error else ""
        return _("The receipt was archived in {path} but not printed: {error}").format(path=outcome.receipt,
                                                                                       error=error)
    if outcome.print_error is not None:
        return _("The receipt could not be made: {error}").format(error=outcome.print_error.localized())
    return ""


def outcome_text(outcome: Outcome) -> tuple[str, str]:
    """(message, severity) where severity is ok, warning or error."""
    code = outcome.outcome
    if code == "success" and outcome.action == "unlock":
        head = _("The token is unlocked: the holder logged in with the new PIN.")
        return f"{head} {_receipt(outcome)}".strip(), "warning" if outcome.record_error or outcome.print_error else "ok"
    if code == "success":
        tail = _receipt(outcome) if outcome.record_error else ""
        return f"{_('The PIN was changed.')} {tail}".strip(), "warning" if tail else "ok"
    if code == "token_removed":
        return _("The token was pulled out during the operation, so the result is not confirmed: the PIN may be "
                 "unchanged. Insert the token again; its real state will be read again (or press F5)."), "error"
    if code == "so_pin_incorrect":
        return f"{_('The SO PIN is wrong. Check the batch list before trying again.')} {_states(outcome)}", "error"
    if code == "pin_incorrect":
        return f"{_('The old PIN is wrong.')} {_states(outcome)}", "error"
    if code == "pin_locked":
        return _("The user PIN is locked: use PIN recovery (unlock) with the SO PIN."), "error"
    if code == "pin_rejected":
        return f"{_('The token refused the new PIN:')} {_error(outcome)}", "error"
    return f"{_error(outcome)} {_states(outcome)}".strip(), "error"
