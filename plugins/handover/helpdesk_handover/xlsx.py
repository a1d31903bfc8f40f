"""The roster's .xlsx reader: the active worksheet's values, as openpyxl gives them, faster.

openpyxl's read-only ``iter_rows(values_only=True)`` builds a dict per cell and decodes
each through descriptors: ~300 µs per 11-cell row, half a minute for a 100k-row roster.
:func:`read_rows` returns the same tuples — the same active sheet, the ``<dimension>``
padding and cut-off, shared and inline strings (rich-text runs joined), numbers as int
or float, booleans, and numbers whose cell style has a date format as openpyxl's
``from_excel`` values (1900 or 1904 epoch). The small parts (content types,
relationships, workbook, styles) are read by openpyxl's own classes, so their rules —
which sheet is active, which styles are dates — are openpyxl's.

The sheet itself is read by the first of these that can:

1. :meth:`_Book.scan_rows`: one regular expression over the XML text, for the shapes
   openpyxl and Excel write (``<c r="B2" s="1" t="s"><v>…</v></c>``, inline strings,
   formulas with cached values). Tokens must tile the ``sheetData`` exactly; any other
   shape, markup (comments, CDATA) or doubtful text gives up. ~2.5x faster than 2.
2. :meth:`_Book.parse_rows`: ``ElementTree.iterparse`` over the same part.
3. openpyxl (the caller's fallback when :func:`read_rows` returns None): anything else —
   a chartsheet, ISO-date cells, out-of-range serials, a damaged or encrypted file.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, fromstring, iterparse

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = "{" + MAIN + "}"
ROW, CELL, VALUE, INLINE, DIMENSION = (NS + t for t in ("row", "c", "v", "is", "dimension"))
TEXT, RUN, PHONETIC, PHONETIC_PR, FORMULA = (NS + t for t in ("t", "r", "rPh", "phoneticPr", "f"))
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STYLES = "xl/styles.xml"  # openpyxl reads the stylesheet from this fixed path
BLOCK = 1 << 20

# A cell as openpyxl/Excel write it (attributes r, s, t in that order), a row tag, or
# blanks. Groups: 1 column letters, 2 style, 3 type, 4 value, 5 inline text, 6 value
# after a formula, 7 row attributes, 8 "/" of an empty row, 9 "</row>".
_TOKEN = re.compile(
    r'<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?(?:/>|>(?:<v>([^<]*)</v>'
    r'|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>'
    r'|<f(?: [^<>]*)?(?:/>|>[^<]*</f>)(?:<v>([^<]*)</v>)?)?</c>)'
    r"|<row((?: [^<>]*?)?)(/)?>|(</row>)|[ \t\n]+"
)
_ROW_NUMBER = re.compile(r'(?:^|\s)r="([^"]*)"')
_ENTITY = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
# Raw characters XML forbids or rewrites (CR: line-end normalisation): leave those to expat.
_NOT_PLAIN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_XML_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding=["'](?![Uu][Tt][Ff]-?8["'])""")

Cells = tuple[list[int], list[Any]]  # columns and values, in the order the sheet lists them


class Unusual(Exception):
    """Something this reader leaves to the next one."""


def read_rows(path: Path) -> list[Sequence[Any]] | None:
    """All rows of the active sheet as openpyxl's read-only values, or None (use openpyxl)."""
    try:
        with zipfile.ZipFile(path) as archive:
            book = _Book(archive)
            readers: tuple[Callable[[], list[Sequence[Any]]], ...] = (book.scan_rows, book.parse_rows)
            for reader in readers:
                try:
                    return reader()
                except Exception:  # an optimisation only: the next reader decides
                    continue
    except Exception:  # likewise: openpyxl, the reference, reads (or refuses) the file
        pass
    return None


def _text(element: Element) -> str:
    """openpyxl's ``Text.from_tree(element).content``: the plain text, then each run's text."""
    plain: str | None = None
    runs: list[str] = []
    for child in element:
        tag = child.tag
        if tag == TEXT:
            if plain is not None or len(child):
                raise Unusual("two plain texts")
            plain = child.text or ""
        elif tag == RUN:
            texts = [c for c in child if c.tag == TEXT]
            if len(texts) > 1:
                raise Unusual("two texts in a run")
            if texts and texts[0].text is not None:
                runs.append(texts[0].text)
        elif tag not in (PHONETIC, PHONETIC_PR):
            raise Unusual(f"unexpected {tag} in a string")
    return (plain or "") + "".join(runs)


def _cast_number(value: str) -> int | float:
    """openpyxl's ``_cast_number``."""
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


class _Entities(dict[str, str]):
    """Entity or character reference -> text, checked and remembered."""

    def __missing__(self, ref: str) -> str:
        match = _ENTITY.fullmatch(ref)
        if match is None:
            raise Unusual(f"reference {ref!r}")
        decimal, hexadecimal, name = match.groups()
        if name:
            text = _NAMED[name]
        else:
            code = int(decimal) if decimal else int(hexadecimal, 16)
            if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
                    or 0x10000 <= code <= 0x10FFFF):
                raise Unusual(f"reference to a character XML forbids: {ref}")
            text = chr(code)
        self[ref] = text
        return text


_entities = _Entities()


def _unescape(text: str) -> str:
    out, count = _ENTITY.subn(lambda m: _entities[m[0]], text)
    if count != text.count("&"):
        raise Unusual("a bare & in the text")
    return out


class _Book:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        from openpyxl.packaging.manifest import Manifest
        from openpyxl.packaging.relationship import get_dependents, get_rels_path
        from openpyxl.packaging.workbook import WorkbookPackage
        from openpyxl.reader.excel import _find_workbook_part
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

        self.archive = archive
        names = set(archive.namelist())
        package = Manifest.from_tree(fromstring(archive.read("[Content_Types].xml")))
        workbook_part = _find_workbook_part(package).PartName[1:]
        book = WorkbookPackage.from_tree(fromstring(archive.read(workbook_part)))
        rels = get_dependents(archive, get_rels_path(workbook_part)).to_dict()
        sheets = []  # as openpyxl's wb._sheets: worksheets and chartsheets whose part exists
        for sheet in book.sheets:
            if not sheet.id:
                continue
            rel = rels[sheet.id]
            if rel.target in names:
                sheets.append(rel)
        try:
            chosen = sheets[book.active]
        except IndexError:  # the roster then takes the first worksheet
            chosen = next(rel for rel in sheets if "chartsheet" not in rel.Type)
        if "chartsheet" in chosen.Type or not chosen.Type.endswith("/worksheet"):
            raise Unusual("the active sheet is not a worksheet")
        self.sheet_path: str = chosen.target
        self.epoch = CALENDAR_MAC_1904 if book.properties.date1904 else WINDOWS_EPOCH
        self.date_styles, self.timedelta_styles = self._styles()
        strings = package.find(SHARED_STRINGS)
        self.strings = self._shared_strings(strings.PartName[1:]) if strings is not None else []
        self.max_col: int | None = None
        self.max_row: int | None = None

    def _styles(self) -> tuple[frozenset[int], frozenset[int]]:
        from openpyxl.styles.stylesheet import Stylesheet

        try:
            src = self.archive.read(STYLES)
        except KeyError:
            return frozenset(), frozenset()
        sheet = Stylesheet.from_tree(fromstring(src))
        if not sheet.cell_styles:
            return frozenset(), frozenset()
        return frozenset(sheet.date_formats), frozenset(sheet.timedelta_formats)

    def _shared_strings(self, part: str) -> list[str]:
        strings = []
        item = NS + "si"
        with self.archive.open(part) as src:
            for _, node in iterparse(src):
                if node.tag == item:
                    strings.append(_text(node).replace("x005F_", ""))  # as openpyxl does
                    node.clear()
        return strings

    def _dimension(self, ref: str | None) -> None:
        from openpyxl.utils.cell import range_boundaries

        if ref is None:
            raise Unusual("dimension without ref")
        _, _, self.max_col, self.max_row = range_boundaries(ref)

    def _value(self, kind: str, text: str | None, style: str | None) -> Any:
        """openpyxl's ``WorkSheetParser.parse_cell`` value (data only) of a non-inline cell."""
        if not text:
            return None
        if kind == "n":
            value = _cast_number(text)
            style_id = int(style) if style else 0
            if style_id in self.date_styles:
                from openpyxl.utils.datetime import from_excel

                try:
                    return from_excel(value, self.epoch, timedelta=style_id in self.timedelta_styles)
                except (OverflowError, ValueError) as exc:  # openpyxl warns and gives "#VALUE!"
                    raise Unusual("date serial out of range") from exc
            return value
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind in ("str", "e"):
            return text
        raise Unusual(f"cell type {kind}")  # 'd' (ISO dates) and anything new: openpyxl's business

    # -- 1: scanning the text ---------------------------------------------------------
    def scan_rows(self) -> list[Sequence[Any]]:
        with self.archive.open(self.sheet_path) as src:
            return list(_assemble(self, self._scan(src)))

    def _scan(self, src: IO[bytes]) -> Iterator[tuple[str | None, Cells]]:
        head = b""
        while (start := head.find(b"<sheetData")) < 0:
            block = src.read(BLOCK)
            if not block:
                raise Unusual("no sheetData")
            head += block
        end = head.index(b">", start) + 1
        if head[end - 2 : end] == b"/>" or head[start + 10 : end - 1].strip():
            raise Unusual("empty or attributed sheetData")
        prefix, rest = head[:start], head[end:]
        if prefix.startswith(b"\xef\xbb\xbf"):
            prefix = prefix[3:]
        if _XML_DECL_ENCODING.match(prefix) or b"<!" in prefix:
            raise Unusual("encoding or DTD")
        root = fromstring(prefix + b"</worksheet>")
        if root.tag != NS + "worksheet" or b"<worksheet " not in prefix:
            raise Unusual("prefixed root")
        dimension = next(root.iter(DIMENSION), None)
        if dimension is not None:
            self._dimension(dimension.get("ref"))
        in_row = False
        cols: list[int] = []
        values: list[Any] = []
        number: str | None = None
        columns: dict[str, int] = {}
        unescaped: dict[str, str] = {}  # units, positions … repeat: decode each once
        while True:
            block = src.read(BLOCK)
            rest += block
            cut = rest.rfind(b"</row>") + 6 if block else rest.find(b"</sheetData>")
            if cut < 6 if block else cut < 0:
                if not block:
                    raise Unusual("sheetData not closed")
                continue
            text = rest[:cut].decode("utf-8")
            rest = rest[cut:]
            if "<!" in text or "<?" in text or _NOT_PLAIN.search(text):
                raise Unusual("markup or characters left to the XML parser")
            pos = 0
            for match in _TOKEN.finditer(text):
                if match.start() != pos:
                    raise Unusual(f"unexpected markup: {text[pos:pos + 60]!r}")
                pos = match.end()
                letters, style, kind, value, inline, after_formula, attrs, empty, close = match.groups()
                if letters is not None:
                    if not in_row:
                        raise Unusual("a cell outside a row")
                    column = columns.get(letters)
                    if column is None:
                        from openpyxl.utils.cell import column_index_from_string

                        column = columns[letters] = column_index_from_string(letters)
                    if kind == "inlineStr":
                        cell: Any = inline
                        if inline is not None and "&" in inline:
                            cell = unescaped.get(inline)
                            if cell is None:
                                cell = unescaped[inline] = _unescape(inline)
                    else:
                        raw = value if value is not None else after_formula
                        if raw is not None and "&" in raw:
                            raw = _unescape(raw)
                        cell = self._value(kind or "n", raw, style)
                    cols.append(column)
                    values.append(cell)
                elif attrs is not None:
                    if in_row or "'" in attrs or "xmlns" in attrs:
                        raise Unusual("row attributes")
                    found = _ROW_NUMBER.search(attrs)
                    number = found[1] if found else None
                    if empty:
                        yield number, ([], [])
                    else:
                        in_row, cols, values = True, [], []
                elif close is not None:
                    if not in_row:
                        raise Unusual("</row> outside a row")
                    in_row = False
                    yield number, (cols, values)
            if pos != len(text):
                raise Unusual(f"unexpected markup: {text[pos:pos + 60]!r}")
            if not block:
                if in_row:
                    raise Unusual("row not closed")
                return

    # -- 2: the XML parser ------------------------------------------------------------
    def parse_rows(self) -> list[Sequence[Any]]:
        self.max_col = self.max_row = None
        with self.archive.open(self.sheet_path) as src:
            return list(_assemble(self, self._parse(src)))

    def _parse(self, src: IO[bytes]) -> Iterator[tuple[str | None, Cells]]:
        seen_row = False
        columns: dict[str, int] = {}
        for _, element in iterparse(src):
            tag = element.tag
            if tag == DIMENSION:
                if seen_row:  # openpyxl sizes the sheet before reading rows
                    raise Unusual("dimension after the rows")
                self._dimension(element.get("ref"))
                continue
            if tag != ROW:
                continue
            seen_row = True
            cols: list[int] = []
            values: list[Any] = []
            col_counter = 0
            for cell in element:
                if cell.tag != CELL:
                    raise Unusual(f"unexpected {cell.tag} in a row")
                coordinate = cell.get("r")
                if coordinate:
                    letters = coordinate.rstrip("0123456789")
                    column = columns.get(letters)
                    if column is None:
                        column = columns[letters] = _column(letters, coordinate)
                    col_counter = column
                else:
                    col_counter += 1
                kind = cell.get("t", "n")
                value: Any = None
                if kind == "inlineStr":
                    inline = cell.find(INLINE)
                    if inline is not None:
                        value = _text(inline)
                else:
                    for child in cell:
                        if child.tag not in (VALUE, FORMULA):
                            raise Unusual(f"unexpected {child.tag} in a cell")
                    value = self._value(kind, cell.findtext(VALUE), cell.get("s"))
                cols.append(col_counter)
                values.append(value)
            number = element.get("r")
            element.clear()
            yield number, (cols, values)


def _column(letters: str, coordinate: str) -> int:
    """openpyxl's ``coordinate_to_tuple`` column, for ``A1``-style coordinates only."""
    from openpyxl.utils.cell import column_index_from_string

    if not letters or not letters.isascii() or not letters.isalpha() or not coordinate[len(letters):].isdigit():
        raise Unusual(f"coordinate {coordinate!r}")
    return int(column_index_from_string(letters))


def _assemble(book: _Book, rows: Iterator[tuple[str | None, Cells]]) -> Iterator[Sequence[Any]]:
    """openpyxl's ``ReadOnlyWorksheet._cells_by_row`` (from row and column 1, values only;
    a row missing from the file is ``[]``, or Nones to the dimension's width)."""
    counter = idx = 1
    row_counter = 0
    empty_row: Sequence[None] = []
    first = True
    for number, cells in rows:
        if first:  # the reader has met the dimension, if any, by now
            first = False
            empty_row = (None,) * book.max_col if book.max_col is not None else []
        row_counter = idx = int(number) if number is not None else row_counter + 1
        if book.max_row is not None and idx > book.max_row:
            break
        while counter < idx:  # rows missing from the file
            counter += 1
            yield empty_row
        if counter <= idx:
            counter += 1
            yield _place(cells, book.max_col)
    if book.max_row is not None and book.max_row < idx:
        for _ in range(counter, book.max_row + 1):
            yield empty_row


_SPANS: list[list[int]] = [list(range(1, n + 1)) for n in range(65)]


def _place(cells: Cells, max_col: int | None) -> tuple[Any, ...]:
    """openpyxl's ``ReadOnlyWorksheet._get_row`` with values only."""
    cols, values = cells
    if not cols and not max_col:
        return ()
    width = max_col or cols[-1]
    if width == len(cols) < len(_SPANS) and cols == _SPANS[width]:  # the usual full row
        return tuple(values)
    row: list[Any] = [None] * width
    for column, value in zip(cols, values, strict=True):
        if 1 <= column <= width:
            row[column - 1] = value
    return tuple(row)
