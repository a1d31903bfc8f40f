"""``helpdesk training class|roster|checkin|sheet|stats``.

Every command works through :func:`command_context` — the same context, tables, token
worker and forms as the kiosk screen — so ``training checkin`` runs exactly the screen's
check-in path. Writing commands need the kiosk closed (one writer per data folder).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from helpdesk.extension import _, command_context, pin_stdin_option, read_pin

operator_option = click.option("--operator", default=None, help="Who acts (default cli:<user>).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("training")
def training() -> None:
    """Training classes (tập huấn): classes, rosters, check-in, sheets, figures."""


# ---- classes ---------------------------------------------------------------------------
@training.group("class")
def class_() -> None:
    """Training classes."""


@class_.command("add")
@click.argument("code")
@click.option("--title", required=True, help="What the class teaches.")
@click.option("--session", "sessions", multiple=True, required=True, metavar="DATE[:PART]",
              help="A session: 2018-05-10 or 10/05/2018, optionally :sáng / :chiều (repeatable).")
@click.option("--venue", default="", help="Where it is held.")
@click.option("--trainer", "trainers", multiple=True, help="A trainer's name (repeatable).")
@click.option("--capacity", default=30, show_default=True, type=click.IntRange(1, 500), help="Places.")
@click.option("--unit", "units", multiple=True, metavar="UNIT_ID", help="A unit invited (repeatable).")
@operator_option
@json_option
def class_add(code: str, title: str, sessions: tuple[str, ...], venue: str, trainers: tuple[str, ...],
              capacity: int, units: tuple[str, ...], operator: str | None, as_json: bool) -> None:
    """Create a class."""
    from dataclasses import replace
    from unicodedata import normalize

    from helpdesk_training.model import Session, TrainingBook, TrainingClass, check_code

    cls = TrainingClass(code=check_code(code), title=normalize("NFC", title.strip()),
                        sessions=tuple(Session.parse(i, s) for i, s in enumerate(sessions, 1)),
                        venue=normalize("NFC", venue.strip()),
                        trainers=tuple(normalize("NFC", t.strip()) for t in trainers if t.strip()),
                        capacity=capacity, units=units)
    with command_context(operator) as ctx:
        cls = TrainingBook(ctx).add_class(replace(cls, created_by=ctx.operator.id))
    if as_json:
        _dump(cls.to_row())
    else:
        click.echo(_("Class {code} created: {title}, {sessions} sessions, {capacity} places").format(
            code=cls.code, title=cls.title, sessions=len(cls.sessions), capacity=cls.capacity))


@class_.command("list")
@click.option("--year", type=int, default=None, help="Only classes of this year.")
@json_option
def class_list(year: int | None, as_json: bool) -> None:
    """Classes, with roster size and check-ins."""
    from helpdesk_training.model import TrainingBook

    with command_context(read_only=True) as ctx:
        book = TrainingBook(ctx)
        rows = [{**c.to_row(), "roster": len(book.roster_of(c.code)), "checkins": len(book.attendance_of(c.code))}
                for c in book.list_classes(year)]
    if as_json:
        _dump({"classes": rows})
        return
    for r in rows:
        click.echo(f"{r['code']}\t{r['sessions'][0]['day']}\t{r['roster']}/{r['capacity']}\t"
                   f"{r['checkins']}\t{r['title']}")


@class_.command("show")
@click.argument("code")
@json_option
def class_show(code: str, as_json: bool) -> None:
    """One class: sessions, roster, and who checked in when."""
    from helpdesk_training.model import TrainingBook

    with command_context(read_only=True) as ctx:
        book = TrainingBook(ctx)
        cls = book.get_class(code)
        roster = book.roster_of(cls.code)
        attendance = book.attendance_of(cls.code)
    if as_json:
        _dump({"class": cls.to_row(), "roster": [t.to_row(cls.code) for t in roster],
               "attendance": [a.to_row() for a in attendance]})
        return
    click.echo(f"{cls.code}: {cls.title}")
    click.echo(_("Sessions: {sessions}").format(sessions="; ".join(s.label() for s in cls.sessions)))
    click.echo(_("Venue: {venue} · Trainers: {trainers} · Capacity: {capacity}").format(
        venue=cls.venue or "—", trainers=", ".join(cls.trainers) or "—", capacity=cls.capacity))
    click.echo(_("Roster ({count}):").format(count=len(roster)))
    for t in roster:
        flag = " *" if t.walk_in else ""
        click.echo(f"  {t.full_name}\t{t.national_id}\t{t.unit}{flag}")
    click.echo(_("Check-ins ({count}):").format(count=len(attendance)))
    for a in attendance:
        click.echo(f"  B{a.session}\t{a.time_text()}\t{a.full_name}\t{a.method}")


# ---- rosters ---------------------------------------------------------------------------
@training.group("roster")
def roster() -> None:
    """Class rosters."""


def _roster_report(change: Any, as_json: bool) -> None:
    if as_json:
        _dump({"class": change.code, "added": len(change.added), "updated": len(change.updated),
               "matched": change.matched, "size": change.size, "capacity": change.capacity,
               "warnings": change.warnings()})
        return
    click.echo(change.summary())
    for warning in change.warnings():
        click.echo(_("Warning: {text}").format(text=warning), err=True)


@roster.command("import")
@click.argument("code")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@operator_option
@json_option
def roster_import(code: str, file: Path, operator: str | None, as_json: bool) -> None:
    """Add the trainees of an .xlsx/.csv file (Mẫu 01 columns) to a class; all rows or none."""
    from helpdesk_training.model import TrainingBook
    from helpdesk_training.roster import RosterRefused, import_file

    try:
        with command_context(operator) as ctx:
            change = import_file(TrainingBook(ctx), code, file)
    except RosterRefused as refused:
        for line in refused.report.lines():
            click.echo(line, err=True)
        raise
    _roster_report(change, as_json)


@roster.command("pick")
@click.argument("code")
@click.option("--unit", "units", multiple=True, required=True, metavar="UNIT_ID", help="A unit (repeatable).")
@operator_option
@json_option
def roster_pick(code: str, units: tuple[str, ...], operator: str | None, as_json: bool) -> None:
    """Add every subscriber (person) of the given units to a class."""
    from helpdesk_training.model import TrainingBook
    from helpdesk_training.roster import add_units

    with command_context(operator) as ctx:
        change = add_units(TrainingBook(ctx), code, units)
    _roster_report(change, as_json)


# ---- check-in ---------------------------------------------------------------------------
@training.command("checkin")
@click.argument("code")
@click.option("--serial", required=True, help="The serial of the trainee's token (it must be in a reader).")
@click.option("--session", default=None, help="Session number (default: today's, else the next).")
@click.option("--pin-proof", is_flag=True, help="The trainee proves their PIN (typed, or --pin-stdin).")
@click.option("--confirm-final-try", is_flag=True, help="Allow the PIN's last try (it locks the token if wrong).")
@pin_stdin_option
@operator_option
@json_option
def checkin(code: str, serial: str, session: str | None, pin_proof: bool, confirm_final_try: bool, pin_stdin: bool,
            operator: str | None, as_json: bool) -> None:
    """Check a trainee in by token, through the kiosk screen's own check-in path."""
    from helpdesk_training.checkin import TOKEN_WAIT, CheckInDesk
    from helpdesk_training.model import TrainingBook

    with command_context(operator) as ctx:
        desk = CheckInDesk(TrainingBook(ctx), code, session)
        token = ctx.worker.identify(serial.strip()).result(timeout=TOKEN_WAIT)
        pin = read_pin(_("Trainee's PIN:"), from_stdin=pin_stdin) if pin_proof else None
        try:
            outcome = desk.check_in_token(token, pin, final_try_confirmed=confirm_final_try)
        finally:
            if pin is not None:
                pin.wipe()
    if as_json:
        _dump({"class": desk.code, "session": desk.session.id, "already": outcome.already,
               "present": outcome.present, "capacity": outcome.capacity, "entry": outcome.entry.to_row(),
               "warnings": outcome.warnings()})
        return
    click.echo(outcome.headline())
    for warning in outcome.warnings():
        click.echo(_("Warning: {text}").format(text=warning), err=True)


# ---- sheets -----------------------------------------------------------------------------
@training.command("sheet")
@click.argument("code")
@click.option("--kind", type=click.Choice(["blank", "attendance"]), required=True,
              help="blank: the sign-in sheet before the class; attendance: who came, with times.")
@click.option("--pdf", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Write the PDF here.")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the lines as .xlsx.")
@click.option("--session", default=None, help="Only this session (default: every session).")
@operator_option
def sheet(code: str, kind: str, pdf_path: Path, xlsx_path: Path | None, session: str | None,
          operator: str | None) -> None:
    """A numbered sign-in sheet or attendance list (Decree-30 PDF, and .xlsx)."""
    from helpdesk_training.sheets import issue_sheet, write_xlsx

    with command_context(operator) as ctx:
        issued = issue_sheet(ctx, code, "blank" if kind == "blank" else "attendance", session)
        ctx.archive(issued.pdf, kind=issued.archive_kind, key=issued.record.id)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.write_bytes(issued.pdf)
    if xlsx_path is not None:
        write_xlsx(issued.record, xlsx_path)
    click.echo(_("Sheet {number}: {count} lines, PDF {pdf}").format(number=issued.number, count=issued.count,
                                                                    pdf=pdf_path))


# ---- figures ----------------------------------------------------------------------------
@training.command("stats")
@click.option("--year", type=int, default=None, help="Only this year.")
@json_option
def stats(year: int | None, as_json: bool) -> None:
    """Classes held against the plan (14/36/44), trainees, attendance rate, cost."""
    from helpdesk_training.costs import load_budget, vnd
    from helpdesk_training.model import TrainingBook
    from helpdesk_training.stats import yearly

    budget = load_budget()
    with command_context(read_only=True) as ctx:
        rows, total = yearly(TrainingBook(ctx), budget, year)
    if as_json:
        _dump({"years": [r.to_json() for r in rows], "total": total.to_json(),
               "budget": {"source": budget.source, "class_size": budget.class_size,
                          "cost_per_class": budget.cost_per_class(), "plan_classes": budget.planned_classes,
                          "plan_cost": budget.plan_cost(),
                          "items": [{"id": i.id, "label": i.label_vi, "unit_price": i.unit_price,
                                     "quantity": i.quantity_for(budget.class_size),
                                     "amount": i.amount(budget.class_size)} for i in budget.items]}})
        return
    click.echo(_("Year\tPlan\tHeld\tTrainees\tAttendance\tCost of classes held"))
    for f in [*rows, total]:
        label = str(f.year) if f.year is not None else _("Total")
        plan = "—" if f.plan is None else str(f.plan)
        click.echo(f"{label}\t{plan}\t{f.held}\t{f.trainees}\t{f.attendance_rate:.1f}%\t{vnd(f.cost_held)}")
    click.echo(_("Cost per class of {size}: {cost} VND; plan: {classes} classes, {total} VND").format(
        size=budget.class_size, cost=vnd(budget.cost_per_class()), classes=budget.planned_classes,
        total=vnd(budget.plan_cost())))
