"""``helpdesk operator add|list|disable|enable|passwd|register-cert`` — operator accounts.

Changes open the record store (each change is audited there), so they are refused
with a clear message while the kiosk itself holds the store: quit the kiosk first.
``list`` only reads and works at any time.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from helpdesk.i18n import _
from helpdesk.workflow.types import ROLES

if TYPE_CHECKING:
    from helpdesk.operators import OperatorBook
    from helpdesk.store import Store


def _by() -> str:
    """Who made a change from the command line (audit entries carry it)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def _book(write: bool) -> Iterator[tuple[OperatorBook, Store | None]]:
    from helpdesk.config import load_settings
    from helpdesk.operators import OperatorBook

    settings = load_settings()
    book = OperatorBook(settings.data_dir)
    if not write:
        yield book, None
        return
    from helpdesk.store import open_store

    store = open_store(settings.data_dir, settings.kiosk_id)
    try:
        yield book, store
    finally:
        store.close()


def _ask_password() -> str:
    value: str = click.prompt(
        _("Password"), hide_input=True, confirmation_prompt=_("Repeat the password"), err=True
    )
    return value


@click.group()
def operator() -> None:
    """Operator accounts (roles: operator, trainer, admin)."""


@operator.command("add")
@click.argument("operator_id")
@click.option("--name", "full_name", required=True, help="Full name (Vietnamese, with diacritics).")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option("--cert", "fingerprints", multiple=True,
              help="SHA-256 fingerprint of a certificate on the operator's own token (token log-in).")
@click.option("--no-password", is_flag=True, help="Token log-in only (needs --cert).")
def add(operator_id: str, full_name: str, role: str, fingerprints: tuple[str, ...], no_password: bool) -> None:
    """Create an account; asks for the password twice (hidden)."""
    from helpdesk.secret import Secret

    password = None if no_password else Secret(_ask_password())
    with _book(write=True) as (book, store):
        assert store is not None
        created = book.add(store, operator_id, full_name, role, by=_by(), password=password,
                           cert_fingerprints=fingerprints)
    click.echo(_("Operator {id} ({name}, {role}) created.").format(
        id=created.id, name=created.full_name, role=_role(created.role)))


@operator.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """List accounts, their roles and how they log in."""
    with _book(write=False) as (book, _store):
        operators = book.all()
    if as_json:
        click.echo(json.dumps([o.to_json() for o in operators], ensure_ascii=False, indent=2))
        return
    if not operators:
        click.echo(_("No operator accounts yet. Create one: helpdesk operator add NAME --name '…' --role admin"))
        return
    for o in operators:
        ways = ([_("password")] if o.has_password else []) + (
            [_("token ({n} certificates)").format(n=len(o.cert_fingerprints))] if o.cert_fingerprints else [])
        state = _("active") if o.active else _("disabled")
        click.echo(f"{o.id:<16} {o.full_name:<28} {_role(o.role):<14} {state:<10} {', '.join(ways)}")


@operator.command("disable")
@click.argument("operator_id")
def disable(operator_id: str) -> None:
    """Refuse further log-ins for an account (its records stay)."""
    with _book(write=True) as (book, store):
        assert store is not None
        book.disable(store, operator_id, by=_by())
    click.echo(_("Operator {id} disabled.").format(id=operator_id))


@operator.command("enable")
@click.argument("operator_id")
def enable(operator_id: str) -> None:
    """Allow a disabled account to log in again."""
    with _book(write=True) as (book, store):
        assert store is not None
        book.enable(store, operator_id, by=_by())
    click.echo(_("Operator {id} enabled.").format(id=operator_id))


@operator.command("passwd")
@click.argument("operator_id")
def passwd(operator_id: str) -> None:
    """Set a new password (asked twice, hidden)."""
    from helpdesk.secret import Secret

    password = Secret(_ask_password())
    with _book(write=True) as (book, store):
        assert store is not None
        book.set_password(store, operator_id, password, by=_by())
    click.echo(_("Password of {id} changed.").format(id=operator_id))


@operator.command("register-cert")
@click.argument("operator_id")
@click.argument("fingerprint", required=False)
def register_cert(operator_id: str, fingerprint: str | None) -> None:
    """Register a token certificate for log-in; without FINGERPRINT, the one certificate
    on the single token in the reader is used."""
    fp = fingerprint or _fingerprint_from_reader()
    with _book(write=True) as (book, store):
        assert store is not None
        book.register_certificate(store, operator_id, fp, by=_by())
    click.echo(_("Certificate {fp} registered for {id}.").format(fp=fp, id=operator_id))


def _fingerprint_from_reader() -> str:
    from helpdesk.config import load_settings
    from helpdesk.kiosk import make_token_worker
    from helpdesk.operators import AccountError

    worker = make_token_worker(load_settings())
    try:
        tokens = worker.list_tokens().result(timeout=60).tokens
    finally:
        worker.stop()
    certs = [c for t in tokens for c in t.certificates if not c.error]
    if len(certs) != 1:
        raise AccountError("Found {n} certificates in the readers; give the FINGERPRINT to register", n=len(certs))
    return certs[0].fingerprint_sha256


def _role(role: str) -> str:
    return {"operator": _("operator"), "trainer": _("trainer"), "admin": _("admin")}.get(role, role)
