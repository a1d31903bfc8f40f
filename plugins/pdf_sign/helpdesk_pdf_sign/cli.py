"""``helpdesk sign verify FILE.pdf`` and ``helpdesk sign test SERIAL``.

``verify`` needs no store and no token: officials check documents they receive.
Exit 0 when every signature is intact, valid and trusted; 1 when one is not; 2 for a
file that is not a PDF or has no signature. ``test`` signs the test document on a
token from a script; its PIN comes from the terminal without echo, or from standard
input with ``--pin-stdin`` — never from an argument or the environment.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from helpdesk.extension import (
    PIN_PAD,
    PinLocked,
    _,
    command_context,
    load_settings,
    pin_stdin_option,
    read_pin,
)
from helpdesk_pdf_sign.text import N_

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


@click.group()
def sign() -> None:
    """Digital signatures: verify a signed PDF, or test-sign on a token (ký thử)."""


@sign.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--trust", type=click.Path(path_type=Path, exists=True),
              help="Trusted root certificates: a PEM/DER file or a folder (default: the trust-store setting).")
@click.option("--offline", is_flag=True, help="Do not fetch CRL/OCSP (revocation is then 'unknown').")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
def verify(file: Path, trust: Path | None, offline: bool, as_json: bool) -> None:
    """Validate every signature of FILE.pdf: intact, valid, trusted, revocation."""
    from helpdesk_pdf_sign.certcheck import TrustStore
    from helpdesk_pdf_sign.config import SignConfig
    from helpdesk_pdf_sign.verify import NotSigned, verify_pdf

    config = SignConfig.from_settings(load_settings())
    store = TrustStore.load(trust or config.trust_dir)
    try:
        data = file.read_bytes()
        reports = verify_pdf(data, store, fetch=config.revocation and not offline, timeout=config.fetch_timeout)
    except (NotSigned, OSError) as exc:
        message = exc.localized() if isinstance(exc, NotSigned) else str(exc)
        if as_json:
            click.echo(json.dumps({"file": str(file), "ok": False, "error": message, "signatures": []},
                                  ensure_ascii=False, indent=2))
        else:
            click.echo(_("Cannot verify {file}: {error}").format(file=file, error=message), err=True)
        sys.exit(EXIT_UNUSABLE)
    ok = all(r.ok for r in reports)
    if as_json:
        click.echo(json.dumps({"file": str(file), "ok": ok, "signatures": [r.to_json() for r in reports]},
                              ensure_ascii=False, indent=2))
    else:
        yes, no = _("yes"), _("no")
        for r in reports:
            click.echo(_("Signature {field}: {signer}").format(field=r.field, signer=r.common_name or r.subject))
            when = r.signing_time.astimezone().strftime("%H:%M:%S %d/%m/%Y") if r.signing_time else "?"
            click.echo("  " + _("Signing time: {when}").format(when=when))
            click.echo("  " + _("Intact: {intact}; valid: {valid}; trusted: {trusted}; revocation: {revocation}").format(
                intact=yes if r.intact else no, valid=yes if r.valid else no, trusted=yes if r.trusted else no,
                revocation=_(REVOCATION_WORDS[r.revocation])))
            for reason in r.reasons:
                click.echo("  - " + reason.localized())
        click.echo(_("All signatures are valid and trusted.") if ok else _("At least one signature is NOT valid."))
    sys.exit(EXIT_OK if ok else EXIT_FAILED)


REVOCATION_WORDS = {"good": N_("not revoked"), "revoked": N_("revoked"), "unknown": N_("undetermined")}


@sign.command("test")
@click.argument("serial")
@pin_stdin_option
@click.option("--pin-pad", is_flag=True, help="The holder types the PIN on the reader's keypad.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the signed PDF here.")
@click.option("--file", "source", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Sign this PDF instead of the generated test document.")
@click.option("--final-try", is_flag=True, help="Allow spending the token's last PIN try.")
@click.option("--operator", default=None, help="Who runs the test (default cli:<user>).")
def test(serial: str, pin_stdin: bool, pin_pad: bool, out: Path | None, source: Path | None, final_try: bool,
         operator: str | None) -> None:
    """Sign the test document (Văn bản ký thử) on the token SERIAL and validate it."""
    from helpdesk_pdf_sign import service

    with command_context(operator) as ctx:
        token = ctx.worker.identify(serial).result(timeout=60)
        state = token.flags.user_pin_state
        if state == "locked":
            raise PinLocked("The {who} of this token is locked.", who="PIN")
        if state == "final_try" and not final_try:
            click.echo(_("One PIN try is left: a wrong PIN locks the token. Run again with --final-try to go on."),
                       err=True)
            sys.exit(EXIT_FAILED)
        prepared = service.prepare(ctx, token)
        for check in prepared.report.checks:
            mark = {"ok": "✓", "fail": "✗", "unknown": "?"}[check.status]
            click.echo(f"{mark} {check.localized()}")
        if not prepared.report.ok:
            click.echo(_("The certificate is refused: nothing was signed."), err=True)
            sys.exit(EXIT_FAILED)
        document = service.file_document(source) if source else service.make_test_document(ctx, prepared)
        pin = PIN_PAD if pin_pad else read_pin(_("PIN of token {serial}:").format(serial=serial),
                                               from_stdin=pin_stdin)
        outcome = service.sign_document(ctx, prepared, document, pin, out=out)
    click.echo(_("Signed ({level}), record {id}: {path}").format(
        level=outcome.record.payload["level"], id=outcome.record.id, path=outcome.out_path or outcome.signed_path))
    if outcome.receipt_path is not None:
        click.echo(_("Receipt: {path}").format(path=outcome.receipt_path))
    for reason in outcome.signature.reasons:
        click.echo("- " + reason.localized())
    click.echo(_("The signature is valid and trusted.") if outcome.ok else _("The signature is NOT valid."))
    sys.exit(EXIT_OK if outcome.ok else EXIT_FAILED)
