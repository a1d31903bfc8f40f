"""A report for a period: every plugin's sections, each row beside the plan's target.

Sections come from the ``helpdesk_register_reports`` hook (handover, unlock, signing,
renewal, training…); the plan (:mod:`helpdesk.reports.plan`) supplies the targets for
the rows whose metric it names. A section that raises fails its plugin and is left
out with a note; the report is still made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from helpdesk.reports.plan import Plan
from helpdesk.reports.view import SourceError
from helpdesk.workflow.types import Period, ReportRow, ReportSection

if TYPE_CHECKING:
    from helpdesk.workflow.context import WorkflowContext


@dataclass(frozen=True)
class SectionResult:
    section: ReportSection
    rows: tuple[ReportRow, ...]
    error: str = ""


@dataclass(frozen=True)
class Report:
    period: Period
    unit: str | None
    sections: tuple[SectionResult, ...]
    plan: Plan
    notes: tuple[str, ...] = field(default=())

    def rows(self) -> list[tuple[SectionResult, ReportRow]]:
        return [(s, r) for s in self.sections for r in s.rows]

    def to_json(self) -> dict[str, Any]:
        return {
            "period": str(self.period), "unit": self.unit, "plan": self.plan.name,
            "rows": [{"section": s.section.id, "metric": r.metric, "label": r.label(), "unit_level": r.unit or "all",
                      "period": str(self.period), "plan": r.plan, "actual": r.value} for s, r in self.rows()],
            "failed_sections": [{"section": s.section.id, "error": s.error} for s in self.sections if s.error],
            "notes": list(self.notes),
        }


def with_plan(row: ReportRow, plan: Plan, period: Period) -> ReportRow:
    """The row with the plan's yearly target filled in (a quarter shows the year's target);
    a unit's row gets the unit's own plan line, never the whole department's."""
    if row.plan is not None:
        return row
    value = plan.for_year(row.metric, period.year, row.unit or None)
    if value is None:
        return row
    return ReportRow(row.metric, row.label_vi, row.label_en, row.value, value, row.unit)


def build_report(ctx: WorkflowContext, sections: tuple[ReportSection, ...], period: Period, unit: str | None,
                 plan: Plan) -> Report:
    """Blocking (store reads): run each section for ``period`` and ``unit``."""
    from helpdesk import plugins

    results = []
    notes = []
    for section in sections:
        try:
            rows = tuple(with_plan(r, plan, period) for r in section.compute(ctx, period, unit))
            if not all(isinstance(r, ReportRow) for r in rows):
                raise TypeError("compute must return ReportRow objects")
            results.append(SectionResult(section, rows))
        except SourceError:
            raise  # the records cannot be read: no report, and no plugin to blame
        except Exception as exc:  # a plugin's bug: its section is left out, the report is still made
            plugins.report_failure(section.plugin, "report", exc)
            results.append(SectionResult(section, (), f"{type(exc).__name__}: {exc}"))
    if not any(r.rows for r in results):
        notes.append("No activity recorded in this period.")
    if unit and plan.unit(unit) is None:
        notes.append("This unit has no line in the plan: its figures are shown without targets.")
    return Report(period, unit, tuple(results), plan, tuple(notes))


Actuals = dict[tuple[str, int], float]


def plan_actuals(ctx: WorkflowContext, sections: tuple[ReportSection, ...], plan: Plan,
                 unit: str | None = None) -> tuple[Actuals, tuple[str, ...]]:
    """Blocking: for every plan year, the actual value of every metric the plan targets
    (the yearly report's rows), and the failed sections' notes."""
    actual: Actuals = {}
    notes: list[str] = []
    metrics = {t.metric for t in plan.targets}
    for year in plan.years:
        report = build_report(ctx, sections, Period(year), unit, plan)
        for _section, row in report.rows():
            if row.metric in metrics and (row.unit or None) == unit:
                actual[(row.metric, year)] = actual.get((row.metric, year), 0) + row.value
        notes.extend(f"{year}: {s.section.id}: {s.error}" for s in report.sections if s.error)
    return actual, tuple(notes)


def budget_actual(plan: Plan, actual: Actuals) -> int:
    """The budget the classes held would cost by the annex (plus its other items)."""
    held = sum(v for (metric, _year), v in actual.items() if metric == "training.classes")
    return int(held) * plan.cost_per_class + sum(amount for _, amount in plan.other_costs)


def summary_json(plan: Plan, actual: Actuals, unit: str | None = None) -> dict[str, Any]:
    """Bảng tổng hợp as data: each target's plan and actual per year, totals, the budget."""
    rows = []
    for target in plan.targets:
        planned = {y: plan.for_year(target.metric, y, unit) for y in plan.years}
        done = {y: actual.get((target.metric, y), 0) for y in plan.years}
        rows.append({"metric": target.metric, "label": target.label_vi, "label_en": target.label_en,
                     "years": {str(y): {"plan": planned[y], "actual": done[y]} for y in plan.years},
                     "plan_total": sum(v or 0 for v in planned.values()), "actual_total": sum(done.values())})
    return {"plan": plan.name, "unit": unit, "rows": rows,
            "budget": {"plan": plan.budget_total, "actual": budget_actual(plan, actual),
                       "cost_per_class": plan.cost_per_class}}
