"""``helpdesk registry staff add|list|disable``: the dashboard's staff accounts."""

from __future__ import annotations

import json

import click

from helpdesk.i18n import _
from helpdesk.registry.cli import db_option


@click.group()
def staff() -> None:
    """Home Affairs staff who may log in to the dashboard."""


@staff.command("add")
@db_option
@click.argument("name")
@click.option("--display-name", default="", help="The name shown on the page.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
def add(db_url: str | None, name: str, display_name: str, password_stdin: bool) -> None:
    """Create an account (or set a new password); asks for the password twice."""
    import sys

    from helpdesk.registry.dashboard.accounts import add_staff
    from helpdesk.registry.db import open_db
    from helpdesk.secret import Secret

    if password_stdin:
        password = Secret(sys.stdin.readline().rstrip("\r\n"))
    else:
        password = Secret(click.prompt(_("Password"), hide_input=True, confirmation_prompt=True))
    engine = open_db(db_url)
    add_staff(engine, name, password, display_name)
    click.echo(_("Staff account {name} saved.").format(name=name.strip().lower()))


@staff.command("disable")
@db_option
@click.argument("name")
def disable(db_url: str | None, name: str) -> None:
    """Refuse further log-ins of NAME and end its sessions."""
    from helpdesk.registry.dashboard.accounts import disable_staff
    from helpdesk.registry.db import open_db

    engine = open_db(db_url)
    disable_staff(engine, name)
    click.echo(_("Staff account {name} disabled.").format(name=name))


@staff.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True)
def list_command(db_url: str | None, as_json: bool) -> None:
    """Staff accounts (never their password hashes)."""
    from helpdesk.registry.dashboard.accounts import list_staff
    from helpdesk.registry.db import open_db

    engine = open_db(db_url)
    found = list_staff(engine)
    if as_json:
        click.echo(json.dumps({"staff": found}, ensure_ascii=False, indent=2))
        return
    for row in found:
        state = _("disabled") if row["disabled_at"] else _("enabled")
        click.echo(f"{row['name']:<20} {state:<10} {row['display_name']}")
