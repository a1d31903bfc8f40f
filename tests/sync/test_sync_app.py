"""The kiosk app starts the relay itself when a registry is configured, and stops it
when it closes: records saved at the desk reach the registry without a command."""

from __future__ import annotations

import time
from dataclasses import replace

from sqlalchemy import Engine, func, select

from helpdesk.registry.schema import records
from helpdesk.registry.testing import RegistryServer
from helpdesk.sync.relay import running_relay
from helpdesk.testing.kit import make_app, no_monitor


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


async def test_the_kiosk_app_runs_the_relay_while_it_is_open(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(5)
    settings = replace(kiosk.settings, registry_url=registry_server.url)
    app = make_app(settings, store=kiosk.store, monitor=no_monitor)
    async with app.run_test() as pilot:
        deadline = time.monotonic() + 30
        while stored(registry_engine) < 5 or kiosk.store.outbox.count():
            assert time.monotonic() < deadline, "the app's relay did not deliver"
            await pilot.pause(0.1)
        assert running_relay(settings) is not None
    assert running_relay(settings) is None  # stopped with the app
