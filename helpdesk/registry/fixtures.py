"""pytest fixtures for registry and sync tests (imported by their ``conftest.py``).

``registry_db`` is parametrised: every test using it runs on SQLite and on a real
PostgreSQL server. A component that cannot start skips the test locally and fails
it under ``CI=true`` (:func:`helpdesk.testing.ci.unavailable`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from helpdesk.registry.testing import (
    ComponentUnavailable,
    KioskUnderTest,
    PostgresServer,
    RegistryServer,
)
from helpdesk.testing.ci import unavailable

__all__ = ["make_kiosk", "postgres_server", "registry_db", "registry_engine", "registry_server"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
        server.start()
    except ComponentUnavailable as exc:
        unavailable(f"PostgreSQL cannot start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty registry database URL (SQLite file, then PostgreSQL)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def registry_engine(registry_db: str) -> Iterator[Engine]:
    """The same database, opened in the test process (schema migrated) for asserting what was stored."""
    from helpdesk.registry.db import open_db

    engine = open_db(registry_db)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def registry_server(registry_db: str, registry_engine: Engine, tmp_path: Path) -> Iterator[RegistryServer]:
    """``helpdesk registry serve`` on 127.0.0.1 and a free port, over ``registry_db``."""
    server = RegistryServer(registry_db, tmp_path / "registry.log")
    try:
        server.start()
    except ComponentUnavailable as exc:
        unavailable(f"the registry cannot start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_kiosk(tmp_path: Path) -> Iterator[Callable[..., KioskUnderTest]]:
    """``make_kiosk("k1", engine=…, unit=…)``: a kiosk with its own home; enrolled when given an engine."""
    made: list[KioskUnderTest] = []

    def make(kiosk_id: str = "kiosk-01", engine: Engine | None = None, unit: str | None = None) -> KioskUnderTest:
        kiosk = KioskUnderTest(tmp_path / f"home-{kiosk_id}", kiosk_id)
        made.append(kiosk)
        if engine is not None:
            from helpdesk.registry.kiosks import enroll

            enroll(engine, kiosk_id, kiosk.identity.public_key, unit)
        return kiosk

    try:
        yield make
    finally:
        for kiosk in made:
            kiosk.close()
