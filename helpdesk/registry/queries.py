"""Read side: records by unit, type and period; flags; a kiosk's audit hashes.

Pagination is keyset (``cursor`` = the last row's ``pk``), so a page costs the same
at row ten and row ten million, and rows arriving meanwhile are not skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from helpdesk.registry.schema import audit_entries, flags, records

MAX_LIMIT = 1000


@dataclass(frozen=True)
class RecordQuery:
    unit: str | None = None
    type: str | None = None
    kiosk: str | None = None
    since: str | None = None  # ISO UTC, inclusive
    until: str | None = None  # ISO UTC, exclusive
    cursor: int = 0
    limit: int = 100


def find_records(engine: Engine, q: RecordQuery) -> dict[str, Any]:
    limit = max(1, min(q.limit, MAX_LIMIT))
    query = select(records.c.pk, records.c.body, records.c.unit, records.c.received_at).where(records.c.pk > q.cursor)
    if q.unit is not None:
        query = query.where(records.c.unit == q.unit)
    if q.type is not None:
        query = query.where(records.c.type == q.type)
    if q.kiosk is not None:
        query = query.where(records.c.kiosk_id == q.kiosk)
    if q.since is not None:
        query = query.where(records.c.time >= q.since)
    if q.until is not None:
        query = query.where(records.c.time < q.until)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(records.c.pk).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "records": [{**json.loads(body), "unit": unit, "received_at": received} for _, body, unit, received in rows],
        "next_cursor": rows[-1][0] if more else None,
    }


def count_records(engine: Engine, kiosk: str | None = None) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(records)
    if kiosk is not None:
        query = query.where(records.c.kiosk_id == kiosk)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def list_flags(engine: Engine, kiosk: str | None = None) -> list[dict[str, Any]]:
    query = select(flags).order_by(flags.c.pk)
    if kiosk is not None:
        query = query.where(flags.c.kiosk_id == kiosk)
    with engine.connect() as conn:
        return [
            {"id": r.pk, "kiosk_id": r.kiosk_id, "kind": r.kind, "seq": r.seq, "ref": r.ref, "detail": r.detail,
             "created_at": r.created_at}
            for r in conn.execute(query)
        ]


def audit_hashes(engine: Engine, kiosk: str, after: int = 0, limit: int = MAX_LIMIT) -> dict[str, Any]:
    limit = max(1, min(limit, 10 * MAX_LIMIT))
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_entries.c.seq, audit_entries.c.hash)
            .where(audit_entries.c.kiosk_id == kiosk, audit_entries.c.seq > after)
            .order_by(audit_entries.c.seq).limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"entries": [{"seq": int(s), "hash": h} for s, h in rows], "next_after": int(rows[-1][0]) if more else None}
