"""Records: append-only facts, and the registry of record types that validate them.

A record never changes. A correction is a new ``void`` record naming the one it
voids and why (:meth:`helpdesk.store.Store.void`). Plugins add their record types
through the ``helpdesk_register_record_types(register)`` hook, which passes
:func:`register_record_type` (or a registry's ``register``).
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from helpdesk.store.canonical import NotCanonical, normalize
from helpdesk.store.errors import InvalidData

#: A validator gets the (NFC-normalised) payload and returns problems; empty = valid.
Validator = Callable[[Mapping[str, Any]], Iterable[str] | None]

VOID = "void"
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")

# Secrets never reach the disk. Keys are split into words (snake, kebab, camel case);
# a key is refused when its last word names a secret ("new_pin", "soPin", "mat_khau")
# or is code/value/… right after one ("pin_code"). "pin_state" or "pin_unlocked" pass.
_SECRET_WORDS = {"pin", "pins", "puk", "sopin", "password", "passwd", "pwd", "passphrase", "passcode", "matkhau"}
_SECRET_TAILS = {"code", "value", "text", "number", "digits", "new", "old"}
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


@functools.lru_cache(maxsize=4096)  # a store sees few distinct key names, each many times
def is_secret_key(key: str) -> bool:
    words = [w.lower() for w in _WORD.findall(key)]
    if not words:
        return False
    joined = "".join(words)
    if joined in _SECRET_WORDS or joined in {"mapin", "makhau"}:
        return True
    # "mat khau" / "so pin" written as two words
    pairs = [a + b for a, b in itertools.pairwise(words)]
    if words[-1] in _SECRET_WORDS or (pairs and pairs[-1] in _SECRET_WORDS):
        return True
    if len(words) >= 2 and words[-1] in _SECRET_TAILS:
        return words[-2] in _SECRET_WORDS or (len(pairs) >= 2 and pairs[-2] in _SECRET_WORDS)
    return False


def secret_keys(value: object, path: str = "payload") -> list[str]:
    """Paths of every key anywhere in ``value`` that names a secret."""
    found: list[str] = []
    _collect_secret_keys(value, path, found)
    return found


def _collect_secret_keys(value: object, path: str, found: list[str]) -> None:
    # Only containers are descended into, and a path is made only for them: rows and
    # payloads are mostly scalars.
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and is_secret_key(key):
                found.append(f"{path}.{key}")
            if isinstance(item, Mapping | list | tuple):
                _collect_secret_keys(item, f"{path}.{key}", found)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if isinstance(item, Mapping | list | tuple):
                _collect_secret_keys(item, f"{path}[{i}]", found)


@dataclass(frozen=True)
class Subject:
    """Who or what a record is about. Any of the three may be empty."""

    subscriber_id: str | None = None
    token_serial: str | None = None
    cert_serial: str | None = None

    @classmethod
    def coerce(cls, value: Subject | Mapping[str, Any] | None) -> Subject:
        if value is None:
            return cls()
        if isinstance(value, Subject):
            raw = {"subscriber_id": value.subscriber_id, "token_serial": value.token_serial, "cert_serial": value.cert_serial}
        else:
            unknown = set(value) - {"subscriber_id", "token_serial", "cert_serial"}
            if unknown:
                raise InvalidData("Unknown subject fields: {fields}", fields=", ".join(sorted(unknown)))
            raw = dict(value)
        clean: dict[str, str | None] = {}
        for name in ("subscriber_id", "token_serial", "cert_serial"):
            item = raw.get(name)
            if item is not None and not isinstance(item, str):
                raise InvalidData("Subject field {field} must be text", field=name)
            text = normalize(item.strip()) if item else None
            clean[name] = text or None
        if clean["cert_serial"]:
            clean["cert_serial"] = clean["cert_serial"].replace(":", "").replace(" ", "").upper()
        return cls(**clean)

    def to_dict(self) -> dict[str, str | None]:
        return {"subscriber_id": self.subscriber_id, "token_serial": self.token_serial, "cert_serial": self.cert_serial}


@dataclass(frozen=True)
class Record:
    """One fact. ``time`` is UTC, ISO 8601 with microseconds and a ``Z``."""

    id: str
    kiosk_id: str
    operator: str
    time: str
    type: str
    subject: Subject
    payload: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kiosk_id": self.kiosk_id,
            "operator": self.operator,
            "time": self.time,
            "type": self.type,
            "subject": self.subject.to_dict(),
            "payload": dict(self.payload),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Record:
        subject = raw.get("subject") or {}
        return cls(
            id=raw["id"],
            kiosk_id=raw["kiosk_id"],
            operator=raw["operator"],
            time=raw["time"],
            type=raw["type"],
            subject=Subject(subject.get("subscriber_id"), subject.get("token_serial"), subject.get("cert_serial")),
            payload=raw.get("payload") or {},
        )

    @property
    def voids(self) -> str | None:
        """For a ``void`` record: the id of the record it cancels."""
        return str(self.payload["record_id"]) if self.type == VOID else None


@dataclass(frozen=True)
class RecordType:
    name: str
    validator: Validator | None = None
    description: str = ""
    owner: str = ""  # plugin name, for messages


class RecordTypeRegistry:
    """Known record types (``void`` is always one). Registering a name twice is refused."""

    def __init__(self) -> None:
        self._types: dict[str, RecordType] = {}
        self._lock = threading.Lock()
        self.register(VOID, _validate_void, description="Cancels an earlier record, with a reason", owner="core")

    def register(
        self,
        name: str | RecordType,
        validator: Validator | None = None,
        *,
        description: str = "",
        owner: str = "",
    ) -> RecordType:
        kind = name if isinstance(name, RecordType) else RecordType(name, validator, description, owner)
        if not _TYPE_NAME.match(kind.name):
            raise InvalidData("Bad record type name {name!r}: use lower-case letters, digits, _ and .", name=kind.name)
        with self._lock:
            old = self._types.get(kind.name)
            if old is not None and old != kind:
                raise InvalidData(
                    "Record type {name} is already registered by {owner}",
                    name=kind.name,
                    owner=old.owner or "core",
                )
            self._types[kind.name] = kind
        return kind

    def unregister(self, name: str) -> None:
        with self._lock:
            self._types.pop(name, None)

    def get(self, name: str) -> RecordType | None:
        return self._types.get(name)

    def names(self) -> list[str]:
        return sorted(self._types)

    def validate(self, name: str, payload: object) -> dict[str, Any]:
        """The payload as stored (NFC, plain JSON), or InvalidData listing every problem."""
        kind = self._types.get(name)
        if kind is None:
            raise InvalidData("Unknown record type {name}", name=name)
        if not isinstance(payload, Mapping):
            raise InvalidData("The payload of a {name} record must be a mapping", name=name)
        secrets = secret_keys(payload)
        if secrets:
            # Defence in depth: PINs live in memory only, never in a record.
            raise InvalidData(
                "Refused to store secrets (PIN/PUK/password) in a record: {keys}",
                problems=secrets,
                keys=", ".join(secrets),
            )
        try:
            clean = normalize(dict(payload), "payload")
        except NotCanonical as exc:
            raise InvalidData("Invalid {name} record: {details}", problems=[str(exc)], name=name, details=str(exc)) from exc
        problems = list(kind.validator(clean) or ()) if kind.validator else []
        if problems:
            raise InvalidData("Invalid {name} record: {details}", problems=problems, name=name, details="; ".join(problems))
        return clean  # type: ignore[no-any-return]


def _validate_void(payload: Mapping[str, Any]) -> list[str]:
    problems = []
    if not isinstance(payload.get("record_id"), str) or not payload["record_id"]:
        problems.append("record_id is required")
    if not isinstance(payload.get("reason"), str) or not payload["reason"].strip():
        problems.append("reason is required")
    return problems


#: The process-wide registry used by :func:`helpdesk.store.open_store` by default.
RECORD_TYPES = RecordTypeRegistry()


def register_record_type(
    name: str | RecordType, validator: Validator | None = None, *, description: str = "", owner: str = ""
) -> RecordType:
    """Register a record type in the default registry (plugins: via the hook's ``register``)."""
    return RECORD_TYPES.register(name, validator, description=description, owner=owner)
