"""``helpdesk handover import-paper``: past paper handovers (2017–2020) -> ``handover`` records
marked as transcribed from paper, with their paper numbers and days, all or nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from handover_kit import HEADERS, roster_row, write_csv, write_xlsx
from helpdesk_handover.checks import RECORD_TYPE
from helpdesk_handover.record import paper_payload, validate_payload

from helpdesk.testing.kit import cli, load_settings, open_store

PAPER_HEADERS = [*HEADERS, "Ngày bàn giao", "Số biên bản"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _plugin(handover_plugin: str) -> None:
    pass


def paper_row(name: str, national_id: str, day: Any, number: Any, unit: str = "Sở Nội vụ",
              token: str | None = None) -> list[Any]:
    return [*roster_row(name, national_id, unit, token), day, number]


def good_rows() -> list[list[Any]]:
    return [
        paper_row("Nguyễn Thị Ánh Tuyết", "092186001234", "15/03/2018", "12/BB-SNV", "UBND phường Tân An", "TK-1"),
        paper_row("Phạm Quốc Việt", "092186004321", "02/11/2019", "7/BB-SNV", "Sở Nội vụ", "TK-2"),
        paper_row("Trần Văn Bình", "092186005555", "20/06/2017", "12 / BB-SNV", "Sở Nội vụ", None),
    ]


def handover_records() -> list[Any]:
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        return list(store.records(type=RECORD_TYPE))


def import_json(path: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run("handover", "import-paper", str(path), "--json", *extra)
    return code, json.loads(out), err


def test_a_good_file_imports_paper_records_listed_with_their_numbers_and_days(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bien-ban-2017-2019.xlsx", good_rows(), PAPER_HEADERS)
    code, report, _ = import_json(path, "--operator", "admin")
    assert code == 0 and report["imported"] == 3 and report["problems"] == [] and not report["refused"]
    assert report["subscribers_created"] == 3 and report["units_created"] == ["UBND phường Tân An", "Sở Nội vụ"]

    code, out, _ = run("handover", "list", "--json")
    assert code == 0 and len(out.splitlines()) == 3  # "12/BB-SNV" twice: of 2017 and of 2018 (yearly numbers)
    payloads = sorted((json.loads(line)["payload"] for line in out.splitlines()), key=lambda p: p["date"])
    assert [(p["source"], p["date"], p["year"], p["number"], p["seq"]) for p in payloads] == [
        ("paper", "2017-06-20", 2017, "12/BB-SNV", 12), ("paper", "2018-03-15", 2018, "12/BB-SNV", 12),
        ("paper", "2019-11-02", 2019, "7/BB-SNV", 7)]
    assert payloads[1]["holder"]["name"] == "Nguyễn Thị Ánh Tuyết" and payloads[1]["device"]["serial"] == "TK-1"
    assert all(p["paper"]["transcribed_by"] == "admin" and p["identity"] == "paper" for p in payloads)

    code, out, _ = run("handover", "list", "--search", "7/BB-SNV")
    assert code == 0 and "02/11/2019" in out and "Phạm Quốc Việt" in out and "biên bản giấy" in out
    code, out, _ = run("handover", "list", "--from", "01/01/2018", "--to", "31/12/2018", "--json")
    assert [json.loads(line)["payload"]["date"] for line in out.splitlines()] == ["2018-03-15"]

    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        history = store.history(token_serial="TK-1")
        assert [(r.type, r.payload["number"]) for r in history] == [(RECORD_TYPE, "12/BB-SNV")]
        holder = store.subscribers.by_national_id("092186001234")[0]
        assert history[0].subject.subscriber_id == holder.id == history[0].payload["holder"]["subscriber_id"]


def test_the_records_land_in_the_outbox_so_sync_sends_them(tmp_path: Path) -> None:
    code, report, _ = import_json(write_csv(tmp_path / "giay.csv", good_rows(), PAPER_HEADERS))
    assert code == 0
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        pending = {e.record_id for e in store.outbox.pending(1000) if e.type == RECORD_TYPE}
    assert pending == set(report["records"]) and len(pending) == 3


def test_a_bad_row_refuses_the_whole_file_with_reasons_in_vietnamese(tmp_path: Path) -> None:
    rows = [*good_rows(),
            paper_row("Lê Văn Sai Ngày", "092186006666", "31/02/2018", "9/BB-SNV"),
            paper_row("Lê Văn Sai Số", "092186007777", "01/02/2018", "BB-SNV"),
            paper_row("Lê Văn Trùng", "092186008888", "01/03/2018", "12/BB-SNV"),
            paper_row("Lê Văn Thiếu", "092186009999", "", ""),
            paper_row("Lê Văn Sai 2", "12345", "01/02/2018", "30/BB-SNV")]
    path = write_csv(tmp_path / "bad.csv", rows, PAPER_HEADERS)
    code, out, err = run("handover", "import-paper", str(path))
    assert code == 1
    assert "Dòng 5: Ngày bàn giao '31/02/2018' không phải là ngày (DD/MM/YYYY)" in err
    assert "Dòng 6: Số biên bản 'BB-SNV' không đúng dạng số biên bản (ví dụ 12/BB-SNV)" in err
    assert "Dòng 7: Số biên bản 12/BB-SNV năm 2018 đã có ở dòng 2" in err
    assert "Dòng 8: Ngày bàn giao để trống" in err and "Dòng 8: Số biên bản để trống" in err
    assert "Dòng 9: Số định danh '12345' phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)" in err
    assert "Dòng 9: Họ và tên 'Lê Văn Sai 2' có chữ số" in err
    assert "Chưa nhập dòng nào" in err and "đã nhập 0 biên bản giấy" in out
    assert handover_records() == []
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        assert len(store.subscribers) == 0 and len(store.units) == 0


def test_skip_invalid_imports_the_good_rows(tmp_path: Path) -> None:
    rows = [*good_rows(), paper_row("Lê Văn Sai Ngày", "092186006666", "01/01/1999", "9/BB-SNV")]
    code, report, _ = import_json(write_xlsx(tmp_path / "bad.xlsx", rows, PAPER_HEADERS), "--skip-invalid")
    assert code == 0 and report["imported"] == 3 and report["valid"] == 3
    assert [(p["row"], p["code"]) for p in report["problems"]] == [(7, "paper_date_range")]  # title + blank + header
    assert sorted(r.payload["date"] for r in handover_records()) == ["2017-06-20", "2018-03-15", "2019-11-02"]


def test_importing_the_same_file_twice_refuses_the_duplicates(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "giay.csv", good_rows(), PAPER_HEADERS)
    assert import_json(path)[0] == 0
    code, report, _ = import_json(path)
    assert code == 1 and report["refused"] and report["imported"] == 0
    assert [(p["row"], p["code"]) for p in report["problems"]] == [
        (2, "paper_number_in_store"), (3, "paper_number_in_store"), (4, "paper_number_in_store")]
    assert "Số biên bản 12/BB-SNV năm 2018 đã được nhập trước đây" in report["problems"][0]["message"]
    code, report, _ = import_json(path, "--skip-invalid")
    assert code == 0 and report["imported"] == 0
    assert len(handover_records()) == 3


def test_rows_sharing_a_number_and_a_day_are_one_paper_with_several_tokens(tmp_path: Path) -> None:
    """A unit's tokens handed over on one record: one number, one day, a batch of records."""
    rows = [paper_row("Nguyễn Thị Ánh Tuyết", "092186001234", "15/03/2018", "12/BB-SNV", "UBND phường Tân An", "TK-1"),
            paper_row("Phạm Quốc Việt", "092186004321", "02/11/2019", "7/BB-SNV", "Sở Nội vụ", "TK-2"),
            paper_row("Lê Hoàng Đức", "092186005555", "15/03/2018", "12/BB-SNV", "UBND phường Tân An", "TK-3"),
            paper_row("Võ Thị Hồng Nhung", "092186006666", "15/03/2018", "12 / BB-SNV", "UBND phường Tân An", "TK-4")]
    code, report, _ = import_json(write_xlsx(tmp_path / "bien-ban.xlsx", rows, PAPER_HEADERS))
    assert code == 0 and report["imported"] == 4 and report["problems"] == []
    by_name = {r.payload["holder"]["name"]: r.payload for r in handover_records()}
    paper = [by_name[n] for n in ("Nguyễn Thị Ánh Tuyết", "Lê Hoàng Đức", "Võ Thị Hồng Nhung")]
    assert {p["number"] for p in paper} == {"12/BB-SNV"} and {p["date"] for p in paper} == {"2018-03-15"}
    assert len({p["batch"]["id"] for p in paper}) == 1
    assert [(p["batch"]["index"], p["batch"]["size"]) for p in paper] == [(1, 3), (2, 3), (3, 3)]
    assert [p["device"]["serial"] for p in paper] == ["TK-1", "TK-3", "TK-4"]
    assert by_name["Phạm Quốc Việt"]["batch"] is None  # a paper of its own

    again = [paper_row("Trần Văn Bình", "092186007777", "15/03/2018", "12/BB-SNV", "UBND phường Tân An", "TK-5")]
    code, report, _ = import_json(write_csv(tmp_path / "sau.csv", again, PAPER_HEADERS))
    assert code == 1 and [p["code"] for p in report["problems"]] == ["paper_number_in_store"]  # no adding to it later
    assert len(handover_records()) == 4


def test_holders_already_on_the_roster_are_matched_not_added(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "ds.csv", [roster_row("Phạm Quốc Việt", "092186004321", "Sở Nội vụ", "TK-2")])
    assert run("roster", "import", str(roster))[0] == 0
    code, report, _ = import_json(write_csv(tmp_path / "giay.csv", good_rows(), PAPER_HEADERS))
    assert code == 0 and report["subscribers_created"] == 2 and report["units_created"] == ["UBND phường Tân An"]
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        assert len(store.subscribers) == 3
        owner = store.subscribers.by_national_id("092186004321")[0]
        viet = [r for r in store.records(type=RECORD_TYPE) if r.payload["number"] == "7/BB-SNV"]
        assert viet[0].payload["holder"]["subscriber_id"] == owner.id


def test_a_token_the_roster_gives_someone_else_is_a_bad_row(tmp_path: Path) -> None:
    roster = write_csv(tmp_path / "ds.csv", [roster_row("Đỗ Thị Khác", "092186000001", "Sở Nội vụ", "TK-1")])
    assert run("roster", "import", str(roster))[0] == 0
    code, report, _ = import_json(write_csv(tmp_path / "giay.csv", good_rows(), PAPER_HEADERS))
    assert code == 1 and [(p["row"], p["code"]) for p in report["problems"]] == [(2, "token_in_store")]


def test_a_file_without_the_paper_columns_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", [roster_row("Phạm Quốc Việt", "092186004321")])
    result = CliRunner().invoke(cli, ["handover", "import-paper", str(path)])
    assert result.exit_code != 0 and "Ngày bàn giao, Số biên bản" in result.output + result.stderr
    assert handover_records() == []


def test_the_validator_takes_paper_records_explicitly_and_still_refuses_thin_live_ones() -> None:
    holder = {"subscriber_id": "s-1", "name": "Phạm Quốc Việt", "national_id": "092186004321"}
    paper = paper_payload(number="7/BB-SNV", day=date(2019, 11, 2), holder=holder,
                          device_serial="", cert_serial="", transcribed_by="admin", source_file="f.csv", row=2)
    assert validate_payload(paper) == []
    assert "paper.transcribed_by is required" in validate_payload({**paper, "paper": {}})
    assert "number '7/BB-SNV' does not match seq 8" in validate_payload({**paper, "seq": 8})
    live = {**paper, "source": None}  # the same thin payload as a live handover: refused
    assert "certificate.serial is required" in validate_payload(live)
    assert any("unknown source" in p for p in validate_payload({**paper, "source": "fax"}))


def test_a_paper_record_is_not_reprinted(tmp_path: Path) -> None:
    code, report, _ = import_json(write_csv(tmp_path / "giay.csv", good_rows(), PAPER_HEADERS))
    assert code == 0
    result = CliRunner().invoke(cli, ["handover", "reprint", report["records"][0]])
    assert result.exit_code != 0
    assert "được nhập lại từ biên bản giấy: không có bản in của máy để in lại" in result.output + result.stderr
