"""Roster import: .xlsx/.xls/.ods or .csv -> subscribers.

Everything is checked before anything is written: :func:`read_roster` returns a
:class:`RosterReport` listing every bad row (its row number in the file and why, in
the operator's language); :func:`import_roster` writes all rows, or — with
``skip_invalid`` — the good ones, and never a file with a problem otherwise. Units
named in the file are matched by name (diacritics and case ignored) or created.

Files are read by :mod:`helpdesk_handover.sheets` (python-calamine, the csv module).
Rows are checked by one path, :class:`_Checker`, a chunk of rows at a time and a column
at a time within the chunk: each rule is one function of a cell (``_national``,
``_email``, ``_phone``, ``_birth`` …); a column whose cells all have the shape the rule
keeps as it is (:class:`ColumnShape`) skips the per-cell call, every other cell gets it.
Between chunks the work reports progress and may be cancelled (nothing written: the write starts
only after the last check).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

from helpdesk.extension import (
    ColumnShape,
    HelpdeskError,
    Store,
    cell_text,
    date_cell,
    fold,
    gettext,
    national_id_cell,
)
from helpdesk_handover.columns import (
    ALIASES,
    REQUIRED,
    ColumnError,
    ColumnMap,
    fold_header,
    map_columns,
    score,
)
from helpdesk_handover.progress import Progress
from helpdesk_handover.sheets import Sheet, column_letters, read_sheet

HEADER_SCAN_ROWS = 15  # offices put titles above the table
MAX_NAME = 100
Rank = Callable[[Sequence[Any]], int]
CHUNK = 10_000  # rows checked between two progress reports

# Vietnamese messages for each kind of bad row (msgid -> .po). Params: {value}.
MESSAGES: dict[str, str] = {
    "empty_name": "Full name is empty",
    "name_digits": "Full name {value!r} contains digits",
    "name_too_long": "Full name is longer than 100 characters",
    "control_chars": "The row contains control characters",
    "id_missing": "ID number (CCCD/CMND) is empty",
    "id_not_digits": "ID number {value!r} may hold digits only",
    "id_length": "ID number {value!r} must have 12 digits (CCCD) or 9 digits (CMND)",
    "id_dup": "ID number {value} already appears in row {other}",
    "id_in_store": "ID number {value} already belongs to {other} in the roster",
    "token_bad": "Token serial {value!r} may hold only letters, digits and . _ : -",
    "token_dup": "Token serial {value} already appears in row {other}",
    "token_in_store": "Token serial {value} already belongs to {other} in the roster",
    "cert_not_hex": "Certificate serial {value!r} is not hexadecimal",
    "cert_dup": "Certificate serial {value} already appears in row {other}",
    "email_invalid": "E-mail {value!r} is not an e-mail address",
    "email_not_official": "E-mail {value!r} is not an official address (….gov.vn)",
    "phone_invalid": "Phone number {value!r} is not a Vietnamese phone number",
    "dob_invalid": "Date of birth {value!r} is not a date (DD/MM/YYYY)",
    "dob_range": "Date of birth {value} is not plausible for an official",
    "kind_unknown": "Certificate kind {value!r} is not one of: cá nhân, tổ chức, thiết bị",
    "unit_missing": "Unit is empty",
    "level_unknown": "Unit level {value!r} is not one of: sở/ban/ngành, quận/huyện, xã/phường/thị trấn, đơn vị sự nghiệp, hội",
    "row_long": "The row has more cells than the header (a comma inside an unquoted name?)",
    "id_lost_zero": "ID number {value} was typed as a number and lost its leading zero: format the column as "
                    "Text and type the number again",
    # paper-era import (helpdesk_handover.paper): the two columns it adds
    "paper_date_missing": "Handover date is empty",
    "paper_date_invalid": "Handover date {value!r} is not a date (DD/MM/YYYY)",
    "paper_date_range": "Handover date {value} is not between 01/01/2000 and today",
    "paper_number_missing": "Paper record number is empty",
    "paper_number_invalid": "Paper record number {value!r} is not a record number such as 12/BB-SNV",
    "paper_number_dup": "Paper record number {value} of {year} already appears in row {other}",
    "paper_number_in_store": "Paper record number {value} of {year} was already imported (record {other})",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_HEX = re.compile(r"[0-9A-F]{1,64}")
_DIGIT = re.compile(r"\d")
_PHONE_STRIP = str.maketrans("", "", " .-()")
_KINDS = {"ca nhan": "ca_nhan", "canhan": "ca_nhan", "ca_nhan": "ca_nhan", "to chuc": "to_chuc",
          "tochuc": "to_chuc", "to_chuc": "to_chuc", "co quan": "to_chuc", "to chuc co quan": "to_chuc",
          "thiet bi": "thiet_bi", "thiet_bi": "thiet_bi", "may chu": "thiet_bi"}
_LEVELS = {
    "so ban nganh": "so_ban_nganh", "so": "so_ban_nganh", "ban": "so_ban_nganh", "nganh": "so_ban_nganh",
    "quan huyen": "quan_huyen", "quan": "quan_huyen", "huyen": "quan_huyen", "thi xa": "quan_huyen",
    "xa phuong thi tran": "xa_phuong_thi_tran", "xa": "xa_phuong_thi_tran", "phuong": "xa_phuong_thi_tran",
    "thi tran": "xa_phuong_thi_tran", "don vi su nghiep": "don_vi_su_nghiep", "dvsn": "don_vi_su_nghiep",
    "hoi": "hoi", "hoi dac thu": "hoi",
}
_LEVEL_VALUES = set(_LEVELS.values())
_WORDS = re.compile(r"[^a-z0-9]+")




class ProblemRows:
    """What checking a file's rows found (roster, paper import): its problems, by row."""

    source: str
    problems: list[RowProblem]

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    def lines(self) -> list[str]:
        """Every problem, one line each, in the current language."""
        return [p.localized() for p in self.problems]


Report = TypeVar("Report", bound=ProblemRows)


class FileRefused(HelpdeskError, Generic[Report]):
    """The file has bad rows and ``skip_invalid`` was not asked for: nothing was written."""

    def __init__(self, report: Report) -> None:
        super().__init__("{count} rows of {source} have problems; nothing was imported. First: {first}",
                         count=len(report.bad_rows), source=report.source,
                         first=report.problems[0].localized() if report.problems else "")
        self.report = report




@dataclass(frozen=True)
class RowProblem:
    row: int  # row number as the office sees it (1 = first line of the file / sheet)
    code: str  # a key of MESSAGES
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    def localized(self) -> str:
        text = gettext(MESSAGES[self.code]).format(**self.params)
        return gettext("Row {row}: {problem}").format(row=self.row, problem=text)


ROW_KEYS = ("row", "full_name", "national_id", "unit", "unit_level", "position", "date_of_birth", "email", "phone",
            "cert_kind", "token_serial", "cert_serial")
Columns = dict[str, Sequence[Any]]  # the good rows, a column per key of ROW_KEYS


@dataclass
class RosterReport(ProblemRows):
    source: str
    columns: ColumnMap
    good: Columns  # good rows a column per key: subscriber fields + "unit" name + "unit_level" + "row"
    problems: list[RowProblem]
    total: int  # data rows read (blank rows not counted)
    encoding: str | None = None  # a text file's encoding
    imported: int = 0
    units_created: list[str] = field(default_factory=list)
    units_matched: int = 0

    @property
    def valid(self) -> int:
        return len(self.good["row"]) if self.good else 0

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The good rows, one dict each (built on access)."""
        if not self.good:
            return []
        return [dict(zip(ROW_KEYS, values, strict=True)) for values in zip(*(self.good[k] for k in ROW_KEYS), strict=True)]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return gettext("{source}: {total} rows, {good} valid, {bad} with problems; {imported} imported, "
                       "{units} new units").format(source=self.source, total=self.total, good=self.valid,
                                                   bad=len(self.bad_rows), imported=self.imported,
                                                   units=len(self.units_created))


class RosterRefused(FileRefused[RosterReport]):
    title = "Roster refused"


# -- one cell at a time: each rule once ---------------------------------------------------

_text = cell_text  # the door's cell rules: the same for every plugin's roster
_national = national_id_cell


def _birth(value: Any, today: date) -> tuple[str | None, str | None]:
    """(ISO date, problem code)."""
    if value is None or value == "":
        return None, None
    try:
        day = date_cell(value)
    except ValueError:
        return None, "dob_invalid"
    if not date(1900, 1, 1) <= day <= today.replace(year=today.year - 18):
        return day.isoformat(), "dob_range"
    return day.isoformat(), None


def guess_level(unit_name: str) -> str:
    """A unit's level from its name, for units a roster creates without a level column."""
    name = _WORDS.sub(" ", fold(unit_name)).strip()
    name = re.sub(r"^(ubnd|uy ban nhan dan) ", "", name)
    if name.startswith(("xa ", "phuong ", "thi tran ")):
        return "xa_phuong_thi_tran"
    if name.startswith(("quan ", "huyen ", "thi xa ", "thanh pho ")):
        return "quan_huyen"
    if name.startswith("hoi "):
        return "hoi"
    if name.startswith(("trung tam ", "truong ", "benh vien ", "vien ", "ban quan ly ", "dai ")):
        return "don_vi_su_nghiep"
    return "so_ban_nganh"


def unit_id_for(name: str) -> str:
    slug = _WORDS.sub("-", fold(name)).strip("-")[:40] or "unit"
    return f"u-{slug}-{hashlib.sha1(fold(name).encode()).hexdigest()[:6]}"




# -- the file ------------------------------------------------------------------------------

def header_rank(mapping: Mapping[str, str] | None) -> Rank:
    """How much a row looks like the header: known columns plus the mapping's."""
    wanted = {fold_header(h) for h in (mapping or {}).values()}

    def rank(cells: Sequence[Any]) -> int:
        return score(cells) + sum(1 for c in cells if fold_header(c) in wanted)

    return rank


def _find_header(rows: Sequence[Sequence[Any]], rank: Rank) -> tuple[int, Sequence[Any]]:
    """(index of the header row, its cells): the best-ranked of the first rows."""
    seen = rows[:HEADER_SCAN_ROWS]
    best = max(range(len(seen)), key=lambda i: rank(seen[i]), default=None)
    if best is None or rank(seen[best]) < 2:
        raise ColumnError("No header row found in the first {n} rows (expected columns such as "
                          "Họ và tên, Số định danh cá nhân, Đơn vị)", n=HEADER_SCAN_ROWS)
    return best, seen[best]


def read_roster(path: Path, mapping: Mapping[str, str] | None = None, store: Store | None = None,
                today: date | None = None, progress: Progress | None = None) -> RosterReport:
    """Parse and check a roster file; with ``store``, also against subscribers already there."""
    return scan_roster(path, mapping, store, today, progress).report


@dataclass(frozen=True)
class Scan:
    """A roster file read and checked, with the sheet it came from (for callers that read
    more columns than the roster's, e.g. :mod:`helpdesk_handover.paper`)."""

    report: RosterReport
    sheet: Sheet
    header_at: int  # 0-based index of the header row in ``sheet.rows``
    header: Sequence[Any]


def scan_roster(path: Path, mapping: Mapping[str, str] | None = None, store: Store | None = None,
                today: date | None = None, progress: Progress | None = None) -> Scan:
    """:func:`read_roster`, keeping the sheet and where its header is."""
    path = Path(path)
    progress = progress or Progress()
    rank = header_rank(mapping)
    sheet = read_sheet(path, rank)
    progress.check()
    header_at, header = _find_header(sheet.rows, rank)
    columns = map_columns(header, mapping)
    if columns.missing():
        raise ColumnError("{path}: required columns missing: {columns}", path=path.name,
                          columns=", ".join(ALIASES[f][0] for f in columns.missing()))
    _refuse_formulas(path, sheet, columns, header_at)
    checker = _Checker(columns, len(header), store, today or date.today())
    rows = sheet.rows
    total = len(rows) - header_at - 1
    for first in range(header_at + 1, len(rows), CHUNK):
        progress(first - header_at - 1, total)
        checker.chunk(rows[first : first + CHUNK], first + 1)
    progress(max(total, 0), max(total, 0))
    problems = sorted(checker.problems, key=lambda p: p.row)  # stable: within a row, the checks' order
    # tuples: the cyclic collector stops walking a tuple of text after one look, a list it walks
    # at every collection (100k rows: the store's write then spends far less time in the collector)
    good: Columns = {key: tuple(values) for key, values in checker.good.items()}
    report = RosterReport(path.name, columns, good, problems, checker.total, sheet.encoding)
    return Scan(report, sheet, header_at, header)


def _refuse_formulas(path: Path, sheet: Sheet, columns: ColumnMap, header_at: int) -> None:
    """A formula in a column the roster takes: the value is what some other cell computed
    (or nothing at all, if no office program saved the result) — ask for values."""
    names = {index: field for field, index in columns.columns.items()}
    for index, cells in sorted(sheet.formulas.items()):
        below = [c for c in cells if sheet.formula_rows[c] > header_at]
        if index in names and below:
            raise ColumnError("{path}: cell {cell} ({column}) holds a formula; copy the sheet and paste values "
                              "only (Paste Special → Values), then import again", path=path.name, cell=below[0],
                              column=column_letters(index) + " " + ALIASES[names[index]][0])
    if sheet.any_formula is not None:
        raise ColumnError("{path} holds formulas; copy the sheet and paste values only (Paste Special → Values), "
                          "then import again", path=path.name)


def _cert(text: str) -> str | None:
    return text.replace(":", "").replace(" ", "").upper() or None


def _email(email: str) -> tuple[str, str | None]:
    """(the address as stored, problem code) of a non-empty e-mail cell."""
    local, at, domain = email.rpartition("@")
    domain = domain.lower()
    if not at or not local or "@" in local or " " in email or "." not in domain.strip("."):
        return email, "email_invalid"
    if not (domain == "gov.vn" or domain.endswith(".gov.vn")):
        return email, "email_not_official"
    return f"{local}@{domain}", None


def _phone(phone: str) -> tuple[str, str | None]:
    """(the number as stored, problem code) of a non-empty phone cell, separators removed."""
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    elif phone[0] != "0" and phone.isdigit() and len(phone) in (9, 10):
        phone = "0" + phone  # a number typed into Excel loses its leading zero
    if not (phone.isdigit() and phone.isascii() and phone[0] == "0" and 10 <= len(phone) <= 11):
        return phone, "phone_invalid"
    return phone, None



# -- the checks, a column at a time within a chunk of rows --------------------------------

OPTIONAL = ("date_of_birth", "position", "unit_level", "email", "phone", "cert_kind", "token_serial", "cert_serial")
# White space str.split() knows, but for " " and "\n" (tests/test_roster_checks.py checks the list).
_ODD_SPACE = re.compile("[\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_SUSPECT = re.compile("[\x00-\x09\x0b-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")  # either
_NONE_OR_STR = {type(None), str}
_DATE_KEYS = {type(None), str, date, datetime}
_Shape = ColumnShape  # one implementation, shared with the store's bulk add
_NATIONAL_OK = _Shape(r"[0-9]{9}|[0-9]{12}", "0-9", (9, 12))
_TOKEN_OK = _Shape(_TOKEN.pattern, "A-Za-z0-9._:-", range(1, 65))
_HEX_OK = _Shape(_HEX.pattern, "0-9A-F", range(1, 65))
# valid, official, domain in lower case (and, for as_given(), no control character either)
_OFFICIAL_OK = _Shape(r"[^@\s\x00-\x1f\x7f]+@[a-z0-9.-]*(?<=[@.])gov\.vn", by_line=True)
_PHONE_OK = _Shape(r"0[0-9]{9,10}", "0-9", (10, 11), "0")


def _texts(values: list[Any]) -> tuple[list[str], bool]:
    """``[_text(v) for v in values]`` for a whole column, and whether a text cell holds a
    control character. A column of few distinct values (units, positions) is worked out
    on those."""
    types = set(map(type, values))
    if types <= _NONE_OR_STR and len(values) > 256 and len(set(values[:256])) < 64:  # (text only: 1 == True)
        distinct = dict.fromkeys(values)
        if len(distinct) * 4 < len(values):
            texts, control = _texts(list(distinct))
            text_of = dict(zip(distinct, texts, strict=True))
            return list(map(text_of.__getitem__, values)), control
    if not types <= _NONE_OR_STR:
        return [_text(v) for v in values], _has_control(values)
    if type(None) in types:
        values = ["" if v is None else v for v in values]
    joined = "\n".join(values)
    flat = joined.replace("\n", " ")  # no "  " in it (the usual case): no value has two spaces together or at an end
    # one scan for both, usually none at all (neither kind of character is printable)
    suspect = not flat.isprintable() and _SUSPECT.search(joined) is not None
    control = suspect and _CONTROL.search(joined) is not None
    if (joined.count("\n") != len(values) - 1
            or ("  " in flat and ("  " in joined or "\n " in joined or " \n" in joined))
            or joined[:1] == " " or joined[-1:] == " " or (suspect and _ODD_SPACE.search(joined))):  # split() would change it
        values = [" ".join(v.split()) for v in values]
        joined = "\n".join(values)
    if not joined.isascii() and not unicodedata.is_normalized("NFC", joined):
        values = [v if v.isascii() else unicodedata.normalize("NFC", v) for v in values]
    return values, control


def _has_control(values: list[Any]) -> bool:
    return _CONTROL.search("\n".join([v for v in values if type(v) is str])) is not None


_DMY = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_DATE_CHARS = re.compile(r"[0-9/\n]*")


def _dmy_column(texts: list[str], today: date) -> dict[str, str] | None:
    """{text: ISO day} when every text is exactly "DD/MM/YYYY", a real day, and plausible
    for an official (what _birth accepts); None for the row-by-row way."""
    if not texts:
        return {}
    joined = "\n".join(texts)
    if (not _DATE_CHARS.fullmatch(joined) or joined.count("/") != 2 * len(texts)
            or set(map(len, texts)) != {10} or set(map(itemgetter(2, 5), texts)) != {("/", "/")}):
        return None
    days = [f"{t[6:]}-{t[3:5]}-{t[:2]}" for t in texts]  # (a regular expression's template: 4x slower)
    try:
        list(map(date.fromisoformat, days))  # each a real day
    except ValueError:
        return None
    if min(days) < "1900-01-01" or max(days) > today.replace(year=today.year - 18).isoformat():
        return None
    return dict(zip(texts, days, strict=True))


def _births(cells: dict[Any, Any], today: date) -> dict[Any, tuple[str | None, str | None]]:
    """``{key: _birth(cell, today)}``: a column of "DD/MM/YYYY" texts, or of a spreadsheet's
    date cells, all at once; else the usual "DD/MM/YYYY" text worked out inline."""
    empty = (None in cells.values()) + ("" in cells.values())
    texts = [cell for cell in cells.values() if type(cell) is str and cell]
    if len(texts) == len(cells) - empty:  # text or empty only
        days = _dmy_column(texts, today)
        if days is not None:
            return {key: ((days[cell], None) if cell else (None, None)) for key, cell in cells.items()}
    dated = [cell for cell in cells.values() if type(cell) is date]
    if dated and len(dated) == len(cells) - empty and date(1900, 1, 1) <= min(dated) \
            and max(dated) <= today.replace(year=today.year - 18):  # date cells or empty, each in range
        return {key: ((cell.isoformat(), None) if cell else (None, None)) for key, cell in cells.items()}
    out: dict[Any, tuple[str | None, str | None]] = {}
    earliest, latest = date(1900, 1, 1), None
    for key, cell in cells.items():
        found = _DMY.fullmatch(cell) if type(cell) is str else None
        if found is None:
            out[key] = _birth(cell, today)
            continue
        d, m, y = found.groups()
        try:
            day = date(int(y), int(m), int(d))
        except ValueError:
            out[key] = None, "dob_invalid"
            continue
        if latest is None:
            latest = today.replace(year=today.year - 18)  # as _birth, once
        out[key] = day.isoformat(), None if earliest <= day <= latest else "dob_range"
    return out




class _Checker:
    """The checks of every row: :meth:`chunk` takes rows in file order and adds their
    problems and good rows; duplicates are found across chunks."""

    def __init__(self, columns: ColumnMap, width: int, store: Store | None, today: date) -> None:
        col = columns.columns
        self.c_name, self.c_id, self.c_unit = (col[f] for f in REQUIRED)
        self.optional = {f: col.get(f) for f in OPTIONAL}
        self.width = width
        self.today = today
        self.by_id: dict[str, int] = {}
        self.by_token: dict[str, int] = {}
        self.by_cert: dict[str, int] = {}
        self.subscribers = store.subscribers if store is not None else None
        self.good: dict[str, list[Any]] = {key: [] for key in ROW_KEYS}
        self.problems: list[RowProblem] = []
        self.total = 0
        self.cache_level: dict[str, str | None] = {}
        self.cache_kind: dict[str, str | None] = {}
        self.births: dict[Any, tuple[str | None, str | None]] = {}  # cell (or (type, cell)) -> (ISO day, problem)
        self.bad_births: set[Any] = set()

    def level(self, level_text: str) -> str | None:
        if level_text not in self.cache_level:
            key = _WORDS.sub(" ", fold(level_text).replace("/", " ")).strip()
            key = re.sub(r"\s+", " ", key.replace(",", " "))
            self.cache_level[level_text] = _LEVELS.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in _LEVEL_VALUES else None)
        return self.cache_level[level_text]

    def kind(self, kind_text: str) -> str | None:
        if kind_text not in self.cache_kind:
            self.cache_kind[kind_text] = _KINDS.get(_WORDS.sub(" ", fold(kind_text)).strip())
        return self.cache_kind[kind_text]

    def chunk(self, rows: Sequence[Sequence[Any]], first: int) -> None:
        """Check ``rows``; ``rows[i]`` is the file's row ``first + i`` (1-based)."""
        count = len(rows)
        if not count:
            return
        lengths = set(map(len, rows))
        narrowest, widest = min(lengths), max(lengths)
        bad: list[tuple[int, str, dict[str, object]]] = []  # (index, code, params), in the checks' order

        table: list[tuple[Any, ...]] = []  # the chunk's columns (rows all as wide): one transposition in C

        def column(index: int | None) -> list[Any]:
            if index is None:
                return [None] * count
            if index < narrowest == widest:
                if not table:
                    table.extend(zip(*rows, strict=True))
                return list(table[index])  # a list of its own: the checks below may rewrite cells in it
            if index < narrowest:
                return list(map(itemgetter(index), rows))
            return [r[index] if index < len(r) else None for r in rows]

        control = False

        def texts(index: int | None) -> list[str]:
            nonlocal control
            if index is None:
                return [""] * count
            values, found = _texts(column(index))
            control = control or found
            return values

        def nones(values: list[str]) -> list[str | None]:
            return [v or None for v in values] if "" in values else values  # type: ignore[return-value]

        def duplicates(values: Sequence[str | None], valid: set[int] | None, seen: dict[str, int], code: str) -> list[int]:
            """Register each value (its first row); a row repeating one is ``code``; the indexes
            of the values registered here are returned (for the store check)."""
            if valid is None and not blank and None not in values and len(set(values)) == count \
                    and seen.keys().isdisjoint(values):  # all new and distinct (a clean roster): at once
                seen.update(zip(values, range(first, first + count), strict=True))  # type: ignore[arg-type]  # no None
                return list(range(count))
            fresh: list[int] = []
            for i, value in enumerate(values):
                if value is None or (valid is not None and i not in valid) or i in blank:
                    continue
                other = seen.get(value)
                if other is None:
                    seen[value] = first + i
                    fresh.append(i)
                else:
                    bad.append((i, code, {"value": value, "other": other}))
            return fresh

        names = texts(self.c_name)
        blank: set[int] = set()
        for i in compress(range(count), map((0).__eq__, map(len, names))):  # no name: a blank row?
            if not any(c not in (None, "") and (type(c) is not str or c.strip()) for c in rows[i]):
                blank.add(i)
        self.total += count - len(blank)

        if widest > self.width:
            for i, r in enumerate(rows):
                if len(r) > self.width and any(c not in (None, "") for c in r[self.width :]):
                    bad.append((i, "row_long", {}))
        mapped = {self.c_name, self.c_id, self.c_unit, *(i for i in self.optional.values() if i is not None)}
        control = control or any(_has_control(column(i)) for i in range(widest) if i not in mapped)

        for i in compress(range(count), map((0).__eq__, map(len, names))):
            bad.append((i, "empty_name", {}))
        if _DIGIT.search("\n".join(names)):
            bad.extend((i, "name_digits", {"value": name}) for i, name in enumerate(names) if _DIGIT.search(name))
        if max(map(len, names)) > MAX_NAME:
            bad.extend((i, "name_too_long", {}) for i, name in enumerate(names)
                       if len(name) > MAX_NAME and not _DIGIT.search(name))

        # ID numbers: text cells tidied a column at a time; failing cells (and numbers) by _national
        raw = column(self.c_id)
        if set(map(type, raw)) <= _NONE_OR_STR:
            nationals, found = _texts(raw)
            control = control or found
            joined = "\n".join(nationals)
            if " " in joined or "." in joined:
                nationals = [v.replace(" ", "").replace(".", "") for v in nationals]
            odd = _NATIONAL_OK.failing(nationals)  # type: ignore[arg-type]  # read only
        else:
            control = control or _has_control(raw)
            nationals, odd = [""] * count, list(range(count))
        invalid: set[int] = set()
        for i in odd:
            nationals[i], code = _national(raw[i])
            if code:
                invalid.add(i)
                bad.append((i, code, {} if code == "id_missing" else {"value": nationals[i]}))
        fresh = duplicates(nationals, None if not invalid else set(range(count)) - invalid, self.by_id, "id_dup")
        if self.subscribers is not None and fresh:
            for national in sorted(self.subscribers.known_national_ids([nationals[i] for i in fresh])):
                owners = self.subscribers.by_national_id(national)
                if owners:
                    bad.append((self.by_id[national] - first, "id_in_store",
                                {"value": national, "other": owners[0].full_name}))

        units = texts(self.c_unit)
        bad.extend((i, "unit_missing", {}) for i in compress(range(count), map((0).__eq__, map(len, units))))

        levels: list[str | None] = [None] * count
        if self.optional["unit_level"] is not None:
            level_texts = texts(self.optional["unit_level"])
            level_of = {t: self.level(t) for t in set(level_texts) if t}
            levels = [level_of[t] if t else None for t in level_texts]
            if None in level_of.values():
                bad.extend((i, "level_unknown", {"value": t}) for i, (t, level) in
                           enumerate(zip(level_texts, levels, strict=True)) if t and level is None)

        tokens = nones(texts(self.optional["token_serial"]))
        token_bad = set(_TOKEN_OK.failing(tokens))
        bad.extend((i, "token_bad", {"value": tokens[i]}) for i in sorted(token_bad))
        fresh = duplicates(tokens, None if not token_bad else set(range(count)) - token_bad, self.by_token,
                           "token_dup")
        if self.subscribers is not None and fresh:
            for token in sorted(self.subscribers.known_token_serials([tokens[i] for i in fresh])):  # type: ignore[misc]
                owner = self.subscribers.by_token_serial(token)
                if owner is not None:
                    bad.append((self.by_token[token] - first, "token_in_store",
                                {"value": token, "other": owner.full_name}))

        cert_texts = texts(self.optional["cert_serial"])
        joined = "\n".join(cert_texts)
        certs = nones(cert_texts) if ":" not in joined and " " not in joined and joined.upper() == joined else [
            _cert(t) for t in cert_texts]
        cert_bad = set(_HEX_OK.failing(certs))
        bad.extend((i, "cert_not_hex", {"value": certs[i]}) for i in sorted(cert_bad))
        duplicates(certs, None if not cert_bad else set(range(count)) - cert_bad, self.by_cert, "cert_dup")

        emails = nones(texts(self.optional["email"]))
        for i in _OFFICIAL_OK.failing(emails):
            emails[i], code = _email(emails[i])  # type: ignore[arg-type]  # failing() skips None
            if code:
                bad.append((i, code, {"value": emails[i]}))

        phone_texts = texts(self.optional["phone"])
        joined = "\n".join(phone_texts)
        phones = nones([t.translate(_PHONE_STRIP) for t in phone_texts] if any(c in joined for c in " .-()")
                       else phone_texts)
        for i in _PHONE_OK.failing(phones):
            phones[i], code = _phone(phones[i])  # type: ignore[arg-type]  # failing() skips None
            if code:
                bad.append((i, code, {"value": phones[i]}))

        births: list[str | None] = [None] * count
        if self.optional["date_of_birth"] is not None:
            cells = column(self.optional["date_of_birth"])
            control = control or _has_control(cells)
            # each distinct cell once (keyed by type too: 1 == 1.0 == True, but not as dates)
            # (text, dates and None never compare equal across types; numbers do: 1 == 1.0 == True)
            keys: list[Any] = cells if set(map(type, cells)) <= _DATE_KEYS else [(type(v), v) for v in cells]
            birth_of = self.births  # distinct cells of earlier chunks too
            todo = {key: cell for key, cell in zip(keys, cells, strict=True) if key not in birth_of}
            if todo:
                birth_of.update(_births(todo, self.today))
                self.bad_births.update(key for key in todo if birth_of[key][1])
            births = [birth_of[key][0] for key in keys]
            if not self.bad_births.isdisjoint(keys):
                for i, key in enumerate(keys):
                    iso, problem = birth_of[key]
                    if problem:
                        bad.append((i, problem, {"value": iso or _text(cells[i])}))

        kind_texts = texts(self.optional["cert_kind"])
        kind_of = {t: self.kind(t) for t in set(kind_texts) if t}
        kinds = [kind_of[t] if t else "ca_nhan" for t in kind_texts]
        if None in kind_of.values():
            bad.extend((i, "kind_unknown", {"value": t}) for i, (t, k) in enumerate(zip(kind_texts, kinds, strict=True))
                       if k is None)

        positions = nones(texts(self.optional["position"]))
        if control:  # rare: find the rows
            bad.extend((i, "control_chars", {}) for i, r in enumerate(rows)
                       if _CONTROL.search("\n".join([c for c in r if type(c) is str])))

        # the rows' problems in the order of the checks (the order above, but for the cheap row-wide ones first)
        order = {code: n for n, code in enumerate(("row_long", "control_chars", "empty_name", "name_digits",
                                                   "name_too_long", "id_missing", "id_not_digits", "id_length",
                                                   "id_lost_zero", "id_dup", "id_in_store", "unit_missing",
                                                   "level_unknown", "token_bad", "token_dup", "token_in_store",
                                                   "cert_not_hex", "cert_dup", "email_invalid",
                                                   "email_not_official", "phone_invalid", "dob_invalid",
                                                   "dob_range", "kind_unknown"))}
        bad = [b for b in bad if b[0] not in blank]
        bad.sort(key=lambda b: (b[0], order[b[1]]))
        self.problems.extend(RowProblem(first + i, code, params) for i, code, params in bad)
        refused = {b[0] for b in bad} | blank
        keep = [i not in refused for i in range(count)] if refused else None
        numbers = range(first, first + count)
        for key, values in (("row", numbers), ("full_name", names), ("national_id", nationals), ("unit", units),
                            ("unit_level", levels), ("position", positions), ("date_of_birth", births),
                            ("email", emails), ("phone", phones), ("cert_kind", kinds), ("token_serial", tokens),
                            ("cert_serial", certs)):
            self.good[key].extend(values if keep is None else compress(values, keep))


# -- writing ----------------------------------------------------------------------------------

SUBSCRIBER_KEYS = ("full_name", "date_of_birth", "position", "national_id", "email", "phone",
                   "cert_kind", "token_serial", "cert_serial")


def import_roster(store: Store, path: Path, operator: str, *, mapping: Mapping[str, str] | None = None,
                  skip_invalid: bool = False, today: date | None = None,
                  progress: Progress | None = None) -> RosterReport:
    """Check the file against the store, then write units and subscribers.

    Raises :class:`RosterRefused` (nothing written) when a row is bad and ``skip_invalid``
    is False. The store lock is held from the check to the write, so a concurrent
    commit cannot slip a duplicate in between. ``progress`` hears (rows checked, rows);
    cancelled, it raises :class:`~helpdesk_handover.progress.Cancelled` before the write,
    which is one transaction: all rows or none.
    """
    progress = progress or Progress()
    with store.locked():
        report = read_roster(path, mapping, store, today, progress)
        if report.problems and not skip_invalid:
            raise RosterRefused(report)
        if not report.valid:
            return report
        data = report.good
        units = resolve_units(store, data["unit"], data["unit_level"])
        id_of = units.id_of
        progress.check()  # the last moment to stop: from here on the write runs to its end
        units.create(store, operator)
        store.subscribers.add_columns(  # the rows, a column per field (one commit): no dict per row
            {**{key: data[key] for key in SUBSCRIBER_KEYS}, "unit_id": tuple(map(id_of.__getitem__, data["unit"]))},
            operator,
        )
        report.units_matched = units.matched
        report.units_created = units.created
        report.imported = report.valid
    return report


@dataclass
class Units:
    """The units a file's rows name: matched by name (diacritics and case ignored) or new."""

    id_of: dict[str, str]  # unit name as written -> unit id
    new: list[dict[str, str]]  # units to create (id, name, level)
    matched: int  # distinct units found in the store

    @property
    def created(self) -> list[str]:
        return [u["name"] for u in self.new]

    def create(self, store: Store, operator: str) -> None:
        if self.new:
            store.units.add_many(self.new, operator)


def resolve_units(store: Store, names: Sequence[str], levels: Sequence[str | None]) -> Units:
    """Match each unit name of the rows to a unit of the store, or plan a new one (the first
    row naming a unit gives its level; without one, :func:`guess_level`)."""
    known = {fold(u.name): u.id for u in store.units.all()}
    new_units: dict[str, dict[str, str]] = {}
    unit_of: dict[str, str] = {}
    id_of: dict[str, str] = {}
    # each (unit, level) once, in the order of the rows: the first row naming a unit creates it
    for name, level in dict.fromkeys(zip(names, levels, strict=True)):
        key = fold(name)
        if key in known:
            unit_of[key] = known[key]
        elif key not in new_units:
            new_units[key] = {"id": unit_id_for(name), "name": name, "level": level or guess_level(name)}
            unit_of[key] = new_units[key]["id"]
        id_of[name] = unit_of[key]
    return Units(id_of, list(new_units.values()), len({k for k in unit_of if k in known}))
