"""Offline bundles at the kiosk: ``helpdesk sync export DIR`` writes every pending record
(with the audit run that covers them) as one signed batch file for a USB stick;
``helpdesk sync receipt FILE`` checks the registry's signed receipt and marks the
acknowledged records synced. Export reads the store read-only, so it works while the
kiosk runs; a receipt is applied with the kiosk closed (one writer per store)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from helpdesk.sync.errors import BadBundle
from helpdesk.sync.protocol import (
    PROTOCOL,
    RECEIPT,
    BadKey,
    KioskReport,
    decode_public_key,
    make_batch,
    sign,
    verify,
)
from helpdesk.sync.pusher import AuditWindow

if TYPE_CHECKING:
    from helpdesk.store import Store
    from helpdesk.sync.identity import KioskIdentity


def export_bundle(store: Store, identity: KioskIdentity, out_dir: Path, registry_head: int | None) -> tuple[Path, int]:
    """Write the bundle; returns its path and how many records it carries."""
    pending = store.outbox.pending(limit=max(1, store.outbox.count()))
    local_seq, _ = store.audit.head()
    start = (registry_head or 0) + 1
    since = None
    if pending and pending[0].seq < start:
        start, since = pending[0].seq, pending[0].time
    if not pending and start > local_seq:
        raise BadBundle("Nothing to export: every record has been synced")
    entries = AuditWindow(store).get(start, local_seq, since)
    if not entries or entries[0].seq != start:
        raise BadBundle("Audit entry #{seq} is missing from the local log", seq=start)
    left = max(0, store.outbox.count() - len(pending))  # records committed while exporting
    batch = sign(make_batch(identity.kiosk_id, [e.to_dict() for e in entries], [p.record.to_dict() for p in pending],
                            created=store.now(), kiosk_state=KioskReport(local_seq, left)),
                 identity.key, normalized=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"helpdesk-bundle-{identity.kiosk_id}-{stamp}-{batch['batch_id'][:8]}.json"
    tmp = path.with_name("." + path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(orjson.dumps(batch))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    return path, len(pending)


def read_receipt(path: Path, registry_public_key: str, kiosk_id: str) -> dict[str, Any]:
    """The receipt in ``path`` if the registry signed it for this kiosk; else BadBundle."""
    try:
        key = decode_public_key(registry_public_key)
    except BadKey as exc:
        raise BadBundle("[sync] registry_public_key is not an Ed25519 public key") from exc
    try:
        receipt = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise BadBundle("Cannot read the receipt {path}: {error}", path=str(path), error=str(exc)) from exc
    if not isinstance(receipt, dict) or receipt.get("protocol") != PROTOCOL or receipt.get("kind") != RECEIPT:
        raise BadBundle("{path} is not a registry receipt", path=str(path))
    if not verify(receipt, key):
        raise BadBundle("The receipt {path} is not signed by the registry's key", path=str(path))
    if receipt.get("kiosk_id") != kiosk_id or not isinstance(receipt.get("acks"), list):
        raise BadBundle("The receipt {path} is for kiosk {other}, not {kiosk}", path=str(path),
                        other=str(receipt.get("kiosk_id")), kiosk=kiosk_id)
    return receipt


def apply_receipt(store: Store, receipt: dict[str, Any]) -> int:
    """Mark the acknowledged records synced; returns how many were still pending."""
    acked = {str(i) for i in receipt["acks"]}
    pending = store.outbox.pending(limit=max(1, store.outbox.count()))
    return store.outbox.mark_sent([p.id for p in pending if p.record_id in acked])
