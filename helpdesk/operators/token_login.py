"""Log-in with the operator's own token: registered certificate + PIN + proof of key.

A certificate is public: anyone can copy it onto a blank token and set their own
PIN, so "this token holds the registered certificate and the PIN opened it" is not
enough. The token also signs a fresh random challenge with the private key that
belongs to the certificate (CKA_ID), and the signature is checked against the
certificate's public key here, outside the token. The PIN log-in itself happens in
the TokenWorker (``run_in_session(pin=…)``), so a wrong PIN is the token's own
``PinIncorrect`` and counts against the token's retry counter like any other try.

Blocking: call :func:`login_with_token` from a thread worker, never the UI thread.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from helpdesk.operators.accounts import LoginFailed, Operator, OperatorBook
from helpdesk.secret import Secret

if TYPE_CHECKING:
    from helpdesk.tokens.model import CertInfo, TokenInfo
    from helpdesk.tokens.pkcs11 import TokenWorker

CHALLENGE_BYTES = 32
TIMEOUT = 30.0


def candidates(book: OperatorBook, token: TokenInfo) -> list[tuple[Operator, CertInfo]]:
    """Active accounts that registered one of this token's certificates."""
    found = []
    for cert in token.certificates:
        if cert.error:
            continue
        operator = book.by_fingerprint(cert.fingerprint_sha256)
        if operator is not None:
            found.append((operator, cert))
    return found


def _sign_on_token(session: Any, key_id: bytes, fingerprint: str, challenge: bytes) -> tuple[bytes, bytes, str]:
    """On the worker thread: the certificate's DER and a signature of ``challenge``."""
    from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass

    der = b""
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key_id}):
        value = bytes(obj[Attribute.VALUE])
        if hashlib.sha256(value).hexdigest().upper() == fingerprint:
            der = value
            break
    key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
    if key.key_type == KeyType.RSA:
        return der, bytes(key.sign(challenge, mechanism=Mechanism.SHA256_RSA_PKCS)), "rsa"
    if key.key_type == KeyType.EC:
        return der, bytes(key.sign(hashlib.sha256(challenge).digest(), mechanism=Mechanism.ECDSA)), "ec"
    raise LoginFailed("The key on this token cannot be used for log-in.")


def _check_signature(der: bytes, signature: bytes, kind: str, challenge: bytes) -> bool:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    public = x509.load_der_x509_certificate(der).public_key()
    try:
        if kind == "rsa" and isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
            return True
        if kind == "ec" and isinstance(public, ec.EllipticCurvePublicKey):
            half = len(signature) // 2
            r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
            public.verify(encode_dss_signature(r, s), challenge, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False


def login_with_token(
    book: OperatorBook,
    worker: TokenWorker,
    token: TokenInfo,
    pin: Secret,
    *,
    operator_id: str | None = None,
    now: datetime | None = None,
) -> Operator:
    """Log the token's owner in: PIN log-in on the token, then a signed challenge.

    Raises the token's PIN errors (``PinIncorrect``, ``PinLocked``) as they are, and
    :class:`LoginFailed` when the token holds no registered certificate, the
    certificate has expired, or its key does not answer the challenge.
    """
    found = [(o, c) for o, c in candidates(book, token) if operator_id in (None, o.id)]
    if not found:
        raise LoginFailed("No operator account is registered for this token.")
    operator, cert = found[0]
    when = now or datetime.now(UTC)
    if not cert.is_valid_at(when):
        raise LoginFailed("The certificate on this token is not valid now (expired or not yet valid).")
    challenge = os.urandom(CHALLENGE_BYTES)
    der, signature, kind = worker.run_in_session(
        token.serial, lambda s: _sign_on_token(s, bytes.fromhex(cert.key_id), cert.fingerprint_sha256, challenge),
        pin=pin,
    ).result(TIMEOUT)
    if not der or not _check_signature(der, signature, kind, challenge):
        raise LoginFailed("This token could not prove it holds the key of the registered certificate.")
    fresh = book.get(operator.id)  # disabled since the token was read?
    if fresh is None or not fresh.active:
        raise LoginFailed("The account {id} is disabled.", id=operator.id)
    return fresh
