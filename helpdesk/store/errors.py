"""Store errors. ``DiskFull`` and ``StoreError`` come from :mod:`helpdesk.errors`."""

from __future__ import annotations

from helpdesk.errors import DiskFull, StoreError

__all__ = ["CommitIncomplete", "DiskFull", "InvalidData", "NotFound", "StoreBusy", "StoreCorrupt", "StoreError"]


class InvalidData(StoreError):
    """A record, subscriber or unit was refused before anything was written."""

    title = "Invalid data"

    def __init__(self, message: str, /, problems: list[str] | None = None, **params: object) -> None:
        super().__init__(message, **params)
        self.problems = problems or []


class NotFound(StoreError):
    title = "Not found"
    exit_code = 3


class StoreCorrupt(StoreError):
    """A file does not load, or the log does not match its head: stop, do not append."""

    title = "Record store damaged"


class StoreBusy(StoreError):
    """Another process holds the store (one writer per data folder)."""

    title = "Record store in use"


class CommitIncomplete(StoreError):
    """A commit reached its journal but could not be applied: restart to finish it."""

    title = "Record store"
