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
    """The row with the plan's yearly target filled in (a quarter shows the year's target)."""
    if row.plan is not None:
        return row
    target = plan.target(row.metric)
    value = target.for_year(period.year) if target is not None else None
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
        except Exception as exc:  # a plugin's bug: its section is left out, the report is still made
            plugins.report_failure(section.plugin, "report", exc)
            results.append(SectionResult(section, (), f"{type(exc).__name__}: {exc}"))
    if not any(r.rows for r in results):
        notes.append("No activity recorded in this period.")
    return Report(period, unit, tuple(results), plan, tuple(notes))
