"""Export handovers (per unit and date range) and the roster to .xlsx, for the units' files and reports.

Every text cell goes through :func:`safe`: a value starting with ``=``, ``+``, ``-`` or
``@`` would be a formula to Excel/LibreOffice (CSV/formula injection, e.g. a name typed
as ``=HYPERLINK(…)``), so it is written as text with a leading apostrophe. The file is
written beside its target and renamed last: a cancelled or failed export leaves no
half-written file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpdesk.extension import Store, fold, gettext
from helpdesk_handover.history import Entry
from helpdesk_handover.progress import Progress

HEADERS = ("Số biên bản", "Ngày", "Họ và tên", "Chức vụ", "Đơn vị", "Số định danh cá nhân",
           "Thư điện tử công vụ", "Số hiệu thiết bị", "Số hiệu chứng thư số", "Hiệu lực đến",
           "Người nhận thay", "Người giao", "Trạng thái", "Mã hồ sơ")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STEP = 500  # rows between two progress reports


def safe(value: Any) -> Any:
    """A cell value a spreadsheet shows as written: text that a spreadsheet would take
    for a formula gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_rows(path: Path, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
               widths: Sequence[int], progress: Progress | None = None) -> int:
    """Write ``rows`` under a bold header to an .xlsx at ``path`` (cells through :func:`safe`,
    stored as text, never as formulas); the file appears whole or not at all."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    progress = progress or Progress(message="Cancelled: no file was written")
    total = len(rows)
    progress(0, total)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=safe(text))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for done, row in enumerate(rows):
        if done and done % STEP == 0:
            progress(done, total)
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it looks like a formula
            cells.append(cell)
        sheet.append(cells)
    progress(total, total)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        book.save(temporary)
        progress.check()
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return total


def export_xlsx(entries: Sequence[Entry], path: Path, progress: Progress | None = None) -> int:
    """Write one row per handover (oldest first); returns the number of rows."""
    rows = []
    for entry in sorted(entries, key=lambda e: e.record.time):
        p = entry.record.payload
        h, r = p["holder"], p["recipient"]
        rows.append([
            p["number"], entry.local_time.strftime("%d/%m/%Y %H:%M"), h["name"], h.get("position", ""),
            h.get("unit", ""), h["national_id"], h.get("email", ""), p["device"]["serial"],
            p["certificate"]["serial"], p["certificate"]["not_after"][:10],
            f"{r['name']} ({r['national_id']})" if r.get("kind") == "proxy" else "",
            p["giver"]["name"], gettext("voided") if entry.voided_by else gettext("handed over"), entry.record.id,
        ])
    return write_rows(path, "Bàn giao", HEADERS, rows, (14, 17, 28, 20, 32, 16, 28, 18, 26, 12, 28, 22, 12, 38),
                      progress)


ROSTER_HEADERS = ("STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị", "Cấp đơn vị", "Số định danh cá nhân",
                  "Thư điện tử công vụ", "Điện thoại", "Loại chứng thư", "Số hiệu thiết bị", "Số hiệu chứng thư số")
KIND_LABELS = {"ca_nhan": "Cá nhân", "to_chuc": "Tổ chức", "thiet_bi": "Thiết bị"}


def export_roster(store: Store, path: Path, unit: str | None = None, progress: Progress | None = None) -> int:
    """The roster (subscribers, by name) as a Mẫu 01 .xlsx that :func:`import_roster` reads
    back; ``unit`` keeps one unit (its id, or its name without accents and case)."""
    units = {u.id: u for u in store.units.all()}
    wanted = fold(unit) if unit else None
    rows: list[list[Any]] = []
    for subscriber in store.subscribers.all():
        found = units.get(subscriber.unit_id or "")
        if wanted is not None and (found is None or (wanted != fold(found.id) and wanted not in fold(found.name))):
            continue
        born = subscriber.date_of_birth
        rows.append([
            len(rows) + 1, subscriber.full_name, f"{born[8:10]}/{born[5:7]}/{born[:4]}" if born else "",
            subscriber.position or "", found.name if found else "", found.level_label if found else "",
            subscriber.national_id or "", subscriber.email or "", subscriber.phone or "",
            KIND_LABELS.get(subscriber.cert_kind, subscriber.cert_kind), subscriber.token_serial or "",
            subscriber.cert_serial or "",
        ])
    return write_rows(path, "Mẫu 01", ROSTER_HEADERS, rows, (6, 28, 12, 20, 32, 20, 16, 28, 14, 12, 18, 26),
                      progress)
