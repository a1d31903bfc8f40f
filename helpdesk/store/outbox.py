"""The outbox: one entry per record, waiting to be sent to the registry.

Entries are written in the same commit as their record. The sync client reads
:meth:`Outbox.pending` (oldest first) and calls :meth:`Outbox.mark_sent` with the
ids the registry acknowledged; marking is idempotent, so a retried batch is safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from helpdesk.store.records import Record

if TYPE_CHECKING:
    from helpdesk.store.store import Store


@dataclass(frozen=True)
class OutboxEntry:
    id: str
    record_id: str
    type: str
    seq: int  # the record's audit entry
    time: str
    sent_at: str | None
    record: Record

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "record_id": self.record_id, "type": self.type, "seq": self.seq,
            "time": self.time, "sent_at": self.sent_at, "record": self.record.to_dict(),
        }


class Outbox:
    """``store.outbox``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def pending(self, limit: int = 100) -> list[OutboxEntry]:
        """Unsent entries, oldest first, each with its record."""
        with self._store.locked():
            rows = self._store.log.pending_entries(limit)
        return [
            OutboxEntry(raw["id"], raw["record_id"], raw["type"], raw["seq"], raw["time"], raw["sent_at"], record)
            for raw, record in rows
        ]

    def count(self) -> int:
        with self._store.locked():
            return len(self._store.log.pending)

    def mark_sent(self, ids: Iterable[str]) -> int:
        """Mark entries as delivered (one atomic commit); unknown or already sent ids are ignored."""
        wanted = list(ids)
        with self._store.locked():
            if not any(i in self._store.log.pending for i in wanted):
                return 0
            with self._store.transaction():
                marked = self._store.log.mark_sent(wanted, self._store.now())
        return len(marked)
