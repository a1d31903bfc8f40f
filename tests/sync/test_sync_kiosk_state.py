"""What a kiosk says of itself in each batch (``kiosk_state``: its audit head and the
records it still holds unsent) reaches the registry's kiosk row — over HTTP batch by
batch, and in an offline bundle — signed like the rest; batches without it stay valid."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine

from helpdesk.registry.kiosks import Kiosk, get_kiosk
from helpdesk.registry.testing import RegistryServer
from helpdesk.sync.protocol import KioskReport, make_batch, sign


def held(engine: Engine, kiosk_id: str) -> Kiosk:
    with engine.connect() as conn:
        kiosk = get_kiosk(conn, kiosk_id)
    assert kiosk is not None
    return kiosk


def helpdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_each_batch_reports_the_records_still_unsent(registry_server: RegistryServer, registry_engine: Engine,
                                                      make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(25)
    assert held(registry_engine, "kiosk-01").reported_pending is None  # enrolled, nothing said yet
    pusher = kiosk.pusher(registry_server.url, batch_size=10)
    reported = []
    for _ in range(3):
        before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        assert pusher.push(max_batches=1).batches == 1
        row = held(registry_engine, "kiosk-01")
        assert row.reported_pending == kiosk.store.outbox.count()  # what the kiosk holds after the ack
        assert row.reported_audit_seq == kiosk.store.audit.head()[0]
        assert row.reported_at is not None and row.reported_at >= before
        reported.append(row.reported_pending)
    assert reported == [16, 6, 0]  # audit entry #1 is the store's own (migration): 9 records, then 10, then 6

    kiosk.commit(4)  # more work at the kiosk: the next batch says so
    pusher.push()
    row = held(registry_engine, "kiosk-01")
    assert (row.reported_pending, row.reported_audit_seq) == (0, 30)
    kiosk.close()
    listed = json.loads(helpdesk(kiosk.env(""), "registry", "kiosks", "--json", "--db", registry_server.db_url)
                        .stdout)["kiosks"]
    assert listed[0]["reported"]["pending"] == 0 and listed[0]["reported"]["audit_seq"] == 30
    text = helpdesk(kiosk.env(""), "registry", "kiosks", "--db", registry_server.db_url).stdout
    assert "0 pending at " in text


def test_state_is_signed_optional_and_checked(registry_server: RegistryServer, registry_engine: Engine,
                                             make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01", registry_engine)
    kiosk.commit(3)
    entries = [e.to_dict() for e in kiosk.store.audit.entries()]
    recs = [kiosk.store.get(e["ref"]).to_dict() for e in entries if e["action"].startswith("record:")]

    def post(batch: dict[str, object]) -> httpx.Response:
        return httpx.post(registry_server.url + "/v1/batches", json=batch, timeout=30)

    signed = sign(make_batch("kiosk-01", entries, recs, kiosk.store.now(), kiosk_state=KioskReport(4, 7)),
                  kiosk.identity.key)
    forged = {**signed, "kiosk_state": {"audit_seq": 4, "pending": 0}}  # "all sent", said by someone else
    assert post(forged).status_code == 401
    for bad in ({"audit_seq": 3}, {"audit_seq": 3, "pending": -1}, {"audit_seq": "3", "pending": 1}, [3, 1]):
        malformed = sign({**make_batch("kiosk-01", entries, recs, kiosk.store.now()), "kiosk_state": bad},
                         kiosk.identity.key)
        assert post(malformed).status_code == 400, bad
    assert held(registry_engine, "kiosk-01").reported_at is None

    old_style = sign(make_batch("kiosk-01", entries[:2], recs[:1], kiosk.store.now()), kiosk.identity.key)
    assert "kiosk_state" not in old_style
    assert post(old_style).status_code == 200  # a kiosk without this release: accepted, nothing reported
    assert held(registry_engine, "kiosk-01").reported_pending is None
    assert post(signed).status_code == 200
    row = held(registry_engine, "kiosk-01")
    assert (row.reported_audit_seq, row.reported_pending) == (4, 7)


def test_a_bundle_reports_too_and_an_older_report_never_replaces_a_newer_one(
    registry_db: str, registry_server: RegistryServer, registry_engine: Engine, make_kiosk, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from helpdesk.store import open_store

    kiosk = make_kiosk("kiosk-xa", registry_engine)
    kiosk.store.close()  # a kiosk whose clock is two days behind: its reports are as old as it says
    kiosk.store = open_store(kiosk.settings.data_dir, kiosk.kiosk_id, record_types=kiosk.record_types,
                             clock=lambda: datetime.now(UTC) - timedelta(days=2))
    kiosk.commit(12)
    kiosk.close()
    env = kiosk.env("")
    env["HELPDESK_REGISTRY_KEY"] = str(tmp_path / "registry-key.pem")
    usb = tmp_path / "usb"
    assert helpdesk(env, "sync", "export", str(usb)).returncode == 0
    (bundle,) = usb.glob("helpdesk-bundle-*.json")
    assert json.loads(bundle.read_text())["kiosk_state"] == {"audit_seq": 13, "pending": 0}  # #1: migration

    kiosk.reopen()  # today's clock: 3 more records, pushed online before the bundle arrives
    kiosk.commit(3)
    kiosk.pusher(registry_server.url, batch_size=5).push(max_batches=1)
    online = held(registry_engine, "kiosk-xa")
    assert (online.reported_audit_seq, online.reported_pending) == (16, 11)  # 15 pending, 4 in entries #1-5
    kiosk.close()
    imported = helpdesk(env, "registry", "import", str(bundle), "--db", registry_db)
    assert imported.returncode == 0, imported.stderr
    after = held(registry_engine, "kiosk-xa")
    assert after.head_seq == 13  # the bundle's records and entries were taken …
    reported = (after.reported_audit_seq, after.reported_pending, after.reported_at)
    assert reported == (16, 11, online.reported_at)  # … but its report is older: the online one stays

    later = tmp_path / "usb2"  # a newer bundle's report is taken
    assert helpdesk(env, "sync", "export", str(later)).returncode == 0
    (newer,) = later.glob("helpdesk-bundle-*.json")
    assert helpdesk(env, "registry", "import", str(newer), "--db", registry_db).returncode == 0
    last = held(registry_engine, "kiosk-xa")
    assert (last.reported_audit_seq, last.reported_pending) == (16, 0) and str(last.reported_at) > str(online.reported_at)
