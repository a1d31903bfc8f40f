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


def normalize(value: object, path: str = "$") -> JSONValue:
    """A copy of ``value`` as plain JSON with every string (and key) in NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dict):
        out: dict[str, JSONValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path}: key {key!r} is not a string")
            out[unicodedata.normalize("NFC", key)] = normalize(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [normalize(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, float):
        raise NotCanonical(f"{path}: floats are not allowed ({value!r}); use an integer or a string")
    raise NotCanonical(f"{path}: {type(value).__name__} is not JSON")


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
