"""The dashboard's staff accounts and sessions.

Until now the dashboard created these two tables itself when mounted; a database where
it did already holds them, exactly as here, so each is created only when missing.

Revision ID: r003
Revises: r002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r003"
down_revision = "r002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    held = set(sa.inspect(op.get_bind()).get_table_names())
    if "dashboard_staff" not in held:
        op.create_table(
            "dashboard_staff",
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("display_name", sa.String(200), nullable=False),
            sa.Column("password", sa.String(200), nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("disabled_at", sa.String(32)),
        )
    if "dashboard_sessions" not in held:
        op.create_table(
            "dashboard_sessions",
            sa.Column("token_hash", sa.String(64), primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            sa.Column("expires_at", sa.String(32), nullable=False),
        )
        op.create_index("ix_dashboard_sessions_name", "dashboard_sessions", ["name"])


def downgrade() -> None:
    op.drop_table("dashboard_sessions")
    op.drop_table("dashboard_staff")
