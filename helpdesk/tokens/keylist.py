"""Which key pairs a token holds: ``ctx.worker.run_in_session(serial, list_keys, pin=pin)``.

A session job (it runs on the TokenWorker thread) for plugins that must find the key
a certificate belongs to — a certificate install picks the leaf whose public key is on
the token — without importing python-pkcs11 themselves. Keys are read from public key
objects, and from private keys that show their modulus (some tokens keep no public
object); a key is listed once per CKA_ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11 import exceptions as p11e

from helpdesk.tokens.keyjobs import rsa_spki_der


@dataclass(frozen=True)
class TokenKey:
    """One key on a token: CKA_ID (hex, upper case as in ``CertInfo.key_id``), label, public key (SubjectPublicKeyInfo DER) and
    whether the session saw its private key (None: private objects hidden, no log-in)."""

    id: str
    label: str
    public_key_der: bytes
    has_private_key: bool | None


def _read(obj: Any, attribute: Attribute) -> Any:
    try:
        return obj[attribute]
    except (p11e.AttributeTypeInvalid, p11e.AttributeSensitive, KeyError, NotImplementedError):
        return None


def list_keys(session: Any) -> list[TokenKey]:
    """Every RSA key pair on the token, by CKA_ID (a session job for ``run_in_session``)."""
    import pkcs11

    publics: dict[bytes, tuple[str, bytes]] = {}
    privates: dict[bytes, tuple[str, bytes | None]] = {}
    for obj in session.get_objects({Attribute.KEY_TYPE: KeyType.RSA}):
        kind = obj.object_class
        if kind not in (ObjectClass.PUBLIC_KEY, ObjectClass.PRIVATE_KEY):
            continue
        key_id = bytes(_read(obj, Attribute.ID) or b"")
        label = str(_read(obj, Attribute.LABEL) or "")
        spki: bytes | None = None
        if _read(obj, Attribute.MODULUS) and _read(obj, Attribute.PUBLIC_EXPONENT):
            spki = rsa_spki_der(obj)
        if kind == ObjectClass.PUBLIC_KEY and spki is not None:
            publics[key_id] = (label, spki)
        elif kind == ObjectClass.PRIVATE_KEY:
            privates[key_id] = (label, spki)
    hidden = session.user_type == pkcs11.UserType.NOBODY and not privates
    found: list[TokenKey] = []
    for key_id in dict.fromkeys([*publics, *privates]):
        label, spki = publics.get(key_id) or privates[key_id]
        if spki is None:
            continue
        has_private: bool | None = key_id in privates or (None if hidden else False)
        found.append(TokenKey(key_id.hex().upper(), label or (privates.get(key_id) or ("", None))[0], spki, has_private))
    return found


def delete_key_pair(session: Any, key_id: str) -> int:
    """Remove the key objects (public and private) with CKA_ID ``key_id``: undo a key pair
    made for a request that failed. Certificates are left alone. A session job for
    ``run_in_session(..., rw=True)``; returns how many objects went."""
    gone = 0
    for kind in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY):
        for obj in list(session.get_objects({Attribute.CLASS: kind, Attribute.ID: bytes.fromhex(key_id)})):
            obj.destroy()
            gone += 1
    return gone
