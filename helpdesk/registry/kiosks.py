"""Enrolment: which kiosk keys the registry accepts batches from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from helpdesk.registry.db import now
from helpdesk.registry.errors import RegistryError, UnknownKiosk
from helpdesk.registry.schema import kiosks
from helpdesk.store.audit import GENESIS
from helpdesk.sync.protocol import BadKey, decode_public_key, encode_public_key


@dataclass(frozen=True)
class Kiosk:
    id: str
    public_key: str
    unit: str | None
    enrolled_at: str
    revoked_at: str | None
    head_seq: int
    head_hash: str
    head_time: str | None
    reported_audit_seq: int | None = None  # the kiosk's own last report (a batch's kiosk_state)
    reported_pending: int | None = None
    reported_at: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Kiosk:
        m = row._mapping
        return cls(m["id"], m["public_key"], m["unit"], m["enrolled_at"], m["revoked_at"],
                   int(m["head_seq"]), m["head_hash"], m["head_time"], _int(m["reported_audit_seq"]),
                   _int(m["reported_pending"]), m["reported_at"])

    def to_json(self) -> dict[str, Any]:
        reported = None if self.reported_at is None else {
            "audit_seq": self.reported_audit_seq, "pending": self.reported_pending, "at": self.reported_at}
        return {
            "id": self.id, "public_key": self.public_key, "unit": self.unit, "enrolled_at": self.enrolled_at,
            "revoked_at": self.revoked_at, "head": {"seq": self.head_seq, "hash": self.head_hash, "time": self.head_time},
            "reported": reported,
        }


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def get_kiosk(conn: Connection, kiosk_id: str, *, for_update: bool = False) -> Kiosk | None:
    query = select(kiosks).where(kiosks.c.id == kiosk_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return Kiosk.from_row(row) if row else None


def list_kiosks(engine: Engine) -> list[Kiosk]:
    with engine.connect() as conn:
        return [Kiosk.from_row(r) for r in conn.execute(select(kiosks).order_by(kiosks.c.id))]


def enroll(engine: Engine, kiosk_id: str, public_key: str, unit: str | None = None) -> Kiosk:
    """Accept ``public_key`` for ``kiosk_id``. Re-enrolling (a new key, or after a revoke)
    replaces the key and keeps the audit head: the chain must still continue."""
    kiosk_id = kiosk_id.strip()
    if not kiosk_id:
        raise RegistryError("A kiosk id is required")
    try:
        key = encode_public_key(decode_public_key(public_key))
    except BadKey as exc:
        raise RegistryError("{key!r} is not an Ed25519 public key (base64, as 'helpdesk kiosk id' prints it)",
                            key=public_key) from exc
    with engine.begin() as conn:
        old = get_kiosk(conn, kiosk_id, for_update=True)
        if old is None:
            conn.execute(insert(kiosks).values(
                id=kiosk_id, public_key=key, unit=unit, enrolled_at=now(), revoked_at=None,
                head_seq=0, head_hash=GENESIS, head_time=None))
        else:
            conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id).values(
                public_key=key, unit=unit if unit is not None else old.unit, enrolled_at=now(), revoked_at=None))
        found = get_kiosk(conn, kiosk_id)
    assert found is not None
    return found


def revoke(engine: Engine, kiosk_id: str) -> Kiosk:
    """From now on batches signed by this kiosk get 401; what it sent before stays."""
    with engine.begin() as conn:
        if get_kiosk(conn, kiosk_id, for_update=True) is None:
            raise UnknownKiosk("No kiosk {kiosk} is enrolled", kiosk=kiosk_id)
        conn.execute(update(kiosks).where(kiosks.c.id == kiosk_id).values(revoked_at=now()))
        found = get_kiosk(conn, kiosk_id)
    assert found is not None
    return found
