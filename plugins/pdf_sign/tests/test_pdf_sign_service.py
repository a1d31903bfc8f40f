"""Check, sign and validate with real SoftHSM2 tokens and the test CA."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from helpdesk_pdf_sign import service
from pdf_sign_kit import HOLDER, Issued, TSAServer, context, read_token

from helpdesk.extension import Secret
from helpdesk.testing.kit import Kiosk, Settings, TokenWorker, open_kiosk
from helpdesk.testing.pdftools import pdf_text


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
