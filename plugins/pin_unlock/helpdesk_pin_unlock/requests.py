"""Unlock requests (Mẫu 06, Nghị định 68/2024): tokens whose SO PIN is locked or not
held at this desk go back to the issuer, listed per unit as a PDF and a spreadsheet.

A request is open from its record until it is voided or the token is later unlocked
at the desk; a token asked for twice is listed once (its latest request).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from helpdesk.extension import FormDocument, Signer, document_number, nfc
from helpdesk_pin_unlock.records import ATTEMPT, REQUEST

if TYPE_CHECKING:
    from helpdesk.extension import Organisation, Store
    from helpdesk_pin_unlock.rules import UnlockSettings

TITLE = "Đề nghị khôi phục thiết bị lưu khóa bí mật"
NO_UNIT = "-"  # the unit id for tokens no subscriber record names
COLUMNS = ("STT", "Số hiệu thiết bị lưu khóa bí mật",
           "Thông tin thuê bao (tên chứng thư, cơ quan, tổ chức công tác, địa chỉ thư điện tử công vụ)")
SUBSCRIBER_COLUMNS = ("Tên chứng thư", "Cơ quan, tổ chức công tác", "Địa chỉ thư điện tử công vụ")
REASONS_VI = {"so_pin_locked": "Mã quản trị (SO PIN) đã bị khóa",
              "so_pin_not_held": "Đơn vị không giữ mã quản trị (SO PIN) của lô thiết bị"}


@dataclass(frozen=True)
class UnlockRequest:
    record_id: str
    time: str
    token_serial: str
    cert_name: str
    agency: str
    email: str
    unit_id: str
    reason: str


def open_requests(store: Store, unit_id: str | None = None) -> list[UnlockRequest]:
    """Open requests, oldest first; ``unit_id`` filters (``"-"``: tokens without a unit)."""
    latest: dict[str, UnlockRequest] = {}
    for record in store.records(REQUEST, include_voided=False):
        p = record.payload
        holder, cert = p.get("holder") or {}, p.get("certificate") or {}
        serial = p["token"]["serial"]
        latest.pop(serial, None)  # re-inserted: order by the latest request
        latest[serial] = UnlockRequest(
            record_id=record.id, time=record.time, token_serial=serial,
            cert_name=cert.get("common_name") or holder.get("name") or "",
            agency=holder.get("unit") or cert.get("organisation") or "",
            email=holder.get("email") or cert.get("email") or "",
            unit_id=holder.get("unit_id") or NO_UNIT, reason=p["reason"],
        )
    for record in store.records(ATTEMPT, include_voided=False):
        p = record.payload
        serial = p["token"]["serial"]
        if p["action"] == "unlock" and p["outcome"] == "success" and serial in latest \
                and record.time > latest[serial].time:
            del latest[serial]
    found = list(latest.values())
    return [r for r in found if unit_id is None or r.unit_id == unit_id]


def _contact_fields(settings: UnlockSettings) -> list[tuple[str, str]]:
    c = settings.contact
    issued = ", ".join(filter(None, (c.id_issued_on, c.id_issued_at)))
    return [
        ("Họ và tên", c.name),
        ("Số định danh cá nhân", c.national_id),
        ("Ngày cấp, nơi cấp", issued),
        ("Chức vụ", c.position),
        ("Cơ quan, tổ chức công tác", c.agency),
        ("Số điện thoại di động", c.phone),
    ]


def build_request_list(org: Organisation, settings: UnlockSettings, unit_name: str,
                       requests: list[UnlockRequest], day: date) -> FormDocument:
    doc = FormDocument(org, number=document_number(org, "ĐN"), title=TITLE, date=day,
                       subtitle=f"Đơn vị: {unit_name}" if unit_name else "")
    doc.paragraph(f"Kính gửi: {settings.issuer}.", align="center", indent=False)
    doc.paragraph(
        f"{org.name} đề nghị khôi phục (mở khóa) các thiết bị lưu khóa bí mật dưới đây, mà mã quản trị "
        "(SO PIN) đã bị khóa hoặc không do đơn vị quản lý, để thuê bao tiếp tục sử dụng chứng thư số."
    )
    doc.heading("1. Người liên hệ phối hợp khôi phục")
    doc.fields(_contact_fields(settings))
    doc.heading("2. Danh sách thiết bị đề nghị khôi phục")
    rows = [
        [i, r.token_serial, "\n".join(filter(None, (r.cert_name, r.agency, r.email)))]
        for i, r in enumerate(requests, start=1)
    ]
    doc.table(COLUMNS, rows, col_widths=(12, 45, 108), align=("center", "left", "left"))
    doc.paragraph(f"Tổng số: {len(requests)} thiết bị.", indent=False)
    doc.signatures([Signer("Thủ trưởng cơ quan", note="(Ký, ghi rõ họ tên và đóng dấu)")])
    return doc


def request_list_pdf(org: Organisation, settings: UnlockSettings, unit_name: str,
                     requests: list[UnlockRequest], day: date) -> bytes:
    return build_request_list(org, settings, unit_name, requests, day).render()


def request_list_xlsx(org: Organisation, settings: UnlockSettings, unit_name: str,
                      requests: list[UnlockRequest], day: date) -> bytes:
    """The same list as a spreadsheet (Mẫu 06 columns, subscriber details in three)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Mẫu 06"
    bold = Font(bold=True)
    sheet.append([nfc(org.name.upper())])
    sheet.append([nfc(TITLE.upper())])
    sheet.append([nfc(f"Đơn vị: {unit_name}")])
    sheet.append([nfc(f"Kính gửi: {settings.issuer}"), None, None, None, nfc(day.strftime("%d/%m/%Y"))])
    sheet.append([None])
    sheet.append(["Người liên hệ phối hợp khôi phục"])
    sheet.cell(sheet.max_row, 1).font = bold
    for label, value in _contact_fields(settings):
        sheet.append([nfc(label), nfc(value)])
    sheet.append([None])
    sheet.append([COLUMNS[0], COLUMNS[1], "Thông tin thuê bao", None, None])
    top = sheet.max_row
    sheet.append([None, None, *SUBSCRIBER_COLUMNS])
    sheet.merge_cells(start_row=top, end_row=top + 1, start_column=1, end_column=1)
    sheet.merge_cells(start_row=top, end_row=top + 1, start_column=2, end_column=2)
    sheet.merge_cells(start_row=top, end_row=top, start_column=3, end_column=5)
    for row in sheet.iter_rows(min_row=top, max_row=top + 1):
        for cell in row:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, r in enumerate(requests, start=1):
        sheet.append([i, r.token_serial, nfc(r.cert_name), nfc(r.agency), r.email])
    thin = Side(style="thin")
    for row in sheet.iter_rows(min_row=top, max_row=sheet.max_row, max_col=5):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, width in zip("ABCDE", (6, 26, 32, 40, 32), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
