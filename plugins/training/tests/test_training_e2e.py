"""Check-in through the real kiosk (``make_app``): a trainer logs in, opens the class,
trainees' tokens arrive through pcscd (a virtual card in a vpcd slot per SoftHSM2 token),
one proves their PIN (after a wrong one), one is found by a name typed without
diacritics, one walks in; a stranger's token and a token pulled before the PIN proof
record nothing. F9 makes the attendance list: the archived PDF (pdftotext) and the
.xlsx (openpyxl) list exactly the five, with their times.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpdesk_training.model import Trainee, TrainingBook
from helpdesk_training.screens.checkin import CheckInScreen
from openpyxl import load_workbook
from textual.widgets import Input
from training_kit import CODE, PEOPLE, Issued, add_directory, make_class, setup_context, type_text

from helpdesk.extension import PinInput
from helpdesk.testing.cups import PdfPrinter
from helpdesk.testing.fixtures_e2e import NotificationLog, log_in, wait_until
from helpdesk.testing.kit import HomeScreen, ReaderMonitor, Settings, WorkflowMenu, load_settings
from helpdesk.testing.pdftools import pdf_text

pytestmark = [pytest.mark.pcsc, pytest.mark.cups]

PIN_B = "Qz58273k"  # a canary: searched for on disk afterwards


@pytest.fixture
def kiosk_settings(helpdesk_home: Path, cups_printer: PdfPrinter) -> Settings:
    (helpdesk_home / "helpdesk.toml").write_text(f'printer = "{cups_printer.name}"\n', encoding="utf-8")
    return load_settings()


async def test_trainer_checks_in_a_class_in_the_real_kiosk(
        kiosk_app: Any, kiosk_settings: Settings, kiosk_store: Any, make_operator: Any, token_worker: Any,
        token_in_reader: Any, issue: Callable[..., Issued], training_plugin: str, cups_printer: PdfPrinter,
        helpdesk_home: Path) -> None:
    a, b, c = (issue(name, national, inserted=False, pin=PIN_B if i == 1 else "123456")
               for i, (name, national, _) in enumerate(PEOPLE[:3]))
    stranger = issue("Đặng Văn Lạ", "079090009999", inserted=False)
    add_directory(kiosk_store, tokens={p.national_id: p.serial for p in (a, b, c)})
    kiosk_store.subscribers.add({"full_name": "Lê Hoàng Đức Anh", "national_id": "092186008888", "unit_id": "snv"},
                                "test")
    book = TrainingBook(setup_context(kiosk_settings, kiosk_store, token_worker))
    make_class(book, sessions=("2018-05-10",))
    # on the roster: the three token holders and Mrs Nhung (no token); Mr Khôi walks in
    book.add_trainees(CODE, [Trainee(key=n, full_name=name, national_id=n, unit="Sở Nội vụ")
                             for name, n, _ in PEOPLE[:4]])
    make_operator("gv-hoa", "Nguyễn Thị Hoa", "trainer")
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    notes = NotificationLog()
    async with app.run_test(size=(130, 60), message_hook=notes) as pilot:
        await log_in(pilot, "gv-hoa")
        home = app.screen
        assert isinstance(home, HomeScreen)
        menu = home.query_one(WorkflowMenu)
        assert menu.workflows[0].id == "training_checkin"  # first on a trainer's menu
        await pilot.press(home.keys["training_checkin"])
        await wait_until(pilot, lambda: isinstance(app.screen, CheckInScreen), what="the check-in screen")
        screen = app.screen
        assert isinstance(screen, CheckInScreen)
        await wait_until(pilot, lambda: screen.class_list, what="the classes")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.desk is not None, what="the class to open")
        assert "Lớp TH-2018-01 đang điểm danh" in screen.status_text
        await wait_until(pilot, lambda: app.readers, what="pcscd's readers")

        async def pull(pair: Any) -> None:
            pair.remove()
            await wait_until(pilot, lambda: app.current_token is None, timeout=20, what="the token to leave")

        async def present(name: str) -> None:
            await wait_until(pilot, lambda: any(e.full_name == name for e in screen.present), timeout=20,
                             what=f"{name} checked in; status: {screen.status_text}")

        # 1. a token: in, checked in, out at once
        pair = token_in_reader(a.token)
        await present(a.name)
        assert screen.status_text.startswith(f"Đã điểm danh {a.name} lúc ")
        await pull(pair)

        # 2. a stranger's token: nothing recorded
        pair = token_in_reader(stranger.token)
        await wait_until(pilot, lambda: "không thuộc học viên nào" in screen.status_text, timeout=20,
                         what=f"the unknown token; status: {screen.status_text}")
        await pull(pair)

        # 3. PIN proof: a wrong PIN first, then the right one
        await pilot.press("f3")
        assert screen.pin_proof
        pair = token_in_reader(b.token)
        await wait_until(pilot, lambda: screen.pending is not None, timeout=20, what="the PIN prompt")
        await wait_until(pilot, lambda: screen.query_one("#pin", PinInput).has_focus, what="the PIN field's focus")
        assert f"{b.name}: nhập mã PIN rồi nhấn Enter." == screen.status_text
        await type_text(pilot, "000000")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Sai mã PIN" in screen.status_text, timeout=20, what="the wrong PIN")
        assert not any(e.full_name == b.name for e in screen.present)
        await type_text(pilot, PIN_B)
        await pilot.press("enter")
        await present(b.name)
        assert "có xác thực PIN" in screen.status_text
        await pull(pair)

        # 4. pulled before the PIN proof: nothing recorded; again without PIN proof
        pair = token_in_reader(c.token)
        await wait_until(pilot, lambda: screen.pending is not None, timeout=20, what="the PIN prompt")
        await pull(pair)
        await wait_until(pilot, lambda: screen.pending is None, timeout=20, what="the pulled token")
        assert screen.status_text == (f"Thiết bị {c.serial} đã bị rút ra trước khi xác thực PIN: {c.name} chưa được "
                                      "điểm danh. Hãy cắm lại.")
        assert not any(e.full_name == c.name for e in screen.present)
        await pilot.press("f3")
        pair = token_in_reader(c.token)
        await present(c.name)
        await pull(pair)

        # 5. no token: a name typed without diacritics
        await pilot.press("f6")
        await type_text(pilot, "vo thi hong")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.found, what="the search")
        await pilot.press("enter")
        await present("Võ Thị Hồng Nhung")

        # 6. a walk-in, by ID number
        await wait_until(pilot, lambda: screen.query_one("#search", Input).has_focus, what="the search field")
        await type_text(pilot, PEOPLE[4][1])
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.found, what="the search")
        await pilot.press("enter")
        await present(PEOPLE[4][0])
        assert "Trương Minh Khôi không có trong danh sách lớp TH-2018-01: đã thêm là học viên tự do" in \
            screen.status_text

        # 7. the attendance list
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.sheet is not None, timeout=60, what="the attendance list")
        assert "Danh sách tham dự số 1/DS-SNV: 5 học viên" in screen.status_text
    assert notes.messages == []

    assert screen.sheet is not None
    _, printed, xlsx = screen.sheet
    assert printed.error is None and printed.path.is_relative_to(kiosk_settings.archive_dir)
    entries = {e.full_name: e for e in book.attendance_of(CODE)}
    names = [a.name, b.name, c.name, "Võ Thị Hồng Nhung", PEOPLE[4][0]]
    assert sorted(entries) == sorted(names)
    assert [entries[n].method for n in names] == ["token", "pin", "token", "search", "search"]
    text = " ".join(pdf_text(printed.path).split())
    for name in names:
        assert name in text
        assert entries[name].time_text() in text
    assert "Lê Hoàng Đức Anh" not in text and stranger.name not in text
    assert "Tổng số học viên tham dự: 05 người (trong đó 01 học viên tự do" in text
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert sorted((r[1], r[4]) for r in rows) == sorted((n, entries[n].time_text()) for n in names)
    # the printer got it
    assert printed.job is not None
    cups_printer.wait_for_output(printed.job, timeout=30)
    # the PIN is nowhere on disk
    for path in helpdesk_home.rglob("*"):
        if path.is_file():
            assert PIN_B.encode() not in path.read_bytes(), path
