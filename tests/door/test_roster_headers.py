"""The door's roster pieces: headers matched by rules a plugin extends, the ID number
rule, and the reader (its hostile-file refusals are tested with the handover roster,
plugins/handover/tests/test_roster_files.py)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from helpdesk.extension import (
    SUBSCRIBER_HEADERS,
    ColumnMap,
    HeaderRules,
    Sheet,
    SheetError,
    cell_text,
    column_letters,
    date_cell,
    fold_header,
    national_id_cell,
    read_sheet,
)
from helpdesk.testing.rosters import nfd, write_csv

TRAINEES = SUBSCRIBER_HEADERS.extended(aliases={"full_name": ("học viên",)}, ignored=("ký tên",))


def test_headers_fold_and_match_as_offices_write_them() -> None:
    assert fold_header("Số CCCD/CMND (*)") == "so cccd cmnd"
    assert SUBSCRIBER_HEADERS.match(nfd("HỌ VÀ TÊN")) == "full_name"
    assert SUBSCRIBER_HEADERS.match("Số định danh cá nhân / ngày cấp, nơi cấp") == "national_id"
    assert SUBSCRIBER_HEADERS.match("Tên cơ quan, tổ chức công tác") == "unit"
    assert SUBSCRIBER_HEADERS.match("STT") is None


def test_a_plugin_extends_the_rules_without_changing_them() -> None:
    assert isinstance(TRAINEES, HeaderRules)
    assert TRAINEES.match("Học viên") == "full_name" and SUBSCRIBER_HEADERS.match("Học viên") is None
    assert TRAINEES.fields == SUBSCRIBER_HEADERS.fields
    found = TRAINEES.map_columns(["STT", "Học viên", "Số CCCD", "Ký tên", "Màu áo"])
    assert isinstance(found, ColumnMap)
    assert found.columns == {"full_name": 1, "national_id": 2}
    assert found.unused == ("Màu áo",)  # "Ký tên" is ignored, not reported
    assert found.missing() == ["unit"] and TRAINEES.missing_headers(found) == "Đơn vị"


def test_a_mapping_names_the_header_and_is_checked() -> None:
    mapping = SUBSCRIBER_HEADERS.parse_mapping(["national_id=Số CMT,unit=Cơ quan chủ quản"])
    found = SUBSCRIBER_HEADERS.map_columns(["Họ tên", "SO CMT", "Cơ quan chủ quản"], mapping)
    assert found.columns == {"national_id": 1, "unit": 2, "full_name": 0} and found.missing() == []
    with pytest.raises(SheetError, match="Unknown field colour"):
        SUBSCRIBER_HEADERS.parse_mapping(["colour=Màu"])
    with pytest.raises(SheetError) as info:
        SUBSCRIBER_HEADERS.map_columns(["Họ tên"], {"unit": "Phòng"})
    assert "Tệp không có cột 'Phòng'" in info.value.localized()


def test_the_header_row_is_found_under_a_title_or_refused() -> None:
    rows: list[list[object]] = [["DANH SÁCH"], [], ["STT", "Họ và tên", "Đơn vị", "CCCD"], [1, "A", "B", "C"]]
    assert SUBSCRIBER_HEADERS.find_header(rows) == 2
    with pytest.raises(SheetError) as info:
        SUBSCRIBER_HEADERS.find_header([["Cột 1", "Cột 2"], [1, 2]])
    assert info.value.localized() == ("Không tìm thấy dòng tiêu đề trong 15 dòng đầu (cần các cột như "
                                      "Họ và tên, Số định danh cá nhân, Đơn vị)")


@pytest.mark.parametrize(("cell", "expected"), [
    ("092186001234", ("092186001234", None)),
    (" 092.186.001.234 ", ("092186001234", None)),
    ("092186001", ("092186001", None)),  # CMND
    (92186001234, ("92186001234", "id_lost_zero")),  # a CCCD typed as a number: reported, never padded
    (92186001.0, ("92186001", "id_lost_zero")),
    (192186001234, ("192186001234", None)),
    (9218600123.5, ("9218600123.5", "id_not_digits")),
    ("0921-860", ("0921-860", "id_not_digits")),
    ("0921860", ("0921860", "id_length")),
    (None, ("", "id_missing")),
])
def test_the_id_number_rule(cell: object, expected: tuple[str, str | None]) -> None:
    assert national_id_cell(cell) == expected


def test_cells_become_one_line_of_nfc_text() -> None:
    assert cell_text(nfd("  Nguyễn   Thị\nÁnh ")) == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", cell_text(nfd("Đặng Thị Hường")))
    assert (cell_text(12.0), cell_text(None)) == ("12", "")


def test_cells_become_days_or_refuse() -> None:
    from datetime import date, datetime

    day = date(2018, 3, 15)
    assert [date_cell(c) for c in (day, datetime(2018, 3, 15, 9, 30), "15/03/2018", " 2018-03-15 ")] == [day] * 4
    for bad in ("", None, "31/02/2018", "15/03", "mười lăm"):
        with pytest.raises(ValueError):
            date_cell(bad)


def test_the_reader_gives_the_first_sheet_and_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ds.csv", [[nfd("Lưu Ngọc Ẩn"), "092186000001"]], ["Họ và tên", "Số CCCD"],
                     delimiter=";", bom=True)
    sheet = read_sheet(path, SUBSCRIBER_HEADERS.score)
    assert isinstance(sheet, Sheet) and sheet.encoding == "UTF-8"
    assert [[cell_text(c) for c in row] for row in sheet.rows] == [["Họ và tên", "Số CCCD"],
                                                                    ["Lưu Ngọc Ẩn", "092186000001"]]  # ";" found
    assert [column_letters(i) for i in (0, 25, 26, 16383)] == ["A", "Z", "AA", "XFD"]
    with pytest.raises(SheetError) as info:
        read_sheet(tmp_path / "ds.pdf", SUBSCRIBER_HEADERS.score)
    assert info.value.exit_code == 2 and info.value.localized_title() == "Tệp danh sách"
