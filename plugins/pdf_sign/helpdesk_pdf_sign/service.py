"""Test signing from start to end: certificate → checks → sign on the token → validate →
record → archive the signed PDF and the receipt.

Everything here blocks (token worker futures, HTTP for CRL/OCSP, ReportLab, fsync):
call it from a thread job (``WorkflowScreen.run_job``) or a command. Nothing is written
before the signed document has been validated; every file is written whole or not at
all (the archive and the door's ``write_file`` are atomic).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from helpdesk.extension import (
    CertInfo,
    HelpdeskError,
    Pin,
    Record,
    TokenError,
    TokenInfo,
    WorkflowContext,
    write_file,
)
from helpdesk_pdf_sign.certcheck import CertReport, RevocationData, TrustStore, check_certificate
from helpdesk_pdf_sign.config import SignConfig
from helpdesk_pdf_sign.forms import RECEIPT, TEST_DOCUMENT, TEST_TITLE, TestDocument
from helpdesk_pdf_sign.record import RECORD_TYPE
from helpdesk_pdf_sign.signing import NotAPdf, SignRequest, next_field_name, sign_on_token
from helpdesk_pdf_sign.verify import SignatureReport, verify_pdf

SIGNED_KIND = "signed-test"
#: hex digits of the signed PDF's SHA-256 naming its archived file (it is known before the record)
ARCHIVE_KEY_LENGTH = 20
RECEIPT_KIND = "sign-receipt"
HANDOVER_SIGNED_KIND = "handover-signed"
SIGNING_USAGES = {"digital_signature", "content_commitment"}


class CertificateRefused(HelpdeskError):
    """The certificate failed a check before signing: nothing was signed."""

    title = "Certificate refused"

    def __init__(self, report: CertReport) -> None:
        self.report = report
        super().__init__("{reasons}", reasons="; ".join(c.localized() for c in report.failures))


@dataclass(frozen=True)
class Document:
    """What is signed: its title, bytes and kind ("test", "file", "handover")."""

    title: str
    pdf: bytes
    kind: str = "test"
    record_ids: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A token's signing certificate, checked."""

    token: TokenInfo
    cert_info: CertInfo
    certificate: x509.Certificate
    report: CertReport


@dataclass(frozen=True)
class Outcome:
    record: Record
    signature: SignatureReport  # the signature just made, as validation found it
    signed: bytes
    signed_path: Path
    receipt_path: Path | None
    out_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.signature.ok


def signing_certificate(token: TokenInfo) -> CertInfo:
    """The certificate to sign with: a readable one whose private key is (or may be) on the token."""
    readable = [c for c in token.certificates if not c.error]
    if not readable:
        raise TokenError("The token {serial} holds no certificate to sign with", serial=token.serial)
    with_key = [c for c in readable if c.has_private_key is not False]
    if not with_key:
        raise TokenError("The token has no private key for its certificate: it cannot sign with it")
    # A signing certificate (no KeyUsage = any usage) before an encryption one; then valid, then newest.
    return max(with_key, key=lambda c: (not c.key_usage or bool(SIGNING_USAGES & set(c.key_usage)),
                                        c.is_valid_at(), c.not_after))


def read_certificate(ctx: WorkflowContext, serial: str, key_id: str) -> x509.Certificate:
    """The certificate object with CKA_ID ``key_id`` (DER read on the token worker, no PIN)."""

    def job(session: Any) -> bytes:
        from pkcs11 import Attribute, ObjectClass  # on the worker thread, in its session

        query = {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: bytes.fromhex(key_id)}
        for obj in session.get_objects(query):
            return bytes(obj[Attribute.VALUE])
        raise TokenError("No certificate with id {key} on the token", key=key_id)

    der: bytes = ctx.worker.run_in_session(serial, job).result(timeout=60)
    return x509.load_der_x509_certificate(der)


def prepare(ctx: WorkflowContext, token: TokenInfo, *, config: SignConfig | None = None) -> Prepared:
    """Pick the certificate, read it and run the checks (may fetch a CRL/OCSP)."""
    config = config or SignConfig.from_settings(ctx.settings)
    info = signing_certificate(token)
    cert = read_certificate(ctx, token.serial, info.key_id)
    return Prepared(token, info, cert, check_certificate(cert, config))


def make_test_document(ctx: WorkflowContext, prepared: Prepared) -> Document:
    """The generated "Văn bản ký thử" for this holder (form ``pdf_sign.test_document``)."""
    info = prepared.cert_info
    unit = info.subject.get("OU") or info.subject.get("O")
    data = TestDocument(holder=info.subject.common_name or prepared.token.label, unit=unit,
                        token_serial=prepared.token.serial, certificate_serial=info.serial, when=ctx.now())
    return Document(TEST_TITLE, ctx.forms.render(TEST_DOCUMENT, data), "test")


def file_document(path: Path) -> Document:
    """A PDF chosen by path (checked to be a PDF before anything is asked of the token)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotAPdf("Cannot read {path}: {error}", path=str(path), error=exc.strerror or str(exc)) from None
    if not data.lstrip()[:5] == b"%PDF-":
        raise NotAPdf("The file is not a PDF document")
    return Document(path.name, data, "file")


def sign_document(ctx: WorkflowContext, prepared: Prepared, document: Document, pin: Pin, *,
                  config: SignConfig | None = None, out: Path | None = None,
                  archive_as: tuple[str, str, datetime | None] | None = None,
                  subscriber_id: str | None = None, on_signing: Callable[[], None] | None = None) -> Outcome:
    """Sign ``document`` on the token, validate it, commit the record, save the files.

    Refuses (:class:`CertificateRefused`) before asking the token anything when a check
    failed. ``archive_as`` = (kind, key, when) names the archived signed PDF (default:
    ``signed-test-<first 20 hex digits of its SHA-256>``, the record's ``signed_sha256``);
    ``out`` also writes it there.
    """
    config = config or SignConfig.from_settings(ctx.settings)
    report = prepared.report
    if not report.ok:
        raise CertificateRefused(report)
    trust = TrustStore.load(config.trust_dir)
    embed = report.revocation_data if config.embed_revocation else RevocationData()
    request = SignRequest(
        pdf=document.pdf, key_id=prepared.cert_info.key_id, certificate=prepared.certificate, chain=report.chain,
        field_name=next_field_name(document.pdf), location=ctx.settings.organisation.place,
        tsa_url=config.tsa_url, timeout=config.fetch_timeout, revocation=embed, trust=trust if embed else None,
    )
    signed = sign_on_token(ctx.worker, prepared.token.serial, pin, request, on_signing=on_signing)
    signature = verify_pdf(signed, trust, fetch=config.revocation and not embed, timeout=config.fetch_timeout)[-1]
    # The signed PDF is kept before the record that names it: a crash or a full disk in
    # between leaves a kept PDF without a record, never a record whose PDF is lost.
    kind, key, when = archive_as or (SIGNED_KIND, hashlib.sha256(signed).hexdigest()[:ARCHIVE_KEY_LENGTH], None)
    signed_path = ctx.archive(signed, kind, key, when=when)
    record = ctx.commit(RECORD_TYPE, {"subscriber_id": subscriber_id, "token_serial": prepared.token.serial,
                                      "cert_serial": prepared.cert_info.serial},
                        payload(ctx, prepared, document, signed, request.level, signature))
    receipt_path = ctx.archive(ctx.forms.render(RECEIPT, record), RECEIPT_KIND, record.id)
    out_path = write_file(out, signed) if out is not None else None
    return Outcome(record, signature, signed, signed_path, receipt_path, out_path)


def payload(ctx: WorkflowContext, prepared: Prepared, document: Document, signed: bytes, level: str,
            signature: SignatureReport) -> dict[str, Any]:
    return {
        "certificate_serial": prepared.cert_info.serial,
        "token_serial": prepared.token.serial,
        "signed_at": ctx.now().isoformat(timespec="seconds"),
        "operator_name": ctx.operator.name,
        "document": {"title": document.title, "kind": document.kind, "sha256": document.sha256,
                     "records": list(document.record_ids)},
        "signed_sha256": hashlib.sha256(signed).hexdigest(),
        "level": level,
        "result": "valid" if signature.ok else "invalid",
        "signer": {"subject": signature.subject, "common_name": signature.common_name},
        "validation": {"intact": signature.intact, "valid": signature.valid, "trusted": signature.trusted,
                       "revocation": signature.revocation, "timestamped": signature.timestamped,
                       "reasons": [r.localized() for r in signature.reasons]},
        "checks": [c.to_json() for c in prepared.report.checks],
    }


def handover_archive(records: Sequence[Record]) -> tuple[str, str, datetime]:
    """Where the signed handover record goes: beside the paper one (same folder, same key)."""
    first = records[0]
    when = datetime.fromisoformat(first.time.replace("Z", "+00:00")).astimezone()
    if len(records) > 1:
        return "handover-batch-signed", str(first.payload["batch"]["id"]), when
    return HANDOVER_SIGNED_KIND, first.id, when
