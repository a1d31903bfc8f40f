"""The dashboard tests' registry: ``helpdesk registry serve`` holding the plan-era records
synced from a kiosk (plus a second kiosk with a flagged audit gap, and a third whose clock
is five days behind that sent one batch of three: its last report is old and says 21
records wait) and a staff account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from helpdesk.registry.testing import ComponentUnavailable, KioskUnderTest, RegistryServer
from helpdesk.reports.plan import DEFAULT_PLAN, load_plan
from helpdesk.reports.testing import plan_records, seed_store
from helpdesk.secret import Secret
from helpdesk.testing.ci import unavailable

PLUGIN = Path(__file__).parents[1] / "reports" / "plan_plugin.py"
STAFF = ("canbo.snv", "mat-khau-2026", "Nguyễn Thị Lan")
BEHIND = "kiosk-cai-rang-01"  # its clock runs five days late; 21 of its 30 notes unsent
#: unit plan lines: Sở Tư pháp and An Bình ahead of their 2018 targets, Ninh Kiều behind
UNIT_LINES = """
[[unit]]
id = "so-tu-phap"
name = "Sở Tư pháp"
level = "sở, ban, ngành"
targets = { "cert.new.person" = { "2018" = 300 } }

[[unit]]
id = "q-ninh-kieu"
name = "UBND quận Ninh Kiều"
level = "quận, huyện"
targets = { "cert.new.person" = { "2018" = 500 }, "cert.new.organisation" = { "2018" = 200 } }

[[unit]]
id = "p-an-binh"
name = "UBND phường An Bình"
level = "xã, phường, thị trấn"
targets = { "cert.new.person" = { "2018" = 354 } }
"""


@dataclass
class Site:
    server: RegistryServer
    engine: Engine
    db_url: str

    @property
    def url(self) -> str:
        return self.server.url


def build_site(base: Path, db_url: str) -> Iterator[Site]:
    from helpdesk.registry.dashboard.accounts import add_staff
    from helpdesk.registry.db import open_db
    from helpdesk.registry.ingest import add_flag
    from helpdesk.registry.kiosks import enroll

    plan_file = base / "plan.toml"
    plan_file.write_text(DEFAULT_PLAN.read_text(encoding="utf-8") + UNIT_LINES, encoding="utf-8")
    engine = open_db(db_url)
    kiosk = KioskUnderTest(base / "kiosk", "kiosk-ninh-kieu-01")
    enroll(engine, kiosk.kiosk_id, kiosk.identity.public_key, "q-ninh-kieu")
    second = KioskUnderTest(base / "kiosk2", "kiosk-an-binh-01")
    enroll(engine, second.kiosk_id, second.identity.public_key, "p-an-binh")
    second.close()
    kiosk.store.close()
    seed_store(kiosk.settings.data_dir, kiosk.kiosk_id, plan_records(load_plan(plan_file)))
    for name in ("test.cert", "test.class"):
        kiosk.record_types.register(name)
    kiosk.reopen()
    add_staff(engine, STAFF[0], Secret(STAFF[1]), STAFF[2])
    server = RegistryServer(db_url, base / "registry.log",
                            env={"HELPDESK_PLUGINS": str(PLUGIN), "HELPDESK_PLAN_FILE": str(plan_file)})
    try:
        server.start()
    except ComponentUnavailable as exc:
        unavailable(f"the registry cannot start: {exc}")
    try:
        kiosk.pusher(server.url, batch_size=1000).push()
        assert kiosk.store.outbox.count() == 0
        _behind(base, engine, server.url)
        with engine.begin() as conn:  # the second kiosk's chain broke once: the registry flagged it
            add_flag(conn, "kiosk-an-binh-01", "gap", 41, None, "Audit gap (test)")
        yield Site(server, engine, db_url)
    finally:
        server.stop()
        kiosk.close()
        engine.dispose()


def _behind(base: Path, engine: Engine, url: str) -> None:
    from helpdesk.registry.kiosks import enroll
    from helpdesk.store import open_store

    kiosk = KioskUnderTest(base / "kiosk3", BEHIND)
    enroll(engine, kiosk.kiosk_id, kiosk.identity.public_key, "q-ninh-kieu")
    kiosk.store.close()
    kiosk.store = open_store(kiosk.settings.data_dir, kiosk.kiosk_id, record_types=kiosk.record_types,
                             clock=lambda: datetime.now(UTC) - timedelta(days=5))
    try:
        kiosk.commit(30)
        kiosk.pusher(url, batch_size=10).push(max_batches=1)  # audit #1-10: the migration and 9 notes
        assert kiosk.store.outbox.count() == 21
    finally:
        kiosk.close()
