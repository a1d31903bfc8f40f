"""Audit chain: `helpdesk audit verify` catches edits, deletions, reordering, truncation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import cli
from helpdesk.config import load_settings
from helpdesk.store import open_store, verify_dir
from helpdesk.store.audit import GENESIS, chain_hash
from helpdesk.store.storage import dumps
from helpdesk.testing.fixtures_store import make_record_types


@pytest.fixture
def data_dir(helpdesk_home: Path) -> Path:
    """The CLI's store (HELPDESK_HOME/data): m001 + 8 records = 9 entries, one segment."""
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, record_types=make_record_types()) as store:
        for i in range(8):
            store.commit("test.note", {"token_serial": f"TK{i}"}, {"text": f"Bàn giao {i}"}, "Phạm Văn Đức")
    return settings.data_dir


def segment(data_dir: Path) -> Path:
    (path,) = data_dir.glob("log-*.json")
    return path


def load(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text("utf-8"))


def save(path: Path, data: dict) -> None:  # type: ignore[type-arg]
    path.write_bytes(dumps(data))


def run_verify(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--lang", "en", "audit", "verify", *args])
    return result.exit_code, result.output


def test_untouched_log_verifies(data_dir: Path) -> None:
    code, out = run_verify()
    assert code == 0, out
    assert "9 entries" in out
    code, out = run_verify("--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_vietnamese_output_by_default(data_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0
    assert "Nhật ký kiểm toán nguyên vẹn" in result.output


def test_edited_byte_in_an_audit_entry(data_dir: Path) -> None:
    path = segment(data_dir)
    raw = path.read_bytes()
    entry4 = raw.index(dumps(load(path)["audit"]["4"]))  # the entry's exact bytes in the file
    at = raw.index("Phạm".encode(), entry4)
    path.write_bytes(raw[:at] + b"T" + raw[at + 1 :])  # one byte: "Phạm" -> "Thạm", still valid JSON
    code, out = run_verify()
    assert code == 1
    assert "entry #4" in out and "altered" in out


def test_edited_record_payload(data_dir: Path) -> None:
    path = segment(data_dir)
    data = load(path)
    data["records"]["3"]["payload"]["text"] = "Bàn giao 99"
    save(path, data)
    code, out = run_verify()
    assert code == 1
    assert "entry #4" in out and "altered" in out  # record 3 is audit entry 4 (after m001)


def test_deleted_entry(data_dir: Path) -> None:
    path = segment(data_dir)
    data = load(path)
    del data["audit"]["6"]
    save(path, data)
    code, out = run_verify()
    assert code == 1
    assert "entry #6 is missing" in out


def test_reordered_entries(data_dir: Path) -> None:
    path = segment(data_dir)
    data = load(path)
    audit = data["audit"]
    items = list(audit.items())
    items[4], items[5] = items[5], items[4]  # entries 5 and 6 swap places (keys too)
    data["audit"] = dict(items)
    save(path, data)
    code, out = run_verify()
    assert code == 1
    assert "entry #5 is out of order" in out


def test_reordered_entries_rehashed_still_fail(data_dir: Path) -> None:
    """Swap two entries and renumber them: the chain itself no longer links."""
    path = segment(data_dir)
    data = load(path)
    audit = data["audit"]
    a, b = audit["5"], audit["6"]
    a["seq"], b["seq"] = 6, 5
    audit["5"], audit["6"] = b, a
    save(path, data)
    code, out = run_verify()
    assert code == 1
    assert "entry #5" in out


def test_truncated_tail_is_caught_against_the_head(data_dir: Path) -> None:
    path = segment(data_dir)
    data = load(path)
    for key in ("8", "9"):
        record_id = data["audit"][key]["ref"]
        del data["audit"][key]
        data["records"] = {k: r for k, r in data["records"].items() if r["id"] != record_id}
        data["outbox"] = {k: o for k, o in data["outbox"].items() if o["record_id"] != record_id}
    save(path, data)  # a consistent, shorter log: only the head knows
    code, out = run_verify()
    assert code == 1
    assert "entry #8 is missing" in out and "truncated" in out


def test_truncated_file_bytes(data_dir: Path) -> None:
    path = segment(data_dir)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    code, out = run_verify()
    assert code == 1
    assert "entry #1" in out and "cannot be read" in out


def test_rewritten_chain_without_the_head_fails(data_dir: Path) -> None:
    """Editing an entry and re-hashing every later one still leaves the head behind."""
    path = segment(data_dir)
    data = load(path)
    prev = GENESIS
    for key in sorted(data["audit"], key=int):
        entry = data["audit"][key]
        if entry["seq"] == 3:
            entry["operator"] = "someone else"
        entry["prev"] = prev
        entry["hash"] = prev = chain_hash(prev, {k: v for k, v in entry.items() if k != "hash"})
    save(path, data)
    code, out = run_verify()
    assert code == 1
    assert "entry #9 does not match the head" in out


def test_injected_record_without_audit_entry(data_dir: Path) -> None:
    path = segment(data_dir)
    data = load(path)
    extra = dict(data["records"]["1"], id="11111111-1111-1111-1111-111111111111")
    data["records"]["99"] = extra
    save(path, data)
    code, out = run_verify()
    assert code == 1
    assert "no audit entry" in out


def test_missing_head_file(data_dir: Path) -> None:
    (data_dir / "head.json").unlink()
    code, out = run_verify()
    assert code == 1 and "head" in out


def test_opening_a_truncated_store_refuses_to_append(data_dir: Path) -> None:
    from helpdesk.store import StoreCorrupt

    path = segment(data_dir)
    data = load(path)
    del data["audit"]["9"]
    save(path, data)
    with pytest.raises(StoreCorrupt):
        open_store(data_dir, "kiosk-01", record_types=make_record_types())


def test_verify_while_the_kiosk_holds_the_store(data_dir: Path) -> None:
    with open_store(data_dir, "kiosk-01", record_types=make_record_types()) as store:
        store.commit("test.note", None, {"text": "x"}, "op")
        code, out = run_verify()
        assert code == 0, out
        assert "10 entries" in out


def test_verify_dir_reports_the_first_problem_only(data_dir: Path) -> None:
    path = segment(data_dir)
    data = load(path)
    data["audit"]["3"]["time"] = "2020-01-01T00:00:00.000000Z"
    data["audit"]["7"]["operator"] = "x"
    save(path, data)
    result = verify_dir(data_dir)
    assert not result.ok and result.problem is not None and result.problem.seq == 3


def test_show_lists_entries_and_filters_by_time(data_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["audit", "show", "--json"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, 10))
    assert lines[1]["operator"] == "Phạm Văn Đức"
    result = runner.invoke(cli, ["audit", "show", "--since", "2999-01-01"])
    assert result.exit_code == 0 and "Không có" in result.output
    result = runner.invoke(cli, ["audit", "show", "--limit", "2"])
    assert result.exit_code == 0 and len(result.output.splitlines()) == 2 and "#9" in result.output
    result = runner.invoke(cli, ["audit", "show", "--since", "not-a-date"])
    assert result.exit_code == 2
