"""Outbox → signed batches → registry; an outbox entry is marked sent only after its ack.

Each batch carries a contiguous run of the kiosk's audit chain starting at the
registry's head (or earlier, at the oldest unsent record), and the pending records
whose entries fall in that run. Nothing here trusts local bookkeeping over the
registry: after a crash between the registry's ack and ``mark_sent``, the record is
sent again and acknowledged as a duplicate.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from helpdesk.store.audit import RECORD_ACTION
from helpdesk.sync.client import Head, RegistryClient
from helpdesk.sync.errors import SyncError
from helpdesk.sync.protocol import KioskReport, make_batch, sign

if TYPE_CHECKING:
    from helpdesk.store import AuditEntry, OutboxEntry, Store
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
        entries = _contiguous(self._store.audit.entries(since=since), start) if since else None
        if entries is None:  # no time hint, or a clock that went backwards between entries
            entries = _contiguous(self._store.audit.entries(), start)
        if entries is None:
            raise SyncError("The local audit log is not one contiguous chain; run 'helpdesk audit verify'")
        self._entries = entries
        return entries


def _contiguous(found: list[AuditEntry], start: int) -> list[AuditEntry] | None:
    """The entries from ``start`` on, if they begin there and skip no seq; else None."""
    entries = [e for e in found if e.seq >= start]
    if entries and entries[0].seq != start:
        return None
    if any(b.seq != a.seq + 1 for a, b in itertools.pairwise(entries)):
        return None
    return entries


@dataclass
class _Planned:
    """One batch ready to send, and where the chain ends if the registry takes it."""

    batch: dict[str, Any]
    chosen: list[OutboxEntry]
    end: Head

    @property
    def outbox_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.chosen)


@dataclass
class _InFlight:
    future: Future[dict[str, Any]]
    planned: _Planned


class Pusher:
    """Sends batches one at a time, in chain order; while the registry works on batch N,
    the next batch is prepared (assuming N is taken whole) and batch N-1's acks are
    marked in the outbox. If N comes back short (a refusal, a head other than expected),
    the prepared batch is dropped and the next one planned from what the registry said."""

    def __init__(self, store: Store, identity: KioskIdentity, client: RegistryClient, batch_size: int = 1000) -> None:
        self.store = store
        self.identity = identity
        self.client = client
        self.batch_size = batch_size

    def _plan(self, head: Head, window: AuditWindow, in_flight: frozenset[str] = frozenset()) -> _Planned | None:
        """The next batch after ``head`` (the registry's, or the one expected after the batch in flight)."""
        pending = [p for p in self.store.outbox.pending(self.batch_size + len(in_flight)) if p.id not in in_flight]
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
            return None
        entries = window.get(start, start + self.batch_size - 1, since)
        if not entries or entries[0].seq != start:
            raise SyncError("Audit entry #{seq} is missing from the local log", seq=start)
        last = entries[-1]
        chosen = [p for p in pending if start <= p.seq <= last.seq]
        records = [p.record.to_dict() for p in chosen]
        # Entries beyond the registry's head carry their records even if already marked sent:
        # a registry restored from an older backup gets them back.
        have = {p.record_id for p in chosen}
        for entry in entries:
            if entry.seq > head.seq and entry.ref and entry.action.startswith(RECORD_ACTION) \
                    and entry.ref not in have:
                record = self.store.get(entry.ref)
                if record is not None:
                    records.append(record.to_dict())
        # what stays unsent once this batch (and the one in flight, not yet marked) is taken
        left = max(0, self.store.outbox.count() - len(in_flight) - len(chosen))
        batch = sign(make_batch(self.identity.kiosk_id, [e.to_dict() for e in entries], records,
                                created=self.store.now(), kiosk_state=KioskReport(local_seq, left)),
                     self.identity.key, normalized=True)
        return _Planned(batch, chosen, Head(last.seq, last.hash, last.time))

    def push(self, stop: Callable[[], bool] = lambda: False, max_batches: int | None = None) -> PushResult:
        """Send until the registry holds the whole chain and every record, or nothing progresses."""
        head = self.client.head(self.identity.kiosk_id)
        window = AuditWindow(self.store)
        result = PushResult(head=head.seq)

        def more() -> bool:
            return not stop() and (max_batches is None or result.batches + 1 < max_batches)

        with ThreadPoolExecutor(1, thread_name_prefix="helpdesk-sync-send") as sender:
            ready = self._plan(head, window) if not stop() else None
            flight: _InFlight | None = None
            while ready is not None or flight is not None:
                if flight is None:
                    assert ready is not None
                    flight = _InFlight(sender.submit(self.client.send, ready.batch), ready)
                    ready = self._plan(ready.end, window, ready.outbox_ids) if more() else None
                answer = flight.future.result()  # an error propagates: nothing more is marked
                current, flight = flight.planned, None
                acked = {a.get("id") for a in answer["acks"] if isinstance(a, dict)}
                done = [p.id for p in current.chosen if p.record_id in acked]
                new_head = Head.from_json(answer["head"])
                whole = len(done) == len(current.chosen) and (new_head.seq, new_head.hash) == (
                    current.end.seq, current.end.hash)
                if whole and ready is not None:
                    flight = _InFlight(sender.submit(self.client.send, ready.batch), ready)
                ready = None
                if done:
                    self.store.outbox.mark_sent(done)  # while the next batch is on its way
                result.sent += len(done)
                result.batches += 1
                result.rejected.extend(r for r in answer.get("rejected", []) if isinstance(r, dict))
                progressed = bool(done) or new_head.seq > head.seq
                head = new_head
                result.head = head.seq
                if flight is not None:
                    ready = self._plan(flight.planned.end, window, flight.planned.outbox_ids) if more() else None
                elif whole or progressed:
                    ready = self._plan(head, window) if more() else None
        return result
