"""Figures per year and in total: classes held against the plan (14/36/44), trainees,
attendance rate, and cost from the budget table; also the report section.

A class is *held* once someone has checked in at it. The attendance rate is
check-ins over (roster size × sessions) of the classes held. The cost of the classes
held is each class's cost by the budget for its capacity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from helpdesk.extension import Period, ReportRow, ReportSection
from helpdesk_training.costs import Budget, load_budget
from helpdesk_training.model import TrainingBook, TrainingClass

if TYPE_CHECKING:
    from helpdesk.extension import WorkflowContext


@dataclass(frozen=True)
class Figures:
    year: int | None  # None: every year together
    plan: int | None  # classes the plan set for the year
    classes: int  # classes scheduled
    held: int
    trainees: int  # distinct trainees present at least once
    checkins: int
    expected: int  # roster × sessions of the classes held
    cost_per_class: int
    cost_held: int
    cost_plan: int | None

    @property
    def attendance_rate(self) -> float:
        """Percent, one decimal."""
        return round(100.0 * self.checkins / self.expected, 1) if self.expected else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "attendance_rate": self.attendance_rate}


def _in(cls: TrainingClass, start: date | None, end: date | None) -> bool:
    day = cls.first_day
    return (start is None or day >= start) and (end is None or day < end)


def _figures(book: TrainingBook, budget: Budget, classes: Sequence[TrainingClass], year: int | None,
             plan: int | None, unit: str | None) -> Figures:
    roster_units = {key: row.get("unit_id", "") for key, row in book.roster.items()}
    trainees: set[str] = set()
    held = checkins = expected = cost_held = 0
    for cls in classes:
        entries = book.attendance_of(cls.code)
        roster = [t for t in book.roster_of(cls.code) if unit is None or t.unit_id == unit]
        if unit is not None:
            entries = [e for e in entries if roster_units.get(f"{cls.code}:{e.trainee}", "") == unit]
        if not entries:
            continue
        held += 1
        checkins += len(entries)
        trainees.update(e.trainee for e in entries)
        expected += max(len(roster), len({e.trainee for e in entries})) * len(cls.sessions)
        cost_held += budget.cost_per_class(cls.capacity)
    per_class = budget.cost_per_class()
    return Figures(year=year, plan=plan, classes=len(classes), held=held, trainees=len(trainees),
                   checkins=checkins, expected=expected, cost_per_class=per_class, cost_held=cost_held,
                   cost_plan=None if plan is None else plan * per_class)


def yearly(book: TrainingBook, budget: Budget | None = None, year: int | None = None,
           unit: str | None = None) -> tuple[list[Figures], Figures]:
    """One :class:`Figures` per year (plan years and years with classes), and the total."""
    budget = budget or load_budget()
    classes = book.list_classes()
    years = sorted({*budget.plan, *(c.year for c in classes)})
    if year is not None:
        years = [year]
    rows = [_figures(book, budget, [c for c in classes if c.year == y], y, budget.plan.get(y), unit) for y in years]
    chosen = [c for c in classes if year is None or c.year == year]
    plan_total = sum(budget.plan.get(y, 0) for y in years) if any(y in budget.plan for y in years) else None
    return rows, _figures(book, budget, chosen, None, plan_total, unit)


def for_period(book: TrainingBook, period: Period, unit: str | None = None,
               budget: Budget | None = None) -> Figures:
    budget = budget or load_budget()
    classes = [c for c in book.list_classes() if _in(c, period.start, period.end)]
    plan = budget.plan.get(period.year) if period.quarter is None else None
    return _figures(book, budget, classes, period.year, plan, unit)


def report_rows(ctx: WorkflowContext, period: Period, unit: str | None) -> list[ReportRow]:
    """The training section of the quarterly/yearly report."""
    f = for_period(TrainingBook(ctx), period, unit)
    return [
        ReportRow("training.classes", "Số lớp tập huấn đã tổ chức", "Training classes held", f.held, f.plan,
                  unit or ""),
        ReportRow("training.trainees", "Số học viên tham dự", "Trainees present", f.trainees, None, unit or ""),
        ReportRow("training.attendance_rate", "Tỷ lệ tham dự (%)", "Attendance rate (%)", f.attendance_rate, None,
                  unit or ""),
        ReportRow("training.cost", "Kinh phí các lớp đã tổ chức (đồng)", "Cost of the classes held (VND)",
                  f.cost_held, f.cost_plan, unit or ""),
    ]


SECTION = ReportSection("training", "Tập huấn sử dụng chữ ký số", "Training in digital signatures",
                        compute=report_rows, order=40)

