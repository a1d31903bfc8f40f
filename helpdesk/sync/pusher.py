"""Outbox → signed batches → registry; an outbox entry is marked sent only after its ack.

Each batch carries a contiguous run of the kiosk's audit chain starting at the
registry's head (or earlier, at the oldest unsent record), and the pending records
whose entries fall in that run. Nothing here trusts local bookkeeping over the
registry: after a crash between the registry's ack and ``mark_sent``, the record is
sent again and acknowledged as a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from helpdesk.sync.client import Head, RegistryClient
from helpdesk.sync.errors import SyncError
from helpdesk.sync.protocol import make_batch, sign

if TYPE_CHECKING:
    from helpdesk.store import AuditEntry, Store
    from helpdesk.sync.identity import KioskIdentity


@dataclass
class PushResult:
    sent: int = 0  # records the registry acknowledged (stored or duplicate)
    batches: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    head: int = 0


class AuditWindow:
    """Audit entries from a given seq on, read once per push (not once per batch)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._entries: list[AuditEntry] = []

    def get(self, start: int, end: int, since: str | None) -> list[AuditEntry]:
        entries = self._entries
        if not entries or not entries[0].seq <= start <= entries[-1].seq:
            entries = self._load(start, since)
        offset = start - entries[0].seq if entries else 0
        return entries[offset : offset + end - start + 1]

    def _load(self, start: int, since: str | None) -> list[AuditEntry]:
        found = self._store.audit.entries(since=since) if since else []
        if not found or found[0].seq > start:  # no time hint, or a clock that went backwards
            found = self._store.audit.entries()
        self._entries = [e for e in found if e.seq >= start]
        for a, b in zip(self._entries, self._entries[1:], strict=False):
            if b.seq != a.seq + 1:
                raise SyncError("The local audit log skips from entry #{a} to #{b}; run 'helpdesk audit verify'",
                                a=a.seq, b=b.seq)
        return self._entries


class Pusher:
    def __init__(self, store: Store, identity: KioskIdentity, client: RegistryClient, batch_size: int = 500) -> None:
        self.store = store
        self.identity = identity
        self.client = client
        self.batch_size = batch_size

    def push(self, stop: Callable[[], bool] = lambda: False, max_batches: int | None = None) -> PushResult:
        """Send until the registry holds the whole chain and every record, or nothing progresses."""
        kiosk_id = self.identity.kiosk_id
        head = self.client.head(kiosk_id)
        window = AuditWindow(self.store)
        result = PushResult(head=head.seq)
        while not stop() and (max_batches is None or result.batches < max_batches):
            pending = self.store.outbox.pending(self.batch_size)
            local_seq, _ = self.store.audit.head()
            start, since = head.seq + 1, head.time
            if pending and pending[0].seq < start:
                start, since = pending[0].seq, pending[0].time
            if local_seq < head.seq and start > local_seq:
                raise SyncError(
                    "The registry holds {head} audit entries of this kiosk but the local log has only {local}: "
                    "the local log was cut or restored; run 'helpdesk audit verify --registry'",
                    head=head.seq, local=local_seq)
            if start > local_seq:
                break
            entries = window.get(start, start + self.batch_size - 1, since)
            if not entries or entries[0].seq != start:
                raise SyncError("Audit entry #{seq} is missing from the local log", seq=start)
            end = entries[-1].seq
            chosen = [p for p in pending if start <= p.seq <= end]
            batch = sign(make_batch(kiosk_id, [e.to_dict() for e in entries], [p.record.to_dict() for p in chosen],
                                    created=self.store.now()), self.identity.key, normalized=True)
            answer = self.client.send(batch)
            acked = {a.get("id") for a in answer["acks"] if isinstance(a, dict)}
            done = [p.id for p in chosen if p.record_id in acked]
            if done:
                self.store.outbox.mark_sent(done)
            result.sent += len(done)
            result.batches += 1
            result.rejected.extend(r for r in answer.get("rejected", []) if isinstance(r, dict))
            new_head = Head.from_json(answer["head"])
            progressed = bool(done) or new_head.seq > head.seq
            head = new_head
            result.head = head.seq
            if not progressed:
                break
        return result
