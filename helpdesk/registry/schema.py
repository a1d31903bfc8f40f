"""The registry's tables (SQLAlchemy Core). Changes go through an Alembic migration.

- ``kiosks``: enrolled public keys, unit, revocation, the audit head held for each, and what
  the kiosk last said of itself (its audit head, records still unsent, when);
- ``audit_entries``: every kiosk's audit chain as received (hashes, for ``verify --registry``);
- ``records``: one row per record UUID (the canonical JSON in ``body``), keyset-paginated by ``pk``;
  its payload again in ``payload`` (JSONB on PostgreSQL, see :mod:`helpdesk.registry.payload`)
  so reports count by payload fields without parsing every body;
- ``batches``: batch ids seen (a replay is refused);
- ``flags``: gaps, forks and conflicting records, shown and never merged;
- ``dashboard_staff`` / ``dashboard_sessions``: who may open the dashboard, and their sessions;
- ``dashboard_pages``: the dashboard's last computed figures per year, shown at once after a restart.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

#: an auto-increment key that is a rowid alias on SQLite and a bigint on PostgreSQL
AutoKey = BigInteger().with_variant(Integer(), "sqlite")
#: a record's payload beside its body: JSONB on PostgreSQL, JSON (text) elsewhere
PayloadType = JSON().with_variant(JSONB(), "postgresql")

kiosks = Table(
    "kiosks", metadata,
    Column("id", String(100), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("unit", String(200)),
    Column("enrolled_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Column("head_seq", BigInteger, nullable=False, default=0),
    Column("head_hash", String(64), nullable=False),
    Column("head_time", String(32)),
    # the kiosk's own last report (a batch's kiosk_state): its audit head, records left unsent, and when
    Column("reported_audit_seq", BigInteger),
    Column("reported_pending", BigInteger),
    Column("reported_at", String(32)),
)

audit_entries = Table(
    "audit_entries", metadata,
    Column("kiosk_id", String(100), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("prev", String(64), nullable=False),
    Column("time", String(32), nullable=False),
    Column("action", String(200), nullable=False),
    Column("ref", String(200)),
    Column("body", Text, nullable=False),
)

records = Table(
    "records", metadata,
    Column("pk", AutoKey, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("kiosk_id", String(100), nullable=False),
    Column("type", String(100), nullable=False),
    Column("time", String(32), nullable=False),
    Column("unit", String(200)),
    Column("operator", String(200), nullable=False),
    Column("subscriber_id", String(100)),
    Column("token_serial", String(100)),
    Column("cert_serial", String(100)),
    Column("digest", String(64), nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Column("batch_id", String(64), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("payload", PayloadType, nullable=False),
    Index("ix_records_unit_type_time", "unit", "type", "time"),
    Index("ix_records_type_time", "type", "time"),
    Index("ix_records_kiosk", "kiosk_id", "audit_seq"),
)

batches = Table(
    "batches", metadata,
    Column("id", String(64), primary_key=True),
    Column("kiosk_id", String(100), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("records", Integer, nullable=False),
    Column("source", String(20), nullable=False),
)

flags = Table(
    "flags", metadata,
    Column("pk", AutoKey, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(100), nullable=False),
    Column("kind", String(20), nullable=False),  # gap | fork | conflict
    Column("seq", BigInteger),
    Column("ref", String(200)),
    Column("detail", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Index("ix_flags_kiosk", "kiosk_id", "kind", "seq"),
)

dashboard_staff = Table(
    "dashboard_staff", metadata,
    Column("name", String(100), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("password", String(200), nullable=False),  # scrypt hash (helpdesk.operators.passwords)
    Column("created_at", String(32), nullable=False),
    Column("disabled_at", String(32)),
)

dashboard_sessions = Table(
    "dashboard_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie value: a stolen table logs no one in
    Column("name", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Index("ix_dashboard_sessions_name", "name"),
)

dashboard_pages = Table(
    "dashboard_pages", metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("plan_key", String(64), nullable=False),  # the plan and sections they were computed for
    Column("computed_at", String(32), nullable=False),
    Column("figures", Text, nullable=False),  # JSON (helpdesk.registry.dashboard.stored)
)
