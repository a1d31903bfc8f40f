"""The guard's time budget, threads and output capture, through the helpers the core
calls (the app-level proofs are in ``test_plugins_hostile.py``)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from hostile_plugins import Blocking, DeskPlugin

from helpdesk import hookimpl, i18n, plugins
from helpdesk.errors import HelpdeskError
from helpdesk.extension import Problem, RecordDraft, TokenFlags, TokenInfo, Workflow
from helpdesk.plugins.budget import DEFAULT_HOOK_TIMEOUT, UI_WAIT

TOKEN = TokenInfo(serial="A1B2C3", label="NGUYEN VAN A", manufacturer="SafeNet", model="eToken",
                  module="softhsm", flags=TokenFlags(token_initialized=True))
DRAFT = RecordDraft("visit", {"subscriber_id": "sb-1"}, {"note": "x", "items": [1]}, "lan")


def test_budget_from_the_environment() -> None:
    assert plugins.hook_timeout({}) == DEFAULT_HOOK_TIMEOUT == 10.0
    assert plugins.hook_timeout({"HELPDESK_PLUGIN_TIMEOUT": "2.5"}) == 2.5
    assert plugins.hook_timeout({"HELPDESK_PLUGIN_TIMEOUT": "0"}) is None
    with pytest.raises(HelpdeskError, match="HELPDESK_PLUGIN_TIMEOUT must be a number of seconds"):
        plugins.hook_timeout({"HELPDESK_PLUGIN_TIMEOUT": "mười"})
    assert plugins.build_plugin_manager(entry_points=False, timeout=0.3).hook_timeout == 0.3


def test_a_collecting_hook_over_budget_is_failed_and_the_call_goes_on(register_plugin: Any,
                                                                        plugin_manager: Any) -> None:
    plugin_manager.hook_timeout = 0.2
    slow = Blocking("register_workflows", flow="late")
    register_plugin(slow, "slow")
    register_plugin(DeskPlugin(), "desk")
    try:
        started = time.monotonic()
        outcome = plugins.collect_workflows()
        took = time.monotonic() - started
        assert [w.id for w in outcome.value] == ["desk_visit"]
        assert [f.error for f in outcome.failures] == ["PluginTimeout: register_workflows did not finish within 0.2 s"]
        assert 0.2 <= took < 5
    finally:
        slow.release.set()
    assert slow.finished.wait(5)  # what it registers afterwards is dropped, and it is not called again
    assert [w.id for w in plugins.collect_workflows().value] == ["desk_visit"] and slow.entered == ["register_workflows"]


def test_hooks_run_on_a_helper_thread_with_the_callers_context(register_plugin: Any) -> None:
    seen: list[tuple[str, str | None, str]] = []

    class Where:
        @hookimpl
        def helpdesk_register_workflows(self, register: Any) -> None:
            seen.append((threading.current_thread().name, plugins.current_plugin(), i18n.get_language()))
            register(Workflow("where", "Ở đâu", "Where", screen=lambda ctx: None))

    register_plugin(Where(), "where")
    assert [w.id for w in plugins.collect_workflows().value] == ["where"]
    assert seen == [("plugin-where-helpdesk_register_workflows", "where", "vi")]


def test_validate_and_record_saved_run_on_the_saving_thread_which_may_hold_a_lock(register_plugin: Any) -> None:
    """The save may hold the store's lock (``next_number``): a helper thread waiting for
    it would deadlock until the budget; these two hooks run on the caller's thread."""
    lock = threading.RLock()
    threads: list[int] = []

    class ReadsTheStore:
        @hookimpl
        def helpdesk_validate_record(self, record: RecordDraft) -> list[Problem]:
            with lock:  # the caller holds it
                threads.append(threading.get_ident())
            return [Problem("Looked at the store", severity="warning")]

        @hookimpl
        def helpdesk_record_saved(self, record: Any) -> None:
            with lock:
                threads.append(threading.get_ident())

    register_plugin(ReadsTheStore(), "reader")
    plugins.get_plugin_manager().hook_timeout = 0.5
    with lock:
        problems = plugins.validate_record(DRAFT)
        saved = plugins.record_saved(DRAFT)
    assert problems.ok and saved.ok and [p.message for p in problems.value] == ["Looked at the store"]
    assert threads == [threading.get_ident()] * 2


def test_an_inline_hook_over_budget_is_failed_by_the_watchdog_and_its_verdict_dropped(register_plugin: Any) -> None:
    class SlowJudge:
        def __init__(self) -> None:
            self.calls = 0

        @hookimpl
        def helpdesk_validate_record(self, record: RecordDraft) -> list[Problem]:
            self.calls += 1
            time.sleep(0.4)
            return [Problem("Refused, too late")]

    judge = SlowJudge()
    register_plugin(judge, "judge")
    pm = plugins.get_plugin_manager()
    pm.hook_timeout = 0.1
    told: list[str] = []
    pm.on_failure = lambda failure: told.append(failure.plugin)  # the app shows it at once

    outcome = plugins.validate_record(DRAFT)

    assert outcome.value == []  # over budget: its verdict does not count
    assert [f.error for f in outcome.failures] == ["PluginTimeout: validate_record did not finish within 0.1 s"]
    assert "judge" in told and pm.state_of("judge") == "failed"
    assert plugins.validate_record(DRAFT).value == [] and judge.calls == 1


async def test_events_raised_on_the_ui_thread_never_wait_for_a_plugin(register_plugin: Any) -> None:
    """Inside a running event loop (the Textual UI thread) the helpers hand the event to
    the plugin-event thread; events stay in order."""
    order: list[tuple[str, str]] = []
    slow = Blocking("token_inserted")

    class Recorder:
        @hookimpl
        def helpdesk_token_inserted(self, token: TokenInfo) -> None:
            order.append(("inserted", threading.current_thread().name))

        @hookimpl
        def helpdesk_token_removed(self, serial: str) -> None:
            order.append(("removed", threading.current_thread().name))

    register_plugin(Recorder(), "recorder")
    register_plugin(slow, "slow")  # registered last: pluggy calls it first
    plugins.get_plugin_manager().hook_timeout = 0.3
    try:
        started = time.monotonic()
        inserted = plugins.notify_token_inserted(TOKEN)
        removed = plugins.notify_token_removed(TOKEN.serial)
        took = time.monotonic() - started
        assert took < 2 * UI_WAIT + 0.15, took  # the UI waited a few frames, not the plugin's 30 s
        assert inserted.ok and removed.ok  # the timeout is found later, on the event thread
        assert plugins.wait_for_events()
    finally:
        slow.release.set()
    assert order == [("inserted", "plugin-recorder-helpdesk_token_inserted"),  # never the UI thread
                     ("removed", "plugin-recorder-helpdesk_token_removed")]
    assert [f.error for f in plugins.new_failures()] == ["PluginTimeout: token_inserted did not finish within 0.3 s"]


def test_events_outside_an_event_loop_run_here_and_report_their_failures(register_plugin: Any) -> None:
    class Boom:
        @hookimpl
        def helpdesk_token_removed(self, serial: str) -> None:
            raise RuntimeError(f"removed {serial}")

    register_plugin(Boom(), "boom")
    outcome = plugins.notify_token_removed("A1")
    assert [f.error for f in outcome.failures] == ["RuntimeError: removed A1"]


def test_output_inside_a_hook_goes_to_the_log_and_outside_passes_through(
        register_plugin: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="helpdesk.plugins.output")

    class Talks:
        @hookimpl
        def helpdesk_register_workflows(self, register: Any) -> None:
            print("xin chào", "từ plugin")
            print("không xuống dòng", end="")
            import sys

            sys.stdout.flush()
            sys.stderr.write("cảnh báo\n")

    register_plugin(Talks(), "talks")
    assert plugins.collect_workflows().ok
    print("the core prints as before")
    captured = capsys.readouterr()
    assert captured.out == "the core prints as before\n" and captured.err == ""
    assert [r.getMessage() for r in caplog.records if r.name == "helpdesk.plugins.output"] == [
        "plugin talks wrote to stdout: xin chào từ plugin",
        "plugin talks wrote to stdout: không xuống dòng",
        "plugin talks wrote to stderr: cảnh báo",
    ]


def test_no_budget_runs_hooks_on_the_callers_thread(register_plugin: Any) -> None:
    names: list[str] = []

    class Where:
        @hookimpl
        def helpdesk_register_workflows(self, register: Any) -> None:
            names.append(threading.current_thread().name)

    register_plugin(Where(), "where")
    plugins.get_plugin_manager().hook_timeout = None
    plugins.collect_workflows()
    assert names == [threading.current_thread().name]


def test_arguments_that_cannot_be_copied_are_passed_as_they_are(register_plugin: Any) -> None:
    seen: list[object] = []

    class Reads:
        @hookimpl
        def helpdesk_record_saved(self, record: Any) -> None:
            seen.append(record)

    register_plugin(Reads(), "reads")
    odd = RecordDraft("visit", {}, {"lock": threading.Lock()}, "lan")  # a lock cannot be deep-copied
    assert plugins.record_saved(odd).ok and seen == [odd]
    plugins.record_saved(DRAFT)
    assert seen[1] == DRAFT and seen[1] is not DRAFT  # the usual case: the plugin's own copy


def test_the_watchdog_calls_back_only_for_deadlines_not_cancelled() -> None:
    from helpdesk.plugins.budget import Watchdog

    dog = Watchdog()
    fired: list[str] = []
    done = threading.Event()
    def kept_fired() -> None:
        fired.append("kept")
        done.set()

    late = dog.watch(0.05, lambda: fired.append("late"))
    kept = dog.watch(0.3, kept_fired)
    early = dog.watch(0.02, lambda: fired.append("early"))  # earlier than the first: wakes the thread
    dog.cancel(late)
    assert done.wait(5) and len({late, kept, early}) == 3
    assert fired == ["early", "kept"]


def test_an_import_over_budget_is_failed_and_the_others_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    from pathlib import Path

    release = threading.Event()
    monkeypatch.setattr(builtins, "helpdesk_sleepy_release", release, raising=False)
    samples = Path(__file__).parent / "sample_plugins"
    try:
        started = time.monotonic()
        pm = plugins.build_plugin_manager(entry_points=False, timeout=0.3,
                                          paths=[samples / "sleepy_plugin.py", samples / "good_plugin.py"])
        assert time.monotonic() - started < 5
    finally:
        release.set()
    states = {s.name: s for s in pm.states()}
    assert states["sleepy_plugin"].state == "failed" and states["sleepy_plugin"].hooks == ()
    assert states["sleepy_plugin"].error == "PluginTimeout: import did not finish within 0.3 s"
    assert states["good_plugin"].state == "ok"
