"""The kiosk's background relay: delivers, wakes on a saved record, backs off while the
registry is away, marks records sent only after the ack, keeps its state across restarts."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, func, select

from helpdesk.registry.schema import records
from helpdesk.registry.testing import RegistryServer
from helpdesk.sync.backoff import Backoff
from helpdesk.sync.relay import Relay
from helpdesk.sync.settings import SyncSettings
from helpdesk.sync.state import load_state


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def make_relay(kiosk, url: str, interval: float = 60.0) -> Relay:  # type: ignore[no-untyped-def]
    return Relay(kiosk.store, kiosk.identity, SyncSettings(url, interval=interval, batch_size=20),
                 kiosk.home / "sync" / "state.json", backoff=Backoff(base=0.05, cap=0.4))


def test_relay_delivers_in_background_and_wakes_on_a_saved_record(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(50)
    relay = make_relay(kiosk, registry_server.url).start()
    try:
        wait_until(lambda: kiosk.store.outbox.count() == 0)
        assert stored(registry_engine) == 50
        kiosk.commit(3)  # the interval is a minute: the save itself wakes the relay
        wait_until(lambda: stored(registry_engine) == 53, timeout=10)
        wait_until(lambda: kiosk.store.outbox.count() == 0, timeout=10)
    finally:
        relay.stop()
    state = load_state(kiosk.home / "sync" / "state.json")
    assert state.last_success is not None
    assert state.last_error is None
    assert state.pending == 0
    assert state.registry_head == kiosk.store.audit.head()[0]


def test_relay_backs_off_while_the_registry_is_away_then_delivers(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-01", registry_engine)
    registry_server.stop()
    kiosk.commit(30)
    relay = make_relay(kiosk, registry_server.url).start()
    try:
        wait_until(lambda: relay.backoff.failures >= 3)
        state = load_state(kiosk.home / "sync" / "state.json")
        assert state.last_error is not None
        assert state.last_error["message"] == "Cannot reach the registry at {url}: {error}"
        assert "http://127.0.0.1:" in (state.error_text() or "")  # shown in Vietnamese, with the address
        assert state.pending == 30
        assert kiosk.store.outbox.count() == 30  # nothing marked sent without an ack
        registry_server.start()
        wait_until(lambda: kiosk.store.outbox.count() == 0, timeout=30)
        wait_until(lambda: relay.backoff.failures == 0)
    finally:
        relay.stop()
    assert stored(registry_engine) == 30
    assert load_state(kiosk.home / "sync" / "state.json").last_error is None


def test_relay_survives_a_restart_of_the_kiosk(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(40)
    first = make_relay(kiosk, registry_server.url)
    assert first.cycle() > 0  # one push of everything, then the kiosk stops
    first.stop()
    kiosk.commit(10)
    kiosk.reopen()  # a new process would see the same outbox
    assert kiosk.store.outbox.count() == 10
    second = make_relay(kiosk, registry_server.url)
    assert second.state.last_success is not None  # remembered from before the restart
    second.cycle()
    second.stop()
    assert kiosk.store.outbox.count() == 0
    assert stored(registry_engine) == 50


def test_an_unenrolled_kiosk_keeps_its_records_and_says_why(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-new")
    kiosk.commit(2)
    relay = make_relay(kiosk, registry_server.url)
    delay = relay.cycle()
    relay.stop()
    assert delay > 0
    assert "kiosk-new" in (relay.state.error_text() or "")
    assert kiosk.store.outbox.count() == 2


def test_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    low = Backoff(base=1.0, cap=30.0, rng=lambda: 0.0)
    high = Backoff(base=1.0, cap=30.0, rng=lambda: 0.999999)
    assert [round(low.next(), 2) for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    assert [round(high.next(), 1) for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    real = Backoff(base=1.0, cap=30.0)
    waits = {round(Backoff(base=1.0, cap=30.0).next(), 6) for _ in range(20)}
    assert len(waits) > 10  # kiosks coming back together do not retry in step
    real.next()
    real.reset()
    assert real.failures == 0


def test_start_relay_only_with_a_registry_and_never_raises(registry_server: RegistryServer, registry_engine: Engine,
                                                           make_kiosk) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from helpdesk.sync.relay import running_relay, start_relay

    kiosk = make_kiosk("kiosk-01", registry_engine)
    assert start_relay(kiosk.store, kiosk.settings) is None  # no registry_url: nothing runs
    broken = replace(kiosk.settings, registry_url=registry_server.url, extra={"sync": {"batch_size": 0}})
    assert start_relay(kiosk.store, broken) is None  # bad [sync] settings: said, not raised
    assert "batch_size" in (load_state(kiosk.home / "sync" / "state.json").error_text() or "")
    settings = replace(kiosk.settings, registry_url=registry_server.url)
    kiosk.commit(4)
    relay = start_relay(kiosk.store, settings)
    assert relay is not None
    try:
        assert running_relay(settings) is relay
        wait_until(lambda: kiosk.store.outbox.count() == 0)
    finally:
        relay.stop()
    assert running_relay(settings) is None
    assert stored(registry_engine) == 4


def test_a_registry_restored_from_an_older_backup_gets_the_missing_records_again(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy import delete, update

    from helpdesk.registry.schema import audit_entries, kiosks

    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(10)
    assert kiosk.pusher(registry_server.url).push().sent == 10
    entry6 = kiosk.store.audit.entries()[5]
    with registry_engine.begin() as conn:  # the registry as it was after entry #6
        conn.execute(delete(records).where(records.c.audit_seq > 6))
        conn.execute(delete(audit_entries).where(audit_entries.c.seq > 6))
        conn.execute(update(kiosks).values(head_seq=6, head_hash=entry6.hash, head_time=entry6.time))
    assert stored(registry_engine) == 5
    kiosk.commit(2)
    result = kiosk.pusher(registry_server.url).push()
    assert result.sent == 2 and result.rejected == []
    assert stored(registry_engine) == 12
    assert result.head == kiosk.store.audit.head()[0]


def test_a_kiosk_clock_that_went_backwards_does_not_stop_sync(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    from datetime import UTC, datetime, timedelta

    from helpdesk.store import open_store

    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(3)
    assert kiosk.pusher(registry_server.url).push().sent == 3
    kiosk.close()
    now = datetime.now(UTC)
    times = iter([now + timedelta(hours=2), now + timedelta(hours=1), now + timedelta(hours=3)])
    # the clock jumps ahead, then back an hour (NTP), then on: entries are not in time order
    with open_store(kiosk.settings.data_dir, kiosk.kiosk_id, record_types=kiosk.record_types,
                    clock=lambda: next(times)) as store:
        for text in ("một", "hai", "ba"):
            store.commit("test.note", None, {"text": text}, "cán bộ 1")
    kiosk.reopen()
    result = kiosk.pusher(registry_server.url).push()
    assert result.sent == 3 and result.rejected == []
    assert stored(registry_engine) == 6
