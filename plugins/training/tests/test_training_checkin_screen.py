"""The check-in screen in the real app, tokens fed through the app's own token-event path
(``handle_token_event``, as the tracker does) — no PC/SC here; the e2e test adds it.

SoftHSM2 never reports FINAL_TRY or LOCKED: those states are injected at the
TokenWorker boundary (``InjectedFault``), as the test names say.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpdesk_training.model import Trainee, TrainingBook
from helpdesk_training.screens.checkin import CheckInScreen
from textual.widgets import DataTable
from training_kit import CODE, PEOPLE, Issued, add_directory, make_class, setup_context, type_text

from helpdesk.extension import PinInput
from helpdesk.testing.fixtures_e2e import NotificationLog, log_in, wait_until
from helpdesk.testing.kit import HomeScreen, InjectedFault, Settings, TrackerTokenInserted

CANARY = "Qz73915k"


async def open_class(pilot: Any) -> CheckInScreen:
    app = pilot.app
    await log_in(pilot, "gv-hoa")
    home = app.screen
    assert isinstance(home, HomeScreen)
    await pilot.press(home.keys["training_checkin"])
    await wait_until(pilot, lambda: isinstance(app.screen, CheckInScreen), what="the check-in screen")
    screen = app.screen
    assert isinstance(screen, CheckInScreen)
    await wait_until(pilot, lambda: screen.class_list, what="the classes")
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen.desk is not None, what="the class")
    return screen


@pytest.fixture
def prepared(kiosk_settings: Settings, kiosk_store: Any, token_worker: Any, make_operator: Any,
             issue: Callable[..., Issued], training_plugin: str) -> tuple[Issued, TrainingBook]:
    who = issue(*PEOPLE[0][:2], pin=CANARY)
    add_directory(kiosk_store, tokens={who.national_id: who.serial})
    book = TrainingBook(setup_context(kiosk_settings, kiosk_store, token_worker))
    make_class(book, capacity=1)
    book.add_trainees(CODE, [Trainee(key=n, full_name=name, national_id=n) for name, n, _ in PEOPLE[:2]])
    make_operator("gv-hoa", "Nguyễn Thị Hoa", "trainer")
    return who, book


def feed(app: Any, worker: Any, serial: str) -> None:
    app.handle_token_event(TrackerTokenInserted(worker.identify(serial).result(timeout=30)))


async def test_final_try_needs_f8_and_spends_nothing_before_injected_fault(
        kiosk_app: Any, token_worker: Any, prepared: tuple[Issued, TrainingBook]) -> None:
    who, book = prepared
    token_worker.inject_fault(who.serial, InjectedFault(flags={"user_pin_final_try": True})).result(timeout=10)
    app = kiosk_app(worker=token_worker)
    notes = NotificationLog()
    async with app.run_test(size=(130, 60), message_hook=notes) as pilot:
        screen = await open_class(pilot)
        await pilot.press("f3")
        feed(app, token_worker, who.serial)
        await wait_until(pilot, lambda: screen.pending is not None, what="the PIN prompt")
        await wait_until(pilot, lambda: screen.query_one("#pin", PinInput).has_focus, what="the PIN field")
        assert screen.status_text == ("Thiết bị của Nguyễn Thị Ánh Tuyết chỉ còn một lần nhập PIN: nhấn F8 để cho "
                                      "phép, hoặc F7 để điểm danh không xác thực PIN.")
        await type_text(pilot, "000000")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "nhập sai lúc này sẽ khóa thiết bị" in screen.status_text, what="the refusal")
        assert screen.pending is not None  # still waiting: F8 or F7
        token_worker.inject_fault(who.serial, None).result(timeout=10)
        assert token_worker.identify(who.serial).result(timeout=30).flags.user_pin_state == "ok"  # no try spent
        token_worker.inject_fault(who.serial, InjectedFault(flags={"user_pin_final_try": True})).result(timeout=10)
        await pilot.press("f8")
        assert screen.final_try_confirmed
        screen.query_one("#pin", PinInput).focus()
        await type_text(pilot, CANARY)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.present, what="the check-in")
        assert "có xác thực PIN" in screen.status_text
        assert screen.query_one("#present", DataTable).row_count == 1
    assert notes.messages == []
    [entry] = book.attendance_of(CODE)
    assert entry.method == "pin"


async def test_locked_pin_hides_the_field_and_f7_checks_in_without_proof_injected_fault(
        kiosk_app: Any, token_worker: Any, prepared: tuple[Issued, TrainingBook]) -> None:
    who, book = prepared
    token_worker.inject_fault(who.serial, InjectedFault(flags={"user_pin_locked": True})).result(timeout=10)
    app = kiosk_app(worker=token_worker)
    async with app.run_test(size=(130, 60)) as pilot:
        screen = await open_class(pilot)
        await pilot.press("f3")
        feed(app, token_worker, who.serial)
        await wait_until(pilot, lambda: screen.pending is not None, what="the trainee")
        assert "đã bị khóa" in screen.status_text
        assert not screen.query_one("#pin", PinInput).has_class("shown")
        await pilot.press("f7")
        await wait_until(pilot, lambda: screen.present, what="the check-in")
    [entry] = book.attendance_of(CODE)
    assert entry.method == "token"


async def test_over_capacity_and_twice_are_shown_and_the_pin_is_nowhere(
        kiosk_app: Any, token_worker: Any, prepared: tuple[Issued, TrainingBook], helpdesk_home: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    who, book = prepared
    caplog.set_level(logging.DEBUG)
    app = kiosk_app(worker=token_worker)
    async with app.run_test(size=(130, 60)) as pilot:
        screen = await open_class(pilot)
        await pilot.press("f3")
        feed(app, token_worker, who.serial)
        await wait_until(pilot, lambda: screen.pending is not None, what="the PIN prompt")
        await wait_until(pilot, lambda: screen.query_one("#pin", PinInput).has_focus, what="the PIN field")
        await type_text(pilot, CANARY)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.present, what="the check-in")
        await pilot.press("f3")
        feed(app, token_worker, who.serial)  # again: harmless, shown
        await wait_until(pilot, lambda: "không thay đổi gì" in screen.status_text, what="the second check-in")
        await pilot.press("f6")
        await type_text(pilot, "pham quoc")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.found, what="the search")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(screen.present) == 2, what="the second trainee")
        assert "Lớp TH-2018-01 vượt sĩ số: 2 học viên cho 1 chỗ" in screen.status_text
        screenshot = app.export_screenshot()
    assert len(book.attendance_of(CODE)) == 2
    assert CANARY not in screenshot and CANARY not in caplog.text
    for path in helpdesk_home.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


async def test_new_class_with_its_roster_from_the_screen(
        kiosk_app: Any, kiosk_store: Any, token_worker: Any, make_operator: Any, training_plugin: str,
        kiosk_settings: Settings, tmp_path: Path) -> None:
    from helpdesk_training.screens.class_form import ClassFormScreen
    from textual.widgets import Input
    from training_kit import roster_rows, write_xlsx

    make_operator("gv-hoa", "Nguyễn Thị Hoa", "trainer")
    bad = write_xlsx(tmp_path / "lop.xlsx", [*roster_rows(PEOPLE[:2]), [3, "", "", "Sở Nội vụ", "092186000003", None]])
    app = kiosk_app(worker=token_worker)
    async with app.run_test(size=(130, 60)) as pilot:
        await log_in(pilot, "gv-hoa")
        home = app.screen
        assert isinstance(home, HomeScreen)
        await pilot.press(home.keys["training_checkin"])
        await wait_until(pilot, lambda: isinstance(app.screen, CheckInScreen), what="the check-in screen")
        screen = app.screen
        assert isinstance(screen, CheckInScreen)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, ClassFormScreen), what="the class form")
        form = app.screen
        assert isinstance(form, ClassFormScreen)
        for name, value in {"code": "TH-2018-09", "title": "Ký số văn bản điện tử",
                            "sessions": "10/05/2018 sáng; 10/05/2018 chiều", "venue": "Hội trường UBND quận",
                            "trainers": "Lê Văn Giảng, Trần Trợ Giảng", "capacity": "", "roster": str(bad)}.items():
            form.query_one(f"#{name}", Input).value = value
        await pilot.press("f9")
        await wait_until(pilot, lambda: "chưa nhập dòng nào" in form.status_text, what="the refused roster")
        assert "Dòng 6: Họ và tên để trống" in str(form.query_one("#problems").render())
        write_xlsx(bad, roster_rows(PEOPLE[:2]))  # fixed
        await pilot.press("f9")
        await wait_until(pilot, lambda: app.screen is screen and screen.desk is not None, what="the new class")
        assert screen.status_text.startswith("Đã lưu lớp TH-2018-09. Lớp TH-2018-09: thêm 2 học viên")
    book = TrainingBook(setup_context(kiosk_settings, kiosk_store, token_worker))
    cls = book.get_class("TH-2018-09")
    assert (cls.capacity, cls.trainers, [s.part for s in cls.sessions]) == (
        30, ("Lê Văn Giảng", "Trần Trợ Giảng"), ["sáng", "chiều"])
    assert len(book.roster_of("TH-2018-09")) == 2
