"""The plugin's two papers, in the Nghị định 30 layout (``FormDocument``):

- ``pdf_sign.test_document``: "Văn bản ký thử", the document the holder signs;
- ``pdf_sign.receipt``: "Phiếu kết quả ký thử", what was signed, by which certificate,
  and what validation found (with the QR seal of the stored record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from helpdesk.extension import (
    FormDocument,
    FormSeal,
    Organisation,
    Record,
    Signer,
    document_number,
    nfc,
)

TEST_DOCUMENT = "pdf_sign.test_document"
RECEIPT = "pdf_sign.receipt"

TEST_TITLE = "Văn bản ký thử"
TEST_PARAGRAPH = (
    "Văn bản này được lập tại bộ phận hỗ trợ để người được cấp chứng thư số ký thử bằng thiết bị lưu khóa "
    "bí mật vừa nhận. Chữ ký số hợp lệ trên văn bản chứng tỏ chứng thư số còn hiệu lực, khóa bí mật trên "
    "thiết bị khớp với chứng thư và người ký biết mã PIN của thiết bị. Văn bản ký thử không có giá trị "
    "giao dịch, chỉ dùng để kiểm tra."
)
RESULT_TEXT = {"valid": "Hợp lệ", "invalid": "Không hợp lệ"}
REVOCATION_TEXT = {"good": "Chưa bị thu hồi", "revoked": "Đã bị thu hồi", "unknown": "Không xác định"}


@dataclass(frozen=True)
class TestDocument:
    """Who signs the test document, and when."""

    __test__ = False  # not a pytest class

    holder: str
    unit: str
    token_serial: str
    certificate_serial: str
    when: datetime


def _when(value: datetime) -> str:
    return value.astimezone().strftime("%H:%M, ngày %d/%m/%Y")


def build_test_document(org: Organisation, value: Any) -> FormDocument:
    if not isinstance(value, TestDocument):
        raise TypeError("the test document needs a TestDocument")
    doc = FormDocument(org, number=document_number(org, "VBKT"), title=TEST_TITLE, date=value.when.date(),
                       subtitle="Kiểm tra chứng thư số, khóa bí mật và mã PIN")
    doc.paragraph(TEST_PARAGRAPH)
    doc.fields([
        ("Người ký", nfc(value.holder)),
        ("Cơ quan, đơn vị", nfc(value.unit) or "—"),
        ("Số hiệu thiết bị", value.token_serial),
        ("Số hiệu chứng thư số", value.certificate_serial),
        ("Thời điểm lập", _when(value.when)),
    ])
    doc.paragraph("Tiếng Việt có dấu để kiểm tra phông chữ: Cần Thơ, Sở Nội vụ, ủy quyền, thẩm định, "
                  "lưu trữ, chữ ký số.", italic=True)
    doc.signatures([Signer("Người ký thử", nfc(value.holder), note="(Ký số)")])
    return doc


def build_receipt(org: Organisation, value: Any) -> FormDocument:
    if not isinstance(value, Record):
        raise TypeError("the receipt needs a pdf_sign.test Record")
    p: Mapping[str, Any] = value.payload
    when = datetime.fromisoformat(str(p["signed_at"]))
    doc = FormDocument(org, number=document_number(org, "PKT"), title="Phiếu kết quả ký thử", date=when.date())
    doc.paragraph("Bộ phận hỗ trợ xác nhận kết quả ký số thử như sau:")
    v = p["validation"]
    doc.fields([
        ("Người ký", p["signer"]["common_name"]),
        ("Chủ thể chứng thư", p["signer"]["subject"]),
        ("Số hiệu chứng thư số", p["certificate_serial"]),
        ("Số hiệu thiết bị", p["token_serial"]),
        ("Văn bản", p["document"]["title"]),
        ("Mã băm SHA-256 của văn bản", p["document"]["sha256"]),
        ("Mã băm SHA-256 của văn bản đã ký", p["signed_sha256"]),
        ("Định dạng chữ ký", f"PAdES {p['level']}"),
        ("Thời điểm ký", _when(when)),
        ("Toàn vẹn", "Có" if v["intact"] else "Không"),
        ("Chữ ký đúng", "Có" if v["valid"] else "Không"),
        ("Tin cậy (chuỗi đến chứng thư gốc)", "Có" if v["trusted"] else "Không"),
        ("Tình trạng thu hồi", REVOCATION_TEXT.get(v["revocation"], v["revocation"])),
        ("Kết quả", RESULT_TEXT.get(p["result"], p["result"])),
    ])
    for check in p.get("checks", []):
        if check["status"] != "ok":
            doc.paragraph(f"Lưu ý: {check['reason']}", italic=True)
    doc.signatures([Signer("Người ký thử", p["signer"]["common_name"]), Signer("Cán bộ hỗ trợ", p["operator_name"])])
    doc.qr(FormSeal.for_record(value.id, value.to_dict()))
    return doc
