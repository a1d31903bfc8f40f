"""Canonical JSON: the exact bytes that get hashed (audit chain, record digests).

NFC strings (NFC and NFD spellings of the same Vietnamese text must hash the same),
sorted keys, no whitespace, UTF-8, and no floats (their text form is not stable
across languages). Anything else that is not plain JSON is refused.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

JSONValue = Any  # str | int | bool | None | list[JSONValue] | dict[str, JSONValue]


class NotCanonical(ValueError):
    """The value holds something canonical JSON refuses (float, bytes, object, …)."""


class _Refused(Exception):
    """Inside :func:`normalize`: what was refused, and where (filled in on the way out)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        self.where: list[str] = []


def normalize(value: object, path: str = "$") -> JSONValue:
    """A copy of ``value`` as plain JSON with every string (and key) in NFC.

    The path of a refused value (``$.rows[3].date``) is put together only when one is
    refused: every record, row and audit entry passes through here."""
    try:
        return _plain(value)
    except _Refused as refused:
        raise NotCanonical(f"{path}{''.join(reversed(refused.where))}: {refused.problem}") from None


def _plain(value: object) -> JSONValue:
    kind = type(value)
    if kind is str:
        return _nfc("NFC", value)  # type: ignore[arg-type]
    if value is None or kind is int or kind is bool:
        return value
    if isinstance(value, dict):
        out: dict[str, JSONValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Refused(f"key {key!r} is not a string")
            try:
                out[_nfc("NFC", key)] = _plain(item)
            except _Refused as refused:
                refused.where.append(f".{key}")
                raise
        return out
    if isinstance(value, list | tuple):
        items = []
        for i, item in enumerate(value):
            try:
                items.append(_plain(item))
            except _Refused as refused:
                refused.where.append(f"[{i}]")
                raise
        return items
    if isinstance(value, str):  # a str subclass
        return _nfc("NFC", value)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        raise _Refused(f"floats are not allowed ({value!r}); use an integer or a string")
    raise _Refused(f"{type(value).__name__} is not JSON")


_nfc = unicodedata.normalize


def dumps_canonical(normalized: JSONValue) -> bytes:
    """Canonical bytes of a value that is already :func:`normalize`-d (fast path)."""
    return json.dumps(
        normalized, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical(value: object) -> bytes:
    return dumps_canonical(normalize(value))


def digest(value: object) -> str:
    """sha256 hex of the canonical bytes."""
    return hashlib.sha256(canonical(value)).hexdigest()
