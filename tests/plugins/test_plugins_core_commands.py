"""The core's commands are registered through ``helpdesk_register_commands`` by the
essential plugin ``core``, like any plugin's, and imported only when used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from helpdesk import plugins
from helpdesk.cli import cli
from helpdesk.commands.builtin import COMMANDS
from helpdesk.commands.lazy import LazyCommand


def helpdesk(*args: str, home: Path, code: str = "") -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    environ["HELPDESK_HOME"] = str(home)
    command = ["-c", code] if code else ["-m", "helpdesk.cli", *args]
    return subprocess.run([sys.executable, *command], env=environ, capture_output=True, text=True, timeout=60)


def test_every_core_command_comes_through_the_hook_and_is_listed(helpdesk_home: Path) -> None:
    commands = plugins.collect_commands()
    for name in COMMANDS:
        assert isinstance(commands[name], LazyCommand), name
    # commands other engineers added to the core (sync, registry …) are all here
    assert {"token", "doctor", "plugins", "plugin", "config", "audit", "subscriber", "operator", "report",
            "sync", "kiosk", "registry"} <= set(COMMANDS)
    listing = CliRunner().invoke(cli, ["--help"])
    assert listing.exit_code == 0, listing.output
    listed = {line.split()[0] for line in listing.output.split("Commands:")[1].splitlines() if line.strip()}
    assert set(COMMANDS) <= listed
    for name in COMMANDS:  # each target imports and is a click command
        assert isinstance(commands[name].load(), click.Command), name  # type: ignore[attr-defined]


def test_plugins_lists_the_core_plugin(helpdesk_home: Path) -> None:
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    core = next(row for row in json.loads(result.output) if row["name"] == "core")
    assert core["state"] == "ok" and core["source"] == "core"
    assert core["hooks"] == ["helpdesk_register_commands"]


def test_core_cannot_be_blocked(helpdesk_home: Path) -> None:
    pm = plugins.build_plugin_manager(entry_points=False, block=["core"])
    assert pm.state_of("core") == "ok"
    assert "token" in plugins.collect_commands(pm)


def test_version_and_a_core_command_import_only_what_they_use(helpdesk_home: Path) -> None:
    probe = (
        "import sys\nfrom helpdesk.cli import cli\n"
        "try:\n    cli(['--version'], prog_name='helpdesk')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('helpdesk')))\n"
    )
    result = helpdesk(home=helpdesk_home, code=probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "['helpdesk', 'helpdesk.cli']"

    # A core command: the core wins every name clash, so no other plugin is even loaded.
    probe = probe.replace("['--version']", "['config', 'show']").replace(
        "m.startswith('helpdesk')", "m.startswith('helpdesk') or m in ('textual', 'reportlab')")
    result = helpdesk(home=helpdesk_home, code=probe)
    loaded = result.stdout.splitlines()[-1]
    assert "'helpdesk.commands.config'" in loaded
    for unused in ("helpdesk.commands.token", "helpdesk.commands.report", "helpdesk.registry.cli", "helpdesk.app",
                   "helpdesk_", "textual", "reportlab"):
        assert f"'{unused}" not in loaded


def test_a_plugin_command_still_loads_the_plugins(helpdesk_home: Path) -> None:
    result = helpdesk("roster", "--help", home=helpdesk_home)
    assert result.returncode == 0, result.stderr
    assert "import" in result.stdout


def test_broken_settings_keep_the_core_commands_with_one_error_line(helpdesk_home: Path) -> None:
    (helpdesk_home / "helpdesk.toml").write_text("kiosk_id = \n")
    listing = helpdesk("--help", home=helpdesk_home)
    assert listing.returncode == 0
    assert "token" in listing.stdout and "doctor" in listing.stdout and "config" in listing.stdout
    assert len(listing.stderr.strip().splitlines()) == 1 and "helpdesk.toml" in listing.stderr

    unknown = helpdesk("roster", "import", "x.csv", home=helpdesk_home)  # a plugin's: not loaded
    assert unknown.returncode == 2
    assert "helpdesk.toml" in unknown.stderr and "roster" in unknown.stderr
