"""Who may have a token unlocked: the holder named by the subscriber record, or an
administrator's override with a reason. The typed ID number is compared, not stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from helpdesk_pin_unlock.errors import IdentityError

if TYPE_CHECKING:
    from helpdesk.extension import OperatorRef
    from helpdesk_pin_unlock.state import Holder

Method = Literal["national_id", "admin_override", "old_pin"]
MIN_REASON = 10  # characters: "quên" is not a reason


@dataclass(frozen=True)
class IdentityCheck:
    method: Method
    reason: str = ""

    def to_payload(self) -> dict[str, str]:
        return {"method": self.method, "override_reason": self.reason}


def _digits(text: str) -> str:
    return "".join(text.split())


def check_national_id(holder: Holder, typed: str) -> IdentityCheck:
    """The ID number (CCCD/CMND) shown by the person must match the subscriber record."""
    number = _digits(typed)
    if not number:
        raise IdentityError("Type the ID number (CCCD/CMND) on the holder's identity card.")
    if holder.subscriber is None:
        raise IdentityError(
            "No subscriber record names this token, so the ID number cannot be checked. "
            "An administrator may override the check with a reason."
        )
    if not holder.subscriber.national_id:
        raise IdentityError(
            "The subscriber record of this token has no ID number. "
            "An administrator may override the check with a reason."
        )
    if number != holder.subscriber.national_id:
        raise IdentityError("The ID number does not match the subscriber record of this token.")
    return IdentityCheck("national_id")


def admin_override(operator: OperatorRef, reason: str) -> IdentityCheck:
    if operator.role != "admin":
        raise IdentityError("Only an administrator can skip the identity check.")
    text = " ".join(reason.split())
    if len(text) < MIN_REASON:
        raise IdentityError("Give the reason for skipping the identity check (at least {n} characters).", n=MIN_REASON)
    return IdentityCheck("admin_override", text)
