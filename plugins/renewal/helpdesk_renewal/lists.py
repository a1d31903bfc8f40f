"""Per-unit lists for the authority: "Danh sách thuê bao đề nghị … chứng thư số" in the
columns of the decree's forms, with the covering letter (công văn đề nghị).

Mẫu 01 (a person's certificate) serves new and re-issued certificates, Mẫu 04
renewals, Mẫu 05 revocations (FORMS.md). The list is a ``renewal.list`` record (the
rows as sent, numbered "N/CV-<org>"); the PDF is the registered form ``renewal.list``
built from that record and sealed with its hash; the .xlsx carries the same columns
plus the request id, so the authority's answer can be matched row by row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from helpdesk.extension import FormDocument, FormSeal, Record, Signer, get_language, long_table, nfc
from helpdesk_renewal import requests
from helpdesk_renewal.model import LIST_RECORD, NUMBER_SERIES, REASONS, TYPES, RenewalError, label

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
MAU_04 = ("STT", "Tên chứng thư chữ ký số", "Số hiệu chứng thư", "Địa chỉ thư điện tử công vụ",
          "Thông tin cần thay đổi", "Thông tin mới", "Dịch vụ yêu cầu")
MAU_05 = ("STT", "Tên chứng thư chữ ký số", "Số định danh cá nhân / ngày cấp, nơi cấp", "Mã số thuế",
          "Mã quan hệ ngân sách", "Địa chỉ thư điện tử công vụ", "Số hiệu chứng thư chữ ký số",
          "Số hiệu thiết bị lưu khóa bí mật", "Lý do thu hồi")
#: type -> (form name, columns, PDF column widths in mm (165 mm of text width), font size)
FORMS: dict[str, tuple[str, tuple[str, ...], tuple[float, ...], float]] = {
    "new": ("Mẫu 01", MAU_01, (8, 20, 16, 20, 22, 17, 10, 13, 17, 15, 7), 8),
    "reissue": ("Mẫu 01", MAU_01, (8, 20, 16, 20, 22, 17, 10, 13, 17, 15, 7), 8),
    "renew": ("Mẫu 04", MAU_04, (8, 28, 26, 36, 18, 27, 22), 10),
    "revoke": ("Mẫu 05", MAU_05, (7, 20, 19, 13, 13, 26, 24, 22, 21), 8.5),
}
ROW_FIELDS = ("id", "name", "date_of_birth", "national_id", "email", "unit_id", "unit", "position", "phone",
              "cert_serial", "token_serial", "reason", "new_info")


def _dmy(iso: str) -> str:
    try:
        return date.fromisoformat(iso[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def cells(type_: str, row: Mapping[str, Any], index: int, province: str) -> list[str]:
    """One request in its form's columns."""
    if type_ in ("new", "reissue"):
        return [str(index), row["name"], _dmy(row.get("date_of_birth") or ""), row["national_id"], row["email"],
                row["unit"], province, row["position"], row.get("phone") or "", row.get("cert_serial") or "", ""]
    if type_ == "renew":
        new_info = row.get("new_info") or ""
        return [str(index), row["name"], row.get("cert_serial") or "", row["email"],
                "Có" if new_info else "", new_info, "Gia hạn" + (", thay đổi thông tin" if new_info else "")]
    return [str(index), row["name"], row["national_id"], "", "", row["email"], row.get("cert_serial") or "",
            row.get("token_serial") or "", REASONS.get(row.get("reason") or "", ("", ""))[0]]


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


def _groups(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get("unit") or ""), []).append(row)
    return list(groups.items())


def build_form(org: Organisation, record: Any) -> FormDocument:
    """The covering letter and the list (a form builder for ``ctx.forms``)."""
    if not isinstance(record, Record) or record.type != LIST_RECORD:
        raise TypeError("the renewal.list form needs a renewal.list record")
    p = record.payload
    type_, day = str(p["type"]), date.fromisoformat(str(p["date"]))
    what = TYPES[type_][0]
    form_name, columns, widths, size = FORMS[type_]
    whom = p.get("unit") or "các cơ quan, đơn vị trên địa bàn"
    doc = FormDocument(org, number=str(p["number"]), title="", date=day,
                       subtitle=f"V/v đề nghị {what} chứng thư chữ ký số chuyên dùng công vụ")
    doc.paragraph(f"Kính gửi: {p['authority']}.", align="center", indent=False)
    doc.paragraph(LEGAL_BASIS, italic=True)
    doc.paragraph(f"{nfc(org.name)} đề nghị {p['authority']} {what} chứng thư chữ ký số chuyên dùng công vụ cho "
                  f"{len(p['rows'])} thuê bao thuộc {whom} theo danh sách kèm theo ({form_name}, Phụ lục Nghị định "
                  f"số 68/2024/NĐ-CP).")
    doc.paragraph("Các thuê bao trong danh sách đã được cơ quan quản lý trực tiếp xác nhận thông tin và chịu trách "
                  "nhiệm về tính chính xác của thông tin đề nghị.")
    doc.paragraph("Trân trọng./.")
    doc.signatures([Signer("Nơi nhận", "", note="- Như trên;\n- Lưu: VT."), Signer("Giám đốc", "")])
    doc.page_break()
    doc.heading(list_title(type_).upper())
    doc.paragraph(f"(Kèm theo Công văn số {p['number']} ngày {day:%d/%m/%Y} của {nfc(org.name)})", align="center",
                  indent=False, italic=True)
    province = org.place
    for unit, rows in _groups(p["rows"]):
        if len(_groups(p["rows"])) > 1 or not p.get("unit"):
            doc.heading(unit or "(chưa rõ đơn vị)")
        long_table(doc, list(columns), [cells(type_, r, i, province) for i, r in enumerate(rows, 1)],
                   col_widths=widths, align=["center"] + ["left"] * (len(columns) - 1), size=size)
    doc.qr(FormSeal.for_record(record.id, record.to_dict()))
    return doc


def list_xlsx(org: Organisation, record: Record) -> bytes:
    """The list as .xlsx: title, reference, then the form's columns (+ request id) from row 4."""
    from openpyxl import Workbook

    p = record.payload
    type_ = str(p["type"])
    form_name, columns, _widths, _size = FORMS[type_]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(form_name)
    sheet.append([list_title(type_).upper()])
    sheet.append([f"Kèm theo Công văn số {p['number']} ngày {_dmy(str(p['date']))} của {nfc(org.name)}"])
    sheet.append([])
    sheet.append([*columns, REQUEST_ID_COLUMN])
    index = 0
    for _unit, rows in _groups(p["rows"]):
        for row in rows:
            index += 1
            sheet.append([*cells(type_, row, index, org.place), row["id"]])
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
                   "rows": [{key: r.get(key) or "" for key in ROW_FIELDS} for r in rows]}
        record = ctx.commit(LIST_RECORD, None, payload, number=n)
    pdf = ctx.forms.render(FORM_ID, record)
    xlsx = list_xlsx(ctx.settings.organisation, record)
    if write is not None:
        write(pdf, xlsx)
    requests.save_many(ctx, [requests.changed(ctx, r, "submitted", number, list_number=number) for r in rows])
    return Exported(record, pdf, xlsx, len(rows))
