"""Plugin tables: a plugin's own rows (classes, attendance, requests) with the store's
crash safety.

``store.tables.open("training.classes")`` gives a :class:`Table` of JSON rows keyed by
a string. Every change is one commit: the table file (replaced atomically through the
journal), an audit entry (``table.<name>.<op>``, ref = key, digest of the rows) and,
for a ``synced`` table, a ``table.change`` record whose outbox entry carries the change
to the registry. Rows are NFC-normalised JSON; secrets (PIN-like keys) are refused.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpdesk.store.canonical import NotCanonical, digest, normalize
from helpdesk.store.errors import InvalidData, NotFound
from helpdesk.store.records import secret_keys
from helpdesk.store.storage import AtomicStorage

if TYPE_CHECKING:
    from helpdesk.store.store import Store

TABLE_CHANGE = "table.change"
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_KEY = re.compile(r"^\S(?:[^\x00-\x1f]{0,198}\S)?$")  # no control characters, no outer spaces

#: Checks one cleaned row; returns problems (English), empty = fine.
RowValidator = Callable[[Mapping[str, Any]], Iterable[str] | None]


def validate_table_change(payload: Mapping[str, Any]) -> list[str]:
    problems = []
    if not isinstance(payload.get("table"), str) or not _NAME.match(payload["table"]):
        problems.append("table must be a dotted table name")
    if payload.get("op") not in ("put", "delete"):
        problems.append("op must be put or delete")
    if not isinstance(payload.get("key"), str) or not payload["key"]:
        problems.append("key is required")
    if payload.get("op") == "put" and not isinstance(payload.get("row"), Mapping):
        problems.append("row is required for put")
    return problems


class Table:
    """One plugin table. Reads are from memory; each write is one durable commit."""

    def __init__(self, store: Store, name: str, path: Path, *, synced: bool, validate: RowValidator | None,
                 table: str = "rows") -> None:
        self.name = name
        self.synced = synced
        self._store = store
        self._validate = validate
        self._table = table
        self.path = path
        self._storage = AtomicStorage(path, store.current_transaction)

    @property
    def validator(self) -> RowValidator | None:
        return self._validate

    @property
    def section(self) -> str:
        """The key of the table file's JSON object holding the rows."""
        return self._table

    # ---- reading --------------------------------------------------------------------
    def _rows(self) -> dict[str, Any]:
        data = self._storage.read() or {}
        rows: dict[str, Any] = data.get(self._table, {})
        return rows

    def get(self, key: str) -> dict[str, Any] | None:
        """A copy of the row stored under ``key``, or None."""
        with self._store.locked():
            row = self._rows().get(key)
            return dict(row) if row is not None else None

    def require(self, key: str) -> dict[str, Any]:
        row = self.get(key)
        if row is None:
            raise NotFound("No row {key} in {table}", key=key, table=self.name)
        return row

    def all(self) -> list[dict[str, Any]]:
        """Copies of every row, in insertion order."""
        with self._store.locked():
            return [dict(row) for row in self._rows().values()]

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        with self._store.locked():
            return [(key, dict(row)) for key, row in self._rows().items()]

    def find(self, predicate: Callable[[Mapping[str, Any]], bool] | None = None, **equal: Any) -> list[dict[str, Any]]:
        """Rows whose fields equal ``equal`` (and that pass ``predicate``)."""
        with self._store.locked():
            out = []
            for row in self._rows().values():
                if all(row.get(k) == v for k, v in equal.items()) and (predicate is None or predicate(row)):
                    out.append(dict(row))
            return out

    def __len__(self) -> int:
        with self._store.locked():
            return len(self._rows())

    def __contains__(self, key: object) -> bool:
        with self._store.locked():
            return key in self._rows()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.keys()))

    def keys(self) -> list[str]:
        with self._store.locked():
            return list(self._rows())

    # ---- writing --------------------------------------------------------------------
    def _clean(self, key: str, row: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidData("Bad key {key!r} for table {table}", key=key, table=self.name)
        try:
            clean = normalize(dict(row))
        except NotCanonical as exc:
            raise InvalidData("Row {key} of {table} cannot be stored: {error}", key=key, table=self.name,
                              error=str(exc)) from exc
        if not isinstance(clean, dict):
            raise InvalidData("A row must be a mapping")
        secrets = secret_keys(clean, "row")
        if secrets:
            raise InvalidData("Secrets are never stored: {fields}", fields=", ".join(secrets))
        if self._validate is not None:
            problems = list(self._validate(clean) or ())
            if problems:
                raise InvalidData("Row {key} of {table} refused: {first}", key=key, table=self.name,
                                  first=problems[0], problems=problems)
        return clean

    def put(self, key: str, row: Mapping[str, Any], operator: str, *, action: str | None = None) -> dict[str, Any]:
        """Insert or replace the row under ``key`` (``action``: the audit action, default
        ``table.<name>.put``)."""
        return self.put_many({key: row}, operator, action=action)[key]

    def insert(self, key: str, row: Mapping[str, Any], operator: str, *, action: str | None = None) -> dict[str, Any]:
        """Add a new row; InvalidData if ``key`` is taken."""
        with self._store.locked():
            if key in self._rows():
                raise InvalidData("{table} already has a row {key}", table=self.name, key=key)
            return self.put(key, row, operator, action=action)

    def update(self, key: str, changes: Mapping[str, Any], operator: str, *,
               action: str | None = None) -> dict[str, Any]:
        """Merge ``changes`` into the row under ``key`` (NotFound if none)."""
        with self._store.locked():
            return self.put(key, {**self.require(key), **changes}, operator, action=action)

    def put_many(self, rows: Mapping[str, Mapping[str, Any]], operator: str, *,
                 action: str | None = None) -> dict[str, dict[str, Any]]:
        """Insert or replace several rows in one commit (all or none)."""
        clean = {key: self._clean(key, row) for key, row in rows.items()}
        if not clean:
            return {}
        self._write("put", clean, operator, action)
        return {key: dict(row) for key, row in clean.items()}

    def delete(self, key: str, operator: str, *, action: str | None = None) -> None:
        with self._store.locked():
            self.require(key)
            self._write("delete", {key: None}, operator, action)

    def _write(self, op: str, changes: Mapping[str, dict[str, Any] | None], operator: str,
               action: str | None = None) -> None:
        store = self._store
        with store.locked():
            data = dict(self._storage.read() or {})
            rows = dict(data.get(self._table, {}))
            for key, row in changes.items():
                if row is None:
                    rows.pop(key, None)
                else:
                    rows[key] = row
            data[self._table] = rows
            keys = list(changes)
            store.write_with_audit(
                self._storage, data, operator=operator, action=action or f"table.{self.name}.{op}",
                ref=keys[0] if len(keys) == 1 else None, count=len(keys), digest_=digest(dict(changes)),
                records=[(TABLE_CHANGE, None, {"table": self.name, "op": op, "key": key, "row": row})
                         for key, row in changes.items()] if self.synced else (),
                records_checked=True,  # rows were cleaned by _clean; table, op and key are ours
            )


class Tables:
    """``store.tables``: opens each plugin table once per store."""

    def __init__(self, store: Store, directory: Path) -> None:
        self._store = store
        self._directory = directory
        self._open: dict[str, Table] = {}
        self._lock = threading.Lock()

    def open(self, name: str, *, synced: bool | None = None, validate: RowValidator | None = None,
             file: str | None = None, table: str = "rows") -> Table:
        """The table ``name`` ("plugin.table"); created empty on its first write.

        The first opening sets its options (``synced`` defaults to False); a later one
        may leave them out (``None``: as opened) but not contradict them — a second
        ``validate`` or another ``synced`` would otherwise be silently ignored."""
        with self._lock:
            found = self._open.get(name)
            if found is not None:
                _check_same(found, synced, validate, file, table)
                return found
            if file is None and not _NAME.match(name):
                raise InvalidData("Bad table name {name!r}: use 'plugin.table' (lower-case)", name=name)
            path = self._directory / (file or f"table-{name}.json")
            found = self._open[name] = Table(self._store, name, path, synced=bool(synced), validate=validate,
                                             table=table)
            return found

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._open)


def _check_same(table: Table, synced: bool | None, validate: RowValidator | None, file: str | None,
                section: str) -> None:
    """Refuse reopening ``table`` with options other than those it was opened with."""
    differs = [what for what, clash in (
        ("synced", synced is not None and synced != table.synced),
        ("validate", validate is not None and not _same_check(validate, table.validator)),
        ("file", file is not None and Path(file).name != table.path.name),
        ("table", section != table.section),
    ) if clash]
    if differs:
        raise InvalidData("Table {name} is already open with other options ({options}): open it the same way "
                          "everywhere, or leave the options out", name=table.name, options=", ".join(differs))


def _same_check(one: RowValidator, other: RowValidator | None) -> bool:
    """The same function, bound method, or the same lambda made again (same code)."""
    if other is None:
        return False
    code = getattr(one, "__code__", None)
    return one == other or (code is not None and code is getattr(other, "__code__", None))
