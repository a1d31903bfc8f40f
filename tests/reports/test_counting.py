"""count_records: the registry's SQL count equals the walk over the same records (the
kiosk's path), on SQLite and PostgreSQL — period bounds, missing fields, numbers, booleans, filters."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from helpdesk.registry.schema import records
from helpdesk.reports.counting import walk
from helpdesk.reports.sources import SqlSource
from helpdesk.reports.testing import Item, registry_rows
from helpdesk.reports.view import RecordView
from helpdesk.store.store import iso_utc
from helpdesk.workflow.types import Period


def _items() -> list[Item]:
    out = []
    for i in range(60):
        payload: dict[str, object] = {"kind": ["person", "organisation", "thiết bị"][i % 3], "n": i % 4,
                                      "paid": [True, False, None, 1][i % 4]}
        if i % 5:
            payload["unit_id"] = f"u{i % 2}"
        when = datetime(2018, 1 + i % 12, 1 if i % 7 else 31 if 1 + i % 12 in (1, 3, 12) else 1, 23, 59, tzinfo=UTC)
        out.append(Item(when, "test.cert" if i % 6 else "test.other", {}, payload))
    out.append(Item(datetime(2019, 1, 1, tzinfo=UTC), "test.cert", {}, {"kind": "person"}))  # just after 2018
    out.append(Item(datetime(2017, 12, 31, 23, 59, 59, tzinfo=UTC), "test.cert", {}, {"kind": "person"}))
    return out


def test_sql_counts_equal_the_walk_over_the_same_records(registry_engine: Engine) -> None:
    with registry_engine.begin() as conn:
        conn.execute(insert(records), list(registry_rows(_items(), "kiosk-01")))
    view = RecordView(SqlSource(registry_engine))
    for period in (Period(2018), Period(2018, 1), Period(2018, 4), Period(2019)):
        since, until = iso_utc(period.start), iso_utc(period.end)
        for by, where in (((), {}), (("kind",), {}), (("kind", "unit_id"), {}), (("n",), {"unit_id": "u1"}),
                          (("kind",), {"unit_id": ""}), (("missing",), {"kind": "thiết bị"}),
                          (("paid", "n"), {}), (("kind",), {"paid": "true"}), (("kind",), {"paid": "1"})):
            sql = SqlSource(registry_engine).count("test.cert", since, until, by, where)
            walked = walk(view.records("test.cert", since=since), until, by, where)
            assert sql == walked, (period, by, where)
            assert view.count_records("test.cert", since, until, by, where) == walked  # grouped once, filtered
    assert sum(SqlSource(registry_engine).count("test.cert", iso_utc(Period(2018).start),
                                                iso_utc(Period(2018).end), (), {}).values()) == 50
