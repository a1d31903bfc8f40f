"""Record-store fixtures: a fresh store per test, a test record type, synthetic rosters.

``make_roster(n)`` builds deterministic, realistic subscriber rows (Vietnamese names
with diacritics, unique 12-digit CCCD numbers and token serials) for import tests
and benchmarks.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from helpdesk.store import RecordTypeRegistry, Store, open_store

__all__ = ["make_record_types", "make_roster", "make_units", "record_types", "store", "store_dir"]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Mai"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thành", "Kim",
          "Hoài", "Xuân", "Bảo", "Gia", "Công", "Thu", "Mỹ", "Tấn", "Trọng", "Phương"]
GIVEN = ["An", "Anh", "Bình", "Châu", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh",
         "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam",
         "Nga", "Ngân", "Nhung", "Phong", "Phúc", "Phương", "Quang", "Quân", "Sơn", "Tâm",
         "Thảo", "Thắng", "Thủy", "Trang", "Trung", "Tuấn", "Tú", "Uyên", "Việt", "Vy", "Xuân",
         "Yến", "Đông", "Ánh", "Ơn", "Ưng", "Đào", "Lộc"]
POSITIONS = ["Giám đốc", "Phó Giám đốc", "Kế toán trưởng", "Chủ tịch", "Phó Chủ tịch", "Chánh Văn phòng"]


def make_units() -> list[dict[str, Any]]:
    """A small unit tree: two departments, a district with two communes, an association."""
    return [
        {"id": "snv", "name": "Sở Nội vụ", "level": "sở/ban/ngành"},
        {"id": "stc", "name": "Sở Tài chính", "level": "so_ban_nganh"},
        {"id": "q-ninhkieu", "name": "UBND quận Ninh Kiều", "level": "quận/huyện"},
        {"id": "p-anhoi", "name": "UBND phường An Hội", "level": "xã, phường, thị trấn", "parent_id": "q-ninhkieu"},
        {"id": "p-tanan", "name": "UBND phường Tân An", "level": "phuong", "parent_id": "q-ninhkieu"},
        {"id": "tt-luutru", "name": "Trung tâm Lưu trữ lịch sử", "level": "đơn vị sự nghiệp", "parent_id": "snv"},
        {"id": "hoi-chuthapdo", "name": "Hội Chữ thập đỏ thành phố", "level": "Hội đặc thù"},
    ]


def make_roster(n: int, seed: int = 119, unit_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """``n`` distinct subscriber rows (ids ``sb-000001`` …), reproducible for a seed."""
    rng = random.Random(seed)
    units = unit_ids if unit_ids is not None else [u["id"] for u in make_units()]
    rows = []
    for i in range(1, n + 1):
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if rng.random() < 0.3:
            name = f"{name} {rng.choice(GIVEN)}"
        rows.append({
            "id": f"sb-{i:06d}",
            "full_name": name,
            "date_of_birth": f"{rng.randint(1960, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "position": rng.choice(POSITIONS),
            "unit_id": rng.choice(units) if units else None,
            "national_id": f"{92 * 10**10 + i:012d}" if i % 10 else f"{360000000 + i:09d}",
            "email": f"user{i}@cantho.gov.vn",
            "phone": f"09{rng.randint(0, 99_999_999):08d}",
            "cert_kind": "cá nhân" if i % 7 else "tổ chức",
            "token_serial": f"TK{i:08d}",
            "cert_serial": f"{rng.getrandbits(64):016X}",
        })
    return rows


def _note(payload: Mapping[str, Any]) -> list[str]:
    return [] if isinstance(payload.get("text"), str) else ["text is required"]


def make_record_types() -> RecordTypeRegistry:
    """A registry with ``test.note`` (payload needs ``text``) besides the built-in ``void``."""
    registry = RecordTypeRegistry()
    registry.register("test.note", _note, description="A note (tests)", owner="tests")
    return registry




@pytest.fixture
def record_types() -> RecordTypeRegistry:
    return make_record_types()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_dir: Path, record_types: RecordTypeRegistry) -> Iterator[Store]:
    """An open store in a fresh folder (kiosk ``kiosk-test``), closed afterwards."""
    opened = open_store(store_dir, "kiosk-test", record_types=record_types)
    try:
        yield opened
    finally:
        opened.close()
