"""Training check-in throughput on a 100,000-subscriber store, beside a bare store lookup.

The store holds a 100k-subscriber directory (one bulk add) and CLASSES classes of 30
trainees each (their rosters imported from the directory). Each trainee arrives with
their token, as the check-in screen receives it (a ``TokenInfo`` read without a PIN);
the check-in goes through :meth:`CheckInDesk.check_in_token` — the call the screen's
thread job and ``helpdesk training checkin`` make: token serial -> subscriber ->
roster -> a new row in the synced attendance table (one durable commit with its audit
entry and outbox record).

Measured in the same run, interleaved per trainee:
- check-in: ``desk.check_in_token(token)``, a first check-in (a write);
- again: the same token a second time (found present, nothing written);
- bare lookup: ``store.subscribers.by_token_serial(serial)`` alone (no table, no write);
- bare commit: ``Table.put`` of a row of the same size into another synced plugin table —
  the floor one durable store commit sets (journal, fsyncs, renames), without the desk.

Goal: >= 50 check-ins/s. A check-in is one durable commit, so on a disk whose commit
floor is above 20 ms the goal cannot be met by the plugin alone: ``check-in / bare
commit`` shows how much the desk adds to it. ``--dir /dev/shm`` runs on tmpfs, where
fsync is free, to show the code path's own rate.

Run: ``.venv/bin/python benchmarks/checkin.py [--subscribers N] [--classes N] [--dir D]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

from helpdesk_training.checkin import CheckInDesk
from helpdesk_training.model import Session, TrainingBook, TrainingClass
from helpdesk_training.plugin import spec
from helpdesk_training.roster import trainee_from_subscriber

from helpdesk.extension import (
    CertInfo,
    Name,
    OperatorRef,
    Settings,
    Store,
    TokenFlags,
    TokenInfo,
    WorkflowContext,
)
from helpdesk.testing.fixtures_store import make_roster, make_units
from helpdesk.testing.kit import FormRegistry, open_store

TRAINER = OperatorRef("bench", "Benchmark", "trainer")
CLASS_SIZE = 30
GOAL_PER_S = 50.0


def token_for(serial: str, name: str, cert_serial: str) -> TokenInfo:
    """A token as the worker reports it when inserted (no PIN)."""
    now = datetime.now(timezone.utc)
    cert = CertInfo(label=name, key_id="01", subject=Name(f"CN={name}", {"CN": name}),
                    issuer=Name("CN=CA", {"CN": "CA"}), serial=cert_serial, not_before=now - timedelta(days=1),
                    not_after=now + timedelta(days=900), fingerprint_sha256="ab" * 32)
    return TokenInfo(serial=serial, label="VGCA Token", manufacturer="SoftHSM project", model="SoftHSM v2",
                     module="softhsm", flags=TokenFlags(token_initialized=True), certificates=(cert,))


def build(root: Path, subscribers: int, classes: int) -> tuple[Store, WorkflowContext, list[list[TokenInfo]]]:
    store = open_store(root / "data", "bench")
    spec.hooks("training")["helpdesk_register_record_types"](store.register_record_type)
    store.units.add_many(make_units(), "bench")
    rows = make_roster(subscribers)
    started = time.perf_counter()
    store.subscribers.add_many(rows, "bench")
    print(f"directory: {len(store.subscribers):,} subscribers added in {time.perf_counter() - started:.1f} s")
    settings = dataclasses.replace(Settings(home=root / "home"), kiosk_id="bench")
    ctx = WorkflowContext(token=None, settings=settings, store=store, worker=None,  # type: ignore[arg-type]
                          operator=TRAINER, form_registry=FormRegistry())
    book = TrainingBook(ctx)
    tokens: list[list[TokenInfo]] = []
    step = subscribers // (classes * CLASS_SIZE)
    for c in range(classes):
        code = f"TH-B-{c + 1:03d}"
        book.add_class(TrainingClass(code=code, title="Sử dụng chữ ký số", capacity=CLASS_SIZE,
                                     sessions=(Session("1", "2018-05-10"),)))
        people = [rows[(c * CLASS_SIZE + i) * step] for i in range(CLASS_SIZE)]
        subs = [store.subscribers.by_token_serial(p["token_serial"]) for p in people]
        book.add_trainees(code, [trainee_from_subscriber(store, s, source="import") for s in subs if s])
        tokens.append([token_for(p["token_serial"], p["full_name"], p["cert_serial"]) for p in people])
    return store, ctx, tokens


def rate(samples: list[float]) -> str:
    median = statistics.median(samples)
    return f"median {median * 1000:7.3f} ms  ({1 / median:9,.0f}/s)"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--dir", default=None, help="Where the store lives (default: the system temp folder).")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-checkin-", dir=args.dir))
    store, ctx, tokens = build(root, args.subscribers, args.classes)
    book = TrainingBook(ctx)
    first: list[float] = []
    again: list[float] = []
    bare: list[float] = []
    commit: list[float] = []
    floor = ctx.table("bench.floor", synced=True)
    wall = time.perf_counter()
    for c, class_tokens in enumerate(tokens):
        desk = CheckInDesk(book, f"TH-B-{c + 1:03d}", "1")
        for token in class_tokens:
            bare.append(timed(partial(store.subscribers.by_token_serial, token.serial)))
            first.append(timed(partial(desk.check_in_token, token)))
            again.append(timed(partial(desk.check_in_token, token)))
            row = book.attendance.get(f"{desk.code}:1:{book.attendance_of(desk.code, '1')[-1].trainee}") or {}
            commit.append(timed(partial(floor.put, token.serial, row, "bench")))
    wall = time.perf_counter() - wall
    count = len(first)
    assert len(book.attendance) == count, "every first check-in wrote one row"
    print(f"{count} check-ins over {args.classes} classes of {CLASS_SIZE}, store of {len(store.subscribers):,}:")
    print(f"  check-in (write)     {rate(first)}")
    print(f"  check-in again       {rate(again)}")
    print(f"  bare store lookup    {rate(bare)}")
    print(f"  bare table commit    {rate(commit)}")
    per_s = count / sum(first)
    verdict = "met" if per_s >= GOAL_PER_S else "NOT met: bounded by the store's commit floor"
    print(f"  throughput: {per_s:,.0f} check-ins/s (goal >= {GOAL_PER_S:.0f}: {verdict}); loops {wall:.1f} s")
    print(f"  ratio check-in / bare lookup: {statistics.median(first) / statistics.median(bare):,.0f}x; "
          f"check-in / bare commit: {statistics.median(first) / statistics.median(commit):.2f}x")
    store.close()


if __name__ == "__main__":
    main()
