"""The receipt: "Phiếu xác nhận khôi phục mật khẩu thiết bị lưu khóa" (Decree-30 layout).

Built from the stored attempt record alone (so it can be rendered again years later,
and its QR seal hashes that record). A paper form is Vietnamese whatever the
interface language, so its text is not translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from helpdesk.config import Organisation
from helpdesk.forms import FormDocument, FormSeal, Signer, date_line, document_number
from helpdesk.store import Record

FORM = "pin_unlock.receipt"
ARCHIVE_KIND = "pin_unlock_receipt"
TITLE = "Phiếu xác nhận khôi phục mật khẩu thiết bị lưu khóa"
NUMBER_KIND = "PXN"

_STATE_VI = {"ok": "bình thường", "count_low": "đã nhập sai, còn ít lần thử", "final_try": "chỉ còn một lần thử",
             "locked": "đã bị khóa"}


def _local_day(iso: str) -> date:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().date()


def _dmy(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%d/%m/%Y")


def _state(states: Mapping[str, str] | None, key: str) -> str:
    return _STATE_VI.get((states or {}).get(key, ""), "không rõ")


def build_receipt(org: Organisation, record: Record) -> FormDocument:
    """The receipt for a successful unlock record (a :data:`helpdesk.forms.FormBuilder`)."""
    p: Mapping[str, Any] = record.payload
    day = _local_day(record.time)
    holder = p.get("holder") or {}
    cert = p.get("certificate") or {}
    token = p["token"]
    identity = p.get("identity") or {}
    name = holder.get("name") or cert.get("common_name") or ""
    doc = FormDocument(org, number=document_number(org, NUMBER_KIND, p.get("receipt_seq")), title=TITLE, date=day)
    opening = date_line(org.place, day).split(", ", 1)[1]
    doc.paragraph(
        f"Hôm nay, {opening}, tại {org.name}, bộ phận hỗ trợ chứng thư số đã khôi phục mật khẩu "
        "(mã PIN) của thiết bị lưu khóa bí mật theo đề nghị của người sử dụng như sau:"
    )
    doc.heading("1. Người đề nghị (người sử dụng thiết bị)")
    if identity.get("method") == "admin_override":
        checked = f"quản trị viên xác nhận thay, lý do: {identity.get('override_reason', '')}"
    else:
        checked = "đã đối chiếu số định danh cá nhân với hồ sơ thuê bao"
    doc.fields([
        ("Ông/Bà", name),
        ("Chức vụ", holder.get("position") or ""),
        ("Cơ quan, tổ chức công tác", holder.get("unit") or cert.get("organisation") or ""),
        ("Địa chỉ thư điện tử công vụ", holder.get("email") or cert.get("email") or ""),
        ("Xác minh danh tính", checked),
    ])
    doc.heading("2. Thiết bị lưu khóa bí mật và chứng thư số")
    kind = " ".join(filter(None, (token.get("label"), token.get("model"))))
    validity = f", hiệu lực {_dmy(cert.get('not_before'))} – {_dmy(cert.get('not_after'))}" if cert else ""
    doc.fields([
        ("Số hiệu thiết bị", f"{token['serial']} ({kind})" if kind else token["serial"]),
        ("Chứng thư số", f"{cert.get('common_name', '')}, số hiệu {cert.get('serial', '')}{validity}"
         if cert else "không có"),
    ])
    doc.heading("3. Nội dung thực hiện")
    how = ("Mã quản trị và mã PIN mới được nhập trên bàn phím của đầu đọc. " if p.get("pin_pad") else "")
    doc.paragraph(
        "Cán bộ hỗ trợ đăng nhập bằng mã quản trị (SO PIN) của thiết bị và đặt lại mã PIN người dùng; "
        "người sử dụng tự nhập mã PIN mới hai lần và đã đăng nhập thử thành công bằng mã PIN mới. "
        f"{how}Trạng thái mã PIN trước khi khôi phục: {_state(p.get('state_before'), 'user_pin_state')}; "
        f"sau khi khôi phục: {_state(p.get('state_after'), 'user_pin_state')}."
    )
    doc.paragraph(
        "Mã PIN mới do người sử dụng tự đặt, không được ghi lại ở bất kỳ đâu. Người sử dụng có trách nhiệm "
        "giữ bí mật mã PIN, không cho người khác sử dụng thiết bị; khi mất thiết bị hoặc lộ mã PIN phải báo "
        "ngay để thu hồi chứng thư số. Phiếu được lập thành 02 bản, mỗi bên giữ 01 bản."
    )
    doc.signatures([
        Signer("Người đề nghị", name),
        Signer("Người thực hiện", str(p.get("operator_name") or record.operator)),
    ])
    doc.qr(FormSeal.for_record(record.id, record.to_dict()))
    return doc


def render_receipt(org: Organisation, record: Record) -> bytes:
    return build_receipt(org, record).render()
