"""Vietnamese by default; English by a key (F12 / Ctrl+L), switched live on every screen."""

from __future__ import annotations

from app_test_plugins import VisitPlugin

from helpdesk import i18n
from helpdesk.screens.login import LoginScreen
from helpdesk.testing.fixtures_e2e import log_in, wait_until
from helpdesk.widgets.workflow_menu import WorkflowMenu


def _footer(app) -> list[str]:
    return [getattr(key, "description", "") for key in app.screen.query("FooterKey")]


def _menu_text(app) -> str:
    menu = app.screen.query_one(WorkflowMenu)
    return " | ".join(str(menu.get_option_at_index(i).prompt) for i in range(menu.option_count))


async def test_language_switches_live_with_f12_and_ctrl_l(kiosk_app, make_operator, register_plugin):
    register_plugin(VisitPlugin(), "visit")
    make_operator("lan")
    app = kiosk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen.query("#login-button"))
        assert str(app.screen.query_one("#login-button").label) == "Đăng nhập"
        await log_in(pilot)
        await pilot.pause()
        assert "Ghi nhận lượt khách" in _menu_text(app)
        assert app.screen.query_one("#workflows").border_title == "Công việc"
        assert "Khóa máy" in _footer(app) and "English" in _footer(app)

        await pilot.press("f12")
        await wait_until(pilot, lambda: "Lock" in _footer(app), what="the English footer")
        assert i18n.get_language() == "en"
        assert "Record a visit" in _menu_text(app) and "Ghi nhận" not in _menu_text(app)
        assert app.screen.query_one("#workflows").border_title == "Workflows"
        assert app.screen.sub_title == "Trần Thị Lan (operator)"
        assert "Tiếng Việt" in _footer(app)

        # The log-in screen below was relabelled too.
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: type(app.screen) is LoginScreen)
        assert str(app.screen.query_one("#login-button").label) == "Log in"
        assert app.screen.query_one("#password").placeholder == "Password"

        await pilot.press("ctrl+l")  # works while an Input has the focus
        await wait_until(pilot, lambda: str(app.screen.query_one("#login-button").label) == "Đăng nhập")
        assert app.screen.query_one("#password").placeholder == "Mật khẩu"


async def test_started_in_english(kiosk_app, make_operator, register_plugin):
    """What ``helpdesk --lang en`` does: the language is set before the app starts."""
    register_plugin(VisitPlugin(), "visit")
    make_operator("lan")
    i18n.set_language("en")
    app = kiosk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.screen.query("#login-button"))
        assert str(app.screen.query_one("#login-button").label) == "Log in"
        await log_in(pilot)
        await pilot.pause()
        assert "Record a visit" in _menu_text(app)
        assert app.screen.query_one("#activity").border_title == "Today's activity"
