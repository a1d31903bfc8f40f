"""``helpdesk audit verify|show`` — check and read the record store's audit chain.

``verify`` exits 1 naming the first bad entry on any edit, deletion, reordering or
truncation; it works while the kiosk is running (commits wait while it reads).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from helpdesk.i18n import _


def _data_dir() -> Path:
    from helpdesk.config import load_settings

    return load_settings().data_dir


@click.group()
def audit() -> None:
    """Audit log of the record store (hash chain)."""


@audit.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
@click.option("--registry", default=None, metavar="URL", is_flag=False, flag_value="",
              help="Also compare with the hashes the registry holds (default URL: registry_url).")
def verify(as_json: bool, registry: str | None) -> None:
    """Check every audit entry, record digest and the head; exit 1 on the first bad entry."""
    from helpdesk.store import verify_path

    result = verify_path(_data_dir())
    remote = None
    if registry is not None and result.ok:
        from helpdesk.sync.commands import check_registry

        remote = check_registry(registry)  # catches a rewrite of both the chain and head.json
    if as_json:
        out = result.to_json()
        if remote is not None:
            out["registry"] = remote.to_json()
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif result.problem is None:
        click.echo(_("Audit log intact: {count} entries, head {hash}").format(
            count=result.entries, hash=result.head_hash or "-"))
        if remote is not None:
            click.echo(remote.text(), err=not remote.ok)
    else:
        p = result.problem
        where = _("entry #{seq}").format(seq=p.seq) if p.seq is not None else (p.file or "")
        click.echo(_("Audit log check FAILED at {where}: {problem}").format(where=where, problem=p.localized()), err=True)
    if not result.ok or (remote is not None and not remote.ok):
        raise click.exceptions.Exit(1)


@audit.command()
@click.option("--since", default=None, help="Only entries at or after this ISO date/time (local time if no zone).")
@click.option("--limit", type=int, default=None, help="Only the last N entries.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one entry each.")
def show(since: str | None, limit: int | None, as_json: bool) -> None:
    """List audit entries, oldest first."""
    from helpdesk.store import read_audit

    entries = read_audit(_data_dir(), since)
    if limit is not None:
        entries = entries[-limit:] if limit > 0 else []
    for entry in entries:
        if as_json:
            click.echo(json.dumps(entry.to_dict(), ensure_ascii=False))
            continue
        local = datetime.fromisoformat(entry.time.replace("Z", "+00:00")).astimezone()
        ref = entry.ref or (_("{count} rows").format(count=entry.count) if entry.count != 1 else "")
        click.echo(f"#{entry.seq:<6} {local:%Y-%m-%d %H:%M:%S}  {entry.operator:<12} {entry.action:<22} {ref}")
    if not entries and not as_json:
        click.echo(_("No audit entries."))
