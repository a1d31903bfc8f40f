"""Subscribers (thuê bao) and units (đơn vị): mutable tables beside the log.

Subscribers are spread over :data:`SHARDS` files (each add deals its rows out in turn,
from a shard a hash of its first id picks), so adding one rewrites about 1/64 of the
roster; a bulk import writes every shard once, in one commit with its audit entry. Units are few and live in one file. Text is NFC;
names are indexed diacritic- and case-insensitively (:mod:`helpdesk.store.search`);
national ID numbers and token serials are exact-match indexes.

Every change appends an audit entry (action ``subscribers.add`` …) carrying a
sha256 of what was written. Directory changes are not queued in the outbox: the
registry receives the facts (records), each naming its subject. Row types and
validation live in :mod:`helpdesk.store.rows`.
"""

from __future__ import annotations

import hashlib
import json
import operator as operator_
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from itertools import compress
from pathlib import Path
from typing import Any, Protocol, overload
from zlib import crc32

from tinydb import TinyDB
from tinydb.table import Table

from helpdesk.store.errors import InvalidData, NotFound
from helpdesk.store.journal import Transaction
from helpdesk.store.rows import (
    CERT_KIND_LABELS,
    UNIT_LEVEL_LABELS,
    CertKind,
    CheckedSubscribers,
    RowProblems,
    Subscriber,
    Unit,
    UnitLevel,
    check_subscriber_columns,
    clean_subscriber,
    clean_subscribers,
    clean_unit,
)
from helpdesk.store.search import ExactIndex, NameIndex, fold
from helpdesk.store.segments import Log
from helpdesk.store.storage import AtomicStorage

SHARDS = 64
_ID = operator_.itemgetter("id")
UNITS_FILE = "units.json"
MAX_PROBLEMS = 20

__all__ = [  # row types re-exported for callers of the tables
    "CERT_KIND_LABELS", "UNIT_LEVEL_LABELS", "CertKind", "Subscriber", "Subscribers", "Unit", "UnitLevel", "Units",
]


def _refuse(problems: list[str]) -> InvalidData:
    """Problems are English, per field (``row 3: phone: …``): shown as details."""
    return InvalidData(
        "Refused, nothing was saved ({count} problems). First: {first}",
        problems=problems, count=len(problems), first=problems[0],
    )


def rows_digest(rows: list[dict[str, Any]]) -> str:
    """sha256 of the rows' canonical JSON. Cleaned rows are NFC with keys already in
    sorted order, so plain ``json.dumps`` gives the canonical bytes without re-sorting."""
    return hashlib.sha256(
        json.dumps(rows, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    ).hexdigest()


class _Saved(Sequence[Subscriber]):
    """Saved rows, seen as Subscribers."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Subscriber: ...
    @overload
    def __getitem__(self, index: slice) -> list[Subscriber]: ...
    def __getitem__(self, index: int | slice) -> Subscriber | list[Subscriber]:
        if isinstance(index, slice):
            return [Subscriber(**row) for row in self._rows[index]]
        return Subscriber(**self._rows[index])


class Host(Protocol):
    """What the directory needs from the store (lock, commits, the audit log)."""

    log: Log

    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def current_transaction(self) -> Transaction | None: ...
    def now(self) -> str: ...
    def locked(self) -> AbstractContextManager[object]: ...


class _Tables:
    """TinyDB over one AtomicStorage file."""

    def __init__(self, path: Path, transaction: Callable[[], Transaction | None], table: str) -> None:
        self.storage = AtomicStorage(path, transaction)
        self.db = TinyDB(storage=lambda: self.storage)
        self.table: Table = self.db.table(table)

    def raw(self) -> dict[str, Any]:
        return (self.storage.read() or {}).get(self.table.name, {})

    def append(self, docs: list[dict[str, Any]]) -> list[int]:
        """``table.insert_multiple(docs)`` for plain dicts: the same ids (max + 1, …), the
        same file, without TinyDB's per-document checks, copies and whole-table rebuild.
        The dicts become the table's: nobody changes them afterwards (see :meth:`replace`)."""
        tables = self.storage.read()
        tables = {} if tables is None else tables
        table = tables.setdefault(self.table.name, {})
        first = max(map(int, table), default=0) + 1
        doc_ids = list(range(first, first + len(docs)))
        table.update(zip(map(str, doc_ids), docs, strict=True))
        self.storage.write(tables)
        return doc_ids

    def replace(self, doc_id: int, doc: dict[str, Any]) -> None:
        """Put ``doc`` in place of document ``doc_id``: a new dict, never an in-place change,
        so rows handed out earlier (add_many's result) keep what was saved then."""
        tables = self.storage.read()
        tables = {} if tables is None else tables
        tables.setdefault(self.table.name, {})[str(doc_id)] = doc
        self.storage.write(tables)


class Subscribers:
    """``store.subscribers``: the roster, its indexes, and bulk import."""

    def __init__(self, host: Host, directory: Path, units: Units) -> None:
        self._host = host
        self._units = units
        self._shards = [
            _Tables(directory / f"subscribers-{i:02x}.json", host.current_transaction, "subscribers") for i in range(SHARDS)
        ]
        # id -> where its row is: doc id * SHARDS + shard (an int: 100k tuples would be 100k
        # more objects for the cyclic collector to walk)
        self._where: dict[str, int] = {}
        self._by_national = ExactIndex()
        self._by_token: dict[str, str] = {}
        self._names = NameIndex()

    def load(self) -> None:
        ids: list[str] = []
        names: list[str] = []
        for shard_no, shard in enumerate(self._shards):
            for doc_id, raw in shard.raw().items():
                self._index(raw, shard_no, int(doc_id), names=False)
                ids.append(raw["id"])
                names.append(raw["full_name"])
        self._names.add_many(ids, names)

    def _index(self, row: Mapping[str, Any], shard: int, doc_id: int, names: bool = True) -> None:
        sid = row["id"]
        self._where[sid] = doc_id * SHARDS + shard
        if row.get("national_id"):
            self._by_national.add(row["national_id"], sid)
        if row.get("token_serial"):
            self._by_token[row["token_serial"]] = sid
        if names:
            self._names.add(sid, row["full_name"])

    def _unindex(self, row: Mapping[str, Any]) -> None:
        sid = row["id"]
        if row.get("national_id"):
            self._by_national.remove(row["national_id"], sid)
        if row.get("token_serial") and self._by_token.get(row["token_serial"]) == sid:
            del self._by_token[row["token_serial"]]
        self._names.remove(sid)

    def _raw(self, sid: str) -> dict[str, Any] | None:
        where = self._where.get(sid)
        if where is None:
            return None
        doc_id, shard = divmod(where, SHARDS)
        raw: dict[str, Any] | None = self._shards[shard].raw().get(str(doc_id))
        return raw

    # --- reading -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._where)

    def get(self, subscriber_id: str) -> Subscriber | None:
        with self._host.locked():
            raw = self._raw(subscriber_id)
            return Subscriber(**raw) if raw else None

    def search(self, text: str, limit: int = 20) -> list[Subscriber]:
        """By name, ignoring diacritics and case; an exact ID number or token serial also matches."""
        with self._host.locked():
            text = text.strip()
            ids: list[str] = []
            compact = text.replace(" ", "")
            if compact.isdigit():
                ids.extend(self._by_national.get(compact))
            if text in self._by_token:
                ids.append(self._by_token[text])
            ids.extend(i for i in self._names.search(text, limit) if i not in ids)
            return [Subscriber(**raw) for i in ids[:limit] if (raw := self._raw(i))]

    def by_national_id(self, number: str) -> list[Subscriber]:
        with self._host.locked():
            ids = self._by_national.get(number.replace(" ", ""))
            return [Subscriber(**raw) for i in ids if (raw := self._raw(i))]

    def by_token_serial(self, serial: str) -> Subscriber | None:
        with self._host.locked():
            sid = self._by_token.get(serial.strip())
            raw = self._raw(sid) if sid else None
            return Subscriber(**raw) if raw else None

    def known_national_ids(self, numbers: Iterable[str]) -> set[str]:
        """Those of ``numbers`` (as stored: digits only) that some subscriber holds.

        One lock for a whole roster, instead of one :meth:`by_national_id` per row."""
        with self._host.locked():
            return self._by_national.known(numbers)

    def known_token_serials(self, serials: Iterable[str]) -> set[str]:
        """Those of ``serials`` (as stored) that belong to some subscriber."""
        with self._host.locked():
            return set(serials) & self._by_token.keys()

    def all(self) -> Iterator[Subscriber]:
        with self._host.locked():
            rows = [raw for shard in self._shards for raw in shard.raw().values()]
        return (Subscriber(**raw) for raw in sorted(rows, key=lambda r: fold(r["full_name"])))

    # --- writing -------------------------------------------------------------------
    def add(self, row: Mapping[str, Any] | Subscriber, operator: str) -> Subscriber:
        return self.add_many([row], operator)[0]

    def add_many(self, rows: Iterable[Mapping[str, Any] | Subscriber], operator: str) -> Sequence[Subscriber]:
        """Insert many subscribers in one commit (roster import): all of them or none.

        Returns the subscribers as saved (ids filled in), built on access: making
        100k frozen objects nobody reads would cost a large part of an import."""
        given = [row.to_dict() if isinstance(row, Subscriber) else row for row in rows]
        ready = clean_subscribers(given)  # a clean roster in bulk; None: ask clean_subscriber
        return self._insert(given.__getitem__, ready, operator)

    def add_columns(self, columns: Mapping[str, Sequence[Any]], operator: str) -> Sequence[Subscriber]:
        """:meth:`add_many` for rows held a column per field, ``{"full_name": [...], ...}``
        (row ``i`` is ``{field: column[i]}``): the same checks, audit entry and result,
        without building a dict per row first."""
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise InvalidData("Refused, nothing was saved: the columns have different lengths ({lengths})",
                              lengths=", ".join(map(str, sorted(lengths))))
        return self.add_checked(check_subscriber_columns(columns, lengths.pop() if lengths else 0), operator)

    def add_checked(self, checked: CheckedSubscribers, operator: str,
                    unit_ids: Sequence[str | None] | None = None) -> Sequence[Subscriber]:
        """Store rows the store's checks made (:func:`check_subscriber_columns`, kept with
        ``select``/``join``) as they are — a roster import checks once, a chunk at a time,
        and its own rules on top. ``unit_ids``: each row's unit (they must exist), in place
        of the unit_id column. A row with problems refuses the lot (InvalidData, nothing saved);
        so do ids or token serials already taken."""
        if not isinstance(checked, CheckedSubscribers):
            raise TypeError("add_checked takes what check_subscriber_columns made")
        if checked.problems:
            raise _refuse([f"row {i + 1}: {'; '.join(p.text for p in found)}"
                           for i, found in sorted(checked.problems.items())[:MAX_PROBLEMS]])
        if unit_ids is not None and (len(unit_ids) != checked.count
                                     or not set(map(type, unit_ids)) <= {str, type(None)}):
            raise InvalidData("Refused, nothing was saved: {count} unit ids for {rows} rows",
                              count=len(unit_ids), rows=checked.count)
        if not checked.count:
            return _Saved([])
        columns: dict[str, Sequence[Any]] = {name: checked.column(name)
                                             for name in ("id", "national_id", "token_serial", "full_name")}
        columns["unit_id"] = checked.column("unit_id") if unit_ids is None else unit_ids
        return self._write(checked.rows(unit_ids), operator, columns)

    def _insert(self, row: Callable[[int], Mapping[str, Any]], ready: list[dict[str, Any] | None],
                operator: str) -> Sequence[Subscriber]:
        """Commit the rows ``ready`` holds (cleaned in bulk); clean_subscriber looks at the
        others (``row(i)``) and words their problems."""
        cleaned: list[dict[str, Any]] = []
        problems: list[str] = []
        if None not in ready:
            cleaned = ready  # type: ignore[assignment]  # no None in it
        else:
            for n, done in enumerate(ready, 1):
                if done is not None:
                    cleaned.append(done)
                    continue
                try:
                    cleaned.append(clean_subscriber(row(n - 1)))
                except RowProblems as bad:
                    problems.append(f"row {n}: {'; '.join(bad.problems)}")
                    if len(problems) >= MAX_PROBLEMS:
                        break
        if problems:
            raise _refuse(problems)
        if not cleaned:
            return _Saved([])
        return self._write(cleaned, operator)

    def _write(self, cleaned: list[dict[str, Any]], operator: str,
               columns: Mapping[str, Sequence[Any]] | None = None) -> Sequence[Subscriber]:
        """Commit rows as stored (checked): unique ids and token serials, existing units.
        ``columns``: the rows' id, national_id, token_serial, full_name and unit_id a column
        each, when the caller holds them so (no pass over the rows to pick them out)."""
        if columns is None:
            columns = {name: list(map(operator_.itemgetter(name), cleaned))
                       for name in ("id", "national_id", "token_serial", "full_name", "unit_id")}
        with self._host.locked():
            self._check_new(cleaned, columns=columns)
            ids = columns["id"]
            # The rows dealt out to the shards in turn, from the one a hash of the first id picks:
            # a bulk add fills them evenly (by slices, in C), single adds land all over.
            start = crc32(ids[0].encode()) % SHARDS
            by_shard = {(start + k) % SHARDS: cleaned[k::SHARDS] for k in range(min(SHARDS, len(cleaned)))}
            with self._host.transaction() as tx:
                where: list[tuple[list[dict[str, Any]], range]] = []
                for shard_no, docs in by_shard.items():
                    doc_ids = self._shards[shard_no].append(docs)
                    where.append((docs, range(doc_ids[0] * SHARDS + shard_no, (doc_ids[-1] + 1) * SHARDS, SHARDS)))
                self._host.log.append(
                    time=self._host.now(), operator=operator, action="subscribers.add",
                    ref=cleaned[0]["id"] if len(cleaned) == 1 else None, count=len(cleaned),
                    digest_=self._files_digest(sorted(by_shard)),
                )

                def applied() -> None:
                    for docs, places in where:
                        self._where.update(zip(map(_ID, docs), places, strict=True))
                    nationals = columns["national_id"]
                    held = list(map(bool, nationals))
                    numbers, holders = list(compress(nationals, held)), list(compress(ids, held))
                    if not self._by_national.add_fresh(numbers, holders):
                        # a number held twice: its ids in file order (shard by shard), as always
                        for doc in (doc for docs in by_shard.values() for doc in docs if doc["national_id"]):
                            self._by_national.add(doc["national_id"], doc["id"])
                    tokens = columns["token_serial"]
                    self._by_token.update(zip(compress(tokens, tokens), compress(ids, tokens), strict=True))
                    self._names.add_many(ids, columns["full_name"])

                tx.after_commit.append(applied)
        return _Saved(cleaned)

    def _files_digest(self, shards: list[int]) -> str:
        """sha256 over the shard files as this commit writes them (name, NUL, bytes …).

        Hashing bytes that must be serialised anyway costs far less, for a 100k-row
        import, than serialising the rows a second time as canonical JSON.
        """
        h = hashlib.sha256()
        for shard_no in shards:
            storage = self._shards[shard_no].storage
            h.update(storage.path.name.encode() + b"\0")
            h.update(storage.serialize())
        return h.hexdigest()

    def _check_new(self, rows: list[dict[str, Any]], replacing: str | None = None,
                   columns: Mapping[str, Sequence[Any]] | None = None) -> None:
        """Unique ids and token serials, existing units. Set operations first, so a
        clean 100k-row import costs a few passes in C; rows are walked only to word
        the problems. ``columns``: as :meth:`_write` has them."""
        if columns is None:
            columns = {name: [row[name] for row in rows] for name in ("id", "token_serial", "unit_id")}
        ids = columns["id"]
        tokens = list(filter(None, columns["token_serial"]))
        units = set(filter(None, columns["unit_id"]))
        clash = (
            (replacing is None and (len(set(ids)) != len(ids) or not self._where.keys().isdisjoint(ids)))
            or len(set(tokens)) != len(tokens)
            or (not self._by_token.keys().isdisjoint(tokens) if replacing is None
                else any(self._by_token.get(t, replacing) != replacing for t in tokens))
            or any(self._units.raw(u) is None for u in units)
        )
        if not clash:
            return
        problems: list[str] = []
        seen_ids: set[str] = set()
        seen_tokens: dict[str, str] = {}
        for n, row in enumerate(rows, 1):
            sid = row["id"]
            if replacing is None and (sid in self._where or sid in seen_ids):
                problems.append(f"row {n}: id {sid} already exists")
            seen_ids.add(sid)
            token = row["token_serial"]
            if token:
                owner = self._by_token.get(token) or seen_tokens.get(token)
                if owner is not None and owner != replacing:
                    problems.append(f"row {n}: token serial {token} already belongs to subscriber {owner}")
                seen_tokens[token] = sid
            if row["unit_id"] and self._units.raw(row["unit_id"]) is None:
                problems.append(f"row {n}: unit {row['unit_id']} does not exist")
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise _refuse(problems)

    def update(self, subscriber_id: str, changes: Mapping[str, Any], operator: str) -> Subscriber:
        """Change some fields of one subscriber (e.g. a new token serial after re-issue)."""
        if "id" in changes and changes["id"] != subscriber_id:
            raise InvalidData("A subscriber's id cannot change")
        with self._host.locked():
            old = self._raw(subscriber_id)
            if old is None:
                raise NotFound("No subscriber with id {id}", id=subscriber_id)
            old = dict(old)
            try:
                row = clean_subscriber({**old, **changes})
            except RowProblems as bad:
                raise _refuse(bad.problems) from None
            self._check_new([row], replacing=subscriber_id)
            doc_id, shard_no = divmod(self._where[subscriber_id], SHARDS)
            with self._host.transaction() as tx:
                self._shards[shard_no].replace(doc_id, row)
                self._host.log.append(
                    time=self._host.now(), operator=operator, action="subscribers.update", ref=subscriber_id,
                    count=1, digest_=rows_digest([row]),
                )

                def applied() -> None:
                    self._unindex(old)
                    self._index(row, shard_no, doc_id)

                tx.after_commit.append(applied)
        return Subscriber(**row)


class Units:
    """``store.units``: the unit tree (sở → phòng, huyện → xã, …)."""

    def __init__(self, host: Host, directory: Path) -> None:
        self._host = host
        self._file = _Tables(directory / UNITS_FILE, host.current_transaction, "units")
        self._where: dict[str, int] = {}
        self._names = NameIndex()

    def load(self) -> None:
        ids: list[str] = []
        names: list[str] = []
        for doc_id, raw in self._file.raw().items():
            self._where[raw["id"]] = int(doc_id)
            ids.append(raw["id"])
            names.append(raw["name"])
        self._names.add_many(ids, names)

    def raw(self, unit_id: str) -> dict[str, Any] | None:
        doc_id = self._where.get(unit_id)
        return None if doc_id is None else self._file.raw().get(str(doc_id))  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self._where)

    def get(self, unit_id: str) -> Unit | None:
        with self._host.locked():
            raw = self.raw(unit_id)
            return Unit(**raw) if raw else None

    def search(self, text: str, limit: int = 20) -> list[Unit]:
        with self._host.locked():
            return [Unit(**raw) for i in self._names.search(text, limit) if (raw := self.raw(i))]

    def all(self) -> list[Unit]:
        with self._host.locked():
            return sorted((Unit(**raw) for raw in self._file.raw().values()), key=lambda u: fold(u.name))

    def children(self, unit_id: str | None) -> list[Unit]:
        return [u for u in self.all() if u.parent_id == unit_id]

    def add(self, row: Mapping[str, Any] | Unit, operator: str) -> Unit:
        return self.add_many([row], operator)[0]

    def add_many(self, rows: Iterable[Mapping[str, Any] | Unit], operator: str) -> list[Unit]:
        """Insert units in one commit; a parent may come later in the same batch."""
        cleaned: list[dict[str, Any]] = []
        problems: list[str] = []
        for n, row in enumerate(rows, 1):
            try:
                cleaned.append(clean_unit(row.to_dict() if isinstance(row, Unit) else row))
            except RowProblems as bad:
                problems.append(f"row {n}: {'; '.join(bad.problems)}")
        with self._host.locked():
            batch = {row["id"] for row in cleaned}
            for n, row in enumerate(cleaned, 1):
                if row["id"] in self._where:
                    problems.append(f"row {n}: id {row['id']} already exists")
                parent = row["parent_id"]
                if parent and parent not in batch and parent not in self._where:
                    problems.append(f"row {n}: parent unit {parent} does not exist")
                if parent == row["id"]:
                    problems.append(f"row {n}: a unit cannot be its own parent")
            if len(batch) != len(cleaned):
                problems.append("the same unit id appears twice")
            if problems:
                raise _refuse(problems)
            with self._host.transaction() as tx:
                doc_ids = self._file.table.insert_multiple(cleaned)
                self._host.log.append(
                    time=self._host.now(), operator=operator, action="units.add",
                    ref=cleaned[0]["id"] if len(cleaned) == 1 else None, count=len(cleaned),
                    digest_=rows_digest(cleaned),
                )

                def applied() -> None:
                    for row, doc_id in zip(cleaned, doc_ids, strict=True):
                        self._where[row["id"]] = doc_id
                    self._names.add_many([row["id"] for row in cleaned], [row["name"] for row in cleaned])

                tx.after_commit.append(applied)
        return [Unit(**row) for row in cleaned]

    def update(self, unit_id: str, changes: Mapping[str, Any], operator: str) -> Unit:
        if "id" in changes and changes["id"] != unit_id:
            raise InvalidData("A unit's id cannot change")
        with self._host.locked():
            old = self.raw(unit_id)
            if old is None:
                raise NotFound("No unit with id {id}", id=unit_id)
            try:
                row = clean_unit({**old, **changes})
            except RowProblems as bad:
                raise _refuse(bad.problems) from None
            parent = row["parent_id"]
            while parent:  # walk up: the new parent must not sit below this unit
                if parent == unit_id:
                    raise InvalidData("Unit {id} cannot be placed under itself", id=unit_id)
                above = self.raw(parent)
                if above is None:
                    raise InvalidData("Parent unit {id} does not exist", id=parent)
                parent = above["parent_id"]
            doc_id = self._where[unit_id]
            with self._host.transaction() as tx:
                self._file.table.update(row, doc_ids=[doc_id])
                self._host.log.append(
                    time=self._host.now(), operator=operator, action="units.update", ref=unit_id,
                    count=1, digest_=rows_digest([row]),
                )
                tx.after_commit.append(lambda: self._names.add(unit_id, row["name"]))
        return Unit(**row)
