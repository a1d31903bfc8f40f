"""Roster files as offices save them, and as a hostile user makes them.

Reading: .xlsx through python-calamine (title row above the header, NFD names, dates,
text ID numbers), .ods, CSV as UTF-8, UTF-16 "Unicode Text" (tabs) and cp1258.
Hostile files: each is refused by ``helpdesk roster import`` with exit code 2 and a
Vietnamese message (English with ``--lang en``), imports nothing, and runs in a process
whose address space is capped at 300 MB (``resource.RLIMIT_AS``).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from handover_kit import HEADERS, nfd, roster_row, write_csv, write_xlsx
from helpdesk_handover.columns import ColumnError
from helpdesk_handover.roster import import_roster, read_roster

from helpdesk.testing import rosters
from helpdesk.testing.kit import Kiosk, load_settings, open_store
from helpdesk.testing.rosters import SHEET, XLSX_PARTS, handmade_xlsx, header_cells

MEMORY_CAP = 300 * 1024 * 1024
HELPDESK = str(Path(sys.executable).with_name("helpdesk"))
NAMES = ["Nguyễn Thị Ánh Tuyết", "Phạm Quốc Việt", "Đặng Thị Hường", "Lưu Ngọc Ẩn"]


def rows() -> list[list[object]]:
    return [roster_row(name, f"0921860{i:05d}", "UBND phường Tân An", f"TK-{i}") for i, name in enumerate(NAMES, 1)]


# -- as offices save them -------------------------------------------------------------------------

def test_xlsx_with_a_merged_title_nfd_text_and_date_cells(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = [roster_row(nfd(NAMES[0]), "092186000001", birth=date(1979, 1, 2)),
            roster_row("Phạm Quốc Việt", "092186000002", birth="12/05/1980")]
    path = write_xlsx(tmp_path / "r.xlsx", data)
    book = load_workbook(path)
    book.active.merge_cells("A1:K1")  # type: ignore[union-attr]
    book.save(path)
    report = read_roster(path)
    assert report.ok, report.lines()
    assert [r["full_name"] for r in report.rows] == NAMES[:2]
    assert all(unicodedata.is_normalized("NFC", r["full_name"]) for r in report.rows)
    assert [r["date_of_birth"] for r in report.rows] == ["1979-01-02", "1980-05-12"]
    assert [r["row"] for r in report.rows] == [4, 5]


def test_ods_is_read_too(tmp_path: Path) -> None:
    """An OpenDocument sheet (LibreOffice's own format), written by hand as LibreOffice lays it out."""
    cells: list[list[object]] = [list(HEADERS), *rows()]
    body = "".join(
        "<table:table-row>" + "".join(
            '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'.format(c or "")
            for c in row) + "</table:table-row>" for row in cells)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="DS">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    path = tmp_path / "r.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    report = read_roster(path)
    assert report.ok, report.lines()
    assert [r["full_name"] for r in report.rows] == NAMES


def unicode_text(path: Path) -> Path:
    return rosters.unicode_text(path, rows(), HEADERS)


def cp1258(text: str) -> bytes:
    """``text`` as Vietnamese Windows writes it: base letters (â, ê, ơ, ư, ă, đ …) plus
    combining tone marks where cp1258 has no precomposed letter."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], list(decomposed[1:])
        for mark in marks:  # the mark cp1258 keeps in the letter (â ê ô ơ ư ă), the tone as a combining mark
            composed = unicodedata.normalize("NFC", base + mark)
            if len(composed) == 1 and composed.encode("cp1258", "ignore"):
                base = composed
                marks.remove(mark)
                break
        out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


def windows_csv(path: Path) -> Path:
    lines = [",".join(HEADERS)] + [",".join("" if c is None else str(c) for c in row) for row in rows()]
    path.write_bytes(cp1258("\r\n".join(lines) + "\r\n"))
    return path


@pytest.mark.parametrize(("make", "encoding"), [(unicode_text, "UTF-16"), (windows_csv, "Windows-1258")])
def test_office_encodings_are_read_into_nfc_text(tmp_path: Path, kiosk: Kiosk, make: Callable[[Path], Path],
                                                 encoding: str) -> None:
    path = make(tmp_path / "ds.csv")
    assert path.read_bytes()[:4] != "Họ".encode()  # not UTF-8
    report = import_roster(kiosk.store, path, "op")
    assert report.encoding == encoding and report.imported == len(NAMES), report.lines()
    saved = sorted(s.full_name for s in kiosk.store.subscribers.all())
    assert saved == sorted(NAMES)  # never mojibake: the very names, in NFC
    assert {u.name for u in kiosk.store.units.all()} == {"UBND phường Tân An"}


@pytest.mark.parametrize(("raw", "words"), [
    ("Hä vµ tªn,Sè CCCD,§¬n vÞ\r\nNguyÔn V¨n A,092186000001,Së Néi vô\r\n".encode("cp1252"), "Windows-1258"),
    ("\r\n".join([",".join(HEADERS), ",".join(str(c or "") for c in rows()[0])]).encode("utf-16-le"), "NUL"),
    (b"\xef\xbb\xbf" + "Họ và tên,Số CCCD,Đơn vị\n".encode() + b"\xff\n", "UTF-8"),
])
def test_other_encodings_get_a_message_naming_what_was_found(tmp_path: Path, raw: bytes, words: str) -> None:
    """TCVN3 (fonts .VnTime…) read through cp1258 would be mojibake; UTF-16 without a BOM; broken UTF-8."""
    path = tmp_path / "ds.csv"
    path.write_bytes(raw)
    with pytest.raises(ColumnError) as info:
        read_roster(path)
    assert words in info.value.localized() and "CSV UTF-8" in info.value.localized()


# -- hostile files --------------------------------------------------------------------------------

LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10)) + "]>")


def zip_bomb(path: Path) -> Path:
    return rosters.zip_bomb(path, HEADERS)


def entity_sheet(path: Path) -> Path:
    return handmade_xlsx(path, SHEET.format(doctype=LAUGHS, rows=header_cells(HEADERS) + (
        '<row r="2"><c r="B2" t="inlineStr"><is><t>&lol9;</t></is></c></row>')))


def entity_workbook(path: Path) -> Path:
    """The billion laughs in a part read with expat (the workbook): ParseError, caught and explained."""
    book = XLSX_PARTS["xl/workbook.xml"].replace("<workbook", LAUGHS + "<workbook", 1).replace(
        'name="DS"', 'name="&lol9;"')
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS)), **{"xl/workbook.xml": book})


SHARED_LAUGHS = ('<?xml version="1.0" encoding="UTF-8"?>' + LAUGHS + '<sst xmlns="http://schemas.openxmlformats.org/'
                 'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')


def entity_shared_strings(path: Path) -> Path:
    """The billion laughs in the shared strings, which calamine reads on opening the workbook
    (while the sheet is still being scanned): calamine refuses it, and that is what is said."""
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS)),
                         **{"xl/sharedStrings.xml": SHARED_LAUGHS})


def far_cell_and_entity_shared_strings(path: Path) -> Path:
    """Two faults found at once (the scan's far cell, calamine's entities): the scan's is said."""
    with zipfile.ZipFile(far_cell_in_a_near_row(path), "a") as z:
        z.writestr("xl/sharedStrings.xml", SHARED_LAUGHS)
    return path


def pdf_named_xlsx(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n" + b"0" * 2000)
    return path


def xlsx_named_csv(path: Path) -> Path:
    return write_xlsx(path.with_suffix(".xlsx"), rows()).rename(path.with_suffix(".csv"))


def csv_named_xlsx(path: Path) -> Path:
    return write_csv(path.with_suffix(".csv"), rows()).rename(path.with_suffix(".xlsx"))


def nul_bytes(path: Path) -> Path:
    write_csv(path.with_suffix(".csv"), rows())
    data = path.with_suffix(".csv").read_bytes()
    path.with_suffix(".csv").write_bytes(data[:200] + b"\x00\x00\x00" + data[200:])
    return path.with_suffix(".csv")


def gigabyte_csv(path: Path) -> Path:
    """1 GB: a real header and first row, then a sparse hole (no disk used)."""
    path = write_csv(path.with_suffix(".csv"), rows())
    with path.open("r+b") as f:
        f.truncate(1 << 30)
    return path


def wide_xlsx(path: Path) -> Path:
    """16,384 columns (A … XFD) in the header row."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("DS")
    sheet.append([*HEADERS, *(f"Cột {i}" for i in range(16384 - len(HEADERS)))])
    for row in rows():
        sheet.append(row)
    book.save(path)
    return path


def wide_csv(path: Path) -> Path:
    path = path.with_suffix(".csv")
    path.write_text(",".join([*HEADERS, *(f"c{i}" for i in range(16384))]) + "\n", encoding="utf-8")
    return path


def sparse_corners(path: Path) -> Path:
    """A1 and XFD1048576 only: calamine would allocate 17 billion cells and abort the process."""
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS) + (
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')))


def far_cell_in_a_near_row(path: Path) -> Path:
    """A cell whose own reference names row 1,048,576 inside row 2: calamine places a cell by
    its reference, so the row elements alone would have said 2 rows (11 columns x a million)."""
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS) + (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Lê Văn A</t></is></c>'
        '<c r="K1048576" t="inlineStr"><is><t>x</t></is></c></row>')))


def far_cell_after_a_tab(path: Path) -> Path:
    """The far cell's reference after a tab, not a space: XML allows any white space between
    attributes, and calamine reads them so."""
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS) + (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Lê Văn A</t></is></c>'
        '<c\tr="K1048576" t="inlineStr"><is><t>x</t></is></c></row>')))


def far_cell_with_a_prefix_of_its_own(path: Path) -> Path:
    """The far cell in the sheet's namespace under a prefix the rest of the sheet does not use:
    calamine knows a cell by its local name, whatever prefix it is written with."""
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS) + (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Lê Văn A</t></is></c>'
        '<q:c r="K1048576" xmlns:q="http://schemas.openxmlformats.org/spreadsheetml/2006/main" t="inlineStr">'
        '<q:is><q:t>x</q:t></q:is></q:c></row>')))


def far_cell_in_lower_case(path: Path) -> Path:
    """A far cell's reference in lower case: no office program writes one, calamine reads it."""
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS) + (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Lê Văn A</t></is></c>'
        '<c r="k1048576" t="inlineStr"><is><t>x</t></is></c></row>')))


def row_number_of_5000_digits(path: Path) -> Path:
    """int() refuses a number of thousands of digits: a traceback, unless the scan caps it."""
    return handmade_xlsx(path, SHEET.format(doctype="", rows=header_cells(HEADERS) + (
        f'<row r="{"9" * 5000}"><c r="A{"9" * 5000}" t="inlineStr"><is><t>x</t></is></c></row>')))


def no_header(path: Path) -> Path:
    return write_xlsx(path, rows(), headers=["Cột 1", "Cột 2", "Cột 3"], title=False)


def formulas(path: Path) -> Path:
    from openpyxl import load_workbook

    write_xlsx(path, rows())
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["F5"] = '="0921"&"86000002"'  # the ID number column, computed
    book.save(path)
    return path


HOSTILE: dict[str, tuple[Callable[[Path], Path], str, str]] = {  # case: (maker, Vietnamese words, English words)
    "zip_bomb": (zip_bomb, "giải nén", "unzipped"),
    "entities_in_sheet": (entity_sheet, "không đọc được", "not a readable"),
    "entities_in_workbook": (entity_workbook, "không thể đọc an toàn", "cannot be read safely"),
    "pdf_named_xlsx": (pdf_named_xlsx, "nội dung là PDF", "content is PDF"),
    "xlsx_named_csv": (xlsx_named_csv, "nội dung là zip", "content is zip"),
    "csv_named_xlsx": (csv_named_xlsx, "nội dung là text", "content is text"),
    "nul_bytes": (nul_bytes, "byte NUL", "NUL bytes"),
    "gigabyte_csv": (gigabyte_csv, "1024 MB", "1024 MB"),
    "16k_columns_xlsx": (wide_xlsx, "hơn 256 cột", "more than 256 columns"),
    "16k_columns_csv": (wide_csv, "hơn 256 cột", "more than 256 columns"),
    "sparse_corners": (sparse_corners, "hơn 256 cột", "more than 256 columns"),
    "far_cell_in_a_near_row": (far_cell_in_a_near_row, "1048576 dòng", "1048576 rows"),
    "entities_in_shared_strings": (entity_shared_strings, "không đọc được", "not a readable"),
    "far_cell_and_entity_shared_strings": (far_cell_and_entity_shared_strings, "1048576 dòng", "1048576 rows"),
    "far_cell_after_a_tab": (far_cell_after_a_tab, "1048576 dòng", "1048576 rows"),
    "far_cell_with_a_prefix_of_its_own": (far_cell_with_a_prefix_of_its_own, "1048576 dòng", "1048576 rows"),
    "far_cell_in_lower_case": (far_cell_in_lower_case, "địa chỉ ô không", "cell references not written"),
    "row_number_of_5000_digits": (row_number_of_5000_digits, "1000000000000 dòng", "1000000000000 rows"),
    "no_header": (no_header, "Không tìm thấy dòng tiêu đề", "No header row found"),
    "formulas": (formulas, "ô F5", "cell F5"),
}


def capped() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def import_capped(path: Path, *lang: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HELPDESK, *lang, "roster", "import", str(path)], preexec_fn=capped,
                          capture_output=True, text=True, env=os.environ.copy(), timeout=300)


def test_the_memory_cap_lets_a_good_import_run(tmp_path: Path) -> None:
    """The baseline: the same capped process imports a good file (so refusals below are not the cap's)."""
    done = import_capped(write_xlsx(tmp_path / "ok.xlsx", rows()))
    assert done.returncode == 0, done.stderr
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        assert len(store.subscribers) == len(NAMES)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_refused_in_both_languages_under_a_memory_cap(tmp_path: Path, case: str) -> None:
    make, vietnamese, english = HOSTILE[case]
    path = make(tmp_path / "ds.xlsx")
    try:
        for lang, words in (((), vietnamese), (("--lang", "en"), english)):
            done = import_capped(path, *lang)
            assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
            assert words in done.stderr, done.stderr
            assert "Traceback" not in done.stderr
        assert "Tệp danh sách" in import_capped(path).stderr  # the title, in Vietnamese
        settings = load_settings()
        if settings.data_dir.exists():
            with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
                assert len(store.subscribers) == 0 and len(store.units) == 0
    finally:
        path.unlink(missing_ok=True)  # the 1 GB file (sparse) goes at once


def test_row_elements_and_dimension_claims_without_cells_are_harmless(tmp_path: Path) -> None:
    """calamine places cells by their own references and skips an empty row element and the
    <dimension> a file claims: neither makes the sheet big, so neither refuses the file."""
    cells = header_cells(HEADERS) + ('<row r="2"><c r="B2" t="inlineStr"><is><t>Lê Văn A</t></is></c>'
                                     '<c r="E2" t="inlineStr"><is><t>Sở Nội vụ</t></is></c>'
                                     '<c r="F2" t="inlineStr"><is><t>092100000001</t></is></c></row>'
                                     '<row r="1048576" ht="30" customHeight="1"/>')
    path = handmade_xlsx(tmp_path / "ds.xlsx", SHEET.format(doctype="", rows=cells).replace(
        "<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>'))
    report = read_roster(path)
    assert (report.total, report.valid, [r["full_name"] for r in report.rows]) == (1, 1, ["Lê Văn A"])


def test_a_drop_down_list_from_another_sheet_is_not_a_formula(tmp_path: Path) -> None:
    """A template's drop-down list whose choices are on another sheet: Excel keeps its source
    in the sheet's extensions as <xm:f> — not a cell's formula, so the file is read."""
    cells = header_cells(HEADERS) + ('<row r="2"><c r="B2" t="inlineStr"><is><t>Lê Văn A</t></is></c>'
                                     '<c r="E2" t="inlineStr"><is><t>Sở Nội vụ</t></is></c>'
                                     '<c r="F2" t="inlineStr"><is><t>092100000001</t></is></c></row>')
    extensions = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.'
                  'com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" xmlns:xm="http://schemas.'
                  'microsoft.com/office/excel/2006/main"><x14:dataValidation type="list"><x14:formula1>'
                  "<xm:f>'Danh mục'!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>I2:I500</xm:sqref>"
                  "</x14:dataValidation></x14:dataValidations></ext></extLst>")
    path = handmade_xlsx(tmp_path / "ds.xlsx", SHEET.format(doctype="", rows=cells).replace(
        "</worksheet>", extensions + "</worksheet>"))
    report = read_roster(path)
    assert (report.total, report.valid, [r["full_name"] for r in report.rows]) == (1, 1, ["Lê Văn A"])


def test_a_note_far_right_near_the_end_of_a_large_sheet_is_read(tmp_path: Path) -> None:
    """Far rows are searched for at the width known so far; a sheet that grows to 28 columns
    in its last megabyte is searched once more at that width — and read, not refused."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("DS")
    sheet.append(HEADERS)
    for i in range(20_000):
        row = roster_row(f"Nguyễn Văn {chr(65 + i % 26)}", f"0921{i:08d}", "Sở Nội vụ", f"TK-{i}")
        sheet.append(row + [None] * 16 + ["ghi chú"] if i == 19_999 else row)  # column AB
    path = tmp_path / "lon.xlsx"
    book.save(path)
    from helpdesk_handover.sheets import read_sheet

    found = read_sheet(path, lambda cells: 0)
    assert len(found.rows) == 20_001 and len(found.rows[-1]) == 28 and found.rows[-1][-1] == "ghi chú"


def test_a_formula_far_down_a_large_sheet_is_found(tmp_path: Path) -> None:
    """The sheet is scanned a piece at a time (a megabyte each): a formula in row 20,001 and
    a cell in column Q only near the end are still seen."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("DS")
    sheet.append(HEADERS)
    for i in range(20_000):
        row = roster_row(f"Nguyễn Văn {chr(65 + i % 26)}", f"0921{i:08d}", "Sở Nội vụ", f"TK-{i}")
        if i == 19_999:
            row[5] = "=A1"
            row += [None] * 5 + ["ghi chú"]  # column Q
        sheet.append(row)
    path = tmp_path / "lon.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 3 << 20  # several pieces
    from helpdesk_handover.sheets import read_sheet

    found = read_sheet(path, lambda cells: 0)
    assert found.formulas == {5: ["F20001"]} and len(found.rows[-1]) == 17
    with pytest.raises(ColumnError) as info:
        read_roster(path)
    assert "ô F20001" in info.value.localized()


def test_a_roster_starting_right_of_column_a_keeps_the_office_s_cell_places(tmp_path: Path) -> None:
    """An office that leaves column A and the first rows empty: cells stay where the office
    shows them (rows and columns from A1), so the row numbers in problems are the office's."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for r, cells in enumerate([HEADERS, *rows()[:2]], 3):
        for c, value in enumerate(cells, 2):  # from column B
            sheet.cell(r, c, value)
    sheet.cell(5, 7, "12345")  # the second person's ID number (column F of the roster, G here): too short
    path = tmp_path / "lech.xlsx"
    book.save(path)
    from helpdesk_handover.sheets import read_sheet

    found = read_sheet(path, lambda cells: 0)
    assert found.rows[2][:3] == ("", HEADERS[0], HEADERS[1]) and found.rows[:2] == [("",) * 12] * 2
    report = read_roster(path)
    assert [r["row"] for r in report.rows] == [4]
    assert [(p.row, p.code) for p in report.problems] == [(5, "id_length")]
