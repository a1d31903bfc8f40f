"""What may be done to a token before any PIN try is spent: the desk's settings, the
new-PIN policy, the SO-PIN guard, the identity check, and the plugin's errors.

Nothing here touches the token or the store: the service asks these rules first, and
only then lets the token worker spend a try. Messages are English msgids (Vietnamese
in ``pin_unlock.po``).

Settings are the ``[pin_unlock]`` table of ``helpdesk.toml``::

    [pin_unlock]
    pin_min_length = 6          # intersected with the token's own CK_TOKEN_INFO limits
    pin_max_length = 16
    so_pin_held = ["*"]         # serial/label patterns of the batches whose SO PIN this desk holds
    issuer = "Cục Chứng thực số và Bảo mật thông tin, Ban Cơ yếu Chính phủ"   # Mẫu 06 goes to

    [pin_unlock.contact]        # who coordinates recoveries with the issuer (Mẫu 06)
    name = "Trần Văn Bình"
    national_id = "092080001234"
    ...
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from helpdesk.extension import ConfigError, HelpdeskError, PinPolicyError, fold, gettext, nfc

if TYPE_CHECKING:
    from helpdesk.extension import OperatorRef, Secret, Settings, TokenInfo
    from helpdesk_pin_unlock.records import Holder


# ---- errors ------------------------------------------------------------------------------
class IdentityError(HelpdeskError):
    """The holder's identity could not be confirmed (nothing was tried on the token)."""

    title = "Identity check"


class UnlockRefused(HelpdeskError):
    """A guard refused to spend an SO PIN try (final try without confirmation)."""

    title = "Unlock refused"


class SoPinUnavailable(HelpdeskError):
    """The SO PIN is locked or not held at this desk: the token goes back to the issuer."""

    title = "Token must go back to the issuer"


# ---- settings ----------------------------------------------------------------------------
SECTION = "pin_unlock"
DEFAULT_MIN, DEFAULT_MAX = 6, 16
DEFAULT_ISSUER = "Cục Chứng thực số và Bảo mật thông tin, Ban Cơ yếu Chính phủ"


@dataclass(frozen=True)
class Contact:
    """The person coordinating recoveries with the issuer (Mẫu 06 contact block)."""

    name: str = ""
    national_id: str = ""
    id_issued_on: str = ""
    id_issued_at: str = ""
    position: str = ""
    agency: str = ""
    phone: str = ""


@dataclass(frozen=True)
class UnlockSettings:
    pin_min_length: int = DEFAULT_MIN
    pin_max_length: int = DEFAULT_MAX
    so_pin_held: tuple[str, ...] = ("*",)
    contact: Contact = field(default_factory=Contact)
    issuer: str = DEFAULT_ISSUER  # to whom the Mẫu 06 request goes

    def holds_so_pin(self, token: TokenInfo) -> bool:
        """Whether this desk holds the SO PIN (PUK) of the token's batch."""
        return any(
            fnmatch.fnmatchcase(token.serial, pattern) or fnmatch.fnmatchcase(token.label, pattern)
            for pattern in self.so_pin_held
        )


def _int(raw: Mapping[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 255:
        raise ConfigError("[pin_unlock] {key} must be a whole number from 1 to 255", key=key)
    return value


def unlock_settings(settings: Settings) -> UnlockSettings:
    """Read ``[pin_unlock]`` (all optional); a bad value is a ConfigError naming it."""
    raw = settings.extra.get(SECTION, {})
    if not isinstance(raw, Mapping):
        raise ConfigError("[pin_unlock] must be a table")
    low = _int(raw, "pin_min_length", DEFAULT_MIN)
    high = _int(raw, "pin_max_length", DEFAULT_MAX)
    if low > high:
        raise ConfigError("[pin_unlock] pin_min_length is larger than pin_max_length")
    held = raw.get("so_pin_held", ["*"])
    if isinstance(held, str):
        held = [held]
    if not isinstance(held, list) or not all(isinstance(p, str) for p in held):
        raise ConfigError("[pin_unlock] so_pin_held must be a list of serial or label patterns")
    contact_raw = raw.get("contact", {})
    if not isinstance(contact_raw, Mapping):
        raise ConfigError("[pin_unlock.contact] must be a table")
    known = {f.name for f in fields(Contact)}
    contact = Contact(**{k: nfc(str(v)).strip() for k, v in contact_raw.items() if k in known})
    issuer = nfc(str(raw.get("issuer", DEFAULT_ISSUER))).strip() or DEFAULT_ISSUER
    return UnlockSettings(low, high, tuple(p.strip() for p in held if p.strip()), contact, issuer)


# ---- PIN states, as the desk names them ---------------------------------------------------
Severity = Literal["ok", "warning", "error"]

#: Retry counts are never shown as numbers: tokens report only "count low / final try / locked".
USER_STATES: dict[str, tuple[str, Severity]] = {
    "ok": ("normal", "ok"),
    "count_low": ("wrong PIN entered before; few tries left", "warning"),
    "final_try": ("one try left", "error"),
    "locked": ("locked", "error"),
}


def pin_state_text(state: str) -> tuple[str, Severity]:
    """A PIN state in the interface language, and how worrying it is."""
    text, severity = USER_STATES.get(state, ("unknown", "warning"))
    return gettext(text), severity


# ---- the new-PIN policy -------------------------------------------------------------------
@dataclass(frozen=True)
class PinPolicy:
    """The length range is the token's own limits (``ulMinPinLen``/``ulMaxPinLen``, 0 = not
    stated) intersected with the desk's settings, so a PIN the policy accepts is never one
    the token refuses for its length (it may still refuse it for its own reasons)."""

    min_length: int
    max_length: int

    def describe(self) -> str:
        """One line for the screen, in the interface language."""
        return gettext(
            "{min}–{max} characters (letters, digits, signs; no spaces), not one character "
            "repeated, not a sequence such as 123456 or 654321."
        ).format(min=self.min_length, max=self.max_length)


def policy_for(token: TokenInfo, settings: UnlockSettings) -> PinPolicy:
    """The policy for a new PIN on ``token``; PinPolicyError if the ranges do not meet."""
    low, high = settings.pin_min_length, settings.pin_max_length
    token_low = token.min_pin_len or 0
    token_high = token.max_pin_len or 10_000
    if max(low, token_low) > min(high, token_high):
        raise PinPolicyError(
            "The token accepts PINs of {token_min} to {token_max} characters, which does not "
            "meet the desk's policy of {min} to {max}: change [pin_unlock] in the settings.",
            token_min=token.min_pin_len, token_max=token.max_pin_len, min=low, max=high,
        )
    return PinPolicy(max(low, token_low), min(high, token_high))


def is_simple_sequence(text: str) -> bool:
    """Each character one step up (or down) from the last: 123456, 654321, 890123, abcdef."""
    if len(text) < 2:
        return False
    if text.isdigit():
        steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(text)}
        return steps in ({1}, {9})
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text.lower())}
    return steps in ({1}, {-1})


def check_new_pin(policy: PinPolicy, pin: Secret, again: Secret) -> None:
    """Raise PinPolicyError (a message the holder can act on) unless the new PIN is acceptable."""
    value = pin.reveal()
    if pin != again:
        raise PinPolicyError("The two entries of the new PIN differ. Type the new PIN again, twice.")
    if not policy.min_length <= len(value) <= policy.max_length:
        raise PinPolicyError(
            "The new PIN must have {min} to {max} characters.", min=policy.min_length, max=policy.max_length
        )
    if not all(33 <= ord(c) <= 126 for c in value):
        # Vendor tools and PIN pads elsewhere may not type accents or spaces.
        raise PinPolicyError("The new PIN may only use letters without accents, digits and signs, no spaces.")
    if len(set(value)) == 1:
        raise PinPolicyError("The new PIN must not be one character repeated.")
    if is_simple_sequence(value):
        raise PinPolicyError("The new PIN must not be a simple sequence such as 123456 or 654321.")


# ---- the SO-PIN guard ---------------------------------------------------------------------
# SoftHSM2 never reports FINAL_TRY or LOCKED; real tokens do, and their retry limits
# differ (3, 10, 15): we go by the flags the token reports, never by a count.

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


# ---- identity -----------------------------------------------------------------------------
# The holder named by the subscriber record, or an administrator's override with a
# reason. The typed ID number is compared, never stored.

Method = Literal["national_id", "admin_override", "old_pin"]
MIN_REASON = 10  # characters: "quên" is not a reason


@dataclass(frozen=True)
class IdentityCheck:
    method: Method
    reason: str = ""

    def to_payload(self) -> dict[str, str]:
        return {"method": self.method, "override_reason": self.reason}


def check_national_id(holder: Holder, typed: str) -> IdentityCheck:
    """The ID number (CCCD/CMND) shown by the person must match the subscriber record."""
    number = "".join(typed.split())
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
