"""The signed batch format: canonical bytes, signatures, NFC."""

from __future__ import annotations

import random
import unicodedata

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from helpdesk.store.canonical import dumps_canonical, normalize
from helpdesk.sync.protocol import (
    decode_public_key,
    encode_public_key,
    fast_canonical,
    make_batch,
    sign,
    verify,
)

AWKWARD = ["a\"b\\c\n\r\t\b\f\x00\x01\x1f\x7f", "\u2028\u2029", "😀 Nguyễn Văn Ánh", "</script>", "\ud7ff\ue000\uffff",
           "/", "", "Đặng Thị Ơn", unicodedata.normalize("NFD", "Huỳnh Ưng")]


def test_fast_canonical_gives_the_same_bytes_as_the_standard_library() -> None:
    rng = random.Random(14)
    docs: list[object] = [{"k": s, s: [1, -2, 2**62, 2**70, True, None, {"z": 1, "a": {"é": 2, "e": 3, "É": 4}}]}
                          for s in AWKWARD]
    for _ in range(3000):
        text = "".join(chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
                       for _ in range(rng.randint(0, 16)))
        docs.append({text: text, "x" + text: [text, {text: None}]})
    for doc in docs:
        norm = normalize(doc)
        assert fast_canonical(norm) == dumps_canonical(norm)


def test_a_signature_covers_every_field_and_survives_nfd_spelling() -> None:
    key = Ed25519PrivateKey.generate()
    public = decode_public_key(encode_public_key(key.public_key()))
    batch = sign(make_batch("kiosk-01", [], [{"id": "r1", "payload": {"text": "Hồ Chí Minh"}}], "2026-12-06T00:00:00Z"),
                 key)
    assert verify(batch, public)
    nfd = {**batch, "records": [{"id": "r1", "payload": {"text": unicodedata.normalize("NFD", "Hồ Chí Minh")}}]}
    assert verify(nfd, public)  # the same text in another Unicode spelling signs the same
    for field, value in (("kiosk_id", "kiosk-02"), ("batch_id", "other"), ("records", [])):
        assert not verify({**batch, field: value}, public)
    assert not verify({**batch, "signature": "not base64!"}, public)
    assert not verify({k: v for k, v in batch.items() if k != "signature"}, public)
    assert not verify(batch, Ed25519PrivateKey.generate().public_key())
