"""Decree-30 layout: text, geometry, page numbers, seal, determinism, NFC."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reportlab.lib.units import mm

from helpdesk.config import Organisation, load_settings
from helpdesk.forms import FormDocument, FormSeal, date_line, document_number, layout
from helpdesk.forms.sample import MULTIPAGE_DEVICES, build_handover, sample_record
from helpdesk.forms.seal import qr_code
from helpdesk.testing.pdftools import pdf_page_count, pdf_text, render_gray

TITLE = "BIÊN BẢN BÀN GIAO THIẾT BỊ LƯU KHÓA BÍ MẬT VÀ CHỨNG THƯ SỐ"


def flat(text: str) -> str:
    """Whitespace collapsed: wrapped lines compare as one."""
    return " ".join(text.split())


def test_multipage_text_comes_back_exactly(sample_pdf: bytes) -> None:
    assert pdf_page_count(sample_pdf) == 2
    raw = pdf_text(sample_pdf, nfc=False)
    assert unicodedata.normalize("NFC", raw) == raw  # precomposed in the PDF itself
    page1 = pdf_text(sample_pdf, first=1, last=1)
    lines = [line.strip() for line in page1.splitlines() if line.strip()]
    for expected in [
        "Số: 12/BB-SNV",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ NỘI VỤ",
        "Cần Thơ, ngày 27 tháng 11 năm 2026",
    ]:
        assert expected in lines, expected
    assert "UBND THÀNH PHỐ CẦN THƠ" in page1
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page1
    assert TITLE in flat(page1)
    assert "Ông/Bà: Nguyễn Thị Ánh Tuyết" in lines
    assert "Cơ quan, tổ chức công tác: Ủy ban nhân dân phường Tân An, quận Ninh Kiều" in lines


def test_page_numbers_follow_the_decree(sample_pdf: bytes) -> None:
    """No number on page 1; an Arabic number at the top centre from page 2."""
    page1 = [line for line in pdf_text(sample_pdf, first=1, last=1).splitlines() if line.strip()]
    page2 = [line for line in pdf_text(sample_pdf, first=2, last=2).splitlines() if line.strip()]
    assert page1[0].startswith("UBND")
    assert page2[0].strip() == "2"
    image = render_gray(sample_pdf, page=2)
    centre = image.mm(30 + 165 / 2)
    assert image.dark_in(centre - image.mm(4), image.mm(4), centre + image.mm(4), image.mm(16)) > 0
    assert image.dark_in(0, 0, centre - image.mm(5), image.mm(19)) == 0  # and nothing else


def test_table_header_repeats_and_signatures_stay_whole(sample_pdf: bytes) -> None:
    page2 = flat(pdf_text(sample_pdf, first=2, last=2))
    assert "Số hiệu thiết bị" in page2  # header row repeated on the new page
    assert f"VGCA{2611000 + MULTIPAGE_DEVICES:08d}" in page2
    assert "BÊN NHẬN (Ký, ghi rõ họ tên)" in page2 or "BÊN NHẬN" in page2
    for text in [
        "ĐẠI DIỆN BÊN GIAO",
        "(Ký, ghi rõ họ tên)",
        "Nguyễn Thị Ánh Tuyết",
        "Trần Văn Bình",
    ]:
        assert text in page2


def test_page_one_is_a4_with_decree_margins(sample_pdf: bytes) -> None:
    image = render_gray(sample_pdf, page=1, dpi=110)
    assert (image.width, image.height) == (
        math.ceil(210 / 25.4 * 110),
        math.ceil(297 / 25.4 * 110),
    )
    w, h = image.width, image.height
    # margins (left 30, right 15, top 20, bottom 20 mm) are blank; 1 mm slack for anti-aliasing
    assert image.dark_in(0, 0, image.mm(29), h) == 0
    assert image.dark_in(image.mm(196), 0, w, h) == 0
    assert image.dark_in(0, 0, w, image.mm(19)) == 0
    assert image.dark_in(0, h - image.mm(19), w, h) == 0  # no seal: not the last page
    # …and the text really uses the frame up to its edges
    assert image.dark_in(image.mm(30), 0, image.mm(31.5), h) > 0
    assert image.dark_in(image.mm(193.5), 0, image.mm(195), h) > 0
    assert image.dark_in(0, image.mm(20), w, image.mm(23)) > 0


def test_seal_sits_in_the_bottom_margin_of_the_last_page(sample_pdf: bytes) -> None:
    record = sample_record(MULTIPAGE_DEVICES)
    seal = FormSeal.for_record(record["id"], record)
    page2 = pdf_text(sample_pdf, first=2, last=2)
    assert f"Mã hồ sơ: {record['id']}" in page2
    assert f"Mã kiểm tra: {seal.display_hash}" in page2
    assert "Văn bản gồm 2 trang" in page2
    assert "Mã kiểm tra" not in pdf_text(sample_pdf, first=1, last=1)


def test_qr_code_encodes_the_seal_payload(sample_pdf: bytes) -> None:
    """Read the drawn QR modules back at 600 dpi and compare with segno's symbol."""
    record = sample_record(MULTIPAGE_DEVICES)
    payload = FormSeal.for_record(record["id"], record).payload()
    expected = qr_code(payload, layout.QR_LEVEL).matrix
    n = len(expected)

    dpi = 600
    scale = dpi / 72
    left = round(layout.QR_X * scale)
    top = round((layout.PAGE_HEIGHT - layout.QR_Y - layout.QR_SIZE) * scale)
    size = round(layout.QR_SIZE * scale)
    image = render_gray(sample_pdf, page=2, dpi=dpi, crop=(left, top, size, size))
    module = size / (n + 2 * layout.QR_BORDER)
    drawn = [
        [
            image.px(
                int((layout.QR_BORDER + c + 0.5) * module),
                int((layout.QR_BORDER + r + 0.5) * module),
            )
            < 128
            for c in range(n)
        ]
        for r in range(n)
    ]
    want = [[bool(module) for module in row] for row in expected]
    assert drawn == want
    # quiet zone: the border modules are white
    assert image.dark_in(0, 0, size, int(module * layout.QR_BORDER) - 1) == 0


def _nfd(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFD", value)
    if isinstance(value, dict):
        return {k: _nfd(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfd(v) for v in value]
    return value


def test_nfd_input_renders_identically(sample_pdf: bytes) -> None:
    org = Organisation()
    nfd_org = Organisation(**{k: _nfd(v) for k, v in vars(org).items()})
    record = _nfd(sample_record(MULTIPAGE_DEVICES))
    assert record["holder"]["name"] != sample_record()["holder"]["name"]  # really decomposed
    assert build_handover(nfd_org, record).render() == sample_pdf


def test_rendering_is_reproducible_across_processes(sample_pdf: bytes) -> None:
    code = (
        "import hashlib, sys\n"
        "from helpdesk.config import Organisation\n"
        "from helpdesk.forms.sample import build_handover, sample_record\n"
        f"pdf = build_handover(Organisation(), sample_record({MULTIPAGE_DEVICES})).render()\n"
        "print(hashlib.sha256(pdf).hexdigest())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == hashlib.sha256(sample_pdf).hexdigest()


def test_organisation_comes_from_settings(helpdesk_home: Path) -> None:
    (helpdesk_home / "helpdesk.toml").write_text(
        "[organisation]\n"
        'parent = "UBND TỈNH HẬU GIANG"\n'
        'name = "Sở Khoa học và Công nghệ"\n'
        'code = "SKHCN"\n'
        'place = "Vị Thanh"\n',
        encoding="utf-8",
    )
    org = load_settings().organisation
    text = pdf_text(build_handover(org, sample_record()).render())
    assert "UBND TỈNH HẬU GIANG" in text
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in flat(text)
    assert "Số: 12/BB-SKHCN" in text
    assert "Vị Thanh, ngày 27 tháng 11 năm 2026" in text
    assert "CẦN THƠ" not in text and "SNV" not in text


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 5), "Cần Thơ, ngày 05 tháng 02 năm 2026"),
        (date(2026, 1, 31), "Cần Thơ, ngày 31 tháng 01 năm 2026"),
        (date(2026, 3, 9), "Cần Thơ, ngày 09 tháng 3 năm 2026"),
        (date(2026, 11, 27), "Cần Thơ, ngày 27 tháng 11 năm 2026"),
    ],
)
def test_date_line_pads_as_the_decree_says(day: date, expected: str) -> None:
    assert date_line("Cần Thơ", day) == expected


def test_document_number() -> None:
    org = Organisation(code="SNV")
    assert document_number(org, "BB", 12) == "12/BB-SNV"
    blank = document_number(org, "BB")
    assert blank.endswith("/BB-SNV") and blank.startswith("\u00a0")


def _small_doc() -> FormDocument:
    return FormDocument(Organisation(), number="1/BB-SNV", title="Thử", date=date(2026, 1, 1))


def test_plain_text_is_not_markup() -> None:
    doc = _small_doc().paragraph("A & B <b>đậm</b> <br/> x").fields([("Ghi chú", "<i>1 < 2</i>")])
    doc.table(["Cột <1>"], [["a & b"], [None]])
    text = "".join(pdf_text(doc.render()).split())  # pdftotext may drop narrow spaces
    for literal in ["A & B <b>đậm</b> <br/> x", "Ghi chú: <i>1 < 2</i>", "Cột <1>", "a & b"]:
        assert "".join(literal.split()) in text


def test_table_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="2 cells"):
        _small_doc().table(["A", "B"], [["1"]])
    with pytest.raises(ValueError, match="positive weights"):
        _small_doc().table(["A", "B"], [["1", "2"]], col_widths=(1, 0))
    with pytest.raises(ValueError, match="at least one"):
        _small_doc().signatures([])


def test_table_widths_are_relative_and_fill_the_text_width() -> None:
    doc = _small_doc().table(["A", "B"], [["1", "2"]], col_widths=(1, 3))
    table = doc._story[-1]
    assert [round(w / mm, 2) for w in table._colWidths] == [41.25, 123.75]


def test_long_title_breaks_into_even_lines(sample_pdf: bytes) -> None:
    lines = [line.strip() for line in pdf_text(sample_pdf, first=1, last=1).splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("BIÊN BẢN"))
    first, second = lines[start], lines[start + 1]
    assert f"{first} {second}" == TITLE
    assert abs(len(first) - len(second)) <= 6  # not a full line and an orphaned "SỐ"
