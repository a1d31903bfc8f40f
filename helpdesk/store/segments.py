"""The log: records, their audit entries and outbox entries, in segment files.

A segment (``log-000042-2025-06.json``) holds three TinyDB tables — ``records``,
``audit``, ``outbox`` — so one commit rewrites one small file plus ``head.json``,
never the whole history. A new segment starts every :data:`SEGMENT_SIZE` audit
entries and whenever the month changes (all entries of a segment share its month,
which lets ``records(since=…)`` skip old files). Old segments are loaded on demand
and dropped again (:data:`CACHE_SEGMENTS`); only compact indexes stay in memory.

``index.json`` keeps a summary of every closed segment (its record ids and subjects,
unsent outbox entries, entry count and last hash), written in the commit that closes
the segment and in any commit that marks its outbox entries sent. Opening the store
then reads the summaries and only the current segment, not the whole history. The
summaries are derived data: if the file is lost, opening scans the segments and
writes it again. ``helpdesk audit verify`` never trusts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Table

from helpdesk.store.audit import (
    GENESIS,
    HEAD_FILE,
    RECORD_ACTION,
    SEGMENT_RE,
    AuditEntry,
    segment_files,
    segment_name,
)
from helpdesk.store.canonical import digest
from helpdesk.store.errors import StoreCorrupt
from helpdesk.store.journal import Transaction
from helpdesk.store.records import VOID, Record
from helpdesk.store.search import ExactIndex
from helpdesk.store.storage import AtomicStorage

SEGMENT_SIZE = 200
CACHE_SEGMENTS = 8
INDEX_FILE = "index.json"


class Segment:
    def __init__(self, directory: Path, name: str, transaction: Callable[[], Transaction | None]) -> None:
        m = SEGMENT_RE.match(name)
        assert m, name
        self.name = name
        self.number = int(m.group(1))
        self.month = m.group(2)
        self.storage = AtomicStorage(directory / name, transaction)
        self.db = TinyDB(storage=lambda: self.storage)
        self.records: Table = self.db.table("records")
        self.audit: Table = self.db.table("audit")
        self.outbox: Table = self.db.table("outbox")

    def raw(self, table: str) -> dict[str, Any]:
        data = self.storage.read() or {}
        return data.get(table, {})

    def insert(self, table: str, doc: dict[str, Any]) -> int:
        """``self.<table>.insert(doc)`` without TinyDB's whole-table copies per insert
        (two dict comprehensions over the table each time): the same ids (max + 1) and
        the same file. The dict becomes the table's; nobody changes it afterwards."""
        data = self.storage.read()
        data = {} if data is None else data
        rows = data.setdefault(table, {})
        doc_id = max(map(int, rows), default=0) + 1
        rows[str(doc_id)] = doc
        self.storage.write(data)
        return doc_id


@dataclass
class _Plan:
    """What the commit in progress appends; merged into the indexes once durable."""

    count: int
    hash: str
    current: Segment | None
    new_segments: list[Segment] = field(default_factory=list)
    closed: list[Segment] = field(default_factory=list)
    records: list[tuple[Record, str, int]] = field(default_factory=list)
    outbox: list[tuple[str, str, int]] = field(default_factory=list)


class Log:
    def __init__(self, directory: Path, kiosk_id: str, transaction: Callable[[], Transaction | None]) -> None:
        self.directory = directory
        self.kiosk_id = kiosk_id
        self._transaction = transaction
        self.head_storage = AtomicStorage(directory / HEAD_FILE, transaction)
        self.index_storage = AtomicStorage(directory / INDEX_FILE, transaction)
        self.unindexed: list[str] = []  # closed segments without a summary (healed at open)
        self.count = 0
        self.hash = GENESIS
        self.names: list[str] = []
        self._cache: dict[str, Segment] = {}
        self.record_index: dict[str, tuple[str, int]] = {}
        self.subject_index = ExactIndex()  # "s:<subscriber>", "t:<token>", "c:<cert>" -> record ids
        self.voided_by: dict[str, str] = {}
        self.pending: dict[str, tuple[str, int]] = {}  # outbox id -> (segment, doc id), oldest first
        self._plan: _Plan | None = None

    # --- loading -----------------------------------------------------------------
    def load(self) -> None:
        """Build the indexes from the summaries and the current segment; check against the head."""
        head = (self.head_storage.read() or {}).get("head", {}).get("1")
        head_count, head_hash = (head["count"], head["hash"]) if head else (0, GENESIS)
        self.names = segment_files(self.directory)
        summaries = (self.index_storage.read() or {}).get("segments", {})
        count, last = 0, GENESIS
        for name in self.names:
            closed = name != self.names[-1]
            summary = summaries.get(name) if closed else None
            if summary is None:
                summary = self.summary(self.segment(name))
                if closed:
                    self.unindexed.append(name)
                self.trim()
            for rid, doc_id, sub, tok, cert, voids in summary["records"]:
                self._index_entry(rid, name, doc_id, sub, tok, cert, voids)
            for outbox_id, doc_id in summary["pending"]:
                self.pending[outbox_id] = (name, doc_id)
            count += summary["count"]
            if summary["count"]:
                last = summary["hash"]
        if (count, last) != (head_count, head_hash):
            raise StoreCorrupt(
                "The audit log ({count} entries) does not match its head ({head} entries); "
                "run 'helpdesk audit verify' and restore from backup",
                count=count,
                head=head_count,
            )
        self.count, self.hash = count, last

    def summary(self, seg: Segment) -> dict[str, Any]:
        """What opening the store needs from a segment, without reading it."""
        records = []
        for doc_id, raw in seg.raw("records").items():
            subject = raw["subject"]
            voids = str(raw["payload"]["record_id"]) if raw["type"] == VOID else None
            records.append([raw["id"], int(doc_id), subject.get("subscriber_id"), subject.get("token_serial"),
                            subject.get("cert_serial"), voids])
        pending = [[raw["id"], int(doc_id)] for doc_id, raw in seg.raw("outbox").items() if raw.get("sent_at") is None]
        audit = seg.raw("audit")
        last = audit[max(audit, key=int)]["hash"] if audit else GENESIS
        return {"count": len(audit), "hash": last, "records": records, "pending": pending}

    def write_summaries(self, segments: list[Segment]) -> None:
        """Stage ``index.json`` with fresh summaries of these (closed) segments."""
        data = self.index_storage.read() or {}
        table = data.setdefault("segments", {})
        for seg in segments:
            table[seg.name] = self.summary(seg)
        self.index_storage.write(data)

    def heal_index(self) -> None:
        """Inside a transaction: summarise closed segments the index lacks (lost file, old store)."""
        if self.unindexed:
            self.write_summaries([self.segment(name) for name in self.unindexed])
            self.unindexed = []

    def segment(self, name: str) -> Segment:
        seg = self._cache.get(name)
        if seg is None:
            seg = self._cache[name] = Segment(self.directory, name, self._transaction)
        return seg

    def trim(self) -> None:
        """Forget old segments beyond the cache size (never the current one).

        Not during a commit: a segment staged in it must stay the one object for its file.
        """
        if len(self._cache) <= CACHE_SEGMENTS or self._transaction() is not None:
            return
        keep = set(self.names[-1:])
        for name in list(self._cache):
            if len(self._cache) <= CACHE_SEGMENTS:
                break
            if name not in keep:
                del self._cache[name]

    def _index_record(self, record: Record, segment: str, doc_id: int) -> None:
        subject = record.subject
        self._index_entry(record.id, segment, doc_id, subject.subscriber_id, subject.token_serial,
                          subject.cert_serial, record.voids)

    def _index_entry(self, rid: str, segment: str, doc_id: int, sub: str | None, tok: str | None,
                     cert: str | None, voids: str | None) -> None:
        self.record_index[rid] = (segment, doc_id)
        if sub:
            self.subject_index.add("s:" + sub, rid)
        if tok:
            self.subject_index.add("t:" + tok, rid)
        if cert:
            self.subject_index.add("c:" + cert, rid)
        if voids:
            self.voided_by[voids] = rid

    # --- appending (inside a transaction) ---------------------------------------
    def _begin(self) -> _Plan:
        if self._plan is None:
            tx = self._transaction()
            assert tx is not None, "append outside a transaction"
            current = self.segment(self.names[-1]) if self.names else None
            self._plan = _Plan(self.count, self.hash, current)
            tx.before_commit.append(self._write_head)
            tx.after_commit.append(self._applied)
            tx.after_rollback.append(self._abandoned)
        return self._plan

    def _segment_for(self, plan: _Plan, month: str) -> Segment:
        seg = plan.current
        if seg is None or seg.month != month or len(seg.audit) >= SEGMENT_SIZE:
            number = seg.number + 1 if seg else 1
            if seg is not None:
                plan.closed.append(seg)
            seg = Segment(self.directory, segment_name(number, month), self._transaction)
            plan.new_segments.append(seg)
            plan.current = seg
        return seg

    def append(
        self, *, time: str, operator: str, action: str, ref: str | None, count: int, digest_: str,
        record: Record | None = None,
    ) -> AuditEntry:
        """Add one audit entry (and its record and outbox entry) to the commit in progress."""
        plan = self._begin()
        seg = self._segment_for(plan, time[:7])
        entry = AuditEntry.make(
            prev=plan.hash, seq=plan.count + 1, time=time, kiosk_id=self.kiosk_id, operator=operator,
            action=action, ref=ref, count=count, digest=digest_,
        )
        if record is not None:
            doc_id = seg.insert("records", record.to_dict())
            plan.records.append((record, seg.name, doc_id))
            outbox_id = f"ob-{record.id}"
            ob_id = seg.insert("outbox", {"id": outbox_id, "record_id": record.id, "type": record.type,
                                          "seq": entry.seq, "time": time, "sent_at": None})
            plan.outbox.append((outbox_id, seg.name, ob_id))
        seg.insert("audit", entry.to_dict())
        plan.count, plan.hash = entry.seq, entry.hash
        return entry

    def append_record(self, record: Record) -> AuditEntry:
        return self.append(
            time=record.time, operator=record.operator, action=RECORD_ACTION + record.type, ref=record.id,
            count=1, digest_=digest(record.to_dict()), record=record,
        )

    def _write_head(self) -> None:
        plan = self._plan
        assert plan is not None
        if plan.closed:
            self.write_summaries(plan.closed)
        self.head_storage.write({"head": {"1": {"count": plan.count, "hash": plan.hash}}})

    def _applied(self) -> None:
        plan, self._plan = self._plan, None
        assert plan is not None
        for seg in plan.new_segments:
            self.names.append(seg.name)
            self._cache[seg.name] = seg
        for record, name, doc_id in plan.records:
            self._index_record(record, name, doc_id)
        for outbox_id, name, doc_id in plan.outbox:
            self.pending[outbox_id] = (name, doc_id)
        self.count, self.hash = plan.count, plan.hash
        self.trim()

    def _abandoned(self) -> None:
        self._plan = None
        self.head_storage.invalidate()
        self.index_storage.invalidate()

    # --- reading -------------------------------------------------------------------
    def get(self, record_id: str) -> Record | None:
        where = self.record_index.get(record_id)
        if where is None:
            return None
        raw = self.segment(where[0]).raw("records").get(str(where[1]))
        self.trim()
        return Record.from_dict(raw) if raw else None

    def iter_records(self, since: str | None = None) -> Iterator[Record]:
        for name in list(self.names):
            if since and name[-12:-5] < since[:7]:
                continue
            for raw in list(self.segment(name).raw("records").values()):
                if since is None or raw["time"] >= since:
                    yield Record.from_dict(raw)
            self.trim()

    def iter_audit(self, since: str | None = None) -> Iterator[AuditEntry]:
        for name in list(self.names):
            if since and name[-12:-5] < since[:7]:
                continue
            for raw in list(self.segment(name).raw("audit").values()):
                if since is None or raw["time"] >= since:
                    yield AuditEntry.from_dict(raw)
            self.trim()

    # --- outbox ------------------------------------------------------------------
    def pending_entries(self, limit: int) -> list[tuple[dict[str, Any], Record]]:
        out: list[tuple[dict[str, Any], Record]] = []
        for outbox_id, (name, doc_id) in self.pending.items():
            if len(out) >= limit:
                break
            seg = self.segment(name)
            raw = seg.raw("outbox")[str(doc_id)]
            record = self.get(raw["record_id"])
            assert record is not None, outbox_id
            out.append((dict(raw), record))
        self.trim()
        return out

    def mark_sent(self, ids: list[str], when: str) -> list[str]:
        """Stage ``sent_at`` on the pending entries among ``ids``; returns those marked."""
        tx = self._transaction()
        assert tx is not None
        by_segment: dict[str, list[int]] = {}
        marked = []
        for outbox_id in dict.fromkeys(ids):
            where = self.pending.get(outbox_id)
            if where is not None:
                by_segment.setdefault(where[0], []).append(where[1])
                marked.append(outbox_id)
        for name, doc_ids in by_segment.items():
            self.segment(name).outbox.update({"sent_at": when}, doc_ids=doc_ids)
        closed = [self.segment(name) for name in by_segment if name != self.names[-1]]
        if closed:
            self.write_summaries(closed)  # their summaries list unsent entries

        def applied() -> None:
            for outbox_id in marked:
                self.pending.pop(outbox_id, None)
            self.trim()

        tx.after_commit.append(applied)
        return marked
