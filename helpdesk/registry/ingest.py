"""Batch ingest: signature, replay, audit-chain continuity, then records by UUID.

One database transaction per batch, holding the kiosk's row lock (PostgreSQL
``FOR UPDATE``; SQLite's write lock), so a kiosk's chain advances one batch at a time.

- unknown kiosk, revoked kiosk, bad signature → :class:`Unauthorized`, nothing stored;
- a batch id seen before → :class:`Replayed`, nothing changes (an offline bundle imported
  again is acknowledged again instead: every record a ``duplicate``);
- audit entries are re-hashed here; they must be contiguous, match the entries the
  registry already holds (else a *fork*) and continue from its head (else a *gap*):
  :class:`ChainFlagged`, a row in ``flags``, nothing stored;
- each record must match its audit entry's digest; a record id already stored with
  the same digest is acknowledged as ``duplicate`` (idempotent), with another digest
  it is rejected and flagged as a *conflict*;
- a batch's ``kiosk_state`` (optional) is kept on the kiosk's row when newer than the held one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeGuard

from sqlalchemy import Connection, Engine, insert, select, update

from helpdesk.registry.db import TIME_FORMAT, now
from helpdesk.registry.errors import BadBatch, ChainFlagged, Replayed, Unauthorized
from helpdesk.registry.kiosks import Kiosk, get_kiosk
from helpdesk.registry.payload import stored_payload
from helpdesk.registry.schema import audit_entries, batches, flags, kiosks, records
from helpdesk.store.audit import RECORD_ACTION
from helpdesk.store.canonical import NotCanonical, normalize
from helpdesk.sync.protocol import (
    BATCH,
    KIOSK_STATE,
    PROTOCOL,
    BadKey,
    KioskReport,
    decode_public_key,
    fast_canonical,
    verify,
)

CHUNK = 500


@dataclass
class IngestResult:
    batch_id: str
    kiosk_id: str
    acks: list[dict[str, str]] = field(default_factory=list)  # {"id", "status": stored|duplicate}
    rejected: list[dict[str, str]] = field(default_factory=list)  # {"id", "reason"}
    head: dict[str, Any] = field(default_factory=dict)

    @property
    def stored(self) -> int:
        return sum(1 for a in self.acks if a["status"] == "stored")

    def to_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "kiosk_id": self.kiosk_id, "acks": self.acks,
                "rejected": self.rejected, "head": self.head}


def ingest(engine: Engine, batch: object, *, source: str = "http") -> IngestResult:
    """Store a signed batch; see the module doc for what is refused and flagged."""
    doc = _check_shape(batch)
    try:
        doc = normalize(doc)  # NFC everywhere, no floats: from here on the fast canonical path is exact
    except NotCanonical as exc:
        raise BadBatch("The batch is not canonical JSON: {error}", error=str(exc)) from exc
    try:
        with engine.begin() as conn:
            return _ingest(conn, doc, source)
    except ChainFlagged as flagged:
        with engine.begin() as conn:
            add_flag(conn, doc["kiosk_id"], flagged.kind, flagged.seq, None, str(flagged))
        raise


def add_flag(conn: Connection, kiosk_id: str, kind: str, seq: int | None, ref: str | None, detail: str) -> None:
    """Record a flag once (the same kind at the same place is not repeated)."""
    same = select(flags.c.pk).where(flags.c.kiosk_id == kiosk_id, flags.c.kind == kind,
                                    flags.c.seq == seq, flags.c.ref == ref if ref else flags.c.ref.is_(None))
    if conn.execute(same).first() is None:
        conn.execute(insert(flags).values(kiosk_id=kiosk_id, kind=kind, seq=seq, ref=ref, detail=detail,
                                          created_at=now()))


def _check_shape(batch: object) -> dict[str, Any]:
    if not isinstance(batch, dict):
        raise BadBatch("A batch must be a JSON object")
    if batch.get("protocol") != PROTOCOL or batch.get("kind") != BATCH:
        raise BadBatch("Not a {protocol} batch", protocol=PROTOCOL)
    for name in ("batch_id", "kiosk_id", "created", "signature"):
        if not isinstance(batch.get(name), str) or not batch[name]:
            raise BadBatch("The batch lacks {field}", field=name)
    for name in ("audit", "records"):
        if not isinstance(batch.get(name), list):
            raise BadBatch("The batch lacks {field}", field=name)
    if KIOSK_STATE in batch and _kiosk_report(batch) is None:
        raise BadBatch("The batch's kiosk_state is malformed")
    return batch


def _kiosk_report(doc: Mapping[str, Any]) -> KioskReport | None:
    """The batch's ``kiosk_state`` (None when absent or not two counts ≥ 0)."""
    state = doc.get(KIOSK_STATE)
    if not isinstance(state, dict):
        return None
    seq, pending = state.get("audit_seq"), state.get("pending")
    return KioskReport(seq, pending) if _is_count(seq) and _is_count(pending) else None


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _store_report(conn: Connection, kiosk: Kiosk, doc: Mapping[str, Any], received: str) -> None:
    """Keep the kiosk's report unless a later one is held (an old bundle imported after an online push).

    Its time is when the kiosk made the batch (a bundle may travel for days), but never
    later than its arrival: a kiosk clock running ahead does not make a report look fresh.
    """
    report = _kiosk_report(doc)
    if report is None:
        return
    try:
        made = datetime.fromisoformat(str(doc["created"]).replace("Z", "+00:00")).astimezone(UTC)
        at = min(made.strftime(TIME_FORMAT), received)
    except ValueError:
        at = received
    if kiosk.reported_at is not None and kiosk.reported_at > at:
        return
    conn.execute(update(kiosks).where(kiosks.c.id == kiosk.id).values(
        reported_audit_seq=report.audit_seq, reported_pending=report.pending, reported_at=at))


def _authorise(conn: Connection, doc: Mapping[str, Any]) -> Kiosk:
    kiosk_id = doc["kiosk_id"]
    kiosk = get_kiosk(conn, kiosk_id, for_update=True)
    if kiosk is None:
        raise Unauthorized("Kiosk {kiosk} is not enrolled", kiosk=kiosk_id)
    if kiosk.revoked_at:
        raise Unauthorized("Kiosk {kiosk} was revoked on {when}", kiosk=kiosk_id, when=kiosk.revoked_at)
    try:
        key = decode_public_key(kiosk.public_key)
    except BadKey as exc:
        raise Unauthorized("Kiosk {kiosk} has a damaged key at the registry", kiosk=kiosk_id) from exc
    if not verify(doc, key, normalized=True):
        raise Unauthorized("The batch's signature is not the enrolled key of kiosk {kiosk}", kiosk=kiosk_id)
    return kiosk


def _ingest(conn: Connection, doc: dict[str, Any], source: str) -> IngestResult:
    kiosk = _authorise(conn, doc)
    batch_id = doc["batch_id"]
    seen = conn.execute(select(batches.c.id).where(batches.c.id == batch_id)).first() is not None
    if seen and source != "bundle":  # a bundle imported again is acknowledged again, changing nothing
        raise Replayed("Batch {batch} was already received", batch=batch_id)
    entries = _chain_of(doc["audit"], kiosk.id)
    new = _continue(conn, kiosk, entries)
    received = now()
    if new:
        conn.execute(insert(audit_entries), [
            {"kiosk_id": kiosk.id, "seq": e["seq"], "hash": e["hash"], "prev": e["prev"], "time": str(e.get("time")),
             "action": str(e.get("action")), "ref": e.get("ref") if isinstance(e.get("ref"), str) else None,
             "body": fast_canonical(e).decode("utf-8")}
            for e in new
        ])
        last = new[-1]
        conn.execute(update(kiosks).where(kiosks.c.id == kiosk.id).values(
            head_seq=last["seq"], head_hash=last["hash"], head_time=str(last.get("time"))))
        head = {"seq": last["seq"], "hash": last["hash"], "time": last.get("time")}
    else:
        head = {"seq": kiosk.head_seq, "hash": kiosk.head_hash, "time": kiosk.head_time}
    result = IngestResult(batch_id, kiosk.id, head=head)
    _records(conn, kiosk, entries, doc["records"], batch_id, received, result)
    _store_report(conn, kiosk, doc, received)
    if not seen:
        conn.execute(insert(batches).values(id=batch_id, kiosk_id=kiosk.id, received_at=received,
                                            records=result.stored, source=source))
    return result


def _chain_of(raw: Sequence[object], kiosk_id: str) -> list[dict[str, Any]]:
    """The batch's audit entries, re-hashed here; they must form one contiguous run."""
    out: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("seq"), int) or isinstance(item.get("seq"), bool):
            raise BadBatch("An audit entry in the batch is malformed")
        seq = item["seq"]
        if item.get("kiosk_id") != kiosk_id:
            raise BadBatch("Audit entry #{seq} belongs to another kiosk", seq=seq)
        if not isinstance(item.get("prev"), str) or not isinstance(item.get("hash"), str):
            raise BadBatch("Audit entry #{seq} is malformed", seq=seq)
        body = {k: v for k, v in item.items() if k != "hash"}
        try:
            good = hashlib.sha256(item["prev"].encode("ascii") + fast_canonical(body)).hexdigest() == item["hash"]
        except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
            good = False
        if not good:
            raise BadBatch("Audit entry #{seq} in the batch has been altered (hash mismatch)", seq=seq)
        if out and (seq != out[-1]["seq"] + 1 or item["prev"] != out[-1]["hash"]):
            raise BadBatch("The batch's audit entries are not one contiguous chain (at #{seq})", seq=seq)
        out.append(item)
    return out


def _continue(conn: Connection, kiosk: Kiosk, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries beyond the registry's head, after checking the others match what it holds."""
    if not entries:
        return []
    first = entries[0]["seq"]
    if first > kiosk.head_seq + 1:
        raise ChainFlagged(
            "Audit gap for kiosk {kiosk}: the registry holds up to entry #{head} but the batch starts at #{seq}",
            kind="gap", seq=kiosk.head_seq + 1, kiosk=kiosk.id, head=kiosk.head_seq)
    known = [e for e in entries if e["seq"] <= kiosk.head_seq]
    if known:
        rows = conn.execute(select(audit_entries.c.seq, audit_entries.c.hash).where(
            audit_entries.c.kiosk_id == kiosk.id, audit_entries.c.seq >= known[0]["seq"],
            audit_entries.c.seq <= known[-1]["seq"])).all()
        held = {int(seq): h for seq, h in rows}
        for e in known:
            if held.get(e["seq"]) != e["hash"]:
                raise ChainFlagged(
                    "Audit fork for kiosk {kiosk}: entry #{seq} differs from the one the registry holds",
                    kind="fork", seq=e["seq"], kiosk=kiosk.id)
    new = [e for e in entries if e["seq"] > kiosk.head_seq]
    if new and new[0]["prev"] != kiosk.head_hash:
        raise ChainFlagged(
            "Audit fork for kiosk {kiosk}: entry #{seq} does not continue from the registry's head",
            kind="fork", seq=new[0]["seq"], kiosk=kiosk.id)
    return new


def _records(conn: Connection, kiosk: Kiosk, entries: list[dict[str, Any]], raw: Sequence[object],
             batch_id: str, received: str, result: IngestResult) -> None:
    by_ref = {e.get("ref"): e for e in entries if str(e.get("action", "")).startswith(RECORD_ACTION)}
    candidates: list[tuple[dict[str, Any], bytes, str]] = []
    for item in raw:
        rid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not isinstance(rid, str) or not rid:
            result.rejected.append({"id": "", "reason": "malformed"})
            continue
        if item.get("kiosk_id") != kiosk.id or not isinstance(item.get("type"), str) \
                or not isinstance(item.get("time"), str) or not isinstance(item.get("subject"), dict):
            result.rejected.append({"id": rid, "reason": "malformed"})
            continue
        body = fast_canonical(item)
        digest = hashlib.sha256(body).hexdigest()
        entry = by_ref.get(rid)
        if entry is None or entry.get("action") != RECORD_ACTION + item["type"] or entry.get("digest") != digest:
            result.rejected.append({"id": rid, "reason": "audit_mismatch"})
            continue
        candidates.append((item, body, digest))
    existing: dict[str, str] = {}
    ids = [c[0]["id"] for c in candidates]
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        existing.update(conn.execute(select(records.c.id, records.c.digest).where(records.c.id.in_(chunk))).all())
    rows = []
    for item, body, digest in candidates:
        rid = item["id"]
        held = existing.get(rid)
        if held == digest:
            result.acks.append({"id": rid, "status": "duplicate"})
            continue
        if held is not None:
            result.rejected.append({"id": rid, "reason": "conflict"})
            add_flag(conn, kiosk.id, "conflict", by_ref[rid]["seq"], rid,
                     f"Record {rid} was received before with different content")
            continue
        existing[rid] = digest
        subject = item["subject"]
        payload = item.get("payload")
        unit = payload.get("unit_id") if isinstance(payload, dict) else None
        text = body.decode("utf-8")
        rows.append({
            "id": rid, "kiosk_id": kiosk.id, "type": item["type"], "time": item["time"],
            "unit": unit if isinstance(unit, str) else kiosk.unit, "operator": str(item.get("operator", "")),
            "subscriber_id": subject.get("subscriber_id"), "token_serial": subject.get("token_serial"),
            "cert_serial": subject.get("cert_serial"), "digest": digest, "audit_seq": by_ref[rid]["seq"],
            "batch_id": batch_id, "received_at": received, "body": text, "payload": stored_payload(payload, text),
        })
        result.acks.append({"id": rid, "status": "stored"})
    if rows:
        conn.execute(insert(records), rows)
