"""The record store facade: ``open_store(data_dir, kiosk_id)``.

One writer process per data folder (``.lock``); inside it, one lock serialises
commits and reads, so Textual worker threads may share a Store. Listeners (the
``helpdesk_record_saved`` hook) run after a commit is durable, outside the lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from helpdesk.store import migrations
from helpdesk.store.audit import (
    HEAD_FILE,
    AuditEntry,
    AuditProblem,
    VerifyResult,
    segment_files,
    verify_dir,
)
from helpdesk.store.directory import Subscribers, Units
from helpdesk.store.errors import CommitIncomplete, InvalidData, NotFound, StoreBusy, StoreError
from helpdesk.store.journal import JOURNAL, Transaction, recover
from helpdesk.store.numbers import Number, Numbers
from helpdesk.store.outbox import Outbox
from helpdesk.store.records import RECORD_TYPES, VOID, Record, RecordTypeRegistry, Subject
from helpdesk.store.rows import Subscriber
from helpdesk.store.segments import Log
from helpdesk.store.storage import AtomicStorage, load_tables
from helpdesk.store.tables import TABLE_CHANGE, Tables, validate_table_change

log = logging.getLogger(__name__)

LOCK_FILE = ".lock"
COMMIT_LOCK_FILE = ".commit.lock"
RecordInput = tuple[str, Subject | Mapping[str, Any] | None, Mapping[str, Any], str]


def iso_utc(value: datetime | date | str) -> str:
    """The store's time format. A naive datetime or a bare date is local time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidData("{value!r} is not an ISO date or time", value=value) from exc
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _clean_operator(operator: str) -> str:
    text = unicodedata.normalize("NFC", operator or "").strip()
    if not text:
        raise InvalidData("An operator is required")
    return text


class AuditLog:
    """``store.audit``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def head(self) -> tuple[int, str]:
        with self._store.locked():
            return self._store.log.count, self._store.log.hash

    def entries(self, since: datetime | date | str | None = None) -> list[AuditEntry]:
        with self._store.locked():
            return list(self._store.log.iter_audit(iso_utc(since) if since is not None else None))

    def verify(self) -> VerifyResult:
        with self._store.locked():
            return verify_dir(self._store.directory)


class Store:
    def __init__(
        self,
        data_dir: Path,
        kiosk_id: str,
        *,
        record_types: RecordTypeRegistry | None = None,
        clock: Callable[[], datetime] | None = None,
        read_only: bool = False,
    ) -> None:
        if not kiosk_id.strip():
            raise InvalidData("A kiosk id is required")
        self.directory = Path(data_dir)
        self.kiosk_id = kiosk_id.strip()
        self.record_types = record_types or RECORD_TYPES
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._tx: Transaction | None = None
        self._broken = False
        self._listeners: list[Callable[[Record], None]] = []
        self._lock_fd: int | None = None
        self._commit_fd: int | None = None
        self.read_only = read_only
        self.log = Log(self.directory, self.kiosk_id, self.current_transaction)
        self.units = Units(self, self.directory)
        self.subscribers = Subscribers(self, self.directory, self.units)
        self.audit = AuditLog(self)
        self.outbox = Outbox(self)
        self.numbers = Numbers(self, self.directory)
        self.tables = Tables(self, self.directory)
        if TABLE_CHANGE not in self.record_types.names():
            self.record_types.register(TABLE_CHANGE, validate_table_change,
                                       description="A change to a synced plugin table", owner="core")

    # --- life cycle ----------------------------------------------------------------
    def _open(self) -> None:
        if self.read_only:
            self._open_read_only()
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError("Cannot create {path}: {error}", path=str(self.directory), error=str(exc)) from exc
        self._lock_fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise StoreBusy("The record store in {path} is open in another process", path=str(self.directory)) from None
        self._commit_fd = os.open(self.directory / COMMIT_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._commit_fd, fcntl.LOCK_EX)  # a reader (audit verify) waits for recovery
            try:
                recover(self.directory)
            finally:
                fcntl.flock(self._commit_fd, fcntl.LOCK_UN)
            self.log.load()
            if self.log.unindexed:
                with self.transaction():
                    self.log.heal_index()
            migrations.migrate(self)
            self.units.load()
            self.subscribers.load()
        except BaseException:
            self.close()
            raise

    def _open_read_only(self) -> None:
        """A snapshot for reports and the CLI, taken while no commit is in flight."""
        if not (self.directory / migrations.META_FILE).exists():
            raise NotFound("No record store in {path}", path=str(self.directory))
        with shared_commit_lock(self.directory):
            if (self.directory / JOURNAL).exists():
                raise StoreError("The record store in {path} has an unfinished commit; start the kiosk to finish it",
                                 path=str(self.directory))
            self.log.load()
            self.units.load()
            self.subscribers.load()

    def close(self) -> None:
        with self._lock:
            for fd in (self._commit_fd, self._lock_fd):
                if fd is not None:
                    os.close(fd)  # closing drops the flock
            self._commit_fd = self._lock_fd = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing shared with the tables ---------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def current_transaction(self) -> Transaction | None:
        return self._tx

    def now(self) -> str:
        return iso_utc(self._clock())

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError("The record store was opened read-only")

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One commit: everything written inside lands atomically, or nothing does."""
        with self._lock:
            self._check_writable()
            if self._commit_fd is None:
                raise StoreError("The record store is closed")
            if self._broken:
                raise StoreError("The record store needs a restart to finish an interrupted commit")
            if self._tx is not None:
                raise StoreError("Internal error: nested commit")
            tx = self._tx = Transaction(self.directory)
            fcntl.flock(self._commit_fd, fcntl.LOCK_EX)  # readers such as `audit verify` wait
            try:
                yield tx
                tx.commit()
            except CommitIncomplete:
                self._broken = True
                tx.rollback()
                raise
            except BaseException:
                tx.rollback()
                raise
            finally:
                self._tx = None
                fcntl.flock(self._commit_fd, fcntl.LOCK_UN)

    # --- records -------------------------------------------------------------------
    def add_listener(self, listener: Callable[[Record], None]) -> None:
        """Called with each saved record after its commit is durable (e.g. the record_saved hook)."""
        self._listeners.append(listener)

    def _notify(self, records: list[Record]) -> None:
        for record in records:
            for listener in list(self._listeners):
                try:
                    listener(record)
                except Exception:  # a listener's bug must not undo or hide a saved record
                    log.exception("record listener %r failed for %s", listener, record.id)

    def _build(self, record_type: str, subject: Subject | Mapping[str, Any] | None,
               payload: Mapping[str, Any], operator: str, time: str, *, checked: bool = False) -> Record:
        # checked: a payload the store made itself from rows it already cleaned (NFC, no secrets)
        clean = dict(payload) if checked else self.record_types.validate(record_type, payload)
        return Record(
            id=str(uuid.uuid4()), kiosk_id=self.kiosk_id, operator=_clean_operator(operator), time=time,
            type=record_type, subject=Subject.coerce(subject), payload=clean,
        )

    def commit(self, record_type: str, subject: Subject | Mapping[str, Any] | None,
               payload: Mapping[str, Any], operator: str, *, number: Number | None = None) -> Record:
        """Save one record with its audit and outbox entries; returns once it is on disk."""
        return self.commit_many([(record_type, subject, payload, operator)], number=number)[0]

    def commit_many(self, items: Iterable[RecordInput], *, number: Number | None = None) -> list[Record]:
        """Save several records in one commit (all or none).

        ``number`` (from :meth:`Numbers.next`) is taken in the same commit: the counter
        moves only if the records land, so numbers have no gaps and no duplicates.
        """
        self._check_writable()
        items = list(items)
        for record_type, *_ in items:
            if record_type == VOID:
                raise InvalidData("Use void() to cancel a record")
        with self._lock:
            now = self.now()
            records = [self._build(t, s, p, o, now) for t, s, p, o in items]
            self._append(records, number)
        self._notify(records)
        return records

    def _append(self, records: list[Record], number: Number | None = None) -> None:
        with self.transaction():
            if number is not None:
                self.numbers.take(number)
            for record in records:
                self.log.append_record(record)

    def write_with_audit(self, storage: AtomicStorage, data: Mapping[str, Any], *, operator: str, action: str,
                         ref: str | None, count: int, digest_: str,
                         records: Iterable[tuple[str, Subject | Mapping[str, Any] | None, Mapping[str, Any]]] = (),
                         records_checked: bool = False) -> list[Record]:
        """Replace one table file and audit it (plus records, e.g. for sync) in one commit.

        ``records_checked``: the records' payloads are the store's own, already clean."""
        self._check_writable()
        who = _clean_operator(operator)
        with self._lock:
            now = self.now()
            built = [self._build(t, s, p, who, now, checked=records_checked) for t, s, p in records]
            with self.transaction():
                storage.write(dict(data))
                self.log.append(time=now, operator=who, action=action, ref=ref, count=count, digest_=digest_)
                for record in built:
                    self.log.append_record(record)
        self._notify(built)
        return built

    def audit_event(self, operator: str, action: str, ref: str | None = None, detail: Mapping[str, Any] | None = None,
                    count: int = 0) -> None:
        """An audit entry without a record (log-ins, exports): hash-chained like the rest."""
        from helpdesk.store.canonical import digest

        who = unicodedata.normalize("NFC", operator or "").strip()[:64] or "?"
        with self._lock, self.transaction():
            self.log.append(time=self.now(), operator=who, action=action, ref=ref, count=count,
                            digest_=digest(dict(detail or {"action": action})))

    def void(self, record_id: str, reason: str, operator: str) -> Record:
        """Cancel a record: a new ``void`` record naming it and why. The old one stays."""
        self._check_writable()
        with self._lock:
            old = self.log.get(record_id)
            if old is None:
                raise NotFound("No record with id {id}", id=record_id)
            if old.type == VOID:
                raise InvalidData("A void record cannot itself be voided; record the correction again")
            if record_id in self.log.voided_by:
                raise InvalidData("Record {id} is already voided by {by}", id=record_id, by=self.log.voided_by[record_id])
            record = self._build(VOID, old.subject, {"record_id": record_id, "reason": reason.strip()}, operator, self.now())
            self._append([record])
        self._notify([record])
        return record

    def get(self, record_id: str) -> Record | None:
        with self._lock:
            return self.log.get(record_id)

    def voided_by(self, record_id: str) -> str | None:
        """The id of the void record cancelling ``record_id``, if any."""
        with self._lock:
            return self.log.voided_by.get(record_id)

    def records(
        self, type: str | None = None, since: datetime | date | str | None = None, *, include_voided: bool = True
    ) -> list[Record]:
        """Records in commit order; ``include_voided=False`` drops voided ones and the voids."""
        with self._lock:
            cut = iso_utc(since) if since is not None else None
            out = []
            for record in self.log.iter_records(cut):
                if type is not None and record.type != type:
                    continue
                if not include_voided and (record.type == VOID or record.id in self.log.voided_by):
                    continue
                out.append(record)
            return out

    def history(self, *, subscriber_id: str | None = None, token_serial: str | None = None,
                cert_serial: str | None = None) -> list[Record]:
        """Records about a subscriber, token or certificate, oldest first."""
        with self._lock:
            keys = []
            if subscriber_id:
                keys.append(f"s:{subscriber_id}")
            if token_serial:
                keys.append(f"t:{token_serial.strip()}")
            if cert_serial:
                keys.append(f"c:{cert_serial.replace(':', '').replace(' ', '').upper()}")
            ids = dict.fromkeys(i for k in keys for i in self.log.subject_index.get(k))
            found = [r for i in ids if (r := self.log.get(i))]
            return sorted(found, key=lambda r: r.time)

    # --- conveniences ------------------------------------------------------------------
    def add_subscribers(self, rows: Iterable[Mapping[str, Any] | Subscriber], operator: str) -> Sequence[Subscriber]:
        return self.subscribers.add_many(rows, operator)

    def register_record_type(self, *args: Any, **kwargs: Any) -> Any:
        return self.record_types.register(*args, **kwargs)

    def migrations(self) -> list[dict[str, Any]]:
        with self._lock:
            _, meta = migrations.open_meta(self)
            return migrations.applied(meta)


@contextmanager
def shared_commit_lock(directory: Path) -> Iterator[None]:
    """Hold off commits (of any process) while reading the files directly."""
    fd = os.open(directory / COMMIT_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def open_store(
    data_dir: Path,
    kiosk_id: str,
    *,
    record_types: RecordTypeRegistry | None = None,
    clock: Callable[[], datetime] | None = None,
    read_only: bool = False,
) -> Store:
    """Open (creating, recovering and migrating as needed) the store in ``data_dir``.

    ``read_only=True`` takes a snapshot without the writer lock (reports, CLI while the
    kiosk runs); it never creates, recovers or writes, and raises NotFound if no store.
    """
    store = Store(data_dir, kiosk_id, record_types=record_types, clock=clock, read_only=read_only)
    store._open()
    return store


def verify_path(data_dir: Path) -> VerifyResult:
    """Verify the audit chain of the store in ``data_dir``, whether or not a kiosk has it open.

    With the store free, an interrupted commit is finished first (as opening would);
    with a kiosk running, commits are held off while the files are read.
    """
    directory = Path(data_dir)
    if not (directory / migrations.META_FILE).exists() and not (directory / HEAD_FILE).exists():
        return verify_dir(directory) if directory.is_dir() else VerifyResult(0, None, None)
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            with shared_commit_lock(directory):
                return verify_dir(directory)
        try:
            recover(directory)
        except StoreError as exc:
            return VerifyResult(0, None, None, AuditProblem(None, JOURNAL, "The commit journal is damaged: {error}",
                                                            {"error": str(exc)}))
        return verify_dir(directory)
    finally:
        os.close(fd)


def read_audit(data_dir: Path, since: datetime | date | str | None = None) -> list[AuditEntry]:
    """Audit entries straight from the files (no writer lock needed)."""
    directory = Path(data_dir)
    if not directory.is_dir():
        return []
    cut = iso_utc(since) if since is not None else None
    out = []
    with shared_commit_lock(directory):
        for name in segment_files(directory):
            tables = load_tables(directory / name) or {}
            for raw in tables.get("audit", {}).values():
                if cut is None or raw["time"] >= cut:
                    out.append(AuditEntry.from_dict(raw))
    return out
