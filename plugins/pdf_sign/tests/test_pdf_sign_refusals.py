"""Each bad certificate or token state is refused with its reason, and nothing is written.

Real SoftHSM2 tokens, the test CA (variants issued from the same root), a CRL served
over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpdesk_pdf_sign import service
from helpdesk_pdf_sign.certcheck import TrustStore
from helpdesk_pdf_sign.config import SignConfig
from helpdesk_pdf_sign.signing import SignFailed
from helpdesk_pdf_sign.verify import verify_pdf
from pdf_sign_kit import (
    ENCRYPTION_ONLY,
    CRLServer,
    Issued,
    VariantCA,
    context,
    files_under,
    other_ca,
    read_token,
    unused_url,
)

from helpdesk.extension import PinIncorrect, Secret, TokenRemovedError, WorkflowContext
from helpdesk.testing.ca import TestCA
from helpdesk.testing.kit import Kiosk
from helpdesk.testing.softhsm import SoftHSMStore

NOW = datetime.now(timezone.utc)


def refused(kiosk: Kiosk, issued: Issued, home: Path) -> tuple[str, str]:
    """Prepare and try to sign: the check that failed and the refusal, in Vietnamese."""
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    assert not prepared.report.ok
    failed = prepared.report.failures[0]
    with pytest.raises(service.CertificateRefused) as caught:
        service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared), Secret(issued.token.pin))
    assert files_under(home / "archive") == []
    assert ctx.store.records(type="pdf_sign.test") == []
    return failed.name, caught.value.localized()


def test_expired_certificate_is_refused(kiosk: Kiosk, issue: Callable[..., Issued], helpdesk_home: Path) -> None:
    issued = issue(not_before=NOW - timedelta(days=800), not_after=NOW - timedelta(days=3))
    name, reason = refused(kiosk, issued, helpdesk_home)
    assert name == "validity"
    assert "Chứng thư số đã hết hạn ngày" in reason


def test_not_yet_valid_certificate_is_refused(kiosk: Kiosk, issue: Callable[..., Issued],
                                              helpdesk_home: Path) -> None:
    issued = issue(not_before=NOW + timedelta(days=5), not_after=NOW + timedelta(days=900))
    name, reason = refused(kiosk, issued, helpdesk_home)
    assert name == "validity"
    assert "Chứng thư số chưa có hiệu lực" in reason


def test_wrong_key_usage_is_refused(kiosk: Kiosk, issue: Callable[..., Issued], test_ca: TestCA,
                                    helpdesk_home: Path) -> None:
    issued = issue(ca=VariantCA.around(test_ca, key_usage=dict(ENCRYPTION_ONLY)))
    name, reason = refused(kiosk, issued, helpdesk_home)
    assert name == "key_usage"
    assert "không cho phép ký" in reason


def test_untrusted_issuer_is_refused(kiosk: Kiosk, issue: Callable[..., Issued], helpdesk_home: Path) -> None:
    issued = issue(ca=other_ca())
    name, reason = refused(kiosk, issued, helpdesk_home)
    assert name == "chain"
    assert "không được tin cậy" in reason and "CA lạ không được tin cậy" in reason


def test_revoked_certificate_is_refused(kiosk: Kiosk, issue: Callable[..., Issued], crl_server: CRLServer,
                                        helpdesk_home: Path) -> None:
    issued = issue(ca=crl_server.ca)
    crl_server.ca.revoke(issued.cert)
    name, reason = refused(kiosk, issued, helpdesk_home)
    assert name == "revocation"
    assert "đã bị thu hồi" in reason
    assert crl_server.requests >= 1


def no_embed(ctx: WorkflowContext) -> SignConfig:
    return dataclasses.replace(SignConfig.from_settings(ctx.settings), embed_revocation=False, revocation=False)


def test_good_crl_gives_b_lt_with_revocation_checked(kiosk: Kiosk, issue: Callable[..., Issued],
                                                     crl_server: CRLServer, helpdesk_home: Path) -> None:
    issued = issue(ca=crl_server.ca)
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    assert prepared.report.ok and prepared.report.revocation_status == "ok"
    assert "Chưa bị thu hồi" in prepared.report.check("revocation").localized()
    outcome = service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared),
                                    Secret(issued.token.pin))
    assert outcome.ok and outcome.record.payload["level"] == "B-LT"
    assert outcome.signature.revocation == "good"
    # B-LT: the CRL travels inside the PDF, so the check holds offline, with the server gone.
    crl_server.close()
    trust = TrustStore.load(helpdesk_home / "trust")
    [offline] = verify_pdf(outcome.signed, trust, fetch=False)
    assert offline.ok and offline.revocation == "good"
    # A B-B signature of the same certificate, checked offline: revocation unknown, said so.
    [unchecked] = verify_pdf(service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared),
                                                   Secret(issued.token.pin), config=no_embed(ctx)).signed,
                             trust, fetch=False)
    assert unchecked.revocation == "unknown"
    assert "Tình trạng thu hồi không xác định: chưa kiểm tra (ngoại tuyến)" in [r.localized() for r in unchecked.reasons]


def test_unreachable_crl_is_unknown_and_said_so(kiosk: Kiosk, issue: Callable[..., Issued],
                                                test_ca: TestCA) -> None:
    issued = issue(ca=VariantCA.around(test_ca, crl_url=unused_url()))
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    revocation = prepared.report.check("revocation")
    assert revocation.status == "unknown"
    assert revocation.localized().startswith("Không xác định")
    assert prepared.report.ok  # shown, not a silent pass; signing is still allowed
    outcome = service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared),
                                    Secret(issued.token.pin))
    assert outcome.signature.revocation == "unknown"
    assert outcome.record.payload["checks"][3]["status"] == "unknown"
    # Validated after signing: the chain is trusted and revocation unknown, not "untrusted".
    assert outcome.ok and [r.localized() for r in outcome.signature.reasons] == [
        "Tình trạng thu hồi không xác định: không lấy được dữ liệu thu hồi"]


def test_certificate_without_its_key_cannot_sign(kiosk: Kiosk, issue: Callable[..., Issued],
                                                 helpdesk_home: Path) -> None:
    issued = issue(with_private_key=False)
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    with pytest.raises(SignFailed) as caught:
        service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared), Secret(issued.token.pin))
    assert "không có khóa bí mật" in caught.value.localized()
    assert files_under(helpdesk_home / "archive") == []


def test_wrong_pin_is_refused_and_nothing_saved(kiosk: Kiosk, issue: Callable[..., Issued],
                                                helpdesk_home: Path, tmp_path: Path) -> None:
    issued = issue()
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    out = tmp_path / "out" / "signed.pdf"
    with pytest.raises(PinIncorrect) as caught:
        service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared), Secret("000000"), out=out)
    assert "không đúng" in caught.value.localized()
    assert files_under(helpdesk_home / "archive") == [] and files_under(tmp_path / "out") == []
    assert ctx.store.records(type="pdf_sign.test") == []


def test_token_pulled_mid_sign(kiosk: Kiosk, issue: Callable[..., Issued], softhsm: SoftHSMStore,
                               helpdesk_home: Path, tmp_path: Path) -> None:
    """The token leaves the reader after log-in, just before pyHanko signs (the directory
    moves off the SoftHSM2 store and the worker hears the card-removed event)."""
    issued = issue()
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)

    def pull() -> None:
        softhsm.remove(issued.token)
        kiosk.worker.note_card_removed("Virtual PCD 00 00")

    out = tmp_path / "out" / "signed.pdf"
    with pytest.raises(TokenRemovedError) as caught:
        service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared), Secret(issued.token.pin),
                              out=out, on_signing=pull)
    assert "đã bị rút ra" in caught.value.localized() or "rút" in caught.value.localized()
    assert files_under(helpdesk_home / "archive") == [] and files_under(tmp_path / "out") == []
    assert ctx.store.records(type="pdf_sign.test") == []
