"""A test certificate authority built with ``cryptography``.

It issues certificates with Vietnamese UTF-8 subjects, like the Government CA's
(Ban Cơ yếu Chính phủ) specialised certificates, for test tokens and the demo token.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_OIDS = {
    "CN": NameOID.COMMON_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "L": NameOID.LOCALITY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "C": NameOID.COUNTRY_NAME,
    "E": NameOID.EMAIL_ADDRESS,
    "UID": NameOID.USER_ID,
    "T": NameOID.TITLE,
}

_key_pool: list[rsa.RSAPrivateKey] = []
_pool_lock = threading.Lock()


def fresh_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pooled_key(index: int) -> rsa.RSAPrivateKey:
    """The index-th key of a per-process pool: distinct keys without paying for
    RSA generation in every test (≈ 50–100 ms each)."""
    with _pool_lock:
        while len(_key_pool) <= index:
            _key_pool.append(fresh_key())
        return _key_pool[index]


def build_name(parts: dict[str, str]) -> x509.Name:
    """An X.500 name from {"CN": …, "O": …}; values NFC, in the order given."""
    attributes = []
    for key, value in parts.items():
        text = unicodedata.normalize("NFC", value)
        attributes.append(x509.NameAttribute(_OIDS[key], text))
    return x509.Name(attributes)


def person_subject(
    name: str = "Nguyễn Thị Ánh Tuyết",
    organisation: str = "Sở Nội vụ thành phố Cần Thơ",
    unit: str = "Văn phòng Sở",
    locality: str = "Cần Thơ",
    email: str = "tuyetnta@cantho.gov.vn",
    uid: str = "CMND:092186001234",
) -> dict[str, str]:
    return {
        "C": "VN",
        "ST": locality,
        "L": locality,
        "O": organisation,
        "OU": unit,
        "CN": name,
        "E": email,
        "UID": uid,
    }


@dataclass
class TestCA:
    """Self-signed root that issues end-entity signing certificates."""

    __test__ = False  # not a pytest test class

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    _next_serial: int = 0x1001

    @classmethod
    def create(cls, common_name: str = "CA phục vụ các cơ quan Nhà nước (thử nghiệm)") -> TestCA:
        key = pooled_key(0)
        name = build_name({"C": "VN", "O": "Ban Cơ yếu Chính phủ (thử nghiệm)", "CN": common_name})
        now = datetime.now(timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(0x1000)
            .not_valid_before(now - timedelta(days=365))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, certificate=cert)

    def issue(
        self,
        public_key: rsa.RSAPublicKey,
        subject: dict[str, str] | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        serial: int | None = None,
    ) -> x509.Certificate:
        now = datetime.now(timezone.utc)
        not_before = not_before or now - timedelta(days=1)
        not_after = not_after or now + timedelta(days=3 * 365)
        if serial is None:
            serial = self._next_serial
            self._next_serial += 1
        return (
            x509.CertificateBuilder()
            .subject_name(build_name(subject or person_subject()))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)
