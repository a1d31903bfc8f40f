"""Migrations over databases already in use, on SQLite and PostgreSQL.

r002 (records.payload) on records held at r001: the payloads are backfilled from the
bodies, the counts equal the walk over the same records before and after, and the
downgrade takes the column away again. r003 (the dashboard's tables) on a database
where the dashboard had created them itself: kept, with their rows. r004 (what each kiosk
last reported of itself) on kiosks already enrolled: kept, with no report yet. r005 (the
dashboard's kept pages) goes and comes back with its downgrade and upgrade."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, column, insert, inspect, select, table

from helpdesk.registry.db import downgrade, make_engine, upgrade
from helpdesk.registry.schema import (
    dashboard_pages,
    dashboard_sessions,
    dashboard_staff,
    kiosks,
    metadata,
    records,
)
from helpdesk.reports.counting import walk
from helpdesk.reports.sources import SqlSource
from helpdesk.reports.testing import Item, registry_rows
from helpdesk.reports.view import RecordView

SINCE, UNTIL = "2018-01-01T00:00:00.000000Z", "2019-01-01T00:00:00.000000Z"
ASKED = (((), {}), (("kind",), {}), (("kind", "unit_id"), {}), (("paid", "n"), {}), (("n",), {"unit_id": "u1"}),
         (("kind",), {"unit_id": ""}))


def _items() -> list[Item]:
    out = []
    for i in range(40):
        payload: dict[str, object] = {"kind": ["person", "organisation"][i % 2], "n": i % 3,
                                      "paid": [True, False, None][i % 3]}
        if i % 4:
            payload["unit_id"] = f"u{i % 2}"
        if i == 7:
            payload["note"] = "a\x00b"  # JSONB cannot hold it: filled in Python by the migration
        out.append(Item(datetime(2018, 1 + i % 12, 3, tzinfo=UTC), "test.cert", {}, payload))
    out.append(Item(datetime(2018, 5, 3, tzinfo=UTC), "test.cert", {}, {}))
    return out


def _r001_rows() -> list[dict[str, object]]:
    rows = [{k: v for k, v in row.items() if k != "payload"} for row in registry_rows(_items(), "kiosk-01")]
    bare = dict(rows[-1])  # a body without any payload
    body = json.loads(str(bare["body"]))
    del body["payload"]
    bare.update(id="no-payload", body=json.dumps(body))
    rows[-1] = bare
    return rows


def _counts(engine: Engine) -> list[object]:
    return [SqlSource(engine).count("test.cert", SINCE, UNTIL, by, where) for by, where in ASKED]


def _walked(engine: Engine) -> list[object]:
    view = RecordView(SqlSource(engine))  # reads the bodies only: works on r001 too
    return [walk(view.records("test.cert", since=SINCE), UNTIL, by, where) for by, where in ASKED]


@pytest.fixture
def r001_engine(registry_db: str) -> Iterator[Engine]:
    engine = make_engine(registry_db)
    upgrade(engine, "r001")
    with engine.begin() as conn:
        r001_records = table("records", *(column(c.name) for c in records.c if c.name != "payload"))
        conn.execute(insert(r001_records), _r001_rows())
    try:
        yield engine
    finally:
        engine.dispose()


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("records")}


def test_r002_backfills_the_payloads_and_the_counts_equal_the_walk(r001_engine: Engine) -> None:
    before = _walked(r001_engine)
    assert "payload" not in _columns(r001_engine)
    assert sum(before[0].values()) == 41  # type: ignore[attr-defined]

    upgrade(r001_engine)
    assert _counts(r001_engine) == before == _walked(r001_engine)
    with r001_engine.connect() as conn:
        held = dict(conn.execute(select(records.c.id, records.c.payload)).all())
    assert held["no-payload"] == {}
    assert [p for p in held.values() if "note" in p] == [
        {"kind": "organisation", "n": 1, "paid": False, "unit_id": "u1", "note": "a\ufffdb"}]

    downgrade(r001_engine, "r001")
    assert "payload" not in _columns(r001_engine)
    assert _walked(r001_engine) == before
    upgrade(r001_engine)  # and up again
    assert _counts(r001_engine) == before


def test_r003_keeps_the_dashboard_tables_a_mounted_dashboard_had_made(registry_db: str) -> None:
    engine = make_engine(registry_db)
    try:
        upgrade(engine, "r002")
        metadata.create_all(engine, tables=[dashboard_staff, dashboard_sessions])  # what mounting did before r003
        with engine.begin() as conn:
            conn.execute(insert(dashboard_staff).values(name="lan", display_name="Lan", password="x",
                                                        created_at="2026-01-01T00:00:00Z"))
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(select(dashboard_staff.c.name)).scalars().all() == ["lan"]
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        downgrade(engine, "r002")
        assert not {"dashboard_staff", "dashboard_sessions"} & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_r004_adds_the_kiosks_reports_and_keeps_the_kiosks(registry_db: str) -> None:
    engine = make_engine(registry_db)
    reported = {"reported_audit_seq", "reported_pending", "reported_at"}
    try:
        upgrade(engine, "r003")
        r003_kiosks = table("kiosks", *(column(c.name) for c in kiosks.c if c.name not in reported))
        with engine.begin() as conn:
            conn.execute(insert(r003_kiosks).values(id="kiosk-01", public_key="k", unit="snv", enrolled_at="2026",
                                                    head_seq=7, head_hash="h", head_time=None))
        upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(select(kiosks)).one()._mapping
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert (row["id"], row["head_seq"]) == ("kiosk-01", 7) and all(row[c] is None for c in reported)
        downgrade(engine, "r003")
        assert not reported & {c["name"] for c in inspect(engine).get_columns("kiosks")}
        with engine.connect() as conn:
            assert conn.execute(select(r003_kiosks.c.id, r003_kiosks.c.unit)).all() == [("kiosk-01", "snv")]
    finally:
        engine.dispose()


def test_r005_adds_and_drops_the_dashboards_kept_pages(registry_db: str) -> None:
    engine = make_engine(registry_db)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert(dashboard_pages).values(year=2018, plan_key="k", computed_at="2026", figures="{}"))
        downgrade(engine, "r004")
        assert "dashboard_pages" not in inspect(engine).get_table_names()
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(select(dashboard_pages)).all() == []  # kept pages are a cache: none come back
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()
