"""Records: commit, validation, voids, queries, persistence, migrations, threads."""

from __future__ import annotations

import json
import threading
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpdesk.store import (
    InvalidData,
    NotFound,
    RecordType,
    RecordTypeRegistry,
    Store,
    StoreBusy,
    StoreError,
    Subject,
    open_store,
    segments,
)
from helpdesk.store import migrations as migrations_mod
from helpdesk.store.canonical import canonical
from helpdesk.store.records import is_secret_key


def test_commit_returns_record_with_audit_and_outbox_entries(store: Store) -> None:
    record = store.commit("test.note", Subject(token_serial="TK1"), {"text": "Bàn giao"}, "Lê Thị C")
    assert record.kiosk_id == "kiosk-test"
    assert record.operator == "Lê Thị C"
    assert record.time.endswith("Z")
    assert store.get(record.id) == record
    entries = store.audit.entries()
    assert entries[-1].ref == record.id and entries[-1].action == "record:test.note"
    assert store.audit.head() == (entries[-1].seq, entries[-1].hash)
    assert [e.record_id for e in store.outbox.pending()] == [record.id]


def test_records_survive_reopen(store_dir: Path, record_types: RecordTypeRegistry) -> None:
    with open_store(store_dir, "kiosk-test", record_types=record_types) as first:
        saved = [first.commit("test.note", None, {"text": f"n{i}"}, "op") for i in range(5)]
        head = first.audit.head()
    with open_store(store_dir, "kiosk-test", record_types=record_types) as again:
        assert again.records() == saved
        assert again.audit.head() == head
        assert again.outbox.count() == 5


def test_payload_is_validated_by_its_record_type(store: Store) -> None:
    with pytest.raises(InvalidData) as caught:
        store.commit("test.note", None, {"txt": "typo"}, "op")
    assert caught.value.problems == ["text is required"]
    with pytest.raises(InvalidData, match="Unknown record type"):
        store.commit("no.such.type", None, {}, "op")
    assert store.records() == []
    assert store.audit.head()[0] == 1  # only the m001 migration entry


@pytest.mark.parametrize("key", ["pin", "PIN", "new_pin", "so_pin", "soPin", "user-pin", "puk", "password",
                                 "mat_khau", "pin_code", "old_password"])
def test_secret_keys_are_refused_anywhere_in_a_payload(store: Store, key: str) -> None:
    with pytest.raises(InvalidData, match="secrets"):
        store.commit("test.note", None, {"text": "x", "detail": {"steps": [{key: "123456"}]}}, "op")
    assert not any("123456" in p.read_text() for p in store.directory.glob("*.json"))


@pytest.mark.parametrize("key", ["pin_state", "pin_unlocked", "pin_retries_left", "spinner", "pinned", "opinion"])
def test_pin_metadata_keys_are_allowed(key: str) -> None:
    assert not is_secret_key(key)


def test_floats_are_refused_and_text_is_stored_as_nfc(store: Store) -> None:
    with pytest.raises(InvalidData, match="float"):
        store.commit("test.note", None, {"text": "x", "amount": 1.5}, "op")
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    record = store.commit("test.note", {"subscriber_id": "s1"}, {"text": nfd}, unicodedata.normalize("NFD", "Đỗ Văn Đạt"))
    assert record.payload["text"] == unicodedata.normalize("NFC", nfd) != nfd
    assert record.operator == "Đỗ Văn Đạt"
    assert store.get(record.id) == record


def test_void_is_a_new_record_and_the_old_one_stays(store: Store) -> None:
    wrong = store.commit("test.note", {"token_serial": "TK9"}, {"text": "nhầm"}, "op")
    kept = store.commit("test.note", None, {"text": "đúng"}, "op")
    void = store.void(wrong.id, "Ghi nhầm thiết bị", "giám sát")
    assert void.type == "void" and void.voids == wrong.id and void.subject == wrong.subject
    assert store.get(wrong.id) == wrong
    assert store.voided_by(wrong.id) == void.id
    assert store.records(include_voided=False) == [kept]
    assert store.records() == [wrong, kept, void]
    with pytest.raises(InvalidData, match="already voided"):
        store.void(wrong.id, "again", "op")
    with pytest.raises(InvalidData, match="cannot itself be voided"):
        store.void(void.id, "undo", "op")
    with pytest.raises(NotFound):
        store.void("no-such-id", "x", "op")
    with pytest.raises(InvalidData, match="reason"):
        store.void(kept.id, "  ", "op")
    with pytest.raises(InvalidData, match="void"):
        store.commit("void", None, {"record_id": kept.id, "reason": "x"}, "op")


def test_records_filter_by_type_and_since_and_history(store_dir: Path, record_types: RecordTypeRegistry) -> None:
    record_types.register("test.other")
    clock = [datetime(2025, 5, 31, 23, 0, tzinfo=UTC)]
    with open_store(store_dir, "k", record_types=record_types, clock=lambda: clock[0]) as store:
        may = store.commit("test.note", {"subscriber_id": "s1"}, {"text": "may"}, "op")
        clock[0] += timedelta(hours=2)  # June: a new segment
        june = store.commit("test.other", {"subscriber_id": "s1", "token_serial": "TK1"}, {}, "op")
        other = store.commit("test.note", {"cert_serial": "ab:cd"}, {"text": "x"}, "op")
        assert store.records(type="test.note") == [may, other]
        assert store.records(since="2025-06-01T00:00:00Z") == [june, other]
        assert store.records(since=datetime(2025, 6, 1, 0, 30, tzinfo=UTC)) == [june, other]
        assert store.history(subscriber_id="s1") == [may, june]
        assert store.history(token_serial="TK1") == [june]
        assert store.history(cert_serial="ABCD") == [other]
        assert store.audit.entries(since="2025-06-01T00:00:00Z")[0].ref == june.id
    assert sorted(p.name for p in store_dir.glob("log-*")) == ["log-000001-2025-05.json", "log-000002-2025-06.json"]


def test_segments_roll_over_and_old_ones_are_read_back(
    store_dir: Path, record_types: RecordTypeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SEGMENT_SIZE", 5)
    monkeypatch.setattr(segments, "CACHE_SEGMENTS", 2)
    with open_store(store_dir, "k", record_types=record_types) as store:
        saved = [store.commit("test.note", None, {"text": str(i)}, "op") for i in range(23)]
        assert len(list(store_dir.glob("log-*.json"))) == 5  # 24 entries (m001 + 23) by 5
        assert store.get(saved[0].id) == saved[0]
    with open_store(store_dir, "k", record_types=record_types) as store:
        assert store.records() == saved
        assert store.audit.verify().ok


def test_commit_many_is_all_or_nothing(store: Store) -> None:
    with pytest.raises(InvalidData):
        store.commit_many([("test.note", None, {"text": "ok"}, "op"), ("test.note", None, {}, "op")])
    assert store.records() == []
    both = store.commit_many([("test.note", None, {"text": "a"}, "op"), ("test.note", None, {"text": "b"}, "op")])
    assert store.records() == both


def test_operator_is_required(store: Store) -> None:
    with pytest.raises(InvalidData, match="operator"):
        store.commit("test.note", None, {"text": "x"}, "  ")


def test_record_type_registry_refuses_clashes_and_bad_names() -> None:
    registry = RecordTypeRegistry()
    registry.register(RecordType("handover", None, owner="plugin-a"))
    with pytest.raises(InvalidData, match="already registered by plugin-a"):
        registry.register("handover", lambda p: [], owner="plugin-b")
    with pytest.raises(InvalidData, match="Bad record type name"):
        registry.register("Hand Over")
    assert registry.names() == ["handover", "void"]


def test_listeners_run_after_the_commit_and_cannot_break_it(store: Store) -> None:
    seen = []

    def broken(record: object) -> None:
        raise RuntimeError("plugin bug")

    store.add_listener(broken)
    store.add_listener(lambda record: seen.append((record.id, store.get(record.id) is not None)))
    record = store.commit("test.note", None, {"text": "x"}, "op")
    assert seen == [(record.id, True)]


def test_second_writer_is_refused_read_only_snapshot_allowed(store: Store, record_types: RecordTypeRegistry) -> None:
    record = store.commit("test.note", None, {"text": "x"}, "op")
    with pytest.raises(StoreBusy):
        open_store(store.directory, "kiosk-test", record_types=record_types)
    with open_store(store.directory, "kiosk-test", read_only=True) as snapshot:
        assert snapshot.get(record.id) == record
        with pytest.raises(StoreError, match="read-only"):
            snapshot.commit("test.note", None, {"text": "y"}, "op")


def test_read_only_open_of_missing_store_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        open_store(tmp_path / "nothing", "k", read_only=True)


def test_migrations_are_recorded_and_a_newer_store_is_refused(
    store_dir: Path, record_types: RecordTypeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def m002_add_flag(ctx: migrations_mod.MigrationContext) -> None:
        calls.append(ctx.now)

    with open_store(store_dir, "k", record_types=record_types) as store:
        assert [m["name"] for m in store.migrations()] == ["m001_initial"]
    monkeypatch.setattr(migrations_mod, "MIGRATIONS", [migrations_mod.m001_initial, m002_add_flag])
    with open_store(store_dir, "k", record_types=record_types) as store:
        assert [m["name"] for m in store.migrations()] == ["m001_initial", "m002_add_flag"]
        assert [e.ref for e in store.audit.entries() if e.action == "migration"] == ["m001_initial", "m002_add_flag"]
    with open_store(store_dir, "k", record_types=record_types):
        assert len(calls) == 1  # applied once
    monkeypatch.setattr(migrations_mod, "MIGRATIONS", [migrations_mod.m001_initial])
    with pytest.raises(StoreError, match="newer version"):
        open_store(store_dir, "k", record_types=record_types)


def test_commits_from_many_threads_all_land_in_one_chain(store: Store) -> None:
    ids: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                ids.append(store.commit("test.note", None, {"text": f"{n}-{i}"}, f"op{n}").id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.id for r in store.records()) == sorted(ids)
    assert len(ids) == 90
    result = store.audit.verify()
    assert result.ok and result.entries == 91


def test_canonical_json_rules() -> None:
    assert canonical({"b": 1, "a": "Đ"}) == '{"a":"Đ","b":1}'.encode()
    assert canonical(unicodedata.normalize("NFD", "ộ")) == canonical("ộ")
    with pytest.raises(ValueError):
        canonical({"x": 0.1})


def test_reopen_reads_segment_summaries_not_the_history(
    store_dir: Path, record_types: RecordTypeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SEGMENT_SIZE", 5)
    with open_store(store_dir, "k", record_types=record_types) as store:
        saved = [store.commit("test.note", {"token_serial": f"TK{i % 3}"}, {"text": str(i)}, "op") for i in range(23)]
        void = store.void(saved[2].id, "nhầm", "op")
        store.outbox.mark_sent([e.id for e in store.outbox.pending(4)])  # in closed segments
        expected = (store.outbox.pending(100), store.audit.head())

    index = json.loads((store_dir / "index.json").read_text("utf-8"))["segments"]
    assert len(index) == 4  # 25 entries in 5 segments; the current one is not summarised
    (closed, *_), last = sorted(index), sorted(p.name for p in store_dir.glob("log-*"))[-1]
    assert last not in index
    (store_dir / closed).write_text("not read when the index is there")  # prove it is not read
    with open_store(store_dir, "k", record_types=record_types, read_only=True) as store:
        assert store.voided_by(saved[2].id) == void.id
        assert (store.outbox.pending(100), store.audit.head()) == expected


def test_a_lost_index_is_rebuilt_at_open(
    store_dir: Path, record_types: RecordTypeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SEGMENT_SIZE", 5)
    with open_store(store_dir, "k", record_types=record_types) as store:
        saved = [store.commit("test.note", {"subscriber_id": "s1"}, {"text": str(i)}, "op") for i in range(12)]
        store.outbox.mark_sent([e.id for e in store.outbox.pending(3)])
        pending = store.outbox.pending(100)
    before = (store_dir / "index.json").read_bytes()
    (store_dir / "index.json").unlink()
    with open_store(store_dir, "k", record_types=record_types) as store:
        assert store.records() == saved and store.outbox.pending(100) == pending
        assert store.history(subscriber_id="s1") == saved
    assert (store_dir / "index.json").read_bytes() == before
