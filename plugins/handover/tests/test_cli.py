"""``helpdesk roster import`` and ``helpdesk handover list|export|reprint|void`` (plus the core's
``subscriber search`` on imported rows)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from handover_kit import OPERATOR, nfd, roster_row, sample_draft, write_csv
from helpdesk_handover.record import Giver, commit_handovers

from helpdesk.extension import command_context
from helpdesk.testing.cups import PdfPrinter
from helpdesk.testing.kit import Settings, cli, load_settings, open_store


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _plugin(handover_plugin: str) -> None:
    pass


def good_roster(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "ds.csv", [
        roster_row(nfd("Nguyễn Thị Ánh Tuyết"), "092186001234", "UBND phường Tân An", "TK-1"),
        roster_row("Phạm Quốc Việt", "092186004321", "Sở Nội vụ", "TK-2"),
    ], delimiter=";", bom=True)


def test_hook_register_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "roster" in out and "handover" in out
    assert run("roster", "--help")[0] == 0 and run("handover", "--help")[0] == 0


def test_roster_import_then_subscriber_search(tmp_path: Path) -> None:
    code, out, _ = run("roster", "import", str(good_roster(tmp_path)))
    assert code == 0 and "2 dòng hợp lệ" in out and "đã nhập 2 dòng" in out
    code, out, _ = run("subscriber", "search", "nguyen thi anh", "--json")
    assert code == 0 and json.loads(out.splitlines()[0])["full_name"] == "Nguyễn Thị Ánh Tuyết"
    code, out, _ = run("subscriber", "search", "TK-2")
    assert code == 0 and "Phạm Quốc Việt" in out


def test_roster_import_refuses_a_bad_file_and_skip_invalid_imports_the_rest(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [roster_row("Lê Văn Đúng", "092186001111"),
                                           roster_row("Lê Văn Sai", "12345")])
    code, out, err = run("roster", "import", str(path))
    assert code == 1 and "Dòng 3: Số định danh '12345' phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)" in err
    assert "Chưa nhập dòng nào" in err
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        assert len(store.subscribers) == 0
    code, out, _ = run("roster", "import", str(path), "--skip-invalid", "--json")
    report = json.loads(out)
    assert code == 0 and report["imported"] == 1 and [p["row"] for p in report["problems"]] == [3]


def test_roster_import_with_a_column_mapping(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["Lê Văn Ánh", "092186001111", "Sở Tài chính"]],
                     headers=["Tên người dùng", "Số CMT", "Nơi làm việc"])
    code, _, err = run("roster", "import", str(path))
    assert code == 2 and "Không tìm thấy dòng tiêu đề" in err
    code, out, _ = run("roster", "import", str(path), "--mapping", "full_name=Tên người dùng,national_id=Số CMT",
                       "--mapping", "unit=Nơi làm việc")
    assert code == 0 and "đã nhập 1 dòng" in out


def committed(n: int = 2) -> list[str]:
    with command_context(OPERATOR.id) as ctx:
        giver = Giver.from_settings(ctx.settings, OPERATOR.id, OPERATOR.name)
        return [commit_handovers(ctx, [sample_draft(ctx.store, i)], giver)[0].id for i in range(1, n + 1)]


def test_handover_list_export_and_void(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ids = committed()
    code, out, _ = run("handover", "list", "--today")
    assert code == 0 and "1/BB-SNV" in out and "2/BB-SNV" in out
    code, out, _ = run("handover", "list", "--search", "so b")  # "Nguyễn Văn Số B", accents ignored
    assert code == 0 and "2/BB-SNV" in out and "1/BB-SNV" not in out
    code, out, _ = run("handover", "void", ids[0], "--reason", "Nhầm thiết bị")
    assert code == 0 and "đã được hủy" in out
    code, out, _ = run("handover", "void", ids[0], "--reason", "lần nữa")
    assert code == 2
    xlsx = tmp_path / "out" / "ban-giao.xlsx"
    code, out, _ = run("handover", "export", str(xlsx), "--unit", "so noi vu", "--from", "01/01/2000",
                       "--include-voided")
    assert code == 0 and "Đã ghi 2 biên bản" in out
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["1/BB-SNV", "2/BB-SNV"] and rows[1][12] == "đã hủy"
    code, out, _ = run("handover", "export", str(xlsx), "--unit", "UBND phường Tân An")
    assert code == 0 and "Đã ghi 0 biên bản" in out
    code, _, err = run("handover", "list", "--from", "31/02/2026")
    assert code == 2 and "không phải là ngày" in err


@pytest.mark.cups
def test_handover_reprint(cups_printer: PdfPrinter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_PRINTER", cups_printer.name)
    [record_id] = committed(1)
    code, out, _ = run("handover", "reprint", record_id, "--copies", "1")
    assert code == 0 and "Đã lưu trữ" in out and "Đã gửi tới máy in" in out
    with cups_printer.switched_off():
        code, out, err = run("handover", "reprint", record_id)
    assert code == 2 and "Máy in" in err and "Đã lưu trữ" in out
    code, _, err = run("handover", "reprint", "no-such-record")
    assert code == 3 and "Không có biên bản bàn giao" in err


def settings_with(printer: str) -> Settings:
    return dataclasses.replace(load_settings(), printer=printer)
