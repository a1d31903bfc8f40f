"""``helpdesk registry serve|enroll|revoke|kiosks|flags|import`` (run on the registry host)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from helpdesk.i18n import _

db_option = click.option("--db", "db_url", default=None, metavar="URL",
                         help="SQLAlchemy URL (default: $HELPDESK_REGISTRY_DB or a SQLite file in "
                              "$HELPDESK_HOME/registry); PostgreSQL: postgresql+psycopg://user@host/db")


#: sub-commands that live elsewhere, imported on first use ("name": "module:attribute"); lazy,
#: so that ``helpdesk.registry.dashboard.cli`` may import ``db_option`` from here without a cycle
LAZY_COMMANDS = {"staff": "helpdesk.registry.dashboard.cli:staff"}


class _RegistryGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            import importlib

            module, _sep, attr = LAZY_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_RegistryGroup)
def registry() -> None:
    """The Home Affairs registry service and its administration."""


@registry.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8470, show_default=True, help="0 = any free port (printed).")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def serve(db_url: str | None, host: str, port: int, tls_cert: Path | None, tls_key: Path | None) -> None:
    """Serve the registry API (OpenAPI at /openapi.json) until Ctrl-C."""
    from helpdesk.registry.server import serve as run

    run(db_url, host, port, tls_cert, tls_key)


@registry.command()
@db_option
@click.argument("kiosk_id")
@click.argument("public_key")
@click.option("--unit", default=None, help="The unit (đơn vị) the kiosk serves.")
def enroll(db_url: str | None, kiosk_id: str, public_key: str, unit: str | None) -> None:
    """Accept batches signed by PUBLIC_KEY (as 'helpdesk kiosk id' prints it) for KIOSK_ID."""
    from helpdesk.registry.db import open_db
    from helpdesk.registry.kiosks import enroll as do_enroll

    kiosk = do_enroll(open_db(db_url), kiosk_id, public_key, unit)
    click.echo(_("Kiosk {kiosk} enrolled (audit head #{seq}).").format(kiosk=kiosk.id, seq=kiosk.head_seq))


@registry.command()
@db_option
@click.argument("kiosk_id")
def revoke(db_url: str | None, kiosk_id: str) -> None:
    """Refuse every further batch from KIOSK_ID (its records already received stay)."""
    from helpdesk.registry.db import open_db
    from helpdesk.registry.kiosks import revoke as do_revoke

    do_revoke(open_db(db_url), kiosk_id)
    click.echo(_("Kiosk {kiosk} revoked.").format(kiosk=kiosk_id))


@registry.command()
@db_option
@click.option("--json", "as_json", is_flag=True)
def kiosks(db_url: str | None, as_json: bool) -> None:
    """Enrolled kiosks with their audit heads and the records each still held unsent when it last reported."""
    from helpdesk.registry.db import open_db
    from helpdesk.registry.kiosks import list_kiosks

    found = list_kiosks(open_db(db_url))
    if as_json:
        click.echo(json.dumps({"kiosks": [k.to_json() for k in found]}, ensure_ascii=False, indent=2))
        return
    for k in found:
        state = _("revoked") if k.revoked_at else _("enrolled")
        pending = "-" if k.reported_at is None else _("{n} pending at {time}").format(
            n=k.reported_pending, time=f"{k.reported_at[:16].replace('T', ' ')} UTC")
        click.echo(f"{k.id:<24} {state:<10} #{k.head_seq:<8} {pending:<32} {k.unit or '-'}")


@registry.command()
@db_option
@click.option("--kiosk", default=None)
@click.option("--json", "as_json", is_flag=True)
def flags(db_url: str | None, kiosk: str | None, as_json: bool) -> None:
    """Audit gaps, forks and conflicting records; exit 1 when there is any."""
    from helpdesk.registry.db import open_db
    from helpdesk.registry.queries import list_flags

    found = list_flags(open_db(db_url), kiosk)
    if as_json:
        click.echo(json.dumps({"flags": found}, ensure_ascii=False, indent=2))
    else:
        for f in found:
            click.echo(f"{f['created_at']}  {f['kiosk_id']:<20} {f['kind']:<8} #{f['seq']}  {f['detail']}")
        if not found:
            click.echo(_("No flags."))
    if found:
        raise click.exceptions.Exit(1)


@registry.command("id")
def registry_id() -> None:
    """Print the registry's public key (kiosks set it as [sync] registry_public_key)."""
    from helpdesk.registry.identity import registry_key
    from helpdesk.sync.protocol import encode_public_key

    click.echo(encode_public_key(registry_key().public_key()))


@registry.command("import")
@db_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--receipt", "receipt_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the signed receipt (default: FILE.receipt.json).")
def import_(db_url: str | None, file: Path, receipt_path: Path | None) -> None:
    """Ingest an offline bundle (same checks as HTTP) and write a signed receipt."""
    from helpdesk.registry.bundles import import_bundle
    from helpdesk.registry.db import open_db
    from helpdesk.registry.identity import registry_key

    out = receipt_path or file.with_name(file.name + ".receipt.json")
    result = import_bundle(open_db(db_url), file, registry_key(), out)
    dup = len(result.acks) - result.stored
    click.echo(_("Imported {stored} new records ({dup} already held, {bad} refused); receipt: {path}").format(
        stored=result.stored, dup=dup, bad=len(result.rejected), path=out))
    if result.rejected:
        raise click.exceptions.Exit(1)

