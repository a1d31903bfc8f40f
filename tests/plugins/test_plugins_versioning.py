"""Plugin API versions: a plugin declares the range it supports (``HELPDESK_API``); outside
it, it is listed *incompatible* with the reason and never registered — never a crash."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import pytest
from test_plugins_cli import by_name, helpdesk, sample

from helpdesk import hookimpl, plugins
from helpdesk.extension import API_VERSION
from helpdesk.plugins.versioning import PluginIncompatible, check_api
from helpdesk.workflow.types import Workflow

ROOT = Path(__file__).resolve().parents[2]


def flow(id: str) -> Workflow:
    return Workflow(id, f"Việc {id}", f"Task {id}", screen=lambda ctx: None)


class Declares:
    """A plugin object declaring ``api``; counts its hook calls."""

    def __init__(self, api: object) -> None:
        self.HELPDESK_API = api
        self.calls = 0

    @hookimpl
    def helpdesk_register_workflows(self, register: Any) -> None:
        self.calls += 1
        register(flow(f"flow_{id(self)}"))


def test_api_version_is_a_version() -> None:
    assert API_VERSION == "1.0"
    check_api(Declares(">=1.0,<2"))
    check_api(Declares("~=1.0"))
    with pytest.raises(PluginIncompatible, match=r"Written for plugin API >=1\.1; this kiosk has API 1\.0"):
        check_api(Declares(">=1.1"))
    check_api(Declares(">=1.1"), have="1.1")  # the check follows the kiosk's version


@pytest.mark.parametrize("api", [None, ">=1.0,<2", "==1.*", ">=0.9"])
def test_compatible_or_undeclared_plugins_load(register_plugin: Any, api: str | None) -> None:
    plugin = Declares(api) if api is not None else Declares(None)
    if api is None:
        del plugin.HELPDESK_API  # no declaration at all: loads (and takes the risk)
    register_plugin(plugin, "p")
    outcome = plugins.collect_workflows()
    assert outcome.ok and plugin.calls == 1 and len(outcome.value) == 1
    [state] = [s for s in plugins.plugin_states() if s.name == "p"]
    assert state.state == "ok" and state.api == (api or "")


@pytest.mark.parametrize(("api", "reason"), [
    (">=2.0,<3", "PluginIncompatible: Written for plugin API >=2.0,<3; this kiosk has API 1.0"),
    ("<1.0", "PluginIncompatible: Written for plugin API <1.0; this kiosk has API 1.0"),
    ("chuối", "PluginIncompatible: HELPDESK_API must be a version range (e.g. >=1.0,<2), got 'chuối'"),
    (2, "PluginIncompatible: HELPDESK_API must be a version range (e.g. >=1.0,<2), got 2"),
    ("", "PluginIncompatible: HELPDESK_API must be a version range (e.g. >=1.0,<2), got ''"),
])
def test_incompatible_plugin_is_listed_with_the_reason_and_never_called(
    register_plugin: Any, api: object, reason: str
) -> None:
    old, good = Declares(api), Declares(">=1.0")
    register_plugin(old, "old")
    register_plugin(good, "good")

    outcome = plugins.collect_workflows()

    assert outcome.ok and [w.plugin for w in outcome.value] == ["good"]
    assert old.calls == 0
    pm = plugins.get_plugin_manager()
    assert pm.state_of("old") == "incompatible" and pm.get_plugin_object("old") is None
    states = {s.name: s for s in plugins.plugin_states()}
    assert states["old"].error == reason and states["old"].hooks == ()
    assert states["old"].to_json()["state"] == "incompatible"
    [failure] = plugins.new_failures()  # the operator is told once, like a failed import
    assert failure.plugin == "old" and failure.hook == ""
    assert failure.localized().startswith("Không nạp được phần mở rộng old: ")


def test_cli_lists_incompatible_in_json_and_text_and_keeps_its_command_out(helpdesk_home: Path) -> None:
    result = helpdesk("plugins", "--json", plugins=sample("future_plugin", "good_plugin"), home=helpdesk_home)
    assert result.returncode == 0, result.stderr
    future, good = by_name(result.stdout)["future_plugin"], by_name(result.stdout)["good_plugin"]
    assert future == {
        "name": "future_plugin", "version": "2.0.0", "hooks": [], "state": "incompatible",
        "error": "PluginIncompatible: Written for plugin API >=2.0,<3; this kiosk has API 1.0",
        "failed_hook": None, "source": str(Path(sample("future_plugin"))), "api": ">=2.0,<3",
    }
    assert good["state"] == "ok" and good["api"] is None

    text = helpdesk("plugins", "--all", plugins=sample("future_plugin"), home=helpdesk_home)
    assert text.returncode == 0, text.stderr
    assert "future_plugin 2.0.0  [không tương thích]" in text.stdout
    assert ("Không nạp được phần mở rộng future_plugin: "
            "Viết cho API phần mở rộng >=2.0,<3; máy này có API 1.0") in text.stdout
    assert "API phần mở rộng: >=2.0,<3" in text.stdout

    command = helpdesk("hello-future", plugins=sample("future_plugin"), home=helpdesk_home)
    assert command.returncode == 2 and "hello-future" in command.stderr and "Traceback" not in command.stderr


def test_every_installed_plugin_declares_a_range_that_fits() -> None:
    """The built-ins and the example declare HELPDESK_API; the scaffold writes it too."""
    pm = plugins.build_plugin_manager()
    installed = {ep.name for ep in importlib.metadata.entry_points(group="helpdesk")}
    states = {s.name: s for s in pm.states()}
    assert {"handover", "pin_unlock"} <= installed
    for name in installed:
        assert states[name].api == ">=1.0,<2", name
        assert states[name].state != "incompatible", name
    assert 'HELPDESK_API = ">=1.0,<2"' in (ROOT / "helpdesk" / "scaffold.py").read_text(encoding="utf-8")


def test_json_state_is_one_of_the_documented_states(helpdesk_home: Path) -> None:
    result = helpdesk("plugins", "--json", "--all", plugins=sample("future_plugin", "broken_plugin", "good_plugin"),
                      home=helpdesk_home, HELPDESK_PLUGINS_BLOCK="training")
    rows = json.loads(result.stdout)
    assert {r["state"] for r in rows} <= {"ok", "failed", "blocked", "incompatible"}
    assert {r["state"] for r in rows} >= {"ok", "failed", "incompatible"}
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for state in ("incompatible", "HELPDESK_API", "API_VERSION"):
        assert state in docs
