"""Subscribers and units: validation, NFC, folded name search, exact lookups, bulk import."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import cli
from helpdesk.config import load_settings
from helpdesk.store import InvalidData, NotFound, RecordTypeRegistry, Store, fold, open_store
from helpdesk.store.search import NameIndex
from helpdesk.testing.fixtures_store import make_record_types, make_roster, make_units


@pytest.fixture
def filled(store: Store) -> Store:
    store.units.add_many(make_units(), "op")
    store.add_subscribers(
        [
            {"id": "a", "full_name": "Nguyễn Văn A", "national_id": "092000000001", "token_serial": "TK-A", "unit_id": "snv"},
            {"id": "b", "full_name": "Đặng Thị Đào", "national_id": "361234567", "token_serial": "TK-B"},
            {"id": "c", "full_name": "Nguyễn Văn Anh", "cert_serial": "0a:1b:2c"},
            {"id": "d", "full_name": "Trần Văn An"},
            {"id": "e", "full_name": "NGUYỄN VĂN A", "national_id": "092000000001"},
        ],
        "op",
    )
    return store


def names(found: list) -> list[str]:  # type: ignore[type-arg]
    return [s.id for s in found]


def test_fold_removes_marks_case_and_d_stroke() -> None:
    assert fold("Nguyễn Văn Á") == "nguyen van a"
    assert fold("ĐẶNG  thị   Đào") == "dang thi dao"
    assert fold(unicodedata.normalize("NFD", "Hồ Ưng Ơn")) == "ho ung on"


def test_search_ignores_diacritics_and_case(filled: Store) -> None:
    assert names(filled.subscribers.search("nguyen van a")) == ["a", "e", "c"]
    assert names(filled.subscribers.search("NGUYEN VAN A")) == ["a", "e", "c"]
    assert names(filled.subscribers.search("Nguyễn Văn A")) == ["a", "e", "c"]


def test_search_with_nfd_input(filled: Store) -> None:
    nfd = unicodedata.normalize("NFD", "Đặng Thị Đào")
    assert nfd != "Đặng Thị Đào"
    assert names(filled.subscribers.search(nfd)) == ["b"]


def test_search_folds_d_stroke_both_ways(filled: Store) -> None:
    assert names(filled.subscribers.search("dang thi dao")) == ["b"]
    assert names(filled.subscribers.search("đào")) == ["b"]
    assert names(filled.subscribers.search("DAO")) == ["b"]


def test_search_by_word_prefixes_in_any_position(filled: Store) -> None:
    assert names(filled.subscribers.search("van an")) == ["c", "d"]  # "An" and "Anh"
    assert names(filled.subscribers.search("tran a")) == ["d"]
    assert names(filled.subscribers.search("anh")) == ["c"]
    assert filled.subscribers.search("xyz") == []
    assert filled.subscribers.search("   ") == []


def test_search_also_matches_id_number_and_token_serial(filled: Store) -> None:
    assert names(filled.subscribers.search("092 000 000 001")) == ["a", "e"]
    assert names(filled.subscribers.search("TK-B")) == ["b"]


def test_exact_lookups(filled: Store) -> None:
    assert names(filled.subscribers.by_national_id("092000000001")) == ["a", "e"]
    assert names(filled.subscribers.by_national_id("361234567")) == ["b"]
    assert filled.subscribers.by_national_id("000") == []
    found = filled.subscribers.by_token_serial("TK-A")
    assert found is not None and found.id == "a"
    assert filled.subscribers.by_token_serial("tk-a") is None  # exact
    sub = filled.subscribers.get("c")
    assert sub is not None and sub.cert_serial == "0A1B2C" and sub.cert_kind == "ca_nhan"


def test_rows_are_stored_as_nfc(store: Store) -> None:
    nfd = unicodedata.normalize("NFD", "Lê Thị Ngọc Hân")
    sub = store.subscribers.add({"full_name": "  " + nfd + " ", "position": unicodedata.normalize("NFD", "Phó Giám đốc")}, "op")
    assert sub.full_name == "Lê Thị Ngọc Hân"
    assert sub.position == "Phó Giám đốc"
    raw = "".join(p.read_text("utf-8") for p in store.directory.glob("subscribers-*.json"))
    assert "Lê Thị Ngọc Hân" in raw and nfd not in raw


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("national_id", "12345", "12 digits"),
        ("national_id", "09200000000a", "12 digits"),
        ("email", "not-an-email", "e-mail"),
        ("phone", "12345", "phone"),
        ("date_of_birth", "31/02/1990", "not a date"),
        ("date_of_birth", "2999-01-01", "out of range"),
        ("cert_kind", "khác", "cá nhân"),
        ("cert_serial", "XYZ", "hexadecimal"),
        ("pin", "123456", "unknown fields"),
        ("full_name", "", "required"),
    ],
)
def test_bad_subscriber_fields_are_refused(store: Store, field: str, value: str, problem: str) -> None:
    row = {"full_name": "Võ Văn Kiệt", field: value}
    with pytest.raises(InvalidData) as caught:
        store.subscribers.add(row, "op")
    assert problem in caught.value.problems[0]
    assert len(store.subscribers) == 0


def test_field_normalisation(store: Store) -> None:
    sub = store.subscribers.add(
        {"full_name": "Hà Văn Bình", "phone": "+84 912.345.678", "email": "Binh@CanTho.Gov.VN",
         "date_of_birth": "05/09/1980", "cert_kind": "Tổ chức", "national_id": "092 080 000 123"},
        "op",
    )
    assert (sub.phone, sub.email, sub.date_of_birth, sub.cert_kind, sub.national_id) == (
        "0912345678", "Binh@cantho.gov.vn", "1980-09-05", "to_chuc", "092080000123")


def test_token_serial_is_unique_and_unit_must_exist(filled: Store) -> None:
    with pytest.raises(InvalidData, match="token serial TK-A already belongs"):
        filled.subscribers.add({"full_name": "X", "token_serial": "TK-A"}, "op")
    with pytest.raises(InvalidData, match="unit nope does not exist"):
        filled.subscribers.add({"full_name": "X", "unit_id": "nope"}, "op")
    with pytest.raises(InvalidData, match="already exists"):
        filled.subscribers.add({"id": "a", "full_name": "X"}, "op")


def test_bulk_import_is_one_commit_all_or_nothing(store: Store) -> None:
    store.units.add_many(make_units(), "op")
    rows = make_roster(300)
    bad = dict(rows[150], national_id="123")
    before = store.audit.head()
    with pytest.raises(InvalidData) as caught:
        store.add_subscribers([*rows[:150], bad, *rows[151:]], "op")
    assert caught.value.problems[0].startswith("row 151: national_id")
    assert len(store.subscribers) == 0 and store.audit.head() == before
    added = store.add_subscribers(rows, "op")
    assert len(added) == 300 == len(store.subscribers)
    entries = store.audit.entries()
    assert entries[-1].action == "subscribers.add" and entries[-1].count == 300
    assert entries[-1].seq == before[0] + 1  # one audit entry for the whole import


def test_update_changes_token_and_reindexes(filled: Store) -> None:
    updated = filled.subscribers.update("a", {"token_serial": "TK-NEW", "full_name": "Nguyễn Văn Ân"}, "op")
    assert updated.token_serial == "TK-NEW"
    assert filled.subscribers.by_token_serial("TK-A") is None
    assert filled.subscribers.by_token_serial("TK-NEW") == updated
    assert "a" in names(filled.subscribers.search("nguyen van an"))
    assert filled.audit.entries()[-1].action == "subscribers.update"
    with pytest.raises(NotFound):
        filled.subscribers.update("zzz", {"phone": "0912345678"}, "op")
    with pytest.raises(InvalidData):
        filled.subscribers.update("a", {"id": "b"}, "op")


def test_directory_survives_reopen(store_dir: Path, record_types: RecordTypeRegistry) -> None:
    with open_store(store_dir, "k", record_types=record_types) as store:
        store.units.add_many(make_units(), "op")
        store.add_subscribers(make_roster(200), "op")
        expected = store.subscribers.search("nguyen", limit=50)
    with open_store(store_dir, "k", record_types=record_types) as store:
        assert len(store.subscribers) == 200 and len(store.units) == 7
        assert store.subscribers.search("nguyen", limit=50) == expected
        assert store.audit.verify().ok


def test_units_levels_parents_and_search(store: Store) -> None:
    units = store.units.add_many(make_units(), "op")
    assert [u.level for u in units] == ["so_ban_nganh", "so_ban_nganh", "quan_huyen", "xa_phuong_thi_tran",
                                        "xa_phuong_thi_tran", "don_vi_su_nghiep", "hoi"]
    assert store.units.get("p-anhoi").level_label == "Xã, phường, thị trấn"  # type: ignore[union-attr]
    assert [u.id for u in store.units.children("q-ninhkieu")] == ["p-anhoi", "p-tanan"]
    assert [u.id for u in store.units.search("ubnd phuong")] == ["p-anhoi", "p-tanan"]
    assert [u.id for u in store.units.search("so noi vu")] == ["snv"]
    with pytest.raises(InvalidData, match="level"):
        store.units.add({"name": "X", "level": "bộ"}, "op")
    with pytest.raises(InvalidData, match="parent unit ghost does not exist"):
        store.units.add({"name": "X", "level": "xã", "parent_id": "ghost"}, "op")
    with pytest.raises(InvalidData, match="under itself"):
        store.units.update("q-ninhkieu", {"parent_id": "p-anhoi"}, "op")
    moved = store.units.update("tt-luutru", {"parent_id": "stc", "name": "Trung tâm Lưu trữ"}, "op")
    assert moved.parent_id == "stc" and [u.id for u in store.units.search("luu tru")] == ["tt-luutru"]


def test_name_index_remove_and_readd() -> None:
    index = NameIndex()
    index.add_many(["1", "2"], ["Lý Thường Kiệt", "Lý Công Uẩn"])
    assert index.search("ly") == ["2", "1"]
    index.remove("1")
    assert index.search("ly") == ["2"]
    assert index.search("kiet") == []
    index.add("1", "Trần Hưng Đạo")
    assert index.search("dao") == ["1"]
    assert index.search("ly") == ["2"]


def test_subscriber_search_command(helpdesk_home: Path) -> None:
    settings = load_settings()
    runner = CliRunner()
    result = runner.invoke(cli, ["subscriber", "search", "nguyen"])
    assert result.exit_code == 3  # no store yet: nothing found
    with open_store(settings.data_dir, settings.kiosk_id, record_types=make_record_types()) as store:
        store.units.add_many(make_units(), "op")
        store.add_subscribers([{"id": "x1", "full_name": "Nguyễn Thị Đào", "unit_id": "snv", "token_serial": "TK7"}], "op")
        result = runner.invoke(cli, ["subscriber", "search", "nguyen thi dao"])  # works while the store is open
        assert result.exit_code == 0, result.output
        assert "Nguyễn Thị Đào" in result.output and "Sở Nội vụ" in result.output
    result = runner.invoke(cli, ["subscriber", "search", "--json", "DAO"])
    assert json.loads(result.output)["token_serial"] == "TK7"


def test_empty_import_writes_nothing(store: Store) -> None:
    head = store.audit.head()
    assert len(store.add_subscribers([], "op")) == 0
    assert store.audit.head() == head


def test_import_returns_the_saved_rows_with_generated_ids(store: Store) -> None:
    saved = store.add_subscribers([{"full_name": "Lò Văn Páo"}, {"full_name": "Hà Thị Mỷ"}], "op")
    assert [s.full_name for s in saved] == ["Lò Văn Páo", "Hà Thị Mỷ"]
    assert all(store.subscribers.get(s.id) == s for s in saved)
    assert saved[:1] == [saved[0]]
