"""The demo seeds its roster through the public CLI (``helpdesk roster import``), not
by importing a plugin; without a plugin offering that command it only says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk import demo
from helpdesk.cli import cli
from helpdesk.config import load_settings
from helpdesk.operators.accounts import OperatorBook


def test_demo_roster_is_imported_through_the_cli(helpdesk_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo._seed_store(helpdesk_home, "DEMO-SERIAL-42")

    out, err = capsys.readouterr()
    assert out == ""  # stdout is for the `export` lines demo.sh evaluates
    assert "demo-roster.csv: 3" in err  # the import's own report, on stderr
    found = CliRunner().invoke(cli, ["subscriber", "search", "DEMO-SERIAL-42", "--json"])
    assert found.exit_code == 0, found.output
    holder = json.loads(found.output.splitlines()[0])
    assert holder["full_name"] == "Nguyễn Thị Ánh Tuyết"
    [admin] = OperatorBook(load_settings().data_dir).all()
    assert admin.id == "admin" and admin.role == "admin"
    audit = CliRunner().invoke(cli, ["audit", "show", "--json"])
    entries = [json.loads(line) for line in audit.output.splitlines() if line.startswith("{")]
    assert {"action": "subscribers.add", "operator": "admin", "count": 3}.items() <= next(
        e for e in entries if e["action"] == "subscribers.add").items()  # imported as the demo admin


def test_without_a_roster_command_the_demo_skips_the_roster(
    helpdesk_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPDESK_PLUGINS_BLOCK", "handover")
    roster = helpdesk_home / "r.csv"
    roster.write_text(demo.DEMO_ROSTER.format(serial="X"), encoding="utf-8")
    assert demo.import_roster(roster, "admin") is False
    assert "roster import" in capsys.readouterr().err
