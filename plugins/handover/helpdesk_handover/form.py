"""The handover record on paper: "BIÊN BẢN BÀN GIAO THIẾT BỊ LƯU KHÓA BÍ MẬT VÀ CHỨNG THƯ SỐ".

Nghị định 30/2020 layout (``FormDocument``); content per Điều 32
of that decree (see FORMS.md): both parties, the devices (serial, model, certificate
serial, subject, validity), the holder's acknowledgement of device and PIN and of the
duty to keep both secret and report a loss at once, signatures, and the QR seal.

The seal hashes the stored record(s) (canonical JSON), so the paper can be checked
against the store years later. One builder serves a single handover and a batch; it is
registered as form ``handover`` (``plugin.spec``); render it with
``ctx.forms.render("handover", records)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from helpdesk.extension import FormDocument, FormSeal, Organisation, Record, Signer, date_line

TITLE = "Biên bản bàn giao thiết bị lưu khóa bí mật và chứng thư số"
FORM_NAME = "handover"
LEGAL_BASIS = "Căn cứ Điều 32 Nghị định số 30/2020/NĐ-CP của Chính phủ về công tác văn thư;"
ACKNOWLEDGEMENT = (
    "Bên B đã nhận đủ thiết bị lưu khóa bí mật nêu trên cùng mã PIN (trong phong bì niêm phong) và đã "
    "kiểm tra thiết bị hoạt động bình thường. Bên B có trách nhiệm quản lý, bảo quản thiết bị; giữ bí "
    "mật khóa bí mật và mã PIN, không giao cho người khác sử dụng; khi thiết bị bị mất, hư hỏng hoặc lộ "
    "mã PIN phải báo ngay cho Bên A để tạm dừng, thu hồi chứng thư số theo quy định."
)


def _records(value: Any) -> list[Record]:
    if isinstance(value, Record):
        return [value]
    if isinstance(value, Sequence) and value and all(isinstance(r, Record) for r in value):
        return list(value)
    raise TypeError("the handover form needs a handover Record or a list of them")


def _day(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%d/%m/%Y")


def seal_for(records: Sequence[Record]) -> FormSeal:
    """Single record: its id and hash; a batch: the batch id and the hash of all its records."""
    if len(records) == 1:
        return FormSeal.for_record(records[0].id, records[0].to_dict())
    batch_id = str(records[0].payload["batch"]["id"])
    return FormSeal.for_record(batch_id, {"records": [r.to_dict() for r in records]})


def build_form(org: Organisation, value: Any) -> FormDocument:
    """The handover record for one record or a batch (a ``FormBuilder``)."""
    records = _records(value)
    first = records[0].payload
    day = date.fromisoformat(first["date"])
    giver, holder, recipient = first["giver"], first["holder"], first["recipient"]
    batch = len(records) > 1
    doc = FormDocument(org, number=first["number"], title=TITLE, date=day)
    doc.paragraph(LEGAL_BASIS, italic=True)
    opening = date_line(org.place, day).split(", ", 1)[1]
    doc.paragraph(f"Hôm nay, {opening}, tại {org.place}, chúng tôi gồm:")
    doc.heading(f"1. Bên giao (Bên A): {giver['department']}")
    doc.fields([("Ông/Bà", f"{giver['name']}; chức vụ: {giver['position']}")])
    proxy = recipient.get("kind") == "proxy"
    if batch:
        doc.heading(f"2. Bên nhận (Bên B): {holder['unit'] or recipient.get('unit', '')}")
        doc.fields([
            ("Người đại diện nhận", _join(recipient["name"], recipient.get("position"))),
            ("Số định danh cá nhân", _join(recipient["national_id"], recipient.get("authorisation"))),
        ])
    else:
        doc.heading("2. Bên nhận (Bên B): thuê bao được cấp chứng thư số")
        doc.fields([
            ("Ông/Bà", _join(holder["name"], holder.get("position") and f"chức vụ: {holder['position']}")),
            ("Cơ quan, đơn vị công tác", holder.get("unit") or ""),
            ("Số định danh cá nhân", _join(holder["national_id"],
                                           holder.get("email") and f"thư điện tử công vụ: {holder['email']}")),
        ])
        if proxy:
            doc.fields([
                ("Người nhận thay", _join(recipient["name"], recipient.get("position"), recipient.get("unit"),
                                          f"số định danh cá nhân: {recipient['national_id']}")),
                ("Theo", recipient.get("authorisation") or ""),
            ])
    doc.heading("3. Nội dung bàn giao")
    doc.paragraph("Bên A bàn giao cho Bên B thiết bị lưu khóa bí mật (token) chứa chứng thư số chuyên dùng "
                  "công vụ, cụ thể như sau:")
    rows = []
    for i, record in enumerate(records, 1):
        p = record.payload
        device = p["device"]["serial"] + (f"\n{p['device']['model']}" if p["device"].get("model") else "")
        subject = p["certificate"]["common_name"] or p["holder"]["name"]
        if batch:
            subject = f"{subject}\nCCCD/CMND: {p['holder']['national_id']}"
        valid = f"{_day(p['certificate']['not_before'])} – {_day(p['certificate']['not_after'])}"
        rows.append([i, device, _grouped(p["certificate"]["serial"]), subject, valid])
    doc.table(["STT", "Số hiệu thiết bị lưu khóa bí mật", "Số hiệu chứng thư số", "Chủ thể chứng thư",
               "Thời hạn hiệu lực"], rows, col_widths=(11, 38, 38, 44, 34),
              align=("center", "left", "left", "left", "center"))
    doc.paragraph(ACKNOWLEDGEMENT)
    overrides = [r.payload for r in records if r.payload.get("override")]
    for p in overrides:
        doc.paragraph(f"Ghi chú: thiết bị {p['device']['serial']} được bàn giao theo quyết định của quản trị "
                      f"viên {p['override']['by']}: {p['override']['reason']}", italic=True)
    doc.paragraph("Biên bản được lập thành 02 bản có giá trị pháp lý như nhau, mỗi bên giữ 01 bản.")
    receiver = recipient["name"] if (proxy or batch) and recipient.get("name") else holder["name"]
    doc.signatures([Signer("Bên nhận", receiver), Signer("Bên giao", giver["name"])])
    doc.qr(seal_for(records))
    return doc


def _join(*parts: object) -> str:
    return "; ".join(str(p) for p in parts if p)


def _grouped(serial: str) -> str:
    """"54031F9A7E2B" -> "54 03 1F 9A 7E 2B": easier to read against the token's label."""
    return " ".join(serial[i:i + 2] for i in range(0, len(serial), 2))

