"""``helpdesk plugins``: run as a real process with ``HELPDESK_PLUGINS`` test plugins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpdesk.cli import cli

SAMPLES = Path(__file__).parent / "sample_plugins"


def helpdesk(*args: str, plugins: str = "", home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    environ.update(HELPDESK_HOME=str(home), HELPDESK_PLUGINS=plugins, **env)
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", *args], env=environ, capture_output=True, text=True, timeout=60
    )


def sample(*names: str) -> str:
    return ",".join(str(SAMPLES / f"{name}.py") for name in names)


def by_name(stdout: str) -> dict[str, dict[str, Any]]:
    rows = json.loads(stdout)
    return {row["name"]: row for row in rows}


def test_raising_plugin_reported_failed_with_its_error(helpdesk_home: Path) -> None:
    result = helpdesk("plugins", "--json", plugins=sample("raising_plugin", "good_plugin"), home=helpdesk_home)

    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows].count("raising_plugin") == 1  # listed once
    raising, good = by_name(result.stdout)["raising_plugin"], by_name(result.stdout)["good_plugin"]
    assert raising["state"] == "failed"
    assert raising["version"] == "6.6.6"
    # the first hook the CLI calls is the catalogs hook, right after loading
    assert raising["error"] == "PluginBoom: catalogs exploded"
    assert raising["failed_hook"] == "helpdesk_register_catalogs"
    assert len(raising["hooks"]) == 12
    assert good["state"] == "ok" and good["error"] is None
    assert good["hooks"] == [
        "helpdesk_identify_token", "helpdesk_register_commands",
        "helpdesk_register_reports", "helpdesk_register_workflows",
    ]


def test_broken_import_listed_failed(helpdesk_home: Path) -> None:
    result = helpdesk("plugins", "--json", plugins=sample("broken_plugin"), home=helpdesk_home)

    assert result.returncode == 0, result.stderr
    broken = by_name(result.stdout)["broken_plugin"]
    assert broken["state"] == "failed" and broken["failed_hook"] is None
    assert broken["error"] == "ModuleNotFoundError: No module named 'helpdesk_dependency_that_is_not_installed'"
    assert broken["hooks"] == []


def test_plugin_command_runs_and_a_raising_plugin_does_not_break_the_cli(helpdesk_home: Path) -> None:
    result = helpdesk("hello-good", plugins=sample("raising_plugin", "good_plugin"), home=helpdesk_home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "xin chào từ good_plugin"


def test_command_clashing_with_builtin_fails_the_plugin(helpdesk_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_PLUGINS", sample("clash_plugin"))
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    clash = by_name(result.output)["clash_plugin"]
    assert clash["state"] == "failed"
    assert clash["error"] == "RegistrationError: command 'token' is already registered by core"


def test_hook_filter_all_and_text_output(helpdesk_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_PLUGINS", sample("good_plugin", "raising_plugin", "broken_plugin"))
    monkeypatch.setenv("HELPDESK_PLUGINS_BLOCK", "broken_plugin")
    runner = CliRunner()

    only = runner.invoke(cli, ["plugins", "--json", "--hook", "register_reports"])
    everything = runner.invoke(cli, ["plugins", "--json", "--all"])
    default = runner.invoke(cli, ["plugins", "--json"])
    text = runner.invoke(cli, ["plugins", "--all"])

    # installed plugins (entry points) with that hook are listed too; none without it
    assert {"good_plugin", "raising_plugin"} <= set(by_name(only.output))
    assert all("helpdesk_register_reports" in row["hooks"] for row in json.loads(only.output))
    assert "core" not in by_name(only.output)
    assert by_name(everything.output)["broken_plugin"]["state"] == "blocked"
    assert "broken_plugin" not in by_name(default.output)
    assert "good_plugin 1.0.0  [đang hoạt động]" in text.output
    assert "raising_plugin 6.6.6  [bị lỗi]" in text.output
    assert "broken_plugin -  [bị chặn]" in text.output
    assert "Phần mở rộng raising_plugin bị lỗi ở register_catalogs: PluginBoom: catalogs exploded" in text.output


def test_unknown_hook_is_a_clear_error(helpdesk_home: Path) -> None:
    result = CliRunner().invoke(cli, ["plugins", "--hook", "no_such_hook"])
    assert result.exit_code == 2
    assert result.output.strip() == "Phần mở rộng: Không có hook no_such_hook"


def test_english_interface(helpdesk_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_PLUGINS", sample("good_plugin"))
    result = CliRunner().invoke(cli, ["--lang", "en", "plugins"])
    assert "good_plugin 1.0.0  [active]" in result.output
    assert "hooks: identify_token, register_commands, register_reports, register_workflows" in result.output
