"""The audit chain: every commit appends one entry; each entry hashes the one before.

``hash = sha256(prev_hash || canonical_json(entry without "hash"))`` with
``prev_hash`` as its ASCII hex and ``"0" * 64`` before the first entry. An entry of
a record carries the sha256 of the record's canonical JSON, so editing a record
breaks its entry. The count and hash of the last entry ("head") also live in
``head.json``, written in the same commit, so cutting the tail off the log shows.

:func:`verify_dir` reads the files directly (no store needed) and names the first
bad entry.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpdesk.store.canonical import NotCanonical, canonical, digest
from helpdesk.store.errors import StoreCorrupt, StoreError
from helpdesk.store.storage import load_tables

GENESIS = "0" * 64
HEAD_FILE = "head.json"
SEGMENT_RE = re.compile(r"^log-(\d{6})-(\d{4}-\d{2})\.json$")
RECORD_ACTION = "record:"


def segment_name(number: int, month: str) -> str:
    return f"log-{number:06d}-{month}.json"


def segment_files(directory: Path) -> list[str]:
    """Log segment file names, oldest first."""
    found = []
    for path in directory.iterdir():
        m = SEGMENT_RE.match(path.name)
        if m:
            found.append((int(m.group(1)), path.name))
    return [name for _, name in sorted(found)]


def chain_hash(prev: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev.encode("ascii") + canonical(body)).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    time: str
    kiosk_id: str
    operator: str
    action: str  # "record:<type>", "subscribers.add", "units.update", "migration", …
    ref: str | None  # record id, subscriber id, …
    count: int  # rows the action touched
    digest: str  # sha256 of the canonical JSON of what was written
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "kiosk_id": self.kiosk_id,
            "operator": self.operator,
            "action": self.action,
            "ref": self.ref,
            "count": self.count,
            "digest": self.digest,
            "prev": self.prev,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AuditEntry:
        return cls(**{k: raw.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]

    @classmethod
    def make(
        cls, *, prev: str, seq: int, time: str, kiosk_id: str, operator: str, action: str,
        ref: str | None, count: int, digest: str,
    ) -> AuditEntry:
        body = {
            "seq": seq, "time": time, "kiosk_id": kiosk_id, "operator": operator,
            "action": action, "ref": ref, "count": count, "digest": digest, "prev": prev,
        }
        return cls(**body, hash=chain_hash(prev, body))  # type: ignore[arg-type]


@dataclass(frozen=True)
class AuditProblem:
    """The first thing wrong. ``message`` is an English msgid; ``params`` fill it."""

    seq: int | None
    file: str | None
    message: str
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message.format(**self.params)

    def localized(self) -> str:
        from helpdesk.i18n import gettext

        return gettext(self.message).format(**self.params)


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    head_count: int | None
    head_hash: str | None
    problem: AuditProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        p = self.problem
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"count": self.head_count, "hash": self.head_hash},
            "problem": None if p is None else {"entry": p.seq, "file": p.file, "message": str(p)},
        }


class _Bad(Exception):
    def __init__(self, problem: AuditProblem) -> None:
        self.problem = problem


def read_head(directory: Path) -> tuple[int, str] | None:
    tables = load_tables(directory / HEAD_FILE)
    if tables is None:
        return None
    doc = tables.get("head", {}).get("1")
    if not isinstance(doc, dict) or not isinstance(doc.get("count"), int) or not isinstance(doc.get("hash"), str):
        raise StoreCorrupt("File {path} is damaged: {error}", path=str(directory / HEAD_FILE), error="no head entry")
    return doc["count"], doc["hash"]


def verify_dir(directory: Path) -> VerifyResult:
    """Walk the whole chain; stop at the first bad entry."""
    try:
        head = read_head(directory)
    except StoreError as exc:
        return VerifyResult(0, None, None, AuditProblem(None, HEAD_FILE, "The audit head file is damaged: {error}", {"error": str(exc)}))
    count, last = 0, GENESIS
    try:
        for name in segment_files(directory):
            count, last = _verify_segment(directory, name, count, last)
    except _Bad as bad:
        head_count, head_hash = head if head else (None, None)
        return VerifyResult(count, head_count, head_hash, bad.problem)
    if head is None:
        if count:
            return VerifyResult(count, None, None, AuditProblem(None, HEAD_FILE, "The audit head file is missing"))
        return VerifyResult(0, None, None)
    head_count, head_hash = head
    problem = None
    if count < head_count:
        problem = AuditProblem(
            count + 1, None,
            "Audit entry #{seq} is missing: the log ends at entry #{last} but the head records {head} entries (log truncated)",
            {"seq": count + 1, "last": count, "head": head_count},
        )
    elif count > head_count:
        problem = AuditProblem(
            head_count + 1, None,
            "Audit entry #{seq} is not covered by the head, which records {head} entries",
            {"seq": head_count + 1, "head": head_count},
        )
    elif last != head_hash:
        problem = AuditProblem(count, None, "Audit entry #{seq} does not match the head hash", {"seq": count})
    return VerifyResult(count, head_count, head_hash, problem)


def _verify_segment(directory: Path, name: str, count: int, prev: str) -> tuple[int, str]:
    expected = count + 1
    try:
        tables = load_tables(directory / name)
    except StoreError as exc:
        raise _Bad(AuditProblem(expected, name, "Audit entry #{seq}: file {file} cannot be read ({error})",
                                {"seq": expected, "file": name, "error": str(exc)})) from exc
    tables = tables or {}
    audit = list(tables.get("audit", {}).values())
    records: dict[str, Any] = {}
    for raw in tables.get("records", {}).values():
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            records[raw["id"]] = raw
    seqs = {doc.get("seq") for doc in audit if isinstance(doc, dict)}
    referenced: set[str] = set()

    def bad(message: str, **params: object) -> _Bad:
        return _Bad(AuditProblem(expected, name, message, {"seq": expected, **params}))

    for doc in audit:
        if not isinstance(doc, dict):
            raise bad("Audit entry #{seq} is not an object")
        seq = doc.get("seq")
        if seq != expected:
            if expected in seqs:
                raise bad("Audit entry #{seq} is out of order (found #{found} in its place)", found=seq)
            raise bad("Audit entry #{seq} is missing (found #{found} in its place)", found=seq)
        if doc.get("prev") != prev:
            raise bad("Audit entry #{seq} does not follow the entry before it (chain broken)")
        body = {k: v for k, v in doc.items() if k != "hash"}
        try:
            computed = chain_hash(prev, body)
        except (NotCanonical, UnicodeEncodeError, AttributeError):
            raise bad("Audit entry #{seq} has been altered (not canonical JSON)") from None
        if computed != doc.get("hash"):
            raise bad("Audit entry #{seq} has been altered (hash mismatch)")
        action = doc.get("action")
        if isinstance(action, str) and action.startswith(RECORD_ACTION):
            ref = doc.get("ref")
            record = records.get(ref) if isinstance(ref, str) else None
            if record is None:
                raise bad("Record {ref} of audit entry #{seq} is missing", ref=ref)
            try:
                same = digest(record) == doc.get("digest")
            except NotCanonical:
                same = False
            if not same:
                raise bad("Record {ref} of audit entry #{seq} has been altered", ref=ref)
            referenced.add(ref)  # type: ignore[arg-type]
        prev = computed
        expected += 1
    stray = [rid for rid in records if rid not in referenced]
    if stray:
        raise _Bad(AuditProblem(None, name, "Record {ref} in {file} has no audit entry", {"ref": stray[0], "file": name}))
    return expected - 1, prev
