"""Roster import: .xlsx or .csv (UTF-8, with or without BOM, ``,`` or ``;``) -> subscribers.

Everything is checked before anything is written: :func:`read_roster` returns a
:class:`RosterReport` listing every bad row (its row number in the file and why, in
the operator's language); :func:`import_roster` writes all rows, or — with
``skip_invalid`` — the good ones, and never a file with a problem otherwise. Units
named in the file are matched by name (diacritics and case ignored) or created.

Built for 100k-row rosters: a CSV without quotes is split without the csv module, an
.xlsx is read by :mod:`helpdesk_handover.xlsx`, the checks run a column at a time and
the good rows reach the store a column per field. :meth:`_Checker.row`, the row-by-row
check, stays the reference: every row the column-wise checks are not sure of goes there.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import compress
from itertools import count as count_from
from operator import itemgetter, not_
from pathlib import Path
from typing import Any, cast

from helpdesk.extension import ColumnShape, HelpdeskError, Store, fold, gettext
from helpdesk_handover.columns import (
    REQUIRED,
    ColumnError,
    ColumnMap,
    fold_header,
    map_columns,
    score,
)

HEADER_SCAN_ROWS = 15  # offices put titles above the table
MAX_NAME = 100

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


class RosterRefused(HelpdeskError):
    """The file has bad rows and ``skip_invalid`` was not asked for: nothing was written."""

    title = "Roster refused"

    def __init__(self, report: RosterReport) -> None:
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


@dataclass
class RosterReport:
    source: str
    columns: ColumnMap
    rows: list[dict[str, Any]]  # good rows: subscriber fields + "unit" name + "unit_level" + "row"
    problems: list[RowProblem]
    total: int  # data rows read (blank rows not counted)
    imported: int = 0
    units_created: list[str] = field(default_factory=list)
    units_matched: int = 0

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """Every problem, one line each, in the current language."""
        return [p.localized() for p in self.problems]

    def summary(self) -> str:
        return gettext("{source}: {total} rows, {good} valid, {bad} with problems; {imported} imported, "
                       "{units} new units").format(source=self.source, total=self.total, good=len(self.rows),
                                                   bad=len(self.bad_rows), imported=self.imported,
                                                   units=len(self.units_created))


# -- reading cells ---------------------------------------------------------------------

Rank = Callable[[Sequence[Any]], int]


class _Table:
    """A sheet's cells: each row by its index (0 = the file's first line), and whole
    columns for the column-wise checks."""

    def __init__(self, rows: list[Sequence[Any]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, index: int) -> Sequence[Any]:
        return self._rows[index]

    def widths(self, start: int) -> tuple[int, int]:
        """Fewest and most cells in a row from row ``start`` on."""
        lengths = set(map(len, self._rows[start:]))
        return min(lengths, default=0), max(lengths, default=0)

    def column(self, index: int, start: int) -> list[Any]:
        """Cell ``index`` of each row from row ``start`` on (None where a row is shorter)."""
        rows = self._rows[start:]
        if index < self.widths(start)[0]:
            return list(map(itemgetter(index), rows))
        return [r[index] if index < len(r) else None for r in rows]


class _Grid(_Table):
    """A CSV whose lines all hold the same number of fields, as one flat list with a
    "\n" between lines: a column is a slice, and no list is made per line."""

    def __init__(self, flat: list[str], width: int, count: int) -> None:
        super().__init__([])
        self._flat, self._width, self._count = flat, width, count

    def __len__(self) -> int:
        return self._count

    def row(self, index: int) -> list[str]:
        first = index * (self._width + 1)
        return self._flat[first : first + self._width]

    def widths(self, start: int) -> tuple[int, int]:
        return self._width, self._width

    def column(self, index: int, start: int) -> list[Any]:
        return self._flat[start * (self._width + 1) + index :: self._width + 1]


def _csv_table(path: Path, rank: Rank) -> _Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ColumnError("{path} is not UTF-8 text; save it as \"CSV UTF-8\"", path=path.name) from exc
    head = text[:20000].splitlines()[:HEADER_SCAN_ROWS]
    best = max((";", ",", "\t"), key=lambda d: max((rank(line.split(d)) for line in head), default=0))
    grid = _plain_grid(text, best)
    if grid is not None:
        return grid
    rows = split_plain_csv(text, best)
    if rows is not None:
        return _Table(cast("list[Sequence[Any]]", rows))  # read only: a list of lists will do
    return _Table(list(csv.reader(io.StringIO(text, newline=""), delimiter=best)))


def _plain_text(text: str) -> str | None:
    """``text`` with every line end as "\n", if the csv reader would split it at line ends
    and delimiters only (no quote character, no NUL); else None."""
    if '"' in text or "\x00" in text:
        return None
    if "\r" in text:  # the reader ends a record at \r\n, \r or \n
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            text = text.replace("\r", "\n")
    return text


def split_plain_csv(text: str, delimiter: str) -> list[list[str]] | None:
    """What ``csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)`` gives, ~3x
    faster, for text without quote characters (then a record is a line and a field what
    lies between delimiters); None for any other text."""
    plain = _plain_text(text)
    if plain is None:
        return None
    lines = plain.split("\n")
    if lines[-1] == "":  # a final line end starts no record
        lines.pop()
    if max(map(len, lines), default=0) > csv.field_size_limit():
        return None  # the reader refuses such a field
    return [line.split(delimiter) if line else [] for line in lines]


def _plain_grid(text: str, delimiter: str) -> _Grid | None:
    """:func:`split_plain_csv` as a :class:`_Grid`, when every line has as many fields as
    the first (no blank line either); else None."""
    crlf = text.count("\r\n")
    if crlf and crlf == text.count("\r") == text.count("\n") and '"' not in text and "\x00" not in text:
        plain, end = text, "\r\n"  # every line ends in CR LF (Excel's CSV): no need to rewrite them first
    else:
        plain, end = _plain_text(text), "\n"  # type: ignore[assignment]
        if plain is None:
            return None
    if plain.endswith(end):  # a final line end starts no record
        plain = plain[: -len(end)]
    if not plain or plain.startswith(end) or plain.endswith(end) or end * 2 in plain:  # a blank line: no field
        return None
    count = plain.count(end) + 1
    width = plain.partition(end)[0].count(delimiter) + 1
    flat = plain.replace(end, f"{delimiter}\n{delimiter}").split(delimiter)  # "\n" stands between lines
    if len(flat) != count * (width + 1) - 1 or flat[width :: width + 1].count("\n") != count - 1:
        return None  # lines of different widths
    if len(plain) > csv.field_size_limit() and max(map(len, flat)) > csv.field_size_limit():
        return None  # the reader refuses such a field
    return _Grid(flat, width, count)


def _xlsx_table(path: Path) -> _Table:
    from helpdesk_handover.xlsx import read_rows

    fast = read_rows(path)  # the same values, several times faster; None: leave it to openpyxl
    return _Table(fast if fast is not None else list(_openpyxl_rows(path)))


def _openpyxl_rows(path: Path) -> Iterator[Sequence[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ColumnError("{path} is not a readable .xlsx file: {error}", path=path.name, error=str(exc)) from exc
    try:
        sheet = book.active if book.active is not None else book.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def _read_table(path: Path, rank: Rank) -> _Table:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ColumnError("File {path} does not exist", path=str(path))
    if suffix == ".csv":
        return _csv_table(path, rank)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_table(path)
    raise ColumnError("Unsupported roster file {path}: use .xlsx or .csv", path=path.name)


def iter_cells(path: Path, rank: Rank = score) -> Iterator[Sequence[Any]]:
    """The rows of a roster file, as cells."""
    table = _read_table(path, rank)
    return (table.row(i) for i in range(len(table)))


# -- one cell at a time -------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = " ".join(value.split())
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _national_id(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = str(int(value))
        # Excel drops the leading zero of a CCCD typed as a number (province codes 001-096).
        return digits.zfill(12) if len(digits) == 11 else digits.zfill(9) if len(digits) == 8 else digits
    return _text(value).replace(" ", "").replace(".", "")


def _birth(value: Any, today: date) -> tuple[str | None, str | None]:
    """(ISO date, problem code)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value)
        try:
            if "/" in text:
                d, m, y = (int(p) for p in text.split("/"))
                day = date(y, m, d)
            else:
                day = date.fromisoformat(text[:10])
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


def _find_header(table: _Table, rank: Rank) -> tuple[int, Sequence[Any]]:
    """(index of the header row, its cells): the best-ranked of the first rows."""
    seen = [table.row(i) for i in range(min(HEADER_SCAN_ROWS, len(table)))]
    best = max(range(len(seen)), key=lambda i: rank(seen[i]), default=None)
    if best is None or rank(seen[best]) < 2:
        raise ColumnError("No header row found in the first {n} rows (expected columns such as "
                          "Họ và tên, Số định danh cá nhân, Đơn vị)", n=HEADER_SCAN_ROWS)
    return best, seen[best]


def read_roster(path: Path, mapping: Mapping[str, str] | None = None, store: Store | None = None,
                today: date | None = None) -> RosterReport:
    """Parse and check a roster file; with ``store``, also against subscribers already there."""
    return _read_roster(path, mapping, store, today)[0]


Columns = dict[str, list[Any]]  # the good rows a column per key of RosterReport.rows


def _read_roster(path: Path, mapping: Mapping[str, str] | None, store: Store | None,
                 today: date | None) -> tuple[RosterReport, Columns | None]:
    """:func:`read_roster`, and its good rows a column per key when the column-wise checks
    kept every row as it stood (import_roster hands them to the store so)."""
    path = Path(path)
    rank = header_rank(mapping)
    table = _read_table(path, rank)
    header_at, header = _find_header(table, rank)
    columns = map_columns(header, mapping)
    if columns.missing():
        from helpdesk_handover.columns import ALIASES

        raise ColumnError("{path}: required columns missing: {columns}", path=path.name,
                          columns=", ".join(ALIASES[f][0] for f in columns.missing()))
    return _check_rows(path.name, columns, len(header), table, header_at + 1, store, today or date.today())


class _Checker:
    """Row-by-row checks: the reference for what a row means and what is wrong with it.

    :func:`_check_rows` runs every row through :meth:`row` unless the column-wise fast
    path has shown the row clean; the duplicate maps are shared, so both give the same
    report."""

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
        self.good: list[dict[str, Any]] = []
        self.problems: list[RowProblem] = []
        self.total = 0
        self.cache_level: dict[str, str | None] = {}
        self.cache_kind: dict[str, str | None] = {}

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

    def row(self, n: int, cells: Sequence[Any]) -> None:
        optional, by_id, by_token, by_cert, subscribers = (self.optional, self.by_id, self.by_token, self.by_cert,
                                                           self.subscribers)

        def cell(cells: Sequence[Any], index: int | None) -> Any:
            return cells[index] if index is not None and index < len(cells) else None

        if not any(c not in (None, "") and (type(c) is not str or c.strip()) for c in cells):
            return  # blank line
        self.total += 1
        bad: list[RowProblem] = []
        if len(cells) > self.width and any(c not in (None, "") for c in cells[self.width:]):
            bad.append(RowProblem(n, "row_long"))
        if _CONTROL.search("\n".join([c for c in cells if type(c) is str])):  # LF is not in _CONTROL
            bad.append(RowProblem(n, "control_chars"))
        name = _text(cell(cells, self.c_name))
        if not name:
            bad.append(RowProblem(n, "empty_name"))
        elif _DIGIT.search(name):
            bad.append(RowProblem(n, "name_digits", {"value": name}))
        elif len(name) > MAX_NAME:
            bad.append(RowProblem(n, "name_too_long"))
        national = _national_id(cell(cells, self.c_id))
        if not national:
            bad.append(RowProblem(n, "id_missing"))
        elif not (national.isdigit() and national.isascii()):
            bad.append(RowProblem(n, "id_not_digits", {"value": national}))
        elif len(national) not in (9, 12):
            bad.append(RowProblem(n, "id_length", {"value": national}))
        elif national in by_id:
            bad.append(RowProblem(n, "id_dup", {"value": national, "other": by_id[national]}))
        else:
            by_id[national] = n
            if subscribers is not None and (owners := subscribers.by_national_id(national)):
                bad.append(RowProblem(n, "id_in_store", {"value": national, "other": owners[0].full_name}))
        unit = _text(cell(cells, self.c_unit))
        if not unit:
            bad.append(RowProblem(n, "unit_missing"))
        level_text = _text(cell(cells, optional["unit_level"]))
        level = None
        if level_text:
            level = self.level(level_text)
            if level is None:
                bad.append(RowProblem(n, "level_unknown", {"value": level_text}))
        token = _text(cell(cells, optional["token_serial"])) or None
        if token is not None:
            if not _TOKEN.fullmatch(token):
                bad.append(RowProblem(n, "token_bad", {"value": token}))
            elif token in by_token:
                bad.append(RowProblem(n, "token_dup", {"value": token, "other": by_token[token]}))
            else:
                by_token[token] = n
                if subscribers is not None and (owner := subscribers.by_token_serial(token)):
                    bad.append(RowProblem(n, "token_in_store", {"value": token, "other": owner.full_name}))
        cert = _cert(_text(cell(cells, optional["cert_serial"])))
        if cert is not None:
            if not _HEX.fullmatch(cert):
                bad.append(RowProblem(n, "cert_not_hex", {"value": cert}))
            elif cert in by_cert:
                bad.append(RowProblem(n, "cert_dup", {"value": cert, "other": by_cert[cert]}))
            else:
                by_cert[cert] = n
        email = _text(cell(cells, optional["email"])) or None
        if email is not None:
            email, code = _email(email)
            if code:
                bad.append(RowProblem(n, code, {"value": email}))
        phone = _text(cell(cells, optional["phone"])).translate(_PHONE_STRIP) or None
        if phone is not None:
            phone, code = _phone(phone)
            if code:
                bad.append(RowProblem(n, code, {"value": phone}))
        birth, birth_problem = _birth(cell(cells, optional["date_of_birth"]), self.today)
        if birth_problem:
            shown = birth or _text(cell(cells, optional["date_of_birth"]))
            bad.append(RowProblem(n, birth_problem, {"value": shown}))
        kind_text = _text(cell(cells, optional["cert_kind"]))
        kind: str | None = "ca_nhan"
        if kind_text:
            kind = self.kind(kind_text)
            if kind is None:
                bad.append(RowProblem(n, "kind_unknown", {"value": kind_text}))
        if bad:
            self.problems.extend(bad)
            return
        self.good.append({
            "row": n, "full_name": name, "national_id": national, "unit": unit, "unit_level": level,
            "position": _text(cell(cells, optional["position"])) or None, "date_of_birth": birth,
            "email": email, "phone": phone, "cert_kind": kind, "token_serial": token, "cert_serial": cert,
        })


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


# -- the same checks, a column at a time ---------------------------------------------------
#
# A 100k-row roster is mostly clean: checking it a column at a time (C-level joins, one
# regular expression per column, each distinct unit/level/kind/date worked out once)
# costs a fraction of the row-by-row walk. The fast path only ever *accepts* a row, and
# only when every check certainly passes with the very values :meth:`_Checker.row` would
# store; anything else — a doubtful cell, a duplicate, a number already in the store —
# goes through :meth:`_Checker.row`, which words the problems.

OPTIONAL = ("date_of_birth", "position", "unit_level", "email", "phone", "cert_kind", "token_serial", "cert_serial")
# White space str.split() knows, but for " " and "\n" (tests/test_xlsx_reader.py checks the list).
_ODD_SPACE = re.compile("[\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_SUSPECT = re.compile("[\x00-\x09\x0b-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")  # either
_NONE_OR_STR = {type(None), str}


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
    # one scan for both, usually none at all (neither kind of character is printable)
    suspect = not joined.replace("\n", " ").isprintable() and _SUSPECT.search(joined) is not None
    control = suspect and _CONTROL.search(joined) is not None
    if (joined.count("\n") != len(values) - 1 or "  " in joined or "\n " in joined or " \n" in joined
            or joined[:1] == " " or joined[-1:] == " " or (suspect and _ODD_SPACE.search(joined))):  # split() would change it
        values = [" ".join(v.split()) for v in values]
        joined = "\n".join(values)
    if not joined.isascii() and not unicodedata.is_normalized("NFC", joined):
        values = [v if v.isascii() else unicodedata.normalize("NFC", v) for v in values]
    return values, control


def _has_control(values: list[Any]) -> bool:
    return _CONTROL.search("\n".join([v for v in values if type(v) is str])) is not None


_DMY = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_DMY_TO_ISO = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})$", re.M)
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
    days = _DMY_TO_ISO.sub(r"\3-\2-\1", joined).split("\n")
    try:
        list(map(date.fromisoformat, days))  # each a real day
    except ValueError:
        return None
    if min(days) < "1900-01-01" or max(days) > today.replace(year=today.year - 18).isoformat():
        return None
    return dict(zip(texts, days, strict=True))


def _births(cells: dict[Any, Any], today: date) -> dict[Any, tuple[str | None, str | None]]:
    """``{key: _birth(cell, today)}``: a column of "DD/MM/YYYY" texts all at once, else
    the usual "DD/MM/YYYY" text worked out inline."""
    texts = [cell for cell in cells.values() if type(cell) is str and cell]
    if len(texts) == len(cells) - (None in cells.values()) - ("" in cells.values()):  # text or empty only
        days = _dmy_column(texts, today)
        if days is not None:
            return {key: ((days[cell], None) if cell else (None, None)) for key, cell in cells.items()}
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


def _fast_rows(checker: _Checker, table: _Table, start: int) -> tuple[list[dict[str, Any] | None], dict[str, list[Any]]]:
    """For each row from ``start`` on: what :meth:`_Checker.row` would keep of it, or None
    to ask it; and the same values a column per key (None rows included)."""
    count = len(table) - start
    if count <= 0:
        return [], {}
    slow: set[int] = set()  # rows (counted from start) for the row walk
    control = False  # some text cell has a control character

    def column(index: int) -> list[Any]:
        return table.column(index, start)

    def texts(index: int | None) -> list[str]:
        nonlocal control
        if index is None:
            return [""] * count
        values, found = _texts(column(index))
        control = control or found
        return values

    def nones(values: list[str]) -> list[str | None]:
        return [v or None for v in values] if "" in values else values  # type: ignore[return-value]

    def as_given(index: int | None, shape: ColumnShape) -> list[str | None] | None:
        """The column as it stands, if it fits ``shape`` already (no white space, no control
        character, NFC): tidying it, and the field's own rewriting, would leave it so."""
        if index is None:
            return None
        values = column(index)
        return values if shape.as_is(values) else None

    if table.widths(start)[1] > checker.width:  # the row walk decides about the extra cells
        slow.update([i for i in range(count) if len(table.row(start + i)) > checker.width])
    opt = checker.optional
    mapped = {checker.c_name, checker.c_id, checker.c_unit, *(i for i in opt.values() if i is not None)}
    control = any(_has_control(column(i)) for i in range(checker.width) if i not in mapped)

    names = texts(checker.c_name)
    slow.update(compress(count_from(), map(not_, names)))  # blank rows too: the row walk skips them
    if _DIGIT.search("\n".join(names)):
        slow.update([i for i, name in enumerate(names) if _DIGIT.search(name)])
    if max(map(len, names)) > MAX_NAME:
        slow.update([i for i, name in enumerate(names) if len(name) > MAX_NAME])

    raw = column(checker.c_id)
    nationals: list[str]
    given = as_given(checker.c_id, _NATIONAL_OK)
    if given is not None and None not in given:
        nationals = given  # type: ignore[assignment]  # no None in it
    elif set(map(type, raw)) <= _NONE_OR_STR:
        nationals, found = _texts(raw)
        control = control or found
        joined = "\n".join(nationals)
        if " " in joined or "." in joined:
            nationals = [v.replace(" ", "").replace(".", "") for v in nationals]
    else:
        nationals = [_national_id(v) for v in raw]
        control = control or _has_control(raw)
    if nationals is not given:
        slow.update(_NATIONAL_OK.failing(cast("list[str | None]", nationals)))  # "" fails too; read only

    units = texts(checker.c_unit)
    slow.update(compress(count_from(), map(not_, units)))

    levels: list[str | None] = [None] * count
    if opt["unit_level"] is not None:
        level_texts = texts(opt["unit_level"])
        level_of = {t: checker.level(t) for t in set(level_texts) if t}
        levels = [level_of[t] if t else None for t in level_texts]
        if None in level_of.values():
            slow.update([i for i, (t, level) in enumerate(zip(level_texts, levels, strict=True)) if t and level is None])

    tokens = as_given(opt["token_serial"], _TOKEN_OK)
    if tokens is None:
        tokens = nones(texts(opt["token_serial"]))
        slow.update(_TOKEN_OK.failing(tokens))

    certs = as_given(opt["cert_serial"], _HEX_OK)
    if certs is None:
        cert_texts = texts(opt["cert_serial"])
        joined = "\n".join(cert_texts)
        certs = nones(cert_texts) if ":" not in joined and " " not in joined and joined.upper() == joined else [
            _cert(t) for t in cert_texts]
        slow.update(_HEX_OK.failing(certs))

    emails = as_given(opt["email"], _OFFICIAL_OK)
    if emails is None:
        emails = nones(texts(opt["email"]))
        for i in _OFFICIAL_OK.failing(emails):
            emails[i], code = _email(emails[i])  # type: ignore[arg-type]  # failing() skips None
            if code:
                slow.add(i)

    phones = as_given(opt["phone"], _PHONE_OK)
    if phones is None:
        phone_texts = texts(opt["phone"])
        joined = "\n".join(phone_texts)
        phones = nones([t.translate(_PHONE_STRIP) for t in phone_texts] if any(c in joined for c in " .-()")
                       else phone_texts)
        for i in _PHONE_OK.failing(phones):
            phones[i], code = _phone(phones[i])  # type: ignore[arg-type]  # failing() skips None
            if code:
                slow.add(i)

    births: list[str | None] = [None] * count
    if opt["date_of_birth"] is not None:
        cells = column(opt["date_of_birth"])
        control = control or _has_control(cells)
        # each distinct cell once (keyed by type too: 1 == 1.0 == True, but not as dates)
        keys: list[Any] = cells if set(map(type, cells)) <= _NONE_OR_STR else [(type(v), v) for v in cells]
        birth_of = _births(dict(zip(keys, cells, strict=True)), checker.today)
        iso_of = {key: iso for key, (iso, _) in birth_of.items()}
        births = [iso_of[key] for key in keys]
        if any(problem for _, problem in birth_of.values()):
            slow.update([i for i, key in enumerate(keys) if birth_of[key][1]])

    kind_texts = texts(opt["cert_kind"])
    kind_of = {t: checker.kind(t) for t in set(kind_texts) if t}
    kinds = [kind_of[t] if t else "ca_nhan" for t in kind_texts]
    if None in kind_of.values():
        slow.update([i for i, k in enumerate(kinds) if k is None])

    positions = nones(texts(opt["position"]))
    if control:  # rare: find the rows
        slow.update([i for i in range(count) if _has_control(list(table.row(start + i)))])
    columns: dict[str, list[Any]] = {"full_name": names, "national_id": nationals, "unit": units, "unit_level": levels,
               "position": positions, "date_of_birth": births, "email": emails, "phone": phones, "cert_kind": kinds,
               "token_serial": tokens, "cert_serial": certs}
    return [
        None if i in slow else {
            "row": n, "full_name": name, "national_id": national, "unit": unit, "unit_level": level,
            "position": position, "date_of_birth": birth, "email": email, "phone": phone, "cert_kind": kind,
            "token_serial": token, "cert_serial": cert,
        }
        for i, (n, name, national, unit, level, position, birth, email, phone, kind, token, cert) in enumerate(zip(
            range(start + 1, start + 1 + count), names, nationals, units, levels, positions, births, emails, phones,
            kinds, tokens, certs, strict=True))
    ], columns


def _check_rows(source: str, columns: ColumnMap, width: int, table: _Table, start: int, store: Store | None,
                today: date) -> tuple[RosterReport, Columns | None]:
    """Check rows ``start``… of ``table`` (row numbers as the office sees them: index + 1)."""
    checker = _Checker(columns, width, store, today)
    fast, fast_columns = _fast_rows(checker, table, start)
    every = None not in fast
    ready: list[dict[str, Any]] = fast if every else [r for r in fast if r is not None]  # type: ignore[assignment]

    def present(key: str) -> list[str]:  # the ready rows' values (no None), from the columns when all are ready
        values = fast_columns[key] if every else [r[key] for r in ready]
        return [v for v in values if v is not None] if None in values else values

    nationals, tokens, certs = present("national_id"), present("token_serial"), present("cert_serial")
    taken_ids: set[str] = set()
    taken_tokens: set[str] = set()
    if checker.subscribers is not None:  # a superset of the rows the store check would refuse
        taken_ids = checker.subscribers.known_national_ids(nationals)
        taken_tokens = checker.subscribers.known_token_serials(tokens)
    if (every and not taken_ids and not taken_tokens and len(set(nationals)) == len(nationals)
            and len(set(tokens)) == len(tokens) and len(set(certs)) == len(certs)):
        # every row clean and unique: what the row walk would conclude, without the walk
        return RosterReport(source, columns, ready, [], len(ready)), fast_columns
    by_id, by_token, by_cert, good = checker.by_id, checker.by_token, checker.by_cert, checker.good
    for index, row in enumerate(fast, start):
        n = index + 1
        if row is not None:
            national, token, cert = row["national_id"], row["token_serial"], row["cert_serial"]
            if not (national in by_id or national in taken_ids or token in by_token or token in taken_tokens
                    or cert in by_cert):
                # what _Checker.row does with a clean row
                checker.total += 1
                by_id[national] = n
                if token is not None:
                    by_token[token] = n
                if cert is not None:
                    by_cert[cert] = n
                good.append(row)
                continue
        checker.row(n, table.row(index))
    return RosterReport(source, columns, good, checker.problems, checker.total), None


# -- writing ----------------------------------------------------------------------------------

SUBSCRIBER_KEYS = ("full_name", "date_of_birth", "position", "national_id", "email", "phone",
                   "cert_kind", "token_serial", "cert_serial")


def import_roster(store: Store, path: Path, operator: str, *, mapping: Mapping[str, str] | None = None,
                  skip_invalid: bool = False, today: date | None = None) -> RosterReport:
    """Check the file against the store, then write units and subscribers.

    Raises :class:`RosterRefused` (nothing written) when a row is bad and ``skip_invalid``
    is False. The store lock is held from the check to the write, so a concurrent
    commit cannot slip a duplicate in between.
    """
    with store.locked():
        report, data = _read_roster(path, mapping, store, today)
        if report.problems and not skip_invalid:
            raise RosterRefused(report)
        if not report.rows:
            return report
        if data is None:
            data = {key: list(map(itemgetter(key), report.rows)) for key in (*SUBSCRIBER_KEYS, "unit", "unit_level")}
        known = {fold(u.name): u.id for u in store.units.all()}
        new_units: dict[str, dict[str, str]] = {}
        unit_of: dict[str, str] = {}
        id_of: dict[str, str] = {}  # unit name as written -> unit id
        # each (unit, level) once, in the order of the rows: the first row naming a unit creates it
        for name, level in dict.fromkeys(zip(data["unit"], data["unit_level"], strict=True)):
            key = fold(name)
            if key in known:
                unit_of[key] = known[key]
            elif key not in new_units:
                new_units[key] = {"id": unit_id_for(name), "name": name, "level": level or guess_level(name)}
                unit_of[key] = new_units[key]["id"]
            id_of[name] = unit_of[key]
        report.units_matched = len({k for k in unit_of if k in known})
        if new_units:
            store.units.add_many(list(new_units.values()), operator)
            report.units_created = [u["name"] for u in new_units.values()]
        store.subscribers.add_columns(  # the rows, a column per field: no dict per row
            {**{key: data[key] for key in SUBSCRIBER_KEYS}, "unit_id": list(map(id_of.__getitem__, data["unit"]))},
            operator,
        )
        report.imported = len(report.rows)
    return report
