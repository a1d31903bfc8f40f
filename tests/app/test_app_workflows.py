"""Workflows from plugins in the real app: menu, role filter, keys, records carrying the
operator, and fault isolation (a plugin raising in every hook, a screen that crashes)."""

from __future__ import annotations

from app_test_plugins import RaisingPlugin, VisitPlugin, VisitScreen

from helpdesk.screens.home import HomeScreen
from helpdesk.testing.fixtures_e2e import NotificationLog, log_in, wait_until
from helpdesk.widgets.workflow_menu import WorkflowMenu


def _menu_ids(app) -> list[str]:
    menu = app.screen.query_one(WorkflowMenu)
    return [menu.get_option_at_index(i).id for i in range(menu.option_count)]


async def test_workflow_opens_by_key_and_its_record_carries_the_operator(
    kiosk_app, make_operator, kiosk_store, register_plugin
):
    register_plugin(VisitPlugin(), "visit")
    make_operator("lan", "Trần Thị Lan", "operator")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await log_in(pilot)
        # Role filter: the admin-only entry is not offered to an operator.
        assert _menu_ids(app) == ["apptest_visit", "apptest_handover"]
        # Needs a token: listed, but disabled while none is in a reader.
        menu = app.screen.query_one(WorkflowMenu)
        assert menu.get_option("apptest_handover").disabled
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, VisitScreen) and app.screen.query("#visit-operator"))
        assert "Trần Thị Lan" in str(app.screen.query_one("#visit-operator").render())
        await pilot.click("#save")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="back home after saving")
        await wait_until(pilot, lambda: app.screen.query_one("#activity").row_count == 1, what="today's activity")
    [record] = kiosk_store.records(type="apptest.visit")
    assert record.operator == "lan"
    entry = next(e for e in kiosk_store.audit.entries() if e.ref == record.id)
    assert entry.operator == "lan"


async def test_admin_sees_admin_workflows_and_menu_opens_with_enter(kiosk_app, make_operator, register_plugin):
    register_plugin(VisitPlugin(), "visit")
    make_operator("root", "Nguyễn Quản Trị", "admin")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await log_in(pilot, "root")
        assert _menu_ids(app) == ["apptest_visit", "apptest_admin", "apptest_handover"]
        await pilot.press("down", "enter")  # second entry, chosen from the menu
        await wait_until(pilot, lambda: isinstance(app.screen, VisitScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_plugin_raising_in_every_hook_is_shown_once_and_others_work(
    kiosk_app, make_operator, kiosk_store, register_plugin
):
    register_plugin(RaisingPlugin(), "raising")
    register_plugin(VisitPlugin(), "visit")
    make_operator("lan")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await wait_until(pilot, lambda: app.kiosk is not None and notes.messages, what="the failure notification")
        await log_in(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, VisitScreen) and app.screen.query("#save"))
        await pilot.click("#save")  # record_saved and validate hooks of the raising plugin are not called again
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await wait_until(pilot, lambda: app.screen.query_one("#activity").row_count == 1)
        raising = [n for n in notes.messages if "raising" in n]
        assert len(raising) == 1, notes.messages
        assert raising[0] == "Phần mở rộng raising bị lỗi ở register_catalogs: RuntimeError: catalogs exploded"
        assert app.is_running
    assert len(kiosk_store.records(type="apptest.visit")) == 1


async def test_a_crashing_plugin_screen_fails_its_plugin_not_the_kiosk(kiosk_app, make_operator, register_plugin):
    from helpdesk import plugins

    register_plugin(VisitPlugin(), "visit")
    make_operator("lan")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(size=(100, 30), message_hook=notes) as pilot:
        await log_in(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, VisitScreen) and app.screen.query("#crash"))
        await pilot.click("#crash")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="the crashed screen closed")
        assert app.is_running
        assert plugins.get_plugin_manager().state_of("visit") == "failed"
        assert any("the visit screen exploded" in n for n in notes.messages)
        assert _menu_ids(app) == ["-none"]  # its workflows left the menu
        await pilot.press("f2")  # and its key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
