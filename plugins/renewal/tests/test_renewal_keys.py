"""On-token keys, CSRs and certificate install on real SoftHSM2 tokens, the test CA acting
as the authority; every refusal leaves the token and the store as they were."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from helpdesk_renewal import requests
from helpdesk_renewal.install import install
from helpdesk_renewal.model import RenewalError
from helpdesk_renewal.service import make_request_csr
from renewal_kit import form, run

from helpdesk.extension import PinIncorrect, Secret, TokenError, WorkflowContext, list_keys
from helpdesk.testing.ca import TestCA, person_subject, pooled_key
from helpdesk.testing.kit import InjectedFault
from helpdesk.testing.softhsm import ProvisionedToken, SoftHSMStore

NAME = "Nguyễn Thị Ánh Tuyết"
PIN = Secret("123456")


def _state(ctx: WorkflowContext, token: ProvisionedToken) -> tuple[Any, ...]:
    """What a refusal must leave alone: the token's certificates and keys, the request table."""
    info = ctx.worker.identify(token.serial, PIN).result(timeout=30)
    keys = ctx.worker.run_in_session(token.serial, list_keys, pin=PIN).result(timeout=30)
    return (sorted(c.serial for c in info.certificates), sorted(k.id for k in keys), requests.table(ctx).all())


@pytest.fixture
def holder(softhsm: SoftHSMStore, test_ca: TestCA) -> tuple[ProvisionedToken, x509.Certificate]:
    """A token whose certificate expires in 20 days."""
    token = softhsm.create_token()
    old = softhsm.add_identity(token, test_ca, subject=person_subject(name=NAME),
                               not_after=datetime.now(timezone.utc) + timedelta(days=20))
    return token, old


def _renew_request(ctx: WorkflowContext, token: ProvisionedToken, old: x509.Certificate) -> dict[str, Any]:
    row = requests.build(ctx, "renew", "person", form(NAME, token_serial=token.serial,
                                                      cert_serial=format(old.serial_number, "X")), "expiring")
    return requests.add(ctx, [row])[0]


def _issue(test_ca: TestCA, csr_pem: bytes) -> x509.Certificate:
    csr = x509.load_pem_x509_csr(csr_pem)
    public = csr.public_key()
    subject = {"C": "VN", "L": "Cần Thơ", "O": "UBND phường Tân An", "CN": NAME, "E": "u1234@cantho.gov.vn"}
    return test_ca.issue(public, subject=subject)  # type: ignore[arg-type]


def test_csr_on_the_token_verifies_with_openssl_and_keeps_the_vietnamese_subject(
        ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate], tmp_path: Path) -> None:
    token, old = holder
    row = _renew_request(ctx, token, old)
    made, saved = make_request_csr(ctx, token.serial, PIN)
    assert saved is not None and saved["id"] == row["id"] and saved["key_id"] == made.key_id
    path = tmp_path / "yeu-cau.csr"
    path.write_bytes(made.pem)
    verify = subprocess.run(["openssl", "req", "-in", str(path), "-noout", "-verify"], capture_output=True, text=True)
    assert verify.returncode == 0 and "verify OK" in (verify.stdout + verify.stderr)
    shown = subprocess.run(["openssl", "req", "-in", str(path), "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"],
                           capture_output=True, text=True, check=True).stdout
    assert f"CN={NAME}" in shown and "O=UBND phường Tân An" in shown and "UID=CCCD:092186001234" in shown
    csr = x509.load_pem_x509_csr(made.pem)
    assert csr.is_signature_valid and csr.public_key().key_size == 2048  # type: ignore[union-attr]
    keys = ctx.worker.run_in_session(token.serial, list_keys, pin=PIN).result(timeout=30)
    assert made.key_id in {k.id for k in keys}


@pytest.mark.parametrize("shape", ["pem", "der", "pkcs7-der", "pkcs7-pem-with-ca"])
def test_install_the_issued_certificate_beside_its_key_and_remove_the_old_one(
        ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate], test_ca: TestCA, shape: str) -> None:
    token, old = holder
    ctx.store.add_subscribers([{"id": "sb-1", "full_name": NAME, "position": "Chủ tịch", "national_id": "092186001234",
                                "email": "u1234@cantho.gov.vn", "token_serial": token.serial,
                                "cert_serial": format(old.serial_number, "X")}], "op-binh")
    row = _renew_request(ctx, token, old)
    requests.set_status(ctx, row["id"], "submitted")
    made, _saved = make_request_csr(ctx, token.serial, PIN)
    cert = _issue(test_ca, made.pem)
    data = {
        "pem": cert.public_bytes(serialization.Encoding.PEM),
        "der": cert.public_bytes(serialization.Encoding.DER),
        "pkcs7-der": pkcs7.serialize_certificates([cert], serialization.Encoding.DER),
        "pkcs7-pem-with-ca": pkcs7.serialize_certificates([test_ca.certificate, cert], serialization.Encoding.PEM),
    }[shape]
    done = install(ctx, token.serial, PIN, data, name=f"cert.{shape}", remove_old=True)
    assert done.key_id == made.key_id and done.removed == (format(old.serial_number, "X"),)
    assert done.request_id == row["id"]
    stored = requests.get(ctx, row["id"])
    assert stored["status"] == "installed" and stored["new_cert_serial"] == done.cert_serial
    assert [h["status"] for h in stored["history"]][-2:] == ["issued", "installed"]
    info = ctx.worker.identify(token.serial, PIN).result(timeout=30)
    [placed] = info.certificates
    assert placed.serial == done.cert_serial and placed.key_id == made.key_id
    assert placed.key_matches is True and placed.has_private_key is True
    assert placed.subject.common_name == NAME
    holder_entry = ctx.store.subscribers.get("sb-1")
    assert holder_entry is not None and holder_entry.cert_serial == done.cert_serial  # the handover checks agree


def test_token_info_json_shows_the_installed_certificate_with_its_key(
        renewal_plugin: str, holder: tuple[ProvisionedToken, x509.Certificate], test_ca: TestCA,
        pkcs11_env: None, tmp_path: Path) -> None:
    token, _old = holder
    csr_path, cert_path = tmp_path / "r.csr", tmp_path / "r.pem"
    made = run("renewal", "csr", token.serial, "--pin-stdin", "--out", str(csr_path), input="123456\n")
    assert made.exit_code == 0, made.stderr
    cert = _issue(test_ca, csr_path.read_bytes())
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    done = run("renewal", "install", token.serial, str(cert_path), "--pin-stdin", input="123456\n")
    assert done.exit_code == 0, done.stderr
    shown = run("token", "info", token.serial, "--json")
    assert shown.exit_code == 0, shown.stderr
    certs = {c["serial"]: c for c in json.loads(shown.stdout)["certificates"]}
    new = certs[format(cert.serial_number, "X")]
    assert new["key_matches"] is True and new["has_private_key"] in (True, None)
    assert new["subject"]["CN"] == NAME and len(certs) == 2  # the old one stays without --remove-old


def test_a_certificate_for_another_key_changes_nothing(
        ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate], test_ca: TestCA) -> None:
    token, old = holder
    _renew_request(ctx, token, old)
    before = _state(ctx, token)
    foreign = test_ca.issue(pooled_key(7).public_key(), subject=person_subject(name=NAME))
    with pytest.raises(RenewalError, match="for another key") as caught:
        install(ctx, token.serial, PIN, foreign.public_bytes(serialization.Encoding.PEM), name="x.pem")
    assert "Chưa cài gì" in caught.value.localized()
    assert _state(ctx, token) == before


@pytest.mark.parametrize(("data", "message"), [
    (b"-----BEGIN CERTIFICATE-----\nTUFMRk9STUVE\n-----END CERTIFICATE-----\n", "malformed"),
    (b"-----BEGIN CERTIFICATE-----\n", "malformed"),
    (b"\x30\x82\x01\x00garbage", "malformed"),
    (b"", "malformed"),
])
def test_malformed_files_change_nothing(ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate],
                                        data: bytes, message: str) -> None:
    token, _old = holder
    before = _state(ctx, token)
    with pytest.raises(RenewalError, match=message):
        install(ctx, token.serial, PIN, data, name="bad.pem")
    assert _state(ctx, token) == before


def test_a_bundle_without_the_leaf_changes_nothing(ctx: WorkflowContext, holder: tuple[ProvisionedToken,
                                                                                      x509.Certificate],
                                                   test_ca: TestCA) -> None:
    token, _old = holder
    before = _state(ctx, token)
    bundle = pkcs7.serialize_certificates([test_ca.certificate], serialization.Encoding.DER)
    with pytest.raises(RenewalError, match="no end-entity"):
        install(ctx, token.serial, PIN, bundle, name="chain.p7b")
    assert _state(ctx, token) == before


def test_a_certificate_already_on_the_token_is_refused(ctx: WorkflowContext,
                                                       holder: tuple[ProvisionedToken, x509.Certificate]) -> None:
    token, old = holder
    before = _state(ctx, token)
    with pytest.raises(RenewalError, match="already on token"):
        install(ctx, token.serial, PIN, old.public_bytes(serialization.Encoding.PEM), name="old.pem")
    assert _state(ctx, token) == before


def test_a_token_that_refuses_key_generation_changes_nothing(
        ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate]) -> None:
    token, old = holder
    _renew_request(ctx, token, old)
    before = _state(ctx, token)
    with pytest.raises(RenewalError, match="did not make an RSA-256 key pair"):
        make_request_csr(ctx, token.serial, PIN, bits=256)
    assert _state(ctx, token) == before


def test_fault_injection_a_full_token_refuses_the_key_and_the_certificate_and_nothing_changes(
        ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate], test_ca: TestCA) -> None:
    """SoftHSM2 never runs out of room: ``InjectedFault(full=True)`` makes the session at
    our TokenWorker boundary refuse new objects with CKR_DEVICE_MEMORY, as a full token does."""
    token, old = holder
    row = _renew_request(ctx, token, old)
    before = _state(ctx, token)
    ctx.worker.inject_fault(token.serial, InjectedFault(full=True)).result(timeout=10)
    try:
        with pytest.raises(RenewalError) as caught:
            make_request_csr(ctx, token.serial, PIN)
        assert "Thiết bị đã đầy" in caught.value.localized()
    finally:
        ctx.worker.inject_fault(token.serial, None).result(timeout=10)
    assert _state(ctx, token) == before  # no key pair, no request change
    requests.set_status(ctx, row["id"], "submitted")
    made, _saved = make_request_csr(ctx, token.serial, PIN)  # room again: the key pair is made
    cert = _issue(test_ca, made.pem)
    before = _state(ctx, token)
    ctx.worker.inject_fault(token.serial, InjectedFault(full=True)).result(timeout=10)
    try:
        with pytest.raises(TokenError, match="full"):
            install(ctx, token.serial, PIN, cert.public_bytes(serialization.Encoding.PEM), name="c.pem")
    finally:
        ctx.worker.inject_fault(token.serial, None).result(timeout=10)
    assert _state(ctx, token) == before  # the certificate is not on the token, the request still submitted
    assert requests.get(ctx, row["id"])["status"] == "submitted"


def test_a_wrong_pin_changes_nothing(ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate],
                                     test_ca: TestCA) -> None:
    token, old = holder
    _renew_request(ctx, token, old)
    before = _state(ctx, token)
    with pytest.raises(PinIncorrect):
        make_request_csr(ctx, token.serial, Secret("000000"))
    assert _state(ctx, token) == before


def test_a_token_pulled_before_install_changes_nothing(
        ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate], test_ca: TestCA,
        softhsm: SoftHSMStore) -> None:
    token, old = holder
    row = _renew_request(ctx, token, old)
    requests.set_status(ctx, row["id"], "submitted")
    made, _saved = make_request_csr(ctx, token.serial, PIN)
    cert = _issue(test_ca, made.pem)
    before = _state(ctx, token)
    softhsm.remove(token)
    with pytest.raises(TokenError):
        install(ctx, token.serial, PIN, cert.public_bytes(serialization.Encoding.PEM), name="c.pem")
    softhsm.insert(token)
    ctx.worker.list_tokens(rescan=True).result(timeout=30)
    assert _state(ctx, token) == before


def test_fault_injection_token_pulled_mid_install_is_a_clear_error_and_the_store_is_unchanged(
        ctx: WorkflowContext, holder: tuple[ProvisionedToken, x509.Certificate], test_ca: TestCA,
        softhsm: SoftHSMStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The token leaves the reader after the checks, as the certificate is being written:
    injected at our TokenWorker boundary (the pull happens inside ``import_certificate``).
    The token itself is not re-read afterwards: SoftHSM2 had its files open when the
    directory moved away, which leaves that virtual token unreadable."""
    token, old = holder
    row = _renew_request(ctx, token, old)
    requests.set_status(ctx, row["id"], "submitted")
    made, _saved = make_request_csr(ctx, token.serial, PIN)
    cert = _issue(test_ca, made.pem)
    before = requests.table(ctx).all()
    real_import = ctx.worker.import_certificate

    def pulled_then_import(*args: Any, **kwargs: Any) -> Any:
        softhsm.remove(token)
        ctx.worker.note_card_removed("test reader")
        return real_import(*args, **kwargs)

    monkeypatch.setattr(ctx.worker, "import_certificate", pulled_then_import)
    with pytest.raises(TokenError) as caught:
        install(ctx, token.serial, PIN, cert.public_bytes(serialization.Encoding.PEM), name="c.pem")
    assert token.serial in caught.value.localized()
    assert requests.table(ctx).all() == before
    assert requests.get(ctx, row["id"])["status"] == "submitted"
