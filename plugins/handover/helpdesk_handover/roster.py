"""Roster import: .xlsx/.xls/.ods or .csv -> subscribers.

Everything is checked before anything is written: :func:`read_roster` returns a
:class:`RosterReport` listing every bad row (its row number in the file and why, in
the operator's language); :func:`import_roster` writes all rows, or — with
``skip_invalid`` — the good ones, and never a file with a problem otherwise. Units
named in the file are matched by name (diacritics and case ignored) or created.

Files are read by :mod:`helpdesk_handover.sheets` (python-calamine, the csv module).
Rows are checked once, by one path, :class:`_Checker`, a chunk of rows at a time and a
column at a time within the chunk: the fields a subscriber is stored with go through the
store's own checks (``check_subscriber_columns``, through the door: tidy NFC text, ID
number, e-mail, phone, hex serial, kind, date — a column that already has the shape a
rule keeps as it is skips the per-cell call), then the roster's Mẫu 01 rules run on what
those made (official e-mail, an official's age, token serial shape, duplicates in the file
and in the store …). The good rows stay as the store checked them (a sealed
``CheckedSubscribers``) and ``store.subscribers.add_checked`` stores them without a
second look. Between chunks the work reports progress and may be cancelled (nothing
written: the write starts only after the last check).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any, Generic, TypeVar

from helpdesk.extension import (
    CheckedSubscribers,
    ColumnShape,
    HelpdeskError,
    Store,
    cell_text,
    check_subscriber_columns,
    date_cell,
    fold,
    gettext,
    national_id_cell,
    tidy_texts,
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
_NOT_CONTROL = bytes(c for c in range(128) if not _CONTROL.match(chr(c)))  # deleted, a control is left
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_DIGIT = re.compile(r"\d")
_PHONE_STRIP = str.maketrans("", "", " .-()")
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
    checked: CheckedSubscribers | None = None  # the good rows as the store's checks made them (for add_checked)
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
    checked = CheckedSubscribers.join(checker.checked)  # the good rows, as the store's checks made them
    # tuples: the cyclic collector stops walking a tuple of text after one look, a list it walks
    # at every collection (100k rows: the store's write then spends far less time in the collector)
    good: Columns = {key: tuple(checker.good[key]) if key in checker.good else checked.column(key)
                     for key in ROW_KEYS}
    report = RosterReport(path.name, columns, good, problems, checker.total, sheet.encoding, checked=checked)
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
    """A certificate serial as offices copy it ("54:03:1f") made plain hex ("54031F")."""
    return text.replace(":", "").replace(" ", "").upper() or None


def _phone_typed(phone: str) -> str:
    """A phone number (separators already removed) as stored: "+84…" -> "0…", and the
    leading zero a spreadsheet dropped from a number typed as a number put back."""
    if phone.startswith("+84"):
        return "0" + phone[3:]
    if phone[0] != "0" and phone.isdigit() and len(phone) in (9, 10):
        return "0" + phone
    return phone


# -- the checks, a column at a time within a chunk of rows --------------------------------
#
# The fields a subscriber is stored with go through the store's own checks, once
# (check_subscriber_columns: tidy text, NFC, ID number, e-mail, phone, hex serial, kind,
# date); the roster's rules for Mẫu 01 come on top, on what the store made of the cells
# (an official e-mail, a mobile-length phone, an official's age, a token serial's shape,
# duplicates in the file and in the store). The store then adds what it checked as it is.

OPTIONAL = ("date_of_birth", "position", "unit_level", "email", "phone", "cert_kind", "token_serial", "cert_serial")
_NONE_OR_STR = {type(None), str}
_DATE_TYPES = {type(None), str, date, datetime}
_Shape = ColumnShape  # one implementation, shared with the store's bulk add
_TOKEN_OK = _Shape(_TOKEN.pattern, "A-Za-z0-9._:-", range(1, 65))
_PHONE_AS_STORED = _Shape(r"0[0-9]{8,10}", "0-9", (9, 10, 11), "0")  # what _phone_typed leaves as it is
_HEX_SHAPE = _Shape(r"[0-9A-F]+", "0-9A-F")
_MOBILE_LENGTHS = {10, 11}
# The order of a row's problems: the row-wide ones first, then the columns'.
_ORDER = {code: n for n, code in enumerate((
    "row_long", "control_chars", "empty_name", "name_digits", "name_too_long", "id_missing", "id_not_digits",
    "id_length", "id_lost_zero", "id_dup", "id_in_store", "unit_missing", "level_unknown", "token_bad", "token_dup",
    "token_in_store", "cert_not_hex", "cert_dup", "email_invalid", "email_not_official", "phone_invalid",
    "dob_invalid", "dob_range", "kind_unknown"))}


def _as_text(values: Sequence[Any], keep: set[type] | None = None) -> Sequence[Any]:
    """A column with every cell that is not text (nor None, nor of a type in ``keep``) as
    the door's cell_text makes it: numbers and dates of a spreadsheet."""
    allowed = _NONE_OR_STR | (keep or set())
    if set(map(type, values)) <= allowed:
        return values
    return [v if type(v) in allowed else cell_text(v) for v in values]


def _control_rows(rows: Sequence[Sequence[Any]], columns: Sequence[Sequence[Any]]) -> list[int]:
    """The rows with a control character in a text cell (LF, CR and TAB are white space);
    ``columns``: the rows' cells a column at a time."""
    for values in columns:
        try:
            joined = " ".join(values)  # a column of text (a CSV's): at once
        except TypeError:
            joined = " ".join([v for v in values if type(v) is str])
        if joined.isascii():  # (most columns: a pass in C over its bytes, ~4x faster than isprintable)
            if not joined.encode("ascii").translate(None, _NOT_CONTROL):
                continue
        elif joined.isprintable():  # (usually: one look)
            continue
        if _CONTROL.search(joined) is not None:
            return [i for i, r in enumerate(rows) if _CONTROL.search("\n".join([c for c in r if type(c) is str]))]
    return []


def _official(address: str) -> bool:
    """An official address (or its domain): …@gov.vn, …@….gov.vn."""
    domain = address.rpartition("@")[2].lower()
    return domain == "gov.vn" or domain.endswith(".gov.vn")


class _Checker:
    """The checks of every row: :meth:`chunk` takes rows in file order and adds their
    problems and good rows; duplicates are found across chunks."""

    def __init__(self, columns: ColumnMap, width: int, store: Store | None, today: date) -> None:
        col = columns.columns
        self.c_name, self.c_id, self.c_unit = (col[f] for f in REQUIRED)
        self.optional = {f: col.get(f) for f in OPTIONAL}
        self.width = width
        self.today = today
        self.latest_birth = today.replace(year=today.year - 18).isoformat()  # an official is of age
        self.by_id: dict[str, int] = {}
        self.by_token: dict[str, int] = {}
        self.by_cert: dict[str, int] = {}
        self.subscribers = store.subscribers if store is not None else None
        self.good: dict[str, list[Any]] = {key: [] for key in ("row", "unit", "unit_level")}
        self.checked: list[CheckedSubscribers] = []  # the good rows of each chunk, as the store checked them
        self.problems: list[RowProblem] = []
        self.total = 0
        self.cache_level: dict[str, str | None] = {}

    def level(self, level_text: str) -> str | None:
        if level_text not in self.cache_level:
            key = _WORDS.sub(" ", fold(level_text).replace("/", " ")).strip()
            key = re.sub(r"\s+", " ", key.replace(",", " "))
            self.cache_level[level_text] = _LEVELS.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in _LEVEL_VALUES else None)
        return self.cache_level[level_text]

    def chunk(self, rows: Sequence[Sequence[Any]], first: int) -> None:
        """Check ``rows``; ``rows[i]`` is the file's row ``first + i`` (1-based)."""
        count = len(rows)
        if not count:
            return
        lengths = set(map(len, rows))
        narrowest, widest = min(lengths), max(lengths)
        bad: list[tuple[int, str, dict[str, object]]] = []  # (index, code, params)
        table: dict[int, Sequence[Any]] = {}  # the chunk's columns taken so far

        def column(index: int | None) -> Sequence[Any]:
            """The cells of a column (read only: every step below makes a new list to change one).
            A pass in C per column (not ``zip(*rows)``: its iterator per row sets the cyclic
            collector going a hundred times per 10k rows)."""
            if index is None:
                return [None] * count
            if index not in table:
                table[index] = list(map(itemgetter(index), rows)) if index < narrowest \
                    else [r[index] if index < len(r) else None for r in rows]
            return table[index]

        def duplicates(values: Sequence[str | None], valid: set[int] | None, seen: dict[str, int], code: str) -> list[int]:
            """Register each value (its first row); a row repeating one is ``code``; the indexes
            of the values registered here are returned (for the store check)."""
            if valid is None and not blank and None not in values and seen.keys().isdisjoint(values):
                # all new; distinct too when each grew ``seen`` (a clean roster): at once
                before = len(seen)
                seen.update(zip(values, range(first, first + count), strict=True))  # type: ignore[arg-type]  # no None
                if len(seen) == before + count:
                    return list(range(count))
                for value in values:  # a value twice in the chunk: undone, and each value looked at below
                    seen.pop(value, None)  # type: ignore[arg-type]  # no None
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

        optional = self.optional
        births_given = column(optional["date_of_birth"])  # text (tidied here), or a spreadsheet's date cells
        given: dict[str, Sequence[Any]] = {
            "full_name": _as_text(column(self.c_name)),
            "date_of_birth": tidy_texts(births_given) if set(map(type, births_given)) <= _NONE_OR_STR
            else _as_text(births_given, {date, datetime}),
        }
        for name in ("position", "email", "cert_kind", "token_serial"):
            if optional[name] is not None:
                given[name] = _as_text(column(optional[name]))

        # the roster's ways of writing an ID number, a phone, a serial: as the store keeps them
        raw_ids = column(self.c_id)
        id_codes: dict[int, str] = {}  # number cells: a lost leading zero, a fraction
        nationals = raw_ids
        if not set(map(type, raw_ids)) <= _NONE_OR_STR:
            nationals = list(raw_ids)
            for i, cell in enumerate(raw_ids):
                if cell is not None and type(cell) is not str:
                    nationals[i], code = national_id_cell(cell)
                    if code in ("id_lost_zero", "id_not_digits"):
                        id_codes[i] = code
        if "." in "".join([v for v in nationals if v]):
            nationals = [v.replace(".", "") if v else v for v in nationals]
        given["national_id"] = nationals
        if optional["phone"] is not None:
            phone_texts = tidy_texts(column(optional["phone"]))
            joined = "\n".join(phone_texts)
            phones = [t.translate(_PHONE_STRIP) or None for t in phone_texts] if any(c in joined for c in " .-()") \
                else [t or None for t in phone_texts]
            for i in _PHONE_AS_STORED.failing(phones):
                phones[i] = _phone_typed(phones[i])  # type: ignore[arg-type]  # failing() skips None
            given["phone"] = phones
        if optional["cert_serial"] is not None:
            cert_texts = tidy_texts(column(optional["cert_serial"]))
            joined = "\n".join(cert_texts)
            given["cert_serial"] = [t or None for t in cert_texts] if ":" not in joined and " " not in joined \
                and joined.upper() == joined else [_cert(t) for t in cert_texts]

        checked = check_subscriber_columns(given, count)  # the store's checks: once
        names = checked.column("full_name")
        blank: set[int] = set()
        for i in [i for i, name in enumerate(names) if name is None]:  # no name: a blank row?
            if not any(c not in (None, "") and (type(c) is not str or c.strip()) for c in rows[i]):
                blank.add(i)
        self.total += count - len(blank)

        refused_by_store: dict[str, set[int]] = {}
        for i, found in checked.problems.items():
            for problem in found:
                refused_by_store.setdefault(problem.field, set()).add(i)
                if problem.field == "national_id":
                    continue  # worded below, with the roster's codes for ID numbers
                bad.append(_store_problem(i, problem.field, problem.code, given, checked))

        if widest > self.width:
            for i, r in enumerate(rows):
                if len(r) > self.width and any(c not in (None, "") for c in r[self.width :]):
                    bad.append((i, "row_long", {}))
        bad.extend((i, "control_chars", {}) for i in _control_rows(rows, [column(i) for i in range(widest)]))

        if _DIGIT.search("\n".join(filter(None, names))):
            bad.extend((i, "name_digits", {"value": name}) for i, name in enumerate(names) if name and _DIGIT.search(name))
        if max(map(len, filter(None, names)), default=0) > MAX_NAME:
            bad.extend((i, "name_too_long", {}) for i, name in enumerate(names)
                       if name and len(name) > MAX_NAME and not _DIGIT.search(name))

        # ID numbers: required here; a refused one worded by the door's rule (the roster's codes)
        national = checked.column("national_id")
        invalid: set[int] = set()
        for i in sorted(refused_by_store.get("national_id", set()) | set(id_codes)):
            text, code = national_id_cell(raw_ids[i])
            code = id_codes.get(i) or code or "id_not_digits"
            invalid.add(i)
            bad.append((i, code, {} if code == "id_missing" else {"value": text}))
        if None in national:
            for i in [i for i, number in enumerate(national) if number is None]:
                if i not in invalid:
                    invalid.add(i)
                    bad.append((i, "id_missing", {}))
        fresh = duplicates(national, None if not invalid else set(range(count)) - invalid, self.by_id, "id_dup")
        if self.subscribers is not None and fresh:
            for number in sorted(self.subscribers.known_national_ids([national[i] for i in fresh])):
                owners = self.subscribers.by_national_id(number)
                if owners:
                    bad.append((self.by_id[number] - first, "id_in_store",
                                {"value": number, "other": owners[0].full_name}))

        units = tidy_texts(column(self.c_unit))
        bad.extend((i, "unit_missing", {}) for i in compress(range(count), map((0).__eq__, map(len, units))))
        levels: list[str | None] = [None] * count
        if optional["unit_level"] is not None:
            level_texts = tidy_texts(column(optional["unit_level"]))
            level_of = {t: self.level(t) for t in set(level_texts) if t}
            levels = [level_of[t] if t else None for t in level_texts]
            if None in level_of.values():
                bad.extend((i, "level_unknown", {"value": t}) for i, (t, level) in
                           enumerate(zip(level_texts, levels, strict=True)) if t and level is None)

        tokens = checked.column("token_serial")
        token_bad = set(_TOKEN_OK.failing(tokens))  # type: ignore[arg-type]  # read only
        bad.extend((i, "token_bad", {"value": tokens[i]}) for i in sorted(token_bad))
        fresh = duplicates(tokens, None if not token_bad else set(range(count)) - token_bad, self.by_token,
                           "token_dup")
        if self.subscribers is not None and fresh:
            for token in sorted(self.subscribers.known_token_serials([tokens[i] for i in fresh])):
                owner = self.subscribers.by_token_serial(token)
                if owner is not None:
                    bad.append((self.by_token[token] - first, "token_in_store",
                                {"value": token, "other": owner.full_name}))

        certs = checked.column("cert_serial")
        cert_bad = set(refused_by_store.get("cert_serial", ()))
        if max(map(len, filter(None, certs)), default=0) > 64:
            long = {i for i, c in enumerate(certs) if c and len(c) > 64} - cert_bad
            bad.extend((i, "cert_not_hex", {"value": certs[i]}) for i in sorted(long))
            cert_bad |= long
        duplicates(certs, None if not cert_bad else set(range(count)) - cert_bad, self.by_cert, "cert_dup")

        emails = checked.column("email")
        present = list(filter(None, emails))
        ends = "\n".join(present) + "\n"  # (an official domain at the end of every address: counted at once)
        if not (ends.count("gov.vn\n") == ends.count("@gov.vn\n") + ends.count(".gov.vn\n") == len(present)):
            email_bad = refused_by_store.get("email", set())
            bad.extend((i, "email_not_official", {"value": cell_text(given["email"][i])}) for i, e in
                       enumerate(emails) if e and i not in email_bad and not _official(e))

        stored_phones = checked.column("phone")
        if not set(map(len, filter(None, stored_phones))) <= _MOBILE_LENGTHS:
            phone_bad = refused_by_store.get("phone", set())
            bad.extend((i, "phone_invalid", {"value": p}) for i, p in enumerate(stored_phones)
                       if p and len(p) not in _MOBILE_LENGTHS and i not in phone_bad)

        births = checked.column("date_of_birth")
        if max(filter(None, births), default="") > self.latest_birth:
            bad.extend((i, "dob_range", {"value": b}) for i, b in enumerate(births) if b and b > self.latest_birth)

        bad = [b for b in bad if b[0] not in blank]
        bad.sort(key=lambda b: (b[0], _ORDER[b[1]]))
        self.problems.extend(RowProblem(first + i, code, params) for i, code, params in bad)
        refused = {b[0] for b in bad} | blank | set(checked.problems)
        keep = [i not in refused for i in range(count)]
        self.checked.append(checked.select(keep))
        for key, values in (("row", range(first, first + count)), ("unit", units), ("unit_level", levels)):
            self.good[key].extend(compress(values, keep))


def _store_problem(i: int, field: str, code: str, given: Mapping[str, Sequence[Any]],
                   checked: CheckedSubscribers) -> tuple[int, str, dict[str, object]]:
    """(row, roster code, params) of what the store's checks refused in a field: the value
    shown is the store's (e-mail, phone, serial: tidied, separators gone) or the cell's."""
    if field == "full_name":
        return i, "empty_name", {}
    if field == "date_of_birth":
        if code == "range":
            return i, "dob_range", {"value": date_cell(given[field][i]).isoformat()}
        return i, "dob_invalid", {"value": cell_text(given[field][i])}
    if field == "cert_kind":
        return i, "kind_unknown", {"value": cell_text(given[field][i])}
    codes = {"email": "email_invalid", "phone": "phone_invalid", "cert_serial": "cert_not_hex"}
    return i, codes[field], {"value": checked.column(field)[i]}


# -- writing ----------------------------------------------------------------------------------

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
        assert report.checked is not None
        # the rows as the store checked them (one commit), each with its unit
        store.subscribers.add_checked(report.checked, operator, tuple(map(id_of.__getitem__, data["unit"])))
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
