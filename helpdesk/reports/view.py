"""A read-only store over records held elsewhere (the registry), for report sections.

Report sections read ``ctx.store.records(type, since=…)``, ``ctx.store.get``,
``ctx.store.history`` and plugin tables (``ctx.table(name).all()``). :class:`RecordView`
answers the same calls from a :class:`RecordSource` — the registry's query API
(:class:`helpdesk.reports.sources.HttpSource`) or its database
(:class:`helpdesk.reports.sources.SqlSource`) — so the very same section code runs over
the registry's records and a report from them equals the local one for the same records.

Synced plugin tables are rebuilt by replaying their ``table.change`` records in time
order; tables a plugin keeps unsynced are empty here. Every write refuses.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from helpdesk.errors import HelpdeskError
from helpdesk.store.errors import NotFound, StoreError
from helpdesk.store.records import VOID, Record, RecordTypeRegistry
from helpdesk.store.store import iso_utc
from helpdesk.store.tables import TABLE_CHANGE


class RecordSource(Protocol):
    """Where a :class:`RecordView` gets record bodies (``Record.to_dict()`` shape)."""

    def fetch(self, type: str | None, since: str | None) -> Iterable[Mapping[str, Any]]:
        """Every record of ``type`` (None: all) with ``time >= since`` (ISO UTC; None: all)."""
        ...


class ReadOnly(StoreError):
    title = "Report"


class SourceError(HelpdeskError):
    """The records cannot be read (registry unreachable, token refused): the whole
    report fails with this message, no section is blamed."""

    title = "Registry"


class ReadOnlyTable:
    """A plugin table as the registry knows it (rows from ``table.change`` records)."""

    def __init__(self, name: str, rows: dict[str, dict[str, Any]]) -> None:
        self.name = name
        self.synced = True
        self._rows = rows

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._rows.get(key)
        return dict(row) if row is not None else None

    def require(self, key: str) -> dict[str, Any]:
        row = self.get(key)
        if row is None:
            raise NotFound("No row {key} in {table}", key=key, table=self.name)
        return row

    def all(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows.values()]

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        return [(k, dict(r)) for k, r in self._rows.items()]

    def find(self, predicate: Callable[[Mapping[str, Any]], bool] | None = None, **equal: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows.values()
                if all(r.get(k) == v for k, v in equal.items()) and (predicate is None or predicate(r))]

    def keys(self) -> list[str]:
        return list(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._rows))

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise ReadOnly("Table {table} is read-only in a report over the registry", table=self.name)

    put = insert = update = put_many = delete = _refuse


class _Tables:
    def __init__(self, view: RecordView) -> None:
        self._view = view
        self._open: dict[str, ReadOnlyTable] = {}
        self._lock = threading.Lock()

    def open(self, name: str, *, synced: bool = False, validate: Any = None, file: str | None = None,
             table: str = "rows") -> ReadOnlyTable:
        with self._lock:
            found = self._open.get(name)
            if found is None:
                found = self._open[name] = ReadOnlyTable(name, self._view.table_rows(name))
            return found

    def names(self) -> list[str]:
        return sorted(self._open)


def _record(body: Mapping[str, Any]) -> Record:
    return Record.from_dict(body)


class RecordView:
    """The read side of :class:`helpdesk.store.Store` over a :class:`RecordSource`.

    Each type is fetched once (from the earliest ``since`` asked so far) and kept for
    the view's life: make one view per report (or per dashboard refresh).
    """

    read_only = True

    def __init__(self, source: RecordSource, name: str = "registry") -> None:
        self.kiosk_id = name
        self.record_types = RecordTypeRegistry()
        self.tables = _Tables(self)
        self._source = source
        self._lock = threading.RLock()
        self._cache: dict[str | None, tuple[str | None, list[Record]]] = {}
        self._voided: dict[str, str] | None = None
        self._counts: dict[tuple[str, str, str, tuple[str, ...]], Counter[tuple[str, ...]]] = {}

    # ---- the Store read API ------------------------------------------------------------
    def records(self, type: str | None = None, since: datetime | date | str | None = None, *,
                include_voided: bool = True) -> list[Record]:
        cut = iso_utc(since) if since is not None else None
        found = self._load(type, cut)
        if cut is not None:
            found = [r for r in found if r.time >= cut]
        if not include_voided:
            voided = self._voids()
            found = [r for r in found if r.type != VOID and r.id not in voided]
        return found

    def get(self, record_id: str) -> Record | None:
        return next((r for r in self._load(None, None) if r.id == record_id), None)

    def voided_by(self, record_id: str) -> str | None:
        return self._voids().get(record_id)

    def history(self, *, subscriber_id: str | None = None, token_serial: str | None = None,
                cert_serial: str | None = None) -> list[Record]:
        cert = cert_serial.replace(":", "").replace(" ", "").upper() if cert_serial else None
        token = token_serial.strip() if token_serial else None
        return [r for r in self._load(None, None)
                if (subscriber_id and r.subject.subscriber_id == subscriber_id)
                or (token and r.subject.token_serial == token) or (cert and r.subject.cert_serial == cert)]

    def count_records(self, record_type: str, since: str, until: str, by: tuple[str, ...],
                      where: Mapping[str, str]) -> Counter[tuple[str, ...]]:
        """:func:`helpdesk.reports.counting.count_records`, counted by the source when it can."""
        from helpdesk.reports.counting import walk

        count = getattr(self._source, "count", None)
        if count is None:
            return walk(self.records(record_type, since=since), until, by, where)
        # Grouped by the filter fields too and kept: one query answers every unit of a period.
        names = tuple(sorted(where))
        key = (record_type, since, until, by + names)
        with self._lock:
            grouped = self._counts.get(key)
            if grouped is None:
                grouped = self._counts[key] = count(record_type, since, until, by + names, {})
        found: Counter[tuple[str, ...]] = Counter()
        for values, n in grouped.items():
            if all(values[len(by) + i] == where[name] for i, name in enumerate(names)):
                found[values[: len(by)]] += n
        return found

    def locked(self) -> Any:
        return self._lock

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
            self._counts.clear()

    # ---- plugin tables ------------------------------------------------------------------
    def table_rows(self, name: str) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for record in self._load(TABLE_CHANGE, None):
            p = record.payload
            if p.get("table") != name or not isinstance(p.get("key"), str):
                continue
            if p.get("op") == "delete":
                rows.pop(p["key"], None)
            elif isinstance(p.get("row"), Mapping):
                rows[p["key"]] = dict(p["row"])
        return rows

    # ---- loading ------------------------------------------------------------------------
    def _load(self, type: str | None, cut: str | None) -> list[Record]:
        with self._lock:
            held = self._cache.get(type)
            if held is not None and (held[0] is None or (cut is not None and held[0] <= cut)):
                return held[1]
            if type is not None and None in self._cache and self._cache[None][0] is None:
                found = [r for r in self._cache[None][1] if r.type == type]
            else:
                found = [_record(body) for body in self._source.fetch(type, cut)]
                found.sort(key=lambda r: r.time)  # stable: one kiosk's commit order is kept
            self._cache[type] = (cut, found)
            return found

    def _voids(self) -> dict[str, str]:
        with self._lock:
            if self._voided is None:
                self._voided = {str(r.payload.get("record_id")): r.id for r in self._load(VOID, None)}
            return self._voided
