"""Keyboard first, mouse too: the command palette, quitting by key, a workflow by click."""

from __future__ import annotations

from app_test_plugins import VisitPlugin, VisitScreen

from helpdesk import i18n
from helpdesk.screens.login import LockScreen
from helpdesk.testing.fixtures_e2e import log_in, wait_until
from helpdesk.widgets.workflow_menu import WorkflowMenu


async def test_command_palette_runs_kiosk_commands(kiosk_app, make_operator, register_plugin):
    register_plugin(VisitPlugin(), "visit")
    make_operator("lan")
    i18n.set_language("en")
    app = kiosk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: app.screen.query("CommandInput"), what="the command palette")
        await pilot.press(*"visit")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, VisitScreen), what="the workflow from the palette")
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: app.screen.query("CommandInput"))
        await pilot.press(*"lock")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, LockScreen), what="the lock from the palette")


async def test_a_click_opens_a_workflow(kiosk_app, make_operator, register_plugin):
    register_plugin(VisitPlugin(), "visit")
    make_operator("lan")
    app = kiosk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot)
        await pilot.click(WorkflowMenu, offset=(12, 1))  # first entry, inside the border
        await wait_until(pilot, lambda: isinstance(app.screen, VisitScreen), what="the workflow opened by click")


async def test_f10_quits_cleanly(kiosk_app, make_operator, plugin_manager):
    make_operator("lan")
    app = kiosk_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.kiosk is not None)
        await pilot.press("f10")
        await wait_until(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
