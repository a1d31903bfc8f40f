"""The seal's QR code: exactly the modules ReportLab's encoder makes, drawn where its QrCode draws them."""

from __future__ import annotations

import io
import random
import string
import uuid
from collections.abc import Callable

import pytest
from reportlab.graphics.barcode.qr import QrCode
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel, QRUtil
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from helpdesk.forms import FormSeal
from helpdesk.forms.qr import SealQRCode, codewords, lost_points, qr_matrix, qr_path
from helpdesk.testing.pdftools import render_gray


def _reference(data: str, level: str) -> QRCode:
    code = QRCode(None, getattr(QRErrorCorrectLevel, level))
    code.addData(data)
    code.make()
    return code


def _payloads() -> list[tuple[str, str]]:
    """Seal payloads plus random texts of every encoding mode, length and level."""
    rnd = random.Random(30)
    out = [(FormSeal(str(uuid.UUID(int=rnd.getrandbits(128))), f"{rnd.getrandbits(256):064x}").payload(), "M")
           for _ in range(40)]
    alphabets = [string.ascii_letters + string.digits + ":-", string.digits, string.digits + string.ascii_uppercase
                 + " $%*+-./:", "Nguyễn Thị Ánh Tuyết đăng ký "]
    for _ in range(60):
        text = "".join(rnd.choice(rnd.choice(alphabets)) for _ in range(rnd.choice((1, 7, 30, 62, 100, 180, 320))))
        out.append((text, rnd.choice("LMQH")))
    return out


@pytest.mark.parametrize(("data", "level"), _payloads())
def test_matrix_equals_reportlabs(data: str, level: str) -> None:
    expected = _reference(data, level)
    assert qr_matrix(data, level) == [[bool(m) for m in row] for row in expected.modules]


def test_codewords_equal_reportlabs() -> None:
    """Data, padding and Reed-Solomon bytes as ``QRCode.createData`` makes them, versions 1-20."""
    rnd = random.Random(11)
    versions = set()
    for _ in range(60):
        code = QRCode(None, getattr(QRErrorCorrectLevel, rnd.choice("LMQH")))
        code.addData("".join(rnd.choice(string.printable[:94]) for _ in range(rnd.randint(1, 400))))
        version = code.calculate_version()
        versions.add(version)
        assert codewords(version, code.errorCorrectLevel, code.dataList) == QRCode.createData(
            version, code.errorCorrectLevel, code.dataList)
    assert len(versions) >= 12


def test_penalty_equals_reportlabs_for_every_mask() -> None:
    """Not only the winner: each candidate's score is ReportLab's (versions 1 to 10)."""
    rnd = random.Random(7)
    versions = set()
    for length in (3, 20, 40, 60, 90, 120, 160, 200, 230, 270):
        code = QRCode(None, QRErrorCorrectLevel.M)
        code.addData("".join(rnd.choice(string.ascii_letters) for _ in range(length)))
        code.version = code.calculate_version()
        versions.add(code.version)
        n = code.version * 4 + 17
        for mask in range(8):
            code.makeImpl(True, mask)
            rows = [int("".join("1" if m else "0" for m in row), 2) for row in code.modules]
            assert lost_points(rows, n) == QRUtil.getLostPoint(code), (length, mask)
    assert len(versions) >= 8  # version 7+ adds the version bits


def test_ties_keep_the_first_mask() -> None:
    """A tie between masks must resolve like ReportLab (first minimum): find a payload with one."""
    rnd = random.Random(3)
    for _ in range(400):
        data = "".join(rnd.choice(string.digits) for _ in range(rnd.randint(1, 12)))
        code = QRCode(None, QRErrorCorrectLevel.L)
        code.addData(data)
        code.version = code.calculate_version()
        scores = []
        for mask in range(8):
            code.makeImpl(True, mask)
            scores.append(QRUtil.getLostPoint(code))
        if scores.count(min(scores)) > 1:
            fast = SealQRCode(None, QRErrorCorrectLevel.L)
            fast.addData(data)
            fast.version = code.version
            assert fast.getBestMaskPattern() == scores.index(min(scores))
            return
    pytest.fail("no tied payload found")  # pragma: no cover


def _page(draw: Callable[[Canvas], None]) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(60 * mm, 60 * mm), invariant=1)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_drawn_like_reportlabs_qrcode() -> None:
    """The seal's path covers the very pixels ReportLab's QrCode flowable covers."""
    payload = FormSeal("3f6c1c2e-8a51-4d0b-9a7e-2b1f0c5d7e91", "ab" * 32).payload()
    size, x, y = 40 * mm, 10 * mm, 10 * mm

    def ours(canvas: Canvas) -> None:
        canvas.translate(x, y)
        canvas.addLiteral(qr_path(qr_matrix(payload, "M"), size, size, 2))

    def reportlabs(canvas: Canvas) -> None:
        QrCode(payload, width=size, height=size, qrBorder=2, qrLevel="M").drawOn(canvas, x, y)

    a, b = (render_gray(_page(draw), page=1, dpi=300) for draw in (ours, reportlabs))
    assert (a.width, a.height) == (b.width, b.height)
    dark = sum(p < 128 for p in b.pixels)
    differ = sum((p < 128) != (q < 128) for p, q in zip(a.pixels, b.pixels, strict=True))
    assert dark > 10_000 and differ <= dark // 500  # edge pixels at most (number rounding)


def test_no_dark_module_no_path() -> None:
    assert qr_path([[False] * 21] * 21, 40.0, 40.0, 2) == ""


def test_kept_font_subsets_are_what_reportlab_builds() -> None:
    """Rendering keeps recent font subsets (layout._remember_subsets): a kept one is byte
    for byte the subset a fresh copy of the font file builds."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFontFile

    from helpdesk.config import Organisation
    from helpdesk.forms.fonts import font_files
    from helpdesk.forms.sample import build_handover, sample_record

    first = build_handover(Organisation(), sample_record()).render()
    assert build_handover(Organisation(), sample_record()).render() == first  # the second from kept subsets
    fonts = build_handover(Organisation(), sample_record())._fonts
    codes = [ord(c) for c in dict.fromkeys("Nguyễn Thị Ánh Tuyết 0123 ĐƯỢC")]
    for style, path in font_files().items():
        face = pdfmetrics.getFont(getattr(fonts, style)).face
        fresh = TTFontFile(str(path)).makeSubset(codes)
        assert face.makeSubset(codes) == fresh
        assert face.makeSubset(list(codes)) == fresh  # kept
