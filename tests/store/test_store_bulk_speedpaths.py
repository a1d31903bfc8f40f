"""Bulk subscriber import: the column-wise fast paths give what the row-by-row reference gives.

``clean_subscribers``/``clean_subscriber_columns`` may only *accept* a row, and then with
exactly the values ``clean_subscriber`` stores; every other row goes to ``clean_subscriber``.
``add_columns`` is ``add_many`` for data held a column per field. These tests hold them to
that, with rows of every doubtful kind.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import uuid
from datetime import date, datetime
from typing import Any

import pytest

from helpdesk.store import InvalidData, Store, open_store
from helpdesk.store import rows as rows_module
from helpdesk.store.directory import SHARDS
from helpdesk.store.rows import (
    RowProblems,
    clean_subscriber,
    clean_subscriber_columns,
    clean_subscribers,
    new_ids,
)
from helpdesk.testing.fixtures_store import make_roster, make_units

FIELDS = ("id", "full_name", "date_of_birth", "position", "unit_id", "national_id", "email", "phone",
          "cert_kind", "token_serial", "cert_serial")

# Values of every doubtful shape, per field: clean ones, and ones clean_subscriber
# tidies, normalises, refuses or words a problem for.
ODD: dict[str, list[Any]] = {
    "id": [None, "", "sb-1", " sb-2 ", "a b", "x" * 64, "x" * 65, "ư", "a/b", 7, True, "sb\n3"],
    "full_name": ["Nguyễn Văn A", "  Nguyễn   Văn\tB ", "Nguye\u0302\u0303n Thị C", "", None, " ", 12, 1.5,
                  "Lê\u00a0Văn D", "Lê\u2003Văn E", "Trần\nVăn F", "Ô\x1cÔ"],
    "date_of_birth": [None, "", "1980-01-02", "02/01/1980", "1980-02-30", "1899-12-31", "2999-01-01",
                      date(1975, 5, 6), datetime(1975, 5, 6, 7, 8), 19800102, "  1980-01-02", ["1980"], True],
    "position": [None, "", "Giám đốc", " Phó  Giám đốc ", "Kê\u0301 toán", 3],
    "unit_id": [None, "", "snv", " snv ", "stc"],
    "national_id": [None, "", "092000000001", "361234567", "092 000 000 002", "09200000000", "0920000000x",
                    "٠٩٢٠٠٠٠٠٠٠٠١", 92000000003, "092000000004 "],
    "email": [None, "", "a@cantho.gov.vn", "A.B@CanTho.Gov.VN", "a@b", "a@@b.vn", "@b.vn", "a b@c.vn", "a@.b.",
              "a@..b.c..", "a@b.c", "x@1.2", "a@ß.vn", "ạ@b.vn"],
    "phone": [None, "", "0912345678", "091 234 5678", "(091) 234-5678", "+84912345678", "912345678", "09123",
              "091234567890", "0９12345678", "0.91"],
    "cert_kind": [None, "", "cá nhân", "ca_nhan", "TỔ CHỨC", "thiet bi", "hộ kinh doanh", 5],
    "token_serial": [None, "", "TK001", " TK 002 ", "tk-003"],
    "cert_serial": [None, "", "54031F", "54:03:1f", "54 03 1F", "XYZ", "٣"],
}


def _reference(row: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return clean_subscriber(row)
    except RowProblems:
        return None


def _comparable(row: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any] | None:
    """Generated ids differ from run to run: compare everything else, and the id's shape."""
    if row is None or given.get("id") not in (None, ""):
        return row
    assert uuid.UUID(row["id"]).version == 4 and str(uuid.UUID(row["id"])) == row["id"]
    return {**row, "id": "<new>"}


def _random_rows(seed: int, count: int) -> list[dict[str, Any]]:
    """Roster rows with a few fields (or all, or none) swapped for doubtful values."""
    rnd = random.Random(seed)
    rows = []
    for clean in make_roster(count, seed=seed):
        row: dict[str, Any] = dict(clean)
        for field in rnd.sample(FIELDS, rnd.choice((0, 0, 1, 1, 2, 3, 11))):
            if rnd.random() < 0.1:
                del row[field]
            else:
                row[field] = rnd.choice(ODD[field])
        if rnd.random() < 0.03:
            row["unknown"] = "x"
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(8))
def test_bulk_cleaning_accepts_only_what_the_reference_accepts_with_the_same_values(seed: int) -> None:
    rows = _random_rows(seed, 400)
    fast = clean_subscribers(rows)
    accepted = 0
    for row, got in zip(rows, fast, strict=True):
        if got is not None:
            accepted += 1
            assert _comparable(got, row) == _comparable(_reference(row), row), row
    assert accepted  # the fast path took some rows …
    assert accepted < len(rows)  # … and left others to clean_subscriber


def test_a_clean_roster_is_taken_whole_and_equals_the_reference() -> None:
    rows = make_roster(3000)
    assert clean_subscribers(rows) == [clean_subscriber(r) for r in rows]
    without_ids = [{k: v for k, v in r.items() if k != "id"} for r in rows]
    fast = clean_subscribers(without_ids)
    assert None not in fast
    assert len({r["id"] for r in fast}) == len(rows)  # type: ignore[index]
    assert [_comparable(r, g) for r, g in zip(fast, without_ids, strict=True)] == [
        _comparable(clean_subscriber(g), g) for g in without_ids]


# One doubtful value in an otherwise clean column: close to what the column-wide checks
# accept (charset, lengths, first and last line), so only a sound check tells them apart.
NEAR_MISSES: list[tuple[str, Any]] = [
    ("phone", "091234567890"), ("phone", "91234567"), ("phone", "1912345678"), ("phone", "0912345678 "),
    ("national_id", "0920000000011"), ("national_id", "09200000000"), ("national_id", " 092000000001"),
    ("id", "x" * 65), ("id", ""), ("cert_serial", "54031f"), ("cert_serial", "5403:1F"),
    ("email", "a@b"), ("email", "a@B.vn"), ("email", "a@b."), ("email", ".@b.vn"), ("email", "a@@b.vn"),
    ("email", "nguye\u0302\u0303n@cantho.gov.vn"), ("email", "a\u00a0b@cantho.gov.vn"),
    ("full_name", " Nguyễn Văn A"), ("full_name", "Nguyễn Văn A "), ("full_name", "Nguye\u0302\u0303n"),
    ("position", "Giám  đốc"), ("token_serial", "TK 1"), ("date_of_birth", "1980-13-01"),
    ("cert_kind", "ca  nhan"), ("unit_id", "snv\t"),
]


@pytest.mark.parametrize(("field", "value"), NEAR_MISSES)
@pytest.mark.parametrize("where", [0, 15, 29])
def test_a_near_miss_anywhere_in_a_column_is_caught(field: str, value: Any, where: int) -> None:
    rows = make_roster(30)
    rows[where][field] = value
    fast = clean_subscribers(rows)
    for row, got in zip(rows, fast, strict=True):
        if got is not None:
            assert _comparable(got, row) == _comparable(_reference(row), row), row
    assert [i for i, r in enumerate(fast) if r is None] in ([], [where])
    if _reference(rows[where]) is None:
        assert fast[where] is None


def test_one_odd_value_sends_only_its_row_to_the_reference() -> None:
    rows = make_roster(50)
    rows[7]["phone"] = "+84 912 345 678"  # valid, but the bulk shape check does not know it
    rows[9]["email"] = "X@CanTho.gov.vn"  # valid, lower-cased by clean_subscriber
    fast = clean_subscribers(rows)
    assert [i for i, r in enumerate(fast) if r is None] == [7, 9]


def test_columns_give_what_rows_give() -> None:
    rows = _random_rows(99, 300)
    rows = [r for r in rows if "unknown" not in r]
    columns = {f: [r.get(f) for r in rows] for f in FIELDS}
    by_rows, by_columns = clean_subscribers(rows), clean_subscriber_columns(columns, len(rows))
    assert [_comparable(r, g) for r, g in zip(by_rows, rows, strict=True)] == [
        _comparable(r, g) for r, g in zip(by_columns, rows, strict=True)]
    assert clean_subscriber_columns({**columns, "nickname": ["x"] * len(rows)}, len(rows)) == [None] * len(rows)


def test_white_space_list_is_what_split_knows() -> None:
    """The bulk tidy check names the white space str.split() knows, but " " and "\\n"."""
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - {" ", "\n"}
    assert {chr(c) for c in range(sys.maxunicode + 1) if rows_module._ODD_SPACE.match(chr(c))} == spaces


def test_new_ids_are_fresh_uuid4_text() -> None:
    ids = new_ids(2000)
    assert len(set(ids)) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == text
    assert new_ids(0) == [] and len(new_ids(1)) == 1


# -- the store ------------------------------------------------------------------------------

@pytest.fixture
def units(store: Store) -> Store:
    store.units.add_many(make_units(), "op")
    return store


def test_add_many_words_the_same_problems_as_row_by_row(units: Store) -> None:
    rows = make_roster(40)
    rows[3]["phone"] = "12345"
    rows[5]["national_id"] = "1234"
    rows[6]["full_name"] = " "
    rows[8] = {**rows[8], "nickname": "x"}
    expected = []
    for n, row in enumerate(rows, 1):
        try:
            clean_subscriber(row)
        except RowProblems as bad:
            expected.append(f"row {n}: {'; '.join(bad.problems)}")
    with pytest.raises(InvalidData) as info:
        units.subscribers.add_many(rows, "op")
    assert info.value.problems == expected and len(expected) == 4
    assert len(units.subscribers) == 0


def test_add_columns_stores_what_add_many_stores(tmp_path: Any, units: Store) -> None:
    rows = make_roster(700)
    other = open_store(tmp_path / "other", "kiosk-test")
    try:
        other.units.add_many(make_units(), "op")
        saved = units.subscribers.add_many(rows, "op")
        columns = {f: [r[f] for r in rows] for f in rows[0]}
        by_columns = other.subscribers.add_columns(columns, "op")
        assert [s.to_dict() for s in saved] == [s.to_dict() for s in by_columns]
        for store in (units, other):
            entry = store.audit.entries()[-1]
            assert (entry.action, entry.count, entry.ref) == ("subscribers.add", 700, None)
        first, second = units.audit.entries()[-1], other.audit.entries()[-1]
        assert first.digest == second.digest  # same files, byte for byte
        for i in range(SHARDS):
            name = f"subscribers-{i:02x}.json"
            assert (units.directory / name).read_bytes() == (other.directory / name).read_bytes()
    finally:
        other.close()


def test_add_columns_refuses_ragged_columns_and_unknown_fields(units: Store) -> None:
    with pytest.raises(InvalidData, match="different lengths"):
        units.subscribers.add_columns({"full_name": ["A", "B"], "national_id": ["092000000001"]}, "op")
    with pytest.raises(InvalidData) as info:
        units.subscribers.add_columns({"full_name": ["A"], "nickname": ["x"]}, "op")
    assert "unknown fields: nickname" in info.value.problems[0]
    assert len(units.subscribers.add_columns({}, "op")) == 0 and len(units.subscribers) == 0


def test_audit_digest_is_the_files_as_written(units: Store) -> None:
    units.subscribers.add_many(make_roster(300), "op")
    entry = units.audit.entries()[-1]
    h = hashlib.sha256()
    for i in range(SHARDS):
        path = units.directory / f"subscribers-{i:02x}.json"
        if path.exists():
            h.update(path.name.encode() + b"\0")
            h.update(path.read_bytes())
    assert entry.digest == h.hexdigest()


def test_shard_files_are_tinydb_tables_with_ids_counting_on(units: Store) -> None:
    units.subscribers.add_many(make_roster(200), "op")
    units.subscribers.add_many(make_roster(260)[200:], "op")
    seen = 0
    for i in range(SHARDS):
        path = units.directory / f"subscribers-{i:02x}.json"
        if not path.exists():
            continue
        table = json.loads(path.read_bytes())["subscribers"]
        assert list(table) == [str(n) for n in range(1, len(table) + 1)]  # max + 1, in order
        seen += len(table)
    assert seen == 260


def test_indexes_after_bulk_add_and_reopen(store_dir: Any, units: Store) -> None:
    rows = make_roster(500)
    rows[10]["national_id"] = rows[20]["national_id"]  # one person, two tokens
    units.subscribers.add_many(rows, "op")
    twice = sorted(s.id for s in units.subscribers.by_national_id(rows[20]["national_id"]))
    assert twice == sorted([rows[10]["id"], rows[20]["id"]])
    assert units.subscribers.by_token_serial(rows[33]["token_serial"]).id == rows[33]["id"]  # type: ignore[union-attr]
    assert units.subscribers.known_national_ids([rows[1]["national_id"], "000000000"]) == {rows[1]["national_id"]}
    assert units.subscribers.known_token_serials([rows[2]["token_serial"], "TK-NONE"]) == {rows[2]["token_serial"]}
    assert rows[44]["id"] in [s.id for s in units.subscribers.search(rows[44]["full_name"], limit=100)]
    units.close()
    again = open_store(store_dir, "kiosk-test")
    try:
        assert sorted(s.id for s in again.subscribers.by_national_id(rows[20]["national_id"])) == twice
        assert len(again.subscribers) == 500
    finally:
        again.close()


def test_saved_rows_keep_what_was_saved_after_an_update(units: Store) -> None:
    saved = units.subscribers.add_many(make_roster(5), "op")
    before = saved[2].to_dict()
    units.subscribers.update(saved[2].id, {"position": "Chánh Văn phòng", "phone": "0900000000"}, "op")
    assert saved[2].to_dict() == before
    assert units.subscribers.get(saved[2].id).phone == "0900000000"  # type: ignore[union-attr]
