"""The handover through the real kiosk app (``make_app``), end to end.

Everything is real: the operator logs in, imports a roster (.xlsx, NFD names) through the
roster workflow, a SoftHSM2 token arrives through pcscd (a virtual card in a vpcd slot),
the home screen shows it, the handover workflow opens by its menu key, F9 commits and
prints to a cups-pdf printer. Then a token pulled mid-handover, through the same chain.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from helpdesk_handover.screens.handover import HandoverScreen
from helpdesk_handover.screens.roster import RosterScreen
from openpyxl import Workbook

from helpdesk.testing.cups import PdfPrinter
from helpdesk.testing.fixtures_e2e import (
    NotificationLog,
    insert_and_read,
    log_in,
    open_by_key,
    wait_until,
)
from helpdesk.testing.kit import (
    HomeScreen,
    ReaderMonitor,
    Settings,
    TokenCard,
    load_settings,
)
from helpdesk.testing.pdftools import pdf_page_count, pdf_text

pytestmark = [pytest.mark.pcsc, pytest.mark.cups]

HOLDER = "Nguyễn Thị Ánh Tuyết"
HOLDER_ID = "092186001234"
KEY_NAMES = {".": "full_stop", "-": "minus", "_": "underscore", "/": "slash", " ": "space"}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture
def kiosk_settings(helpdesk_home: Path, cups_printer: PdfPrinter) -> Settings:
    """The kiosk's settings file names the test printer (overrides the e2e fixture)."""
    (helpdesk_home / "helpdesk.toml").write_text(
        f'printer = "{cups_printer.name}"\nprint_copies = 2\n', encoding="utf-8")
    return load_settings()


def write_roster(path: Path, token_serial: str, cert_serial: str) -> Path:
    """A unit's roster as offices send it: a title row, Vietnamese headers, NFD text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([nfd("DANH SÁCH THUÊ BAO ĐỀ NGHỊ CẤP CHỨNG THƯ SỐ")])
    sheet.append([])
    sheet.append([nfd(h) for h in ("STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị",
                                   "Số định danh cá nhân (CCCD/CMND)", "Email công vụ", "Điện thoại",
                                   "Loại chứng thư", "Số hiệu thiết bị", "Số hiệu chứng thư")])
    sheet.append(["1", nfd(HOLDER), "12/05/1980", nfd("Kế toán trưởng"), nfd("Sở Nội vụ"), HOLDER_ID,
                  "tuyetnta@cantho.gov.vn", "0912345678", nfd("Cá nhân"), token_serial, cert_serial])
    sheet.append(["2", nfd("Phạm Quốc Việt"), "03/11/1985", nfd("Chuyên viên"), nfd("UBND phường Tân An"),
                  "092186004321", "vietpq@cantho.gov.vn", "0912000111", nfd("Cá nhân"), "TK-OTHER", None])
    book.save(path)
    return path


async def type_text(pilot: Any, text: str) -> None:
    """Key by key, as the operator types."""
    await pilot.press(*(c if c.isalnum() else KEY_NAMES[c] for c in text))


def card_text(home: HomeScreen, serial: str) -> str:
    return str(home.query_one(f"#token-{serial}", TokenCard).render())


async def test_import_insert_hand_over_print_and_pull_in_the_real_kiosk(
        kiosk_app: Any, kiosk_settings: Settings, kiosk_store: Any, make_operator: Any, token_worker: Any,
        token_in_reader: Any, issue: Any, handover_plugin: str, cups_printer: PdfPrinter,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = issue(inserted=False)
    monkeypatch.chdir(tmp_path)  # the operator types a short relative path
    write_roster(tmp_path / "ds.xlsx", issued.serial, issued.cert_serial)
    make_operator("lan", "Trần Thị Lan", "operator")
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    notes = NotificationLog()
    async with app.run_test(size=(120, 50), message_hook=notes) as pilot:
        await log_in(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)

        # 1. The roster, through the kiosk's import workflow, by keyboard.
        roster = await open_by_key(pilot, home, "roster_import", RosterScreen)
        await type_text(pilot, "ds.xlsx")
        await pilot.press("f9")
        await wait_until(pilot, lambda: "đã nhập 2 dòng" in roster.status_text, what="the import")
        assert kiosk_store.subscribers.by_token_serial(issued.serial).full_name == HOLDER  # NFC in the store
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is home, what="home after the import")

        # 2. The token arrives through pcscd and shows on the home screen.
        await wait_until(pilot, lambda: app.readers, what="pcscd's readers")
        pair = token_in_reader(issued.token)
        await wait_until(pilot, lambda: home.query(f"#token-{issued.serial}"), timeout=15, what="the token card")
        text = card_text(home, issued.serial)
        assert f"Người được cấp: {HOLDER}" in text and issued.serial in text and issued.cert_serial in text

        # 3. The handover workflow by its menu key: checks pass, ID typed, F9 saves and prints.
        screen = await open_by_key(pilot, home, "handover", HandoverScreen)
        await wait_until(pilot, lambda: screen.assessment is not None, timeout=15, what="the checks")
        assert screen.assessment.ok, [c.localized() for c in screen.assessment.failures]
        assert "Kiểm tra đạt" in screen.status_text
        await type_text(pilot, HOLDER_ID)
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.printed is not None, timeout=60, what="save and print")
        assert screen.printed.error is None, screen.status_text
        assert "Đã lưu, lưu trữ và in biên bản số 1/BB-SNV" in screen.status_text, screen.status_text

        # 4. Back home; pulling the token empties the token panel.
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is home, what="home after the handover")
        pair.remove()
        await wait_until(pilot, lambda: not home.query(TokenCard), timeout=15, what="the token to leave")
        assert app.current_token is None
        assert "Cắm thiết bị lưu khóa vào đầu đọc." in str(home.query_one("#token-hint").render())
    assert notes.messages == []  # no worker error, no plugin failure along the way

    # The record, its audit entry and its outbox entry, committed together.
    [record] = kiosk_store.records(type="handover")
    assert record.operator == "lan" and record.payload["identity"] == "typed"
    assert record.payload["number"] == "1/BB-SNV"
    assert [e.action for e in kiosk_store.audit.entries() if e.ref == record.id] == ["record:handover"]
    assert record.id in [e.record_id for e in kiosk_store.outbox.pending()]
    # The archived PDF: NFC name, both serials, the record number.
    archived = screen.printed.path
    assert archived.is_relative_to(kiosk_settings.archive_dir) and archived.exists()
    raw = pdf_text(archived, nfc=False)
    assert HOLDER in raw and nfd(HOLDER) not in raw  # NFD in the roster, precomposed on paper
    flat = "".join(raw.split())
    assert issued.serial in flat and issued.cert_serial in flat
    assert "Số: 1/BB-SNV" in raw
    # The printer got the job: two copies laid out by the filters.
    assert screen.printed.job is not None
    printed = cups_printer.wait_for_output(screen.printed.job, timeout=30)
    assert cups_printer.page_count(printed) == 2 * pdf_page_count(archived)


async def test_token_pulled_mid_handover_in_the_real_kiosk_records_nothing(
        kiosk_app: Any, kiosk_settings: Settings, kiosk_store: Any, make_operator: Any, token_worker: Any,
        token_in_reader: Any, issue: Any, handover_plugin: str, cups_printer: PdfPrinter) -> None:
    issued = issue(inserted=False)
    kiosk_store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    kiosk_store.subscribers.add({"full_name": HOLDER, "national_id": HOLDER_ID, "unit_id": "snv",
                                 "token_serial": issued.serial}, "test")
    make_operator("lan", "Trần Thị Lan", "operator")
    outbox_before = len(kiosk_store.outbox.pending())
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    notes = NotificationLog()
    async with app.run_test(size=(120, 50), message_hook=notes) as pilot:
        await log_in(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        pair = await insert_and_read(pilot, token_in_reader, issued.token, timeout=15)
        screen = await open_by_key(pilot, home, "handover", HandoverScreen)
        await wait_until(pilot, lambda: screen.assessment is not None, timeout=15, what="the checks")
        assert screen.assessment.ok, [c.localized() for c in screen.assessment.failures]
        await type_text(pilot, HOLDER_ID)

        pair.remove()  # pulled before F9; the removal travels pcscd -> monitor -> app -> screen
        await wait_until(pilot, lambda: screen.assessment is None, timeout=15, what="the removal on screen")
        assert screen.status_text == (f"Thiết bị {issued.serial} đã bị rút ra trước khi lưu biên bản; chưa có gì "
                                      "được ghi nhận. Hãy cắm lại để tiếp tục.")
        await pilot.press("f9")
        await pilot.pause()
        assert screen.status_text == "Hãy cắm thiết bị của một thuê bao có trong danh sách trước"
        assert not screen._busy and screen.printed is None

        # Back in: the open screen reads it again. Then pulled in the instant before F9,
        # before pcscd reports it (its storage gone, the card not yet out): the commit
        # reads the token once more and refuses.
        pair.insert()
        await wait_until(pilot, lambda: screen.assessment is not None, timeout=15, what="the re-read")
        assert screen.assessment.ok
        pair.softhsm.remove(pair.token)
        await pilot.press("f9")
        await wait_until(pilot, lambda: "không còn trong đầu đọc" in screen.status_text, timeout=15,
                         what="the refused commit")
        assert not screen._busy
        assert screen.status_text == (f"Thiết bị {issued.serial} không còn trong đầu đọc; chưa có gì được ghi "
                                      "nhận. Hãy cắm lại để tiếp tục.")
        pair.card.remove()
        await wait_until(pilot, lambda: app.current_token is None, timeout=15, what="the token to leave")
        assert app.screen is screen  # still open, nothing crashed
    assert notes.messages == []
    assert kiosk_store.records(type="handover") == []
    assert len(kiosk_store.outbox.pending()) == outbox_before
    assert not [e for e in kiosk_store.audit.entries() if e.action.startswith("record:")]
    assert list(kiosk_settings.archive_dir.rglob("*.pdf")) == []
    assert list(cups_printer.out_dir.iterdir()) == []
