"""Key jobs on a logged-in session: sign, generate a key pair, import a certificate.

These run on the TokenWorker thread (``TokenWorker.sign`` & co. submit them); they
take the python-pkcs11 session and return plain values, never library objects.
OpenSC's ``pkcs11-tool`` is the reference for the semantics: keys and their
certificate share ``CKA_ID``; private keys are sensitive and never extractable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11e

from helpdesk import errors

#: Mechanisms by name, for callers that must not import python-pkcs11.
MECHANISMS = {
    "SHA256_RSA_PKCS": Mechanism.SHA256_RSA_PKCS,
    "SHA384_RSA_PKCS": Mechanism.SHA384_RSA_PKCS,
    "SHA512_RSA_PKCS": Mechanism.SHA512_RSA_PKCS,
    "RSA_PKCS": Mechanism.RSA_PKCS,
    "ECDSA": Mechanism.ECDSA,
    "ECDSA_SHA256": Mechanism.ECDSA_SHA256,
}


@dataclass(frozen=True)
class KeyRef:
    """Which key: its CKA_ID (hex) and/or label; neither = the only private key."""

    id: str = ""
    label: str = ""

    def template(self) -> dict[Any, Any]:
        found: dict[Any, Any] = {}
        if self.id:
            found[Attribute.ID] = bytes.fromhex(self.id)
        if self.label:
            found[Attribute.LABEL] = self.label
        return found


@dataclass(frozen=True)
class GeneratedKey:
    """A key pair made on the token: its CKA_ID, label and public key (SubjectPublicKeyInfo DER)."""

    id: str
    label: str
    public_key_der: bytes


def _private_key(session: Any, key: KeyRef) -> Any:
    found = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, **key.template()}))
    if not found:
        raise errors.TokenError("No private key {key} on the token", key=key.id or key.label or "")
    if len(found) > 1:
        raise errors.TokenError("Several private keys match {key}: name one by its id", key=key.id or key.label or "")
    return found[0]


def sign(session: Any, key: KeyRef, data: bytes, mechanism: str) -> bytes:
    """Sign ``data`` with the private key (logged-in session)."""
    if mechanism not in MECHANISMS:
        raise errors.TokenError("Unknown signing mechanism {mechanism}", mechanism=mechanism)
    private = _private_key(session, key)
    try:
        return bytes(private.sign(data, mechanism=MECHANISMS[mechanism]))
    except (p11e.MechanismInvalid, p11e.KeyTypeInconsistent, p11e.FunctionFailed) as exc:
        raise errors.TokenError("The token cannot sign with this key: {error}", error=type(exc).__name__) from None


def rsa_spki_der(public: Any) -> bytes:
    """The SubjectPublicKeyInfo DER of a PKCS#11 RSA public key object."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    modulus = int.from_bytes(public[Attribute.MODULUS], "big")
    exponent = int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big")
    key = rsa.RSAPublicNumbers(exponent, modulus).public_key()
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate_rsa(session: Any, bits: int, key_id: str, label: str) -> GeneratedKey:
    """An RSA key pair on the token (read-write, logged-in session)."""
    raw_id = bytes.fromhex(key_id)
    if list(session.get_objects({Attribute.ID: raw_id})):
        raise errors.TokenError("The token already holds objects with id {id}", id=key_id)
    try:
        public, _private = session.generate_keypair(
            KeyType.RSA, bits, id=raw_id, label=label, store=True,
            public_template={Attribute.VERIFY: True, Attribute.ENCRYPT: False, Attribute.WRAP: False},
            private_template={Attribute.SIGN: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                              Attribute.DECRYPT: False, Attribute.UNWRAP: False},
        )
    except (p11e.MechanismInvalid, p11e.KeySizeRange, p11e.TemplateInconsistent, p11e.AttributeValueInvalid) as exc:
        raise errors.TokenError("The token refused to make an RSA-{bits} key: {error}", bits=bits,
                                error=type(exc).__name__) from None
    except p11e.DeviceMemory:
        raise errors.TokenError("The token is full: no room for a new key") from None
    return GeneratedKey(key_id, label, rsa_spki_der(public))


def public_key_der(session: Any, key: KeyRef) -> bytes:
    found = list(session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, **key.template()}))
    if not found:
        raise errors.TokenError("No public key {key} on the token", key=key.id or key.label or "")
    return rsa_spki_der(found[0])


def import_certificate(session: Any, der: bytes, key_id: str, label: str) -> None:
    """Store an X.509 certificate object beside the key with CKA_ID ``key_id``."""
    from pkcs11.util.x509 import decode_x509_certificate

    try:
        attrs = decode_x509_certificate(der)
    except Exception as exc:  # asn1crypto raises ValueError/TypeError variants on junk
        raise errors.TokenError("This is not a certificate: {error}", error=type(exc).__name__) from None
    attrs[Attribute.ID] = bytes.fromhex(key_id)
    attrs[Attribute.LABEL] = label
    attrs[Attribute.TOKEN] = True
    try:
        session.create_object(attrs)
    except p11e.DeviceMemory:
        raise errors.TokenError("The token is full: no room for the certificate") from None


def delete_certificate(session: Any, serial_hex: str) -> int:
    """Remove certificate objects whose serial number is ``serial_hex``; how many went."""
    from cryptography import x509

    gone = 0
    for obj in list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})):
        try:
            cert = x509.load_der_x509_certificate(obj[Attribute.VALUE])
        except (ValueError, pkcs11.PKCS11Error):
            continue
        if format(cert.serial_number, "X") == serial_hex.upper().replace(":", "").lstrip("0"):
            obj.destroy()
            gone += 1
    return gone
