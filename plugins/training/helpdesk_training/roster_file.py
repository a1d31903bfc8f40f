"""A class roster from an office's spreadsheet, with the handover roster's reader and rules.

The file is read by the core's roster reader (:func:`read_sheet`: .xlsx/.xls/.ods/.csv,
the office encodings, and every hostile file — zip bomb, entity expansion, wrong
suffix, NUL bytes, oversized or too wide sheets — refused with a message). Headers are
the Mẫu 01 subscriber rules (:data:`SUBSCRIBER_HEADERS`) plus training's own spellings;
the header row is the best-matching of the first 15 rows (offices put a title above the
table). Required: full name, ID number (CCCD 12 digits / CMND 9, kept as text: a number
that lost its leading zero is a bad row, never padded), unit. Every bad row is reported
with its row number in the file and the reason; nothing is written unless every row is good.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpdesk.extension import (
    SUBSCRIBER_HEADERS,
    SheetError,
    _,
    cell_text,
    national_id_cell,
    read_sheet,
)

MAX_NAME = 100

#: The subscriber roster's headers, and how class rosters name the trainee.
HEADERS = SUBSCRIBER_HEADERS.extended(aliases={"full_name": ("họ và tên học viên", "học viên")},
                                      ignored=("ký tên",))

#: A roster file that cannot be read (the core's error: title "Roster file", exit code 2).
RosterFileError = SheetError

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
    "id_lost_zero": "ID number {value} was typed as a number and lost its leading zero: format the column as "
                    "Text and type the number again",
    "id_dup": "ID number {value} already appears in row {other}",
    "unit_missing": "Unit is empty",
    "token_bad": "Token serial {value!r} may hold only letters, digits and . _ : -",
}


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


def _row_problems(n: int, line: Sequence[Any], name: str, national: str, id_problem: str | None,
                  unit: str, token: str, seen: dict[str, int]) -> list[RowProblem]:
    bad: list[RowProblem] = []
    if _CONTROL.search("\n".join(c for c in line if isinstance(c, str))):
        bad.append(RowProblem(n, "control_chars"))
    if not name:
        bad.append(RowProblem(n, "empty_name"))
    elif _DIGIT.search(name):
        bad.append(RowProblem(n, "name_digits", {"value": name}))
    elif len(name) > MAX_NAME:
        bad.append(RowProblem(n, "name_too_long"))
    if id_problem == "id_missing":
        bad.append(RowProblem(n, id_problem))
    elif id_problem is not None:
        bad.append(RowProblem(n, id_problem, {"value": national}))
    elif national in seen:
        bad.append(RowProblem(n, "id_dup", {"value": national, "other": seen[national]}))
    if not unit:
        bad.append(RowProblem(n, "unit_missing"))
    if token and not _TOKEN.match(token):
        bad.append(RowProblem(n, "token_bad", {"value": token}))
    return bad


def read_roster_file(path: Path) -> RosterFile:
    """Every row read and checked; nothing written."""
    path = Path(path)
    cells = read_sheet(path, HEADERS.score).rows
    header_at = HEADERS.find_header(cells)
    columns = HEADERS.map_columns(cells[header_at])
    if columns.missing():
        raise RosterFileError("{path}: required columns missing: {columns}", path=path.name,
                              columns=HEADERS.missing_headers(columns))
    rows: list[RosterRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    total = 0
    for index in range(header_at + 1, len(cells)):
        line = cells[index]
        if not any(cell_text(c) for c in line):
            continue  # blank line
        total += 1
        n = index + 1

        def cell(name: str, line: Sequence[Any] = line) -> Any:
            i = columns.columns.get(name)
            return line[i] if i is not None and i < len(line) else None

        name = cell_text(cell("full_name"))
        national, id_problem = national_id_cell(cell("national_id"))
        unit = cell_text(cell("unit"))
        token = cell_text(cell("token_serial")).replace(" ", "")
        bad = _row_problems(n, line, name, national, id_problem, unit, token, seen)
        if bad:
            problems.extend(bad)
            continue
        seen[national] = n
        rows.append(RosterRow(n, name, national, unit, cell_text(cell("position")), cell_text(cell("email")),
                              cell_text(cell("phone")), token))
    return RosterFile(path.name, rows, problems, total)
