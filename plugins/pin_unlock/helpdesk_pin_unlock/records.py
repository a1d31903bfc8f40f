"""The plugin's records and the paper made from them.

- ``pin_unlock.attempt``: every unlock/change attempt and its outcome;
- ``pin_unlock.request``: a token that must go back to the issuer (Mẫu 06);
- the receipt (form ``pin_unlock.receipt``): "Phiếu xác nhận khôi phục mật khẩu thiết
  bị lưu khóa", numbered "Số: N/PXN-…" by the core's gap-free counter.

PINs never appear: payloads carry states and outcomes only (the store also refuses
keys that look like PINs). Facts about the token, holder and certificate are copied in
as they were at the time, so the receipt can be rendered again from the record alone
(and its QR seal hashes that record). A paper form is Vietnamese whatever the interface
language, so its text is not translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from helpdesk.extension import PIN_STATES, Subject

if TYPE_CHECKING:
    from helpdesk.extension import (
        CertInfo,
        FormDocument,
        Organisation,
        Record,
        Store,
        Subscriber,
        TokenInfo,
        Unit,
    )

ATTEMPT = "pin_unlock.attempt"
REQUEST = "pin_unlock.request"

ACTIONS = ("unlock", "change")
OUTCOMES = (
    "success",
    "so_pin_incorrect",
    "so_pin_locked",
    "pin_incorrect",  # change: the old PIN was wrong
    "pin_locked",
    "pin_rejected",  # the token refused the new PIN
    "token_removed",
    "token_error",
    "refused_final_try",  # the guard stopped a last SO try without the typed confirmation
    "identity_mismatch",
)
REQUEST_REASONS = ("so_pin_locked", "so_pin_not_held")


# ---- who and what the record is about ------------------------------------------------------
@dataclass(frozen=True)
class Holder:
    """The subscriber record naming the token (None when the roster has no such token)."""

    subscriber: Subscriber | None
    unit: Unit | None

    @property
    def name(self) -> str:
        return self.subscriber.full_name if self.subscriber else ""

    @property
    def unit_name(self) -> str:
        return self.unit.name if self.unit else ""


def find_holder(store: Store, token: TokenInfo) -> Holder:
    subscriber = store.subscribers.by_token_serial(token.serial)
    unit = store.units.get(subscriber.unit_id) if subscriber and subscriber.unit_id else None
    return Holder(subscriber, unit)


def main_certificate(token: TokenInfo) -> CertInfo | None:
    """The certificate with a key (else the first readable one) — the holder's."""
    readable = [c for c in token.certificates if not c.error]
    with_key = [c for c in readable if c.has_private_key is not False]
    found = with_key or readable
    return found[0] if found else None


def token_facts(token: TokenInfo) -> dict[str, str]:
    return {"serial": token.serial, "label": token.label, "manufacturer": token.manufacturer, "model": token.model}


def holder_facts(holder: Holder) -> dict[str, str | None]:
    s = holder.subscriber
    return {
        "subscriber_id": s.id if s else None,
        "name": s.full_name if s else None,
        "position": s.position if s else None,
        "unit_id": s.unit_id if s else None,
        "unit": holder.unit_name or None,
        "email": s.email if s else None,
    }


def cert_facts(cert: CertInfo | None) -> dict[str, str] | None:
    if cert is None:
        return None
    return {
        "common_name": cert.subject.common_name,
        "organisation": cert.subject.get("O"),
        "email": cert.subject.get("E"),
        "serial": cert.serial,
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
    }


def states(token: TokenInfo | None) -> dict[str, str] | None:
    if token is None:
        return None  # unknown: the token was gone when we looked
    return {"user_pin_state": token.flags.user_pin_state, "so_pin_state": token.flags.so_pin_state}


def subject_for(token: TokenInfo, holder: Holder) -> Subject:
    cert = main_certificate(token)
    return Subject(
        subscriber_id=holder.subscriber.id if holder.subscriber else None,
        token_serial=token.serial,
        cert_serial=cert.serial if cert else None,
    )


def facts(token: TokenInfo, holder: Holder) -> dict[str, Any]:
    """What every record of this plugin says about the token, its holder and certificate."""
    return {"token": token_facts(token), "holder": holder_facts(holder),
            "certificate": cert_facts(main_certificate(token))}


# ---- validators (the store runs them on every commit) ---------------------------------------
def _one_of(payload: Mapping[str, Any], key: str, allowed: tuple[str, ...], problems: list[str]) -> None:
    if payload.get(key) not in allowed:
        problems.append(f"{key} must be one of {', '.join(allowed)}")


def _states_ok(value: object) -> bool:
    return value is None or (
        isinstance(value, Mapping)
        and value.get("user_pin_state") in PIN_STATES
        and value.get("so_pin_state") in PIN_STATES
    )


def validate_attempt(payload: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    _one_of(payload, "action", ACTIONS, problems)
    _one_of(payload, "outcome", OUTCOMES, problems)
    token = payload.get("token")
    if not isinstance(token, Mapping) or not token.get("serial"):
        problems.append("token.serial is required")
    identity = payload.get("identity")
    if not isinstance(identity, Mapping) or identity.get("method") not in ("national_id", "admin_override", "old_pin"):
        problems.append("identity.method is required")
    elif identity.get("method") == "admin_override" and not str(identity.get("override_reason") or "").strip():
        problems.append("an admin override needs its reason")
    if not isinstance(payload.get("pin_pad"), bool):
        problems.append("pin_pad must be true or false")
    for key in ("state_before", "state_after"):
        if not _states_ok(payload.get(key)):
            problems.append(f"{key} must give user_pin_state and so_pin_state")
    if payload.get("outcome") == "success" and payload.get("action") == "unlock" and not isinstance(
        payload.get("receipt_seq"), int
    ):
        problems.append("a successful unlock needs its receipt number")
    return problems


def validate_request(payload: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    _one_of(payload, "reason", REQUEST_REASONS, problems)
    token = payload.get("token")
    if not isinstance(token, Mapping) or not token.get("serial"):
        problems.append("token.serial is required")
    if not isinstance(payload.get("holder"), Mapping):
        problems.append("holder is required")
    return problems


# ---- the receipt ---------------------------------------------------------------------------
FORM = "pin_unlock.receipt"
ARCHIVE_KIND = "pin_unlock_receipt"
TITLE = "Phiếu xác nhận khôi phục mật khẩu thiết bị lưu khóa"
RECEIPT_SERIES = "PXN"  # "Số: N/PXN-SNV", from 1 each calendar year

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
    """The receipt for a successful unlock record (registered as form :data:`FORM`)."""
    from helpdesk.extension import FormDocument, FormSeal, Signer, date_line, document_number

    p: Mapping[str, Any] = record.payload
    day = _local_day(record.time)
    holder = p.get("holder") or {}
    cert = p.get("certificate") or {}
    token = p["token"]
    identity = p.get("identity") or {}
    name = holder.get("name") or cert.get("common_name") or ""
    doc = FormDocument(org, number=document_number(org, RECEIPT_SERIES, p.get("receipt_seq")), title=TITLE, date=day)
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
