"""``helpdesk training …`` through the real CLI (click), with the plugin registered."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from training_kit import CODE, PEOPLE, Issued, add_directory, roster_rows, write_xlsx

from helpdesk.testing.kit import cli, load_settings, open_store
from helpdesk.testing.pdftools import pdf_text
from helpdesk.testing.softhsm import SOFTHSM_LIBRARY


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.fixture
def directory(training_plugin: str) -> None:
    settings = load_settings()
    store = open_store(settings.data_dir, settings.kiosk_id)
    try:
        add_directory(store)
    finally:
        store.close()


def add_class(*extra: str) -> Result:
    return run("training", "class", "add", CODE, "--title", "Sử dụng chữ ký số chuyên dùng",
               "--session", "10/05/2018:sáng", "--session", "2018-05-10:chiều", "--venue", "Hội trường Sở Nội vụ",
               "--trainer", "Lê Văn Giảng", "--operator", "tr-lan", *extra)


def test_class_add_list_show(training_plugin: str) -> None:
    created = add_class("--json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["sessions"] == [{"id": "1", "day": "2018-05-10", "part": "sáng"},
                                                       {"id": "2", "day": "2018-05-10", "part": "chiều"}]
    again = add_class()
    assert again.exit_code == 2 and "Đã có lớp mã TH-2018-01" in again.output
    listed = json.loads(run("training", "class", "list", "--json").output)
    assert [(c["code"], c["capacity"], c["roster"]) for c in listed["classes"]] == [(CODE, 30, 0)]
    assert run("training", "class", "list", "--year", "2019", "--json").output.count(CODE) == 0
    missing = run("training", "class", "show", "TH-X")
    assert missing.exit_code == 3 and "Không có lớp tập huấn TH-X" in missing.output


def test_roster_import_checkin_by_serial_sheet_and_stats(
        directory: None, issue: Callable[..., Issued], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_PKCS11_MODULE", SOFTHSM_LIBRARY)
    assert add_class().exit_code == 0
    bad = write_xlsx(tmp_path / "bad.xlsx", [*roster_rows(PEOPLE[:2]), [3, "Lê Văn 3", "", "Sở Nội vụ", "1", None]])
    refused = run("training", "roster", "import", CODE, str(bad))
    assert refused.exit_code == 2
    assert "Dòng 6: Họ và tên 'Lê Văn 3' có chứa chữ số" in refused.output
    assert "chưa nhập dòng nào" in refused.output
    good = run("training", "roster", "import", CODE, str(write_xlsx(tmp_path / "lop.xlsx", roster_rows(PEOPLE[:3]))),
               "--json")
    assert good.exit_code == 0, good.output
    assert json.loads(good.output)["added"] == 3

    who = issue(*PEOPLE[1][:2], pin="975310")  # found through the certificate's ID number
    checked = run("training", "checkin", CODE, "--serial", who.serial, "--session", "1", "--json")
    assert checked.exit_code == 0, checked.output
    entry = json.loads(checked.output)["entry"]
    assert (entry["full_name"], entry["method"], entry["token_serial"]) == ("Phạm Quốc Việt", "token", who.serial)
    proved = run("training", "checkin", CODE, "--serial", who.serial, "--session", "2", "--pin-proof",
                 "--pin-stdin", input="975310\n")
    assert proved.exit_code == 0, proved.output
    assert "Đã điểm danh Phạm Quốc Việt lúc" in proved.output and "có xác thực PIN" in proved.output
    twice = run("training", "checkin", CODE, "--serial", who.serial, "--session", "2")
    assert "đã điểm danh lúc" in twice.output and "không thay đổi gì" in twice.output
    nobody = run("training", "checkin", CODE, "--serial", "NO-SUCH-TOKEN")
    assert nobody.exit_code == 3

    pdf, xlsx = tmp_path / "out" / "ds.pdf", tmp_path / "out" / "ds.xlsx"
    made = run("training", "sheet", CODE, "--kind", "attendance", "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert made.exit_code == 0, made.output
    assert "1/DS-SNV" in made.output
    text = " ".join(pdf_text(pdf).split())
    assert "Phạm Quốc Việt" in text and "Đã xác thực" in text and f"B1 {entry['at'][11:16]}" in text
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    assert [r[1] for r in sheet.iter_rows(min_row=6, values_only=True)] == ["Phạm Quốc Việt"]

    stats: dict[str, Any] = json.loads(run("training", "stats", "--json").output)
    y2018 = next(y for y in stats["years"] if y["year"] == 2018)
    assert (y2018["plan"], y2018["classes"], y2018["held"], y2018["trainees"], y2018["checkins"]) == (36, 1, 1, 1, 2)
    assert y2018["attendance_rate"] == round(100 * 2 / (3 * 2), 1)
    assert stats["budget"]["cost_per_class"] == 7_440_000 and stats["budget"]["plan_cost"] == 699_360_000
    assert stats["total"]["plan"] == 94
    table = run("training", "stats", "--year", "2018").output
    assert "2018\t36\t1\t1\t33.3%\t7.440.000" in table
    assert "Kinh phí một lớp 30 học viên: 7.440.000 đồng; kế hoạch: 94 lớp, 699.360.000 đồng" in table


def test_hook_register_reports(directory: None) -> None:
    """The training section reaches the core's report command (``report sections --run``)."""
    assert add_class().exit_code == 0
    listed = run("report", "sections", "--json")
    assert any(s["id"] == "training" and s["plugin"] == "training" for s in json.loads(listed.output)["sections"])
    rows = json.loads(run("report", "sections", "--run", "training", "--period", "2018", "--json").output)["rows"]
    assert [(r["metric"], r["value"], r["plan"]) for r in rows] == [
        ("training.classes", 0, 36), ("training.trainees", 0, None), ("training.attendance_rate", 0.0, None),
        ("training.cost", 0, 36 * 7_440_000)]
    quarter = json.loads(run("report", "sections", "--run", "training", "--period", "2018Q2", "--json").output)
    assert quarter["rows"][0]["plan"] is None


def test_roster_pick_by_unit_show_and_blank_sheet(directory: None, tmp_path: Path) -> None:
    assert add_class("--capacity", "1").exit_code == 0
    picked = run("training", "roster", "pick", CODE, "--unit", "stp")
    assert picked.exit_code == 0, picked.output
    assert "Lớp TH-2018-01: thêm 2 học viên" in picked.output
    assert "Lưu ý: Lớp TH-2018-01 vượt sĩ số: 2 học viên cho 1 chỗ" in picked.output
    assert run("training", "roster", "pick", CODE, "--unit", "nope").exit_code == 2
    shown = run("training", "class", "show", CODE).output
    assert "Danh sách học viên (2):" in shown and "Võ Thị Hồng Nhung" in shown and "Điểm danh (0):" in shown
    blank = run("training", "sheet", CODE, "--kind", "blank", "--pdf", str(tmp_path / "blank.pdf"))
    assert blank.exit_code == 0, blank.output
    text = " ".join(pdf_text(tmp_path / "blank.pdf").split())
    assert "DANH SÁCH KÝ TÊN HỌC VIÊN LỚP TẬP HUẤN" in text and "Trương Minh Khôi" in text
    empty = run("training", "sheet", CODE, "--kind", "attendance", "--pdf", str(tmp_path / "ds.pdf"))
    assert empty.exit_code == 2 and not (tmp_path / "ds.pdf").exists()
