"""Plain, frozen facts about tokens and certificates, shared by every layer.

Times are timezone-aware UTC; serials are upper-case hex strings; text is NFC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class TokenFlags:
    """CK_TOKEN_INFO flags that matter at the desk (read without spending a PIN try)."""

    login_required: bool = False
    user_pin_initialized: bool = False
    token_initialized: bool = False
    protected_authentication_path: bool = False  # PIN pad on the reader
    user_pin_count_low: bool = False
    user_pin_final_try: bool = False
    user_pin_locked: bool = False
    so_pin_count_low: bool = False
    so_pin_final_try: bool = False
    so_pin_locked: bool = False

    @property
    def user_pin_state(self) -> str:
        """ok | count_low | final_try | locked."""
        if self.user_pin_locked:
            return "locked"
        if self.user_pin_final_try:
            return "final_try"
        if self.user_pin_count_low:
            return "count_low"
        return "ok"

    @property
    def so_pin_state(self) -> str:
        if self.so_pin_locked:
            return "locked"
        if self.so_pin_final_try:
            return "final_try"
        if self.so_pin_count_low:
            return "count_low"
        return "ok"


@dataclass(frozen=True)
class Name:
    """An X.500 name as NFC text, with the parts forms need."""

    text: str  # RFC 4514 string, NFC
    parts: dict[str, str] = field(default_factory=dict)  # CN, O, OU, L, ST, C, E, UID, SERIALNUMBER

    def get(self, part: str) -> str:
        return self.parts.get(part, "")

    @property
    def common_name(self) -> str:
        return self.get("CN")


@dataclass(frozen=True)
class CertInfo:
    """One certificate object found on a token."""

    label: str
    key_id: str  # CKA_ID as hex
    subject: Name
    issuer: Name
    serial: str  # certificate serial, hex upper-case
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str
    key_usage: tuple[str, ...] = ()
    # A private key with the same CKA_ID is on the token. None: unknown, because the
    # token hides private objects until the holder logs in (CKA_PRIVATE keys).
    has_private_key: bool | None = False
    # The token's key pair for this CKA_ID (private key, else public key object) has the
    # certificate's public key. None: no key object visible to compare with.
    key_matches: bool | None = None
    error: str = ""  # non-empty: the object could not be parsed (malformed DER); other fields empty

    def is_valid_at(self, when: datetime | None = None) -> bool:
        when = when or datetime.now(timezone.utc)
        return not self.error and self.not_before <= when <= self.not_after

    def days_left(self, when: datetime | None = None) -> int:
        when = when or datetime.now(timezone.utc)
        return (self.not_after - when).days

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "id": self.key_id,
            "subject": dict(self.subject.parts),
            "subject_text": self.subject.text,
            "issuer_text": self.issuer.text,
            "serial": self.serial,
            "not_before": _iso(self.not_before),
            "not_after": _iso(self.not_after),
            "fingerprint_sha256": self.fingerprint_sha256,
            "key_usage": list(self.key_usage),
            "has_private_key": self.has_private_key,
            "key_matches": self.key_matches,
            "error": self.error or None,
        }


@dataclass(frozen=True)
class TokenInfo:
    """A token as seen right now: identity, flags, and its certificates."""

    serial: str  # CK_TOKEN_INFO serialNumber, stripped: THE identity of a token
    label: str
    manufacturer: str
    model: str
    module: str  # name of the PKCS#11 module entry that reads it
    flags: TokenFlags
    reader: str = ""  # PC/SC reader name, "" when unknown (pcscd down, soft token)
    atr: str = ""  # hex, "" when unknown
    min_pin_len: int = 0
    max_pin_len: int = 0
    certificates: tuple[CertInfo, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "label": self.label,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "module": self.module,
            "reader": self.reader or None,
            "atr": self.atr or None,
            "min_pin_len": self.min_pin_len,
            "max_pin_len": self.max_pin_len,
            "flags": {
                "login_required": self.flags.login_required,
                "user_pin_initialized": self.flags.user_pin_initialized,
                "token_initialized": self.flags.token_initialized,
                "protected_authentication_path": self.flags.protected_authentication_path,
                "user_pin_count_low": self.flags.user_pin_count_low,
                "user_pin_final_try": self.flags.user_pin_final_try,
                "user_pin_locked": self.flags.user_pin_locked,
                "so_pin_count_low": self.flags.so_pin_count_low,
                "so_pin_final_try": self.flags.so_pin_final_try,
                "so_pin_locked": self.flags.so_pin_locked,
            },
            "certificates": [c.to_json() for c in self.certificates],
        }


@dataclass(frozen=True)
class ReaderEvent:
    """A PC/SC change: reader added/removed, card inserted/removed."""

    kind: str  # "reader_added" | "reader_removed" | "card_inserted" | "card_removed" | "monitor_error" | "monitor_recovered"
    reader: str
    atr: str = ""  # hex upper-case, spaced pairs stripped: "3B9513810180..."
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "reader": self.reader, "atr": self.atr or None, "detail": self.detail or None}


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
