"""Turn certificate bytes found on a token into :class:`CertInfo`.

Malformed DER never raises: it yields a CertInfo with ``error`` set, so one junk
object on a token does not hide the good certificates beside it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from helpdesk.tokens.model import CertInfo, Name

_PART_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COUNTRY_NAME: "C",
    NameOID.EMAIL_ADDRESS: "E",
    NameOID.USER_ID: "UID",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.TITLE: "T",
}

_KEY_USAGE_FLAGS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def name_from_x509(name: x509.Name) -> Name:
    parts: dict[str, str] = {}
    for attribute in name:
        key = _PART_NAMES.get(attribute.oid)
        value = attribute.value if isinstance(attribute.value, str) else attribute.value.hex()
        if key and key not in parts:
            parts[key] = nfc(value)
    return Name(text=nfc(name.rfc4514_string({NameOID.EMAIL_ADDRESS: "E"})), parts=parts)


def _key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    flags = [flag for flag in _KEY_USAGE_FLAGS if getattr(usage, flag)]
    if usage.key_agreement:
        flags += [f for f in ("encipher_only", "decipher_only") if getattr(usage, f)]
    return tuple(flags)


def public_numbers(cert: x509.Certificate) -> tuple[int, int] | tuple[str, bytes] | None:
    """A comparable form of the certificate's public key (RSA modulus/exponent, EC point)."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return (numbers.n, numbers.e)
    if isinstance(key, ec.EllipticCurvePublicKey):
        from cryptography.hazmat.primitives import serialization

        point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return (key.curve.name, point)
    return None


@lru_cache(maxsize=512)
def _parse_cached(der: bytes) -> tuple[CertInfo, x509.Certificate | None]:
    return parse_certificate(der)


def parse_certificate_cached(
    der: bytes, label: str, key_id: bytes, **changes: object
) -> tuple[CertInfo, x509.Certificate | None]:
    """Like :func:`parse_certificate`, remembering results by the certificate bytes:
    a token read again (every insert, every check) costs a dictionary lookup.
    ``changes`` are further CertInfo fields to set (has_private_key, key_matches)."""
    info, cert = _parse_cached(der)
    return replace(info, label=nfc(label), key_id=key_id.hex().upper(), **changes), cert  # type: ignore[arg-type]


def parse_certificate(
    der: bytes,
    label: str = "",
    key_id: bytes = b"",
    has_private_key: bool = False,
    key_matches: bool | None = None,
) -> tuple[CertInfo, x509.Certificate | None]:
    """Parse DER into CertInfo (+ the cryptography object, None when malformed)."""
    fingerprint = hashlib.sha256(der).hexdigest().upper()
    try:
        cert = x509.load_der_x509_certificate(der)
        subject = name_from_x509(cert.subject)
        issuer = name_from_x509(cert.issuer)
        info = CertInfo(
            label=nfc(label),
            key_id=key_id.hex().upper(),
            subject=subject,
            issuer=issuer,
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            fingerprint_sha256=fingerprint,
            key_usage=_key_usage(cert),
            has_private_key=has_private_key,
            key_matches=key_matches,
        )
        return info, cert
    except (ValueError, TypeError) as exc:  # cryptography raises ValueError on bad DER
        return broken_certificate(label, key_id, fingerprint, f"malformed certificate: {exc}"), None


def broken_certificate(label: str, key_id: bytes, fingerprint: str, error: str) -> CertInfo:
    empty = Name(text="", parts={})
    return CertInfo(
        label=nfc(label),
        key_id=key_id.hex().upper(),
        subject=empty,
        issuer=empty,
        serial="",
        not_before=_EPOCH,
        not_after=_EPOCH,
        fingerprint_sha256=fingerprint,
        error=error,
    )
