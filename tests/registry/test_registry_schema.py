"""The Alembic migrations build exactly the tables schema.py declares, on SQLite and PostgreSQL,
and running them again changes nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from helpdesk.registry.db import upgrade
from helpdesk.registry.schema import metadata


def test_migrations_match_the_declared_schema(registry_engine: Engine) -> None:
    upgrade(registry_engine)  # a second time: a no-op
    with registry_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert diffs == []
    assert version == "r005"
