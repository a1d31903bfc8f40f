"""dashboard_pages: the dashboard's last computed figures per year, so a restarted
registry shows them at once (marked with their time) while one thread computes the
page afresh, instead of every figure being computed in the first request.

Revision ID: r005
Revises: r004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r005"
down_revision = "r004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_pages",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("plan_key", sa.String(64), nullable=False),
        sa.Column("computed_at", sa.String(32), nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dashboard_pages")
