"""Roster files as offices send them, for tests: ``.xlsx`` (a title row above the
header, as a unit's clerk types it) and ``.csv`` (optionally with a BOM or another
delimiter), names in NFD as Vietnamese keyboards on some machines produce them; Excel's
"Unicode Text"; and hostile files (a hand-made ``.xlsx``, a zip bomb) for the reader's
refusals (``helpdesk.sheets``)."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
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


def unicode_text(path: Path, rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> Path:
    """Excel's "Unicode Text": UTF-16 LE with a byte order mark, tab-separated, CR LF."""
    lines = ["\t".join(headers)] + ["\t".join("" if c is None else str(c) for c in row) for row in rows]
    path.write_bytes(b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le"))
    return path


# -- hand-made .xlsx: the parts a workbook needs, the sheet written as given -----------------

XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="DS" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
SHEET = ('<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/'
         'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')


def header_cells(headers: Sequence[str], row: int = 1) -> str:
    """A sheet's row of inline-text cells (A, B, …) holding ``headers``."""
    return f'<row r="{row}">' + "".join(f'<c r="{chr(65 + i)}{row}" t="inlineStr"><is><t>{h}</t></is></c>'
                                       for i, h in enumerate(headers)) + "</row>"


def handmade_xlsx(path: Path, sheet: str, **parts: str) -> Path:
    """A workbook of :data:`XLSX_PARTS` (``parts`` replace or add some) whose sheet is ``sheet``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in {**XLSX_PARTS, **parts}.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def zip_bomb(path: Path, headers: Sequence[str]) -> Path:
    """A 300 KB .xlsx whose sheet inflates to 320 MB (spaces after the header row)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in XLSX_PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            head, tail = SHEET.format(doctype="", rows=header_cells(headers) + "{hole}").split("{hole}")
            part.write(head.encode())
            block = b" " * (1 << 20)
            for _ in range(320):
                part.write(block)
            part.write(tail.encode())
    return path
