"""Reports over the registry's records in PostgreSQL, beside the bare SQL aggregate.

Seeds N records (default 100,000) into a throw-away PostgreSQL registry: the plan-era
``test.cert`` / ``test.class`` records of :mod:`helpdesk.reports.testing`, repeated over
2017–2020 with fresh ids (COPY, as ingest would have stored them). Then, median of
``--runs``, all in the same run:

- **yearly (SQL view)**: the 2018 yearly report built by the report sections
  (``tests/reports/plan_plugin.py``) over a ``RecordView`` on the database — what the
  dashboard does inside the registry;
- **yearly (HTTP)**: the same report through the registry's query API (``--source URL``
  path, a real ``helpdesk registry serve``; skipped above ``--http-max`` records);
- **bare SQL**: one ``GROUP BY`` giving the same figures in PostgreSQL, on the
  ``records.payload`` column (the floor); and the same parsing every body instead
  (``body::jsonb``, what counting cost before migration r002);
- **dashboard cold**: computing every figure of the dashboard's page (four plan years,
  unit lines, expiry, kiosks) — the first page after new data arrives;
- **dashboard page**: ``GET /dashboard`` with a session (time as seen by a client on
  127.0.0.1): the first one of a year (computed in the request), then cached, then
  right after new data arrived (the held page is served while one thread recomputes),
  then the first one after the registry process restarts (the page kept in the
  database, migration r005, is served while one thread recomputes; median of up to 3
  restarts);
- **dashboard bare SQL**: the page's own aggregates as plain SQL (counts per type, year
  and unit; expiry per unit; kiosks).

Goals (issue 15): yearly report over 1M records ≤ 2 s; dashboard first page ≤ 300 ms.
Run: ``.venv/bin/python benchmarks/report.py [--records N] [--runs R]``.

Measured 2026-12-06, ``--records 1000000`` (2 shared cores, PostgreSQL 15, two runs):
yearly report 485–724 ms beside bare SQL 422–724 ms (1.0–1.1x); the same bare SQL
parsing every body 2.4–3.8 s (before migration r002 the sections took 3.2–6.7 s).
Dashboard: cached page 52 ms; cold figures 5.6–7.7 s (bare SQL 2.6–3.3 s), most of it
the certificate-expiry pass over every certificate record; the first GET of a year the
warm-up is not computing (here 2018, while it computes the plan's default year)
computes it in the request: 10–13 s.
Same day, after migration r005 (kept pages), one run: cached 52 ms, data changed 59 ms,
first GET after a registry restart 70 ms (median of 3 restarts; the kept page, while
one thread recomputes it; before r005 that request computed the page: 5.5–13 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from helpdesk.config import Settings
from helpdesk.registry.dashboard.accounts import add_staff
from helpdesk.registry.dashboard.figures import compute
from helpdesk.registry.db import open_db
from helpdesk.registry.testing import PostgresServer, RegistryServer
from helpdesk.reports.build import build_report
from helpdesk.reports.plan import load_plan
from helpdesk.reports.remote import view_context
from helpdesk.reports.sources import HttpSource, SqlSource
from helpdesk.reports.testing import Item, plan_records, registry_rows
from helpdesk.reports.view import RecordView
from helpdesk.secret import Secret
from helpdesk.workflow.types import Period, ReportSection

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "tests" / "reports" / "plan_plugin.py"
COLUMNS = ("id", "kiosk_id", "type", "time", "unit", "operator", "subscriber_id", "token_serial", "cert_serial",
           "digest", "audit_seq", "batch_id", "received_at", "body", "payload")
YEAR = 2018


def sections() -> tuple[ReportSection, ...]:
    spec = importlib.util.spec_from_file_location("plan_plugin", PLUGIN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["plan_plugin"] = module
    spec.loader.exec_module(module)
    return tuple(replace(s, plugin="plan_plugin") for s in module.spec.reports)


def items(n: int) -> list[Item]:
    base = plan_records(load_plan())
    out: list[Item] = []
    round_ = 0
    while len(out) < n:
        for item in base:
            if len(out) >= n:
                break
            payload = dict(item.payload)
            if "code" in payload:
                payload["code"] = f"{payload['code']}-{round_}"
            subject = {k: f"{v}-{round_}" for k, v in item.subject.items()}
            out.append(Item(item.time.replace(day=1 + round_ % 28, minute=round_ % 60), item.type, subject, payload))
        round_ += 1
    return out


def seed(pg: PostgresServer, url: str, n: int) -> None:
    import psycopg
    from psycopg.types.json import Jsonb

    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname={dbname}") as conn:
        with conn.cursor() as cur, cur.copy(f"COPY records ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in registry_rows(items(n), "kiosk-bench-01"):
                copy.write_row([Jsonb(row[c]) if c == "payload" else row[c] for c in COLUMNS])
        conn.execute("INSERT INTO kiosks (id, public_key, unit, enrolled_at, head_seq, head_hash, head_time) "
                     "VALUES ('kiosk-bench-01', 'x', 'q-ninh-kieu', '2017-01-01T00:00:00Z', %s, 'x', NULL)", (n,))
        conn.execute("ANALYZE records")


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), result


def report_figures(engine: Engine | None, source: Any, secs: tuple[ReportSection, ...]) -> dict[str, float]:
    ctx = view_context(Settings(home=Path(tempfile.gettempdir())), RecordView(source))
    report = build_report(ctx, secs, Period(YEAR), None, load_plan())
    assert not any(s.error for s in report.sections), [s.error for s in report.sections]
    return {r.metric: r.value for _s, r in report.rows()}


BARE_REPORT = """
SELECT type, payload->>'action', payload->>'kind', count(*)
FROM records WHERE time >= :start AND time < :end AND type IN ('test.cert', 'test.class')
GROUP BY 1, 2, 3
"""
#: the same, parsing every body as the sections did before r002 (records.payload)
BARE_REPORT_BODY = BARE_REPORT.replace("payload->>", "(body::jsonb)->'payload'->>")
BARE_DASHBOARD = [
    "SELECT type, substr(time, 1, 4), payload->>'action', payload->>'kind', count(*) FROM records GROUP BY 1, 2, 3, 4",
    "SELECT unit, type, payload->>'action', payload->>'kind', count(*) "
    "FROM records WHERE time >= '2018-01-01' AND time < '2019-01-01' GROUP BY 1, 2, 3, 4",
    "SELECT unit, count(*) FILTER (WHERE payload->>'not_after' < :today) FROM records "
    "WHERE cert_serial IS NOT NULL GROUP BY unit",
    "SELECT k.id, max(b.received_at), count(f.pk) FROM kiosks k LEFT JOIN batches b ON b.kiosk_id = k.id "
    "LEFT JOIN flags f ON f.kiosk_id = k.id GROUP BY k.id",
]


def bare_report(engine: Engine, sql: str = BARE_REPORT) -> dict[str, float]:
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"start": f"{YEAR}-01-01", "end": f"{YEAR + 1}-01-01"}).all()
    out: dict[str, float] = {}
    for type_, action, kind, n in rows:
        key = "training.classes" if type_ == "test.class" else f"cert.{action}.{kind}"
        out[key] = out.get(key, 0) + n
    return out


def bare_dashboard(engine: Engine) -> None:
    with engine.connect() as conn:
        for sql in BARE_DASHBOARD:
            conn.execute(text(sql), {"today": date.today().isoformat()}).all()


def restarted_first_get(server: RegistryServer, client: httpx.Client) -> float:
    """Stop the registry process, start a new one, and time its first ``GET /dashboard`` (ms)."""
    server.stop()
    server.start(timeout=120)
    started = time.perf_counter()
    page = client.get(f"/dashboard?year={YEAR}")
    elapsed = 1000 * (time.perf_counter() - started)
    assert page.status_code == 200 and 'id="restored"' in page.text, page.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--http-max", type=int, default=200_000, help="skip the HTTP path above this many records")
    args = parser.parse_args()
    secs = sections()
    pg = PostgresServer().start()
    try:
        url = pg.create_database()
        engine = open_db(url)
        started = time.perf_counter()
        seed(pg, url, args.records)
        print(f"seeded {args.records:,} records in {time.perf_counter() - started:.1f} s (COPY)")
        plan = load_plan()

        view_ms, figures = median_ms(lambda: report_figures(engine, SqlSource(engine), secs), args.runs)
        bare_ms, bare = median_ms(lambda: bare_report(engine), args.runs)
        wanted = {k: v for k, v in figures.items() if v}
        assert wanted == bare, (wanted, bare)
        print(f"yearly report {YEAR} ({sum(bare.values()):,.0f} of the records in the year)")
        print(f"  report sections over a SQL view : {view_ms:9.1f} ms")
        print(f"  bare SQL aggregate              : {bare_ms:9.1f} ms   (sections / bare = {view_ms / bare_ms:.1f}x)")
        body_ms, by_body = median_ms(lambda: bare_report(engine, BARE_REPORT_BODY), max(1, args.runs // 2))
        assert by_body == bare
        print(f"  bare SQL parsing every body     : {body_ms:9.1f} ms   (the r001 way; / bare = {body_ms / bare_ms:.1f}x)")

        with tempfile.TemporaryDirectory() as logs:
            server = RegistryServer(url, Path(logs) / "registry.log",
                                    env={"HELPDESK_PLUGINS": str(PLUGIN)}).start()
            try:
                if args.records <= args.http_max:
                    http_ms, over_http = median_ms(
                        lambda: report_figures(None, HttpSource(server.url, server.read_token), secs),
                        max(1, args.runs // 2))
                    assert over_http == figures
                    print(f"  same over the query API (HTTP)  : {http_ms:9.1f} ms   (/ bare = {http_ms / bare_ms:.1f}x)")
                else:
                    print(f"  (HTTP path skipped above {args.http_max:,} records: one page per 1,000 records)")
                today = datetime.now(UTC).date()
                cold_ms, _ = median_ms(lambda: compute(engine, plan, secs, YEAR, today), args.runs)
                dash_bare_ms, _ = median_ms(lambda: bare_dashboard(engine), args.runs)
                add_staff(engine, "bench", Secret("bench-password"))
                with httpx.Client(base_url=server.url, timeout=600) as client:
                    client.get("/dashboard/login")
                    client.post("/dashboard/login", data={"csrf": client.cookies.get("hd_csrf") or "",
                                                          "name": "bench", "password": "bench-password"})
                    first_ms, page = median_ms(lambda: client.get(f"/dashboard?year={YEAR}"), 1)
                    assert page.status_code == 200, page.status_code
                    warm_ms, _ = median_ms(lambda: client.get(f"/dashboard?year={YEAR}"), args.runs)
                    with engine.begin() as conn:  # a new record arrives: the held page is stale
                        conn.execute(text("INSERT INTO records (id, kiosk_id, type, time, unit, operator, digest, "
                                          "audit_seq, batch_id, received_at, body, payload) SELECT 'new-1', "
                                          "kiosk_id, type, time, unit, operator, digest, audit_seq, batch_id, "
                                          "received_at, body, payload FROM records ORDER BY pk LIMIT 1"))
                    stale_ms, _ = median_ms(lambda: client.get(f"/dashboard?year={YEAR}"), 1)
                    restart_ms = statistics.median(
                        restarted_first_get(server, client) for _ in range(max(1, min(3, args.runs))))
            finally:
                server.stop()
        print("dashboard first page")
        print(f"  figures computed (cold)         : {cold_ms:9.1f} ms   (/ bare = {cold_ms / dash_bare_ms:.1f}x)")
        print(f"  GET /dashboard, first           : {first_ms:9.1f} ms")
        print(f"  GET /dashboard, cached          : {warm_ms:9.1f} ms")
        print(f"  GET /dashboard, data changed    : {stale_ms:9.1f} ms   (held page served, refreshed in background)")
        print(f"  GET /dashboard after restart    : {restart_ms:9.1f} ms   (kept page served, recomputed in background)")
        print(f"  bare SQL (the page's aggregates): {dash_bare_ms:9.1f} ms")
        engine.dispose()
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
