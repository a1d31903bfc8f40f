"""Per-unit lists for the authority: numbered covering letter + list as PDF (checked with
pdftotext) and .xlsx (read back with openpyxl); exporting marks the requests submitted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpdesk_renewal import requests
from helpdesk_renewal.lists import MAU_01, MAU_04, MAU_05, REQUEST_ID_COLUMN, export
from helpdesk_renewal.model import RenewalError
from openpyxl import load_workbook
from renewal_kit import form, run, run_json

from helpdesk.extension import WorkflowContext
from helpdesk.testing.pdftools import pdf_text

TAN_AN, NINH_KIEU = "UBND phường Tân An", "UBND quận Ninh Kiều"


def flat(pdf: bytes) -> str:
    """The PDF's text with table cells' line breaks folded into single spaces."""
    return " ".join(pdf_text(pdf).split())


def _sheet(data: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def _renewals(ctx: WorkflowContext) -> list[dict[str, object]]:
    rows = [
        requests.build(ctx, "renew", "person", form("Nguyễn Thị Ánh Tuyết", "092186001234", TAN_AN,
                                                    cert_serial="1001"), "expiring"),
        requests.build(ctx, "renew", "person", form("Phạm Quốc Việt", "092186004321", TAN_AN,
                                                    cert_serial="1002", new_info="Chức vụ: Phó Chủ tịch"), "expiring"),
        requests.build(ctx, "renew", "person", form("Lê Văn Đúng", "092186001111", NINH_KIEU, cert_serial="1003"),
                       "expiring"),
    ]
    return requests.add(ctx, rows)


def test_export_one_unit_numbers_the_letter_and_marks_only_its_requests_submitted(ctx: WorkflowContext) -> None:
    saved = _renewals(ctx)
    done = export(ctx, "renew", TAN_AN)
    assert done.count == 2 and done.record.payload["number"] == "1/CV-SNV"
    text = flat(done.pdf)
    assert "Số: 1/CV-SNV" in text and "V/v đề nghị gia hạn chứng thư chữ ký số" in text
    assert "Kính gửi: Cục Chứng thực số và Bảo mật thông tin" in text
    assert "DANH SÁCH THUÊ BAO ĐỀ NGHỊ GIA HẠN CHỨNG THƯ SỐ" in text
    assert "Nguyễn Thị Ánh Tuyết" in text and "Phạm Quốc Việt" in text and "Lê Văn Đúng" not in text
    assert "Kèm theo Công văn số 1/CV-SNV" in text
    rows = _sheet(done.xlsx)
    assert rows[0][0] == "DANH SÁCH THUÊ BAO ĐỀ NGHỊ GIA HẠN CHỨNG THƯ SỐ"
    assert rows[3] == [*MAU_04, REQUEST_ID_COLUMN]
    assert rows[4][:4] == ["1", "Nguyễn Thị Ánh Tuyết", "1001", "u1234@cantho.gov.vn"]
    assert rows[5][4:7] == ["Có", "Chức vụ: Phó Chủ tịch", "Gia hạn, thay đổi thông tin"]
    assert {rows[4][7], rows[5][7]} == {saved[0]["id"], saved[1]["id"]}
    status = {r["id"]: (r["status"], r["list_number"]) for r in requests.table(ctx).all()}
    assert status[saved[0]["id"]] == status[saved[1]["id"]] == ("submitted", "1/CV-SNV")
    assert status[saved[2]["id"]] == ("draft", "")
    # the rest of the department next: number 2; then nothing is left to list
    assert export(ctx, "renew").record.payload["number"] == "2/CV-SNV"
    with pytest.raises(RenewalError, match="No draft"):
        export(ctx, "renew")
    assert ctx.store.numbers.last("CV", ctx.now().year) == 2


def test_new_and_revoke_lists_use_mau_01_and_mau_05(ctx: WorkflowContext) -> None:
    requests.add(ctx, [
        requests.build(ctx, "new", "person", form("Trần Thị Hạnh", "092186002222", TAN_AN)),
        requests.build(ctx, "revoke", "person", form("Võ Minh Khánh", "092186003333", NINH_KIEU, cert_serial="ABCD",
                                                     token_serial="TK-9"), "left_post"),
    ])
    new = export(ctx, "new")
    rows = _sheet(new.xlsx)
    assert rows[3] == [*MAU_01, REQUEST_ID_COLUMN]
    assert rows[4][1:8] == ["Trần Thị Hạnh", "12/05/1980", "092186002222", "u2222@cantho.gov.vn", TAN_AN, "Cần Thơ",
                            "Chủ tịch"]
    revoke = export(ctx, "revoke")
    rows = _sheet(revoke.xlsx)
    assert rows[3] == [*MAU_05, REQUEST_ID_COLUMN]
    assert rows[4][6:9] == ["ABCD", "TK-9", "nghỉ việc, thôi giữ chức vụ"]
    text = flat(revoke.pdf)
    assert "DANH SÁCH THUÊ BAO ĐỀ NGHỊ THU HỒI CHỨNG THƯ SỐ" in text and "Võ Minh Khánh" in text
    assert "Lý do thu hồi" in text


def test_cli_export_writes_both_files_and_marks_submitted(renewal_plugin: str, tmp_path: Path) -> None:
    for name, national in (("Nguyễn Thị Ánh Tuyết", "092186001234"), ("Phạm Quốc Việt", "092186004321")):
        run_json("renewal", "request", "add", "--type", "renew", "--name", name, "--position", "Chủ tịch",
                 "--unit", TAN_AN, "--national-id", national, "--email", f"u{national[-4:]}@cantho.gov.vn",
                 "--cert", national[-4:])
    pdf, xlsx = tmp_path / "cv.pdf", tmp_path / "ds.xlsx"
    done = run("renewal", "export", "--type", "renew", "--unit", TAN_AN, "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert done.exit_code == 0, done.stderr
    assert "1/CV-SNV" in done.stdout
    assert "Phạm Quốc Việt" in flat(pdf.read_bytes())
    assert len(_sheet(xlsx.read_bytes())) == 6
    listed = run_json("renewal", "request", "list", "--status", "submitted")["requests"]
    assert len(listed) == 2 and {r["list_number"] for r in listed} == {"1/CV-SNV"}
    again = run("renewal", "export", "--type", "renew", "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert again.exit_code == 2 and again.stderr.strip()


def test_a_list_of_300_requests_keeps_every_name(ctx: WorkflowContext) -> None:
    names = [f"Nguyễn Văn Thử {i:03d}" for i in range(300)]
    requests.add(ctx, [requests.build(ctx, "new", "person", form(name, f"0921860{i:05d}", TAN_AN))
                       for i, name in enumerate(names)])
    done = export(ctx, "new", TAN_AN)
    text = flat(done.pdf)
    missing = [name for name in names if name not in text]
    assert not missing, missing[:3]
    assert len(_sheet(done.xlsx)) == 304
