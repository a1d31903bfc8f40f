"""``helpdesk token list|info|watch`` — what tokens are present, read without a PIN."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click

from helpdesk.errors import TokenNotFound
from helpdesk.i18n import _
from helpdesk.tokens.model import TokenInfo
from helpdesk.tokens.pkcs11 import TokenListing


def _listing() -> TokenListing:
    from helpdesk.config import load_settings
    from helpdesk.kiosk import make_token_worker

    worker = make_token_worker(load_settings())
    try:
        return worker.list_tokens().result(timeout=60)
    finally:
        worker.stop()


def _pin_state(token: TokenInfo) -> str:
    labels = {"ok": _("OK"), "count_low": _("few tries left"), "final_try": _("final try"), "locked": _("locked")}
    return labels[token.flags.user_pin_state]


def _describe(token: TokenInfo) -> list[str]:
    now = datetime.now(timezone.utc)
    lines = [
        f"{_('Serial')}: {token.serial}   {_('Label')}: {token.label}   {_('Model')}: {token.manufacturer} {token.model}",
        f"  {_('Reader')}: {token.reader or _('unknown')}   {_('Library')}: {token.module}"
        f"   PIN: {_pin_state(token)}"
        + ("   " + _("PIN pad") if token.flags.protected_authentication_path else ""),
    ]
    if not token.certificates:
        lines.append("  " + _("No certificate on this token."))
    for cert in token.certificates:
        if cert.error:
            lines.append("  ! " + _("Unreadable certificate object {label}: {error}").format(label=cert.label, error=cert.error))
            continue
        days = cert.days_left(now)
        validity = (_("expired") if days < 0 else _("{days} days left").format(days=days)) if cert.not_before <= now else _("not yet valid")
        key = {True: _("private key present"), False: _("NO private key"), None: _("private key hidden until PIN log-in")}[cert.has_private_key]
        lines.append(f"  {cert.subject.common_name} — {cert.subject.get('O')}")
        lines.append(f"    {_('Certificate serial')}: {cert.serial}   {_('valid until')} {cert.not_after:%d/%m/%Y} ({validity}); {key}")
    return lines


def print_token_list(as_json: bool) -> int:
    listing = _listing()
    if as_json:
        out = {
            "tokens": [t.to_json() for t in listing.tokens],
            "problems": [
                {"module": p.module, "path": p.path, "message": p.message, "hint": p.hint, "required": p.required}
                for p in listing.problems
            ],
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        for problem in listing.problems:
            click.echo(f"! {problem.module}: {problem.message}", err=True)
        return 2 if any(p.required for p in listing.problems) else 0
    if not listing.tokens:
        click.echo(_("No token found."))
    for token in listing.tokens:
        click.echo("\n".join(_describe(token)))
    for problem in listing.problems:
        click.echo(f"! {problem.module}: {problem.message}", err=True)
    # A library the site asked for that cannot load is an error; a missing built-in is not.
    return 2 if any(p.required for p in listing.problems) else 0


@click.group()
def token() -> None:
    """Tokens present now (read without a PIN)."""


@token.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> None:
    """List every token the configured PKCS#11 libraries see."""
    sys.exit(print_token_list(as_json))


@token.command("info")
@click.argument("serial")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info_command(serial: str, as_json: bool) -> None:
    """Show one token by its serial number."""
    listing = _listing()
    found = [t for t in listing.tokens if t.serial.lower() == serial.strip().lower()]
    if not found:
        raise TokenNotFound("No token with serial {serial} is present.", serial=serial)
    if as_json:
        click.echo(json.dumps(found[0].to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_describe(found[0])))


def _add_watch() -> None:
    try:
        from helpdesk.commands.watch import watch
    except ImportError:
        return
    token.add_command(watch, "watch")


_add_watch()
