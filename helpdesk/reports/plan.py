"""The deployment plan as data: yearly targets per metric and the budget annex.

The default is Kế hoạch 119/KH-UBND (Cần Thơ 2017–2020), shipped as TOML beside this
module; a province replaces it with its own file. Loading validates every field and
names the first problem in the operator's language.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpdesk.errors import HelpdeskError

DEFAULT_PLAN = Path(__file__).parent / "data" / "plan-119-cantho.toml"


class PlanError(HelpdeskError):
    title = "Plan file"


@dataclass(frozen=True)
class Target:
    metric: str
    label_vi: str
    label_en: str
    by_year: dict[int, int]

    def for_year(self, year: int) -> int | None:
        return self.by_year.get(year)

    @property
    def total(self) -> int:
        return sum(self.by_year.values())


@dataclass(frozen=True)
class BudgetItem:
    item: str
    unit: str
    price: int
    quantity: int

    @property
    def amount(self) -> int:
        return self.price * self.quantity


@dataclass(frozen=True)
class UnitPlan:
    """A unit's own line in the plan (``[[unit]]``): its level and yearly targets per metric."""

    id: str
    name: str
    level: str  # "sở, ban, ngành", "quận, huyện", "xã, phường, thị trấn", …
    targets: dict[str, dict[int, int]]

    def for_year(self, metric: str, year: int) -> int | None:
        return self.targets.get(metric, {}).get(year)


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    province: str
    years: tuple[int, ...]
    targets: tuple[Target, ...]
    class_items: tuple[BudgetItem, ...]
    other_costs: tuple[tuple[str, int], ...]
    units: tuple[UnitPlan, ...] = ()

    def target(self, metric: str) -> Target | None:
        return next((t for t in self.targets if t.metric == metric), None)

    def unit(self, unit_id: str) -> UnitPlan | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def for_year(self, metric: str, year: int, unit: str | None = None) -> int | None:
        """The target for ``year``: the department's, or the unit's own line (None without one)."""
        if unit:
            line = self.unit(unit)
            return line.for_year(metric, year) if line is not None else None
        target = self.target(metric)
        return target.for_year(year) if target is not None else None

    @property
    def cost_per_class(self) -> int:
        return sum(item.amount for item in self.class_items)

    @property
    def budget_total(self) -> int:
        classes = self.target("training.classes")
        count = classes.total if classes else 0
        return count * self.cost_per_class + sum(amount for _, amount in self.other_costs)


def _nfc(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


def _text(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PlanError("{where}: {key} is required (text)", where=where, key=key)
    return _nfc(value)


def _count(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PlanError("{where}: {value!r} is not a whole number ≥ 0", where=where, value=value)
    return value


def _by_year(raw: object, years: list[int], where: str) -> dict[int, int]:
    if not isinstance(raw, dict):
        raise PlanError("{where}: by_year must map years to numbers", where=where)
    by_year: dict[int, int] = {}
    for year_text, value in raw.items():
        if not str(year_text).isdigit() or int(year_text) not in years:
            raise PlanError("{where}: year {year} is not one of the plan's years", where=where, year=year_text)
        by_year[int(year_text)] = _count(value, f"{where} ({year_text})")
    return by_year


def _units(data: dict[str, Any], years: list[int], metrics: set[str], source: str) -> tuple[UnitPlan, ...]:
    units: list[UnitPlan] = []
    for n, raw in enumerate(data.get("unit", []), 1):
        where = f"{source}: unit {n}"
        if not isinstance(raw, dict):
            raise PlanError("{where}: not a table", where=where)
        unit_id = _text(raw, "id", where)
        if any(u.id == unit_id for u in units):
            raise PlanError("{where}: unit {unit} appears twice", where=where, unit=unit_id)
        targets_raw = raw.get("targets", {})
        if not isinstance(targets_raw, dict):
            raise PlanError("{where}: targets must map metrics to years", where=where)
        targets: dict[str, dict[int, int]] = {}
        for metric, by_year in targets_raw.items():
            if metric not in metrics:
                raise PlanError("{where}: metric {metric} has no [[target]] in the plan", where=where, metric=metric)
            targets[metric] = _by_year(by_year, years, f"{where} {metric}")
        units.append(UnitPlan(unit_id, _text(raw, "name", where), _nfc(raw.get("level", "")), targets))
    return tuple(units)


def parse_plan(data: dict[str, Any], source: str = "plan") -> Plan:
    head = data.get("plan")
    if not isinstance(head, dict):
        raise PlanError("{source}: the [plan] table is missing", source=source)
    years = head.get("years")
    if not isinstance(years, list) or not years or not all(isinstance(y, int) and 1990 <= y <= 2100 for y in years):
        raise PlanError("{source}: plan.years must list the plan's years (e.g. [2017, 2018])", source=source)
    targets: list[Target] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("target", []), 1):
        where = f"{source}: target {n}"
        if not isinstance(raw, dict):
            raise PlanError("{where}: not a table", where=where)
        metric = _text(raw, "metric", where)
        if metric in seen:
            raise PlanError("{where}: metric {metric} appears twice", where=where, metric=metric)
        seen.add(metric)
        by_year = _by_year(raw.get("by_year", {}), years, where)
        targets.append(Target(metric, _text(raw, "label_vi", where), _text(raw, "label_en", where), by_year))
    budget = data.get("budget", {})
    if not isinstance(budget, dict):
        raise PlanError("{source}: [budget] must be a table", source=source)
    items = []
    for n, raw in enumerate(budget.get("class_item", []), 1):
        where = f"{source}: budget.class_item {n}"
        if not isinstance(raw, dict):
            raise PlanError("{where}: not a table", where=where)
        items.append(BudgetItem(_text(raw, "item", where), _text(raw, "unit", where),
                                _count(raw.get("price"), where), _count(raw.get("quantity"), where)))
    others = []
    for n, raw in enumerate(budget.get("other", []), 1):
        where = f"{source}: budget.other {n}"
        if not isinstance(raw, dict):
            raise PlanError("{where}: not a table", where=where)
        others.append((_text(raw, "item", where), _count(raw.get("amount"), where)))
    return Plan(_text(head, "name", f"{source}: plan"), _nfc(head.get("title", "")), _nfc(head.get("province", "")),
                tuple(years), tuple(targets), tuple(items), tuple(others), _units(data, years, seen, source))


def load_plan(path: Path | None = None) -> Plan:
    """The plan in ``path`` (default: the shipped Kế hoạch 119), validated."""
    file = path or DEFAULT_PLAN
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError("No plan file at {path}", path=str(file)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError("Cannot read the plan file {path}: {error}", path=str(file), error=str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError("The plan file {path} is not valid TOML: {error}", path=str(file), error=str(exc)) from None
    return parse_plan(data, file.name)
