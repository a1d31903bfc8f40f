"""Password hashes: scrypt with a per-account salt; the password itself is never kept.

Stored form: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``, so the cost can be
raised later without breaking old hashes. ``n = 2**14, r = 8`` takes ≈ 50 ms and
16 MiB: slow for a guesser, quick enough for a log-in (run it in a worker).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from helpdesk.secret import Secret

LOG2_N = 14
R = 8
P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_LENGTH = 8


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: Secret, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    # NFC: the same password typed through different input methods must match.
    data = unicodedata.normalize("NFC", password.reveal()).encode("utf-8")
    return hashlib.scrypt(data, salt=salt, n=2**log2_n, r=r, p=p, dklen=HASH_BYTES, maxmem=64 * 1024 * 1024)


@dataclass(frozen=True)
class PasswordHash:
    log2_n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    def __repr__(self) -> str:  # hashes stay out of logs too
        return "PasswordHash(scrypt, ***)"

    @classmethod
    def make(cls, password: Secret) -> PasswordHash:
        salt = os.urandom(SALT_BYTES)
        return cls(LOG2_N, R, P, salt, _scrypt(password, salt, LOG2_N, R, P))

    def matches(self, password: Secret) -> bool:
        """Constant-time comparison of the derived key."""
        return hmac.compare_digest(_scrypt(password, self.salt, self.log2_n, self.r, self.p), self.digest)

    def encode(self) -> str:
        return f"scrypt${self.log2_n}${self.r}${self.p}${_b64(self.salt)}${_b64(self.digest)}"

    @classmethod
    def decode(cls, text: str) -> PasswordHash:
        try:
            scheme, log2_n, r, p, salt, digest = text.split("$")
            if scheme != "scrypt":
                raise ValueError(scheme)
            return cls(int(log2_n), int(r), int(p), base64.b64decode(salt), base64.b64decode(digest))
        except (ValueError, TypeError) as exc:
            raise ValueError("not a scrypt password hash") from exc


#: Compared against when the account does not exist, so a wrong name costs as much
#: time as a wrong password (no account enumeration by timing).
_DUMMY = PasswordHash(LOG2_N, R, P, b"\0" * SALT_BYTES, b"\0" * HASH_BYTES)


def burn_time(password: Secret) -> None:
    _DUMMY.matches(password)
