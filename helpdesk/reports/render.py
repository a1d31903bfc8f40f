"""A report on paper (Decree-30 layout, numbered "N/BC-<code>") and as a spreadsheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from helpdesk.config import Organisation
from helpdesk.reports.build import Report
from helpdesk.reports.plan import Plan

TITLE = "BÁO CÁO TÌNH HÌNH TRIỂN KHAI, SỬ DỤNG CHỮ KÝ SỐ"
COLUMNS_VI = ("STT", "Chỉ tiêu", "Đơn vị", "Kế hoạch năm", "Thực hiện", "Tỷ lệ")


def _period_text(report: Report) -> str:
    p = report.period
    return f"Quý {p.quarter} năm {p.year}" if p.quarter else f"Năm {p.year}"


def _ratio(actual: float, plan: float | None) -> str:
    if not plan:
        return ""
    return f"{100 * actual / plan:.0f}%"


def number(value: float | int | None) -> str:
    """Vietnamese number: 1.062, 723.360.000, 12,5."""
    return _number(value)


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", ".")
    return f"{int(value):,}".replace(",", ".")  # Vietnamese thousands separator


def table_rows(report: Report) -> list[list[str]]:
    return [[str(n), row.label("vi"), row.unit or "Toàn Sở", _number(row.plan), _number(row.value),
             _ratio(row.value, row.plan)] for n, (_, row) in enumerate(report.rows(), 1)]


def render_pdf(org: Organisation, report: Report, number: str, day: date) -> bytes:
    from helpdesk.forms import FormDocument

    doc = FormDocument(org, number=number, title=TITLE, date=day,
                       subtitle=f"{_period_text(report)} — {report.plan.name}")
    doc.paragraph(f"Thực hiện {report.plan.name}, {org.name} báo cáo tình hình triển khai, sử dụng chữ ký số "
                  f"{_period_text(report).lower()} như sau:")
    rows = table_rows(report)
    if rows:
        doc.table(COLUMNS_VI, rows, col_widths=(0.6, 4.5, 1.6, 1.4, 1.4, 1.0),
                  align=("center", "left", "left", "right", "right", "right"))
    else:
        doc.paragraph("Không có hoạt động nào được ghi nhận trong kỳ báo cáo.", italic=True)
    failed = [s for s in report.sections if s.error]
    for result in failed:
        doc.paragraph(f"Ghi chú: phần “{result.section.title('vi')}” không tính được ({result.error}).", italic=True)
    doc.signatures([("Người lập biểu", ""), (f"TM. {org.name}", "")])
    return doc.render()


def write_xlsx(report: Report, path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bao cao"
    sheet.append([f"{TITLE} — {_period_text(report)}"])
    sheet.append(["Chỉ số", "Chỉ tiêu", "Đơn vị", "Kỳ", "Kế hoạch năm", "Thực hiện"])
    for _, row in report.rows():
        sheet.append([row.metric, row.label("vi"), row.unit or "Toàn Sở", str(report.period), row.plan, row.value])
    book.save(path)
    return path


def summary_rows(plan: Plan, actual: dict[tuple[str, int], float]) -> list[list[str]]:
    """Bảng tổng hợp: each target's plan and actual per year, and totals."""
    rows = []
    for target in plan.targets:
        cells = [target.label_vi]
        for year in plan.years:
            planned = target.for_year(year)
            done = actual.get((target.metric, year), 0)
            cells.append(f"{_number(done)}/{_number(planned)}" if planned is not None else _number(done) or "")
        total_done = sum(actual.get((target.metric, y), 0) for y in plan.years)
        cells.append(f"{_number(total_done)}/{_number(target.total)}")
        rows.append(cells)
    return rows
