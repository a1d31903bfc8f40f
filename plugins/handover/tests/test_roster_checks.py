"""The roster's one checking path (chunked, column-wise) against the plain row walk of
:mod:`roster_reference`, on random rosters with doubtful cells, one-flaw rosters, and a
clean roster imported as checked; chunks are made small so rows cross chunk borders."""

from __future__ import annotations

import random
import sys
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from handover_kit import nfd, write_csv, write_xlsx
from helpdesk_handover import roster as roster_module
from helpdesk_handover.columns import map_columns
from helpdesk_handover.roster import _find_header, header_rank, import_roster, read_roster
from helpdesk_handover.sheets import read_sheet
from roster_reference import ReferenceChecker

from helpdesk.extension import Store, fold

TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_module, "CHUNK", 7)  # duplicates and dates across chunk borders


def reference_report(path: Path, store: Store | None) -> tuple[Any, ...]:
    """Every row through the row-by-row walk."""
    rank = header_rank(None)
    rows = read_sheet(path, rank).rows
    at, header = _find_header(rows, rank)
    checker = ReferenceChecker(map_columns(header), len(header), store, TODAY)
    for index in range(at + 1, len(rows)):
        checker.row(index + 1, rows[index])
    return checker.good, [(p.row, p.code, dict(p.params)) for p in checker.problems], checker.total


def test_control_characters_are_not_printable() -> None:
    """The chunk looks for control characters only where a text is not printable."""
    control = {chr(c) for c in range(sys.maxunicode + 1) if roster_module._CONTROL.match(chr(c))}
    assert control and not any(c.isprintable() for c in control)


ODD_CELLS: dict[int, list[Any]] = {  # column (as in HEADERS) -> doubtful values
    1: ["", " ", nfd("Nguyễn Thị Ánh"), "  Lê   Văn  Tám ", "Lê Văn 2", "Lê\x07 Hồng", "Nguyễn " * 20, "Lê\u00a0Na", None],
    2: ["12/05/1980", "31/02/1980", "01/01/2030", "1980-05-12", "", " 12/05/1980 ", "12-05-1980", None,
        datetime(1979, 1, 2), date(1899, 1, 1), 19800512],
    3: ["", "Giám  đốc", nfd("Phó Giám đốc"), None],
    4: ["", "Sở Nội vụ", " sở nội vụ ", nfd("UBND phường An Hội"), None],
    5: ["", "092100000001", "0921 0000 0002", "092.100.000.003", "09210000000A", "0921000000", "092199999999",
        92100000004, 9210000005.0, 361234567, None],
    6: ["", "a@cantho.gov.vn", "A@CanTho.Gov.VN", "a@gmail.com", "a@@b", "a b@gov.vn", "a@gov.vn", None],
    7: ["", "0912345678", "091 234 5678", "+84912345678", "912345678", "12345", 912345678, None],
    8: ["", "Cá nhân", "tổ chức", "Hộ kinh doanh", "THIẾT BỊ", None],
    9: ["", "TK-1", "TK 1", "TK-STORE", "tk:1.a_b", None],
    10: ["", "54031F", "54:03:1f", "54 03 1F", "XYZ", None],
}


def random_roster(seed: int, count: int, xlsx: bool = False) -> list[list[Any]]:
    rnd = random.Random(seed)
    rows: list[list[Any]] = []
    for i in range(count):
        row: list[Any] = [str(i), f"Nguyễn Văn {chr(65 + i % 26)}", "12/05/1980", "Kế toán", "Sở Nội vụ",
                          f"09210{i:07d}", f"u{i}@cantho.gov.vn", f"09{i:08d}", "Cá nhân", f"TK{i:06d}", f"{i:08X}"]
        for column in rnd.sample(sorted(ODD_CELLS), rnd.choice((0, 0, 0, 1, 1, 2, 3))):
            row[column] = rnd.choice(ODD_CELLS[column])
            if xlsx and row[column] == "Lê\x07 Hồng":
                row[column] = "Lê\x7f Hồng"  # the control character an .xlsx can hold
        if rnd.random() < 0.03:
            row = [None] * 11  # a blank line
        elif rnd.random() < 0.03:
            row.append(rnd.choice(["", "Ninh Kiều"]))  # longer than the header
        elif rnd.random() < 0.05 and rows:
            row[9] = rows[-1][9]  # a duplicate serial
        rows.append(row)
    return rows


@pytest.fixture
def seeded(store: Store) -> Store:
    store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    store.subscribers.add_many([
        {"full_name": "Lê Văn Cũ", "national_id": "092199999999", "unit_id": "snv"},
        {"full_name": "Lê Văn Giữ", "national_id": "092199999998", "unit_id": "snv", "token_serial": "TK-STORE"},
    ], "test")
    return store


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("seed", range(6))
def test_the_checks_report_what_the_row_walk_reports(tmp_path: Path, seeded: Store, seed: int,
                                                             kind: str) -> None:
    rows = random_roster(seed, 300, xlsx=kind == "xlsx")
    path = (write_csv(tmp_path / "r.csv", rows, delimiter=";" if seed % 2 else ",") if kind == "csv"
            else write_xlsx(tmp_path / "r.xlsx", rows, title=bool(seed % 2)))
    for store in (None, seeded):
        report = read_roster(path, store=store, today=TODAY)
        good, problems, total = reference_report(path, store)
        assert report.rows == good
        assert [(p.row, p.code, dict(p.params)) for p in report.problems] == problems
        assert report.total == total
        assert problems and good  # the mix had both


def clean_rows(count: int) -> list[list[Any]]:
    return [[str(i), nfd(f"Trần Thị {chr(65 + i % 26)}"), "01/02/1990", "Chuyên viên",
             ["Sở Nội vụ", "UBND phường Tân An", "ubnd phường tân an"][i % 3], f"09230{i:07d}", f"t{i}@cantho.gov.vn",
             f"09{i:08d}", "tổ chức" if i % 5 else "", f"TC{i:05d}", f"{i:06X}"] for i in range(count)]


# One flaw in an otherwise clean roster, so that the column-wide checks are the ones to
# find it: (column, value) at row 3, or a copy of row 1's cell (a duplicate).
FLAWS: list[tuple[int, Any]] = [
    (5, "0923000000001"), (5, "0923000000"), (5, "092199999999"), (5, "dup"), (9, "dup"), (9, "TK-STORE"),
    (10, "dup"), (10, "00:00:01"), (10, "0000g1"), (7, "0900000000001"), (7, "1900000001"), (7, "090 000 0001"),
    (6, "t3@CanTho.gov.vn"), (6, "t3@gov.vn.com"), (6, "t3@.gov.vn"), (6, "t3@xgov.vn"), (6, "t3@gov.vn"), (1, " Trần Thị D"), (1, "Trần Thị D "),
    (1, "Trần  Thị D"), (1, "Trần Thị\u2003D"), (1, "Trần Thị 4"), (2, "29/02/1990"), (2, "01/02/2020"),
    (8, "hộ gia đình"), (4, ""), (1, ""), (6, "t3\x7f@cantho.gov.vn"), (9, "TC\x7f3"), (5, None), (9, None),
    (6, nfd("tễ3@cantho.gov.vn")),
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(("column", "value"), FLAWS)
def test_one_flaw_in_a_clean_roster_is_found(tmp_path: Path, seeded: Store, kind: str, column: int,
                                             value: Any) -> None:
    rows = clean_rows(30)
    rows[3][column] = rows[1][column] if value == "dup" else value
    path = write_csv(tmp_path / "f.csv", rows) if kind == "csv" else write_xlsx(tmp_path / "f.xlsx", rows)
    report = read_roster(path, store=seeded, today=TODAY)
    good, problems, total = reference_report(path, seeded)
    assert (report.rows, [(p.row, p.code, dict(p.params)) for p in report.problems], report.total) == (
        good, problems, total)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_clean_roster_is_imported_as_checked(tmp_path: Path, seeded: Store, kind: str) -> None:
    rows = clean_rows(400)
    path = write_csv(tmp_path / "c.csv", rows) if kind == "csv" else write_xlsx(tmp_path / "c.xlsx", rows)
    report = import_roster(seeded, path, "op", today=TODAY)
    assert report.imported == 400 and report.units_created == ["UBND phường Tân An"] and report.units_matched == 1
    assert report.rows == reference_report(path, None)[0]
    units = {fold(u.name): u.id for u in seeded.units.all()}
    for row in report.rows:
        (saved,) = seeded.subscribers.by_national_id(row["national_id"])
        assert saved.to_dict() == {
            "id": saved.id, "unit_id": units[fold(row["unit"])],
            **{k: row[k] for k in ("full_name", "date_of_birth", "position", "national_id", "email", "phone",
                                   "cert_kind", "token_serial", "cert_serial")}}
        assert unicodedata.is_normalized("NFC", saved.full_name)
