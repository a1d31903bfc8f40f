"""Initial registry schema: kiosks, audit entries, records, batches, flags.

Revision ID: r001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r001"
down_revision = None
branch_labels = None
depends_on = None

AutoKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(200)),
        sa.Column("enrolled_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32)),
        sa.Column("head_seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("head_time", sa.String(32)),
    )
    op.create_table(
        "audit_entries",
        sa.Column("kiosk_id", sa.String(100), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("prev", sa.String(64), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("ref", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("pk", AutoKey, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("kiosk_id", sa.String(100), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(200)),
        sa.Column("operator", sa.String(200), nullable=False),
        sa.Column("subscriber_id", sa.String(100)),
        sa.Column("token_serial", sa.String(100)),
        sa.Column("cert_serial", sa.String(100)),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_records_unit_type_time", "records", ["unit", "type", "time"])
    op.create_index("ix_records_type_time", "records", ["type", "time"])
    op.create_index("ix_records_kiosk", "records", ["kiosk_id", "audit_seq"])
    op.create_table(
        "batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", sa.String(100), nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
    )
    op.create_table(
        "flags",
        sa.Column("pk", AutoKey, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("seq", sa.BigInteger),
        sa.Column("ref", sa.String(200)),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_flags_kiosk", "flags", ["kiosk_id", "kind", "seq"])


def downgrade() -> None:
    for table in ("flags", "batches", "records", "audit_entries", "kiosks"):
        op.drop_table(table)
