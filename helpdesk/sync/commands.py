"""``helpdesk kiosk id`` and ``helpdesk sync now|status``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from helpdesk.i18n import _

if TYPE_CHECKING:
    from helpdesk.sync.verify import RegistryCheck


@click.group()
def kiosk() -> None:
    """This kiosk's identity for the registry."""


@kiosk.command("id")
@click.option("--json", "as_json", is_flag=True)
def kiosk_id(as_json: bool) -> None:
    """Print the kiosk id and its Ed25519 public key (made at first use) for enrolment."""
    from helpdesk.config import load_settings
    from helpdesk.sync.identity import kiosk_identity

    ident = kiosk_identity(load_settings())
    if as_json:
        click.echo(json.dumps({"kiosk_id": ident.kiosk_id, "public_key": ident.public_key}))
    else:
        click.echo(f"{ident.kiosk_id} {ident.public_key}")


@click.group()
def sync() -> None:
    """Send records to the Home Affairs registry."""


@sync.command()
@click.option("--json", "as_json", is_flag=True)
def status(as_json: bool) -> None:
    """Pending records, last success and last error."""
    from helpdesk.config import load_settings
    from helpdesk.store import NotFound, open_store
    from helpdesk.sync.status import status as get_status
    from helpdesk.sync.status import status_line

    settings = load_settings()
    try:
        store = open_store(settings.data_dir, settings.kiosk_id, read_only=True)
    except NotFound:
        store = None
    try:
        if as_json:
            click.echo(json.dumps(get_status(settings, store), ensure_ascii=False, indent=2))
        else:
            click.echo(status_line(settings, store))
    finally:
        if store is not None:
            store.close()


@sync.command("now")
@click.option("--json", "as_json", is_flag=True)
def now(as_json: bool) -> None:
    """Push every pending record now (when the kiosk is not running; it syncs by itself)."""
    from helpdesk.config import load_settings
    from helpdesk.errors import HelpdeskError
    from helpdesk.store import StoreBusy, open_store
    from helpdesk.sync.client import RegistryClient
    from helpdesk.sync.errors import NotConfigured
    from helpdesk.sync.identity import kiosk_identity
    from helpdesk.sync.pusher import Pusher
    from helpdesk.sync.relay import record_outcome, state_path
    from helpdesk.sync.settings import sync_settings
    from helpdesk.sync.state import load_state

    settings = load_settings()
    config = sync_settings(settings)
    if not config.configured:
        raise NotConfigured("No registry_url in the settings: sync is not set up")
    try:
        store = open_store(settings.data_dir, settings.kiosk_id)
    except StoreBusy as exc:
        raise StoreBusy("The kiosk is running and syncs by itself (the record store is in use)") from exc
    path = state_path(settings)
    with store, RegistryClient(config.registry_url, ca=config.registry_ca) as client:
        when = store.now()
        try:
            result = Pusher(store, kiosk_identity(settings), client, config.batch_size).push()
        except HelpdeskError as exc:
            record_outcome(path, load_state(path), store, when, error=exc)
            raise
        state = record_outcome(path, load_state(path), store, when, result=result)
    if as_json:
        click.echo(json.dumps({"sent": result.sent, "batches": result.batches, "rejected": result.rejected,
                               "pending": state.pending, "registry_head": result.head}, ensure_ascii=False))
    else:
        click.echo(_("Sent {sent} records in {batches} batches; {pending} pending.").format(
            sent=result.sent, batches=result.batches, pending=state.pending))
        for bad in result.rejected:
            click.echo(_("Refused by the registry: {id} ({reason})").format(**bad), err=True)
    if result.rejected:
        raise click.exceptions.Exit(1)


sync.add_command(now, "push")



def check_registry(url: str) -> RegistryCheck:
    """For ``audit verify --registry [URL]``: the local chain against the registry's copy."""
    from helpdesk.config import load_settings
    from helpdesk.sync.client import RegistryClient
    from helpdesk.sync.errors import NotConfigured
    from helpdesk.sync.settings import sync_settings
    from helpdesk.sync.verify import verify_against_registry

    settings = load_settings()
    config = sync_settings(settings)
    url = url or config.registry_url
    if not url:
        raise NotConfigured("No registry URL: give --registry URL or set registry_url")
    with RegistryClient(url, ca=config.registry_ca) as client:
        return verify_against_registry(settings.data_dir, settings.kiosk_id, client)


@sync.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(directory: Path) -> None:
    """Write every pending record as a signed bundle in DIRECTORY (e.g. a USB stick)."""
    from helpdesk.config import load_settings
    from helpdesk.store import open_store
    from helpdesk.sync.bundle import export_bundle
    from helpdesk.sync.identity import kiosk_identity
    from helpdesk.sync.relay import state_path
    from helpdesk.sync.state import load_state

    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        path, count = export_bundle(store, kiosk_identity(settings), directory,
                                    load_state(state_path(settings)).registry_head)
    click.echo(_("Wrote {count} records to {path}").format(count=count, path=path))


@sync.command("receipt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def receipt(file: Path) -> None:
    """Mark the records a registry receipt acknowledges as synced."""
    from helpdesk.config import load_settings
    from helpdesk.store import StoreBusy, open_store
    from helpdesk.sync.bundle import apply_receipt, read_receipt
    from helpdesk.sync.errors import NotConfigured
    from helpdesk.sync.settings import sync_settings

    settings = load_settings()
    config = sync_settings(settings)
    if not config.registry_public_key:
        raise NotConfigured("Set [sync] registry_public_key (as 'helpdesk registry id' prints it) to accept receipts")
    doc = read_receipt(file, config.registry_public_key, settings.kiosk_id)
    try:
        store = open_store(settings.data_dir, settings.kiosk_id)
    except StoreBusy as exc:
        raise StoreBusy("Close the kiosk first: the record store is in use") from exc
    with store:
        marked = apply_receipt(store, doc)
        left = store.outbox.count()
    click.echo(_("{marked} records marked synced; {pending} pending.").format(marked=marked, pending=left))
