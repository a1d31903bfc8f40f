"""Check, sign and validate with real SoftHSM2 tokens and the test CA."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpdesk_pdf_sign import service
from helpdesk_pdf_sign.certcheck import TrustStore, check_certificate
from helpdesk_pdf_sign.config import SignConfig
from helpdesk_pdf_sign.signing import NotAPdf, SignFailed
from helpdesk_pdf_sign.verify import verify_pdf
from pdf_sign_kit import (
    ENCRYPTION_ONLY,
    HOLDER,
    Issued,
    TSAServer,
    VariantCA,
    context,
    files_under,
    read_token,
    unused_url,
)

from helpdesk.extension import ConfigError, Secret, StoreError
from helpdesk.testing.ca import TestCA
from helpdesk.testing.kit import Kiosk, Settings, TokenWorker, open_kiosk
from helpdesk.testing.pdftools import pdf_text
from helpdesk.testing.softhsm import SoftHSMStore


def test_sign_test_document_validates_and_is_recorded(kiosk: Kiosk, issue: Callable[..., Issued],
                                                      helpdesk_home: Path) -> None:
    issued = issue()
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    assert prepared.report.ok, [c.localized() for c in prepared.report.checks]
    assert prepared.report.revocation_status == "unknown"  # the test CA names no CRL
    document = service.make_test_document(ctx, prepared)
    outcome = service.sign_document(ctx, prepared, document, Secret(issued.token.pin))
    assert outcome.ok, [r.localized() for r in outcome.signature.reasons]
    assert outcome.signature.common_name == HOLDER
    assert outcome.record.payload["result"] == "valid"
    assert outcome.record.payload["level"] == "B-B"
    assert outcome.signed_path.read_bytes() == outcome.signed
    text = pdf_text(outcome.signed_path)
    assert "VĂN BẢN KÝ THỬ" in text and HOLDER in text
    assert outcome.receipt_path is not None
    receipt = pdf_text(outcome.receipt_path)
    assert "Hợp lệ" in receipt and issued.token.pin not in receipt


def test_timestamp_server_configured_gives_b_t(pdf_sign_plugin: str, settings: Settings, token_worker: TokenWorker,
                                               tsa_server: TSAServer, issue: Callable[..., Issued]) -> None:
    """``[pdf_sign] tsa_url``: an RFC 3161 server over real HTTP on 127.0.0.1 stamps the signature."""
    configured = dataclasses.replace(settings, extra={"pdf_sign": {"tsa_url": tsa_server.url}})
    kiosk = open_kiosk(configured, worker=token_worker)
    try:
        issued = issue()
        token = read_token(kiosk, issued.serial)
        ctx = context(kiosk, token)
        prepared = service.prepare(ctx, token)
        outcome = service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared),
                                        Secret(issued.token.pin))
    finally:
        kiosk.close()
    assert tsa_server.requests >= 1  # pyHanko also asks once to size the signature
    assert outcome.record.payload["level"] == "B-T"
    assert outcome.signature.timestamped and outcome.ok, [r.localized() for r in outcome.signature.reasons]
    assert "PAdES B-T" in " ".join(pdf_text(outcome.receipt_path or Path()).split())


def test_a_chosen_pdf_is_signed_and_signed_again(kiosk: Kiosk, issue: Callable[..., Issued], tmp_path: Path) -> None:
    """A PDF chosen by path; the signed result signed once more (a second field): both hold."""
    issued = issue()
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    chosen = tmp_path / "cong-van.pdf"
    chosen.write_bytes(service.make_test_document(ctx, prepared).pdf)
    first = service.sign_document(ctx, prepared, service.file_document(chosen), Secret(issued.token.pin),
                                  out=tmp_path / "cong-van-ky.pdf")
    assert first.record.payload["document"]["kind"] == "file"
    assert first.record.payload["document"]["title"] == "cong-van.pdf"
    again = service.sign_document(ctx, prepared, service.file_document(tmp_path / "cong-van-ky.pdf"),
                                  Secret(issued.token.pin))
    reports = verify_pdf(again.signed, TrustStore.load(ctx.settings.home / "trust"), fetch=False)
    assert [r.field for r in reports] == ["KyThu1", "KyThu2"]
    assert all(r.ok for r in reports) and not reports[0].covers_whole_file and reports[1].covers_whole_file


def test_a_chosen_file_that_is_not_a_pdf_is_refused_before_the_token(tmp_path: Path) -> None:
    text = tmp_path / "ghi-chu.pdf"
    text.write_text("Không phải PDF")
    with pytest.raises(NotAPdf) as caught:
        service.file_document(text)
    assert caught.value.localized() == "Tệp không phải văn bản PDF"
    with pytest.raises(NotAPdf) as missing:
        service.file_document(tmp_path / "khong-co.pdf")
    assert "Không đọc được" in missing.value.localized()


def test_an_empty_trust_store_refuses_with_where_to_put_the_roots(issue: Callable[..., Issued],
                                                                  tmp_path: Path) -> None:
    issued = issue()
    config = SignConfig(trust_dir=tmp_path / "trust-empty")
    report = check_certificate(issued.cert, config)
    chain = report.check("chain")
    assert chain.status == "fail" and not report.ok
    assert chain.localized() == (f"Thư mục {tmp_path / 'trust-empty'} chưa có chứng thư số gốc tin cậy: "
                                 "hãy chép chứng thư số gốc quốc gia vào đó")


def test_settings_section_is_read_and_checked(settings: Settings) -> None:
    config = SignConfig.from_settings(dataclasses.replace(settings, extra={"pdf_sign": {
        "trust_dir": "/etc/helpdesk/trust", "tsa_url": " http://tsa.example/ ", "revocation": "off",
        "fetch_timeout": "2.5"}}))
    assert config == SignConfig(Path("/etc/helpdesk/trust"), "http://tsa.example/", False, 2.5, True)
    with pytest.raises(ConfigError) as caught:
        SignConfig.from_settings(dataclasses.replace(settings, extra={"pdf_sign": {"revocation": "maybe"}}))
    assert "revocation phải là" in caught.value.localized()


def test_timestamp_server_down_refuses_and_writes_nothing(pdf_sign_plugin: str, settings: Settings,
                                                          token_worker: TokenWorker, issue: Callable[..., Issued],
                                                          helpdesk_home: Path) -> None:
    configured = dataclasses.replace(settings, extra={"pdf_sign": {"tsa_url": unused_url().replace("ca.crl", "tsa"),
                                                                   "fetch_timeout": 2}})
    kiosk = open_kiosk(configured, worker=token_worker)
    try:
        issued = issue()
        token = read_token(kiosk, issued.serial)
        ctx = context(kiosk, token)
        prepared = service.prepare(ctx, token)
        with pytest.raises(SignFailed) as caught:
            service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared), Secret(issued.token.pin))
        assert ctx.store.records(type="pdf_sign.test") == []
    finally:
        kiosk.close()
    assert "Máy chủ cấp dấu thời gian" in caught.value.localized() and "chưa ký gì" in caught.value.localized()
    assert files_under(helpdesk_home / "archive") == []


def test_an_archive_that_cannot_be_written_leaves_no_record(kiosk: Kiosk, issue: Callable[..., Issued],
                                                            helpdesk_home: Path) -> None:
    """The signed PDF is archived before the record is committed: no record without its PDF."""
    issued = issue()
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    document = service.make_test_document(ctx, prepared)
    archive = helpdesk_home / "archive"
    archive.mkdir(exist_ok=True)
    blocker = archive / f"{datetime.now().astimezone():%Y}"
    blocker.write_bytes(b"")  # a file where the year's folder goes: the archive refuses (even for root)
    try:
        with pytest.raises(StoreError, match="archive"):
            service.sign_document(ctx, prepared, document, Secret(issued.token.pin))
        assert ctx.store.records(type="pdf_sign.test") == []
    finally:
        blocker.unlink()
    outcome = service.sign_document(ctx, prepared, document, Secret(issued.token.pin))
    assert outcome.signed_path.name == f"signed-test-{outcome.record.payload['signed_sha256'][:20]}.pdf"
    assert outcome.signed_path.read_bytes() == outcome.signed and len(ctx.store.records(type="pdf_sign.test")) == 1


def test_the_signing_certificate_is_chosen_over_an_encryption_one(kiosk: Kiosk, issue: Callable[..., Issued],
                                                                  softhsm: SoftHSMStore, test_ca: TestCA) -> None:
    issued = issue(key_id="01")
    softhsm.add_identity(issued.token, VariantCA.around(test_ca, key_usage=dict(ENCRYPTION_ONLY)), key_id="02",
                         key_index=2, label="ma-hoa",
                         not_after=datetime.now(timezone.utc) + timedelta(days=5000))  # newer, but not for signing
    token = read_token(kiosk, issued.serial)
    assert len(token.certificates) == 2
    chosen = service.signing_certificate(token)
    assert chosen.key_id == "01"
    prepared = service.prepare(context(kiosk, token), token)
    assert prepared.report.ok
