"""Exactly once, whatever happens on the way: a misbehaving network, the registry killed
and restarted, the kiosk killed mid-batch; and three kiosks syncing at once."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest
from sqlalchemy import Engine, func, select
from sync_fault_proxy import FaultProxy

from helpdesk.registry.schema import flags, kiosks, records
from helpdesk.registry.testing import KioskUnderTest, RegistryServer
from helpdesk.store import open_store


def sync_now(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "sync", "now", "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def pending(kiosk: KioskUnderTest) -> int:
    with open_store(kiosk.settings.data_dir, kiosk.kiosk_id) as store:  # also finishes a killed commit
        return store.outbox.count()


def registry_ids(engine: Engine, kiosk_id: str | None = None) -> list[str]:
    query = select(records.c.id)
    if kiosk_id:
        query = query.where(records.c.kiosk_id == kiosk_id)
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


@pytest.mark.slow
def test_1000_records_arrive_exactly_once_through_faults_and_kills(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    kiosk = make_kiosk("kiosk-01", registry_engine)
    ids = kiosk.commit(1000)
    local_head = kiosk.store.audit.head()
    kiosk.close()
    proxy = FaultProxy(registry_server.url, seed=14).start()
    env = kiosk.env(proxy.url, batch_size=40)
    rng = random.Random(119)
    kiosk_kills = registry_kills = 0
    try:
        for round_ in range(1, 150):
            if round_ == 1:  # the kiosk is killed mid-batch: the registry stored it, the ack is in flight
                proxy.hold_next_ack()
            proc = sync_now(env)
            if round_ == 1:
                assert proxy.held.wait(60), proc.communicate()
                proc.kill()
                kiosk_kills += 1
                proxy.release.set()
            if round_ == 3:  # the registry dies under a running sync, and comes back
                time.sleep(0.8)
                registry_server.kill()
                registry_kills += 1
                time.sleep(0.5)
                registry_server.start()
            if round_ % 2 == 0 and kiosk_kills < 4:  # and killed at random moments
                time.sleep(rng.uniform(0.4, 1.4))
                if proc.poll() is None:
                    proc.kill()
                    kiosk_kills += 1
            _out, err = proc.communicate(timeout=120)
            if proc.returncode == 0 and pending(kiosk) == 0:
                break
        else:
            pytest.fail(f"still {pending(kiosk)} pending after 150 rounds; last: {err}")
    finally:
        proxy.stop()
    got = registry_ids(registry_engine)
    assert len(got) == 1000
    assert sorted(got) == sorted(ids)
    assert pending(kiosk) == 0
    with registry_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(flags)).scalar_one() == 0
        head = conn.execute(select(kiosks.c.head_seq, kiosks.c.head_hash)).one()
    assert tuple(head) == local_head
    assert kiosk_kills >= 1 and registry_kills == 1  # the held-ack kill always; random ones as timing allows
    assert proxy.stats["held"] == 1
    for fault in ("drop_before", "drop_after", "duplicate", "error_before", "error_after", "delay"):
        assert proxy.stats[fault] > 0, proxy.stats


def test_three_kiosks_syncing_at_once_each_record_once(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk  # type: ignore[no-untyped-def]
) -> None:
    fleet = [make_kiosk(f"kiosk-{n}", registry_engine, unit=f"unit-{n}") for n in (1, 2, 3)]
    sent = {k.kiosk_id: k.commit(300) for k in fleet}
    for k in fleet:
        k.close()
    procs = [sync_now(k.env(registry_server.url, batch_size=50)) for k in fleet]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert json.loads(out)["pending"] == 0
    for k in fleet:
        assert sorted(registry_ids(registry_engine, k.kiosk_id)) == sorted(sent[k.kiosk_id])
    everything = registry_ids(registry_engine)
    assert len(everything) == len(set(everything)) == 900
