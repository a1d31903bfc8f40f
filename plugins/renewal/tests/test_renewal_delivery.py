"""The authority's delivery list: row-by-row report, all or nothing unless --skip-invalid."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from helpdesk_renewal import requests
from helpdesk_renewal.delivery import import_delivery
from helpdesk_renewal.due import due
from helpdesk_renewal.model import DELIVERIES
from openpyxl import Workbook
from renewal_kit import form, run

from helpdesk.extension import WorkflowContext

HEADERS = ["STT", "Mã yêu cầu", "Họ và tên", "Số định danh cá nhân", "Số hiệu chứng thư", "Số hiệu thiết bị",
           "Hiệu lực đến", "Kết quả", "Ghi chú"]
TAN_AN = "UBND phường Tân An"


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH CHỨNG THƯ SỐ ĐÃ CẤP"])
    sheet.append([])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _submitted(ctx: WorkflowContext) -> list[dict[str, Any]]:
    rows = requests.add(ctx, [
        requests.build(ctx, "new", "person", form("Nguyễn Thị Ánh Tuyết", "092186001234", TAN_AN)),
        requests.build(ctx, "new", "person", form("Phạm Quốc Việt", "092186004321", TAN_AN)),
        requests.build(ctx, "new", "person", form("Lê Văn Đúng", "092186001111", TAN_AN)),
    ])
    return [requests.set_status(ctx, r["id"], "submitted") for r in rows]


def _snapshot(ctx: WorkflowContext) -> tuple[Any, ...]:
    return (requests.table(ctx).all(), ctx.table(DELIVERIES).all(), len(ctx.store.audit.entries()))


def test_all_good_rows_issue_the_requests_and_feed_the_sweep(ctx: WorkflowContext, tmp_path: Path) -> None:
    a, b, c = _submitted(ctx)
    assert b["status"] == "submitted"
    path = write_xlsx(tmp_path / "ds.xlsx", [
        [1, a["id"], "Nguyễn Thị Ánh Tuyết", "092186001234", "54:03:1F:9A", "TK-1", "20/01/2027", "Đã cấp", ""],
        [2, "", "Phạm Quốc Việt", "092186004321", "54031F9B", "TK-2", "2029-12-31", "", ""],
        [3, "", "Lê Văn Đúng", "092186001111", "", "", "", "Từ chối", "Sai email công vụ"],
    ])
    report = import_delivery(ctx, path)
    assert report.bad == [] and (report.applied, report.updated_requests) == (2, 3)
    stored = {r["id"]: r for r in requests.table(ctx).all()}
    assert stored[a["id"]]["status"] == "issued" and stored[a["id"]]["new_cert_serial"] == "54031F9A"
    assert stored[a["id"]]["token_serial"] == "TK-1"
    assert stored[c["id"]]["status"] == "rejected" and stored[c["id"]]["history"][-1]["note"] == "Sai email công vụ"
    assert [d.cert.cert_serial for d in due(ctx, 60)] == ["54031F9A"]


def test_one_bad_row_changes_nothing_and_every_problem_is_reported_by_line(ctx: WorkflowContext,
                                                                         tmp_path: Path) -> None:
    a, _b, _c = _submitted(ctx)
    path = write_xlsx(tmp_path / "ds.xlsx", [
        [1, a["id"], "Nguyễn Thị Ánh Tuyết", "092186001234", "54031F9A", "TK-1", "20/01/2027", "Đã cấp", ""],
        [2, "", "Phạm Quốc Việt", "9218600432", "XYZ", "TK-2", "31/02/2029", "", ""],
        [3, "ZZZZ", "Lê Văn Đúng", "092186001111", "54031F9C", "", "2029-01-01", "Hoãn", ""],
    ])
    before = _snapshot(ctx)
    report = import_delivery(ctx, path)
    assert [r.line for r in report.bad] == [5, 6]
    assert any("12 digits" in str(p) for p in report.bad[0].problems)
    assert any("not hexadecimal" in str(p) for p in report.bad[0].problems)
    assert any("not a date" in str(p) for p in report.bad[0].problems)
    assert any("no request ZZZZ" in str(p) for p in report.bad[1].problems)
    assert any("outcome" in str(p) for p in report.bad[1].problems)
    assert _snapshot(ctx) == before
    skipped = import_delivery(ctx, path, skip_invalid=True)
    assert (skipped.applied, skipped.updated_requests) == (1, 1)
    assert requests.get(ctx, a["id"])["status"] == "issued"


def test_a_row_for_a_request_that_is_not_submitted_is_refused(ctx: WorkflowContext, tmp_path: Path) -> None:
    row = requests.add(ctx, [requests.build(ctx, "new", "person", form())])[0]
    path = write_csv(tmp_path / "ds.csv", [[1, row["id"], "Nguyễn Thị Ánh Tuyết", "092186001234", "AB", "", "2029-01-01",
                                            "", ""]])
    report = import_delivery(ctx, path)
    assert "is draft, not submitted" in str(report.bad[0].problems[0])


def test_cli_import_xlsx(renewal_plugin: str, tmp_path: Path) -> None:
    for name, national in (("Nguyễn Thị Ánh Tuyết", "092186001234"), ("Phạm Quốc Việt", "092186004321")):
        added = run("renewal", "request", "add", "--type", "new", "--name", name, "--position", "Chủ tịch", "--unit",
                    TAN_AN, "--national-id", national, "--email", f"u{national[-4:]}@cantho.gov.vn")
        assert added.exit_code == 0, added.stderr
    export = run("renewal", "export", "--type", "new", "--pdf", str(tmp_path / "a.pdf"), "--xlsx",
                 str(tmp_path / "a.xlsx"))
    assert export.exit_code == 0, export.stderr
    bad = write_csv(tmp_path / "bad.csv", [[1, "", "Nguyễn Thị Ánh Tuyết", "092186001234", "AB01", "", "2029-01-01", "",
                                            ""], [2, "", "Phạm Quốc Việt", "123", "AB02", "", "2029-01-01", "", ""]])
    refused = run("renewal", "import", str(bad))
    assert refused.exit_code == 1 and "Dòng 3: số định danh cá nhân '123' phải gồm 12 chữ số" in refused.stderr
    good = write_csv(tmp_path / "good.csv", [[1, "", "Nguyễn Thị Ánh Tuyết", "092186001234", "AB01", "", "2029-01-01",
                                              "", ""], [2, "", "Phạm Quốc Việt", "092186004321", "AB02", "",
                                                        "2029-01-01", "", ""]])
    done = run("renewal", "import", str(good))
    assert done.exit_code == 0, done.stderr
    issued = run("renewal", "request", "list", "--status", "issued")
    assert issued.stdout.count("đã cấp") == 2
