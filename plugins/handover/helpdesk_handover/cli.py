"""``helpdesk roster import`` and ``helpdesk handover list|export|reprint|void``.

Each command works in ``command_context`` (the kiosk's wiring, no token). Reading
commands open the store read-only (they work while the kiosk runs); writing ones
(import, void) need the kiosk closed, as the store has one writer per folder.
``helpdesk subscriber search`` is the core's.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import click

from helpdesk.extension import _, command_context
from helpdesk_handover.progress import Progress


@contextmanager
def terminal_progress(label: str, message: str) -> Iterator[Progress]:
    """A :class:`Progress` that draws a bar (rows done / total, time left) when stdout is a
    terminal, and that Ctrl-C cancels: the work stops at its next step, nothing written."""
    cancel = threading.Event()
    bar: Any = None

    def report(done: int, total: int) -> None:
        nonlocal bar
        if not sys.stdout.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, show_eta=True, show_pos=True,
                                   show_percent=True)
            bar.__enter__()
        bar.length = max(total, 1)
        bar.update(done - bar.pos)

    def interrupted(_signal: int, _frame: FrameType | None) -> None:
        cancel.set()

    main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGINT, interrupted) if main else None
    try:
        yield Progress(report, cancel, message)
    finally:
        if main:
            signal.signal(signal.SIGINT, before)
        if bar is not None:
            bar.__exit__(None, None, None)


@click.group()
def roster() -> None:
    """Rosters of subscribers (thuê bao) from the units' spreadsheets."""


@roster.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; still report the bad ones.")
@click.option("--mapping", multiple=True, metavar="FIELD=HEADER",
              help="Take FIELD from the column HEADER (repeatable or comma-separated), e.g. national_id='Số CMT'.")
@click.option("--check", "check_only", is_flag=True, help="Only check the file; write nothing.")
@click.option("--operator", default=None, help="Who imports (default cli:<user>).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def import_(file: Path, skip_invalid: bool, mapping: tuple[str, ...], check_only: bool, operator: str | None,
            as_json: bool) -> None:
    """Import a roster (.xlsx or .csv); all or nothing unless --skip-invalid."""
    from helpdesk_handover.columns import parse_mapping
    from helpdesk_handover.roster import RosterRefused, import_roster, read_roster

    fields = parse_mapping(mapping)
    refused = False
    with (command_context(operator) as ctx,  # writable even for --check: a first import creates the store
          terminal_progress(_("Checking rows"), "Cancelled: nothing was imported") as progress):
        if check_only:
            report = read_roster(file, fields, ctx.store, progress=progress)
        else:
            try:
                report = import_roster(ctx.store, file, ctx.operator.id, mapping=fields, skip_invalid=skip_invalid,
                                       progress=progress)
            except RosterRefused as exc:
                report, refused = exc.report, True
    _tell(report, refused, as_json)
    if refused or (report.problems and check_only):
        raise click.exceptions.Exit(1)


def _tell(report: Any, refused: bool, as_json: bool, **more: object) -> None:
    """A file import's outcome: every bad row (stderr) and the summary, or one JSON object
    (the roster's and the paper import's common fields, plus ``more``)."""
    if as_json:
        click.echo(json.dumps({
            "source": report.source, "rows": report.total, "valid": report.valid, "encoding": report.encoding,
            "imported": report.imported, **more, "units_created": report.units_created, "refused": refused,
            "problems": [{"row": p.row, "code": p.code, "message": p.localized()} for p in report.problems],
        }, ensure_ascii=False, indent=2))
        return
    for line in report.lines():
        click.echo(line, err=True)
    click.echo(report.summary())
    if refused:
        click.echo(_("Nothing was imported: fix the rows above, or use --skip-invalid."), err=True)


@roster.command("export")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--unit", default=None, help="One unit: its name (or part of it) or id.")
def roster_export(out: Path, unit: str | None) -> None:
    """Export the roster (Mẫu 01 columns) to an .xlsx file that roster import reads back."""
    from helpdesk_handover.export import export_roster

    with (command_context(read_only=True) as ctx,
          terminal_progress(_("Writing rows"), "Cancelled: no file was written") as progress):
        count = export_roster(ctx.store, out, unit, progress)
    click.echo(_("{count} subscribers written to {path}").format(count=count, path=out))


@click.group()
def handover() -> None:
    """Handover records (biên bản bàn giao): list, export, reprint, void, import from paper."""


@handover.command("list")
@click.option("--today", "only_today", is_flag=True, help="Only today's handovers.")
@click.option("--search", "text", default=None, help="Name, ID number, token or certificate serial, record number.")
@click.option("--unit", default=None, help="Unit name (or part of it) or id.")
@click.option("--from", "since", default=None, help="First day (DD/MM/YYYY or YYYY-MM-DD).")
@click.option("--to", "until", default=None, help="Last day.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one record each.")
def list_(only_today: bool, text: str | None, unit: str | None, since: str | None, until: str | None,
          as_json: bool) -> None:
    """List handovers, newest first."""
    from helpdesk_handover.history import handovers, parse_day

    first, last = (date.today(), date.today()) if only_today else (parse_day(since), parse_day(until))
    with command_context(read_only=True) as ctx:
        entries = handovers(ctx.store, since=first, until=last, unit=unit, text=text)
    for entry in entries:
        p = entry.record.payload
        if as_json:
            click.echo(json.dumps({**entry.record.to_dict(), "voided_by": entry.voided_by}, ensure_ascii=False))
            continue
        state = _("voided") if entry.voided_by else ""
        click.echo("  ".join(filter(None, [
            f"{p['number']:<14}", f"{entry.when:<16}", p["holder"]["name"], p["device"]["serial"],
            p["holder"].get("unit", ""), _("from paper") if entry.from_paper else "", state, entry.record.id])))
    if not entries and not as_json:
        click.echo(_("No handover matches."))


@handover.command("import-paper")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; still report the bad ones.")
@click.option("--operator", default=None, help="Who transcribes (default cli:<user>).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def import_paper_(file: Path, skip_invalid: bool, operator: str | None, as_json: bool) -> None:
    """Import past paper handovers (roster columns + Ngày bàn giao + Số biên bản); all or nothing."""
    from helpdesk_handover.paper import PaperRefused, import_paper

    refused = False
    with (command_context(operator) as ctx,
          terminal_progress(_("Checking rows"), "Cancelled: nothing was imported") as progress):
        try:
            report = import_paper(ctx, file, skip_invalid=skip_invalid, progress=progress)
        except PaperRefused as exc:
            report, refused = exc.report, True
    _tell(report, refused, as_json, records=report.record_ids, subscribers_created=report.subscribers_created)
    if refused:
        raise click.exceptions.Exit(1)


@handover.command("export")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--unit", default=None, help="Unit name (or part of it) or id.")
@click.option("--from", "since", default=None, help="First day (DD/MM/YYYY or YYYY-MM-DD).")
@click.option("--to", "until", default=None, help="Last day.")
@click.option("--include-voided", is_flag=True, help="Also list voided handovers (marked).")
def export(out: Path, unit: str | None, since: str | None, until: str | None, include_voided: bool) -> None:
    """Export handovers per unit and date range to an .xlsx file."""
    from helpdesk_handover.export import export_xlsx
    from helpdesk_handover.history import handovers, parse_day

    with command_context(read_only=True) as ctx:
        entries = handovers(ctx.store, since=parse_day(since), until=parse_day(until), unit=unit,
                            include_voided=include_voided)
    with terminal_progress(_("Writing rows"), "Cancelled: no file was written") as progress:
        count = export_xlsx(entries, out, progress)
    click.echo(_("{count} handovers written to {path}").format(count=count, path=out))


@handover.command("reprint")
@click.argument("record_id")
@click.option("--copies", type=int, default=None, help="Default: the print_copies setting (2).")
@click.option("--printer", default=None, help="Default: the printer setting.")
def reprint_(record_id: str, copies: int | None, printer: str | None) -> None:
    """Print a handover record (its whole batch) again; the archived PDF is reused."""
    from helpdesk_handover.history import reprint

    with command_context(read_only=True) as ctx:
        done = reprint(ctx, record_id, copies=copies, printer=printer)
    click.echo(_("Archived: {path}").format(path=done.path))
    if done.error is not None:
        raise done.error
    assert done.job is not None
    click.echo(_("Sent to printer {printer} as job {job}").format(printer=done.job.printer, job=done.job.id))


@handover.command("void")
@click.argument("record_id")
@click.option("--reason", required=True, help="Why the handover is cancelled (kept in the record).")
@click.option("--operator", default=None, help="Who voids it (default cli:<user>).")
def void_(record_id: str, reason: str, operator: str | None) -> None:
    """Cancel a handover with a reason (a new void record; the old one stays)."""
    from helpdesk_handover.history import find_record

    if not reason.strip():
        raise click.BadParameter(_("A reason is required"), param_hint="--reason")
    with command_context(operator) as ctx:
        find_record(ctx.store, record_id)
        void = ctx.store.void(record_id, reason, ctx.operator.id)
    click.echo(_("Handover {id} voided by record {void}").format(id=record_id, void=void.id))
