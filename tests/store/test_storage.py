"""Atomic files and the commit journal: strict loading, roll forward, roll back."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.store import RecordTypeRegistry, StoreCorrupt, open_store
from helpdesk.store.journal import JOURNAL, recover, write_files
from helpdesk.store.storage import dumps, load_tables, loads_strict


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "files"
    path.mkdir()
    return path


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate key '1'"):
        loads_strict(b'{"t": {"1": {"a": 1}, "1": {"a": 2}}}')
    with pytest.raises(ValueError):
        loads_strict(b'{"a": NaN}')
    assert loads_strict('{"a": "Đ"}'.encode()) == {"a": "Đ"}


def test_a_torn_file_stops_the_store_from_opening(store_dir: Path, record_types: RecordTypeRegistry) -> None:
    with open_store(store_dir, "k", record_types=record_types) as store:
        store.commit("test.note", None, {"text": "x"}, "op")
    (segment,) = store_dir.glob("log-*.json")
    raw = segment.read_bytes()
    segment.write_bytes(raw[:-7])
    with pytest.raises(StoreCorrupt, match="damaged"):
        open_store(store_dir, "k", record_types=record_types)


def test_write_files_replaces_a_set_and_leaves_no_temp_files(folder: Path) -> None:
    (folder / "a.json").write_bytes(dumps({"t": {"1": {"v": 0}}}))
    write_files(folder, {"a.json": dumps({"t": {"1": {"v": 1}}}), "b.json": dumps({"t": {}})})
    assert load_tables(folder / "a.json") == {"t": {"1": {"v": 1}}}
    assert load_tables(folder / "b.json") == {"t": {}}
    assert sorted(p.name for p in folder.iterdir()) == ["a.json", "b.json"]


def test_recover_rolls_a_journalled_commit_forward(folder: Path) -> None:
    """State after a crash between the journal (commit point) and the renames."""
    (folder / "a.json").write_bytes(b'{"old":{}}')
    (folder / "b.json").write_bytes(b'{"old":{}}')
    (folder / ".tmp-tx1-b.json").write_bytes(b'{"new":{}}')  # a.json was already renamed
    (folder / "a.json").write_bytes(b'{"new":{}}')
    (folder / JOURNAL).write_bytes(dumps({"txid": "tx1", "files": ["a.json", "b.json"]}))
    assert recover(folder) is True
    assert load_tables(folder / "a.json") == load_tables(folder / "b.json") == {"new": {}}
    assert sorted(p.name for p in folder.iterdir()) == ["a.json", "b.json"]


def test_recover_rolls_back_a_commit_without_journal(folder: Path) -> None:
    (folder / "a.json").write_bytes(b'{"old":{}}')
    (folder / ".tmp-tx2-a.json").write_bytes(b'{"new":{}}')
    (folder / ".tmp-tx2-journal.json").write_bytes(b'{"txid":"tx2","fil')  # torn, never renamed
    assert recover(folder) is False
    assert load_tables(folder / "a.json") == {"old": {}}
    assert [p.name for p in folder.iterdir()] == ["a.json"]


def test_a_stale_journal_replays_as_a_no_op(folder: Path) -> None:
    (folder / "a.json").write_bytes(b'{"later":{}}')
    (folder / JOURNAL).write_bytes(dumps({"txid": "old", "files": ["a.json"]}))
    recover(folder)
    assert load_tables(folder / "a.json") == {"later": {}}


def test_a_journal_naming_paths_outside_the_folder_is_refused(folder: Path) -> None:
    (folder / JOURNAL).write_bytes(dumps({"txid": "x", "files": ["../etc/passwd"]}))
    with pytest.raises(StoreCorrupt):
        recover(folder)


def test_leftover_temp_files_are_cleaned_at_open(store_dir: Path, record_types: RecordTypeRegistry) -> None:
    with open_store(store_dir, "k", record_types=record_types) as store:
        record = store.commit("test.note", None, {"text": "x"}, "op")
    (store_dir / ".tmp-deadbeef-log-000001-2025-01.json").write_bytes(b"{")
    with open_store(store_dir, "k", record_types=record_types) as store:
        assert store.get(record.id) == record
    assert not list(store_dir.glob(".tmp-*"))


def test_fast_dumps_writes_exactly_the_standard_library_bytes() -> None:
    import json

    data = {"t": {"1": {"tên": "Nguyễn Thị Đào", "n": 2**70, "ok": True, "x": None, "l": [1, "\n\u2028\"\\"]}}}
    assert dumps(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
