"""The signed batch: one format for HTTP batches, offline bundles and receipts.

A batch is a JSON object::

    {"protocol": "helpdesk.sync/1", "kind": "batch", "batch_id": UUID,
     "kiosk_id": …, "created": ISO-UTC, "audit": [audit entries…],
     "records": [records…], "kiosk_state": {"audit_seq": N, "pending": M},
     "signature": base64(Ed25519)}

The signature covers the canonical JSON (NFC strings, sorted keys, no whitespace,
no floats — :mod:`helpdesk.store.canonical`) of the object without ``signature``.
``audit`` is a contiguous run of the kiosk's audit chain covering every record in
``records``, so the registry can check each record against its entry and the chain
against the head it already holds. ``kiosk_state`` (optional: older kiosks leave it
out) is the kiosk's own view when it made the batch — its local audit head and how many
outbox records stay unsent once this batch is taken — so the registry can show what a
kiosk still holds; being inside the signed object, nobody else can change it.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from helpdesk.store.canonical import NotCanonical, canonical, dumps_canonical

PROTOCOL = "helpdesk.sync/1"
BATCH = "batch"
RECEIPT = "receipt"
SIGNATURE = "signature"
KIOSK_STATE = "kiosk_state"


@dataclass(frozen=True)
class KioskReport:
    """What a kiosk says of itself in a batch: its audit head and the records left unsent."""

    audit_seq: int
    pending: int


def fast_canonical(value: Any) -> bytes:
    """:func:`~helpdesk.store.canonical.dumps_canonical` of an already-normalised value, via orjson.

    The same bytes (compact, sorted keys, UTF-8, the same escapes; a test compares them
    on awkward strings), ten times faster; anything orjson cannot encode (an integer
    beyond 64 bits, a non-string key) goes through the standard library.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return dumps_canonical(value)


class BadKey(ValueError):
    """Not a base64 Ed25519 public key."""


def encode_public_key(key: Ed25519PublicKey) -> str:
    """The 32 raw bytes of the key, base64 (how ``kiosk id`` prints it and ``enroll`` takes it)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def decode_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadKey(f"not a base64 Ed25519 public key: {exc}") from exc


def signed_bytes(doc: Mapping[str, Any], *, normalized: bool = False) -> bytes:
    """What the signature covers: canonical JSON of everything but the signature.

    ``normalized=True`` skips the NFC/float pass for a document already in canonical
    form (the store's records and audit entries are): the same bytes, much faster.
    """
    body = {k: v for k, v in doc.items() if k != SIGNATURE}
    return fast_canonical(body) if normalized else canonical(body)


def sign(doc: Mapping[str, Any], key: Ed25519PrivateKey, *, normalized: bool = False) -> dict[str, Any]:
    body = {k: v for k, v in doc.items() if k != SIGNATURE}
    signature = key.sign(signed_bytes(body, normalized=normalized))
    return {**body, SIGNATURE: base64.b64encode(signature).decode("ascii")}


def verify(doc: Mapping[str, Any], key: Ed25519PublicKey, *, normalized: bool = False) -> bool:
    """True when ``doc`` carries a good signature by ``key`` (any malformation: False)."""
    sig = doc.get(SIGNATURE)
    if not isinstance(sig, str):
        return False
    try:
        key.verify(base64.b64decode(sig, validate=True), signed_bytes(doc, normalized=normalized))
    except (InvalidSignature, binascii.Error, ValueError, NotCanonical, TypeError):
        return False
    return True


def make_batch(
    kiosk_id: str,
    audit: Sequence[Mapping[str, Any]],
    records: Sequence[Mapping[str, Any]],
    created: str,
    batch_id: str | None = None,
    kiosk_state: KioskReport | None = None,
) -> dict[str, Any]:
    """An unsigned batch (sign it with :func:`sign`)."""
    batch: dict[str, Any] = {
        "protocol": PROTOCOL,
        "kind": BATCH,
        "batch_id": batch_id or str(uuid.uuid4()),
        "kiosk_id": kiosk_id,
        "created": created,
        "audit": [dict(e) for e in audit],
        "records": [dict(r) for r in records],
    }
    if kiosk_state is not None:
        batch[KIOSK_STATE] = {"audit_seq": kiosk_state.audit_seq, "pending": kiosk_state.pending}
    return batch
