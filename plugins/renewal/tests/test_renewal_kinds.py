"""Certificates for persons, organisations and devices: each kind's form data validated,
new and re-issue lists drawn in the kind's own form (Mẫu 01, 02, 03), revocations (Mẫu 05)
naming a person by citizen ID and an organisation by its tax and budget relation codes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from helpdesk_renewal import requests
from helpdesk_renewal.delivery import import_delivery
from helpdesk_renewal.lists import (
    FORM_01,
    FORM_02,
    FORM_03,
    MAU_01,
    MAU_02,
    MAU_03,
    MAU_05,
    REQUEST_ID_COLUMN,
    export,
)
from helpdesk_renewal.model import DuplicateRequest, RenewalError
from openpyxl import Workbook, load_workbook
from renewal_kit import form, run, run_json

from helpdesk.extension import WorkflowContext
from helpdesk.testing.pdftools import pdf_text

TAN_AN = "UBND phường Tân An"
SO_TAI_CHINH = "Sở Tài chính thành phố Cần Thơ"


def organisation(name: str = SO_TAI_CHINH, **more: Any) -> dict[str, Any]:
    """Mẫu 02's data for one agency: no date of birth, citizen ID or position."""
    return {"name": name, "address": "Số 1 Đại lộ Hòa Bình, phường Tân An", "tax_code": "1800123456",
            "budget_code": "1012345", "province": "Cần Thơ", "email": "stc@cantho.gov.vn", **more}


def device(name: str = "Cổng dịch vụ công tỉnh", **more: Any) -> dict[str, Any]:
    return {"name": name, "unit": "Văn phòng UBND thành phố", "email": "dvc@cantho.gov.vn", **more}


def flat(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def sheets(data: bytes) -> dict[str, list[list[object]]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def _three_kinds(ctx: WorkflowContext, type_: str = "new") -> list[dict[str, Any]]:
    return requests.add(ctx, [
        requests.build(ctx, type_, "device", device(cert_serial="DE01" if type_ != "new" else ""),
                       "" if type_ == "new" else "lost"),
        requests.build(ctx, type_, "organisation", organisation(cert_serial="0A02" if type_ != "new" else ""),
                       "" if type_ == "new" else "lost"),
        requests.build(ctx, type_, "person", form("Trần Thị Hạnh", "092186002222", TAN_AN,
                                                  cert_serial="C03" if type_ != "new" else ""),
                       "" if type_ == "new" else "lost"),
    ])


def _section(text: str, heading: str, following: str | None) -> str:
    """The PDF text from ``heading`` to ``following`` (the next form's heading)."""
    start = text.index(heading) + len(heading)
    return text[start:text.index(following, start)] if following else text[start:]


def _shows_column(section: str, column: str) -> bool:
    """Every word of a header cell (cells wrap, so lines of neighbouring cells interleave)."""
    words = section.split()
    return all(word in words for word in column.split())


def test_a_new_list_draws_each_kind_in_its_own_form_pdf_and_xlsx(ctx: WorkflowContext) -> None:
    device_row, org_row, person_row = _three_kinds(ctx)
    done = export(ctx, "new")
    assert done.count == 3
    text = flat(done.pdf)
    assert "theo danh sách kèm theo (Mẫu 01, Mẫu 02, Mẫu 03, Phụ lục Nghị định" in text
    person = _section(text, FORM_01.heading, FORM_02.heading)
    org = _section(text, FORM_02.heading, FORM_03.heading)
    dev = _section(text, FORM_03.heading, "Mã hồ sơ")
    for section, columns in ((person, MAU_01), (org, MAU_02), (dev, MAU_03)):
        missing = [c for c in columns if not _shows_column(section, c)]
        assert not missing, missing
    assert "Trần Thị Hạnh" in person and "092186002222" in person and "12/05/1980" in person
    assert SO_TAI_CHINH not in person and "1800123456" not in person
    for value in (SO_TAI_CHINH, "Số 1 Đại lộ Hòa Bình, phường Tân An", "1800123456", "1012345", "Cần Thơ",
                  "stc@cantho.gov.vn"):
        assert value in org, value
    assert "Trần Thị Hạnh" not in org and "Cổng dịch vụ công tỉnh" not in org
    for value in ("Cổng dịch vụ công tỉnh", "Văn phòng UBND thành phố", "dvc@cantho.gov.vn"):
        assert value in dev, value
    assert "Ngày sinh" not in org + dev and "Mã số thuế" not in dev

    book = sheets(done.xlsx)
    assert list(book) == ["Mẫu 01", "Mẫu 02", "Mẫu 03"]
    for name, form_, columns in (("Mẫu 01", FORM_01, MAU_01), ("Mẫu 02", FORM_02, MAU_02),
                                 ("Mẫu 03", FORM_03, MAU_03)):
        rows = book[name]
        assert rows[0][0] == "DANH SÁCH THUÊ BAO ĐỀ NGHỊ CẤP MỚI CHỨNG THƯ SỐ"
        assert rows[2][0] == form_.heading
        assert rows[3] == [*columns, REQUEST_ID_COLUMN]
        assert len(rows) == 5
    assert book["Mẫu 01"][4] == ["1", "Trần Thị Hạnh", "12/05/1980", "092186002222", "u2222@cantho.gov.vn", TAN_AN,
                                 "Cần Thơ", "Chủ tịch", "0912345678", None, None, person_row["id"]]
    assert book["Mẫu 02"][4] == ["1", SO_TAI_CHINH, "Số 1 Đại lộ Hòa Bình, phường Tân An", "1800123456", "1012345",
                                 "Cần Thơ", "stc@cantho.gov.vn", org_row["id"]]
    assert book["Mẫu 03"][4] == ["1", "Cổng dịch vụ công tỉnh", "Văn phòng UBND thành phố", "dvc@cantho.gov.vn",
                                 None, device_row["id"]]
    assert {r["kind"] for r in done.record.payload["rows"]} == {"person", "organisation", "device"}
    assert {r["status"] for r in requests.table(ctx).all()} == {"submitted"}


def test_a_list_of_one_kind_has_only_its_form(ctx: WorkflowContext) -> None:
    requests.add(ctx, [requests.build(ctx, "reissue", "organisation", organisation(cert_serial="ab"), "lost")])
    done = export(ctx, "reissue")
    assert list(sheets(done.xlsx)) == ["Mẫu 02"]
    text = flat(done.pdf)
    assert FORM_02.heading in text and FORM_01.heading not in text and FORM_03.heading not in text
    assert "(Mẫu 02, Phụ lục Nghị định" in text


def test_the_revoke_list_names_a_person_by_citizen_id_and_an_organisation_by_its_codes(
        ctx: WorkflowContext) -> None:
    device_row, org_row, person_row = _three_kinds(ctx, "revoke")
    done = export(ctx, "revoke")
    rows = sheets(done.xlsx)["Mẫu 05"]
    assert rows[3] == [*MAU_05, REQUEST_ID_COLUMN]
    by_id = {row[-1]: row for row in rows[4:]}
    assert by_id[person_row["id"]][1:6] == ["Trần Thị Hạnh", "092186002222", None, None, "u2222@cantho.gov.vn"]
    assert by_id[org_row["id"]][1:7] == [SO_TAI_CHINH, None, "1800123456", "1012345", "stc@cantho.gov.vn", "A02"]
    assert by_id[device_row["id"]][1:7] == ["Cổng dịch vụ công tỉnh", None, None, None, "dvc@cantho.gov.vn", "DE01"]
    text = flat(done.pdf)
    assert "1800123456" in text and "1012345" in text and "092186002222" in text


@pytest.mark.parametrize(("fields", "problem"), [
    ({"tax_code": "18001234"}, "mã số thuế '18001234' phải gồm 10 chữ số, hoặc 10 chữ số, dấu '-' và 3 chữ số"),
    ({"tax_code": "1800123456-01"}, "mã số thuế '1800123456-01' phải gồm 10 chữ số"),
    ({"budget_code": "101234"}, "mã quan hệ ngân sách '101234' phải gồm 7 chữ số"),
    ({"tax_code": "", "budget_code": ""}, "cơ quan, tổ chức phải có mã số thuế hoặc mã quan hệ ngân sách"),
    ({"address": " "}, "thiếu địa chỉ của cơ quan, tổ chức"),
    ({"name": ""}, "thiếu tên cơ quan, tổ chức"),
    ({"email": "stc@gmail.com"}, "thư điện tử 'stc@gmail.com' phải là địa chỉ công vụ (đuôi .gov.vn)"),
])
def test_bad_organisation_data_is_refused(ctx: WorkflowContext, fields: dict[str, str], problem: str) -> None:
    with pytest.raises(RenewalError, match="not valid") as caught:
        requests.build(ctx, "new", "organisation", organisation(**fields))
    assert problem in caught.value.localized()
    assert "định danh" not in caught.value.localized()  # a person's fields are not asked of an organisation


def test_good_codes_of_an_organisation_and_a_device_without_a_persons_fields(ctx: WorkflowContext) -> None:
    dependent = requests.build(ctx, "new", "organisation", organisation(tax_code="1800123456-001", budget_code=""))
    assert dependent["tax_code"] == "1800123456-001"
    budget_only = requests.build(ctx, "new", "organisation",
                                 organisation("UBND phường An Khánh", tax_code="", budget_code="10 99 888",
                                              province=""))
    assert (budget_only["budget_code"], budget_only["province"], budget_only["unit"]) == (
        "1099888", "Cần Thơ", "UBND phường An Khánh")  # the department's province; its own unit
    with pytest.raises(RenewalError) as caught:
        requests.build(ctx, "new", "device", device(unit=""))
    assert caught.value.localized().endswith("thiếu cơ quan, tổ chức quản lý")
    requests.add(ctx, [dependent, budget_only, requests.build(ctx, "new", "device", device())])
    assert len(requests.table(ctx)) == 3


def test_duplicates_of_organisations_go_by_tax_code_and_of_devices_by_name(ctx: WorkflowContext) -> None:
    requests.add(ctx, [requests.build(ctx, "new", "organisation", organisation()),
                       requests.build(ctx, "new", "organisation",
                                      organisation("Sở Y tế", tax_code="1800654321", email="syt@cantho.gov.vn")),
                       requests.build(ctx, "new", "device", device())])
    with pytest.raises(DuplicateRequest):
        requests.add(ctx, [requests.build(ctx, "new", "organisation", organisation("Sở Tài chính"))])
    with pytest.raises(DuplicateRequest):
        requests.add(ctx, [requests.build(ctx, "new", "device", device("cổng  dịch vụ công tỉnh"))])
    requests.add(ctx, [requests.build(ctx, "new", "device", device(unit="Sở Y tế"))])
    assert len(requests.table(ctx)) == 4


def test_cli_adds_an_organisation_and_refuses_a_bad_tax_code_saving_nothing(renewal_plugin: str) -> None:
    org = ["renewal", "request", "add", "--type", "new", "--kind", "organisation", "--name", SO_TAI_CHINH,
           "--address", "Số 1 Đại lộ Hòa Bình", "--budget-code", "1012345", "--email", "stc@cantho.gov.vn"]
    bad = run(*org, "--tax-code", "180012345")
    assert bad.exit_code == 2
    assert ("Thông tin đề nghị chưa hợp lệ: mã số thuế '180012345' phải gồm 10 chữ số, hoặc 10 chữ số, dấu '-' và "
            "3 chữ số") in bad.stderr
    assert run_json("renewal", "request", "list")["requests"] == []
    row = run_json(*org, "--tax-code", "1800123456", "--province", "Cần Thơ")
    assert (row["kind"], row["name"], row["tax_code"], row["budget_code"], row["province"], row["unit"],
            row["national_id"]) == ("organisation", SO_TAI_CHINH, "1800123456", "1012345", "Cần Thơ", SO_TAI_CHINH, "")
    device_row = run_json("renewal", "request", "add", "--type", "new", "--kind", "device", "--name", "Máy chủ ký số",
                          "--unit", "Sở Nội vụ", "--email", "snv@cantho.gov.vn")
    assert (device_row["kind"], device_row["unit"]) == ("device", "Sở Nội vụ")
    shown = run("renewal", "request", "show", row["id"])
    assert "1800123456" in shown.stdout


def test_a_stored_organisation_row_from_before_its_own_form_still_moves_on(ctx: WorkflowContext) -> None:
    """Rows of organisations filed with a person's form (before Mẫu 02 data existed) are not
    refused by the table's validator when their status changes."""
    legacy = requests.build(ctx, "new", "person", form())
    for key in ("address", "tax_code", "budget_code", "province"):
        del legacy[key]
    legacy["kind"] = "organisation"
    requests.table(ctx).put(legacy["id"], legacy, "op-binh")
    assert requests.set_status(ctx, legacy["id"], "submitted")["status"] == "submitted"


def _answer(path: Path, sheets_rows: dict[str, list[list[Any]]]) -> Path:
    """The authority's delivery list, one sheet per form, each with its own header row."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, rows in sheets_rows.items():
        sheet = book.create_sheet(title)
        sheet.append(["DANH SÁCH CHỨNG THƯ SỐ ĐÃ CẤP"])
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_a_delivery_answered_per_form_issues_every_kind(ctx: WorkflowContext, tmp_path: Path) -> None:
    device_row, org_row, person_row = _three_kinds(ctx)
    export(ctx, "new")
    answer = {
        "Mẫu 01": [["Họ và tên", "Số định danh cá nhân", "Số hiệu chứng thư", "Hiệu lực đến"],
                   ["Trần Thị Hạnh", "092186002222", "5401", "01/06/2029"]],
        "Mẫu 02": [["Tên cơ quan, tổ chức", "Mã số thuế", "Số hiệu chứng thư", "Hiệu lực đến"],
                   [SO_TAI_CHINH, "1800123456", "5402", "01/06/2029"]],
        "Mẫu 03": [["Mã yêu cầu", "Tên thiết bị, dịch vụ, phần mềm", "Số hiệu chứng thư", "Hiệu lực đến"],
                   [device_row["id"], "Cổng dịch vụ công tỉnh", "5403", "31/06/2029"]],
    }
    bad = import_delivery(ctx, _answer(tmp_path / "bad.xlsx", answer))
    assert [(r.sheet, r.line) for r in bad.bad] == [("Mẫu 03", 3)] and bad.applied == 0
    assert {r["status"] for r in requests.table(ctx).all()} == {"submitted"}

    answer["Mẫu 03"][1][3] = "30/06/2029"
    done = import_delivery(ctx, _answer(tmp_path / "good.xlsx", answer))
    assert not done.bad and (done.applied, done.updated_requests) == (3, 3)
    issued = {r["id"]: r["new_cert_serial"] for r in requests.table(ctx).all() if r["status"] == "issued"}
    assert issued == {person_row["id"]: "5401", org_row["id"]: "5402", device_row["id"]: "5403"}


def test_cli_import_names_the_sheet_of_a_bad_row(renewal_plugin: str, tmp_path: Path) -> None:
    for args in (("--kind", "person", "--name", "Trần Thị Hạnh", "--position", "Chủ tịch", "--unit", TAN_AN,
                  "--national-id", "092186002222", "--email", "u2222@cantho.gov.vn"),
                 ("--kind", "organisation", "--name", SO_TAI_CHINH, "--address", "Số 1 Đại lộ Hòa Bình",
                  "--tax-code", "1800123456", "--email", "stc@cantho.gov.vn")):
        run_json("renewal", "request", "add", "--type", "new", *args)
    exported = run("renewal", "export", "--type", "new", "--pdf", str(tmp_path / "a.pdf"), "--xlsx",
                   str(tmp_path / "a.xlsx"))
    assert exported.exit_code == 0, exported.stderr
    assert list(sheets((tmp_path / "a.xlsx").read_bytes())) == ["Mẫu 01", "Mẫu 02"]
    answer = _answer(tmp_path / "answer.xlsx", {
        "Mẫu 01": [["Họ và tên", "Số định danh cá nhân", "Số hiệu chứng thư", "Hiệu lực đến"],
                   ["Trần Thị Hạnh", "092186002222", "5401", "01/06/2029"]],
        "Mẫu 02": [["Tên cơ quan, tổ chức", "Mã số thuế", "Số hiệu chứng thư", "Hiệu lực đến"],
                   [SO_TAI_CHINH, "1800123456", "54XZ", "01/06/2029"]]})
    refused = run("renewal", "import", str(answer))
    assert refused.exit_code == 1
    assert "Trang Mẫu 02, dòng 3: số hiệu chứng thư '54XZ' không phải dạng thập lục phân" in refused.stderr
    assert len(run_json("renewal", "request", "list", "--status", "submitted")["requests"]) == 2
