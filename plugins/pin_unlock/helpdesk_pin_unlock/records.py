"""The plugin's record types: every unlock/change attempt and its outcome, and the
unlock requests (Mẫu 06) for tokens that must go back to the issuer.

PINs never appear: payloads carry states and outcomes only (the store also refuses
keys that look like PINs). Facts about the token, holder and certificate are copied in
as they were at the time, so a receipt can be rendered again from the record alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from helpdesk.store import Subject

if TYPE_CHECKING:
    from helpdesk.tokens.model import CertInfo, TokenInfo
    from helpdesk_pin_unlock.state import Holder

ATTEMPT = "pin_unlock.attempt"
REQUEST = "pin_unlock.request"

ACTIONS = ("unlock", "change")
OUTCOMES = (
    "success",
    "so_pin_incorrect",
    "so_pin_locked",
    "pin_incorrect",  # change: the old PIN was wrong
    "pin_locked",
    "pin_rejected",  # the token refused the new PIN
    "token_removed",
    "token_error",
    "refused_final_try",  # the guard stopped a last SO try without the typed confirmation
    "identity_mismatch",
)
REQUEST_REASONS = ("so_pin_locked", "so_pin_not_held")
PIN_STATES = ("ok", "count_low", "final_try", "locked")


def token_facts(token: TokenInfo) -> dict[str, str]:
    return {"serial": token.serial, "label": token.label, "manufacturer": token.manufacturer, "model": token.model}


def holder_facts(holder: Holder) -> dict[str, str | None]:
    s = holder.subscriber
    return {
        "subscriber_id": s.id if s else None,
        "name": s.full_name if s else None,
        "position": s.position if s else None,
        "unit_id": s.unit_id if s else None,
        "unit": holder.unit_name or None,
        "email": s.email if s else None,
    }


def cert_facts(cert: CertInfo | None) -> dict[str, str] | None:
    if cert is None:
        return None
    return {
        "common_name": cert.subject.common_name,
        "organisation": cert.subject.get("O"),
        "email": cert.subject.get("E"),
        "serial": cert.serial,
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
    }


def states(token: TokenInfo | None) -> dict[str, str] | None:
    if token is None:
        return None  # unknown: the token was gone when we looked
    return {"user_pin_state": token.flags.user_pin_state, "so_pin_state": token.flags.so_pin_state}


def subject_for(token: TokenInfo, holder: Holder, cert: CertInfo | None) -> Subject:
    return Subject(
        subscriber_id=holder.subscriber.id if holder.subscriber else None,
        token_serial=token.serial,
        cert_serial=cert.serial if cert else None,
    )


def _one_of(payload: Mapping[str, Any], key: str, allowed: tuple[str, ...], problems: list[str]) -> None:
    if payload.get(key) not in allowed:
        problems.append(f"{key} must be one of {', '.join(allowed)}")


def _states_ok(value: object) -> bool:
    return value is None or (
        isinstance(value, Mapping)
        and value.get("user_pin_state") in PIN_STATES
        and value.get("so_pin_state") in PIN_STATES
    )


def validate_attempt(payload: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    _one_of(payload, "action", ACTIONS, problems)
    _one_of(payload, "outcome", OUTCOMES, problems)
    token = payload.get("token")
    if not isinstance(token, Mapping) or not token.get("serial"):
        problems.append("token.serial is required")
    identity = payload.get("identity")
    if not isinstance(identity, Mapping) or identity.get("method") not in ("national_id", "admin_override", "old_pin"):
        problems.append("identity.method is required")
    elif identity.get("method") == "admin_override" and not str(identity.get("override_reason") or "").strip():
        problems.append("an admin override needs its reason")
    if not isinstance(payload.get("pin_pad"), bool):
        problems.append("pin_pad must be true or false")
    for key in ("state_before", "state_after"):
        if not _states_ok(payload.get(key)):
            problems.append(f"{key} must give user_pin_state and so_pin_state")
    if payload.get("outcome") == "success" and payload.get("action") == "unlock" and not isinstance(
        payload.get("receipt_seq"), int
    ):
        problems.append("a successful unlock needs its receipt number")
    return problems


def validate_request(payload: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    _one_of(payload, "reason", REQUEST_REASONS, problems)
    token = payload.get("token")
    if not isinstance(token, Mapping) or not token.get("serial"):
        problems.append("token.serial is required")
    if not isinstance(payload.get("holder"), Mapping):
        problems.append("holder is required")
    return problems
