"""Per-unit lists for the authority: "Danh sách thuê bao đề nghị … chứng thư số" in the
columns of the decree's forms, with the covering letter (công văn đề nghị).

New and re-issued certificates are listed by kind, each kind in its own form and table:
persons in Mẫu 01, agencies and organisations in Mẫu 02, devices, services and software
in Mẫu 03 (FORMS.md leaves its columns untranscribed: :data:`MAU_03` is this plugin's
choice). Renewals go in Mẫu 04 and revocations in Mẫu 05, whatever the kind (Mẫu 05
names a person by citizen ID, an organisation by tax and budget relation codes).

The list is a ``renewal.list`` record (the rows as sent, numbered "N/CV-<org>"); the PDF is
the registered form ``renewal.list`` built from that record and sealed with its hash; the
.xlsx has one sheet per form with the same columns plus the request id, so the
authority's answer can be matched row by row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from helpdesk.extension import FormDocument, FormSeal, Record, Signer, get_language, long_table, nfc
from helpdesk_renewal import requests
from helpdesk_renewal.model import (
    LIST_RECORD,
    NUMBER_SERIES,
    REASONS,
    TYPES,
    RenewalError,
    form_kind,
    label,
)

if TYPE_CHECKING:
    from helpdesk.extension import Organisation, WorkflowContext

FORM_ID = "renewal.list"
DEFAULT_AUTHORITY = "Cục Chứng thực số và Bảo mật thông tin - Ban Cơ yếu Chính phủ"
LEGAL_BASIS = ("Căn cứ Nghị định số 68/2024/NĐ-CP ngày 25 tháng 6 năm 2024 của Chính phủ quy định về chữ ký số "
               "chuyên dùng công vụ;")
REQUEST_ID_COLUMN = "Mã yêu cầu"

MAU_01 = ("STT", "Họ và tên", "Ngày sinh", "Số định danh cá nhân / ngày cấp, nơi cấp",
          "Địa chỉ thư điện tử công vụ", "Tên cơ quan, tổ chức công tác", "Tỉnh/Thành phố", "Chức vụ",
          "Số điện thoại di động", "Số hiệu chứng thư chữ ký số cũ (nếu có)", "SIM PKI")
MAU_02 = ("STT", "Tên cơ quan, tổ chức", "Địa chỉ", "Mã số thuế", "Mã quan hệ ngân sách", "Tỉnh/Thành phố",
          "Địa chỉ thư điện tử công vụ")
#: not transcribed in FORMS.md: the plugin's own minimal columns for a device, service or software
MAU_03 = ("STT", "Tên thiết bị, dịch vụ, phần mềm", "Cơ quan, tổ chức quản lý", "Địa chỉ thư điện tử công vụ",
          "Số hiệu chứng thư chữ ký số cũ (nếu có)")
MAU_04 = ("STT", "Tên chứng thư chữ ký số", "Số hiệu chứng thư", "Địa chỉ thư điện tử công vụ",
          "Thông tin cần thay đổi", "Thông tin mới", "Dịch vụ yêu cầu")
MAU_05 = ("STT", "Tên chứng thư chữ ký số", "Số định danh cá nhân / ngày cấp, nơi cấp", "Mã số thuế",
          "Mã quan hệ ngân sách", "Địa chỉ thư điện tử công vụ", "Số hiệu chứng thư chữ ký số",
          "Số hiệu thiết bị lưu khóa bí mật", "Lý do thu hồi")
ROW_FIELDS = ("id", "kind", "name", "date_of_birth", "national_id", "email", "unit_id", "unit", "position", "phone",
              "address", "tax_code", "budget_code", "province", "cert_serial", "token_serial", "reason", "new_info")


def _dmy(iso: str) -> str:
    try:
        return date.fromisoformat(iso[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return iso


Cells = Callable[[Mapping[str, Any], int, str], list[str]]


def _person(row: Mapping[str, Any], index: int, province: str) -> list[str]:
    return [str(index), row["name"], _dmy(row.get("date_of_birth") or ""), row.get("national_id") or "",
            row["email"], row["unit"], province, row.get("position") or "", row.get("phone") or "",
            row.get("cert_serial") or "", ""]


def _organisation(row: Mapping[str, Any], index: int, province: str) -> list[str]:
    return [str(index), row["name"], row.get("address") or "", row.get("tax_code") or "",
            row.get("budget_code") or "", row.get("province") or province, row["email"]]


def _device(row: Mapping[str, Any], index: int, province: str) -> list[str]:
    return [str(index), row["name"], row.get("unit") or "", row["email"], row.get("cert_serial") or ""]


def _renewal(row: Mapping[str, Any], index: int, province: str) -> list[str]:
    new_info = row.get("new_info") or ""
    return [str(index), row["name"], row.get("cert_serial") or "", row["email"],
            "Có" if new_info else "", new_info, "Gia hạn" + (", thay đổi thông tin" if new_info else "")]


def _revocation(row: Mapping[str, Any], index: int, province: str) -> list[str]:
    kind = row.get("kind") or "person"
    organisation = kind == "organisation"
    return [str(index), row["name"], row.get("national_id") or "" if kind == "person" else "",
            row.get("tax_code") or "" if organisation else "", row.get("budget_code") or "" if organisation else "",
            row["email"], row.get("cert_serial") or "", row.get("token_serial") or "",
            REASONS.get(row.get("reason") or "", ("", ""))[0]]


@dataclass(frozen=True)
class ListForm:
    """One of the decree's forms as a table: its name, heading, columns, the PDF column
    widths (mm of the 165 mm text width) and font size, how a request fills a row, and
    whether the rows go under a heading per unit (not when each row names its agency).

    Widths leave room for the longest unbreakable value (a 12-digit citizen ID, a
    10+3-digit tax code, dd/mm/yyyy, a phone number) and header word: longer ones are cut
    by characters."""

    name: str
    heading: str
    columns: tuple[str, ...]
    widths: tuple[float, ...]
    size: float
    cells: Cells
    by_unit: bool = True


FORM_01 = ListForm("Mẫu 01", "Mẫu 01 - Chứng thư chữ ký số cho cá nhân", MAU_01,
                   (8, 20, 16, 20, 16, 15, 17, 13, 17, 15, 8), 8, _person)
FORM_02 = ListForm("Mẫu 02", "Mẫu 02 - Chứng thư chữ ký số cho cơ quan, tổ chức", MAU_02,
                   (9, 32, 36, 24, 15, 19, 30), 9, _organisation, by_unit=False)
FORM_03 = ListForm("Mẫu 03", "Mẫu 03 - Chứng thư chữ ký số cho thiết bị, dịch vụ, phần mềm", MAU_03,
                   (10, 44, 40, 40, 31), 9, _device, by_unit=False)
FORM_04 = ListForm("Mẫu 04", "Mẫu 04 - Gia hạn, thay đổi thông tin chứng thư chữ ký số", MAU_04,
                   (8, 28, 26, 36, 18, 27, 22), 10, _renewal)
FORM_05 = ListForm("Mẫu 05", "Mẫu 05 - Thu hồi chứng thư chữ ký số", MAU_05,
                   (8, 20, 21, 23, 13, 22, 20, 19, 19), 8.5, _revocation)
#: certificate kind -> the form of a new or re-issued certificate, in the list's order
BY_KIND = {"person": FORM_01, "organisation": FORM_02, "device": FORM_03}


def form_for(type_: str, kind: str = "person") -> ListForm:
    """The form a request of ``type_`` for a certificate of ``kind`` is listed in."""
    if type_ == "renew":
        return FORM_04
    if type_ == "revoke":
        return FORM_05
    return BY_KIND.get(kind, FORM_01)


def cells(type_: str, row: Mapping[str, Any], index: int, province: str) -> list[str]:
    """One request in its form's columns (rows listed before kinds had their own forms are persons)."""
    return form_for(type_, str(row.get("kind") or "person")).cells(row, index, province)


def list_title(type_: str) -> str:
    return f"Danh sách thuê bao đề nghị {TYPES[type_][0]} chứng thư số"


def validate_list(payload: Mapping[str, Any]) -> list[str]:
    """The ``renewal.list`` record's payload."""
    problems = []
    if payload.get("type") not in TYPES:
        problems.append("type must be new, renew, reissue or revoke")
    if not str(payload.get("number") or "").strip():
        problems.append("number is required")
    rows = payload.get("rows")
    if not isinstance(rows, list) or not rows:
        problems.append("rows must be a non-empty list")
    elif any(not isinstance(r, Mapping) or not r.get("id") or not r.get("name") for r in rows):
        problems.append("every row needs the request id and the name")
    try:
        date.fromisoformat(str(payload.get("date")))
    except ValueError:
        problems.append("date must be an ISO date")
    return problems


def _by_unit(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get("unit") or ""), []).append(row)
    return list(groups.items())


def tables(type_: str, rows: Sequence[Mapping[str, Any]]) -> list[tuple[ListForm, list[Mapping[str, Any]]]]:
    """The list's tables: one per form its rows need, in the forms' order (the rows keep theirs)."""
    found: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        found.setdefault(form_for(type_, str(row.get("kind") or "person")).name, []).append(row)
    forms = [FORM_01, FORM_02, FORM_03, FORM_04, FORM_05]
    return [(form, found[form.name]) for form in forms if form.name in found]


def build_form(org: Organisation, record: Any) -> FormDocument:
    """The covering letter and the list (a form builder for ``ctx.forms``)."""
    if not isinstance(record, Record) or record.type != LIST_RECORD:
        raise TypeError("the renewal.list form needs a renewal.list record")
    p = record.payload
    type_, day = str(p["type"]), date.fromisoformat(str(p["date"]))
    what = TYPES[type_][0]
    listed = tables(type_, p["rows"])
    whom = p.get("unit") or "các cơ quan, đơn vị trên địa bàn"
    doc = FormDocument(org, number=str(p["number"]), title="", date=day,
                       subtitle=f"V/v đề nghị {what} chứng thư chữ ký số chuyên dùng công vụ")
    doc.paragraph(f"Kính gửi: {p['authority']}.", align="center", indent=False)
    doc.paragraph(LEGAL_BASIS, italic=True)
    doc.paragraph(f"{nfc(org.name)} đề nghị {p['authority']} {what} chứng thư chữ ký số chuyên dùng công vụ cho "
                  f"{len(p['rows'])} thuê bao thuộc {whom} theo danh sách kèm theo ({', '.join(f.name for f, _r in listed)}, Phụ lục Nghị định "
                  f"số 68/2024/NĐ-CP).")
    doc.paragraph("Các thuê bao trong danh sách đã được cơ quan quản lý trực tiếp xác nhận thông tin và chịu trách "
                  "nhiệm về tính chính xác của thông tin đề nghị.")
    doc.paragraph("Trân trọng./.")
    doc.signatures([Signer("Nơi nhận", "", note="- Như trên;\n- Lưu: VT."), Signer("Giám đốc", "")])
    doc.page_break()
    doc.heading(list_title(type_).upper())
    doc.paragraph(f"(Kèm theo Công văn số {p['number']} ngày {day:%d/%m/%Y} của {nfc(org.name)})", align="center",
                  indent=False, italic=True)
    for form, form_rows in listed:
        doc.heading(form.heading)
        units = _by_unit(form_rows) if form.by_unit else [("", form_rows)]
        for unit, rows in units:
            if form.by_unit and (len(units) > 1 or not p.get("unit")):
                doc.heading(unit or "(chưa rõ đơn vị)")
            long_table(doc, list(form.columns), [form.cells(r, i, org.place) for i, r in enumerate(rows, 1)],
                       col_widths=form.widths, align=["center"] + ["left"] * (len(form.columns) - 1), size=form.size)
    doc.qr(FormSeal.for_record(record.id, record.to_dict()))
    return doc


def list_xlsx(org: Organisation, record: Record) -> bytes:
    """The list as .xlsx, a sheet per form named after it: title, reference, the form's
    heading, then its columns (+ request id) from row 4."""
    from openpyxl import Workbook

    p = record.payload
    type_ = str(p["type"])
    book = Workbook(write_only=True)
    for form, rows in tables(type_, p["rows"]):
        sheet = book.create_sheet(form.name)
        sheet.append([list_title(type_).upper()])
        sheet.append([f"Kèm theo Công văn số {p['number']} ngày {_dmy(str(p['date']))} của {nfc(org.name)}"])
        sheet.append([form.heading])
        sheet.append([*form.columns, REQUEST_ID_COLUMN])
        for index, row in enumerate(rows, 1):
            sheet.append([*form.cells(row, index, org.place), row["id"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Exported:
    record: Record
    pdf: bytes
    xlsx: bytes
    count: int


def authority(ctx: WorkflowContext) -> str:
    extra = ctx.settings.extra.get("renewal") if isinstance(ctx.settings.extra.get("renewal"), dict) else {}
    return nfc(str((extra or {}).get("authority") or DEFAULT_AUTHORITY))


def export(ctx: WorkflowContext, type_: str, unit: str | None = None,
           write: Callable[[bytes, bytes], None] | None = None) -> Exported:
    """Number and save the list of draft ``type_`` requests (of ``unit``, or all), make its
    PDF and .xlsx, hand them to ``write``, then mark the requests submitted."""
    if type_ not in TYPES:
        raise RenewalError("Unknown request type {type}: use one of {types}", type=type_, types=", ".join(TYPES))
    rows = sorted(requests.find(ctx, type_=type_, status="draft", unit=unit),
                  key=lambda r: (str(r.get("unit")), str(r.get("created"))))
    if not rows:
        raise RenewalError("No draft {type} requests to list{where}", type=label(TYPES, type_, get_language()),
                           where=" (" + unit + ")" if unit else "")
    unit_name = str(rows[0]["unit"]) if unit else ""
    day = ctx.now().date()
    with ctx.next_number(NUMBER_SERIES, day.year) as n:
        number = ctx.number_text(n)
        payload = {"number": number, "type": type_, "date": day.isoformat(), "unit_id": unit or "",
                   "unit": unit_name, "authority": authority(ctx),
                   "rows": [{**{key: r.get(key) or "" for key in ROW_FIELDS}, "kind": form_kind(r)} for r in rows]}
        record = ctx.commit(LIST_RECORD, None, payload, number=n)
    pdf = ctx.forms.render(FORM_ID, record)
    xlsx = list_xlsx(ctx.settings.organisation, record)
    if write is not None:
        write(pdf, xlsx)
    requests.save_many(ctx, [requests.changed(ctx, r, "submitted", number, list_number=number) for r in rows])
    return Exported(record, pdf, xlsx, len(rows))
