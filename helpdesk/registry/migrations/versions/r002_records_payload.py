"""records.payload: each record's payload beside its body (JSONB on PostgreSQL), so
reports count by payload fields without parsing every body.

Backfilled from the bodies already held. On PostgreSQL the column is first added as a
generated column and then made an ordinary one (``DROP EXPRESSION``, PostgreSQL 13+):
the table is rewritten once, where an ``UPDATE`` of every row would leave it twice its
size. Bodies holding the escape ``\\u0000`` (JSONB refuses U+0000) are filled here in
Python, with U+FFFD for U+0000 as ingest does (:mod:`helpdesk.registry.payload`).

Revision ID: r002
Revises: r001
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "r002"
down_revision = "r001"
branch_labels = None
depends_on = None

PayloadType = sa.JSON().with_variant(JSONB(), "postgresql")
NUL_ESCAPE = "%\\u0000%"  # a LIKE pattern (ESCAPE '!': the backslash is literal)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE records ADD COLUMN payload jsonb GENERATED ALWAYS AS ("
                   "CASE WHEN body LIKE '%\\u0000%' ESCAPE '!' THEN NULL "
                   "ELSE coalesce(nullif(CAST(body AS jsonb) -> 'payload', 'null'), '{}') END) STORED")
        op.execute("ALTER TABLE records ALTER COLUMN payload DROP EXPRESSION")
    else:
        op.add_column("records", sa.Column("payload", PayloadType))
        op.execute(sa.text("UPDATE records SET payload = coalesce(json_extract(body, '$.payload'), '{}') "
                           "WHERE body NOT LIKE :nul ESCAPE '!'").bindparams(nul=NUL_ESCAPE))
    _fill_the_rest(bind)
    with op.batch_alter_table("records") as batch:
        batch.alter_column("payload", existing_type=PayloadType, nullable=False)


def _fill_the_rest(bind: sa.Connection) -> None:
    records = sa.table("records", sa.column("pk"), sa.column("body"), sa.column("payload", PayloadType))
    rows = bind.execute(sa.select(records.c.pk, records.c.body).where(records.c.payload.is_(None))).all()
    for pk, body in rows:
        payload = json.loads(body).get("payload") or {}
        bind.execute(sa.update(records).where(records.c.pk == pk).values(payload=_without_nul(payload)))


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("payload")
