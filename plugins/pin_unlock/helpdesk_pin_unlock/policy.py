"""The new-PIN policy: length range, not one repeated character, not a simple sequence.

The length range is the token's own limits (``ulMinPinLen``/``ulMaxPinLen`` of
CK_TOKEN_INFO, 0 = not stated) intersected with the desk's settings, so a PIN the
policy accepts is never one the token will refuse for its length. The token may
still refuse a PIN for its own reasons (character classes): the worker then raises
:class:`~helpdesk.errors.PinPolicyError` too.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpdesk.errors import PinPolicyError
from helpdesk.i18n import gettext

if TYPE_CHECKING:
    from helpdesk.secret import Secret
    from helpdesk.tokens.model import TokenInfo
    from helpdesk_pin_unlock.settings import UnlockSettings


@dataclass(frozen=True)
class PinPolicy:
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
