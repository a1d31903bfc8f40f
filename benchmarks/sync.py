"""Sync 10,000 records kiosk → registry, on SQLite and on PostgreSQL, beside a bare bulk INSERT.

For each backend, every run starts from the same kiosk (10k committed, unsent records,
copied from a pristine data folder) and a fresh registry database served by
``helpdesk registry serve`` on 127.0.0.1:

- sync: a cold ``helpdesk sync now`` process (start-up, head, 10 signed batches of 1,000,
  ingest with audit-chain and digest checks, marking the outbox) — wall time and the
  kiosk process's peak RSS;
- bare INSERT: the same 10k rows, as the registry stores them, inserted with one
  ``executemany`` into a plain table of the same database (no checks, no HTTP).

Goals (issue 14): sync ≤ 10 s and kiosk RSS ≤ 200 MB. Medians of RUNS runs; the ratio
is sync / bare INSERT measured in the same run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
N = 10_000
BATCH = 1000


def build_kiosk(root: Path) -> tuple[Path, str, str]:
    """A pristine kiosk home with N unsent records; returns (home, kiosk id, public key)."""
    from helpdesk.registry.testing import KioskUnderTest

    kiosk = KioskUnderTest(root / "pristine", "kiosk-bench")
    kiosk.commit(N, unit="snv", chunk=500)
    key = kiosk.identity.public_key
    kiosk.close()
    return kiosk.home, kiosk.kiosk_id, key


def bare_rows(home: Path, kiosk_id: str) -> list[dict[str, Any]]:
    from helpdesk.registry.payload import stored_payload
    from helpdesk.store import open_store
    from helpdesk.store.canonical import canonical

    rows = []
    with open_store(home / "data", kiosk_id, read_only=True) as store:
        for i, record in enumerate(store.records()):
            body = canonical(record.to_dict())
            text = body.decode()
            rows.append({"id": record.id, "kiosk_id": kiosk_id, "type": record.type, "time": record.time,
                         "unit": "snv", "operator": record.operator, "subscriber_id": record.subject.subscriber_id,
                         "token_serial": record.subject.token_serial, "cert_serial": None,
                         "digest": hashlib.sha256(body).hexdigest(), "audit_seq": i + 2, "batch_id": "bench",
                         "received_at": record.time, "body": text,
                         "payload": stored_payload(record.payload, text)})
    return rows


def bare_insert(url: str, rows: list[dict[str, Any]]) -> float:
    from sqlalchemy import insert

    from helpdesk.registry.db import make_engine
    from helpdesk.registry.schema import metadata, records

    engine = make_engine(url)
    metadata.create_all(engine, tables=[records])
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(records), rows)
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def one_sync(pristine: Path, work: Path, kiosk_id: str, key: str, db_url: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a cold `helpdesk sync now` of N records."""
    from helpdesk.registry.db import open_db
    from helpdesk.registry.kiosks import enroll
    from helpdesk.registry.testing import RegistryServer

    home = work / "kiosk"
    shutil.copytree(pristine, home)
    engine = open_db(db_url)
    enroll(engine, kiosk_id, key)
    server = RegistryServer(db_url, work / "registry.log").start()
    try:
        config = home / "helpdesk.toml"
        config.write_text(f'kiosk_id = "{kiosk_id}"\n[sync]\nbatch_size = {BATCH}\n', encoding="utf-8")
        env = {**os.environ, "HELPDESK_HOME": str(home), "HELPDESK_CONFIG": str(config),
               "HELPDESK_REGISTRY_URL": server.url}
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "sync", "now", "--json"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"sync failed: {proc.stderr.read().decode() if proc.stderr else status}")
        from sqlalchemy import func, select

        from helpdesk.registry.schema import records

        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(records)).scalar_one()
        if stored != N:
            raise SystemExit(f"the registry holds {stored} records, not {N}")
    finally:
        server.stop()
        engine.dispose()
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    from helpdesk.registry.testing import ComponentUnavailable, PostgresServer

    root = Path(tempfile.mkdtemp(prefix="helpdesk-bench-sync-"))
    pg: PostgresServer | None = None
    try:
        t0 = time.perf_counter()
        pristine, kiosk_id, key = build_kiosk(root)
        rows = bare_rows(pristine, kiosk_id)
        print(f"kiosk with {N} records built in {time.perf_counter() - t0:.1f} s (not timed below)")
        backends: list[tuple[str, Any]] = [("SQLite", lambda run: f"sqlite:///{root / f'r{run}.db'}")]
        try:
            pg = PostgresServer().start()
            backends.append(("PostgreSQL", lambda run: pg.create_database() if pg else ""))
        except ComponentUnavailable as exc:
            print(f"PostgreSQL skipped: {exc}")
        print(f"{'backend':<11} {'sync 10k (s)':>13} {'bare INSERT (s)':>16} {'ratio':>7} {'kiosk RSS (MB)':>15}")
        for name, url_for in backends:
            syncs, bares, rss = [], [], []
            for run in range(RUNS):
                work = root / f"{name}-{run}"
                work.mkdir()
                seconds, peak = one_sync(pristine, work, kiosk_id, key, url_for(run))
                syncs.append(seconds)
                rss.append(peak)
                bares.append(bare_insert(url_for(f"bare{run}"), rows))
            s, b = statistics.median(syncs), statistics.median(bares)
            print(f"{name:<11} {s:>13.2f} {b:>16.3f} {s / b:>6.1f}x {max(rss):>15.0f}"
                  f"   (sync runs {min(syncs):.2f}–{max(syncs):.2f} s)")
            if s > 10 or max(rss) > 200:
                print(f"  GOAL MISSED on {name}: sync ≤ 10 s and RSS ≤ 200 MB")
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
