"""The seal that ties a paper form to its record: record id + short content hash, as a QR.

What is hashed: the record's **canonical JSON** (NFC strings, sorted keys, no floats),
not the PDF. The PDF depends on ReportLab's version and the font files; the record is
the fact the store keeps and audits, so anyone holding the paper can recompute the hash
from the stored record years later and compare it with the one printed on the page.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import segno

PAYLOAD_PREFIX = "helpdesk:v1"
SHORT_HASH_CHARS = 12  # 48 bits: enough to catch a wrong or altered paper, short to read


def _canonical(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float):
        raise TypeError("floats have no canonical form; store amounts as int or str")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be str, not {type(key).__name__}")
            out[unicodedata.normalize("NFC", key)] = _canonical(item)
        return out
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """UTF-8 canonical JSON: NFC strings, sorted keys, compact, floats refused.

    Dates, datetimes and UUIDs become their ISO / hyphenated text.
    """
    return json.dumps(
        _canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_json` — the hash a form's QR code refers to."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


@dataclass(frozen=True)
class FormSeal:
    """Record id + content hash, printed on the last page as a QR code and in small text."""

    record_id: str
    digest: str  # full SHA-256 hex of the record's canonical JSON

    @classmethod
    def for_record(cls, record_id: str, data: Mapping[str, Any]) -> FormSeal:
        return cls(record_id=record_id, digest=content_hash(data))

    @property
    def short_hash(self) -> str:
        return self.digest[:SHORT_HASH_CHARS]

    @property
    def display_hash(self) -> str:
        """The short hash in groups of four, easier to read aloud: ``1a2b-3c4d-5e6f``."""
        h = self.short_hash
        return "-".join(h[i : i + 4] for i in range(0, len(h), 4))

    def payload(self) -> str:
        """The QR text: ``helpdesk:v1:<record id>:<short hash>``."""
        return f"{PAYLOAD_PREFIX}:{self.record_id}:{self.short_hash}"

    def qr(self, level: str = "M") -> segno.QRCode:
        """:func:`qr_code` of the payload."""
        return qr_code(self.payload(), level)

    def matches(self, data: Mapping[str, Any]) -> bool:
        """True if ``data`` hashes to this seal's digest (or its short prefix)."""
        return content_hash(data).startswith(self.digest)


def qr_code(text: str, level: str = "M") -> segno.QRCode:
    """``text`` as a QR code (never Micro QR) made by segno: error correction ``level``
    (L, M, Q, H) at least — segno raises it while the symbol keeps its size — and the
    mask chosen by the standard's penalty rules. ``.matrix`` holds the modules."""
    return segno.make_qr(text, error=level.lower())


def parse_payload(text: str) -> FormSeal:
    """Read a scanned QR payload back; the seal's digest is then the short hash only."""
    head, sep, short = text.strip().rpartition(":")
    prefix = f"{PAYLOAD_PREFIX}:"
    record_id = head[len(prefix) :]
    if (
        not sep
        or not head.startswith(prefix)
        or not record_id
        or len(short) != SHORT_HASH_CHARS
        or short.strip("0123456789abcdef")
    ):
        raise ValueError(f"not a helpdesk form code: {text!r}")
    return FormSeal(record_id=record_id, digest=short)
