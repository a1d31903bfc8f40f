"""``helpdesk unlock-requests list|export`` — the Mẫu 06 lists for the issuer, per unit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from helpdesk.extension import HelpdeskError, NotFound, command_context, gettext, write_file


@click.group("unlock-requests")
def unlock_requests() -> None:
    """Tokens waiting to go back to the issuer for unlocking (Mẫu 06)."""


@unlock_requests.command("list")
def list_requests() -> None:
    """Open requests, by unit."""
    from helpdesk_pin_unlock.requests import NO_UNIT, open_requests

    try:
        with command_context(read_only=True) as ctx:
            found = open_requests(ctx.store)
            units = {r.unit_id: ctx.store.units.get(r.unit_id) for r in found if r.unit_id != NO_UNIT}
    except NotFound:  # no record store yet: nothing was ever requested
        found, units = [], {}
    if not found:
        click.echo(gettext("No open unlock requests."))
        return
    names = {uid: unit.name for uid, unit in units.items() if unit is not None}
    for r in found:
        unit = names.get(r.unit_id) or gettext("(no unit)")
        click.echo("  ".join((r.unit_id, unit, r.token_serial, r.cert_name, r.time[:10])))


@unlock_requests.command("export")
@click.option("--unit", "unit_id", required=True, help="Unit id ('-' for tokens without a subscriber record).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: mau06-<unit>-<date>.<format> here).")
def export(unit_id: str, fmt: str, output: Path | None) -> None:
    """Write the unit's unlock request list (Mẫu 06) as PDF or xlsx."""
    from helpdesk_pin_unlock.requests import (
        NO_UNIT,
        open_requests,
        request_list_pdf,
        request_list_xlsx,
    )
    from helpdesk_pin_unlock.rules import unlock_settings

    with command_context(read_only=True) as ctx:
        unit = ctx.store.units.get(unit_id) if unit_id != NO_UNIT else None
        if unit_id != NO_UNIT and unit is None:
            raise HelpdeskError("No unit with id {unit}.", unit=unit_id)
        found = open_requests(ctx.store, unit_id)
        settings = ctx.settings
    if not found:
        raise HelpdeskError("No open unlock requests for unit {unit}.", unit=unit_id)
    today = date.today()
    make = request_list_pdf if fmt == "pdf" else request_list_xlsx
    data = make(settings.organisation, unlock_settings(settings), unit.name if unit else "", found, today)
    target = output or Path.cwd() / f"mau06-{unit_id if unit_id != NO_UNIT else 'khong-don-vi'}-{today:%Y%m%d}.{fmt}"
    write_file(target, data)
    click.echo(gettext("{count} requests written to {path}").format(count=len(found), path=target))


