"""The plugin's own failures (English msgids, Vietnamese in pin_unlock.po)."""

from __future__ import annotations

from helpdesk.errors import HelpdeskError


class IdentityError(HelpdeskError):
    """The holder's identity could not be confirmed (nothing was tried on the token)."""

    title = "Identity check"


class UnlockRefused(HelpdeskError):
    """A guard refused to spend an SO PIN try (final try without confirmation)."""

    title = "Unlock refused"


class SoPinUnavailable(HelpdeskError):
    """The SO PIN is locked or not held at this desk: the token goes back to the issuer."""

    title = "Token must go back to the issuer"
