"""``helpdesk inventory compare``: the same comparison from a script."""

from __future__ import annotations

import json
from pathlib import Path

import click

from helpdesk.extension import _, command_context
from helpdesk_inventory.count import Comparison, save
from helpdesk_inventory.delivery import read_delivery_list


@click.group("inventory")
def inventory() -> None:
    """Token stock-taking (kiểm kê thiết bị)."""


@inventory.command("compare")
@click.option("--list", "list_file", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The CA's delivery list (.xlsx or .csv).")
@click.option("--serials", required=True, help="Serials seen in the box, comma-separated.")
@click.option("--box", default="HOP-1", help="The box's label.")
@click.option("--save", "save_it", is_flag=True, help="Save a numbered record and archive its report.")
@click.option("--operator", default=None, help="Who counts (default cli:<user>).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def compare(list_file: Path, serials: str, box: str, save_it: bool, operator: str | None, as_json: bool) -> None:
    """Compare the serials seen with the delivery list: missing and extra tokens."""
    seen = tuple(sorted({"".join(s.split()).upper() for s in serials.split(",") if s.strip()}))
    comparison = Comparison(read_delivery_list(list_file), seen)
    number = ""
    if save_it:
        with command_context(operator) as ctx:
            record, _printed = save(ctx, box, comparison, print_it=False)
            number = record.payload["number"]
    if as_json:
        click.echo(json.dumps({"box": box, "number": number, "matched": comparison.matched,
                               "missing": comparison.missing, "extra": comparison.extra}, ensure_ascii=False))
        return
    click.echo(_("{matched} as listed, {missing} missing, {extra} extra.").format(
        matched=len(comparison.matched), missing=len(comparison.missing), extra=len(comparison.extra)))
    for serial in comparison.missing:
        click.echo(_("missing: {serial} ({name})").format(serial=serial, name=comparison.expected[serial]))
    for serial in comparison.extra:
        click.echo(_("extra: {serial}").format(serial=serial))
