"""``helpdesk report sections``: the report sections plugins contribute, and running one.

The quarterly and yearly reports are built from these sections (one per plugin area:
handovers, unlocks, signings, classes…); ``report sections --run ID --period 2026Q4``
computes one section alone, which is how a plugin author checks theirs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from helpdesk.i18n import _

if TYPE_CHECKING:
    from helpdesk.reports.build import Report
    from helpdesk.workflow.context import WorkflowContext


@click.group("report")
def report() -> None:
    """Reports to Sở Nội vụ (quarterly, yearly) and their sections."""


@report.command("sections")
@click.option("--run", "run_id", metavar="ID", default=None, help="Compute this section.")
@click.option("--period", default=None, metavar="2026|2026Q4", help="The period to compute (with --run).")
@click.option("--unit", default=None, help="Only this unit (id) (with --run).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def sections(run_id: str | None, period: str | None, unit: str | None, as_json: bool) -> None:
    """List the registered report sections, or compute one with --run."""
    from helpdesk import plugins
    from helpdesk.errors import HelpdeskError

    found = plugins.collect_report_sections().value
    if run_id is None:
        if as_json:
            click.echo(json.dumps({"sections": [{"id": s.id, "title_vi": s.title_vi, "title_en": s.title_en,
                                                 "plugin": s.plugin, "order": s.order} for s in found]},
                                  ensure_ascii=False, indent=2))
        else:
            for section in found:
                click.echo(f"{section.id}\t{section.title()}\t({section.plugin})")
        _show_failures()
        return
    chosen = next((s for s in found if s.id == run_id), None)
    if chosen is None:
        raise click.ClickException(_("No report section {id}").format(id=run_id))
    section = chosen
    from helpdesk.workflow.commands import command_context
    from helpdesk.workflow.types import Period

    when = Period.parse(period or str(_this_year()))
    with command_context(read_only=True) as ctx:
        try:
            rows = list(section.compute(ctx, when, unit))
        except HelpdeskError:
            raise
        except Exception as exc:  # a plugin's bug: blame it, keep the CLI's contract
            plugins.report_failure(section.plugin, "report", exc)
            raise click.ClickException(_("Report section {id} failed: {error}").format(
                id=run_id, error=f"{type(exc).__name__}: {exc}")) from None
    if as_json:
        click.echo(json.dumps({"section": section.id, "period": str(when), "unit": unit, "rows": [
            {"metric": r.metric, "label": r.label(), "value": r.value, "plan": r.plan, "unit": r.unit} for r in rows
        ]}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{section.title()} — {when}")
    for row in rows:
        plan = f" / {row.plan}" if row.plan is not None else ""
        click.echo(f"  {row.label()}: {row.value}{plan}")


def _plan_path() -> Path | None:
    import os

    from helpdesk.config import load_settings

    raw = os.environ.get("HELPDESK_PLAN_FILE") or load_settings().extra.get("reports", {}).get("plan_file")
    return Path(raw).expanduser() if raw else None


@contextmanager
def _reading_context(source: str, operator: str | None,
                     writable: bool) -> Iterator[tuple[WorkflowContext, WorkflowContext | None]]:
    """The context sections read from (the local store, or a view over the registry's
    records: ``--source``) and, when ``writable``, the local one a numbered PDF is recorded in."""
    from helpdesk.config import load_settings
    from helpdesk.reports.remote import over_view, source_for, view_context
    from helpdesk.reports.view import RecordView
    from helpdesk.workflow.commands import command_context

    settings = load_settings()
    remote = source_for(source, settings.registry_url)
    if remote is None:
        with command_context(operator, read_only=not writable) as ctx:
            yield ctx, ctx if writable else None
        return
    view = RecordView(remote)
    try:
        if writable:
            with command_context(operator) as ctx:
                yield over_view(ctx, view), ctx
        else:
            yield view_context(settings, view), None
    finally:
        close = getattr(remote, "close", None)
        if close is not None:
            close()


def _report(kind: str, period: str, unit: str | None, pdf: Path | None, xlsx: Path | None, as_json: bool,
            operator: str | None, source: str = "local") -> None:
    from helpdesk import plugins
    from helpdesk.reports.build import build_report
    from helpdesk.reports.plan import load_plan
    from helpdesk.reports.render import write_xlsx
    from helpdesk.workflow.types import Period

    when = Period.parse(period)
    if (kind == "quarterly") != (when.quarter is not None):
        raise click.UsageError(_("A quarterly report takes a quarter (2018Q3), a yearly one a year (2018)"))
    plan = load_plan(_plan_path())
    sections = plugins.collect_report_sections().value
    with _reading_context(source, operator, pdf is not None) as (ctx, local):
        report = build_report(ctx, sections, when, unit, plan)
        if pdf is not None and local is not None:
            _issue_pdf(local, kind, report, pdf)
    if xlsx is not None:
        write_xlsx(report, xlsx)
    _show_failures()
    if as_json:
        click.echo(json.dumps({**report.to_json(), "source": source}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{_('Report')} {when}" + (f" — {unit}" if unit else ""))
    for _section, row in report.rows():
        plan_text = f" / {row.plan}" if row.plan is not None else ""
        click.echo(f"  {row.label()}: {row.value}{plan_text}")
    for note in report.notes:
        click.echo(_(note))


def _issue_pdf(ctx: WorkflowContext, kind: str, report: Report, pdf: Path) -> None:
    """Number the report in the local store (shared "BC" series), record it, write the PDF."""
    import hashlib

    from helpdesk.reports.render import render_pdf
    from helpdesk.workflow.files import write_file

    store = ctx.store
    if REPORT_ISSUED not in store.record_types.names():
        store.register_record_type(REPORT_ISSUED, _validate_issued, description="A report issued", owner="core")
    day = ctx.now().date()
    with ctx.next_number("BC", day.year) as number:
        text = ctx.number_text(number)
        data = render_pdf(ctx.settings.organisation, report, text, day)
        ctx.commit(REPORT_ISSUED, None, {"kind": kind, "period": str(report.period), "unit": report.unit or "",
                                         "number": text, "sha256": hashlib.sha256(data).hexdigest()}, number=number)
    write_file(pdf, data)


REPORT_ISSUED = "report.issued"


def _validate_issued(payload: dict[str, object]) -> list[str]:
    return [] if payload.get("number") and payload.get("sha256") else ["number and sha256 are required"]


_period_option = click.option("--period", required=True, metavar="2018Q3|2018", help="The period.")
_common = [
    click.option("--unit", default=None, help="Only this unit (id)."),
    click.option("--pdf", type=click.Path(path_type=Path, dir_okay=False), default=None,
                 help="Write the numbered report (Decree-30 layout)."),
    click.option("--xlsx", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write a spreadsheet."),
    click.option("--json", "as_json", is_flag=True, help="Machine-readable output."),
    click.option("--operator", default=None, help="Who issues it (default cli:<user>)."),
    click.option("--source", default="local", show_default=True, metavar="local|registry|URL",
                 help="Whose records: this kiosk's store, or the registry's (its URL; read token from "
                      "$HELPDESK_REGISTRY_READ_TOKEN)."),
]


def _options(fn: Any) -> Any:
    for option in reversed(_common):
        fn = option(fn)
    return _period_option(fn)


@report.command("quarterly")
@_options
def quarterly(period: str, unit: str | None, pdf: Path | None, xlsx: Path | None, as_json: bool,
              operator: str | None, source: str) -> None:
    """The quarterly report (--period 2018Q3)."""
    _report("quarterly", period, unit, pdf, xlsx, as_json, operator, source)


@report.command("yearly")
@_options
def yearly(period: str, unit: str | None, pdf: Path | None, xlsx: Path | None, as_json: bool,
           operator: str | None, source: str) -> None:
    """The yearly report (--period 2018)."""
    _report("yearly", period, unit, pdf, xlsx, as_json, operator, source)


@report.command("summary")
@click.option("--unit", default=None, help="Only this unit (id): against its own plan line.")
@click.option("--source", default="local", show_default=True, metavar="local|registry|URL",
              help="Whose records: this kiosk's store, or the registry's.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def summary(unit: str | None, source: str, as_json: bool) -> None:
    """Bảng tổng hợp: the plan's targets per year beside what was done, and the budget."""
    from helpdesk import plugins
    from helpdesk.reports.build import plan_actuals, summary_json
    from helpdesk.reports.plan import load_plan
    from helpdesk.reports.render import number, summary_rows

    plan = load_plan(_plan_path())
    sections = plugins.collect_report_sections().value
    with _reading_context(source, None, False) as (ctx, _local):
        actual, notes = plan_actuals(ctx, sections, plan, unit)
    _show_failures()
    data = summary_json(plan, actual, unit)
    if as_json:
        click.echo(json.dumps({**data, "source": source, "notes": list(notes)}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{plan.name} — {_('Summary table')}" + (f" — {unit}" if unit else ""))
    header = ["", *(str(y) for y in plan.years), _("Total")]
    click.echo("\t".join(header))
    for cells in summary_rows(plan, actual):
        click.echo("\t".join(cells))
    budget = data["budget"]
    click.echo(_("Budget: {actual} / {plan} VND").format(actual=number(budget["actual"]), plan=number(budget["plan"])))
    for note in notes:
        click.echo(note, err=True)


@report.command("plan")
@click.option("--file", "plan_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Check this plan file instead of the configured one.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plan_command(plan_file: Path | None, as_json: bool) -> None:
    """Check and show the plan (targets per year, cost per class, budget)."""
    from helpdesk.reports.plan import load_plan

    plan = load_plan(plan_file or _plan_path())
    if as_json:
        click.echo(json.dumps({
            "name": plan.name, "years": list(plan.years),
            "targets": [{"metric": t.metric, "label": t.label_vi, "by_year": {str(y): v for y, v in t.by_year.items()},
                         "total": t.total} for t in plan.targets],
            "cost_per_class": plan.cost_per_class, "budget_total": plan.budget_total,
        }, ensure_ascii=False, indent=2))
        return
    click.echo(plan.name)
    for target in plan.targets:
        years = ", ".join(f"{y}: {v}" for y, v in sorted(target.by_year.items()))
        click.echo(f"  {target.label_vi}: {years} (= {target.total})")
    click.echo(_("Cost per class: {amount} VND; budget: {total} VND").format(
        amount=f"{plan.cost_per_class:,}", total=f"{plan.budget_total:,}"))


def _this_year() -> int:
    from datetime import date

    return date.today().year


def _show_failures() -> None:
    from helpdesk import plugins

    for failure in plugins.new_failures():
        click.echo(failure.localized(), err=True)
