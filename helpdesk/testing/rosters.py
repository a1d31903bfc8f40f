"""Roster files as offices send them, for tests: ``.xlsx`` (a title row above the
header, as a unit's clerk types it) and ``.csv`` (optionally with a BOM or another
delimiter), names in NFD as Vietnamese keyboards on some machines produce them."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def nfd(text: str) -> str:
    """``text`` decomposed (base letters + combining marks): what the import must fold to NFC."""
    return unicodedata.normalize("NFD", text)


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], headers: Sequence[str],
               title: str | None = None) -> Path:
    """A workbook with ``title`` (then an empty row) above ``headers`` and ``rows``."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title is not None:
        sheet.append([nfd(title)])
        sheet.append([])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], headers: Sequence[str], delimiter: str = ",",
              bom: bool = False) -> Path:
    """UTF-8 CSV (``None`` cells empty), with a byte-order mark if ``bom``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    path.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8"))
    return path
