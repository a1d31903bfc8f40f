"""Crash safety: SIGKILL a committing process ≥ 200 times, at random moments and at
exact points of the commit protocol (the store kills itself there: fault injection at
our own boundary, ``helpdesk.store.journal.fault_point``). After every kill each file
still loads; at the end every acknowledged record is present with its audit and
outbox entries, acknowledged subscribers and sent-marks are there, and the chain
verifies.

Children are forked from the test process (the store already imported), so a kill
costs milliseconds instead of an interpreter start; one extra test runs the child as
a fresh interpreter driven by the environment variable.
"""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from helpdesk.store import journal, open_store, verify_path
from helpdesk.store.audit import segment_files
from helpdesk.store.journal import JOURNAL
from helpdesk.store.storage import load_tables, loads_strict
from helpdesk.testing.fixtures_store import make_record_types

CHILD = Path(__file__).with_name("crash_child.py")
POINTS = ["write-start", "tmp-written", "journal-written", "journal-committed", "mid-replace", "replaced"]
TIMED_KILLS = 120
POINT_KILLS = 20  # per point: 6 x 20 = 120


def load_child() -> ModuleType:
    spec = importlib.util.spec_from_file_location("helpdesk_store_crash_child", CHILD)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fork_child(folder: Path, seed: int, crash_at: str | None) -> tuple[int, int]:
    """(pid, read end of its ack pipe)."""
    child = load_child()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            journal._CRASH_AT = crash_at or ""  # fault injection at our own boundary
            journal._crash_hits.clear()
            child.work(folder, seed, write)
        finally:
            os._exit(1)
    os.close(write)
    return pid, read


def every_file_loads(folder: Path) -> None:
    for path in folder.glob("*.json"):
        if path.name.startswith(".tmp-"):
            continue  # a temp file may be torn: that is what it is for (removed at start)
        if path.name == JOURNAL:
            loads_strict(path.read_bytes())  # a journal is written atomically too
        else:
            load_tables(path)  # raises on torn JSON or duplicate keys


class Acks:
    def __init__(self) -> None:
        self.records: set[str] = set()
        self.subscribers: set[str] = set()
        self.sent: set[str] = set()

    def add(self, text: str) -> None:
        for line in text.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "R":
                self.records.add(rest)
            elif kind == "S":
                self.subscribers.add(rest)
            elif kind == "M":
                self.sent.update(rest.split())

    def check(self, folder: Path) -> None:
        result = verify_path(folder)  # finishes an interrupted commit first, like opening
        assert result.ok, result.problem
        audit_refs, outbox_records, sent_marks = set(), set(), set()
        for name in segment_files(folder):
            tables = load_tables(folder / name) or {}
            audit_refs.update(e["ref"] for e in tables.get("audit", {}).values())
            for entry in tables.get("outbox", {}).values():
                outbox_records.add(entry["record_id"])
                if entry["sent_at"]:
                    sent_marks.add(entry["id"])
        assert self.records <= audit_refs
        assert self.records <= outbox_records
        assert self.sent <= sent_marks
        with open_store(folder, "kiosk-crash", record_types=make_record_types()) as store:
            assert [rid for rid in self.records if store.get(rid) is None] == []
            assert [sid for sid in self.subscribers if store.subscribers.get(sid) is None] == []
            assert store.audit.verify().ok


@pytest.mark.slow
def test_sigkill_loop_loses_nothing_acknowledged(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    rng = random.Random(20250611)
    plan: list[str | None] = [None] * TIMED_KILLS + [p for p in POINTS for _ in range(POINT_KILLS)]
    rng.shuffle(plan)
    acks = Acks()
    kills = 0
    hit: dict[str, int] = {}
    started = time.monotonic()
    for n, point in enumerate(plan):
        # die at the k-th pass through the point (k varies so the work before it varies)
        pid, read = fork_child(folder, n, f"{point}:{rng.randint(1, 3)}" if point else None)
        with os.fdopen(read, "r", encoding="utf-8") as pipe:
            first = pipe.readline()
            if point is None:
                assert first == "READY\n"
                time.sleep(rng.uniform(0, 0.05))
                os.kill(pid, signal.SIGKILL)
            rest = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"child ended with {status}"
        kills += 1
        if point:
            hit[point] = hit.get(point, 0) + 1
        acks.add(first + rest)
        every_file_loads(folder)
        if n % 60 == 59:
            acks.check(folder)
    assert kills >= 200
    assert hit == dict.fromkeys(POINTS, POINT_KILLS)
    assert len(acks.records) > 100, "the children should have committed plenty"
    acks.check(folder)
    print(f"\n{kills} kills, {len(acks.records)} acknowledged records, {time.monotonic() - started:.1f} s")


@pytest.mark.slow
@pytest.mark.parametrize("point", ["journal-committed", "mid-replace"])
def test_env_var_crash_point_in_a_fresh_interpreter(tmp_path: Path, point: str) -> None:
    folder = tmp_path / "data"
    acks = Acks()
    for k in (1, 2, 3):
        env = dict(os.environ, HELPDESK_STORE_TEST_CRASH_AT=f"{point}:{k}")
        done = subprocess.run([sys.executable, str(CHILD), str(folder), str(k)], capture_output=True, text=True,
                              env=env, timeout=60)
        assert done.returncode == -signal.SIGKILL, done.stderr
        assert (folder / JOURNAL).exists()  # killed after the commit point, before the journal was cleared
        acks.add(done.stdout)
    acks.check(folder)
