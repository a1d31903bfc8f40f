"""kiosks.reported_*: what each kiosk last said of itself in a batch (``kiosk_state``) —
its local audit head, the records it still holds unsent, and when — for the dashboard's
"pending" column. Empty until a kiosk sends a batch carrying it.

Revision ID: r004
Revises: r003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r004"
down_revision = "r003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("reported_audit_seq", sa.BigInteger))
        batch.add_column(sa.Column("reported_pending", sa.BigInteger))
        batch.add_column(sa.Column("reported_at", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("reported_at")
        batch.drop_column("reported_pending")
        batch.drop_column("reported_audit_seq")
