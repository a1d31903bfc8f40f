"""Hostile plugins leave the kiosk usable: the real app under Pilot still logs in, shows
the menu and opens (and saves through) another plugin's workflow.

One test each: an import error, raising event hooks, a hook blocking for 30 s, wrong
return types, output to stdout/stderr, mutating what it is given. (A plugin raising in
*every* hook: ``tests/app/test_app_workflows.py::test_plugin_raising_in_every_hook_is_
shown_once_and_others_work``.) Plugins misbehaving is fault injection at the plugin
boundary; the budget is cut to 0.5 s so a 30 s block costs the test about a second.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from hostile_plugins import (
    PAYLOAD,
    RECORD_TYPE,
    Blocking,
    DeskPlugin,
    DeskScreen,
    Mutating,
    Noisy,
    Observer,
    RaisingEvents,
    WrongTypes,
    WrongValidation,
)

from helpdesk import plugins
from helpdesk.extension import TokenFlags, TokenInfo
from helpdesk.testing.fixtures_e2e import NotificationLog, log_in, wait_until
from helpdesk.testing.kit import (
    HomeScreen,
    TokenRemovedEvent,
    TrackerTokenInserted,
    WorkflowMenu,
    wait_for_plugin_events,
)

SAMPLES = Path(__file__).parent / "sample_plugins"
TOKEN = TokenInfo(serial="A1B2C3D4", label="NGUYEN VAN A", manufacturer="SafeNet", model="eToken",
                  module="softhsm", reader="Reader 0", flags=TokenFlags(token_initialized=True))
BUDGET = 0.5


def menu_ids(app: Any) -> list[str]:
    menu = app.screen.query_one(WorkflowMenu)
    return [str(menu.get_option_at_index(i).id) for i in range(menu.option_count)]


async def home(app: Any, pilot: Any) -> None:
    def ready() -> bool:
        if not isinstance(app.screen, HomeScreen) or not app.screen.query(WorkflowMenu):
            return False
        return bool(app.screen.query_one(WorkflowMenu).option_count)

    await wait_until(pilot, ready, what="the home screen's menu")


async def use_the_desk_workflow(app: Any, pilot: Any) -> DeskScreen:
    """Open the good plugin's workflow (F2), save a visit (F9), come back home."""
    await home(app, pilot)
    assert "desk_visit" in menu_ids(app)
    await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(app.screen, DeskScreen) and app.screen.query("#desk-title"),
                     what="the desk workflow")
    screen = app.screen
    assert isinstance(screen, DeskScreen)
    await pilot.press("f9")
    await wait_until(pilot, lambda: screen.saved is not None, what="the visit saved")
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="back home")
    assert app.is_running
    return screen


@pytest.fixture
def desk(register_plugin: Any, plugin_manager: Any, make_operator: Any) -> Any:
    """The good plugin first, an operator, and a short hook budget."""
    plugin_manager.hook_timeout = BUDGET
    register_plugin(DeskPlugin(), "desk")
    make_operator("lan")
    return plugin_manager


async def test_hostile_import_error(desk: Any, kiosk_app: Any, kiosk_store: Any) -> None:
    desk.load_path(SAMPLES / "broken_plugin.py")
    app, notes = kiosk_app(), NotificationLog()
    async with app.run_test(size=(110, 32), message_hook=notes) as pilot:
        await log_in(pilot)
        await use_the_desk_workflow(app, pilot)
        assert notes.matching("broken_plugin") == [
            "Không nạp được phần mở rộng broken_plugin: "
            "ModuleNotFoundError: No module named 'helpdesk_dependency_that_is_not_installed'"]
    assert desk.state_of("broken_plugin") == "failed"
    assert len(kiosk_store.records(type=RECORD_TYPE)) == 1


async def test_hostile_raising_event_hooks_off_the_ui_thread(
        desk: Any, register_plugin: Any, kiosk_app: Any) -> None:
    register_plugin(RaisingEvents(), "raising_events")
    app, notes = kiosk_app(), NotificationLog()
    async with app.run_test(size=(110, 32), message_hook=notes) as pilot:
        await log_in(pilot)
        app.handle_token_event(TrackerTokenInserted(TOKEN))
        await wait_until(pilot, lambda: notes.matching("raising_events"), what="the failure shown")
        assert TOKEN.serial in app.tokens  # the kiosk took the token as usual
        app.handle_token_event(TokenRemovedEvent(TOKEN.serial, TOKEN.reader))
        await wait_until(pilot, lambda: TOKEN.serial not in app.tokens, what="the token gone")
        await use_the_desk_workflow(app, pilot)
        assert wait_for_plugin_events()
        assert notes.matching("raising_events") == [
            "Phần mở rộng raising_events bị lỗi ở token_inserted: RuntimeError: inserted exploded"]  # once


async def test_hostile_hook_blocking_30_s_does_not_freeze_the_kiosk(
        desk: Any, register_plugin: Any, kiosk_app: Any) -> None:
    slow_menu, slow_events = Blocking("register_workflows", flow="slow_flow"), Blocking("token_inserted")
    register_plugin(slow_menu, "slow_menu")
    register_plugin(slow_events, "slow_events")
    app, notes = kiosk_app(), NotificationLog()
    try:
        async with app.run_test(size=(110, 32), message_hook=notes) as pilot:
            await log_in(pilot)  # the start-up gave slow_menu 0.5 s, not 30
            await home(app, pilot)
            assert menu_ids(app) == ["desk_visit"]
            assert notes.matching("slow_menu") == [
                "Phần mở rộng slow_menu bị lỗi ở register_workflows: "
                "register_workflows không xong trong 0.5 giây"]

            app.handle_token_event(TrackerTokenInserted(TOKEN))
            await wait_until(pilot, lambda: slow_events.entered, what="the blocking hook to start")
            # while the plugin blocks, the UI takes keys and opens another plugin's workflow
            await pilot.press("f2")
            await wait_until(pilot, lambda: isinstance(app.screen, DeskScreen), what="the desk workflow",
                             timeout=5)
            assert not slow_events.release.is_set()
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await wait_until(pilot, lambda: notes.matching("slow_events"), what="the timeout shown")
            assert notes.matching("slow_events") == [
                "Phần mở rộng slow_events bị lỗi ở token_inserted: token_inserted không xong trong 0.5 giây"]
            await use_the_desk_workflow(app, pilot)
            assert slow_events.entered == ["token_inserted"] and slow_menu.entered == ["register_workflows"]
    finally:
        slow_menu.release.set()
        slow_events.release.set()
    assert desk.state_of("slow_events") == "failed" and desk.state_of("slow_menu") == "failed"
    assert slow_menu.finished.wait(5)  # released, it registered its workflow: too late, dropped
    assert "slow_flow" not in [w.id for w in plugins.collect_workflows().value]


async def test_hostile_wrong_return_types(desk: Any, register_plugin: Any, kiosk_app: Any, kiosk_store: Any) -> None:
    register_plugin(WrongTypes(), "wrong_types")
    register_plugin(WrongValidation(), "wrong_validation")
    app, notes = kiosk_app(), NotificationLog()
    async with app.run_test(size=(110, 32), message_hook=notes) as pilot:
        await log_in(pilot)
        await home(app, pilot)
        assert "wrong" not in menu_ids(app)
        await use_the_desk_workflow(app, pilot)  # the bad verdict is dropped, the visit saved
        await wait_until(pilot, lambda: notes.matching("wrong_validation"), what="the bad verdict shown")
        assert notes.matching("wrong_types") == [
            "Phần mở rộng wrong_types bị lỗi ở register_workflows: "
            "helpdesk_register_workflows phải trả về None, nhưng trả về list"]
        assert notes.matching("wrong_validation") == [
            "Phần mở rộng wrong_validation bị lỗi ở validate_record: "
            "helpdesk_validate_record phải trả về danh sách Problem, nhưng trả về Problem"]
    assert desk.state_of("wrong_types") == "failed" and desk.state_of("wrong_validation") == "failed"
    assert len(kiosk_store.records(type=RECORD_TYPE)) == 1


async def test_hostile_output_to_stdout_and_stderr_goes_to_the_log(
        desk: Any, register_plugin: Any, kiosk_app: Any, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="helpdesk.plugins.output")
    register_plugin(Noisy(), "noisy")
    app, notes = kiosk_app(), NotificationLog()
    async with app.run_test(size=(110, 32), message_hook=notes) as pilot:
        await log_in(pilot)
        app.handle_token_event(TrackerTokenInserted(TOKEN))
        await use_the_desk_workflow(app, pilot)
        assert wait_for_plugin_events()
        assert notes.matching("noisy") == []  # printing is not a fault
    captured = capsys.readouterr()
    assert "noisy" not in captured.out and "noisy" not in captured.err  # headless Textual would pass it through
    logged = [r.getMessage() for r in caplog.records if r.name == "helpdesk.plugins.output"]
    for line in ("plugin noisy wrote to stdout: noisy: registering workflows",
                 "plugin noisy wrote to stdout: noisy: started",
                 f"plugin noisy wrote to stdout: noisy: token {TOKEN.serial}",
                 "plugin noisy wrote to stderr: noisy: stderr line",
                 f"plugin noisy wrote to stdout: noisy: validating {RECORD_TYPE}",
                 "plugin noisy wrote to stderr: noisy: saved"):
        assert line in logged, logged
    assert desk.state_of("noisy") == "ok"


async def test_hostile_plugin_mutating_what_it_is_given(
        desk: Any, register_plugin: Any, kiosk_app: Any, kiosk_store: Any) -> None:
    observer = Observer()
    register_plugin(Mutating(), "mutating")
    register_plugin(observer, "observer")
    expected = {"note": "Hỏi về gia hạn", "items": ["thẻ"], "nested": {"unit": "Sở Tư pháp"}}
    app, notes = kiosk_app(), NotificationLog()
    async with app.run_test(size=(110, 32), message_hook=notes) as pilot:
        await log_in(pilot)
        screen = await use_the_desk_workflow(app, pilot)
        assert screen.saved is not None and dict(screen.saved.payload) == expected  # the screen's record
        app.handle_token_event(TrackerTokenInserted(TOKEN))
        await wait_until(pilot, lambda: notes.matching("mutating"), what="the frozen token refusing")
        assert wait_for_plugin_events()
        assert app.tokens[TOKEN.serial].label == "NGUYEN VAN A" and app.tokens[TOKEN.serial] == TOKEN
        await use_the_desk_workflow(app, pilot)
    assert "FrozenInstanceError" in notes.matching("mutating")[0]
    assert expected == PAYLOAD  # the caller's dicts and lists were not touched
    [first, second] = kiosk_store.records(type=RECORD_TYPE)
    assert dict(first.payload) == expected == dict(second.payload)  # what was saved
    assert first.subject.subscriber_id == "sb-000001"
    assert observer.validated[0] == {"payload": expected, "subject": {"subscriber_id": "sb-000001",
                                                                      "token_serial": None, "cert_serial": None}}
    assert observer.saved == [expected, expected] and observer.tokens == ["NGUYEN VAN A"]


def test_hostile_threads_are_daemons_and_left_behind() -> None:
    """Nothing the budget leaves behind holds up the interpreter's exit."""
    blocked = [t for t in threading.enumerate() if t.name.startswith("plugin-")]
    assert all(t.daemon for t in blocked)
