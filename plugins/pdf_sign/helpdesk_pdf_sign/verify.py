"""Validate every signature in a PDF with pyHanko: integrity, signature value, trust,
revocation, and a plain reason for each failure.

Trust roots come from the trust-store folder (or ``--trust``); revocation data embedded
in the document (PAdES B-LT) is used, and CRL/OCSP are fetched when allowed. A
revocation status that cannot be established is *unknown*, said so.
"""

from __future__ import annotations

import asyncio
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend

from helpdesk.extension import HelpdeskError, gettext
from helpdesk_pdf_sign.certcheck import TrustStore, revocation_urls, to_asn1
from helpdesk_pdf_sign.text import N_

Revocation = Literal["good", "revoked", "unknown"]
_REVOKED = {AdESFailure.REVOKED, AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE}
_REVINFO_MISSING = {AdESIndeterminate.TRY_LATER, AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE,
                    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.NO_POE}
_UNTRUSTED = {
    AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND: N_("The signer's certificate does not chain to a trusted root"),
    AdESIndeterminate.EXPIRED: N_("The signer's certificate was expired at the signing time"),
    AdESIndeterminate.NOT_YET_VALID: N_("The signer's certificate was not valid yet at the signing time"),
    AdESFailure.NOT_YET_VALID: N_("The signer's certificate was not valid yet at the signing time"),
}


class NotSigned(HelpdeskError):
    """A file that is not a PDF, or a PDF without any signature (``sign verify`` exit 2)."""

    title = "Cannot verify"


@dataclass(frozen=True)
class Reason:
    message: str  # English msgid
    params: Mapping[str, object] = field(default_factory=dict)

    def localized(self) -> str:
        text = gettext(self.message)
        return text.format(**self.params) if self.params else text


@dataclass(frozen=True)
class SignatureReport:
    """One signature, judged."""

    field: str
    subject: str  # the signer's subject (RFC 4514, NFC)
    common_name: str
    serial: str  # certificate serial, hex upper-case
    signing_time: datetime | None
    timestamped: bool
    intact: bool
    valid: bool
    trusted: bool
    revocation: Revocation
    covers_whole_file: bool
    changes_allowed: bool  # what was added after this signature (if anything) is allowed by it
    reasons: tuple[Reason, ...] = ()

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.changes_allowed

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": {"subject": self.subject, "common_name": self.common_name, "serial": self.serial},
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "timestamped": self.timestamped,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revocation": self.revocation,
            "covers_whole_file": self.covers_whole_file,
            "changes_allowed": self.changes_allowed,
            "reasons": [r.localized() for r in self.reasons],
        }


def verify_pdf(data: bytes, trust: TrustStore, *, fetch: bool = True, timeout: float = 5.0) -> list[SignatureReport]:
    """Every signature in ``data`` (blocking; may fetch CRLs/OCSP). Raises :class:`NotSigned`."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise NotSigned("The file is not a PDF document")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        raise NotSigned("The file is not a readable PDF document: {error}", error=str(exc)) from None
    if not signatures:
        raise NotSigned("The PDF has no signature")
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None
    return [asyncio.run(_judge(sig, trust, dss, fetch, timeout)) for sig in signatures]


def _context(trust: TrustStore, dss: DocumentSecurityStore | None, fetch: bool, timeout: float) -> ValidationContext:
    kwargs: dict[str, Any] = {
        "trust_roots": [to_asn1(c) for c in trust.roots],
        "other_certs": [to_asn1(c) for c in trust.intermediates],
        "allow_fetching": fetch,
        "revocation_mode": "hard-fail" if fetch or dss is not None else "soft-fail",
    }
    if fetch:
        kwargs["fetcher_backend"] = OwnedFetcherBackend(AIOHttpFetcherBackend(per_request_timeout=timeout))
    return dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs)


async def _validate(sig: Any, context: ValidationContext) -> PdfSignatureStatus:
    try:
        return await async_validate_pdf_signature(sig, signer_validation_context=context)
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]


async def _judge(sig: Any, trust: TrustStore, dss: DocumentSecurityStore | None, fetch: bool,
                 timeout: float) -> SignatureReport:
    name = str(sig.field_name)
    try:
        status = await _validate(sig, _context(trust, dss, fetch, timeout))
    except (SignatureValidationError, ValueError, KeyError) as exc:
        return SignatureReport(name, "", "", "", None, False, False, False, False, "unknown", False, False,
                               (Reason(N_("The signature cannot be read: {error}"), {"error": str(exc)}),))
    revocation: Revocation = "unknown"
    reasons: list[Reason] = []
    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    indic = status.trust_problem_indic
    if status.revocation_details is not None or indic in _REVOKED:
        revocation = "revoked"
        reasons.append(Reason(N_("The signer's certificate has been revoked")))
    elif status.trusted:
        if not revocation_urls(cert):
            reasons.append(Reason(N_("Revocation unknown: the certificate names no CRL or OCSP service")))
        elif fetch or dss is not None:  # hard-fail: trusted means the revocation data was found and good
            revocation = "good"
        else:
            reasons.append(Reason(N_("Revocation unknown: not checked (offline)")))
    elif indic in _REVINFO_MISSING or (indic == AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE
                                       and (fetch or dss is not None)):
        # Trust without revocation data: judge the chain alone and say revocation is unknown.
        # pyHanko reports a CRL/OCSP service down or answering junk (InsufficientRevinfoError)
        # as a general chain failure: it was that when the chain alone is trusted.
        chain_only = await _validate(sig, _context(trust, None, False, timeout))
        if indic in _REVINFO_MISSING or chain_only.trusted:
            status, indic = chain_only, chain_only.trust_problem_indic
            reasons.append(Reason(N_("Revocation unknown: no revocation data could be obtained")))
    if not status.intact:
        reasons.append(Reason(N_("The document was changed after it was signed")))
    if not status.valid:
        reasons.append(Reason(N_("The signature value does not match the signer's certificate")))
    if not status.trusted and revocation != "revoked":
        message = _UNTRUSTED.get(indic) if indic is not None else None  # type: ignore[call-overload]
        reasons.append(Reason(message or N_("The signer's certificate is not trusted ({problem})"),
                              {"problem": getattr(indic, "name", "?")}))
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    changes_allowed = status.docmdp_ok is not False  # None: nothing was added after the signature
    if status.intact and not changes_allowed:
        reasons.append(Reason(N_("The file was changed after signing in a way the signature does not allow")))
    stamp = status.timestamp_validity
    when = stamp.timestamp if stamp is not None else status.signer_reported_dt
    return SignatureReport(
        field=name, subject=_subject(status.signing_cert), common_name=_cn(cert), serial=f"{cert.serial_number:X}",
        signing_time=when, timestamped=stamp is not None, intact=status.intact, valid=status.valid,
        trusted=status.trusted and revocation != "revoked", revocation=revocation, covers_whole_file=whole,
        changes_allowed=changes_allowed, reasons=tuple(reasons),
    )


def _subject(cert: asn1_x509.Certificate) -> str:
    return unicodedata.normalize("NFC", x509.load_der_x509_certificate(cert.dump()).subject.rfc4514_string())


def _cn(cert: x509.Certificate) -> str:
    found = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return unicodedata.normalize("NFC", str(found[0].value)) if found else ""
