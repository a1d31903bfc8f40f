"""Plugin manager: loading, fault isolation, result checks, clashes, block list.

Test plugins are small classes registered through the ``register_plugin`` fixture, or
the module files in ``sample_plugins/`` loaded through ``HELPDESK_PLUGINS`` — the way
a developer loads one. Plugins that raise are fault injection at the plugin boundary.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from helpdesk import hookimpl, plugins
from helpdesk.config import ModuleEntry
from helpdesk.workflow.types import Problem, RegistrationError, Workflow

SAMPLES = Path(__file__).parent / "sample_plugins"


#: Built-in plugins installed as entry points (handover, pin_unlock, …) load in every
#: test too; these tests look only at the workflows of their own sample plugins.
INSTALLED_ENTRY_POINTS = {ep.name for ep in importlib.metadata.entry_points(group="helpdesk")}


def own_ids(workflows: tuple[Workflow, ...]) -> list[str]:
    return [w.id for w in workflows if w.plugin not in INSTALLED_ENTRY_POINTS]


def _screen(token: Any) -> None:
    return None


def wf(id: str, **kw: Any) -> Workflow:
    return Workflow(id, f"Việc {id}", f"Task {id}", screen=_screen, **kw)


class Good:
    def __init__(self) -> None:
        self.inserted: list[Any] = []

    @hookimpl
    def helpdesk_register_workflows(self, register: Any) -> None:
        register(wf("good"))

    @hookimpl
    def helpdesk_identify_token(self, reader: str, atr: str) -> ModuleEntry | None:
        return ModuleEntry("good", "/usr/lib/good.so")

    @hookimpl
    def helpdesk_token_inserted(self, token: Any) -> None:
        self.inserted.append(token)


class Raising:
    """Fault injection: raises in every hook it implements, counting calls."""

    def __init__(self) -> None:
        self.calls = 0

    def _boom(self) -> None:
        self.calls += 1
        raise RuntimeError(f"boom #{self.calls}")

    @hookimpl(tryfirst=True)
    def helpdesk_register_workflows(self, register: Any) -> None:
        self._boom()

    @hookimpl(tryfirst=True)
    def helpdesk_identify_token(self, reader: str, atr: str) -> None:
        self._boom()

    @hookimpl
    def helpdesk_token_inserted(self, token: Any) -> None:
        self._boom()

    @hookimpl
    def helpdesk_validate_record(self, record: Any) -> None:
        self._boom()


def test_raising_plugin_others_results_still_arrive(register_plugin: Any) -> None:
    good, bad = Good(), Raising()
    register_plugin(good, "good")
    register_plugin(bad, "raising")

    outcome = plugins.collect_workflows()

    assert [w.id for w in outcome.value] == ["good"]
    assert [(f.plugin, f.hook, f.error) for f in outcome.failures] == [
        ("raising", "helpdesk_register_workflows", "RuntimeError: boom #1")
    ]
    assert "RuntimeError: boom #1" in outcome.failures[0].traceback


def test_failed_plugin_is_reported_once_and_not_called_again(register_plugin: Any) -> None:
    good, bad = Good(), Raising()
    register_plugin(good, "good")
    register_plugin(bad, "raising")

    first = plugins.collect_workflows()
    choice = plugins.identify_token("Reader 0", "3B00")
    inserted = plugins.notify_token_inserted("token")  # type: ignore[arg-type]
    again = plugins.collect_workflows()

    assert len(first.failures) == 1
    assert choice == ModuleEntry("good", "/usr/lib/good.so")
    assert inserted.ok and good.inserted == ["token"]
    assert [w.id for w in again.value] == ["good"] and again.ok
    assert bad.calls == 1  # disabled after its first failure
    assert [f.plugin for f in plugins.failures()] == ["raising"]
    assert [f.plugin for f in plugins.new_failures()] == ["raising"]
    assert plugins.new_failures() == []  # handed to the UI exactly once
    states = {s.name: s for s in plugins.plugin_states()}
    assert states["raising"].state == "failed"
    assert states["raising"].error == "RuntimeError: boom #1"
    assert states["raising"].hook == "helpdesk_register_workflows"
    assert states["good"].state == "ok" and states["good"].error == ""


def test_firstresult_skips_a_raising_plugin(register_plugin: Any) -> None:
    register_plugin(Good(), "good")
    register_plugin(Raising(), "raising")  # tryfirst: called before good

    choice = plugins.identify_token("Reader 0", "3B95")

    assert choice == ModuleEntry("good", "/usr/lib/good.so")
    assert [f.plugin for f in plugins.new_failures()] == ["raising"]


class GarbageIdentify:
    @hookimpl(tryfirst=True)
    def helpdesk_identify_token(self, reader: str, atr: str) -> Any:
        return "/usr/lib/opensc-pkcs11.so"  # a path, not a ModuleEntry


class GarbageRegister:
    @hookimpl
    def helpdesk_register_workflows(self, register: Any) -> Any:
        return [wf("returned")]  # llm style: returned instead of register()ed


class GarbageProblems:
    @hookimpl
    def helpdesk_validate_record(self, record: Any) -> Any:
        return ["a string, not a Problem"]


class GarbageNotification:
    @hookimpl
    def helpdesk_token_removed(self, serial: str) -> Any:
        return 1


GOOD_CHOICE = ModuleEntry("good", "/usr/lib/good.so")


@pytest.mark.parametrize(
    ("plugin", "call", "expected", "value"),
    [
        (GarbageIdentify(), lambda: plugins.identify_token("r", "3B"), "must return a ModuleEntry or None, got str",
         GOOD_CHOICE),  # the next plugin still answered
        (GarbageRegister(), lambda: own_ids(plugins.collect_workflows().value), "must return None, got list",
         ["good"]),
        (GarbageProblems(), lambda: plugins.validate_record({}).value, "must return a list of Problem, got list", []),
        (GarbageNotification(), lambda: plugins.notify_token_removed("ABC").value, "must return None, got int", None),
    ],
)
def test_garbage_returns_are_rejected(register_plugin: Any, plugin: Any, call: Any, expected: str, value: Any) -> None:
    register_plugin(Good(), "good")
    register_plugin(plugin, "garbage")

    result = call()

    (failure,) = plugins.failures()
    assert failure.plugin == "garbage" and failure.error.startswith("PluginError: ")
    assert expected in failure.error
    assert result == value


class RegistersWrongType:
    def __init__(self) -> None:
        self.raised: list[BaseException] = []

    @hookimpl
    def helpdesk_register_workflows(self, register: Any) -> None:
        try:
            register({"id": "dict_instead"})
        except RegistrationError as exc:  # swallowed: the host still blames the plugin
            self.raised.append(exc)
        register(wf("after_the_bad_one"))


def test_register_rejects_wrong_type_even_if_swallowed(register_plugin: Any) -> None:
    plugin = RegistersWrongType()
    register_plugin(Good(), "good")
    register_plugin(plugin, "sloppy")

    outcome = plugins.collect_workflows()

    assert len(plugin.raised) == 1 and "Expected a Workflow, got dict" in str(plugin.raised[0])
    assert [w.id for w in outcome.value] == ["good"]  # none of the failed plugin's items
    assert [(f.plugin, f.error) for f in outcome.failures] == [
        ("sloppy", "RegistrationError: Expected a Workflow, got dict")
    ]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (wf("Bad Id"), "Bad id 'Bad Id'"),
        (Workflow("x", "", "X", screen=_screen), "both titles"),
        (wf("x", role="root"), "unknown role 'root'"),  # type: ignore[arg-type]
        (wf("x", pin_states=("blocked",)), "unknown PIN state"),
        (Workflow("x", "X", "X", screen="not callable"), "screen must be callable"),  # type: ignore[arg-type]
    ],
)
def test_register_checks_fields(register_plugin: Any, item: Workflow, message: str) -> None:
    class Bad:
        @hookimpl
        def helpdesk_register_workflows(self, register: Any) -> None:
            register(item)

    register_plugin(Bad(), "bad")
    outcome = plugins.collect_workflows()
    assert outcome.value == ()
    assert message in outcome.failures[0].error


def make_registrar(*items: Workflow) -> Any:
    class Registrar:
        @hookimpl
        def helpdesk_register_workflows(self, register: Any) -> None:
            for item in items:
                register(item)

    return Registrar()


def test_clash_first_registered_wins_later_plugin_failed_whole(register_plugin: Any) -> None:
    # pluggy calls the later-registered plugin first; the host still lets the first win.
    register_plugin(make_registrar(wf("shared"), wf("a_only")), "first")
    register_plugin(make_registrar(wf("b_only"), wf("shared")), "second")
    register_plugin(make_registrar(wf("c_only", key="f2")), "third")
    register_plugin(make_registrar(wf("d_only", key="f2")), "fourth")

    outcome = plugins.collect_workflows()

    assert sorted((w.id, w.plugin) for w in outcome.value) == [
        ("a_only", "first"), ("c_only", "third"), ("shared", "first"),
    ]
    errors = {f.plugin: f.error for f in outcome.failures}
    assert errors == {
        "second": "RegistrationError: workflow 'shared' is already registered by first",
        "fourth": "RegistrationError: key 'f2' is already registered by third",
    }


def test_same_plugin_registering_an_id_twice_fails(register_plugin: Any) -> None:
    register_plugin(make_registrar(wf("twice"), wf("twice")), "dup")
    outcome = plugins.collect_workflows()
    assert outcome.value == ()
    assert "workflow 'twice' is already registered by dup" in outcome.failures[0].error


def test_workflows_are_ordered_and_titles_nfc(register_plugin: Any) -> None:
    nfd = "Ba\u0300n giao"  # "Bàn giao" decomposed
    register_plugin(make_registrar(wf("late", order=50), Workflow("early", nfd, "Handover", screen=_screen, order=10)), "p")
    outcome = plugins.collect_workflows()
    assert [w.id for w in outcome.value] == ["early", "late"]
    assert outcome.value[0].title_vi == "Bàn giao" and outcome.value[0].title("vi") == "Bàn giao"


def test_register_outside_the_hook_is_rejected(register_plugin: Any) -> None:
    class Stasher:
        register: Any = None

        @hookimpl
        def helpdesk_register_workflows(self, register: Any) -> None:
            Stasher.register = register

    register_plugin(Stasher(), "stasher")
    plugins.collect_workflows()
    with pytest.raises(RegistrationError, match="only be called during"):
        Stasher.register(wf("late"))


def test_misspelt_hook_fails_the_plugin_not_the_manager(plugin_manager: Any) -> None:
    class Misspelt:
        @hookimpl
        def helpdesk_register_workflow(self, register: Any) -> None:  # missing "s"
            raise AssertionError("never called")

    assert plugin_manager.register(Misspelt(), "misspelt") is None
    plugin_manager.check_pending()  # nothing unknown was registered
    state = {s.name: s for s in plugin_manager.states()}["misspelt"]
    assert state.state == "failed"
    assert state.error == "PluginError: Unknown hook helpdesk_register_workflow (misspelt?)"


def test_wrong_argument_name_fails_the_plugin(plugin_manager: Any) -> None:
    class WrongArgs:
        @hookimpl
        def helpdesk_token_removed(self, serial_number: str) -> None:
            raise AssertionError("never called")

    assert plugin_manager.register(WrongArgs(), "wrongargs") is None
    state = {s.name: s for s in plugin_manager.states()}["wrongargs"]
    assert state.state == "failed" and "PluginValidationError" in state.error
    assert "serial_number" in state.error


def test_hook_wrappers_are_reserved_for_the_core(plugin_manager: Any) -> None:
    class Wrapper:
        @hookimpl(wrapper=True)
        def helpdesk_validate_record(self, record: Any) -> Any:
            return (yield)

    assert plugin_manager.register(Wrapper(), "wrapper") is None
    assert {s.name: s.state for s in plugin_manager.states()}["wrapper"] == "failed"


def test_optional_hook_for_an_unknown_spec_is_allowed(plugin_manager: Any) -> None:
    class Optional:
        @hookimpl(optionalhook=True)
        def helpdesk_future_hook(self) -> None:
            pass

    assert plugin_manager.register(Optional(), "optional") == "optional"
    plugin_manager.check_pending()


def test_unregister_and_reregister(plugin_manager: Any) -> None:
    good = Good()
    plugin_manager.register(good, "good")
    assert plugin_manager.get_name(good) == "good" and plugin_manager.is_registered(good)
    assert plugin_manager.get_plugin_object("good") is good
    assert {c.name for c in plugin_manager.get_hookcallers(good)} >= {"helpdesk_register_workflows"}
    with pytest.raises(ValueError, match="already registered"):
        plugin_manager.register(good, "other_name")
    assert plugin_manager.unregister(good) is good
    assert not plugin_manager.is_registered(good)
    assert own_ids(plugins.collect_workflows().value) == []
    assert plugin_manager.register(good, "good") == "good"
    assert own_ids(plugins.collect_workflows().value) == ["good"]


def test_report_failure_blames_the_plugin(register_plugin: Any) -> None:
    register_plugin(Good(), "good")
    plugins.report_failure("good", "screen", ValueError("screen crashed"))
    assert own_ids(plugins.collect_workflows().value) == []
    (failure,) = plugins.new_failures()
    assert (failure.plugin, failure.hook, failure.error) == ("good", "screen", "ValueError: screen crashed")
    assert failure.localized() == "Phần mở rộng good bị lỗi ở screen: ValueError: screen crashed"


def test_record_type_registry_errors_blame_the_plugin(register_plugin: Any) -> None:
    class Types:
        def __init__(self, *names: str) -> None:
            self.names = names

        @hookimpl
        def helpdesk_register_record_types(self, register: Any) -> None:
            for name in self.names:
                register(name, schema={})

    seen: list[tuple[str, str | None]] = []

    def store_register(name: str, schema: dict[str, Any]) -> None:
        if any(n == name for n, _ in seen):
            raise ValueError(f"record type {name} exists")
        seen.append((name, plugins.current_plugin()))

    register_plugin(Types("handover", "unlock"), "one")
    register_plugin(Types("handover"), "two")

    outcome = plugins.collect_record_types(store_register)

    assert seen == [("handover", "one"), ("unlock", "one")]
    assert [(f.plugin, f.error) for f in outcome.failures] == [("two", "ValueError: record type handover exists")]


# ---------------------------------------------------------------- loading from files and entry points
def test_import_failure_is_listed_failed_others_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPDESK_PLUGINS", f"{SAMPLES / 'broken_plugin.py'},{SAMPLES / 'good_plugin.py'}")

    states = {s.name: s for s in plugins.plugin_states()}

    assert states["broken_plugin"].state == "failed"
    assert states["broken_plugin"].error == (
        "ModuleNotFoundError: No module named 'helpdesk_dependency_that_is_not_installed'"
    )
    assert states["good_plugin"].state == "ok" and states["good_plugin"].version == "1.0.0"
    assert own_ids(plugins.collect_workflows().value) == ["good_flow"]


def test_missing_plugin_file_is_listed_failed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HELPDESK_PLUGINS", str(tmp_path / "nowhere.py"))
    (state,) = [s for s in plugins.plugin_states() if s.name == "nowhere"]
    assert state.state == "failed" and state.error.startswith("FileNotFoundError")


def test_package_folder_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pkg = tmp_path / "helpdesk_folder"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .impl import helpdesk_register_workflows  # noqa: F401\n")
    (pkg / "impl.py").write_text(
        "from helpdesk import hookimpl\nfrom helpdesk.workflow.types import Workflow\n"
        "@hookimpl\ndef helpdesk_register_workflows(register):\n"
        "    register(Workflow('folder', 'Thư mục', 'Folder', screen=print, needs_token=False))\n"
    )
    monkeypatch.setenv("HELPDESK_PLUGINS", str(pkg))
    assert own_ids(plugins.collect_workflows().value) == ["folder"]


@pytest.mark.parametrize("how", ["env", "settings_file"])
def test_block_list_keeps_a_plugin_out_unimported(
    monkeypatch: pytest.MonkeyPatch, helpdesk_home: Path, how: str
) -> None:
    monkeypatch.setenv("HELPDESK_PLUGINS", f"{SAMPLES / 'broken_plugin.py'},{SAMPLES / 'good_plugin.py'}")
    if how == "env":
        monkeypatch.setenv("HELPDESK_PLUGINS_BLOCK", "broken_plugin,good_plugin")
    else:
        (helpdesk_home / "helpdesk.toml").write_text('[plugins]\nblock = ["broken_plugin", "good_plugin"]\n')

    states = {s.name: s for s in plugins.plugin_states()}

    # blocked before import: the broken one would otherwise be "failed"
    assert states["broken_plugin"].state == "blocked" and states["broken_plugin"].error == ""
    assert states["good_plugin"].state == "blocked"
    assert own_ids(plugins.collect_workflows().value) == []
    pm = plugins.get_plugin_manager()
    assert pm.register(Good(), "good_plugin") is None  # the name stays blocked


def write_dist(site: Path, dist: str, version: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """A distribution on a path entry (dist-info + modules): real metadata, nothing installed."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"  # wheel naming: no "-" in the name part
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[helpdesk]\n{lines}\n")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(textwrap.dedent(source))


def test_entry_points_load_with_isolation_and_blocking(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_dist(
        site, "helpdesk-ep-demo", "2.3.4",
        {"ep_demo": "helpdesk_ep_demo", "ep_broken": "helpdesk_ep_missing_module"},
        {"helpdesk_ep_demo": """
            from helpdesk import hookimpl
            from helpdesk.workflow.types import Workflow

            @hookimpl
            def helpdesk_register_workflows(register):
                register(Workflow("ep_flow", "Luồng", "Flow", screen=print))
        """},
    )
    write_dist(site, "helpdesk-ep-blocked", "0.1", {"ep_blocked": "helpdesk_ep_blocked"},
               {"helpdesk_ep_blocked": "raise SystemExit('must never be imported')\n"})
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("HELPDESK_PLUGINS_BLOCK", "helpdesk-ep-blocked")  # by distribution name

    states = {s.name: s for s in plugins.plugin_states()}

    assert (states["ep_demo"].state, states["ep_demo"].version) == ("ok", "2.3.4")
    assert states["ep_demo"].hooks == ("helpdesk_register_workflows",)
    assert states["ep_demo"].source == "helpdesk-ep-demo: helpdesk_ep_demo"
    assert states["ep_broken"].state == "failed" and "ModuleNotFoundError" in states["ep_broken"].error
    assert states["ep_blocked"].state == "blocked"
    assert own_ids(plugins.collect_workflows().value) == ["ep_flow"]


def test_nothing_loads_at_import_time(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    plugin = tmp_path / "marker_plugin.py"
    plugin.write_text(f"from pathlib import Path\nPath({str(marker)!r}).write_text('yes')\n")
    code = (
        "import helpdesk.plugins, helpdesk.hookspecs, helpdesk.cli, pathlib, sys\n"
        f"print(pathlib.Path({str(marker)!r}).exists())\n"
        "helpdesk.plugins.get_plugin_manager()\n"
        f"print(pathlib.Path({str(marker)!r}).exists())\n"
    )
    env = {"HELPDESK_PLUGINS": str(plugin), "HELPDESK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_problem_is_stamped_and_localized(register_plugin: Any) -> None:
    class Checker:
        @hookimpl
        def helpdesk_validate_record(self, record: Any) -> list[Problem]:
            return [Problem("Serial {serial} is not on the register", field="serial", params={"serial": "ABC"})]

    register_plugin(Checker(), "checker")
    (problem,) = plugins.validate_record({"serial": "ABC"}).value
    assert problem.plugin == "checker" and problem.field == "serial"
    assert problem.localized() == "Serial ABC is not on the register"  # no translation: msgid as is
