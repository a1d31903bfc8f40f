"""Roster reading speed paths give what the reference gives.

* The .xlsx reader (both its text scanner and its iterparse reader) returns the very rows
  openpyxl's read-only ``iter_rows(values_only=True)`` returns, for files openpyxl writes
  and for hand-made parts openpyxl does not write (shared and rich strings, formulas,
  sparse rows, a short dimension, the 1904 epoch …); anything else is left to openpyxl.
* The plain-CSV splitters return what ``csv.reader`` returns.
* ``read_roster`` (column-wise checks) reports exactly what the row-by-row checks report
  over the rows csv.reader/openpyxl give, for rosters with every kind of bad row.
"""

from __future__ import annotations

import csv
import io
import random
import sys
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from handover_kit import nfd, write_csv, write_xlsx
from helpdesk_handover import roster as roster_module
from helpdesk_handover.columns import ColumnError, map_columns
from helpdesk_handover.roster import (
    _Checker,
    _find_header,
    _plain_grid,
    _Table,
    header_rank,
    import_roster,
    read_roster,
    split_plain_csv,
)
from helpdesk_handover.xlsx import Unusual, _Book, read_rows
from openpyxl import Workbook, load_workbook

from helpdesk.extension import Store, fold

TODAY = date(2026, 11, 27)


def openpyxl_rows(path: Path) -> list[tuple[Any, ...]]:
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.active if book.active is not None else book.worksheets[0]
        return list(sheet.iter_rows(values_only=True))
    finally:
        book.close()


def both_readers(path: Path) -> tuple[list[Sequence[Any]] | None, list[Sequence[Any]]]:
    """(the scanner's rows, or None where it gives up; the iterparse reader's rows)."""
    with zipfile.ZipFile(path) as archive:
        try:
            scanned: list[Sequence[Any]] | None = _Book(archive).scan_rows()
        except Unusual:
            scanned = None
        return scanned, _Book(archive).parse_rows()


def assert_reads_like_openpyxl(path: Path, *, scanned: bool = True) -> None:
    expected = openpyxl_rows(path)
    by_scan, by_parse = both_readers(path)
    assert by_parse == expected
    if scanned:
        assert by_scan == expected
    else:
        assert by_scan is None  # the scanner gave up; the parser read it
    assert read_rows(path) == expected


# -- files openpyxl writes -------------------------------------------------------------------

VALUES: list[Any] = [
    None, "", " ", "Nguyễn Thị Ánh Tuyết", nfd("Đặng Thị Ngọc Ánh"), "  two  spaces ", "a < b & c > d \"q\" 'a'",
    "line\nbreak", "tab\there", "x005F_keep", "😀 emoji", "092186001234", 0, 1, -7, 92186001234, 10**15, 1.5,
    -0.25, 1e-7, 1.0, 3e20, True, False, date(1979, 1, 2), datetime(2026, 11, 27, 8, 30, 15), date(1900, 3, 1),
]


def random_workbook(path: Path, seed: int, write_only: bool) -> Path:
    rnd = random.Random(seed)
    book = Workbook(write_only=write_only)
    if write_only:
        sheet = book.create_sheet("Danh sách")
        for _ in range(rnd.randint(0, 40)):
            sheet.append([rnd.choice(VALUES) for _ in range(rnd.randint(0, 9))])
    else:
        sheet = book.active
        assert sheet is not None
        for _ in range(rnd.randint(1, 60)):
            sheet.cell(row=rnd.randint(1, 50), column=rnd.randint(1, 12), value=rnd.choice(VALUES))
        if rnd.random() < 0.3:  # the roster reads the active sheet
            other = book.create_sheet("Khác", 0)
            other.append(["not this one"])
            book.active = 1
    book.save(path)
    return path


@pytest.mark.parametrize("write_only", [True, False])
@pytest.mark.parametrize("seed", range(12))
def test_files_openpyxl_writes(tmp_path: Path, seed: int, write_only: bool) -> None:
    assert_reads_like_openpyxl(random_workbook(tmp_path / "r.xlsx", seed, write_only))


def test_a_roster_with_nfd_names_numbers_dates_and_gaps(tmp_path: Path) -> None:
    rows = [["1", nfd("Lê Văn Tám"), datetime(1979, 1, 2), None, "Sở Nội vụ", 92186001234, "", 912345678],
            [],
            [2.0, nfd("Trần Thị Ư"), "02/03/1980", "Kế toán", "Sở Tài chính", "092186001235", "a@b.gov.vn", True]]
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    assert_reads_like_openpyxl(path)
    read = read_rows(path)
    assert read is not None and read[3][1] == nfd("Lê Văn Tám")  # as written: the roster makes it NFC


# -- hand-made parts -------------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = f"""<styleSheet xmlns="{MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>
<numFmt numFmtId="165" formatCode="[h]:mm:ss"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>
</fonts><fills count="1"><fill><patternFill/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>
<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
SHARED = f"""<sst xmlns="{MAIN}" count="6" uniqueCount="6"><si><t>Nguyễn Văn A</t></si>
<si><r><t>Trần </t></r><r><rPr><b/></rPr><t xml:space="preserve">Thị  B</t></r></si>
<si><t>Lê</t><rPh sb="0" eb="1"><t>ignored</t></rPh><phoneticPr fontId="0"/></si><si><t/></si>
<si><t>a &amp; b &lt;c&gt; &#7885;&#x1EA1; x005F_y</t></si><si><t xml:space="preserve"> line
two </t></si></sst>"""


def handmade(path: Path, sheet_data: str, *, head: str = "", date1904: bool = False, prefix: str = "",
             shared: bool = True, date_style_0: bool = False) -> Path:
    """A minimal .xlsx: one worksheet whose <sheetData> is given, styles with date formats
    (style 1 and 2 dates, 3 a time, 4 a duration), optionally shared strings."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="{MAIN}"'
    overrides = ('<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
                 '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>')
    if shared:
        overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                      'officedocument.spreadsheetml.sharedStrings+xml"/>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>' + overrides + "</Types>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{rel}">'
                   + ('<workbookPr date1904="1"/>' if date1904 else "")
                   + '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>'
                   f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/styles.xml", STYLES.replace('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
                                                    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0"/>')
                   if date_style_0 else STYLES)
        if shared:
            z.writestr("xl/sharedStrings.xml", SHARED)
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                   f"<{p}worksheet {ns}>{head}<{p}sheetData>{sheet_data}</{p}sheetData></{p}worksheet>")
    return path


TYPED_ROW = ('<row r="1" spans="1:12"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
             '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c>'
             '<c r="F1" t="s"><v>5</v></c><c r="G1" t="b"><v>1</v></c><c r="H1" t="str"><v>formula text</v></c>'
             '<c r="I1" t="e"><v>#N/A</v></c><c r="J1"><f>1+1</f><v>2</v></c><c r="K1" s="0"><v>1.5E3</v></c>'
             '<c r="L1" t="s"><f t="shared" ref="L1:L2" si="0"/><v>4</v></c></row>'
             '<row r="2"><c r="A2" s="1"><v>29221</v></c><c r="B2" s="2"><v>29221.75</v></c><c r="C2" s="3"><v>0.5</v></c>'
             '<c r="D2" s="4"><v>1.25</v></c><c r="E2"/><c r="F2" t="inlineStr"/><c r="G2" t="inlineStr"><is><t></t></is></c>'
             '<c r="H2" t="s"><v></v></c><c r="I2" s="1"><v>59</v></c><c r="J2" s="1"><v>61</v></c>'
             '<c r="K2" t="inlineStr"><is><t xml:space="preserve">a&#13;&#10;b&amp;c &#x1EA1;</t></is></c></row>')
RICH_INLINE = ('<row r="1"><c r="A1" t="inlineStr"><is><r><t>in</t></r><r><rPr><b/></rPr><t>line</t></r></is></c>'
               '<c r="B1" t="inlineStr"><is><t/></is></c><c r="C1" t="inlineStr"><is></is></c></row>')


@pytest.mark.parametrize(("case", "sheet_data", "kwargs", "scanned"), [
    ("types", TYPED_ROW, {}, True),
    ("1904", TYPED_ROW, {"date1904": True}, True),
    ("rich inline strings", RICH_INLINE, {}, False),
    ("sparse rows, empty rows", '<row r="3"><c r="B3" t="s"><v>0</v></c></row><row r="4"/>'
     '<row r="7"><c r="D7"><v>7</v></c><c r="A7"><v>1</v></c></row><row r="8"><c r="B8"><v>2</v></c>'
     '<c r="A8"><v>1</v></c></row><row r="9"><c r="A9"><v>1</v></c><c r="C9"><v>3</v></c></row>', {}, True),
    ("style 0 a date", '<row r="1"><c r="A1"><v>29221</v></c></row>', {"date_style_0": True}, True),
    ("pretty printed", '\n  <row r="1">\n    <c r="A1" t="s"><v>0</v></c>\n  </row>\n', {}, True),
    ("dimension pads", '<row r="2"><c r="B2"><v>2</v></c></row>', {"head": '<dimension ref="A1:D3"/>'}, True),
    ("cells out of order", '<row r="1"><c r="B1"><v>2</v></c><c r="A1"><v>1</v></c></row><row r="2"><c r="B2"><v>3'
     '</v></c><c r="B2"><v>4</v></c></row>', {"head": '<dimension ref="A1:B2"/>'}, True),
    ("dimension cuts", '<row r="1"><c r="A1"><v>1</v></c><c r="F1"><v>6</v></c></row><row r="2"><c r="A2"><v>2</v>'
     '</c></row><row r="3"><c r="A3"><v>3</v></c></row>', {"head": '<dimension ref="A1:C2"/>'}, True),
    ("no r attributes", '<row><c t="s"><v>0</v></c><c><v>5</v></c></row><row><c><v>6</v></c></row>', {}, False),
    ("prefixed", '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>', {"prefix": "x"}, False),
    ("comment", '<!-- a note --><row r="1"><c r="A1"><v>1</v></c></row>', {}, False),
    ("cdata", '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<b> & </b>]]></t></is></c></row>', {}, False),
    ("no shared strings", '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>', {"shared": False}, True),
])
def test_handmade_parts(tmp_path: Path, case: str, sheet_data: str, kwargs: dict[str, Any], scanned: bool) -> None:
    assert_reads_like_openpyxl(handmade(tmp_path / "h.xlsx", sheet_data, **kwargs), scanned=scanned)


def test_dates_and_durations_follow_the_cell_style(tmp_path: Path) -> None:
    row = read_rows(handmade(tmp_path / "d.xlsx", TYPED_ROW))[1]  # type: ignore[index]
    assert row[:4] == (datetime(1980, 1, 1), datetime(1980, 1, 1, 18), time(12), openpyxl_rows(tmp_path / "d.xlsx")[1][3])


def test_what_it_cannot_read_is_left_to_openpyxl(tmp_path: Path) -> None:
    iso = handmade(tmp_path / "iso.xlsx", '<row r="1"><c r="A1" t="d"><v>2026-11-27T00:00:00</v></c></row>')
    assert read_rows(iso) is None  # ISO-dated cells: openpyxl's business
    assert openpyxl_rows(iso) == [(datetime(2026, 11, 27),)]
    bad_serial = handmade(tmp_path / "serial.xlsx", '<row r="1"><c r="A1" s="1"><v>1e9</v></c></row>')
    assert read_rows(bad_serial) is None  # openpyxl warns and gives "#VALUE!"
    bare = handmade(tmp_path / "bare.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>a & b</t></is></c></row>')
    assert read_rows(bare) is None  # not XML: openpyxl says so
    (tmp_path / "garbage.xlsx").write_bytes(b"\xd0\xcf\x11\xe0 an encrypted (OLE) workbook")
    assert read_rows(tmp_path / "garbage.xlsx") is None
    with pytest.raises(ColumnError):
        read_roster(tmp_path / "garbage.xlsx")


# -- plain CSV ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_plain_csv_splits_as_csv_reader_does(seed: int) -> None:
    rnd = random.Random(seed)
    alphabet = ["a", "ạ", " ", ",", ";", "\t", "\r", "\n", "\r\n", "\u2028", "\x0b", "x", "1"]
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        for delimiter in ",;\t":
            expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            assert split_plain_csv(text, delimiter) == expected
            grid = _plain_grid(text, delimiter)
            if grid is not None:
                assert [grid.row(i) for i in range(len(grid))] == expected
                assert grid.column(0, 0) == [r[0] for r in expected]
        lines = ["".join(rnd.choice(alphabet[:6]) for _ in range(rnd.randint(0, 8))) for _ in range(rnd.randint(1, 6))]
        text = "\r\n".join(lines) + rnd.choice(["", "\r\n"])  # Excel's line ends
        expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=","))
        grid = _plain_grid(text, ",")
        assert grid is None or [grid.row(i) for i in range(len(grid))] == expected
    assert split_plain_csv('a,"b,c"', ",") is None and _plain_grid('a,"b,c"', ",") is None


def test_white_space_lists_are_what_split_knows() -> None:
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - {" ", "\n"}
    odd = {chr(c) for c in range(sys.maxunicode + 1) if roster_module._ODD_SPACE.match(chr(c))}
    suspect = {chr(c) for c in range(sys.maxunicode + 1) if roster_module._SUSPECT.match(chr(c))}
    control = {chr(c) for c in range(sys.maxunicode + 1) if roster_module._CONTROL.match(chr(c))}
    assert odd == spaces and suspect == odd | control


# -- the checks ------------------------------------------------------------------------------------

def reference_rows(path: Path, rank: Any) -> list[Any]:
    """The rows as the roster read them before: csv.reader or openpyxl."""
    if path.suffix == ".xlsx":
        return openpyxl_rows(path)
    text = path.read_bytes().decode("utf-8-sig")
    head = text[:20000].splitlines()[:15]
    best = max((";", ",", "\t"), key=lambda d: max((rank(line.split(d)) for line in head), default=0))
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=best))


def reference_report(path: Path, store: Store | None) -> tuple[Any, ...]:
    """Every row through the row-by-row checks, nothing column-wise."""
    rank = header_rank(None)
    table = _Table(reference_rows(path, rank))
    at, header = _find_header(table, rank)
    checker = _Checker(map_columns(header), len(header), store, TODAY)
    for index in range(at + 1, len(table)):
        checker.row(index + 1, table.row(index))
    return checker.good, [(p.row, p.code, dict(p.params)) for p in checker.problems], checker.total


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
def test_column_wise_checks_report_what_the_row_walk_reports(tmp_path: Path, seeded: Store, seed: int,
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
