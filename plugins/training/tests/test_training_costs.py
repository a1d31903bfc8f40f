"""The budget annex of Kế hoạch 119/KH-UBND, computed from the shipped unit-price table."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpdesk_training.costs import BUDGET_FILE, load_budget, vnd
from helpdesk_training.model import TrainingError


def test_budget_table_reproduces_the_annex() -> None:
    budget = load_budget()
    assert budget.class_size == 30
    amounts = {item.id: item.amount(30) for item in budget.items}
    assert amounts == {"hall": 5_000_000, "water": 210_000, "materials": 1_500_000, "lecturer": 400_000,
                       "assistant": 150_000, "per_diem": 180_000}
    assert budget.cost_per_class() == 7_440_000
    assert budget.plan == {2017: 14, 2018: 36, 2019: 44}
    assert budget.planned_classes == 94
    assert budget.plan_cost() == 699_360_000
    assert vnd(budget.plan_cost()) == "699.360.000"


def test_prices_live_in_the_data_file_not_the_code(tmp_path: Path) -> None:
    text = BUDGET_FILE.read_text(encoding="utf-8").replace("unit_price = 7_000", "unit_price = 10_000")
    changed = tmp_path / "budget.toml"
    changed.write_text(text, encoding="utf-8")
    assert load_budget(changed).cost_per_class() == 7_440_000 + 30 * 3_000
    # a class of 20: per-person rows scale, the others do not
    assert load_budget().cost_per_class(20) == 7_440_000 - 10 * (7_000 + 50_000)


def test_a_broken_budget_table_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "budget.toml"
    bad.write_text('class_size = 30\n[[item]]\nid = "hall"\nlabel_vi = "Hội trường"\n', encoding="utf-8")
    with pytest.raises(TrainingError, match="hall"):
        load_budget(bad)
