"""Decree-30 page layout (Nghị định 30/2020/NĐ-CP, Phụ lục I) for every printed form.

Build a form with :class:`FormDocument` and its builder methods, then ``render()`` to
PDF bytes. Output is byte-for-byte reproducible for the same inputs (ReportLab's
*invariant* mode fixes the creation date and document id), so a form can be rendered
again later and compared.

Layout choices (all within the Decree's ranges): A4 portrait; margins top 20, bottom 20,
left 30, right 15 mm; Liberation Serif (Times-metric) embedded; header in two columns —
managing body over issuing organisation with a short rule, then "Số:", on the left;
national title and motto with a full-length rule, then place and date in italics, on the
right; title 14 pt bold capitals; body 13 pt justified with a 1 cm first-line indent and
6 pt between paragraphs; page numbers at the top centre from page 2 (the Decree's rule);
on the last page the record's QR seal sits in the bottom margin with its short hash in
small type and the total page count, so a missing page shows.

Every string is NFC-normalised on the way in (see :mod:`helpdesk.forms.fonts`) and
escaped for ReportLab's paragraph markup, so callers pass plain text.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Self
from xml.sax.saxutils import escape

from reportlab.lib.colors import black
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from helpdesk.config import Organisation
from helpdesk.forms.fonts import FontFamily, nfc, register_fonts
from helpdesk.forms.seal import FormSeal

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

HEADER_LEFT = 65 * mm  # managing body / organisation / "Số:"
HEADER_RIGHT = FRAME_WIDTH - HEADER_LEFT  # national title / motto / place and date

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGN_NOTE = "(Ký, ghi rõ họ tên)"

BODY_SIZE = 13
TITLE_SIZE = 14
TABLE_SIZE = 12
FIRST_LINE_INDENT = 10 * mm

# The seal: bottom-right corner of the last page, inside the bottom margin, clear of
# the unprintable edge (~4 mm on office lasers). Public so tests can find it.
QR_SIZE = 15 * mm
QR_X = PAGE_WIDTH - MARGIN_RIGHT - QR_SIZE
QR_Y = 4 * mm
QR_BORDER = 2  # modules; the white page margin around it adds to the quiet zone
QR_LEVEL = "M"
SEAL_TEXT_SIZE = 7.5

Align = Literal["left", "center", "right", "justify"]
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}


def date_line(place: str, day: date) -> str:
    """Place and date line, e.g. "Cần Thơ, ngày 05 tháng 02 năm 2026".

    The Decree zero-pads days below 10 and the months January and February.
    """
    dd = f"{day.day:02d}"
    mm_ = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return nfc(f"{place}, ngày {dd} tháng {mm_} năm {day.year}")


def document_number(org: Organisation, kind: str, seq: int | None = None) -> str:
    """The "Số:" text, e.g. "12/BB-SNV" (kind "BB" = biên bản).

    ``seq=None`` leaves room to write the number by hand.
    """
    left = str(seq) if seq is not None else "\u00a0" * 8
    return nfc(f"{left}/{kind}-{org.code}")


@dataclass(frozen=True)
class Signer:
    """One signature block: role in bold capitals, the note, room to sign, the name."""

    role: str  # "ĐẠI DIỆN BÊN GIAO"; "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH" for two lines
    name: str = ""  # empty: written by hand
    note: str = SIGN_NOTE


def _table_style(fonts: FontFamily, *commands: tuple[Any, ...]) -> TableStyle:
    """Table cells always set a font, even around Paragraphs: default it to ours, or
    ReportLab names Helvetica (a built-in, unembedded font) in the PDF."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.regular), *commands])


def _markup(text: str) -> str:
    """Plain text -> paragraph markup: NFC, escaped, newlines kept."""
    return escape(nfc(text)).replace("\n", "<br/>")


class _Rule(Flowable):  # type: ignore[misc]  # ReportLab is untyped
    """A centred horizontal rule (under the organisation name and under the motto)."""

    def __init__(self, length: float, space_before: float = 1.5) -> None:
        super().__init__()
        self.length = length
        self.space_before = space_before

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail_width = avail_width
        return avail_width, self.space_before + 1

    def draw(self) -> None:
        x0 = (self.avail_width - self.length) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(x0, 0.5, x0 + self.length, 0.5)


class _Balanced(Flowable):  # type: ignore[misc]  # ReportLab is untyped
    """A centred paragraph whose lines are evened out: a long title breaks into two
    similar lines instead of a full line and an orphaned last word."""

    def __init__(self, paragraph: Paragraph) -> None:
        super().__init__()
        self.paragraph = paragraph
        self.used_width = 0.0
        self.avail_width = 0.0

    def _lines(self, width: float) -> int:
        self.paragraph.wrap(width, PAGE_HEIGHT)
        return len(self.paragraph.blPara.lines)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        lines = self._lines(avail_width)
        low, high = avail_width / 2, avail_width
        if lines > 1:
            for _ in range(12):  # narrowest width that still needs no extra line
                mid = (low + high) / 2
                low, high = (low, mid) if self._lines(mid) <= lines else (mid, high)
        self.avail_width, self.used_width = avail_width, high
        _, height = self.paragraph.wrap(high, avail_height)
        return avail_width, height

    def getSpaceBefore(self) -> float:  # ReportLab's name
        return float(self.paragraph.getSpaceBefore())

    def getSpaceAfter(self) -> float:  # ReportLab's name
        return float(self.paragraph.getSpaceAfter())

    def draw(self) -> None:
        self.paragraph.drawOn(self.canv, (self.avail_width - self.used_width) / 2, 0)


_SUBSETS_KEPT = 24  # per face; a subset is ~30-40 kB
_subset_lock = threading.Lock()
_subset_faces: set[int] = set()


def _remember_subsets(fonts: FontFamily) -> None:
    """Let each face keep the font subsets it made for the last few PDFs.

    ReportLab rebuilds every embedded subset for every PDF, in pure Python (~1 ms per
    font). A form's italic text, and much of its bold, is the same from one paper to the
    next, so the same subsets come back. ``makeSubset`` is a function of the face and the
    characters only: a kept subset is byte for byte the one it would rebuild.
    """
    from reportlab.pdfbase import pdfmetrics

    with _subset_lock:
        for name in (fonts.regular, fonts.bold, fonts.italic, fonts.bold_italic):
            face = pdfmetrics.getFont(name).face
            if id(face) in _subset_faces:
                continue
            _subset_faces.add(id(face))
            face.makeSubset = _kept(face.makeSubset)


def _kept(make_subset: Callable[[Sequence[int]], bytes]) -> Callable[[Sequence[int]], bytes]:
    kept: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
    lock = threading.Lock()

    def subset(codes: Sequence[int]) -> bytes:
        key = tuple(codes)
        with lock:
            data = kept.get(key)
            if data is not None:
                kept.move_to_end(key)
                return data
        data = make_subset(codes)
        with lock:
            kept[key] = data
            while len(kept) > _SUBSETS_KEPT:
                kept.popitem(last=False)
        return data

    return subset


class _Styles:
    def __init__(self, fonts: FontFamily) -> None:
        def style(name: str, font: str, size: float, **kw: Any) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.2, **kw)

        self.fonts = fonts
        self.header = style("header", fonts.regular, 13, alignment=TA_CENTER)
        self.header_bold = style("header_bold", fonts.bold, 13, alignment=TA_CENTER)
        self.motto = style("motto", fonts.bold, 14, alignment=TA_CENTER)
        self.dateline = style("dateline", fonts.italic, 14, alignment=TA_CENTER)
        self.title = style(
            "title", fonts.bold, TITLE_SIZE, alignment=TA_CENTER, spaceBefore=18, spaceAfter=2
        )
        self.subtitle = style("subtitle", fonts.bold, TITLE_SIZE, alignment=TA_CENTER)
        self.body = style(
            "body",
            fonts.regular,
            BODY_SIZE,
            alignment=TA_JUSTIFY,
            firstLineIndent=FIRST_LINE_INDENT,
            spaceAfter=6,
        )
        self.heading = style(
            "heading",
            fonts.bold,
            BODY_SIZE,
            alignment=TA_LEFT,
            firstLineIndent=FIRST_LINE_INDENT,
            spaceBefore=6,
            spaceAfter=6,
            keepWithNext=1,
        )
        self.field = style(
            "field",
            fonts.regular,
            BODY_SIZE,
            alignment=TA_LEFT,
            leftIndent=FIRST_LINE_INDENT,
            spaceAfter=3,
        )
        self.cell = style("cell", fonts.regular, TABLE_SIZE)
        self.cell_head = style("cell_head", fonts.bold, TABLE_SIZE, alignment=TA_CENTER)
        self.sign_role = style("sign_role", fonts.bold, BODY_SIZE, alignment=TA_CENTER)
        self.sign_note = style("sign_note", fonts.italic, BODY_SIZE, alignment=TA_CENTER)
        self.sign_name = style("sign_name", fonts.bold, BODY_SIZE, alignment=TA_CENTER)



def column_widths(n: int, rows: Sequence[Sequence[object]], col_widths: Sequence[float] | None) -> list[float]:
    """Each column's width (points) from relative weights scaled to the text width; checks
    that every row has ``n`` cells and the weights are ``n`` positive numbers."""
    if any(len(row) != n for row in rows):
        raise ValueError(f"every row needs {n} cells")
    weights = list(col_widths) if col_widths is not None else [1.0] * n
    if len(weights) != n or any(w <= 0 for w in weights):
        raise ValueError(f"col_widths needs {n} positive weights")
    return [FRAME_WIDTH * w / sum(weights) for w in weights]


class FormDocument:
    """One Decree-30 form. Builder methods append content and return ``self``.

    ``org`` comes from ``Settings.organisation`` (never hard-code it); ``number`` is the
    full "Số:" text such as ``"12/BB-SNV"`` (see :func:`document_number`).
    """

    def __init__(
        self,
        org: Organisation,
        *,
        number: str,
        title: str,
        date: date,
        subtitle: str = "",
        place: str | None = None,
    ) -> None:
        self.org = org
        self.number = nfc(number)
        self.title = nfc(title)
        self.subtitle = nfc(subtitle)
        self.date = date
        self.place = nfc(place if place is not None else org.place)
        self.seal: FormSeal | None = None
        self._fonts = register_fonts()
        _remember_subsets(self._fonts)
        self._styles = _Styles(self._fonts)
        self._story: list[Flowable] = []

    # -- builder -------------------------------------------------------------------
    def heading(self, text: str) -> Self:
        """A bold section heading ("I. THÀNH PHẦN"), kept with what follows."""
        self._story.append(Paragraph(_markup(text), self._styles.heading))
        return self

    def paragraph(
        self, text: str, *, align: Align = "justify", indent: bool = True, italic: bool = False
    ) -> Self:
        """A body paragraph: 13 pt, justified, 1 cm first-line indent by default."""
        style = ParagraphStyle(
            "p",
            parent=self._styles.body,
            alignment=_ALIGN[align],
            firstLineIndent=FIRST_LINE_INDENT if indent else 0,
            fontName=self._fonts.italic if italic else self._fonts.regular,
        )
        self._story.append(Paragraph(_markup(text), style))
        return self

    def fields(self, items: Sequence[tuple[str, str]]) -> Self:
        """Label–value lines ("Họ và tên: Nguyễn Thị Ánh Tuyết"), indented, left-aligned."""
        for label, value in items:
            self._story.append(Paragraph(f"{_markup(label)}: {_markup(value)}", self._styles.field))
        return self

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[object]],
        col_widths: Sequence[float] | None = None,
        *,
        align: Sequence[Align] | None = None,
    ) -> Self:
        """A ruled table; the bold header row repeats on each page the table spans.

        ``col_widths`` are relative weights (``(1, 4, 3)``) scaled to the text width;
        ``align`` gives each column's alignment (default left). Cells wrap; ``None`` is
        an empty cell.
        """
        n = len(columns)
        widths = column_widths(n, rows, col_widths)
        aligns = list(align) if align is not None else ["left"] * n
        cell_styles = [
            ParagraphStyle(f"c{i}", parent=self._styles.cell, alignment=_ALIGN[a])
            for i, a in enumerate(aligns)
        ]
        data: list[list[Paragraph]] = [
            [Paragraph(_markup(c), self._styles.cell_head) for c in columns]
        ]
        for row in rows:
            data.append(
                [
                    Paragraph(_markup("" if v is None else str(v)), cell_styles[i])
                    for i, v in enumerate(row)
                ]
            )
        table = Table(data, colWidths=widths, repeatRows=1, spaceBefore=6, spaceAfter=6)
        table.setStyle(
            _table_style(
                self._fonts,
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            )
        )
        self._story.append(table)
        return self

    def signatures(self, signers: Sequence[Signer | tuple[str, str]]) -> Self:
        """Signature blocks side by side, equal widths; never split across pages."""
        blocks = [s if isinstance(s, Signer) else Signer(role=s[0], name=s[1]) for s in signers]
        if not blocks:
            raise ValueError("signatures() needs at least one signer")
        st = self._styles
        cells = []
        for b in blocks:
            cell: list[Flowable] = [Paragraph(_markup(nfc(b.role).upper()), st.sign_role)]
            if b.note:
                cell.append(Paragraph(_markup(b.note), st.sign_note))
            cell.append(Spacer(1, 24 * mm))
            if b.name:
                cell.append(Paragraph(_markup(b.name), st.sign_name))
            cells.append(cell)
        table = Table([cells], colWidths=[FRAME_WIDTH / len(blocks)] * len(blocks), spaceBefore=12)
        table.setStyle(_table_style(self._fonts, ("VALIGN", (0, 0), (-1, -1), "TOP")))
        self._story.append(KeepTogether([table]))
        return self

    def spacer(self, height_mm: float) -> Self:
        self._story.append(Spacer(1, height_mm * mm))
        return self

    def page_break(self) -> Self:
        self._story.append(PageBreak())
        return self

    def qr(self, seal: FormSeal) -> Self:
        """Seal the form: QR (record id + short hash) at the bottom of the last page."""
        self.seal = seal
        return self

    # -- output --------------------------------------------------------------------
    def _header(self) -> list[Flowable]:
        st = self._styles
        org_name = nfc(self.org.name).upper()
        org_width = min(stringWidth(org_name, self._fonts.bold, 13), HEADER_LEFT)
        motto_width = stringWidth(MOTTO, self._fonts.bold, 14)
        left = [
            Paragraph(_markup(nfc(self.org.parent).upper()), st.header),
            Paragraph(_markup(org_name), st.header_bold),
            _Rule(org_width * 0.4),
        ]
        right = [
            Paragraph(NATIONAL_TITLE, st.header_bold),
            Paragraph(_markup(MOTTO), st.motto),
            _Rule(motto_width),
        ]
        number = Paragraph(f"Số: {_markup(self.number)}", st.header)
        when = Paragraph(_markup(date_line(self.place, self.date)), st.dateline)
        table = Table(
            [[left, right], [number, when]],
            colWidths=[HEADER_LEFT, HEADER_RIGHT],
        )
        table.setStyle(
            _table_style(
                self._fonts,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 6),
            )
        )
        story: list[Flowable] = [table, _Balanced(Paragraph(_markup(self.title.upper()), st.title))]
        if self.subtitle:
            story.append(Paragraph(_markup(self.subtitle), st.subtitle))
        story.append(Spacer(1, 8))
        return story

    def render(self) -> bytes:
        """The PDF. Same inputs give the same bytes (invariant mode)."""
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=self.title,
            author=nfc(self.org.name),
            subject=self.number,
            creator="helpdesk",
            invariant=1,
            initialFontName=self._fonts.regular,  # else every page names Helvetica
            lang="vi",
        )
        fonts, seal = self._fonts, self.seal

        def make_canvas(*args: Any, **kwargs: Any) -> _FormCanvas:
            return _FormCanvas(*args, fonts=fonts, seal=seal, **kwargs)

        doc.build(self._header() + self._story, canvasmaker=make_canvas)
        return buffer.getvalue()


class _FormCanvas(Canvas):  # type: ignore[misc]  # ReportLab is untyped
    """Holds pages back until the end, so each knows the page count and which is last."""

    def __init__(self, *args: Any, fonts: FontFamily, seal: FormSeal | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fonts = fonts
        self._seal = seal
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            if number > 1:  # Decree 30: Arabic page number, top centre, from page 2
                self.setFont(self._fonts.regular, BODY_SIZE)
                self.drawCentredString(
                    MARGIN_LEFT + FRAME_WIDTH / 2, PAGE_HEIGHT - MARGIN_TOP / 2 - 4, str(number)
                )
            if number == total and self._seal is not None:
                self._draw_seal(total)
            super().showPage()
        super().save()

    def _draw_seal(self, total: int) -> None:
        assert self._seal is not None
        self.saveState()
        self.translate(QR_X, QR_Y)
        self.setFillColor(black)
        self.addLiteral(qr_path(self._seal.qr(QR_LEVEL).matrix, QR_SIZE, QR_SIZE, QR_BORDER))
        self.restoreState()
        lines = [
            f"Mã hồ sơ: {self._seal.record_id}",
            f"Mã kiểm tra: {self._seal.display_hash}",
            f"Văn bản gồm {total} trang",
        ]
        self.setFont(self._fonts.regular, SEAL_TEXT_SIZE)
        x = QR_X - 2 * mm
        y = QR_Y + QR_SIZE - SEAL_TEXT_SIZE - 2
        for line in lines:
            self.drawRightString(x, y, nfc(line))
            y -= SEAL_TEXT_SIZE * 1.25


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def qr_path(modules: Sequence[Sequence[int]], width: float, height: float, border: int) -> str:
    """PDF path operators that fill the dark modules of a QR matrix (segno's
    ``QRCode.matrix``: rows of 0/1, top row first, no quiet zone) in a ``width`` ×
    ``height`` box whose origin is its bottom left, ``border`` light modules around.

    One rectangle per run of dark modules in a row, 5 % taller so the rows join, all in
    one path filled once (non-zero rule: the overlaps stay dark). ReportLab's ``QrCode``
    widget draws the same runs with one ``canvas.rect`` each, formatting every number
    with its pure-Python ``fp_str``: several ms per page for ~300 rectangles."""
    n = len(modules)
    xsize, ysize = width / (n + 2 * border), height / (n + 2 * border)
    xs = [_num((c + border) * xsize) for c in range(n)]
    ws = [_num(count * xsize) for count in range(n + 1)]
    h = _num(ysize * 1.05)
    ops = []
    for r, row in enumerate(modules):
        y = _num(height - (r + border + 1) * ysize)
        c = 0
        for dark, run in itertools.groupby(row):
            count = len(list(run))
            if dark:
                ops.append(f"{xs[c]} {y} {ws[count]} {h} re")
            c += count
    return "\n".join([*ops, "f"]) if ops else ""
