"""Reading what the authority sends back: PEM, DER or a PKCS#7 bundle, and its leaf.

Everything is parsed and checked before the token is touched, so a malformed file or a
bundle without an end-entity certificate changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from helpdesk_renewal.model import RenewalError

_PEM_CERT = b"-----BEGIN CERTIFICATE-----"
_PEM_P7 = (b"-----BEGIN PKCS7-----", b"-----BEGIN CMS-----")


def load_certificates(data: bytes, name: str = "") -> list[x509.Certificate]:
    """Every certificate in ``data`` (PEM, several PEM blocks, DER, PKCS#7 PEM or DER)."""
    stripped = data.strip()
    try:
        if stripped.startswith(b"-----BEGIN"):
            if any(marker in stripped for marker in _PEM_P7):
                found = pkcs7.load_pem_pkcs7_certificates(stripped.replace(b"BEGIN CMS", b"BEGIN PKCS7")
                                                          .replace(b"END CMS", b"END PKCS7"))
            elif _PEM_CERT in stripped:
                found = x509.load_pem_x509_certificates(stripped)
            else:
                raise ValueError("no certificate block")
        else:
            try:
                found = [x509.load_der_x509_certificate(stripped)]
            except ValueError:
                found = pkcs7.load_der_pkcs7_certificates(stripped)
    except ValueError:
        raise RenewalError("{file} is not a certificate: the PEM, DER or PKCS#7 data is malformed",
                           file=name or "?") from None
    if not found:
        raise RenewalError("{file} holds no certificate", file=name or "?")
    return list(found)


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def leaves(certs: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """End-entity certificates: not a CA, and not the issuer of another one in the bundle."""
    issuers = {c.issuer for c in certs if c.issuer != c.subject}
    return [c for c in certs if not is_ca(c) and not (c.subject in issuers and c.subject != c.issuer)]


def spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "X")


def common_name(cert: x509.Certificate) -> str:
    found = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    value = found[0].value if found else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)
