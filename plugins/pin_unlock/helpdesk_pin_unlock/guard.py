"""Before an SO PIN try is spent: is there one to spend, and did the operator confirm?

SoftHSM2 never reports FINAL_TRY or LOCKED; real tokens do, and their retry limits
differ (3, 10, 15): we go by the flags the token reports, never by a count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from helpdesk.store import fold
from helpdesk_pin_unlock.errors import SoPinUnavailable, UnlockRefused

if TYPE_CHECKING:
    from helpdesk.tokens.model import TokenInfo

#: What the operator types before the last SO PIN try (accents optional).
CONFIRM_PHRASE = "XAC NHAN"

Route = Literal["so_pin", "so_pin_final_try", "so_pin_locked", "so_pin_not_held"]


def unlock_route(token: TokenInfo, held: bool) -> Route:
    """How an unlock of ``token`` can go at this desk."""
    state = token.flags.so_pin_state
    if state == "locked":
        return "so_pin_locked"
    if not held:
        return "so_pin_not_held"
    return "so_pin_final_try" if state == "final_try" else "so_pin"


def confirmed(text: str) -> bool:
    return fold(" ".join(text.split())) == fold(CONFIRM_PHRASE)


def unavailable(route: Route) -> SoPinUnavailable:
    """Why no SO PIN try can be made here (route ``so_pin_locked`` or ``so_pin_not_held``)."""
    if route == "so_pin_locked":
        return SoPinUnavailable(
            "The SO PIN of this token is locked. Only the issuer can recover it: add the token "
            "to the unlock request list (Mẫu 06) or have the certificate revoked and re-issued."
        )
    return SoPinUnavailable(
        "This desk does not hold the SO PIN for this token's batch. Add the token to the "
        "unlock request list (Mẫu 06) for the issuer, or have the certificate revoked and re-issued."
    )


def check_so_attempt(token: TokenInfo, held: bool, confirmation: str = "") -> None:
    """Raise unless an SO log-in may be tried now on ``token`` (fresh flags)."""
    route = unlock_route(token, held)
    if route in ("so_pin_locked", "so_pin_not_held"):
        raise unavailable(route)
    if route == "so_pin_final_try" and not confirmed(confirmation):
        raise UnlockRefused(
            "The SO PIN has one try left: a wrong SO PIN now locks the token for good. Type "
            "{phrase} to confirm that the SO PIN was checked against the batch list.",
            phrase=CONFIRM_PHRASE,
        )
