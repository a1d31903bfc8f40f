"""Export handovers to .xlsx (per unit and date range), for the unit's files and reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from helpdesk.extension import gettext
from helpdesk_handover.history import Entry

HEADERS = ("Số biên bản", "Ngày", "Họ và tên", "Chức vụ", "Đơn vị", "Số định danh cá nhân",
           "Thư điện tử công vụ", "Số hiệu thiết bị", "Số hiệu chứng thư số", "Hiệu lực đến",
           "Người nhận thay", "Người giao", "Trạng thái", "Mã hồ sơ")


def export_xlsx(entries: Sequence[Entry], path: Path) -> int:
    """Write one row per handover (oldest first); returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bàn giao"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for entry in sorted(entries, key=lambda e: e.record.time):
        p = entry.record.payload
        h, r = p["holder"], p["recipient"]
        sheet.append([
            p["number"], entry.local_time.strftime("%d/%m/%Y %H:%M"), h["name"], h.get("position", ""),
            h.get("unit", ""), h["national_id"], h.get("email", ""), p["device"]["serial"],
            p["certificate"]["serial"], p["certificate"]["not_after"][:10],
            f"{r['name']} ({r['national_id']})" if r.get("kind") == "proxy" else "",
            p["giver"]["name"], gettext("voided") if entry.voided_by else gettext("handed over"), entry.record.id,
        ])
    for column, width in zip("ABCDEFGHIJKLMN", (14, 17, 28, 20, 32, 16, 28, 18, 26, 12, 28, 22, 12, 38),
                             strict=True):
        sheet.column_dimensions[column].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(entries)
