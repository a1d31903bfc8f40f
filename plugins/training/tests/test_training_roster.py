"""Class rosters from .xlsx/.csv (the handover roster's column rules) and from units."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpdesk_training.model import TrainingBook
from helpdesk_training.roster import RosterRefused, add_units, import_file
from helpdesk_training.roster_file import RosterFileError
from training_kit import (
    CODE,
    HEADERS,
    OTHER_UNIT,
    PEOPLE,
    UNIT,
    add_directory,
    make_class,
    nfd,
    roster_rows,
    write_csv,
    write_xlsx,
)

from helpdesk.extension import WorkflowContext
from helpdesk.testing import rosters


def test_import_xlsx_matches_the_directory(ctx: WorkflowContext, tmp_path: Path) -> None:
    add_directory(ctx.store, PEOPLE[:2], tokens={"092186001234": "TK-A"})
    book = TrainingBook(ctx)
    make_class(book)
    change = import_file(book, CODE, write_xlsx(tmp_path / "lop.xlsx", roster_rows(PEOPLE[:3])))
    assert (len(change.added), change.matched, change.size, change.warnings()) == (3, 2, 3, [])
    roster = {t.national_id: t for t in book.roster_of(CODE)}
    assert roster["092186001234"].full_name == "Nguyễn Thị Ánh Tuyết"  # NFD in the file, NFC stored
    assert roster["092186001234"].token_serial == "TK-A" and roster["092186001234"].unit_id == UNIT
    assert roster["092186005555"].subscriber_id == ""  # not in the directory: still a trainee
    assert "Lớp TH-2018-01: thêm 3 học viên" in change.summary()
    # importing again refreshes, adds nobody
    again = import_file(book, CODE, write_xlsx(tmp_path / "lop.xlsx", roster_rows(PEOPLE[:3])))
    assert (len(again.added), len(again.updated), again.size) == (0, 3, 3)


def test_bad_rows_are_each_named_and_nothing_is_imported(ctx: WorkflowContext, tmp_path: Path) -> None:
    book = TrainingBook(ctx)
    make_class(book)
    rows = [
        *roster_rows(PEOPLE[:2]),
        [3, "", "Chuyên viên", "Sở Nội vụ", "092186000003", None],
        [4, "Lê Văn 3", "Chuyên viên", "Sở Nội vụ", "092186000004", None],
        [5, "Đỗ Thị Mai", "Chuyên viên", "", "0921860", None],
        [6, "Hồ Văn Tâm", "Chuyên viên", "Sở Nội vụ", "092186001234", "TK/1"],
    ]
    with pytest.raises(RosterRefused) as refused:
        import_file(book, CODE, write_csv(tmp_path / "lop.csv", rows))
    assert refused.value.report.lines() == [
        "Dòng 4: Họ và tên để trống",
        "Dòng 5: Họ và tên 'Lê Văn 3' có chứa chữ số",
        "Dòng 6: Số định danh '0921860' phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)",
        "Dòng 6: Đơn vị để trống",
        "Dòng 7: Số định danh 092186001234 trùng với dòng 2",
        "Dòng 7: Số hiệu thiết bị 'TK/1' chỉ được gồm chữ cái, chữ số và . _ : -",
    ]
    assert "chưa nhập dòng nào" in refused.value.localized()
    assert book.roster_of(CODE) == []


def test_a_file_without_the_columns_is_refused(ctx: WorkflowContext, tmp_path: Path) -> None:
    book = TrainingBook(ctx)
    make_class(book)
    with pytest.raises(RosterFileError, match="Số định danh cá nhân"):
        import_file(book, CODE, write_csv(tmp_path / "x.csv", [["Nguyễn Văn A", "Sở Nội vụ"]],
                                          headers=["Họ và tên", "Đơn vị"]))
    with pytest.raises(RosterFileError):
        import_file(book, CODE, tmp_path / "missing.xlsx")


def test_an_id_number_that_lost_its_leading_zero_is_reported_not_padded(ctx: WorkflowContext,
                                                                        tmp_path: Path) -> None:
    """Excel keeps a CCCD typed into a General column as the number 92186001234: the row is bad."""
    book = TrainingBook(ctx)
    make_class(book)
    rows = roster_rows(PEOPLE[:2])
    rows[1][4] = 92186004321
    with pytest.raises(RosterRefused) as refused:
        import_file(book, CODE, write_xlsx(tmp_path / "lop.xlsx", rows))
    assert refused.value.report.lines() == [
        "Dòng 5: Số định danh 92186004321 được nhập dạng số nên đã mất số 0 ở đầu: hãy định dạng cột là "
        "Văn bản (Text) rồi nhập lại số"]
    assert book.roster_of(CODE) == []


def unicode_text(path: Path) -> Path:
    return rosters.unicode_text(path, roster_rows(PEOPLE[:2]), HEADERS)


def utf16_without_bom(path: Path) -> Path:
    path.write_bytes(unicode_text(path).read_bytes()[2:])
    return path


def csv_named_xlsx(path: Path) -> Path:
    return write_csv(path.with_suffix(".csv"), roster_rows(PEOPLE[:2])).rename(path.with_suffix(".xlsx"))


@pytest.mark.parametrize(("make", "words"), [
    (lambda path: rosters.zip_bomb(path.with_suffix(".xlsx"), HEADERS),
     "khi giải nén lớn hơn 256 MB (tệp nén độc hại?); chưa đọc dữ liệu nào"),
    (csv_named_xlsx, "không đọc được như tệp .xlsx: nội dung là text"),
    (utf16_without_bom, "chứa byte NUL: không phải tệp văn bản (UTF-16 thiếu BOM?)"),
], ids=["zip_bomb", "csv_named_xlsx", "utf16_without_bom"])
def test_a_hostile_file_is_refused_by_the_core_reader(ctx: WorkflowContext, tmp_path: Path,
                                                     make: Callable[[Path], Path], words: str) -> None:
    book = TrainingBook(ctx)
    make_class(book)
    path = make(tmp_path / "lop.csv")
    with pytest.raises(RosterFileError) as info:
        import_file(book, CODE, path)
    assert info.value.localized().startswith(f"Tệp {path.name} ") and words in info.value.localized()
    assert info.value.localized_title() == "Tệp danh sách" and info.value.exit_code == 2
    assert book.roster_of(CODE) == []


def test_excel_unicode_text_is_read(ctx: WorkflowContext, tmp_path: Path) -> None:
    """UTF-16 with a byte order mark, tab-separated (Excel's "Unicode Text"): the very names, NFC."""
    book = TrainingBook(ctx)
    make_class(book)
    path = unicode_text(tmp_path / "lop.csv")
    assert not path.read_bytes().startswith(b"STT")
    change = import_file(book, CODE, path)
    assert len(change.added) == 2
    assert sorted(t.full_name for t in book.roster_of(CODE)) == sorted(name for name, _, _ in PEOPLE[:2])


def test_over_capacity_is_imported_with_a_warning(ctx: WorkflowContext, tmp_path: Path) -> None:
    book = TrainingBook(ctx)
    make_class(book, capacity=3)
    change = import_file(book, CODE, write_xlsx(tmp_path / "lop.xlsx", roster_rows(PEOPLE)))
    assert change.size == 5 and change.over == 2
    assert change.warnings() == ["Lớp TH-2018-01 vượt sĩ số: 5 học viên cho 3 chỗ"]
    assert len(book.roster_of(CODE)) == 5  # nothing lost


def test_pick_trainees_by_unit(ctx: WorkflowContext) -> None:
    add_directory(ctx.store)
    book = TrainingBook(ctx)
    make_class(book)
    change = add_units(book, CODE, [OTHER_UNIT])
    assert sorted(t.full_name for t in book.roster_of(CODE)) == ["Trương Minh Khôi", "Võ Thị Hồng Nhung"]
    assert change.size == 2 and all(t.source == "unit" for t in change.added)


def test_nfd_header_spellings_are_recognised(ctx: WorkflowContext, tmp_path: Path) -> None:
    book = TrainingBook(ctx)
    make_class(book)
    headers = [nfd(h) for h in ("Số TT", "HỌ VÀ TÊN", "Cơ quan, đơn vị", "Số CCCD/CMND")]
    path = write_csv(tmp_path / "lop.csv", [[1, "Nguyễn Văn An", "Sở Nội vụ", "092186000001"]], headers=headers,
                     delimiter=";")
    assert import_file(book, CODE, path).size == 1
