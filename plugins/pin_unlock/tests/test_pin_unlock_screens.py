"""The unlock and change screens, driven by keyboard through Textual's Pilot, with a real
store, a real TokenWorker on SoftHSM2 and real forms (FAULT INJECTION only where a test
name says so: FINAL_TRY / LOCKED / PIN pad, which SoftHSM2 cannot show)."""

from __future__ import annotations

from typing import Any, ClassVar

import pkcs11.exceptions as p11e
from helpdesk_pin_unlock import records
from helpdesk_pin_unlock.change import ChangePinScreen
from helpdesk_pin_unlock.screens import UnlockScreen
from pin_unlock_kit import (
    ADMIN,
    HOLDER_ID,
    Desk,
    PauseAtSoLogin,
    change_screen,
    status,
    texts,
    unlock_screen,
)
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from helpdesk import hookimpl
from helpdesk.extension import Problem, Secret, Workflow
from helpdesk.testing.host import ScreenHost
from helpdesk.testing.kit import InjectedFault, load_settings
from helpdesk.testing.pdftools import pdf_text

SIZE = (110, 46)


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_in(pilot: Pilot[Any], text: str, *keys: str) -> None:
    await pilot.press(*text, *keys)
    await settle(pilot)


async def enter(pilot: Pilot[Any], *texts_: str) -> None:
    """Put each text into the focused field and press Enter (Pilot types 15 keys/s; the
    whole-unlock, change and canary tests type every key, the others use this)."""
    for text in texts_:
        focused = pilot.app.focused
        assert isinstance(focused, Input), focused
        focused.insert_text_at_cursor(text)
        await pilot.press("enter")
    await settle(pilot)


def message(app: Any) -> str:
    return status(app)


def focused_id(app: Any) -> str | None:
    return app.focused.id if app.focused is not None else None


def verifies(desk: Desk, pin: str) -> bool:
    try:
        desk.kiosk.worker.verify_pin(desk.token.serial, Secret(pin)).result(10)
    except Exception:
        return False
    return True


def attempts(desk: Desk) -> list[Any]:
    return desk.kiosk.store.records(records.ATTEMPT)


async def test_whole_unlock_by_keyboard(desk: Desk) -> None:
    for _ in range(3):
        assert not verifies(desk, "000000")
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        panel = texts(app)
        # Before any PIN is typed: PIN states, PIN pad or not, holder and certificate.
        assert "Mã PIN người dùng: đã nhập sai trước đó, còn ít lần thử" in panel
        assert "PIN quản trị (SO): bình thường" in panel
        assert "Đầu đọc có bàn phím: không" in panel
        assert "Nguyễn Thị Ánh Tuyết · UBND phường Tân An" in panel
        assert "Nguyễn Thị Ánh Tuyết, hiệu lực đến" in panel
        assert focused_id(app) == "national-id"

        await type_in(pilot, "092186009999", "enter")
        assert "không khớp" in message(app) and screen.current_step == "identity"
        await pilot.press("ctrl+a", "ctrl+k")
        await type_in(pilot, HOLDER_ID, "enter")
        assert screen.current_step == "so" and focused_id(app) == "so-pin"
        assert "Đã xác minh danh tính" in message(app)

        await type_in(pilot, "13579135", "enter")
        assert screen.current_step == "new" and focused_id(app) == "new-pin"
        assert screen.query_one("#so-pin", Input).value == ""  # the PIN left the field at once
        assert "từ 6 đến 16 ký tự" in texts(app)
        await type_in(pilot, "111111", "enter", *"111111", "enter")
        assert "lặp lại" in message(app) and screen.current_step == "new"
        await type_in(pilot, "582039", "enter", *"582039", "enter")

        assert screen.current_step == "result", message(app)
        text = message(app)
        assert "Đã mở khóa thiết bị" in text and "chưa in được" in text
        assert "Mã PIN người dùng: bình thường" in texts(app)  # the panel shows the state after
    assert verifies(desk, "582039") and not verifies(desk, "246810")
    outcomes = [(r.payload["outcome"], r.payload["identity"]["method"]) for r in attempts(desk)]
    assert outcomes == [("identity_mismatch", "national_id"), ("success", "national_id")]
    record = attempts(desk)[-1]
    receipt = next(desk.kiosk.settings.archive_dir.rglob(f"pin_unlock_receipt-{record.id}.pdf"))
    receipt_text = " ".join(pdf_text(receipt).split())
    assert "PHIẾU XÁC NHẬN KHÔI PHỤC MẬT KHẨU THIẾT BỊ LƯU KHÓA" in receipt_text
    assert "Nguyễn Thị Ánh Tuyết" in receipt_text and desk.token.serial in receipt_text
    assert "Trần Văn Bình" in receipt_text  # the operator signs
    assert "582039" not in receipt_text


async def test_fault_injection_final_try_needs_typed_confirmation_on_screen(desk: Desk) -> None:
    desk.kiosk.worker.inject_fault(desk.token.serial, InjectedFault(flags={"so_pin_final_try": True})).result(5)
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "PIN quản trị (SO): chỉ còn một lần thử" in texts(app)
        await enter(pilot, HOLDER_ID)
        assert screen.current_step == "so" and "XAC NHAN" in texts(app)
        assert screen.query_one("#so-confirm", Input).display
        await enter(pilot, "13579135")
        assert focused_id(app) == "so-confirm" and screen.current_step == "so"
        await enter(pilot, "ok")
        assert "Gõ đúng XAC NHAN" in message(app) and screen.current_step == "so"
        await pilot.press("ctrl+a", "ctrl+k")
        await enter(pilot, "XAC NHAN")
        assert screen.current_step == "new"
        await enter(pilot, "582039", "582039")
        assert "Đã mở khóa thiết bị" in message(app)
    assert attempts(desk)[-1].payload["final_try_confirmed"] is True
    assert verifies(desk, "582039")


class RenewalPlugin:
    """A stand-in renewal plugin: registers the "renewal" workflow the unlock screen offers."""

    opened: ClassVar[list[Any]] = []

    @hookimpl
    def helpdesk_register_workflows(self, register: Any) -> None:
        def screen(ctx: Any) -> Screen[None]:
            RenewalPlugin.opened.append(ctx)
            return Screen(name="renewal")

        register(Workflow("renewal", "Gia hạn, cấp lại", "Renewal", screen=screen))


async def test_fault_injection_so_pin_locked_offers_request_list_and_renewal(desk: Desk,
                                                                            register_plugin: Any) -> None:
    desk.kiosk.worker.inject_fault(desk.token.serial, InjectedFault(flags={"so_pin_locked": True},
                                                                    so_login_error=p11e.PinLocked)).result(5)
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "PIN quản trị (SO): đã khóa" in texts(app) or "PIN quản trị (SO): đã bị khóa" in texts(app)
        await enter(pilot, HOLDER_ID)
        assert screen.current_step == "blocked"
        assert "Chỉ nơi cấp mới khôi phục được" in message(app)
        assert "F8" not in texts(app)  # no renewal plugin
        assert not screen.check_action("renewal", ()) and screen.check_action("request_list", ())
        await type_in(pilot, "", "f7")
        assert "Mẫu 06" in message(app) and screen.current_step == "result"
    requests = desk.kiosk.store.records(records.REQUEST)
    assert [r.payload["reason"] for r in requests] == ["so_pin_locked"]
    assert attempts(desk) == []  # no SO try was spent

    register_plugin(RenewalPlugin(), "renewal_stub")
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await enter(pilot, HOLDER_ID)
        assert "F8: thu hồi và cấp lại (Gia hạn, cấp lại)" in texts(app)
        assert app.screen.check_action("renewal", ())
        await type_in(pilot, "", "f8")
        assert app.screen.name == "renewal" and len(RenewalPlugin.opened) == 1


async def test_so_pin_not_held_at_this_desk(desk: Desk, settings_text: Any) -> None:
    from dataclasses import replace

    settings_text('[pin_unlock]\nso_pin_held = ["SafeNet*"]\n')
    ctx = replace(desk.context(), settings=load_settings())
    app = ScreenHost(lambda: unlock_screen(ctx))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "không giữ mã này" in texts(app)
        await enter(pilot, HOLDER_ID)
        assert app.screen.current_step == "blocked" and "không giữ mã quản trị" in message(app)
        await type_in(pilot, "", "f7")
    assert [r.payload["reason"] for r in desk.kiosk.store.records(records.REQUEST)] == ["so_pin_not_held"]


async def test_wrong_so_pin_on_screen_then_right_one(desk: Desk) -> None:
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await enter(pilot, HOLDER_ID)
        await enter(pilot, "99999999", "582039", "582039")
        assert "Mã quản trị (SO PIN) không đúng" in message(app)
        assert app.screen.current_step == "so" and focused_id(app) == "so-pin"
        assert "PIN quản trị (SO): đã nhập sai trước đó" in texts(app)  # read back from the token
        await enter(pilot, "13579135", "730194", "730194")
        assert "Đã mở khóa thiết bị" in message(app)
    assert [r.payload["outcome"] for r in attempts(desk)] == ["so_pin_incorrect", "success"]


async def test_admin_override_by_keyboard(desk: Desk) -> None:
    app = ScreenHost(lambda: unlock_screen(desk.context(ADMIN)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        assert focused_id(app) == "override-reason"
        app.screen.query_one("#override-reason", Input).insert_text_at_cursor(
            "Quên CCCD; đơn vị đã xác nhận qua điện thoại")
        await type_in(pilot, "", "f6")
        assert app.screen.current_step == "so" and "Quản trị viên đã bỏ qua" in message(app)
        await enter(pilot, "13579135", "582039", "582039")
        assert "Đã mở khóa thiết bị" in message(app)
    assert attempts(desk)[-1].payload["identity"]["method"] == "admin_override"


async def test_operator_cannot_override(desk: Desk) -> None:
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query("#override-reason")
        await type_in(pilot, "", "f6")
        assert app.screen.current_step == "identity"


async def test_fault_injection_pin_pad_reader_shows_no_pin_field(desk: Desk) -> None:
    desk.kiosk.worker.inject_fault(desk.token.serial, InjectedFault(
        flags={"protected_authentication_path": True})).result(5)
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Đầu đọc có bàn phím: có: mã PIN được nhập trên đầu đọc" in texts(app)
        await enter(pilot, HOLDER_ID)
        screen = app.screen
        assert screen.current_step == "pad"
        visible_inputs = [w.id for w in screen.query(Input) if w.display and w.region.area]
        assert visible_inputs == []  # no PIN field anywhere on the screen
        assert "bàn phím đầu đọc" in texts(app)
        await type_in(pilot, "", "f9")
        # SoftHSM2 has no PIN pad (the flag is injected): the worker refuses a PIN-pad
        # log-in plainly, and the attempt is reported and recorded as such.
        assert "Đầu đọc này không có bàn phím PIN" in message(app)
    record = attempts(desk)[-1]
    assert record.payload["pin_pad"] is True and record.payload["outcome"] == "token_error"




async def test_token_pulled_mid_unlock_then_reinserted_is_reported_honestly(desk: Desk, softhsm: Any) -> None:
    pause = PauseAtSoLogin()
    worker = desk.kiosk.worker
    worker.inject_fault(desk.token.serial, pause).result(5)
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await enter(pilot, HOLDER_ID)
        await enter(pilot, "13579135", "582039")
        await pilot.press(*"582039", "enter")
        await pilot.pause()
        assert pause.reached.wait(10)
        assert app.screen.current_step == "working"
        await pilot.press("escape")  # refused while the token works
        assert "không rút thiết bị ra" in message(app).lower()
        softhsm.remove(desk.token)
        worker.note_card_removed("Virtual PCD 00 00")
        app.pulled(desk.token.serial)
        pause.go.set()
        await settle(pilot)
        text = message(app)
        assert "rút ra khi đang thực hiện" in text and "mã PIN có thể chưa thay đổi" in text

        worker.inject_fault(desk.token.serial, None).result(5)
        softhsm.insert(desk.token)
        app.inserted(worker.identify(desk.token.serial).result(10))
        await settle(pilot)
        assert "Mã PIN người dùng: bình thường" in texts(app)
        assert "Lần thực hiện bị gián đoạn chưa hoàn tất" in message(app)
        assert app.screen.current_step == "so"  # ready to try again, identity kept
    record = attempts(desk)[-1]
    assert record.payload["outcome"] == "token_removed" and record.payload["state_after"] is None
    assert verifies(desk, "246810") and not verifies(desk, "582039")


async def test_change_pin_by_keyboard(desk: Desk) -> None:
    app = ScreenHost(lambda: change_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChangePinScreen) and focused_id(app) == "old-pin"
        await enter(pilot, "000000", "582039", "582039")
        assert "Mã PIN hiện tại không đúng" in message(app)
        assert screen.current_step == "old"
        await enter(pilot, "246810", "654321", "654321")
        assert "dãy liên tiếp" in message(app) and screen.current_step == "new"
        await type_in(pilot, "582039", "enter", *"582039", "enter")  # by key, as the holder types
        assert "Đã đổi mã PIN" in message(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ChangePinScreen)
    assert verifies(desk, "582039")
    assert [r.payload["outcome"] for r in attempts(desk)] == ["pin_incorrect", "success"]


async def test_fault_injection_locked_user_pin_change_screen_sends_to_unlock(desk: Desk) -> None:
    desk.kiosk.worker.inject_fault(desk.token.serial, InjectedFault(flags={"user_pin_locked": True},
                                                                    user_login_error=p11e.PinLocked)).result(5)
    app = ScreenHost(lambda: change_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "khôi phục mật khẩu" in message(app)
        assert not [w for w in app.screen.query(Input) if w.display and w.region.area]


async def test_fault_injection_pin_pad_final_try_needs_the_confirmation_too(desk: Desk) -> None:
    desk.kiosk.worker.inject_fault(desk.token.serial, InjectedFault(
        flags={"protected_authentication_path": True, "so_pin_final_try": True})).result(5)
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await enter(pilot, HOLDER_ID)
        assert app.screen.current_step == "pad" and focused_id(app) == "pad-confirm"
        await type_in(pilot, "", "f9")
        assert "Gõ đúng XAC NHAN" in message(app)
        assert attempts(desk) == []  # nothing tried
        await enter(pilot, "XAC NHAN")  # Enter in the field starts it too
    record = attempts(desk)[-1]
    assert record.payload["pin_pad"] is True and record.payload["final_try_confirmed"] is True


async def test_broken_settings_are_shown_and_nothing_is_tried(desk: Desk, settings_text: Any) -> None:
    from dataclasses import replace

    settings_text("[pin_unlock]\npin_min_length = 30\npin_max_length = 8\n")
    ctx = replace(desk.context(), settings=load_settings())
    app = ScreenHost(lambda: unlock_screen(ctx))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "pin_min_length lớn hơn pin_max_length" in message(app)
        assert app.screen.current_step == "wait"


class RefuseRequests:
    """Another plugin's validate hook: a request list entry needs a holder with a unit."""

    @hookimpl
    def helpdesk_validate_record(self, record: Any) -> list[Problem]:
        if record.type == records.REQUEST:
            return [Problem("Requests are sent by the unit itself this quarter", field="reason")]
        return []


async def test_fault_injection_a_validate_hook_refusing_the_request_is_shown_on_screen(desk: Desk,
                                                                                      register_plugin: Any) -> None:
    desk.kiosk.worker.inject_fault(desk.token.serial, InjectedFault(flags={"so_pin_locked": True})).result(5)
    register_plugin(RefuseRequests(), "unit_requests")
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await enter(pilot, HOLDER_ID)
        await type_in(pilot, "", "f7")
        assert "Requests are sent by the unit itself this quarter" in message(app)
        assert app.screen.current_step == "blocked"  # nothing saved: still on the blocked step
    assert desk.kiosk.store.records(records.REQUEST) == []


async def test_another_token_inserted_does_not_take_over_the_workflow(desk: Desk, softhsm: Any) -> None:
    """The door's ``self.token`` follows the reader; an unlock stays with the token whose
    holder was identified, whatever else is inserted meanwhile."""
    other = softhsm.create_token(label="Thiết bị khác")
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await enter(pilot, HOLDER_ID)
        assert app.screen.current_step == "so"
        app.inserted(desk.kiosk.worker.identify(other.serial).result(10))
        await settle(pilot)
        assert app.screen.token.serial == desk.token.serial and app.screen.current_step == "so"
        assert other.serial not in texts(app)
        await enter(pilot, "13579135", "582039", "582039")
        assert "Đã mở khóa thiết bị" in message(app)
    assert attempts(desk)[-1].subject.token_serial == desk.token.serial
    assert verifies(desk, "582039")
