"""Before signing: is this certificate fit to sign with, here and now?

Four checks, each with a plain reason: validity dates, key usage (digitalSignature or
nonRepudiation), the chain to the trust roots in the trust-store folder, and
revocation by CRL/OCSP. Revocation that cannot be checked (offline, server down, no
CRL/OCSP named in the certificate) is said to be *unknown* — never a silent pass.
Chain building and revocation are pyHanko's certificate validator's work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import AuthorityInformationAccessOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend

from helpdesk.extension import gettext
from helpdesk_pdf_sign.config import SignConfig
from helpdesk_pdf_sign.text import N_

Status = Literal["ok", "fail", "unknown"]
CHECKS = ("validity", "key_usage", "chain", "revocation")
_CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``message`` is an English msgid with ``{params}``."""

    name: str
    status: Status
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def localized(self) -> str:
        text = gettext(self.message)
        return text.format(**self.params) if self.params else text

    def to_json(self) -> dict[str, object]:
        return {"check": self.name, "status": self.status, "reason": self.localized()}


@dataclass(frozen=True)
class RevocationData:
    """CRLs and OCSP responses fetched during the check (DER), for PAdES B-LT."""

    crls: tuple[bytes, ...] = ()
    ocsps: tuple[bytes, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.crls or self.ocsps)


@dataclass(frozen=True)
class CertReport:
    certificate: x509.Certificate
    checks: tuple[Check, ...]
    chain: tuple[x509.Certificate, ...] = ()  # issuer certificates up to the root, for embedding
    revocation_data: RevocationData = RevocationData()

    @property
    def ok(self) -> bool:
        """Nothing failed (revocation may be unknown: that is shown, not refused)."""
        return all(c.status != "fail" for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    @property
    def revocation_status(self) -> Status:
        return self.check("revocation").status


@dataclass(frozen=True)
class TrustStore:
    """The certificates in the trust-store folder: self-signed ones are roots, others intermediates."""

    folder: Path
    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]

    @classmethod
    def load(cls, path: Path) -> TrustStore:
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _CERT_SUFFIXES) if path.is_dir() else (
            [path] if path.is_file() else [])
        certs: list[x509.Certificate] = []
        for file in files:
            certs.extend(read_certificates(file.read_bytes()))
        roots = tuple(c for c in certs if c.issuer == c.subject)
        return cls(path, roots, tuple(c for c in certs if c.issuer != c.subject))

    def validation_context(self, *, fetching: bool = False, timeout: float = 5.0,
                           revocation: RevocationData = RevocationData(),
                           moment: datetime | None = None) -> ValidationContext:
        return ValidationContext(
            trust_roots=[to_asn1(c) for c in self.roots],
            other_certs=[to_asn1(c) for c in self.intermediates],
            allow_fetching=fetching,
            revocation_mode="hard-fail" if fetching else "soft-fail",
            crls=list(revocation.crls), ocsps=list(revocation.ocsps),
            moment=moment,
            fetcher_backend=OwnedFetcherBackend(AIOHttpFetcherBackend(per_request_timeout=timeout)) if fetching else None,
        )


def read_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, or the one DER certificate."""
    if b"-----BEGIN" in data:
        return list(x509.load_pem_x509_certificates(data))
    return [x509.load_der_x509_certificate(data)]


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def revocation_urls(cert: x509.Certificate) -> list[str]:
    """The CRL distribution points and OCSP responders the certificate names."""
    urls: list[str] = []
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        for point in points:
            urls.extend(n.value for n in point.full_name or () if isinstance(n, x509.UniformResourceIdentifier))
    except x509.ExtensionNotFound:
        pass
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        urls.extend(d.access_location.value for d in access
                    if d.access_method == AuthorityInformationAccessOID.OCSP
                    and isinstance(d.access_location, x509.UniformResourceIdentifier))
    except x509.ExtensionNotFound:
        pass
    return urls


def _day(moment: datetime) -> str:
    return moment.astimezone().strftime("%d/%m/%Y")


def check_validity(cert: x509.Certificate, now: datetime) -> Check:
    if now < cert.not_valid_before_utc:
        return Check("validity", "fail", N_("The certificate is not valid yet: it starts on {day}"),
                     {"day": _day(cert.not_valid_before_utc)})
    if now > cert.not_valid_after_utc:
        return Check("validity", "fail", N_("The certificate expired on {day}"), {"day": _day(cert.not_valid_after_utc)})
    return Check("validity", "ok", N_("Valid from {start} to {end}"),
                 {"start": _day(cert.not_valid_before_utc), "end": _day(cert.not_valid_after_utc)})


def check_key_usage(cert: x509.Certificate) -> Check:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return Check("key_usage", "ok", N_("The certificate does not restrict the key's usage"))
    if usage.digital_signature or usage.content_commitment:
        return Check("key_usage", "ok", N_("The key may sign documents (digital signature / non-repudiation)"))
    return Check("key_usage", "fail",
                 N_("The certificate does not allow signing documents (no digital signature or non-repudiation usage)"))


def check_certificate(cert: x509.Certificate, config: SignConfig, *, now: datetime | None = None,
                      extra_certs: Sequence[x509.Certificate] = ()) -> CertReport:
    """Run the four checks (blocking: may fetch CRLs/OCSP over HTTP; call from a worker)."""
    now = now or datetime.now(timezone.utc)
    store = TrustStore.load(config.trust_dir)
    validity = check_validity(cert, now)
    usage = check_key_usage(cert)
    chain, path = _check_chain(cert, store, extra_certs, validity)
    revocation, data = _check_revocation(cert, store, extra_certs, config, chain)
    return CertReport(cert, (validity, usage, chain, revocation), path, data)


def _validator(cert: x509.Certificate, extra: Sequence[x509.Certificate],
               context: ValidationContext) -> CertificateValidator:
    return CertificateValidator(to_asn1(cert), intermediate_certs=[to_asn1(c) for c in extra],
                                validation_context=context)


def _check_chain(cert: x509.Certificate, store: TrustStore, extra: Sequence[x509.Certificate],
                 validity: Check) -> tuple[Check, tuple[x509.Certificate, ...]]:
    if not store.roots:
        return Check("chain", "fail", N_("No trusted root certificates in {folder}: copy the national root "
                     "certificates there"), {"folder": str(store.folder)}), ()
    # An expired certificate is judged on its chain at a moment it was valid: the date
    # problem is already reported once, by the validity check.
    moment = None
    if validity.status == "fail":
        moment = cert.not_valid_before_utc + (cert.not_valid_after_utc - cert.not_valid_before_utc) / 2
    context = store.validation_context(moment=moment)
    try:
        path = asyncio.run(_validate_path(_validator(cert, extra, context), context))
    except PathBuildingError:
        return Check("chain", "fail", N_("The issuer {issuer} is not trusted: no chain to a root certificate in {folder}"),
                     {"issuer": _name(cert.issuer), "folder": str(store.folder)}), ()
    except (ExpiredError, NotYetValidError) as exc:
        return Check("chain", "fail", N_("A certificate in the chain is outside its validity: {error}"),
                     {"error": str(exc)}), ()
    except (PathValidationError, ValidationError) as exc:
        return Check("chain", "fail", N_("The chain to the trusted root is not valid: {error}"), {"error": str(exc)}), ()
    issuers = tuple(x509.load_der_x509_certificate(c.dump()) for c in path)
    root = issuers[0] if issuers else cert
    return (Check("chain", "ok", N_("Issued by {issuer}, trusted root {root}"),
                  {"issuer": _name(cert.issuer), "root": _name(root.subject)}),
            tuple(c for c in issuers if c != cert))


async def _validate_path(validator: CertificateValidator, context: ValidationContext) -> list[asn1_x509.Certificate]:
    try:
        path = await validator.async_validate_path()
        return list(path.iter_certs(include_root=True))
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]


def _check_revocation(cert: x509.Certificate, store: TrustStore, extra: Sequence[x509.Certificate],
                      config: SignConfig, chain: Check) -> tuple[Check, RevocationData]:
    if not config.revocation:
        return Check("revocation", "unknown", N_("Unknown: revocation checking is turned off in the settings")), \
            RevocationData()
    urls = revocation_urls(cert)
    if not urls:
        return Check("revocation", "unknown", N_("Unknown: the certificate names no CRL or OCSP service")), \
            RevocationData()
    if chain.status != "ok":
        return Check("revocation", "unknown", N_("Unknown: revocation cannot be checked without a trusted chain")), \
            RevocationData()
    context = store.validation_context(fetching=True, timeout=config.fetch_timeout)
    try:
        data = asyncio.run(_fetch_revocation(_validator(cert, extra, context), context))
    except RevokedError as exc:
        return Check("revocation", "fail", N_("The certificate was revoked on {day}"),
                     {"day": exc.revocation_dt.astimezone().strftime("%H:%M %d/%m/%Y"), "error": str(exc)}), \
            RevocationData()
    except (InsufficientRevinfoError, PathValidationError, ValidationError, PathBuildingError, OSError) as exc:
        return Check("revocation", "unknown",
                     N_("Unknown: the revocation service could not be reached ({url}); the certificate "
                     "may or may not be revoked"), {"url": ", ".join(urls), "error": str(exc)}), RevocationData()
    source = "OCSP" if data.ocsps else "CRL"
    return Check("revocation", "ok", N_("Not revoked (checked online by {source})"), {"source": source}), data


async def _fetch_revocation(validator: CertificateValidator, context: ValidationContext) -> RevocationData:
    try:
        await validator.async_validate_path()
        return RevocationData(tuple(c.dump() for c in context.crls), tuple(o.dump() for o in context.ocsps))
    finally:
        await context.aclose()  # type: ignore[no-untyped-call]


def _name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()
