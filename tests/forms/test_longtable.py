"""``long_table``: thousands of rows on a Decree-30 form, wrapped by us, read back whole."""

from __future__ import annotations

from datetime import date

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from helpdesk.config import Organisation
from helpdesk.forms import FormDocument, register_fonts
from helpdesk.forms.longtable import long_table, wrap
from helpdesk.testing.pdftools import pdf_page_count, pdf_text


def test_wrap_keeps_every_line_inside_the_width_and_loses_no_character() -> None:
    font = register_fonts().regular
    text = wrap("Nguyễn Thị Ánh Tuyết tuyetnta.vanphong.sonoivu@cantho.gov.vn", 60, font, 11)
    lines = text.split("\n")
    assert all(stringWidth(line, font, 11) <= 60 for line in lines) and len(lines) >= 4
    assert "".join(text.split()) == "NguyễnThịÁnhTuyếttuyetnta.vanphong.sonoivu@cantho.gov.vn"
    assert wrap("", 60, font) == "" and wrap("a\nb", 60, font) == "a\nb"


def test_a_thousand_rows_span_pages_and_every_cell_reads_back() -> None:
    doc = FormDocument(Organisation(), number="1/CV-SNV", title="Danh sách", date=date(2026, 12, 6))
    rows = [[str(i), f"Nguyễn Văn Thử {i:04d}", f"u{i:04d}@cantho.gov.vn"] for i in range(1, 1001)]
    long_table(doc, ["STT", "Họ và tên", "Thư điện tử công vụ"], rows, col_widths=(1, 4, 5),
               align=["center", "left", "left"])
    pdf = doc.render()
    text = " ".join(pdf_text(pdf).split())
    assert all(f"Nguyễn Văn Thử {i:04d}" in text for i in range(1, 1001))
    assert pdf_page_count(pdf) > 10 and text.count("Họ và tên") == pdf_page_count(pdf)  # the header on every page


def test_bad_shapes_are_refused() -> None:
    doc = FormDocument(Organisation(), number="1/CV-SNV", title="x", date=date(2026, 12, 6))
    with pytest.raises(ValueError, match="every row needs 2 cells"):
        long_table(doc, ["a", "b"], [["1"]])
    with pytest.raises(ValueError, match="align"):
        long_table(doc, ["a", "b"], [["1", "2"]], align=["left", "middle"])
