"""``helpdesk renewal …``: requests, CSRs on the token, certificate install, the expiry
sweep, lists for the authority and its delivery lists.

Every command works through :func:`command_context` (the kiosk's wiring) and PINs come
from :func:`read_pin` (no echo, or ``--pin-stdin``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from helpdesk.extension import (
    StoreBusy,
    _,
    command_context,
    get_language,
    pin_stdin_option,
    read_pin,
    write_file,
)
from helpdesk_renewal.model import (
    KINDS,
    REASONS,
    STATUSES,
    TYPES,
    label,
    localized,
    status_label,
)

if TYPE_CHECKING:
    from helpdesk.extension import WorkflowContext

operator_option = click.option("--operator", default=None, help="Who acts (default: cli:<login>).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True))


@contextmanager
def _context(operator: str | None) -> Iterator[WorkflowContext]:
    with command_context(operator) as ctx:
        yield ctx


@contextmanager
def _reading(operator: str | None) -> Iterator[WorkflowContext]:
    """For commands that only read: the store read-only while the kiosk holds it (the
    handover index and handover statuses are then brought up to date in memory only)."""
    with ExitStack() as stack:
        try:
            ctx = stack.enter_context(command_context(operator))
        except StoreBusy:
            ctx = stack.enter_context(command_context(operator, read_only=True))
        yield ctx


@click.group("renewal")
def renewal() -> None:
    """Certificates: requests, keys and CSRs on tokens, install, expiry sweep, lists."""


# ---- requests ------------------------------------------------------------------------

@renewal.group("request")
def request() -> None:
    """Requests for new, renewed, re-issued or revoked certificates."""


def _line(row: dict[str, Any]) -> str:
    language = get_language()
    return "  ".join((row["id"], label(TYPES, row["type"], language), status_label(row["type"], row["status"], language),
                      row["name"], row["national_id"] or row.get("tax_code") or row.get("budget_code") or "",
                      row["unit"], row.get("list_number") or ""))


@request.command("add")
@click.option("--type", "type_", type=click.Choice(list(TYPES)), required=True)
@click.option("--kind", type=click.Choice(list(KINDS)), default="person", show_default=True)
@click.option("--reason", type=click.Choice([r for r in REASONS if r]), default=None)
@click.option("--subscriber", default=None, help="Fill the form from this roster entry (subscriber id).")
@click.option("--name", default=None,
              help="The holder: a person's full name, an organisation's name or a device's, service's or software's.")
@click.option("--position", default=None)
@click.option("--unit", default=None,
              help="Unit id or name: a person's unit, a device's managing agency (default for an organisation: "
                   "its name).")
@click.option("--national-id", default=None, help="12-digit citizen ID (CCCD).")
@click.option("--email", default=None, help="Official e-mail (….gov.vn).")
@click.option("--phone", default=None)
@click.option("--birth", default=None, help="Date of birth (YYYY-MM-DD).")
@click.option("--address", default=None, help="Organisation: its address (Mẫu 02).")
@click.option("--tax-code", default=None, help="Organisation: tax code (10 digits, or 10 digits-3 digits).")
@click.option("--budget-code", default=None, help="Organisation: budget relation code (7 digits).")
@click.option("--province", default=None, help="Organisation: province or city (default: the department's).")
@click.option("--token", "token_serial", default=None, help="Token serial (số hiệu thiết bị).")
@click.option("--cert", "cert_serial", default=None, help="Current certificate serial (hex).")
@click.option("--new-info", default=None, help="Details to change (Mẫu 04).")
@click.option("--with-revoke", is_flag=True, help="Re-issue: also request revocation of the old certificate.")
@click.option("--note", default="")
@json_option
@operator_option
def request_add(type_: str, kind: str, reason: str | None, subscriber: str | None, name: str | None,
                position: str | None, unit: str | None, national_id: str | None, email: str | None,
                phone: str | None, birth: str | None, address: str | None, tax_code: str | None,
                budget_code: str | None, province: str | None, token_serial: str | None, cert_serial: str | None,
                new_info: str | None, with_revoke: bool, note: str, as_json: bool, operator: str | None) -> None:
    """File a request for a person's, an organisation's (--kind organisation: --name, --address,
    --tax-code and/or --budget-code, --email) or a device's certificate (--kind device: --name,
    --unit, --email); refused if the same holder has one open."""
    from helpdesk_renewal import requests

    if with_revoke and type_ != "reissue":
        raise click.UsageError("--with-revoke goes with --type reissue")
    with _context(operator) as ctx:
        data: dict[str, Any] = requests.from_subscriber(ctx, subscriber) if subscriber else {}
        given = {"name": name, "position": position, "national_id": national_id, "email": email, "phone": phone,
                 "date_of_birth": birth, "address": address, "tax_code": tax_code, "budget_code": budget_code,
                 "province": province, "token_serial": token_serial, "cert_serial": cert_serial,
                 "new_info": new_info}
        data.update({k: v for k, v in given.items() if v is not None})
        if unit is not None:
            found = ctx.store.units.get(unit)
            data.update({"unit_id": found.id, "unit": found.name} if found else {"unit_id": "", "unit": unit})
        default_reason = "expiring" if type_ == "renew" else ""
        rows = [requests.build(ctx, type_, kind, data, reason or default_reason, note)]
        if with_revoke:
            rows.insert(0, requests.build(ctx, "revoke", kind, data, reason or "lost", note))
        saved = requests.add(ctx, rows)
    if as_json:
        _echo_json(saved if len(saved) > 1 else saved[0])
        return
    for row in saved:
        click.echo(_("Request {id} saved ({type}, {status}).").format(
            id=row["id"], type=label(TYPES, row["type"], get_language()),
            status=status_label(row["type"], row["status"], get_language())))


@request.command("list")
@click.option("--type", "type_", type=click.Choice(list(TYPES)), default=None)
@click.option("--status", type=click.Choice(list(STATUSES)), default=None)
@click.option("--unit", default=None)
@click.option("--open", "open_only", is_flag=True, help="Only requests still in progress.")
@json_option
@operator_option
def request_list(type_: str | None, status: str | None, unit: str | None, open_only: bool, as_json: bool,
                 operator: str | None) -> None:
    """Requests, newest last."""
    from helpdesk_renewal import requests

    with _reading(operator) as ctx:
        requests.sync_handovers(ctx)
        rows = requests.find(ctx, type_=type_, status=status, unit=unit, open_only=open_only)
    if as_json:
        _echo_json({"requests": rows})
        return
    if not rows:
        click.echo(_("No requests."))
    for row in rows:
        click.echo(_line(row))


@request.command("show")
@click.argument("request_id")
@json_option
@operator_option
def request_show(request_id: str, as_json: bool, operator: str | None) -> None:
    """One request with its history."""
    from helpdesk_renewal import requests

    with _reading(operator) as ctx:
        requests.sync_handovers(ctx)
        row = requests.get(ctx, request_id)
    if as_json:
        _echo_json(row)
        return
    click.echo(_line(row))
    for step in row["history"]:
        click.echo(f"  {step['time']}  {status_label(row['type'], step['status'], get_language())}  {step['operator']}  "
                   f"{step.get('note') or ''}".rstrip())


@request.command("set-status")
@click.argument("request_id")
@click.argument("status", type=click.Choice(list(STATUSES)))
@click.option("--note", default="")
@json_option
@operator_option
def request_set_status(request_id: str, status: str, note: str, as_json: bool, operator: str | None) -> None:
    """Move a request on (draft → submitted → issued / rejected → installed → handed_over)."""
    from helpdesk_renewal import requests

    with _context(operator) as ctx:
        row = requests.set_status(ctx, request_id, status, note)
    if as_json:
        _echo_json(row)
        return
    click.echo(_line(row))


# ---- keys, CSR, install ----------------------------------------------------------------

@renewal.command("csr")
@click.argument("serial")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write: PEM, or DER if it ends in .der.")
@click.option("--request", "request_id", default=None, help="The request whose holder the certificate is for.")
@click.option("--bits", type=int, default=2048, show_default=True)
@pin_stdin_option
@operator_option
def csr(serial: str, out: Path, request_id: str | None, bits: int, pin_stdin: bool, operator: str | None) -> None:
    """Make a key pair on the token and a CSR signed by it."""
    from helpdesk_renewal import service

    pin = read_pin(_("Token PIN:"), from_stdin=pin_stdin)
    with _context(operator) as ctx:
        made, row = service.make_request_csr(ctx, serial, pin, request_id=request_id, bits=bits)
        write_file(out, made.der if out.suffix.lower() == ".der" else made.pem)
    click.echo(_("Key {key} made on token {serial}; CSR written to {path}").format(key=made.key_id, serial=serial,
                                                                                   path=out))
    if row is not None:
        click.echo(_("Request {id}: key {key}").format(id=row["id"], key=made.key_id))


@renewal.command("install")
@click.argument("serial")
@click.argument("cert", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--remove-old", is_flag=True, help="Remove the certificate the new one replaces.")
@click.option("--request", "request_id", default="", help="The request this certificate answers.")
@pin_stdin_option
@json_option
@operator_option
def install_command(serial: str, cert: Path, remove_old: bool, request_id: str, pin_stdin: bool, as_json: bool,
                    operator: str | None) -> None:
    """Put an issued certificate (PEM, DER or PKCS#7) on the token beside its key."""
    from helpdesk_renewal.install import install

    pin = read_pin(_("Token PIN:"), from_stdin=pin_stdin)
    data = cert.read_bytes()
    with _context(operator) as ctx:
        done = install(ctx, serial, pin, data, name=cert.name, remove_old=remove_old, request_id=request_id)
    if as_json:
        _echo_json({"serial": done.serial, "cert_serial": done.cert_serial, "key_id": done.key_id,
                    "label": done.label, "not_after": done.not_after, "removed": list(done.removed),
                    "request": done.request_id})
        return
    click.echo(_("Certificate {cert} installed on token {serial} beside key {key}").format(
        cert=done.cert_serial, serial=done.serial, key=done.key_id))
    for old in done.removed:
        click.echo(_("Removed the old certificate {cert}").format(cert=old))
    if done.request_id:
        click.echo(_("Request {id} is now installed").format(id=done.request_id))


# ---- sweep, lists, deliveries ------------------------------------------------------------

@renewal.command("due")
@click.option("--days", type=click.IntRange(0, 3650), default=60, show_default=True)
@click.option("--unit", default=None, help="Unit id or name.")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None)
@json_option
@operator_option
def due_command(days: int, unit: str | None, xlsx: Path | None, as_json: bool, operator: str | None) -> None:
    """Certificates expiring within DAYS days (or expired), by unit."""
    from helpdesk_renewal.due import due, due_xlsx

    with _reading(operator) as ctx:
        found = due(ctx, days, unit)
    if xlsx is not None:
        write_file(xlsx, due_xlsx(found))
    if as_json:
        _echo_json({"days": days, "unit": unit, "due": [d.to_dict() for d in found]})
        return
    if not found:
        click.echo(_("No certificate expires within {days} days.").format(days=days))
    for d in found:
        c = d.cert
        click.echo("  ".join((c.unit or c.unit_id or "-", c.name, c.cert_serial, c.not_after[:10], str(d.days_left))))


@renewal.command("export")
@click.option("--type", "type_", type=click.Choice(list(TYPES)), required=True)
@click.option("--unit", default=None, help="One unit (id or name); default: the whole department.")
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), required=True)
@operator_option
def export_command(type_: str, unit: str | None, pdf: Path, xlsx: Path, operator: str | None) -> None:
    """The list of draft requests with its covering letter; the requests become submitted."""
    from helpdesk_renewal.lists import export

    def write(pdf_bytes: bytes, xlsx_bytes: bytes) -> None:
        write_file(pdf, pdf_bytes)
        write_file(xlsx, xlsx_bytes)

    with _context(operator) as ctx:
        done = export(ctx, type_, unit, write=write)
    click.echo(_("List {number}: {count} requests, written to {pdf} and {xlsx}").format(
        number=done.record.payload["number"], count=done.count, pdf=pdf, xlsx=xlsx))


@renewal.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Apply the good rows even if some are bad.")
@json_option
@operator_option
def import_command(path: Path, skip_invalid: bool, as_json: bool, operator: str | None) -> None:
    """Import the authority's delivery list (.xlsx or .csv): all rows good, or nothing changes."""
    from helpdesk_renewal.delivery import import_delivery

    with _context(operator) as ctx:
        report = import_delivery(ctx, path, skip_invalid=skip_invalid)
    if as_json:
        _echo_json({"rows": len(report.rows),
                    "bad": [{"sheet": r.sheet, "line": r.line, "problems": [p.localized() for p in r.problems]}
                            for r in report.bad],
                    "certificates": report.applied, "requests": report.updated_requests})
    else:
        click.echo(_("{good} good rows, {bad} bad rows").format(good=len(report.good), bad=len(report.bad)))
        for row in report.bad:
            where = _("Sheet {sheet}, line {line}") if row.sheet else _("Line {line}")
            click.echo(f"{where.format(sheet=row.sheet, line=row.line)}: {localized(row.problems)}", err=True)
    if report.bad and not skip_invalid:
        click.echo(_("Nothing was imported: fix the rows above or use --skip-invalid."), err=True)
        raise SystemExit(1)
    if not as_json:
        click.echo(_("Imported {certs} certificates; {requests} requests updated").format(
            certs=report.applied, requests=report.updated_requests))
