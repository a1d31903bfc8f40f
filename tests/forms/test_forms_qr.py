"""The seal's QR code (segno), read back from the rendered page by an independent decoder.

The page is drawn by ReportLab, rasterised by poppler (``pdftoppm``) and decoded by
zbar (``zbarimg``); the payload must name the stored record and match its hash.
"""

from __future__ import annotations

import io
import shutil

import pytest
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from helpdesk.config import Organisation
from helpdesk.forms import FormSeal
from helpdesk.forms.layout import QR_BORDER, QR_LEVEL, qr_path
from helpdesk.forms.sample import MULTIPAGE_DEVICES, build_handover, sample_record
from helpdesk.forms.seal import parse_payload, qr_code
from helpdesk.store import Store
from helpdesk.testing.ci import unavailable
from helpdesk.testing.pdftools import decode_qr_codes, page_png, pdf_page_count, render_gray


@pytest.fixture(autouse=True)
def _zbar() -> None:
    if shutil.which("zbarimg") is None:
        unavailable("zbarimg is missing; apt-get install --no-install-recommends zbar-tools")


def test_seal_on_the_page_decodes_to_the_stored_record(store: Store) -> None:
    """A record goes into the store and its form is printed from it; the QR decoded from
    the last page's image finds that record in the store and matches its content."""
    data = {"text": "Biên bản bàn giao cho Nguyễn Thị Ánh Tuyết", **sample_record(MULTIPAGE_DEVICES)}
    data.pop("id")
    saved = store.commit("test.note", {"token_serial": "TK00000001"}, data, "op")
    pdf = build_handover(Organisation(), {**saved.payload, "id": saved.id}).render()
    pages = pdf_page_count(pdf)
    assert pages == 2

    decoded = decode_qr_codes(page_png(pdf, page=pages, dpi=150))
    assert len(decoded) == 1, decoded
    seal = parse_payload(decoded[0])
    stored = [r for r in store.records() if r.id == seal.record_id]
    assert len(stored) == 1
    assert seal.matches({**stored[0].payload, "id": stored[0].id})
    assert not seal.matches({**stored[0].payload, "id": stored[0].id, "text": "sửa đổi"})
    assert decode_qr_codes(page_png(pdf, page=1, dpi=150)) == []  # the seal is on the last page only


def _page(draw_size: float, payload: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(60 * mm, 60 * mm), invariant=1)
    canvas.translate(10 * mm, 10 * mm)
    canvas.addLiteral(qr_path(qr_code(payload, QR_LEVEL).matrix, draw_size, draw_size, QR_BORDER))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.mark.parametrize(
    "payload",
    [
        FormSeal("3f6c1c2e-8a51-4d0b-9a7e-2b1f0c5d7e91", "ab" * 32).payload(),
        FormSeal("HD-2026-000123", "0" * 64).payload(),
        "helpdesk:v1:" + "x" * 120 + ":0123456789ab",  # a larger symbol version
    ],
)
def test_drawn_path_decodes_to_the_payload(payload: str) -> None:
    assert decode_qr_codes(page_png(_page(40 * mm, payload), dpi=200)) == [payload]


def test_drawn_path_covers_the_dark_modules() -> None:
    """Every dark module of segno's matrix is dark on the page, every light one light."""
    code = qr_code("helpdesk:v1:r1:0123456789ab", QR_LEVEL)
    size = 40 * mm
    image = render_gray(_page(size, "helpdesk:v1:r1:0123456789ab"), dpi=300)
    n = len(code.matrix)
    module = image.mm(40) / (n + 2 * QR_BORDER)
    left, top = image.mm(10), image.height - image.mm(10) - image.mm(40)
    for r, row in enumerate(code.matrix):
        for c, dark in enumerate(row):
            x = round(left + (c + QR_BORDER + 0.5) * module)
            y = round(top + (r + QR_BORDER + 0.5) * module)
            assert (image.px(x, y) < 128) == bool(dark), (r, c)


def test_no_dark_module_no_path() -> None:
    assert qr_path([[0] * 21] * 21, 40.0, 40.0, 2) == ""


def test_kept_font_subsets_are_what_reportlab_builds() -> None:
    """Rendering keeps recent font subsets (layout._remember_subsets): a kept one is byte
    for byte the subset a fresh copy of the font file builds."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFontFile

    from helpdesk.forms.fonts import font_files

    first = build_handover(Organisation(), sample_record()).render()
    assert build_handover(Organisation(), sample_record()).render() == first  # the second from kept subsets
    fonts = build_handover(Organisation(), sample_record())._fonts
    codes = [ord(c) for c in dict.fromkeys("Nguyễn Thị Ánh Tuyết 0123 ĐƯỢC")]
    for style, path in font_files().items():
        face = pdfmetrics.getFont(getattr(fonts, style)).face
        fresh = TTFontFile(str(path)).makeSubset(codes)
        assert face.makeSubset(codes) == fresh
        assert face.makeSubset(list(codes)) == fresh  # kept
