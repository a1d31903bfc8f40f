"""End to end on a SoftHSM2 token with the test CA as the authority, through the command
line: the sweep finds the expiring certificate, a renewal request and its list are made,
key pair and CSR are generated on the token, the CA signs, the certificate is installed
(``token info`` shows it with its key), then it is handed over."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from renewal_kit import OPERATOR, run, run_json
from renewal_records import hand_over

from helpdesk.testing.ca import TestCA, person_subject
from helpdesk.testing.kit import load_settings, open_kiosk
from helpdesk.testing.pdftools import pdf_text
from helpdesk.testing.softhsm import SoftHSMStore

NAME = "Nguyễn Thị Ánh Tuyết"
UNIT = "UBND phường Tân An"


def _with_desk(worker: Any, fn: Any) -> Any:
    kiosk = open_kiosk(load_settings(), worker=worker)
    try:
        return fn(kiosk.context(OPERATOR, None))
    finally:
        kiosk.close()


def test_expiring_certificate_renewed_installed_and_handed_over(
        handover_plugin: str, renewal_plugin: str, pkcs11_env: None, softhsm: SoftHSMStore, test_ca: TestCA,
        token_worker: Any, tmp_path: Path) -> None:
    token = softhsm.create_token()
    old = softhsm.add_identity(token, test_ca, subject=person_subject(name=NAME),
                               not_after=datetime.now(timezone.utc) + timedelta(days=25))
    old_serial = format(old.serial_number, "X")
    not_after = old.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    _with_desk(token_worker, lambda ctx: hand_over(ctx, 1, name=NAME, national_id="092186001234", unit=UNIT,
                                                   token=token.serial, cert_serial=old_serial, not_after=not_after))

    [found] = run_json("renewal", "due", "--days", "60")["due"]
    assert (found["cert_serial"], found["token_serial"], found["unit"]) == (old_serial, token.serial, UNIT)

    row = run_json("renewal", "request", "add", "--type", "renew", "--name", NAME, "--position", "Chủ tịch",
                   "--unit", UNIT, "--national-id", "092186001234", "--email", "tuyetnta@cantho.gov.vn",
                   "--token", token.serial, "--cert", old_serial)
    pdf, xlsx = tmp_path / "cv.pdf", tmp_path / "ds.xlsx"
    exported = run("renewal", "export", "--type", "renew", "--unit", UNIT, "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert exported.exit_code == 0, exported.stderr
    assert NAME in " ".join(pdf_text(pdf.read_bytes()).split())

    csr_path = tmp_path / "yeu-cau.csr"
    made = run("renewal", "csr", token.serial, "--pin-stdin", "--out", str(csr_path), input="123456\n")
    assert made.exit_code == 0, made.stderr
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    assert csr.is_signature_valid
    cn = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == NAME
    issued = test_ca.issue(csr.public_key(), subject=person_subject(name=NAME, unit=UNIT))  # type: ignore[arg-type]
    cert_path = tmp_path / "chung-thu.pem"
    cert_path.write_bytes(issued.public_bytes(serialization.Encoding.PEM))
    run_json("renewal", "request", "set-status", row["id"], "issued")

    done = run("renewal", "install", token.serial, str(cert_path), "--pin-stdin", "--remove-old",
               input="123456\n")
    assert done.exit_code == 0, done.stderr
    new_serial = format(issued.serial_number, "X")
    info = run("token", "info", token.serial, "--json")
    assert info.exit_code == 0, info.stderr
    [cert] = json.loads(info.stdout)["certificates"]
    assert cert["serial"] == new_serial and cert["key_matches"] is True
    shown = run_json("renewal", "request", "show", row["id"])
    assert shown["status"] == "installed" and shown["new_cert_serial"] == new_serial

    new_after = issued.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    _with_desk(token_worker, lambda ctx: hand_over(ctx, 2, name=NAME, national_id="092186001234", unit=UNIT,
                                                   token=token.serial, cert_serial=new_serial, not_after=new_after))
    shown = run_json("renewal", "request", "show", row["id"])
    assert shown["status"] == "handed_over"
    assert [h["status"] for h in shown["history"]] == ["draft", "submitted", "issued", "installed", "handed_over"]
    assert run_json("renewal", "due", "--days", "60")["due"] == []
