"""Sync errors: operator-readable (English msgids, translated on display)."""

from __future__ import annotations

from helpdesk.errors import HelpdeskError


class SyncError(HelpdeskError):
    """Sending to the registry failed; the records stay in the outbox."""

    title = "Sync"


class NotConfigured(SyncError):
    title = "Sync not set up"


class RegistryUnreachable(SyncError):
    """A network error, a timeout or a 5xx answer: try again later (with backoff)."""

    title = "Registry unreachable"


class RegistryRefused(SyncError):
    """The registry answered 4xx: not enrolled, revoked, bad signature, audit chain flagged."""

    title = "Registry refused the batch"

    def __init__(self, message: str, /, status: int = 0, code: str = "", **params: object) -> None:
        super().__init__(message, status=status, **params)
        self.status = status
        self.code = code


class BadBundle(SyncError):
    title = "Offline bundle"
