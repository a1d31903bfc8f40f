"""Revocation by OCSP: a real responder over HTTP on 127.0.0.1 (responses built with
cryptography, signed by the test CA), certificates naming it and no CRL.

Good → checked "by OCSP", the response embedded (PAdES B-LT) and verifiable offline;
revoked → refused before the token is asked anything; responder down, answering
garbage or HTTP 500 → revocation *unknown*, said so in Vietnamese, never a pass.
"""

from __future__ import annotations

import base64
import io
import json
import os
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from helpdesk_pdf_sign import service
from helpdesk_pdf_sign.certcheck import revocation_urls
from pdf_sign_kit import (
    OCSPMode,
    OCSPResponder,
    VariantCA,
    context,
    files_under,
    read_token,
    unused_url,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from helpdesk.extension import Secret
from helpdesk.testing.ca import TestCA
from helpdesk.testing.cli import run_cli
from helpdesk.testing.kit import Kiosk
from helpdesk.testing.softhsm import SOFTHSM_LIBRARY, Issued

REVOCATION_UNKNOWN = "Không xác định: không kết nối được dịch vụ kiểm tra thu hồi"
UNKNOWN_REASON = "Tình trạng thu hồi không xác định: không lấy được dữ liệu thu hồi"


def embedded_ocsp_responses(pdf: bytes) -> list[ocsp.OCSPResponse]:
    """The OCSP responses in the signed PDF's document security store, as pyHanko reads it."""
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf), strict=False))
    return [ocsp.load_der_ocsp_response(ref.get_object().data) for ref in dss.ocsps]


def test_responder_answers_get_and_post_per_rfc(ocsp_responder: OCSPResponder, test_ca: TestCA) -> None:
    """The kit's responder itself: RFC 5019 GET and RFC 6960 POST, good then revoked."""
    cert = ocsp_responder.ca.issue(test_ca.key.public_key())
    der = (ocsp.OCSPRequestBuilder().add_certificate(cert, test_ca.certificate, hashes.SHA1()).build()
           .public_bytes(Encoding.DER))
    with urllib.request.urlopen(f"{ocsp_responder.url}/{quote(base64.b64encode(der).decode(), safe='')}",
                                timeout=10) as got:
        good = ocsp.load_der_ocsp_response(got.read())
    ocsp_responder.ca.revoke(cert)
    post = urllib.request.Request(ocsp_responder.url, data=der, headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(post, timeout=10) as got:
        revoked = ocsp.load_der_ocsp_response(got.read())
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD and good.serial_number == cert.serial_number
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert ocsp_responder.requests == 2


def test_good_ocsp_is_checked_embedded_and_verifies(kiosk: Kiosk, issue: Callable[..., Issued],
                                                    ocsp_responder: OCSPResponder, helpdesk_home: Path,
                                                    tmp_path: Path) -> None:
    issued = issue(ca=ocsp_responder.ca)
    assert revocation_urls(issued.cert) == [ocsp_responder.url]  # OCSP only, no CRL
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    revocation = prepared.report.check("revocation")
    assert revocation.status == "ok" and prepared.report.ok
    assert revocation.localized() == "Chưa bị thu hồi (đã kiểm tra trực tuyến qua OCSP)"
    assert prepared.report.revocation_data.ocsps and not prepared.report.revocation_data.crls
    assert ocsp_responder.requests >= 1

    outcome = service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared),
                                    Secret(issued.token.pin), out=tmp_path / "ky-thu.pdf")
    assert outcome.ok and outcome.record.payload["level"] == "B-LT"
    assert outcome.signature.revocation == "good"
    [embedded] = [r for r in embedded_ocsp_responses(outcome.signed) if r.serial_number == issued.cert.serial_number]
    assert embedded.certificate_status == ocsp.OCSPCertStatus.GOOD

    online = run_cli("sign", "verify", str(tmp_path / "ky-thu.pdf"), "--json")
    assert online.returncode == 0, online.stdout + online.stderr
    [signature] = json.loads(online.stdout)["signatures"]
    assert signature["trusted"] and signature["revocation"] == "good" and signature["reasons"] == []
    # The embedded response alone settles it: responder gone, verified offline.
    ocsp_responder.close()
    offline = run_cli("sign", "verify", str(tmp_path / "ky-thu.pdf"), "--offline")
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "tin cậy: có; thu hồi: chưa bị thu hồi" in offline.stdout


def test_revoked_by_ocsp_is_refused_before_the_token_is_asked(kiosk: Kiosk, issue: Callable[..., Issued],
                                                              ocsp_responder: OCSPResponder,
                                                              helpdesk_home: Path) -> None:
    issued = issue(ca=ocsp_responder.ca)
    ocsp_responder.ca.revoke(issued.cert)
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    assert [c.name for c in prepared.report.failures] == ["revocation"]
    assert ocsp_responder.requests >= 1
    asked: list[str] = []
    # A wrong PIN: had the token been asked to log in, this would be PinIncorrect.
    with pytest.raises(service.CertificateRefused) as caught:
        service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared), Secret("000000"),
                              on_signing=lambda: asked.append("sign"))
    assert caught.value.localized().startswith("Chứng thư số đã bị thu hồi lúc")
    assert asked == []
    assert files_under(helpdesk_home / "archive") == [] and ctx.store.records(type="pdf_sign.test") == []


def test_revoked_by_ocsp_sign_test_command_asks_no_pin(issue: Callable[..., Issued], ocsp_responder: OCSPResponder,
                                                       trust_dir: Path, helpdesk_home: Path) -> None:
    issued = issue(ca=ocsp_responder.ca)
    ocsp_responder.ca.revoke(issued.cert)
    env = {"HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY, "SOFTHSM2_CONF": os.environ["SOFTHSM2_CONF"]}
    done = run_cli("sign", "test", issued.serial, "--pin-stdin", input="", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "✗ Chứng thư số đã bị thu hồi lúc" in done.stdout
    assert "Chứng thư số bị từ chối: chưa ký gì." in done.stderr
    assert ocsp_responder.requests >= 1
    assert files_under(helpdesk_home / "archive") == []


def assert_unknown_said_so(kiosk: Kiosk, issued: Issued, url: str, out: Path) -> None:
    """Revocation unknown before signing (in Vietnamese, naming the service), signing allowed,
    and the signature's validation, in the kiosk and by ``helpdesk sign verify``, says unknown too."""
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    revocation = prepared.report.check("revocation")
    assert revocation.status == "unknown" and not prepared.report.revocation_data
    assert revocation.localized().startswith(REVOCATION_UNKNOWN) and url in revocation.localized()
    assert prepared.report.ok  # shown, not refused
    outcome = service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared),
                                    Secret(issued.token.pin), out=out)
    assert outcome.record.payload["level"] == "B-B"
    assert outcome.signature.revocation == "unknown"
    assert outcome.record.payload["validation"]["revocation"] == "unknown"
    assert [r.localized() for r in outcome.signature.reasons] == [UNKNOWN_REASON]
    assert outcome.ok  # the chain is trusted; revocation is unknown, and said so
    verified = run_cli("sign", "verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "tin cậy: có; thu hồi: không xác định" in verified.stdout
    assert f"- {UNKNOWN_REASON}" in verified.stdout


def test_responder_down_is_unknown(kiosk: Kiosk, issue: Callable[..., Issued], test_ca: TestCA,
                                   tmp_path: Path) -> None:
    url = unused_url("/ocsp")
    assert_unknown_said_so(kiosk, issue(ca=VariantCA.around(test_ca, ocsp_url=url)), url, tmp_path / "ky-thu.pdf")


@pytest.mark.parametrize("mode", ["garbage", "error"])
def test_responder_garbage_or_http_500_is_unknown(kiosk: Kiosk, issue: Callable[..., Issued],
                                                  ocsp_responder: OCSPResponder, mode: OCSPMode,
                                                  tmp_path: Path) -> None:
    ocsp_responder.mode = mode
    assert_unknown_said_so(kiosk, issue(ca=ocsp_responder.ca), ocsp_responder.url, tmp_path / "ky-thu.pdf")
    assert ocsp_responder.requests >= 3  # the check before signing, the validation after, the command

