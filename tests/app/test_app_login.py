"""Log-in, log-out, idle lock and worker errors, driven through the real app (Pilot)."""

from __future__ import annotations

import asyncio

from helpdesk.screens.login import LockScreen, LoginScreen
from helpdesk.testing.fixtures_e2e import OPERATOR_PASSWORD, NotificationLog, log_in, wait_until


def _actions(store) -> list[tuple[str, str, str | None]]:
    return [(e.action, e.operator, e.ref) for e in store.audit.entries() if e.action.startswith("session.")]


async def test_password_log_in_reaches_home_and_is_audited(kiosk_app, make_operator, kiosk_store, plugin_manager):
    make_operator("lan", "Trần Thị Lan", "trainer")
    app = kiosk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "lan")
        assert app.operator is not None and app.operator.id == "lan"
        assert app.screen.sub_title == "Trần Thị Lan (giảng viên)"
    assert ("session.login", "lan", "password") in _actions(kiosk_store)


async def test_wrong_password_is_refused_with_a_notification_and_audited(
    kiosk_app, make_operator, kiosk_store, plugin_manager
):
    make_operator("lan")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(message_hook=notes) as pilot:
        await wait_until(pilot, lambda: app.screen.query("#operator-id"))
        await pilot.press(*"lan", "enter", *"sai-mk", "enter")  # typed, key by key
        await wait_until(pilot, lambda: "Sai tên đăng nhập hoặc mật khẩu." in notes.messages, what="the refusal")
        assert isinstance(app.screen, LoginScreen) and app.operator is None
        assert app.screen.query_one("#password").value == ""  # the secret does not linger
        # An unknown name gets the very same message (no account enumeration).
        app.screen.query_one("#operator-id").value = "nobody"
        app.screen.query_one("#password").value = "whatever-1"
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: notes.messages.count("Sai tên đăng nhập hoặc mật khẩu.") == 2)
        await log_in(pilot, "lan")  # still usable afterwards
    actions = _actions(kiosk_store)
    assert ("session.login_failed", "lan", "password") in actions
    assert ("session.login_failed", "nobody", "password") in actions
    assert actions[-1] == ("session.login", "lan", "password")


async def test_disabled_account_cannot_log_in(kiosk_app, make_operator, kiosk_store, kiosk_settings, plugin_manager):
    from helpdesk.operators import OperatorBook

    make_operator("lan")
    OperatorBook(kiosk_settings.data_dir).disable(kiosk_store, "lan", by="test")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(message_hook=notes) as pilot:
        await wait_until(pilot, lambda: app.screen.query("#operator-id"))
        app.screen.query_one("#operator-id").value = "lan"
        app.screen.query_one("#password").value = OPERATOR_PASSWORD
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Tài khoản lan đã bị vô hiệu hóa." in notes.messages)
        assert app.operator is None


async def test_log_out_returns_to_the_log_in_screen(kiosk_app, make_operator, kiosk_store, plugin_manager):
    make_operator("lan")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(message_hook=notes) as pilot:
        await log_in(pilot)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: type(app.screen) is LoginScreen)
        assert app.operator is None
        assert not app.screen.query_one("#password").value
        await wait_until(pilot, lambda: ("session.logout", "lan", None) in _actions(kiosk_store))


async def test_idle_lock_after_the_configured_time_and_unlock(kiosk_app, make_operator, plugin_manager):
    make_operator("lan")
    app = kiosk_app(idle_lock_seconds=3)  # well above a key's round trip on a loaded machine
    async with app.run_test() as pilot:
        await log_in(pilot)
        home = app.screen
        # Activity keeps it open: a key every ≈ 0.3 s for longer than the idle time.
        for _ in range(14):
            await pilot.press("down")
            await pilot.pause(0.2)
            assert not app.locked
        await wait_until(pilot, lambda: isinstance(app.screen, LockScreen), timeout=15, what="the idle lock")
        await wait_until(pilot, lambda: app.screen.query("#operator-id") and app.screen.query_one("#operator-id").value == "lan")
        assert app.screen.query_one("#password").has_focus
        app.screen.query_one("#password").value = OPERATOR_PASSWORD
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.locked, what="unlock")
        assert app.screen is home and app.operator.id == "lan"


async def test_only_the_locked_operator_can_unlock(kiosk_app, make_operator, plugin_manager):
    make_operator("lan")
    make_operator("minh", "Lê Văn Minh", password="mat-khau-cua-minh")
    app = kiosk_app()
    notes = NotificationLog()
    async with app.run_test(message_hook=notes) as pilot:
        await log_in(pilot)
        await pilot.press("f11")
        await wait_until(pilot, lambda: isinstance(app.screen, LockScreen) and app.screen.query("#password"))
        lock = app.screen
        # The name field is fixed; forcing another name through it is refused.
        lock.query_one("#operator-id").value = "minh"
        lock.query_one("#password").value = "mat-khau-cua-minh"
        lock.query_one("#password").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("Chỉ Trần Thị Lan mới mở khóa được" in n for n in notes.messages))
        assert app.locked
        await pilot.press("escape")  # Escape does not get past the lock
        await pilot.pause()
        assert app.locked
        # Switching operator from the lock screen: log out, then minh logs in.
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: type(app.screen) is LoginScreen)
        await log_in(pilot, "minh", "mat-khau-cua-minh")
        assert app.operator.id == "minh"


async def test_a_worker_error_is_a_notification_and_the_app_stays_up(
    kiosk_app, make_operator, kiosk_settings, plugin_manager
):
    """The store is held by this test (as by a second kiosk): the start-up worker fails
    with StoreBusy, which is shown; logging in then fails cleanly too."""
    from helpdesk.app import make_app, no_monitor

    make_operator("lan")
    app = make_app(kiosk_settings, monitor=no_monitor)  # opens its own store: busy
    notes = NotificationLog()
    async with app.run_test(message_hook=notes) as pilot:
        await wait_until(pilot, lambda: any("đang được" in n or "another process" in n or "tiến trình khác" in n
                                            for n in notes.messages), what="the StoreBusy notification")
        app.screen.query_one("#operator-id").value = "lan"
        app.screen.query_one("#password").value = OPERATOR_PASSWORD
        app.screen.query_one("#password").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(notes.messages) >= 2, what="the second error")
        assert app.is_running and isinstance(app.screen, LoginScreen)
        await asyncio.sleep(0)
    assert app.return_code in (0, None)
