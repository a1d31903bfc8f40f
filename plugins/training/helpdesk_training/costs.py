"""The plan's budget for training classes, read from ``data/budget.toml`` (not code).

``cost_per_class(budget)`` reproduces the annex of Kế hoạch 119/KH-UBND: 7,440,000 VND
for a class of 30; ``plan_cost(budget)`` the plan's 94 classes: 699,360,000 VND.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk_training.model import TrainingError

BUDGET_FILE = Path(__file__).parent / "data" / "budget.toml"


@dataclass(frozen=True)
class CostItem:
    id: str
    label_vi: str
    label_en: str
    unit: str
    unit_price: int
    quantity: int = 1
    per_person: bool = False

    def quantity_for(self, class_size: int) -> int:
        return class_size if self.per_person else self.quantity

    def amount(self, class_size: int) -> int:
        return self.unit_price * self.quantity_for(class_size)


@dataclass(frozen=True)
class Budget:
    source: str
    currency: str
    class_size: int
    plan: dict[int, int]  # year -> classes
    items: tuple[CostItem, ...]

    def cost_per_class(self, class_size: int | None = None) -> int:
        size = self.class_size if class_size is None else class_size
        return sum(item.amount(size) for item in self.items)

    @property
    def planned_classes(self) -> int:
        return sum(self.plan.values())

    def plan_cost(self) -> int:
        return self.planned_classes * self.cost_per_class()


def _item(raw: dict[str, Any]) -> CostItem:
    try:
        item = CostItem(id=str(raw["id"]), label_vi=str(raw["label_vi"]), label_en=str(raw.get("label_en", "")),
                        unit=str(raw.get("unit", "")), unit_price=int(raw["unit_price"]),
                        quantity=int(raw.get("quantity", 1)), per_person=bool(raw.get("per_person", False)))
    except (KeyError, TypeError, ValueError) as exc:
        raise TrainingError("Bad budget item {item}: {error}", item=raw.get("id", "?"), error=str(exc)) from None
    if item.unit_price < 0 or item.quantity < 0:
        raise TrainingError("Bad budget item {item}: negative price or quantity", item=item.id)
    return item


def load_budget(path: Path = BUDGET_FILE) -> Budget:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TrainingError("Cannot read the budget table {path}: {error}", path=str(path), error=str(exc)) from None
    try:
        plan = {int(year): int(count) for year, count in raw.get("plan", {}).items()}
        return Budget(source=str(raw.get("source", "")), currency=str(raw.get("currency", "VND")),
                      class_size=int(raw["class_size"]), plan=plan,
                      items=tuple(_item(i) for i in raw.get("item", [])))
    except (KeyError, TypeError, ValueError) as exc:
        raise TrainingError("Bad budget table {path}: {error}", path=str(path), error=str(exc)) from None


def vnd(amount: int) -> str:
    """7440000 -> "7.440.000" (Vietnamese grouping)."""
    return f"{amount:,}".replace(",", ".")
