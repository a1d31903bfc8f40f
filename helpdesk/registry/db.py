"""Engines and migrations: a SQLite file by default, PostgreSQL (``postgresql+psycopg://``) by URL.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so concurrent ingests
queue on the write lock instead of failing half-way. :func:`upgrade` applies the
Alembic migrations in ``helpdesk/registry/migrations`` (the same ones on both).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from helpdesk.registry.errors import RegistryError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
DB_ENV = "HELPDESK_REGISTRY_DB"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # sorts as text


def now() -> str:
    return datetime.now(UTC).strftime(TIME_FORMAT)


def default_url() -> str:
    """``$HELPDESK_REGISTRY_DB``, else a SQLite file in ``$HELPDESK_HOME/registry/``."""
    env = os.environ.get(DB_ENV)
    if env:
        return env
    from helpdesk.config import default_home

    return f"sqlite:///{default_home() / 'registry' / 'registry.db'}"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for a bad URL
        raise RegistryError("Bad database URL {url}", url=_safe(url)) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 60})
        _sqlite_setup(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=8, max_overflow=8)


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable>"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to the newest schema (idempotent), or up to ``revision``."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back down to ``revision`` (tests of the migrations)."""
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), revision)


def _alembic_config(conn: Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def open_db(url: str | None = None) -> Engine:
    """An engine on ``url`` (default :func:`default_url`) with the schema up to date."""
    url = url or default_url()
    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise RegistryError("Cannot open the registry database {url}: {error}", url=_safe(url), error=reason) from exc
    return engine
