"""Roster import: header matching, validation of every kind of bad row, all-or-nothing, units."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from handover_kit import HEADERS, nfd, roster_row, write_csv, write_xlsx
from helpdesk_handover.columns import ColumnError, map_columns, parse_mapping
from helpdesk_handover.roster import (
    MESSAGES,
    RosterRefused,
    guess_level,
    import_roster,
    read_roster,
)

from helpdesk.extension import fold
from helpdesk.testing.kit import Kiosk


def test_headers_match_ignoring_accents_case_and_punctuation() -> None:
    headers = ["stt", "HỌ VÀ TÊN", "ngay sinh", "Chức danh", "Cơ quan, đơn vị", "Số CCCD/CMND",
               "Địa chỉ thư điện tử công vụ", "SĐT", "Loại chứng thư số", "Số hiệu thiết bị lưu khóa bí mật",
               "Số hiệu chứng thư chữ ký số"]
    cols = map_columns([nfd(h) for h in headers]).columns
    assert cols == {"full_name": 1, "date_of_birth": 2, "position": 3, "unit": 4, "national_id": 5, "email": 6,
                    "cert_kind": 8, "token_serial": 9, "cert_serial": 10}


def test_mapping_override_wins_and_is_checked() -> None:
    cols = map_columns(["Họ tên", "Số CMT", "Nơi làm việc"],
                       parse_mapping(["national_id=so cmt", "unit=NƠI LÀM VIỆC"])).columns
    assert cols == {"full_name": 0, "national_id": 1, "unit": 2}
    with pytest.raises(ColumnError, match="field=Header"):
        parse_mapping(["national_id"])
    with pytest.raises(ColumnError, match="Unknown field"):
        parse_mapping(["cmnd=Số CMT"])
    with pytest.raises(ColumnError, match="not in the file"):
        map_columns(["Họ tên"], {"national_id": "Số CMT"})


def test_missing_columns_refuse_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [["1", "Lê Văn A", "Sở Nội vụ"]], headers=["STT", "Họ và tên", "Đơn vị"])
    with pytest.raises(ColumnError) as info:
        read_roster(path)
    assert "số định danh cá nhân" in info.value.localized()
    assert "thiếu cột" in info.value.localized()  # Vietnamese


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True), (";", False), (",", True)])
def test_csv_utf8_with_or_without_bom_comma_or_semicolon(tmp_path: Path, delimiter: str, bom: bool) -> None:
    rows = [roster_row(nfd("Đặng Thị Ngọc Ánh"), "092186001234", "UBND phường An Hội", "TK001")]
    report = read_roster(write_csv(tmp_path / "r.csv", rows, delimiter=delimiter, bom=bom))
    assert report.ok, report.lines()
    row = report.rows[0]
    assert row["full_name"] == "Đặng Thị Ngọc Ánh" and unicodedata.is_normalized("NFC", row["full_name"])
    assert row["date_of_birth"] == "1980-05-12" and row["token_serial"] == "TK001"


def test_xlsx_numbers_dates_and_lost_leading_zeros(tmp_path: Path) -> None:
    from datetime import datetime

    rows = [roster_row("Lê Văn Tám", 192186001234, birth=datetime(1979, 1, 2), phone=912345678),
            roster_row("Lê Văn Chín", 92186001234)]  # Excel dropped the 0 of 092186001234
    report = read_roster(write_xlsx(tmp_path / "r.xlsx", rows))
    assert report.rows[0]["national_id"] == "192186001234"  # a number cell with all 12 digits: kept as text
    assert report.rows[0]["phone"] == "0912345678"
    assert report.rows[0]["date_of_birth"] == "1979-01-02"
    assert report.rows[0]["row"] == 4  # title, blank line, header, then this row
    assert [(p.row, p.code) for p in report.problems] == [(5, "id_lost_zero")]  # reported, never padded
    assert "92186001234" in report.lines()[0] and "mất số 0 ở đầu" in report.lines()[0]


# One row per kind of problem: (cells, expected code). Row numbers are the file's.
BROKEN: list[tuple[list[object], str]] = [
    (roster_row("", "092100000001"), "empty_name"),
    (roster_row("Nguyễn Văn 2", "092100000002"), "name_digits"),
    (roster_row("Nguyễn " * 20, "092100000003"), "name_too_long"),
    (roster_row("Lê Thị\x07 Hồng", "092100000004"), "control_chars"),
    (roster_row("Trần Văn Khuyết", ""), "id_missing"),
    (roster_row("Trần Văn Chữ", "09218600ABCD"), "id_not_digits"),
    (roster_row("Trần Văn Ngắn", "0921860012"), "id_length"),
    (roster_row("Trần Văn Trùng", "092100000100"), "id_dup"),  # same as the good row below
    (roster_row("Trần Văn Kho", "092199999999"), "id_in_store"),
    (roster_row("Phạm Văn Sê", "092100000009", token="TK 0001"), "token_bad"),
    (roster_row("Phạm Văn Đôi", "092100000010", token="TK-GOOD"), "token_dup"),
    (roster_row("Phạm Văn Có", "092100000011", token="TK-STORE"), "token_in_store"),
    (roster_row("Phạm Văn Hex", "092100000012", cert="54:03:XY"), "cert_not_hex"),
    (roster_row("Phạm Văn Lặp", "092100000013", cert="5403 1F"), "cert_dup"),
    (roster_row("Võ Thị Thư", "092100000014", email="vothu@@cantho"), "email_invalid"),
    (roster_row("Võ Thị Gmail", "092100000015", email="vothi@gmail.com"), "email_not_official"),
    (roster_row("Võ Văn Số", "092100000016", phone="12345"), "phone_invalid"),
    (roster_row("Đỗ Văn Ngày", "092100000017", birth="31/02/1980"), "dob_invalid"),
    (roster_row("Đỗ Văn Trẻ", "092100000018", birth="01/01/2030"), "dob_range"),
    (roster_row("Đỗ Văn Loại", "092100000019", kind="Hộ kinh doanh"), "kind_unknown"),
    (roster_row("Đỗ Văn Vô", "092100000020", unit=""), "unit_missing"),
    ([*roster_row("Đỗ Văn Thừa", "092100000021"), "Ninh Kiều"], "row_long"),
]
GOOD = roster_row("Trần Văn Gốc", "092100000100", token="TK-GOOD", cert="54031F")


def broken_file(tmp_path: Path) -> Path:
    # The good row comes first, so the duplicates point back at row 2.
    return write_csv(tmp_path / "broken.csv", [GOOD] + [cells for cells, _ in BROKEN])


def seed_store(kiosk: Kiosk) -> None:
    kiosk.store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    kiosk.store.subscribers.add_many([
        {"full_name": "Lê Văn Cũ", "national_id": "092199999999", "unit_id": "snv"},
        {"full_name": "Lê Văn Giữ", "national_id": "092199999998", "unit_id": "snv", "token_serial": "TK-STORE"},
    ], "test")


def test_twenty_kinds_of_broken_rows_each_reported_in_vietnamese(tmp_path: Path, kiosk: Kiosk) -> None:
    seed_store(kiosk)
    report = read_roster(broken_file(tmp_path), store=kiosk.store)
    found = {(p.row, p.code) for p in report.problems}
    expected = {(n, code) for n, (_, code) in enumerate(BROKEN, start=3)}
    assert found == expected
    assert len({code for _, code in expected}) >= 20
    assert [r["full_name"] for r in report.rows] == ["Trần Văn Gốc"]
    for problem in report.problems:
        text = problem.localized()
        assert text.startswith(f"Dòng {problem.row}: "), text
        assert text != problem.message and unicodedata.is_normalized("NFC", text)
    by_code = {p.code: p.localized() for p in report.problems}
    assert "phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND)" in by_code["id_length"]
    assert "dòng 2" in by_code["id_dup"]
    assert "Lê Văn Giữ" in by_code["token_in_store"]


def test_every_message_has_a_vietnamese_translation() -> None:
    from babel.messages.pofile import read_po

    po = Path(__file__).parents[1] / "helpdesk_handover" / "locale" / "vi" / "LC_MESSAGES" / "handover.po"
    with po.open("rb") as file:
        catalog = read_po(file)
    assert [m for m in MESSAGES.values() if not (m in catalog and catalog[m].string)] == []


def test_import_is_all_or_nothing(tmp_path: Path, kiosk: Kiosk) -> None:
    seed_store(kiosk)
    before = (len(kiosk.store.subscribers), len(kiosk.store.units), kiosk.store.audit.head())
    with pytest.raises(RosterRefused) as info:
        import_roster(kiosk.store, broken_file(tmp_path), "op")
    assert len(info.value.report.bad_rows) == len(BROKEN)
    assert "chưa nhập dòng nào" in info.value.localized()
    assert (len(kiosk.store.subscribers), len(kiosk.store.units), kiosk.store.audit.head()) == before


def test_skip_invalid_imports_good_rows_and_still_reports_bad_ones(tmp_path: Path, kiosk: Kiosk) -> None:
    seed_store(kiosk)
    report = import_roster(kiosk.store, broken_file(tmp_path), "op", skip_invalid=True)
    assert report.imported == 1 and len(report.bad_rows) == len(BROKEN)
    found = kiosk.store.subscribers.by_token_serial("TK-GOOD")
    assert found is not None and found.full_name == "Trần Văn Gốc" and found.cert_serial == "54031F"


def test_units_are_matched_by_folded_name_or_created(tmp_path: Path, kiosk: Kiosk) -> None:
    seed_store(kiosk)
    rows = [
        roster_row(nfd("Nguyễn Văn Một"), "092100000201", nfd("SỞ NỘI VỤ")),  # matches "Sở Nội vụ"
        roster_row("Nguyễn Văn Hai", "092100000202", "UBND phường Tân An"),
        roster_row("Nguyễn Văn Ba", "092100000203", "ubnd phường tân an"),
        roster_row("Nguyễn Văn Bốn", "092100000204", "Hội Chữ thập đỏ thành phố"),
    ]
    report = import_roster(kiosk.store, write_xlsx(tmp_path / "u.xlsx", rows), "op")
    assert report.imported == 4 and report.units_matched == 1
    assert sorted(report.units_created) == ["Hội Chữ thập đỏ thành phố", "UBND phường Tân An"]
    units = {fold(u.name): u for u in kiosk.store.units.all()}
    assert units["ubnd phuong tan an"].level == "xa_phuong_thi_tran"
    assert units["hoi chu thap do thanh pho"].level == "hoi"
    one = kiosk.store.subscribers.by_national_id("092100000201")[0]
    assert one.unit_id == "snv" and one.full_name == "Nguyễn Văn Một"
    # importing the same people again is refused: their ID numbers are taken now
    with pytest.raises(RosterRefused):
        import_roster(kiosk.store, write_xlsx(tmp_path / "u2.xlsx", rows), "op")


def test_level_column_is_used_and_checked(tmp_path: Path, kiosk: Kiosk) -> None:
    headers = [*HEADERS, "Cấp đơn vị"]
    rows = [[*roster_row("Lý Văn Xã", "092100000301", "Xã Mỹ Khánh"), "Xã, phường, thị trấn"],
            [*roster_row("Lý Văn Sai", "092100000302", "Phòng Y"), "Liên bang"]]
    report = read_roster(write_csv(tmp_path / "l.csv", rows, headers=headers))
    assert [(p.row, p.code) for p in report.problems] == [(3, "level_unknown")]
    assert report.rows[0]["unit_level"] == "xa_phuong_thi_tran"


@pytest.mark.parametrize(("name", "level"), [
    ("UBND xã Mỹ Khánh", "xa_phuong_thi_tran"), ("Ủy ban nhân dân huyện Phong Điền", "quan_huyen"),
    ("Trung tâm Lưu trữ lịch sử", "don_vi_su_nghiep"), ("Sở Tài chính", "so_ban_nganh"), ("Hội Nông dân", "hoi"),
])
def test_guess_level(name: str, level: str) -> None:
    assert guess_level(name) == level


def test_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_bytes(b"not a zip")
    (tmp_path / "latin.csv").write_bytes("Họ và tên,Số CCCD,Đơn vị\n".encode("cp1258", "replace") + b"\xff\xfe\n")
    (tmp_path / "r.pdf").write_bytes(b"%PDF")
    for name, words in [("x.xlsx", "không đọc được"), ("latin.csv", "Windows-1258"), ("r.pdf", ".xlsx hoặc .csv"),
                        ("missing.csv", "không tồn tại")]:
        with pytest.raises(ColumnError) as info:
            read_roster(tmp_path / name)
        assert words in info.value.localized()
