"""The dashboard's tables: staff accounts and their sessions.

Kept in their own metadata and created when the dashboard is mounted (``ensure``), so
the registry's own Alembic chain is untouched; both tables are new and only ever added.
"""

from __future__ import annotations

from sqlalchemy import Column, Engine, Index, MetaData, String, Table

metadata = MetaData()

staff = Table(
    "dashboard_staff", metadata,
    Column("name", String(100), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("password", String(200), nullable=False),  # scrypt hash (helpdesk.operators.passwords)
    Column("created_at", String(32), nullable=False),
    Column("disabled_at", String(32)),
)

sessions = Table(
    "dashboard_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie value: a stolen table logs no one in
    Column("name", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Index("ix_dashboard_sessions_name", "name"),
)


def ensure(engine: Engine) -> None:
    """Create the dashboard's tables if missing (idempotent, SQLite and PostgreSQL)."""
    metadata.create_all(engine, checkfirst=True)
