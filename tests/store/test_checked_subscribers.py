"""The store's subscriber checks, run once and sealed: ``check_subscriber_columns`` ->
``CheckedSubscribers`` -> ``store.subscribers.add_checked`` (the door's pieces a roster
import stands on: its own rules on top, nothing checked twice)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from helpdesk.extension import (
    CheckedSubscribers,
    FieldProblem,
    InvalidData,
    Store,
    cell_text,
    cert_kind_of,
    check_subscriber_columns,
    tidy_texts,
)
from helpdesk.store.rows import clean_subscriber


@pytest.fixture
def units(store: Store) -> Store:
    store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    return store


COLUMNS: dict[str, list[Any]] = {
    "full_name": ["Nguye\u0302\u0303n  Văn A", "", "Lê Thị B", "Trần C"],
    "national_id": ["092 100 000 001", "092100000002", "12345", "092100000004"],
    "email": ["A@CanTho.gov.vn", None, "b@cantho.gov.vn", "c@b"],
    "phone": ["+84 912 345 678", None, "0912345679", "0912345670"],
    "cert_kind": ["Cá nhân", None, "tổ chức", "Hộ kinh doanh"],
    "date_of_birth": ["12/05/1980", None, "1980-05-12", "31/02/1980"],
}


def test_the_checks_word_each_problem_with_its_field_and_code() -> None:
    checked = check_subscriber_columns(COLUMNS, 4)
    assert checked.count == 4 and sorted(checked.problems) == [1, 2, 3]
    assert checked.problems[1] == [FieldProblem("full_name", "required", "full_name: required")]
    assert [p.field for p in checked.problems[2]] == ["national_id"]
    assert [(p.field, p.code) for p in checked.problems[3]] == [
        ("email", "format"), ("cert_kind", "unknown"), ("date_of_birth", "format")]
    # row 0 as the one-row rule stores it: NFC, spaces, e-mail domain, +84, kind, ISO day
    row0 = {name: values[0] for name, values in COLUMNS.items()}
    stored = clean_subscriber(row0)
    assert {f: checked.column(f)[0] for f in stored if f != "id"} == {f: v for f, v in stored.items() if f != "id"}
    assert checked.column("full_name")[0] == "Nguyễn Văn A" and checked.column("phone")[0] == "0912345678"


def test_a_day_out_of_range_is_a_range_problem() -> None:
    checked = check_subscriber_columns({"full_name": ["A", "B"], "date_of_birth": [date(1899, 1, 1), "01/01/2999"]}, 2)
    assert [p.code for p in checked.problems[0]] == ["range"] and [p.code for p in checked.problems[1]] == ["range"]


def test_an_unknown_field_is_a_problem_of_every_row() -> None:
    checked = check_subscriber_columns({"full_name": ["A", "B"], "nickname": ["x", "y"]}, 2)
    assert {i: [p.code for p in found] for i, found in checked.problems.items()} == {0: ["unknown"], 1: ["unknown"]}


def test_select_keeps_good_rows_only_and_join_renumbers() -> None:
    checked = check_subscriber_columns(COLUMNS, 4)
    with pytest.raises(ValueError, match="problems"):
        checked.select([True, True, False, False])
    kept = checked.select([True, False, False, False])
    assert kept.count == 1 and not kept.problems
    both = CheckedSubscribers.join([checked, kept])
    assert both.count == 5 and sorted(both.problems) == [1, 2, 3]
    assert both.column("full_name")[4] == "Nguyễn Văn A"
    with pytest.raises(TypeError):
        CheckedSubscribers({}, 0, {}, set(), object())  # only the store's checks make one


def test_add_checked_stores_the_checked_rows_as_they_are(units: Store) -> None:
    kept = check_subscriber_columns(COLUMNS, 4).select([True, False, False, False])
    (saved,) = units.subscribers.add_checked(kept, "op", ["snv"])
    assert saved.to_dict() == {**{f: kept.column(f)[0] for f in saved.to_dict()}, "unit_id": "snv"}
    assert units.subscribers.get(saved.id) == saved


def test_add_checked_refuses_problems_forgeries_and_unknown_units(units: Store) -> None:
    checked = check_subscriber_columns(COLUMNS, 4)
    with pytest.raises(InvalidData) as refused:
        units.subscribers.add_checked(checked, "op")
    assert refused.value.problems[0] == "row 2: full_name: required"
    with pytest.raises(TypeError):
        units.subscribers.add_checked(COLUMNS, "op")  # type: ignore[arg-type]
    kept = checked.select([True, False, False, False])
    with pytest.raises(InvalidData):
        units.subscribers.add_checked(kept, "op", ["no-such-unit"])
    with pytest.raises(InvalidData):
        units.subscribers.add_checked(kept, "op", ["snv", "snv"])
    assert len(units.subscribers) == 0


def test_tidy_texts_is_cell_text_for_a_column() -> None:
    cells: list[Any] = [None, "", "  Lê   Văn  ", "Nguye\u0302\u0303n", 12.0, 7, date(1980, 5, 12), "a\tb"]
    assert tidy_texts(cells) == [cell_text(c) for c in cells]
    many = ["Sở Nội vụ", " Sở  Nội vụ", None] * 200  # few distinct values: worked out on those
    assert tidy_texts(many) == [cell_text(c) for c in many]


def test_cert_kind_of_reads_the_spellings_of_rosters() -> None:
    assert [cert_kind_of(t) for t in ("Cá nhân", "CANHAN", "Tổ chức, cơ quan", "Thiết bị máy chủ", "máy chủ",
                                      "Hộ kinh doanh")] == ["ca_nhan", "ca_nhan", "to_chuc", "thiet_bi", "thiet_bi",
                                                            None]
