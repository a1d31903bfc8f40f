"""Long lists on a Decree-30 form: thousands of rows in seconds.

:meth:`FormDocument.table` makes a ReportLab ``Paragraph`` of every cell (markup parse,
line breaking) and one ``Table`` that ReportLab measures again at every page break, so a
list of 5,000 subscribers takes minutes. :func:`long_table` wraps the plain text itself
(greedy, word by word, widths cached per word), measures every row once, splits at a page
break by adding up row heights, and draws each page's piece with one text object and one
grid, the header row on top of every piece; the look is the same ruled table (≈ 1.2 s for
5,000 rows against ≈ 3 s for page-sized ReportLab ``Table`` blocks of plain strings). Use
it for lists (per-unit request lists, Mẫu 04–06); keep ``table`` for short tables with
long prose in cells.

    long_table(doc, ["STT", "Họ và tên", …], rows, col_widths=(1, 4, …))
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from helpdesk.forms.fonts import nfc

if TYPE_CHECKING:
    from helpdesk.forms.layout import FormDocument

FONT_SIZE = 11
PADDING = 3
TOP_PADDING = 2
BOTTOM_PADDING = 3


@lru_cache(maxsize=65536)
def _width(word: str, font: str, size: float) -> float:
    return float(stringWidth(word, font, size))


def wrap(text: str, width: float, font: str, size: float = FONT_SIZE) -> str:
    """``text`` broken into lines no wider than ``width`` points (a word longer than the
    width is cut by characters); lines joined with newlines."""
    lines: list[str] = []
    space = _width(" ", font, size)
    for paragraph in nfc(text).split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            w = _width(word, font, size)
            while w > width and len(word) > 1:  # an e-mail or serial wider than its column
                cut = len(word)
                while cut > 1 and _width(word[:cut], font, size) > width - (used + space if line else 0):
                    cut -= 1
                if line and cut <= 1:
                    lines.append(line)
                    line, used = "", 0.0
                    continue
                lines.append((line + " " if line else "") + word[:cut])
                line, used = "", 0.0
                word = word[cut:]
                w = _width(word, font, size)
            if line and used + space + w > width:
                lines.append(line)
                line, used = word, w
            else:
                line, used = (line + " " + word, used + space + w) if line else (word, w)
        lines.append(line)
    return "\n".join(lines)


class _Rows(Flowable):  # type: ignore[misc]  # ReportLab is untyped
    """A ruled table of pre-wrapped rows: measured once, split in O(rows), drawn with one
    text object and one grid per page piece; the header row starts every piece."""

    def __init__(self, header: list[list[str]], rows: list[list[list[str]]], heights: list[float],
                 header_height: float, widths: list[float], aligns: list[str], fonts: Any, size: float,
                 first: bool = True, last: bool = True) -> None:
        super().__init__()
        self.header, self.rows, self.heights, self.header_height = header, rows, heights, header_height
        self.widths, self.aligns, self.fonts, self.size = widths, aligns, fonts, size
        self.first, self.last = first, last
        self.spaceBefore = 6 if first else 0
        self.spaceAfter = 6 if last else 0
        self.hAlign = "CENTER"  # as FormDocument.table: the frame's own padding is shared out evenly

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.height = self.header_height + sum(self.heights)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room = avail_height - self.header_height
        used, k = 0.0, 0
        for h in self.heights:
            if used + h > room:
                break
            used, k = used + h, k + 1
        if k == 0 or k == len(self.rows):
            return []
        return [self._piece(0, k, self.first, False), self._piece(k, len(self.rows), False, self.last)]

    def _piece(self, start: int, end: int, first: bool, last: bool) -> _Rows:
        return _Rows(self.header, self.rows[start:end], self.heights[start:end], self.header_height, self.widths,
                     self.aligns, self.fonts, self.size, first, last)

    def draw(self) -> None:
        canvas = self.canv
        leading = self.size + 2
        xs = [0.0]
        for w in self.widths:
            xs.append(xs[-1] + w)
        ys = [self.height, self.height - self.header_height]
        for h in self.heights:
            ys.append(ys[-1] - h)
        text = canvas.beginText()
        text.setFont(self.fonts.bold, self.size, leading)
        self._cells(text, self.header, ys[0], self.header_height, xs, ["center"] * len(self.widths),
                    self.fonts.bold, middle=True)
        text.setFont(self.fonts.regular, self.size, leading)
        for i, row in enumerate(self.rows):
            self._cells(text, row, ys[i + 1], self.heights[i], xs, self.aligns, self.fonts.regular, middle=False)
        canvas.drawText(text)
        canvas.setLineWidth(0.5)
        canvas.grid(xs, ys)

    def _cells(self, text: Any, cells: list[list[str]], top: float, height: float, xs: list[float],
               aligns: list[str], font: str, *, middle: bool) -> None:
        leading = self.size + 2
        for j, lines in enumerate(cells):
            block = len(lines) * leading
            y = top - TOP_PADDING - self.size - ((height - TOP_PADDING - BOTTOM_PADDING - block) / 2 if middle else 0)
            left, right = xs[j] + PADDING, xs[j + 1] - PADDING
            for line in lines:
                if line:
                    if aligns[j] == "left":
                        x = left
                    else:
                        width = sum(_width(word, font, self.size) for word in line.split(" ")) + \
                            _width(" ", font, self.size) * line.count(" ")
                        x = (left + right - width) / 2 if aligns[j] == "center" else right - width
                    text.setTextOrigin(x, y)
                    text.textOut(line)
                y -= leading


def _height(cells: list[list[str]], size: float) -> float:
    return max(len(lines) for lines in cells) * (size + 2) + TOP_PADDING + BOTTOM_PADDING


def long_table(doc: FormDocument, columns: Sequence[str], rows: Sequence[Sequence[object]],
               col_widths: Sequence[float] | None = None, *, align: Sequence[str] | None = None,
               size: float = FONT_SIZE) -> FormDocument:
    """Append a ruled table of many rows to ``doc`` (header row bold, repeated on every page)."""
    from helpdesk.forms.layout import column_widths

    n = len(columns)
    widths = column_widths(n, rows, col_widths)
    fonts = doc._fonts
    inner = [w - 2 * PADDING - 0.5 for w in widths]
    header = [wrap(str(c), inner[i], fonts.bold, size) for i, c in enumerate(columns)]
    body = [[wrap("" if v is None else str(v), inner[i], fonts.regular, size) for i, v in enumerate(row)]
            for row in rows]
    aligns = list(align) if align is not None else ["left"] * n
    if len(aligns) != n or not set(aligns) <= {"left", "center", "right"}:
        raise ValueError(f"align needs {n} of left, center, right")
    head = [cell.split("\n") for cell in header]
    cells = [[cell.split("\n") for cell in row] for row in body]
    doc._story.append(_Rows(head, cells, [_height(row, size) for row in cells], _height(head, size), widths,
                            aligns, fonts, size))
    return doc
