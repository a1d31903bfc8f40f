"""A class roster from an office's spreadsheet (.xlsx or .csv), with the handover
roster's column rules.

Headers are matched the way the handover roster import matches them (Mẫu 01 columns:
folded — no diacritics, lower case, punctuation as spaces — then known spellings, then
key words); the header row is the best-matching of the first 15 rows (offices put a
title above the table). Required: full name, ID number (CCCD 12 digits / CMND 9), unit.
Every bad row is reported with its row number in the file and the reason; nothing is
written unless every row is good.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpdesk.extension import _, fold
from helpdesk_training.model import TrainingError

HEADER_SCAN_ROWS = 15
MAX_NAME = 100

#: Canonical field -> header spellings (compared folded); the handover roster's Mẫu 01 rules.
ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("họ và tên", "họ tên", "tên", "tên thuê bao", "họ và tên thuê bao", "họ và tên học viên",
                  "học viên", "full name", "name"),
    "position": ("chức vụ", "chức danh", "chức vụ chức danh", "chức vụ hoặc chức danh", "position"),
    "unit": ("đơn vị", "cơ quan", "đơn vị công tác", "cơ quan đơn vị", "tên đơn vị", "tên cơ quan",
             "cơ quan tổ chức công tác", "unit"),
    "national_id": ("số định danh cá nhân", "số định danh", "số cccd", "cccd", "số cmnd", "cmnd", "cccd cmnd",
                    "số cccd cmnd", "số cmnd cccd", "số định danh cá nhân cccd cmnd", "national id"),
    "email": ("email", "e mail", "email công vụ", "thư điện tử", "thư điện tử công vụ"),
    "phone": ("điện thoại", "số điện thoại", "số điện thoại di động", "điện thoại di động", "phone"),
    "token_serial": ("số hiệu thiết bị", "số hiệu thiết bị lưu khóa bí mật", "số serial token", "serial token",
                     "token serial", "số hiệu token", "mã thiết bị"),
}
#: Fallback: every key word present in the folded header (first listed wins).
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("token_serial", ("thiet", "bi")),
    ("national_id", ("dinh", "danh")), ("national_id", ("cccd",)), ("national_id", ("cmnd",)),
    ("email", ("thu", "dien", "tu")), ("email", ("email",)),
    ("phone", ("dien", "thoai")),
    ("position", ("chuc", "vu")), ("position", ("chuc", "danh")),
    ("unit", ("don", "vi")), ("unit", ("co", "quan")),
    ("full_name", ("ho", "ten")),
)
REQUIRED = ("full_name", "national_id", "unit")
REQUIRED_HEADERS = {"full_name": "Họ và tên", "national_id": "Số định danh cá nhân", "unit": "Đơn vị"}
IGNORED = {"stt", "so tt", "so thu tu", "ghi chu", "ngay sinh", "ky ten"}

_PUNCT = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

#: Problem code -> English msgid (params: value, other).
MESSAGES: dict[str, str] = {
    "empty_name": "Full name is empty",
    "name_digits": "Full name {value!r} contains digits",
    "name_too_long": "Full name is longer than 100 characters",
    "control_chars": "The row contains control characters",
    "id_missing": "ID number (CCCD/CMND) is empty",
    "id_not_digits": "ID number {value!r} may hold digits only",
    "id_length": "ID number {value!r} must have 12 digits (CCCD) or 9 digits (CMND)",
    "id_dup": "ID number {value} already appears in row {other}",
    "unit_missing": "Unit is empty",
    "token_bad": "Token serial {value!r} may hold only letters, digits and . _ : -",
}


class RosterFileError(TrainingError):
    title = "Roster file"


def fold_header(text: object) -> str:
    return _PUNCT.sub(" ", fold(str(text or ""))).strip()


_LOOKUP = {fold_header(alias): name for name, aliases in ALIASES.items() for alias in aliases}


def match_field(header: object) -> str | None:
    key = fold_header(header)
    if not key or key in IGNORED:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    words = set(key.split())
    for name, needed in KEYWORDS:
        if all(w in words for w in needed):
            return name
    return None


def map_columns(headers: Sequence[object]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, cell in enumerate(headers):
        found = match_field(cell)
        if found is not None and found not in columns:
            columns[found] = i
    return columns


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the office sees it: 1 = the file's first line
    code: str
    params: dict[str, object] = field(default_factory=dict)

    def localized(self) -> str:
        text = _(MESSAGES[self.code]).format(**self.params)
        return _("Row {row}: {problem}").format(row=self.row, problem=text)


@dataclass(frozen=True)
class RosterRow:
    row: int
    full_name: str
    national_id: str
    unit: str
    position: str = ""
    email: str = ""
    phone: str = ""
    token_serial: str = ""


@dataclass
class RosterFile:
    source: str
    rows: list[RosterRow]
    problems: list[RowProblem]
    total: int

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    def lines(self) -> list[str]:
        return [p.localized() for p in self.problems]


# ---- cells ------------------------------------------------------------------------------

def _cells_csv(path: Path) -> list[list[Any]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError("{path} is not UTF-8 text; save it as \"CSV UTF-8\"", path=path.name) from exc
    head = text[:20000].splitlines()[:HEADER_SCAN_ROWS]
    delimiter = max((";", ",", "\t"), key=lambda d: max((_score(line.split(d)) for line in head), default=0))
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _cells_xlsx(path: Path) -> list[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RosterFileError("{path} is not a readable .xlsx file: {error}", path=path.name, error=str(exc)) from exc
    try:
        sheet = book.active if book.active is not None else book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def read_cells(path: Path) -> list[list[Any]]:
    if not path.is_file():
        raise RosterFileError("File {path} does not exist", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _cells_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _cells_xlsx(path)
    raise RosterFileError("Unsupported roster file {path}: use .xlsx or .csv", path=path.name)


def _score(cells: Sequence[object]) -> int:
    return len({f for c in cells if (f := match_field(c))})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def _national(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = str(int(value))
        # Excel drops the leading zero of a CCCD typed as a number (province codes 001-096)
        return digits.zfill(12) if len(digits) == 11 else digits.zfill(9) if len(digits) == 8 else digits
    return _text(value).replace(" ", "").replace(".", "")


# ---- the file -----------------------------------------------------------------------------

def _find_header(cells: list[list[Any]]) -> int:
    scanned = cells[:HEADER_SCAN_ROWS]
    best = max(range(len(scanned)), key=lambda i: _score(scanned[i]), default=None)
    if best is None or _score(scanned[best]) < 2:
        raise RosterFileError("No header row found in the first {n} rows (expected columns such as "
                              "Họ và tên, Số định danh cá nhân, Đơn vị)", n=HEADER_SCAN_ROWS)
    return best


def read_roster_file(path: Path) -> RosterFile:
    """Every row read and checked; nothing written."""
    path = Path(path)
    cells = read_cells(path)
    header_at = _find_header(cells)
    columns = map_columns(cells[header_at])
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise RosterFileError("{path}: required columns missing: {columns}", path=path.name,
                              columns=", ".join(REQUIRED_HEADERS[f] for f in missing))
    rows: list[RosterRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    total = 0
    for index in range(header_at + 1, len(cells)):
        line = cells[index]
        if not any(_text(c) for c in line):
            continue  # blank line
        total += 1
        n = index + 1
        bad: list[RowProblem] = []

        def cell(name: str, line: list[Any] = line) -> Any:
            i = columns.get(name)
            return line[i] if i is not None and i < len(line) else None

        if _CONTROL.search("\n".join(c for c in line if isinstance(c, str))):
            bad.append(RowProblem(n, "control_chars"))
        name = _text(cell("full_name"))
        if not name:
            bad.append(RowProblem(n, "empty_name"))
        elif _DIGIT.search(name):
            bad.append(RowProblem(n, "name_digits", {"value": name}))
        elif len(name) > MAX_NAME:
            bad.append(RowProblem(n, "name_too_long"))
        national = _national(cell("national_id"))
        if not national:
            bad.append(RowProblem(n, "id_missing"))
        elif not national.isdigit():
            bad.append(RowProblem(n, "id_not_digits", {"value": national}))
        elif len(national) not in (9, 12):
            bad.append(RowProblem(n, "id_length", {"value": national}))
        elif national in seen:
            bad.append(RowProblem(n, "id_dup", {"value": national, "other": seen[national]}))
        unit = _text(cell("unit"))
        if not unit:
            bad.append(RowProblem(n, "unit_missing"))
        token = _text(cell("token_serial")).replace(" ", "")
        if token and not _TOKEN.match(token):
            bad.append(RowProblem(n, "token_bad", {"value": token}))
        if bad:
            problems.extend(bad)
            continue
        seen[national] = n
        rows.append(RosterRow(n, name, national, unit, _text(cell("position")), _text(cell("email")),
                              _text(cell("phone")), token))
    return RosterFile(path.name, rows, problems, total)
