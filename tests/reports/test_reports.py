"""Reports: the plan as data, sections from plugins, PDF / .xlsx / JSON output."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from helpdesk.reports.plan import PlanError, load_plan
from helpdesk.store import RecordTypeRegistry, open_store
from helpdesk.testing.cli import run_cli
from helpdesk.testing.pdftools import pdf_text

PLUGIN = Path(__file__).with_name("reports_plugin.py")


def test_the_shipped_plan_is_plan_119() -> None:
    plan = load_plan()
    totals = {t.metric: t.total for t in plan.targets}
    assert totals == {"cert.new.organisation": 718, "cert.new.person": 2768, "cert.renew.organisation": 243,
                      "cert.renew.person": 397, "training.classes": 94}
    assert plan.cost_per_class == 7_440_000
    assert plan.budget_total == 723_360_000


@pytest.mark.parametrize(("text", "message"), [
    ("[plan]\nname = 'x'\n", "plan.years"),
    ("[plan]\nname='x'\nyears=[2017]\n[[target]]\nmetric='a'\nlabel_vi='A'\nlabel_en='A'\nby_year={'2019'=1}\n",
     "2019"),
    ("[plan]\nname='x'\nyears=[2017]\n[[target]]\nmetric='a'\nlabel_vi='A'\nlabel_en='A'\nby_year={'2017'=-3}\n",
     "-3"),
    ("[plan\n", "TOML"),
])
def test_a_malformed_plan_file_gets_a_clear_message(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError, match=message):
        load_plan(path)
    done = run_cli("--lang", "en", "report", "plan", "--file", str(path))
    assert done.returncode == 2 and "Plan file" in done.stderr and "Traceback" not in done.stderr


def _seed(data_dir: Path) -> None:
    types = RecordTypeRegistry()
    types.register("test.cert")
    now = [datetime(2018, 1, 1, tzinfo=UTC)]
    with open_store(data_dir, "kiosk-01", record_types=types, clock=lambda: now[0]) as store:
        for when, kind, unit in ((datetime(2018, 2, 1, 3, tzinfo=UTC), "person", "stp"),
                                 (datetime(2018, 5, 1, 3, tzinfo=UTC), "person", "stp"),
                                 (datetime(2018, 5, 2, 3, tzinfo=UTC), "organisation", "stc"),
                                 (datetime(2018, 11, 3, 3, tzinfo=UTC), "person", "stc"),
                                 (datetime(2019, 1, 5, 3, tzinfo=UTC), "person", "stp")):
            now[0] = when
            store.commit("test.cert", {"subscriber_id": "s1"}, {"kind": kind, "unit": unit}, "lan")


def test_yearly_and_quarterly_reports_match_counts_by_hand(helpdesk_home: Path, tmp_path: Path) -> None:
    _seed(helpdesk_home / "data")
    env = {"HELPDESK_PLUGINS": str(PLUGIN)}
    done = run_cli("report", "yearly", "--period", "2018", "--json", "--pdf", str(tmp_path / "r.pdf"),
                   "--xlsx", str(tmp_path / "r.xlsx"), env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    rows = {r["metric"]: (r["actual"], r["plan"]) for r in data["rows"] if r["section"] == "certs"}
    assert rows == {"cert.new.organisation": (1, 584), "cert.new.person": (3, 1062)}
    assert data["failed_sections"][0]["section"] == "broken"  # a broken section is left out, said so
    text = pdf_text(tmp_path / "r.pdf")
    assert "BÁO CÁO TÌNH HÌNH TRIỂN KHAI, SỬ DỤNG CHỮ KÝ SỐ" in text and "Số: 1/BC-SNV" in text
    assert "Cấp mới chứng thư số — cá nhân" in text and "1.062" in text
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert ["cert.new.person", "Cấp mới chứng thư số — cá nhân", "Toàn Sở", "2018", 1062, 3] in cells

    q2 = json.loads(run_cli("report", "quarterly", "--period", "2018Q2", "--unit", "stp", "--json", env=env).stdout)
    assert {r["metric"]: r["actual"] for r in q2["rows"] if r["section"] == "certs"} == {"cert.new.organisation": 0, "cert.new.person": 1}
    again = run_cli("report", "yearly", "--period", "2018", "--pdf", str(tmp_path / "r2.pdf"), env=env)
    assert again.returncode == 0 and "Số: 2/BC-SNV" in pdf_text(tmp_path / "r2.pdf")  # shared numbering


def test_report_sections_lists_and_runs(helpdesk_home: Path) -> None:
    _seed(helpdesk_home / "data")
    env = {"HELPDESK_PLUGINS": str(PLUGIN)}
    listed = json.loads(run_cli("report", "sections", "--json", env=env).stdout)
    ours = [s["id"] for s in listed["sections"] if s["plugin"] == "reports_plugin"]
    assert ours == ["certs", "broken"]  # installed plugins' sections may be listed too
    ran = run_cli("report", "sections", "--run", "certs", "--period", "2019", "--json", env=env)
    assert json.loads(ran.stdout)["rows"][1]["value"] == 1
    failed = run_cli("--lang", "en", "report", "sections", "--run", "broken", "--period", "2019", env=env)
    assert failed.returncode == 1 and "this section has a bug" in failed.stderr


def test_a_quarterly_report_needs_a_quarter(helpdesk_home: Path) -> None:
    done = run_cli("--lang", "en", "report", "quarterly", "--period", "2018")
    assert done.returncode == 2 and "quarter" in done.stderr
