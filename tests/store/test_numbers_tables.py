"""Shared numbering (``store.numbers``) and plugin tables (``store.tables``): gap-free,
crash-safe, audited — including SIGKILL in the middle of a numbered commit."""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import time
from pathlib import Path
from types import ModuleType

import pytest

from helpdesk.store import InvalidData, RecordTypeRegistry, journal, open_store, verify_path
from helpdesk.store.numbers import Number

CHILD = Path(__file__).with_name("numbered_child.py")
POINTS = ["write-start", "tmp-written", "journal-written", "journal-committed", "mid-replace", "replaced"]


def _types() -> RecordTypeRegistry:
    types = RecordTypeRegistry()
    types.register("test.numbered")
    return types


def test_numbers_count_from_one_per_series_and_year(tmp_path: Path) -> None:
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        for expected in (1, 2, 3):
            with store.numbers.next("BB", 2026) as n:
                store.commit("test.numbered", None, {"seq": n.seq}, "lan", number=n)
            assert n == Number("BB", 2026, expected)
        with store.numbers.next("BB", 2027) as n27, store.numbers.next("GN", 2026) as gn:
            assert (n27.seq, gn.seq) == (1, 1)
        assert n.text("SNV") == "3/BB-SNV"
    with open_store(tmp_path, "k1", record_types=_types()) as store, store.numbers.next("BB", 2026) as n:
        assert n.seq == 4  # survives a restart


def test_a_refused_commit_uses_no_number(tmp_path: Path) -> None:
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        with pytest.raises(InvalidData), store.numbers.next("BB", 2026) as n:
            store.commit("no.such.type", None, {}, "lan", number=n)
        with store.numbers.next("BB", 2026) as again:
            assert again.seq == 1  # no gap


def test_a_floor_continues_numbers_used_before_the_counter(tmp_path: Path) -> None:
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        with store.numbers.next("BB", 2026, floor=41) as n:
            store.commit("test.numbered", None, {"seq": n.seq}, "lan", number=n)
        with store.numbers.next("BB", 2026, floor=41) as again:
            assert (n.seq, again.seq) == (42, 43)


def test_a_stale_number_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        with store.numbers.next("BB", 2026) as n:
            store.commit("test.numbered", None, {"seq": n.seq}, "lan", number=n)
        with pytest.raises(InvalidData, match="no longer free"):
            store.commit("test.numbered", None, {"seq": n.seq}, "lan", number=n)  # a duplicate
        assert len(store.records("test.numbered")) == 1


def test_table_rows_are_audited_and_synced_tables_queue_changes(tmp_path: Path) -> None:
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        classes = store.tables.open("training.classes")
        attendance = store.tables.open("training.attendance", synced=True)
        classes.insert("TH-01", {"title": "Lớp tập huấn chữ ký số", "capacity": 30}, "lan")
        classes.update("TH-01", {"capacity": 32}, "lan")
        with pytest.raises(InvalidData, match="already has"):
            classes.insert("TH-01", {"title": "again"}, "lan")
        with pytest.raises(InvalidData, match="Secrets"):
            classes.put("TH-02", {"title": "x", "pin": "123456"}, "lan")
        attendance.put("TH-01/s1", {"present": True}, "lan")
        classes.delete("TH-01", "lan")
        actions = [e.action for e in store.audit.entries() if e.action.startswith(("table.", "record:table"))]
        assert actions == ["table.training.classes.put", "table.training.classes.put",
                           "table.training.attendance.put", "record:table.change", "table.training.classes.delete"]
        assert [r.payload["key"] for r in store.records("table.change")] == ["TH-01/s1"]
        assert [e.type for e in store.outbox.pending(10)] == ["table.change"]
        assert store.audit.verify().ok
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        assert store.tables.open("training.classes").all() == []
        assert store.tables.open("training.attendance").get("TH-01/s1") == {"present": True}


def test_table_validator_refuses_and_writes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        table = store.tables.open("renewal.requests", validate=lambda row: [] if row.get("type") else ["type is required"])
        with pytest.raises(InvalidData, match="type is required"):
            table.put("R1", {"name": "Lê Văn Tám"}, "lan")
        assert len(table) == 0 and not (tmp_path / "table-renewal.requests.json").exists()


def _needs_type(row: object) -> list[str]:
    return []


def test_reopening_a_table_with_other_options_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path, "k1", record_types=_types()) as store:
        first = store.tables.open("renewal.requests", synced=True, validate=_needs_type)
        assert store.tables.open("renewal.requests") is first  # options left out: as opened
        assert store.tables.open("renewal.requests", synced=True, validate=_needs_type) is first
        with pytest.raises(InvalidData, match=r"renewal.requests is already open with other options \(synced\)"):
            store.tables.open("renewal.requests", synced=False)
        with pytest.raises(InvalidData, match=r"\(validate\)"):
            store.tables.open("renewal.requests", validate=lambda row: ["another check"])
        for _ in range(2):  # a lambda made again at the same place is the same check
            store.tables.open("training.classes", validate=lambda row: [] if row.get("title") else ["title"])
        plain = store.tables.open("training.notes")
        with pytest.raises(InvalidData, match=r"\(synced, validate\)"):  # a check added later would be ignored
            store.tables.open("training.notes", synced=True, validate=_needs_type)
        assert plain.synced is False and first.synced is True


def _load_child() -> ModuleType:
    spec = importlib.util.spec_from_file_location("helpdesk_numbered_child", CHILD)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_sigkill_during_numbering_leaves_no_gap_no_duplicate(tmp_path: Path) -> None:
    """kill -9 at random moments and at each point of the commit protocol (the store
    kills itself there: fault injection at our own boundary)."""
    folder = tmp_path / "data"
    rng = random.Random(20261206)
    plan: list[str | None] = [None] * 40 + [p for p in POINTS for _ in range(8)]
    rng.shuffle(plan)
    child = _load_child()
    acked: dict[int, str] = {}
    rows: set[str] = set()
    for n, point in enumerate(plan):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read)
                journal._CRASH_AT = f"{point}:{rng.randint(1, 3)}" if point else ""
                journal._crash_hits.clear()
                child.work(folder, n, write)
            finally:
                os._exit(1)
        os.close(write)
        with os.fdopen(read, "r", encoding="utf-8") as pipe:
            first = pipe.readline()
            if point is None:
                time.sleep(rng.uniform(0, 0.04))
                os.kill(pid, signal.SIGKILL)
            text = first + pipe.read()
        os.waitpid(pid, 0)
        for line in text.splitlines():
            kind, *rest = line.split()
            if kind == "N":
                assert int(rest[0]) not in acked, "a number was acknowledged twice"
                acked[int(rest[0])] = rest[1]
            elif kind == "T":
                rows.add(rest[0])
    assert verify_path(folder).ok
    with open_store(folder, "kiosk-crash", record_types=_types()) as store:
        records = store.records("test.numbered")
        seqs = sorted(r.payload["seq"] for r in records)
        assert seqs == list(range(1, len(seqs) + 1)), "numbers must have no gap and no duplicate"
        assert all(r.payload["number"] == f"{r.payload['seq']}/BB-SNV" for r in records)
        assert store.numbers.last("BB", 2026) == len(seqs)
        by_seq = {r.payload["seq"]: r.id for r in records}
        assert all(by_seq.get(seq) == rid for seq, rid in acked.items()), "an acknowledged number was lost"
        table = store.tables.open("test.rows", synced=True)
        assert rows <= set(table.keys())
        assert {r.payload["key"] for r in store.records("table.change")} >= rows
    assert len(acked) > 30
