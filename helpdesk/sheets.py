"""Roster files in: .xlsx/.xlsm/.xls/.ods through python-calamine, .csv/.txt through the csv module.

Hostile files are refused before a reader sees them, each with a message an office can
act on (:class:`SheetError`, exit code 2):

- a file that is not what its suffix says (checked by its first bytes);
- a file larger than :data:`MAX_FILE_BYTES` (read it in parts), NUL bytes in a CSV;
- a zip that expands past :data:`MAX_UNZIPPED` or by more than :data:`MAX_RATIO`
  (a zip bomb): every part is inflated once here, counting bytes, before calamine
  opens it — calamine itself trusts the sizes a zip claims;
- a sheet whose cells would span more than :data:`MAX_CELLS` or :data:`MAX_COLUMNS`
  (calamine allocates the rectangle from the first to the last cell, and aborts the
  process when that fails) — cells are found as calamine finds them, under any namespace
  prefix and with any white space before their reference; a reference not as an office
  program writes it (lower case, "$", a leading zero) is refused;
- XML entity expansion: calamine refuses entities, expat (workbook parts read here)
  raises ParseError; both become a message.

CSV: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode Text", tabs), or the
Vietnamese Windows code page cp1258 — accepted only when every letter it gives is a
Vietnamese letter; otherwise the message names the encoding found. Text is NFC.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from xml.etree import ElementTree

import re2  # google-re2: the sheet scan's one search

from helpdesk.errors import HelpdeskError

MAX_FILE_BYTES = 64 * 1024 * 1024  # ~400k roster rows as CSV
MAX_UNZIPPED = 256 * 1024 * 1024  # all parts of a workbook, inflated
MAX_RATIO = 200  # inflated / compressed, per part larger than 1 MB (XML compresses ~10-30x)
MAX_PARTS = 5_000
MAX_CELLS = 2_000_000  # rows x columns of the rectangle calamine allocates (and Python objects, 300 MB)
MAX_COLUMNS = 256
SCAN_ROWS = 15  # rows looked at for the delimiter

Rank = Callable[[Sequence[Any]], int]
_Book = TypeVar("_Book")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SPREADSHEETS = (".xlsx", ".xlsm", ".ods", ".xls")
TEXTS = (".csv", ".txt", ".tsv")


class SheetError(HelpdeskError):
    """A roster file that cannot be read (or a column mapping that does not fit it)."""

    title = "Roster file"


@dataclass
class Sheet:
    """The cells of a roster file's first sheet, row by row (index 0 = the file's first line)."""

    rows: list[Sequence[Any]]
    encoding: str | None = None  # a text file's encoding
    formulas: dict[int, list[str]] = field(default_factory=dict)  # column index -> cells ("E7") holding formulas
    formula_rows: dict[str, int] = field(default_factory=dict)  # cell -> row index
    any_formula: str | None = None  # a formula seen where cells have no reference (.ods): where


def _what(head: bytes) -> str:
    """What the first bytes of a file say it is, in words for the message."""
    if head.startswith(ZIP_MAGIC):
        return "zip (.xlsx/.ods)"
    if head.startswith(OLE_MAGIC):
        return "Excel 97-2003 (.xls)"
    if head.startswith(b"%PDF"):
        return "PDF"
    if head[:5].lower() in (b"<html", b"<!doc") or head[:6].lower() == b"<table":
        return "HTML"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "image"
    return "text"


def read_sheet(path: Path, rank: Rank) -> Sheet:
    """The first sheet of ``path``; SheetError for anything that is not a readable roster."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SheetError("File {path} does not exist", path=str(path))
    if suffix not in SPREADSHEETS + TEXTS:
        raise SheetError("Unsupported roster file {path}: use .xlsx or .csv", path=path.name)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SheetError("{path} is {size} MB; a roster may be at most {limit} MB: split it into several files",
                          path=path.name, size=size >> 20, limit=MAX_FILE_BYTES >> 20)
    with path.open("rb") as f:
        head = f.read(512)
    kind = _what(head)
    expected = "Excel 97-2003 (.xls)" if suffix == ".xls" else "zip (.xlsx/.ods)" if suffix in SPREADSHEETS else "text"
    if kind != expected:
        raise SheetError("{path} is not a readable {suffix} file: its content is {kind}; save it again "
                          "as .xlsx or CSV UTF-8", path=path.name, suffix=suffix, kind=kind)
    if suffix in TEXTS:
        return _text_sheet(path, rank)
    return _calamine_sheet(path, suffix)


# -- text ------------------------------------------------------------------------------------

_VI_BASE = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
_VI_MARKS = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VIETNAMESE = frozenset(unicodedata.normalize("NFC", b + m) for b in _VI_BASE for m in _VI_MARKS) | set(
    "đĐ–—‘’“”…°·×\u00a0«»§€")


def _vietnamese_only(text: str) -> bool:
    """Every non-ASCII character of (NFC) ``text`` is a Vietnamese letter or common punctuation."""
    odd = set(text) - VIETNAMESE
    return all(c.isascii() for c in odd)


def _not_utf8(raw: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) of a file that is not UTF-8: cp1258 when every letter it gives is
    Vietnamese; else SheetError naming the encoding."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            raw[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SheetError("{path} starts as UTF-8 but is not UTF-8 text (byte {at}); save it as \"CSV UTF-8\"",
                              path=name, at=exc.start + 3) from exc
    try:
        text, encoding = raw.decode("cp1258"), "Windows-1258"
    except UnicodeDecodeError as exc:
        raise SheetError("{path} is not UTF-8 text, nor Windows-1258 (Vietnamese); save it as "
                          "\"CSV UTF-8\"", path=name) from exc
    text = unicodedata.normalize("NFC", text)
    if not _vietnamese_only(text):
        raise SheetError("{path} is not UTF-8 text; read as {encoding} it holds letters that are not "
                          "Vietnamese (TCVN3/VNI fonts?); save it as \"CSV UTF-8\"", path=name, encoding=encoding)
    return text, encoding


def _utf16(raw: bytes, name: str) -> str:
    """Excel's "Unicode Text" (UTF-16 with a byte order mark, tab-separated)."""
    try:
        text = raw.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise SheetError("{path} is UTF-16 (\"Unicode Text\") but damaged; save it as \"CSV UTF-8\"",
                          path=name) from exc
    if "\x00" in text:
        raise SheetError("{path} holds NUL characters: it is not a text file; save it as \"CSV UTF-8\"", path=name)
    return text


def _delimiter(head: str, rank: Rank, name: str) -> str:
    lines = head.splitlines()[:SCAN_ROWS]
    best = max((";", ",", "\t"), key=lambda d: max((rank(line.split(d)) for line in lines), default=0))
    if lines and max(line.count(best) for line in lines) + 1 > MAX_COLUMNS:
        raise SheetError("{path} has more than {limit} columns; a roster needs about 15", path=name, limit=MAX_COLUMNS)
    return best


def _csv_rows(source: io.TextIOBase, delimiter: str, name: str) -> list[Sequence[Any]]:
    reader = csv.reader(source, delimiter=delimiter, strict=False)
    try:
        # Tuples: the cyclic collector stops walking a tuple of text after one look; a list of 100k
        # rows' lists it walked again at each collection while the rows were checked.
        return list(map(tuple, reader))
    except csv.Error as exc:
        raise SheetError("{path}, line {line}: {error}", path=name, line=reader.line_num, error=str(exc)) from exc


def _text_sheet(path: Path, rank: Rank) -> Sheet:
    """A text roster. UTF-8 (the usual case) is decoded while the csv module reads it: the
    file's bytes and its rows are all that is held, never a second copy as text."""
    raw, name = path.read_bytes(), path.name
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _utf16(raw, name), "UTF-16"
        rows = _csv_rows(io.StringIO(text, newline=""), _delimiter(text[:20000], rank, name), name)
    else:
        if b"\x00" in raw:
            raise SheetError("{path} holds NUL bytes: it is not a text file (UTF-16 without a byte order "
                              "mark?); save it as \"CSV UTF-8\"", path=name)
        delimiter = _delimiter(raw[:20000].decode("utf-8-sig", errors="replace"), rank, name)
        try:
            encoding = "UTF-8"
            rows = _csv_rows(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline=""), delimiter, name)
        except UnicodeDecodeError:
            text, encoding = _not_utf8(raw, name)
            rows = _csv_rows(io.StringIO(text, newline=""), _delimiter(text[:20000], rank, name), name)
    widest = max(map(len, rows), default=0)
    if widest > MAX_COLUMNS:
        raise SheetError("{path} has more than {limit} columns; a roster needs about 15",
                          path=path.name, limit=MAX_COLUMNS)
    return Sheet(rows, encoding=encoding)


# -- spreadsheets ------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
# The scan of a sheet's XML. calamine knows an element by its local name (any namespace
# prefix) and reads attributes apart at any white space, so the patterns do too. RE2
# syntax (no look-ahead: "not followed by" is spelt out); :func:`_search` compiles them.
_PFX = rb"(?:[^\s<>/=:\"']+:)?"  # a namespace prefix, or none
_REF_AT = b"<" + _PFX + rb'c\sr="'  # where a cell's reference starts (when it is the first attribute)
_BARE_CELL = b"<" + _PFX + rb'c(?:/?>|\s(?:$|[^r]|r$|r[^=]|r=$|r=[^"]))'  # no reference, or not first
# a reference not as office programs write it ("AB12"): lower case, "$", a leading zero, no row …
_ODD_REF = _REF_AT + rb'(?:$|[^A-Z]|[A-Z]{4}|[A-Z]{1,3}(?:$|[^A-Z1-9])|[A-Z]{1,3}[1-9][0-9]*(?:$|[^0-9"]))'
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData[\s>/]")  # formulas are looked for with its prefix


def _formula(prefix: bytes) -> bytes:
    """A formula element (<f>, <x:f> …) with the sheet data's prefix — not, say, the <xm:f> of
    a drop-down list's source in the sheet's extensions (a template's, a value's)."""
    return b"<" + re.escape(prefix) + rb"f[\s>/]"


def _formula_cell(prefix: bytes) -> re.Pattern[bytes]:
    return re.compile(_REF_AT + rb'([A-Z]{1,3})([0-9]{1,7})"[^>]*>\s*' + _formula(prefix))


_ODS_FORMULA = re.compile(rb"table:formula=")
_ODS_REPEAT = re.compile(rb"number-(?:columns|rows)-repeated=\"([0-9]+)\"")


def column_index(letters: str) -> int:
    """"A" -> 0, "Z" -> 25, "AA" -> 26."""
    n = 0
    for c in letters:
        n = n * 26 + ord(c) - 64
    return n - 1


def column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


class _Budget:
    """The bytes all parts of a workbook may inflate to, spent as they inflate (by more
    than one thread: the sheet is scanned while the other parts are counted)."""

    def __init__(self, name: str) -> None:
        self.left = MAX_UNZIPPED
        self.name = name
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Nothing more may inflate (the scan failed: a thread still counting stops too)."""
        with self._lock:
            self.left = -1

    def spend(self, size: int) -> None:
        with self._lock:
            self.left -= size
            if self.left < 0:
                raise SheetError("{path} expands to more than {limit} MB when unzipped (a zip bomb?); "
                                  "nothing was read", path=self.name, limit=MAX_UNZIPPED >> 20)


def _pieces(book: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget,
            cut: bytes | None = None) -> Iterator[bytes]:
    """A part inflated a megabyte at a time against the running budget of bytes (a zip bomb
    stops here, whatever sizes the zip claims). With ``cut``, each piece ends just after
    the last ``cut`` in it (the rest starts the next piece): no element is split."""
    rest = b""
    seen = 0
    with book.open(info) as part:
        while chunk := part.read(1 << 20):
            seen += len(chunk)
            budget.spend(len(chunk))
            if seen > info.file_size:
                budget.spend(MAX_UNZIPPED + 1)  # more than the zip says: refused as a bomb
            if cut is None:
                yield chunk
                continue
            data = rest + chunk
            end = data.rfind(cut)
            if end < 0 and len(data) < 8 << 20:
                rest = data
                continue
            end = len(data) if end < 0 else end + len(cut)
            rest = data[end:]
            yield data[:end]
    if rest:
        yield rest


def _count(book: zipfile.ZipFile, infos: list[zipfile.ZipInfo], budget: _Budget) -> None:
    """Inflate parts only to count their bytes (their sizes are what the zip says)."""
    for info in infos:
        for _piece in _pieces(book, info, budget):
            pass


def _whole(pieces: Iterator[bytes], name: str) -> bytes:
    """A small part (workbook, relationships) in one piece."""
    out = b""
    for piece in pieces:
        out += piece
        if len(out) > 16 << 20:
            raise SheetError("{path} is not a readable .xlsx file: {error}", path=name, error="workbook too large")
    return out


def _xml(data: bytes, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:  # entity expansion too: expat stops it and says so
        raise SheetError("{path} holds XML that cannot be read safely ({error}); save it again as .xlsx",
                          path=name, error=str(exc)) from exc


def _first_sheet_part(parts: dict[str, bytes], name: str) -> str | None:
    """The zip path of the workbook's first sheet (.xlsx), as calamine picks it."""
    if "xl/workbook.xml" not in parts:
        return None
    sheets = _xml(parts["xl/workbook.xml"], name).find(f"{{{_MAIN}}}sheets")
    first = sheets[0] if sheets is not None and len(sheets) else None
    rels = parts.get("xl/_rels/workbook.xml.rels")
    if first is None or rels is None:
        return None
    rid = first.get(f"{{{_REL}}}id")
    for rel in _xml(rels, name).iter(f"{{{_PKG_REL}}}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    return None


def _row_number(digits: bytes) -> int:
    """A row number as written; past a trillion, a trillion (int() refuses thousands of digits)."""
    return int(digits) if len(digits) <= 12 else 10**12


def _safe_digits(width: int) -> int:
    """Row numbers of at most this many digits are harmless in a sheet ``width`` columns
    wide: 10**digits - 1 rows of them stay within :data:`MAX_CELLS`."""
    return len(str(MAX_CELLS // max(width, 1))) - 1


@functools.lru_cache(maxsize=256)  # (about 60 patterns: by width, by letter)
def _search(pattern: bytes) -> Any:
    """An RE2 (google-re2) search over bytes: linear in the bytes, ~4x faster than ``re`` on
    a sheet, and it lets go of the interpreter while it searches."""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1  # bytes, whatever they are
    options.never_capture = True
    return re2.compile(pattern, options).search


def _unusual(width: int, prefix: bytes) -> Any:
    """One search for all that an ordinary piece of a sheet lacks: a cell without a reference
    (or with other attributes first), a reference not as an office program writes it, a cell
    right of column ``width``, a cell whose own reference names a row of more digits than
    :func:`_safe_digits` (calamine places a cell by its reference, whatever row element holds
    it), a formula (``prefix``: the sheet data's namespace prefix)."""
    if not 0 < width < 26:  # a sheet of no known width (its first piece), or a wide one
        return _search(_REF_AT + b"|" + _BARE_CELL + b"|" + _formula(prefix))
    column, digits = b"[A-" + bytes([64 + width]) + b"]", _safe_digits(width)
    other = b"(?:" + b"|".join((  # what an ordinary reference, column + 1 to ``digits`` digits + '"', is not
        b"$", b"[^A-" + bytes([64 + width]) + b"]",  # another column, or not a reference at all
        column + b"(?:$|[^1-9])",  # two letters, no row, a leading zero …
        column + b"[1-9][0-9]{0,%d}" % (digits - 1) + b'(?:$|[^0-9"])',  # more than the closing quote
        column + b"[1-9][0-9]{%d}" % digits,  # a row of more digits than harmless
    )) + b")"
    return _search(_REF_AT + other + b"|" + _BARE_CELL + b"|" + _formula(prefix))


def _widest_column(piece: bytes) -> int:
    """The widest column a reference in ``piece`` names (1 = A; 0: none): the last letter
    found by halving (a few searches), all of them read only past column Z."""
    if _search(_REF_AT + b"[A-Z]{2}")(piece) is not None:
        return max(column_index(letters.decode()) + 1
                   for letters in set(re.findall(_REF_AT + rb"([A-Z]{1,3})", piece)))
    low, high = 0, 26  # a reference starts with one of the letters low+1 … high, none after
    while low < high:
        middle = (low + high + 1) // 2  # is there one at letter ``middle`` or after?
        if _search(_REF_AT + b"[" + bytes([64 + middle]) + b"-Z]")(piece) is not None:
            low = middle
        else:
            high = middle - 1
    return low


class _SheetScan:
    """What calamine will make of a sheet's XML, found piece by piece (each piece ends
    with a whole row): the rectangle it will allocate, and the cells holding formulas."""

    def __init__(self, width: int = 0) -> None:
        # the sheet data's namespace prefix ("" or e.g. "x:"), from the first piece
        self.prefix: bytes | None = None
        self.height = 0  # the farthest row a cell's own reference names (calamine places cells so;
        # it skips row elements without cells and the <dimension> the file claims)
        self.unseen_rows = 0  # the highest row a cell's reference may name unnoticed
        self.bare = False
        self.odd_reference = False
        self.width = width
        self.formula_cells: list[tuple[str, int]] = []
        self.formula = False

    def feed(self, piece: bytes) -> None:
        if self.prefix is None:
            found = _SHEET_DATA.search(piece)
            self.prefix = (found.group(1) or b"") if found else b""
        if _unusual(self.width, self.prefix)(piece) is not None:
            self._look_closer(piece)  # a piece of an ordinary roster never gets here: one pass over it
        else:  # its cells name rows of no more digits than harmless at this width
            self.unseen_rows = max(self.unseen_rows, 10 ** _safe_digits(self.width) - 1)

    def _look_closer(self, piece: bytes) -> None:
        """A piece holding a bare cell, an odd reference, a cell right of the widest so far,
        a row number of many digits, or a formula: a few more searches, each for one thing."""
        self.bare = self.bare or _search(_BARE_CELL)(piece) is not None
        self.odd_reference = self.odd_reference or _search(_ODD_REF)(piece) is not None
        self.width = max(self.width, _widest_column(piece))
        digits = _safe_digits(self.width)
        if _search(_REF_AT + b"[A-Z]{1,3}[1-9][0-9]{%d}" % digits)(piece) is not None:  # rows past harmless
            rows = re.findall(_REF_AT + rb"[A-Z]{1,3}([1-9][0-9]{%d,})" % digits, piece)
            self.height = max(self.height, max(map(_row_number, rows), default=0))
        self.unseen_rows = max(self.unseen_rows, 10**digits - 1)  # the others'
        if _search(_formula(self.prefix or b""))(piece) is not None:
            self.formula = True
            for letters, row in _formula_cell(self.prefix or b"").findall(piece):
                self.formula_cells.append((letters.decode(), int(row)))

    def too_narrow(self) -> bool:
        """The sheet grew wider on the way: its first pieces were searched for far rows as a
        narrower sheet's, and must be searched again at the width it has."""
        return self.width * self.height <= MAX_CELLS < self.width * self.unseen_rows

    def check(self, name: str, found: Sheet) -> None:
        if self.bare:
            raise SheetError("{path} has cells without a cell reference; open it in Excel or LibreOffice and "
                              "save it again", path=name)  # calamine would place them by counting: no bound
        if self.odd_reference:
            raise SheetError("{path} has cell references not written as an office program writes them; open it "
                              "in Excel or LibreOffice and save it again", path=name)
        height = self.height
        if self.width > MAX_COLUMNS:
            raise SheetError("{path} has more than {limit} columns; a roster needs about 15",
                              path=name, limit=MAX_COLUMNS)
        if self.width * max(height, self.unseen_rows) > MAX_CELLS:
            raise SheetError("{path} spans {rows} rows x {columns} columns, more than a roster may hold "
                              "({limit} cells); split it into several files",
                              path=name, rows=max(height, self.unseen_rows), columns=self.width, limit=MAX_CELLS)
        for letters, row in self.formula_cells:
            cell = f"{letters}{row}"
            found.formulas.setdefault(column_index(letters), []).append(cell)
            found.formula_rows[cell] = row - 1
        if self.formula and not found.formulas:
            found.any_formula = "?"


def _scan_ods(pieces: Iterator[bytes], name: str, found: Sheet) -> None:
    for piece in pieces:
        repeats = [int(n) for n in _ODS_REPEAT.findall(piece)]
        if repeats and max(repeats) > MAX_CELLS:
            raise SheetError("{path} spans more than a roster may hold ({limit} cells); split it into several "
                              "files", path=name, limit=MAX_CELLS)
        if _ODS_FORMULA.search(piece):
            found.any_formula = "?"


_SMALL_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _check_zip(path: Path, suffix: str, found: Sheet, meanwhile: Callable[[], _Book],
               discard: Callable[[_Book], None]) -> _Book:
    """Every part inflated once, counted, never held whole (but the workbook's two small
    parts); the first sheet (or an .ods's content) scanned on the way.

    ``meanwhile`` (calamine opening the workbook) runs once every part it reads is counted:
    for an .xlsx, while the sheet is still being scanned (calamine reads the shared strings
    then, not the sheet, and lets go of the interpreter); for an .ods, whose content it
    parses on opening, after the scan. What it returns is returned, or handed to
    ``discard`` when the scan refuses the file (what the scan finds is said before any
    error of calamine's)."""
    name = path.name
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SheetError("{path} is not a readable .xlsx file: {error}", path=name, error=str(exc)) from exc
    with book:
        infos = [i for i in book.infolist() if not i.is_dir()]
        claimed = sum(i.file_size for i in infos)
        if len(infos) > MAX_PARTS or claimed > MAX_UNZIPPED or any(
                i.file_size > 1 << 20 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos):
            raise SheetError("{path} expands to more than {limit} MB when unzipped (a zip bomb?); "
                              "nothing was read", path=name, limit=MAX_UNZIPPED >> 20)
        budget = _Budget(name)
        try:
            small = {i.filename: _whole(_pieces(book, i, budget), name) for i in infos
                     if i.filename in _SMALL_PARTS}
            first = None if suffix == ".ods" else _first_sheet_part(small, name)
            if suffix != ".ods" and (first is None or first not in book.namelist()):
                raise SheetError("{path} is not a readable .xlsx file: {error}", path=name, error="no worksheet")
            read_whole = first if suffix != ".ods" else "content.xml"
            others = [i for i in infos if i.filename not in _SMALL_PARTS and i.filename != read_whole]

            def scan_sheet() -> None:
                info = next((i for i in infos if i.filename == read_whole), None)
                if info is None:  # an .ods without content: calamine says so on opening
                    return
                if suffix == ".ods":
                    _scan_ods(_pieces(book, info, budget, cut=b">"), name, found)
                    return
                scan = _SheetScan()
                for piece in _pieces(book, info, budget, cut=b"</row>"):
                    scan.feed(piece)
                if scan.too_narrow():  # rare: once more, at the width now known
                    scan = _SheetScan(scan.width)
                    for piece in _pieces(book, info, _Budget(name), cut=b"</row>"):
                        scan.feed(piece)
                scan.check(name, found)

            # The sheet is scanned in a thread while this one counts the other parts (shared
            # strings …) and, for an .xlsx, has calamine open the workbook; calamine's memory is
            # then this thread's (a thread's own malloc arena would stay resident, ~13 MB).
            with ThreadPoolExecutor(1, thread_name_prefix="sheet-scan") as pool:
                scanned = pool.submit(scan_sheet)
                opened: _Book | None = None
                try:
                    _count(book, others, budget)
                    if suffix != ".ods":
                        opened = meanwhile()
                    scanned.result()
                except BaseException as exc:
                    interrupted = not isinstance(exc, Exception)
                    if interrupted:
                        budget.stop()  # the scan stops at its next piece
                    if opened is not None:
                        discard(opened)
                    found_by_scan = scanned.exception()
                    if not interrupted and found_by_scan is not None and found_by_scan is not exc:
                        raise found_by_scan from None  # what the scan found is said first
                    raise
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise SheetError("{path} is not a readable .xlsx file: {error}", path=name, error=str(exc)) from exc
    return meanwhile() if opened is None else opened


def _calamine_sheet(path: Path, suffix: str) -> Sheet:
    from python_calamine import CalamineError, CalamineWorkbook

    found = Sheet([])
    try:
        if suffix == ".xls":
            book = CalamineWorkbook.from_path(str(path))
        else:
            book = _check_zip(path, suffix, found, lambda: CalamineWorkbook.from_path(str(path)),
                              CalamineWorkbook.close)
        try:
            if not book.sheet_names:
                raise SheetError("{path} has no sheet", path=path.name)
            sheet = book.get_sheet_by_index(0)
            if suffix == ".xls" and sheet.height * max(sheet.width, 1) > MAX_CELLS:
                raise SheetError("{path} spans {rows} rows x {columns} columns, more than a roster may hold "
                                  "({limit} cells); split it into several files", path=path.name,
                                  rows=sheet.height, columns=sheet.width, limit=MAX_CELLS)
            if sheet.width > MAX_COLUMNS:
                raise SheetError("{path} has more than {limit} columns; a roster needs about 15",
                                  path=path.name, limit=MAX_COLUMNS)
            found.rows = _rows_from_a1(sheet)
        finally:
            book.close()
    except CalamineError as exc:  # XmlError (entities, damaged XML), ZipError, PasswordError …
        raise SheetError("{path} is not a readable {suffix} file: {error}", path=path.name, suffix=suffix,
                          error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    return found


def _rows_from_a1(sheet: Any) -> list[Sequence[Any]]:
    """The sheet's rows from A1 (row and column numbers as the office shows them), as tuples —
    as a CSV's rows; the cyclic collector stops walking a tuple of text, numbers and dates
    after one look. Row by row (``iter_rows``): each list calamine makes is freed at once,
    rather than all of them outliving the conversion (which costs a full collection).
    ``iter_rows`` starts at row 1 but at the first column holding data: the columns left
    of it are put back."""
    start = sheet.start
    left = start[1] if start else 0
    if not left:
        return list(map(tuple, sheet.iter_rows()))
    blank = ("",) * left
    return [blank + tuple(row) for row in sheet.iter_rows()]
