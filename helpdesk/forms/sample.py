"""A sample handover record, for tests and the docs picture (not the real workflow form).

The handover plugin builds the real record; this one shows how a builder uses
:class:`~helpdesk.forms.layout.FormDocument` and feeds the layout realistic, accent-heavy
Vietnamese text. ``docs/handover-sample.png`` is page 1 of
``build_handover(org, sample_record())`` drawn by ``pdftoppm -r 110 -png``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from helpdesk.config import Organisation
from helpdesk.forms.layout import FormDocument, Signer, date_line, document_number
from helpdesk.forms.seal import FormSeal

#: Device rows that push the sample onto a second page (for multi-page tests).
MULTIPAGE_DEVICES = 14

TITLE = "Biên bản bàn giao thiết bị lưu khóa bí mật và chứng thư số"


def sample_record(devices: int = 1) -> dict[str, Any]:
    """A handover of ``devices`` tokens to Nguyễn Thị Ánh Tuyết (more devices, more pages)."""
    return {
        "id": "3f6c1c2e-8a51-4d0b-9a7e-2b1f0c5d7e91",
        "seq": 12,
        "date": "2026-11-27",
        "giver": {"name": "Trần Văn Bình", "position": "Chuyên viên Phòng Công chức, viên chức"},
        "holder": {
            "name": "Nguyễn Thị Ánh Tuyết",
            "position": "Kế toán trưởng",
            "agency": "Ủy ban nhân dân phường Tân An, quận Ninh Kiều",
            "email": "ntatuyet@cantho.gov.vn",
            "id_number": "092186001234",
        },
        "devices": [
            {
                "device": f"VGCA{2611000 + i:08d}",
                "certificate": f"54 03 1F {i:02X} 9A 7E 2B 1F",
                "subject": "Nguyễn Thị Ánh Tuyết" if i == 1 else f"Đơn vị sự nghiệp số {i}",
                "valid": "27/11/2026 – 27/11/2031",
            }
            for i in range(1, devices + 1)
        ],
    }


def build_handover(org: Organisation, record: Mapping[str, Any]) -> FormDocument:
    """The sample handover record (a :data:`~helpdesk.forms.registry.FormBuilder`)."""
    day = date.fromisoformat(record["date"])
    giver, holder = record["giver"], record["holder"]
    doc = FormDocument(org, number=document_number(org, "BB", record["seq"]), title=TITLE, date=day)
    opening = date_line(org.place, day).split(", ", 1)[1]
    doc.paragraph(f"Hôm nay, {opening}, tại {org.place}, chúng tôi gồm:")
    doc.heading(f"1. Bên giao (Bên A): {org.name}")
    doc.fields([("Ông/Bà", giver["name"]), ("Chức vụ", giver["position"])])
    doc.heading("2. Bên nhận (Bên B)")
    doc.fields(
        [
            ("Ông/Bà", holder["name"]),
            ("Chức vụ", holder["position"]),
            ("Cơ quan, tổ chức công tác", holder["agency"]),
            ("Số định danh cá nhân", holder["id_number"]),
            ("Địa chỉ thư điện tử công vụ", holder["email"]),
        ]
    )
    doc.heading("3. Nội dung bàn giao")
    doc.paragraph(
        "Bên A bàn giao cho Bên B thiết bị lưu khóa bí mật (token) chứa chứng thư số "
        "chuyên dùng Chính phủ, cùng mã PIN trong phong bì niêm phong, cụ thể như sau:"
    )
    doc.table(
        [
            "STT",
            "Số hiệu thiết bị",
            "Số hiệu chứng thư số",
            "Chủ thể chứng thư",
            "Thời hạn hiệu lực",
        ],
        [
            [i, d["device"], d["certificate"], d["subject"], d["valid"]]
            for i, d in enumerate(record["devices"], start=1)
        ],
        col_widths=(13, 34, 36, 44, 38),  # mm, of the 165 mm text width
        align=("center", "left", "left", "left", "center"),
    )
    doc.paragraph(
        "Bên B đã nhận đủ thiết bị, phong bì mã PIN còn nguyên niêm phong và đã ký thử thành "
        "công. Bên B có trách nhiệm quản lý, bảo quản thiết bị lưu khóa bí mật, giữ bí mật mã "
        "PIN, không cho người khác sử dụng; khi thiết bị bị mất, hỏng hoặc lộ mã PIN phải báo "
        "ngay cho Bên A để thu hồi chứng thư số theo quy định."
    )
    doc.paragraph("Biên bản được lập thành 02 bản có giá trị pháp lý như nhau, mỗi bên giữ 01 bản.")
    doc.signatures(
        [
            Signer("Bên nhận", holder["name"]),
            Signer("Đại diện bên giao", giver["name"]),
        ]
    )
    doc.qr(FormSeal.for_record(record["id"], record))
    return doc
