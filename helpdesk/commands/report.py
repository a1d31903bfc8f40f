"""``helpdesk report sections``: the report sections plugins contribute, and running one.

The quarterly and yearly reports are built from these sections (one per plugin area:
handovers, unlocks, signings, classes…); ``report sections --run ID --period 2026Q4``
computes one section alone, which is how a plugin author checks theirs.
"""

from __future__ import annotations

import json

import click

from helpdesk.i18n import _


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


def _this_year() -> int:
    from datetime import date

    return date.today().year


def _show_failures() -> None:
    from helpdesk import plugins

    for failure in plugins.new_failures():
        click.echo(failure.localized(), err=True)
