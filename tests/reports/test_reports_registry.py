"""Reports over the registry's records (``--source URL``) equal the local ones, and the
Bảng tổng hợp acceptance: records reproducing Kế hoạch 119's 2017–2020 actuals, synced
to a real registry, yield the plan's own table."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import Engine

from helpdesk.registry.testing import KioskUnderTest, RegistryServer
from helpdesk.reports.plan import load_plan
from helpdesk.reports.testing import plan_records, seed_store
from helpdesk.testing.cli import run_cli
from helpdesk.testing.pdftools import pdf_text

PLUGIN = Path(__file__).with_name("plan_plugin.py")
PLAN_TABLE = {  # PLAN-119.md, Bảng tổng hợp: metric → {year: figure}
    "cert.new.organisation": {2017: 134, 2018: 584},
    "cert.new.person": {2017: 408, 2018: 1062, 2019: 1298},
    "cert.renew.organisation": {2017: 227, 2018: 6, 2019: 3, 2020: 7},
    "cert.renew.person": {2018: 113, 2019: 119, 2020: 165},
    "training.classes": {2017: 14, 2018: 36, 2019: 44},
}



def ours(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of this test's plugin (installed plugins, e.g. renewal, report the same metrics)."""
    return [r for r in rows if str(r.get("section", "")).startswith("plan-")]

def _synced_kiosk(make_kiosk: Callable[..., KioskUnderTest], engine: Engine, server: RegistryServer) -> KioskUnderTest:
    """A kiosk holding the plan-era records, all of them delivered to the registry."""
    kiosk = make_kiosk("kiosk-01", engine)
    kiosk.store.close()
    count = seed_store(kiosk.settings.data_dir, kiosk.kiosk_id, plan_records(load_plan()))
    for name in ("test.cert", "test.class"):
        kiosk.record_types.register(name)
    kiosk.reopen()
    pushed = kiosk.pusher(server.url, batch_size=1000).push()
    assert kiosk.store.outbox.count() == 0, pushed
    kiosk.store.close()
    assert count == sum(sum(v.values()) for v in PLAN_TABLE.values())
    return kiosk


def _cli(kiosk: KioskUnderTest, server: RegistryServer, *args: str) -> dict[str, Any]:
    env = {**kiosk.env(server.url), "HELPDESK_PLUGINS": str(PLUGIN),
           "HELPDESK_REGISTRY_READ_TOKEN": server.read_token}
    done = run_cli(*args, "--json", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _table(summary: dict[str, Any]) -> dict[str, dict[int, float]]:
    return {row["metric"]: {int(y): v["actual"] for y, v in row["years"].items() if v["actual"]}
            for row in summary["rows"]}


def test_bang_tong_hop_from_plan_era_records_equals_the_plan_locally_and_through_the_registry(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk: Callable[..., KioskUnderTest]
) -> None:
    kiosk = _synced_kiosk(make_kiosk, registry_engine, registry_server)
    local = _cli(kiosk, registry_server, "report", "summary")
    remote = _cli(kiosk, registry_server, "report", "summary", "--source", registry_server.url)
    assert _table(local) == PLAN_TABLE
    assert _table(remote) == PLAN_TABLE
    for row in local["rows"]:  # every year's actual equals the plan's figure, and the totals
        assert all(v["actual"] == (v["plan"] or 0) for v in row["years"].values()), row
        assert row["actual_total"] == row["plan_total"]
    totals = {r["metric"]: r["actual_total"] for r in remote["rows"]}
    assert totals["cert.new.organisation"] + totals["cert.new.person"] == 718 + 2768
    assert totals["cert.renew.organisation"] == 243 and totals["cert.renew.person"] == 397
    assert totals["training.classes"] == 94
    assert local["budget"] == remote["budget"] == {"plan": 723_360_000, "actual": 723_360_000,
                                                   "cost_per_class": 7_440_000}
    assert {k: v for k, v in local.items() if k != "source"} == {k: v for k, v in remote.items() if k != "source"}


def test_yearly_and_quarterly_reports_from_the_registry_equal_the_local_ones(
    registry_server: RegistryServer, registry_engine: Engine, make_kiosk: Callable[..., KioskUnderTest]
) -> None:
    kiosk = _synced_kiosk(make_kiosk, registry_engine, registry_server)
    remote: dict[str, Any] = {}
    for args in (("yearly", "--period", "2024"), ("quarterly", "--period", "2019Q2"),
                 ("yearly", "--period", "2018", "--unit", "q-ninh-kieu")):
        local = _cli(kiosk, registry_server, "report", *args)
        remote = _cli(kiosk, registry_server, "report", *args, "--source", registry_server.url)
        assert local["rows"] and local["rows"] == remote["rows"], args
        assert local["notes"] == remote["notes"]
        if args[2] == "2024":  # after the plan: no targets, nothing done
            assert {r["metric"]: (r["actual"], r["plan"]) for r in ours(remote["rows"])}["cert.new.person"] == (0, None)
        if args[2] == "2019Q2":  # a quarter shows the year's target
            assert {r["metric"]: r["plan"] for r in ours(remote["rows"])}["cert.new.person"] == 1298
    unit = remote
    paper = kiosk.home / "bc-2018.pdf"  # numbered by the issuing machine's store, figures from the registry
    sheet = kiosk.home / "bc-2018.xlsx"
    issued = _cli(kiosk, registry_server, "report", "yearly", "--period", "2018", "--source", registry_server.url,
                  "--pdf", str(paper), "--xlsx", str(sheet))
    text = pdf_text(paper)
    assert "Số: 1/BC-SNV" in text and "BÁO CÁO TÌNH HÌNH TRIỂN KHAI, SỬ DỤNG CHỮ KÝ SỐ" in text
    assert "Cấp mới chứng thư số — cá nhân" in text and "1.062" in text
    cells = [[c.value for c in row] for row in load_workbook(sheet).active.iter_rows(min_row=3)]  # type: ignore[union-attr]
    assert ["cert.new.person", "Cấp mới chứng thư số — cá nhân", "Toàn Sở", "2018", 1062, 1062] in cells
    assert {r["metric"]: r["actual"] for r in ours(issued["rows"])}["cert.renew.person"] == 113
    by_hand = sum(1 for i in plan_records(load_plan()) if i.time.year == 2018 and i.type == "test.cert"
                  and i.payload["action"] == "new" and i.payload["kind"] == "person"
                  and i.payload["unit_id"] == "q-ninh-kieu")
    row = next(r for r in ours(unit["rows"]) if r["metric"] == "cert.new.person")
    assert row["actual"] == by_hand and row["plan"] is None  # no plan line for the unit: no target, and a note
    assert any("no line in the plan" in n for n in unit["notes"])


def test_a_registry_without_the_read_token_is_a_clear_error(
    registry_server: RegistryServer, helpdesk_home: Path
) -> None:
    done = run_cli("--lang", "en", "report", "yearly", "--period", "2018", "--source", registry_server.url,
                   env={"HELPDESK_REGISTRY_READ_TOKEN": "wrong", "HELPDESK_PLUGINS": str(PLUGIN)})
    assert done.returncode == 2 and "read token" in done.stderr and "Traceback" not in done.stderr
