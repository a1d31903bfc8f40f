"""``helpdesk subscriber search TEXT`` — find subscribers (thuê bao) by name, ID number or token."""

from __future__ import annotations

import json

import click

from helpdesk.i18n import _


@click.group()
def subscriber() -> None:
    """Subscribers (thuê bao) in the record store."""


@subscriber.command()
@click.argument("text")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one subscriber each.")
def search(text: str, limit: int, as_json: bool) -> None:
    """Search by name (diacritics and case ignored), national ID number or token serial."""
    from helpdesk.config import load_settings
    from helpdesk.store import NotFound, open_store

    settings = load_settings()
    try:
        store = open_store(settings.data_dir, settings.kiosk_id, read_only=True)
    except NotFound:
        found = []
    else:
        with store:
            found = store.subscribers.search(text, limit)
            units = {s.unit_id: store.units.get(s.unit_id) for s in found if s.unit_id}
    for sub in found:
        if as_json:
            click.echo(json.dumps(sub.to_dict(), ensure_ascii=False))
            continue
        unit = units.get(sub.unit_id) if sub.unit_id else None
        click.echo("  ".join(filter(None, [
            sub.full_name, sub.national_id or "-", sub.token_serial or "-", unit.name if unit else "",
        ])))
    if not found and not as_json:
        click.echo(_("No subscriber matches {text!r}.").format(text=text))
        raise click.exceptions.Exit(3)
