"""On-token keys and PKCS#10 requests (CSR) signed by the token's own key.

The private key never leaves the token: cryptography's
``CertificateSigningRequestBuilder.sign`` is handed a :class:`TokenKey`, an
``rsa.RSAPrivateKey`` whose ``sign`` forwards the bytes to ``ctx.worker.sign`` and waits
for the worker's answer. That wait is why everything here runs in a thread job (CLI or
``WorkflowScreen.run_job``), never on the TokenWorker thread itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import NoDigestInfo, Prehashed
from cryptography.x509.oid import NameOID

from helpdesk.extension import (
    KeyRef,
    PinIncorrect,
    PinLocked,
    TokenError,
    TokenNotFound,
    TokenRemovedError,
    delete_key_pair,
    nfc,
)
from helpdesk_renewal.model import RenewalError

if TYPE_CHECKING:
    from helpdesk.extension import Secret, WorkflowContext

TOKEN_WAIT = 120.0  # seconds: key generation on a slow card takes a few

_OIDS = {
    "C": NameOID.COUNTRY_NAME, "ST": NameOID.STATE_OR_PROVINCE_NAME, "L": NameOID.LOCALITY_NAME,
    "O": NameOID.ORGANIZATION_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME, "T": NameOID.TITLE,
    "CN": NameOID.COMMON_NAME, "E": NameOID.EMAIL_ADDRESS, "UID": NameOID.USER_ID,
}
_MECHANISMS = {"SHA256": "SHA256_RSA_PKCS", "SHA384": "SHA384_RSA_PKCS", "SHA512": "SHA512_RSA_PKCS"}


class TokenKey(rsa.RSAPrivateKey):
    """The token's private key as cryptography sees it: it can sign, nothing else."""

    def __init__(self, ctx: WorkflowContext, serial: str, pin: Secret, key_id: str, public_der: bytes) -> None:
        public = serialization.load_der_public_key(public_der)
        if not isinstance(public, rsa.RSAPublicKey):
            raise RenewalError("The token key is not an RSA key")
        self._ctx, self._serial, self._pin, self._key_id, self._public = ctx, serial, pin, key_id, public

    def sign(self, data: bytes, padding: padding.AsymmetricPadding,
             algorithm: Prehashed | hashes.HashAlgorithm | NoDigestInfo) -> bytes:
        if not isinstance(algorithm, hashes.HashAlgorithm) or algorithm.name.upper() not in _MECHANISMS:
            raise RenewalError("The token signs only SHA-2 hashes of whole data")
        if type(padding).__name__ != "PKCS1v15":
            raise RenewalError("The token signs with PKCS#1 v1.5 padding only")
        future = self._ctx.worker.sign(self._serial, self._pin, data, key=KeyRef(id=self._key_id),
                                       mechanism=_MECHANISMS[algorithm.name.upper()])
        return future.result(timeout=TOKEN_WAIT)

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def decrypt(self, ciphertext: bytes, padding: padding.AsymmetricPadding) -> bytes:
        raise RenewalError("The token key is for signing only")

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        raise RenewalError("The private key never leaves the token")

    def private_bytes(self, encoding: serialization.Encoding, format: serialization.PrivateFormat,
                      encryption_algorithm: serialization.KeySerializationEncryption) -> bytes:
        raise RenewalError("The private key never leaves the token")

    def __copy__(self) -> TokenKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> TokenKey:
        return self


def subject_name(parts: Mapping[str, str]) -> x509.Name:
    """An X.500 name in the order given, UTF-8 (NFC) strings; C stays PrintableString."""
    attributes = []
    for key, value in parts.items():
        text = nfc(str(value)).strip()
        if not text:
            continue
        if key not in _OIDS:
            raise RenewalError("Unknown subject attribute {name}", name=key)
        attributes.append(x509.NameAttribute(_OIDS[key], text))
    if not any(a.oid == NameOID.COMMON_NAME for a in attributes):
        raise RenewalError("The certificate subject needs a name (CN)")
    return x509.Name(attributes)


def subject_from_request(row: Mapping[str, Any], place: str) -> dict[str, str]:
    """The subject the authority expects for a person: their agency (O), province, title,
    name, official e-mail and citizen ID."""
    return {"C": "VN", "ST": place, "L": place, "O": str(row.get("unit") or ""),
            "T": str(row.get("position") or ""), "CN": str(row["name"]), "E": str(row.get("email") or ""),
            "UID": f"CCCD:{row['national_id']}"}


@dataclass(frozen=True)
class MadeRequest:
    """A CSR made on a token: its key's CKA_ID and label, PEM and DER."""

    serial: str
    key_id: str
    label: str
    pem: bytes
    der: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()


def make_csr(ctx: WorkflowContext, serial: str, pin: Secret, subject: Mapping[str, str], *, bits: int = 2048,
             label: str = "") -> MadeRequest:
    """Generate a key pair on the token and a CSR signed by it (blocking: a thread job)."""
    name = subject_name(subject)
    key_id = secrets.token_hex(8).upper()
    common = str(name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    label = nfc(label or f"{common} ({ctx.now():%Y-%m-%d})")
    try:
        made = ctx.worker.generate_key_pair(serial, pin, key_id=key_id, label=label,
                                            bits=bits).result(timeout=TOKEN_WAIT)
    except (PinIncorrect, PinLocked, TokenNotFound, TokenRemovedError):
        raise
    except TokenError as exc:
        raise RenewalError("Token {serial} did not make an RSA-{bits} key pair: {error}", serial=serial, bits=bits,
                           error=exc.localized()) from None
    try:
        key = TokenKey(ctx, serial, pin, made.id, made.public_key_der)
        csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
        if not csr.is_signature_valid:
            raise RenewalError("The token's signature on the request does not verify")
    except BaseException:
        # no CSR, no key: take the key pair off the token again (best effort: it may be gone)
        with contextlib.suppress(Exception):
            ctx.worker.run_in_session(serial, partial(delete_key_pair, key_id=made.id), pin=pin,
                                      rw=True).result(timeout=TOKEN_WAIT)
        raise
    return MadeRequest(serial, made.id, label, csr.public_bytes(serialization.Encoding.PEM),
                       csr.public_bytes(serialization.Encoding.DER))
