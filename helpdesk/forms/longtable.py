"""Long lists on a Decree-30 form: thousands of rows in seconds.

:meth:`FormDocument.table` makes a ReportLab ``Paragraph`` of every cell (markup parse,
line breaking) and one ``Table`` that ReportLab measures again at every page break, so a
list of 5,000 subscribers takes minutes. :func:`long_table` wraps the plain text itself
(greedy, word by word, widths cached per word), draws cells as plain multi-line strings
and cuts the rows into page-sized blocks, each with the header row; the look is the same
ruled table. Use it for lists (per-unit request lists, Mẫu 04–06); keep ``table`` for
short tables with long prose in cells.

    long_table(doc, ["STT", "Họ và tên", …], rows, col_widths=(1, 4, …))
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Table, TableStyle

from helpdesk.forms.fonts import nfc

if TYPE_CHECKING:
    from helpdesk.forms.layout import FormDocument

#: rows per block: small enough that a page break re-measures little, large enough to fill a page
BLOCK_ROWS = 24
FONT_SIZE = 11
PADDING = 3


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


def long_table(doc: FormDocument, columns: Sequence[str], rows: Sequence[Sequence[object]],
               col_widths: Sequence[float] | None = None, *, align: Sequence[str] | None = None,
               size: float = FONT_SIZE) -> FormDocument:
    """Append a ruled table of many rows to ``doc`` (header row bold, repeated on every block)."""
    from helpdesk.forms.layout import FRAME_WIDTH

    n = len(columns)
    if any(len(row) != n for row in rows):
        raise ValueError(f"every row needs {n} cells")
    weights = list(col_widths) if col_widths is not None else [1.0] * n
    if len(weights) != n or any(w <= 0 for w in weights):
        raise ValueError(f"col_widths needs {n} positive weights")
    widths = [FRAME_WIDTH * w / sum(weights) for w in weights]
    fonts = doc._fonts
    inner = [w - 2 * PADDING - 0.5 for w in widths]
    header = [wrap(str(c), inner[i], fonts.bold, size) for i, c in enumerate(columns)]
    body = [[wrap("" if v is None else str(v), inner[i], fonts.regular, size) for i, v in enumerate(row)]
            for row in rows]
    aligns = list(align) if align is not None else ["left"] * n
    if len(aligns) != n or not set(aligns) <= {"left", "center", "right"}:
        raise ValueError(f"align needs {n} of left, center, right")
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), fonts.regular), ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
        ("FONTSIZE", (0, 0), (-1, -1), size), ("LEADING", (0, 0), (-1, -1), size + 2),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"), ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),  # cells read row by row (pdftotext), numbers beside the first line
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    commands += [("ALIGN", (i, 1), (i, -1), a.upper()) for i, a in enumerate(aligns) if a != "left"]
    style = TableStyle(commands)
    for start in range(0, max(len(body), 1), BLOCK_ROWS):
        block = Table([header, *body[start:start + BLOCK_ROWS]], colWidths=widths, repeatRows=1,
                      spaceBefore=6 if start == 0 else 0, spaceAfter=6 if start + BLOCK_ROWS >= len(body) else 0)
        block.setStyle(style)
        doc._story.append(block)
    return doc
