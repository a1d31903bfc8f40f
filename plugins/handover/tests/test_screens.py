"""The workflow screens driven by keyboard through Textual's Pilot, on a small host app.

Real store, real TokenWorker on SoftHSM2 tokens, real forms, real CUPS (cups-pdf). Token
events come from the real TokenTracker, fed the PC/SC events a reader would send.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from handover_kit import ADMIN, OPERATOR, Issued, nfd, roster_row, wait_until, write_xlsx
from helpdesk_handover.screens.handover import HandoverScreen
from helpdesk_handover.screens.history import HistoryScreen
from helpdesk_handover.screens.roster import RosterScreen
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from helpdesk import hookimpl
from helpdesk.extension import (
    OperatorRef,
    Record,
    RecordAction,
    WorkflowContext,
)
from helpdesk.testing.cups import PdfPrinter
from helpdesk.testing.host import READER, ReaderDesk, type_text
from helpdesk.testing.kit import (
    ModuleRegistry,
    Settings,
    TokenWorker,
    load_settings,
    open_kiosk,
)
from helpdesk.testing.pdftools import pdf_page_count, pdf_text
from helpdesk.testing.softhsm import SoftHSMStore


class Desk(ReaderDesk):
    def handover(self, operator: OperatorRef = OPERATOR, batch: bool = False) -> HandoverScreen:
        return HandoverScreen(self.kiosk.context(operator, None), batch=batch)


@pytest.fixture
def printer_settings(cups_printer: PdfPrinter) -> Settings:
    return dataclasses.replace(load_settings(), printer=cups_printer.name, print_copies=2)


@pytest.fixture
def desk(handover_plugin: str, printer_settings: Settings, token_worker: TokenWorker, softhsm: SoftHSMStore,
         module_registry: ModuleRegistry) -> Iterator[Desk]:
    kiosk = open_kiosk(printer_settings, worker=token_worker)
    try:
        yield Desk(kiosk, softhsm, module_registry)
    finally:
        kiosk.close()


def roster_file(tmp_path: Path, holder_serial: str) -> Path:
    return write_xlsx(tmp_path / "danh-sach.xlsx", [
        roster_row(nfd("Nguyễn Thị Ánh Tuyết"), "092186001234", nfd("Sở Nội vụ"), holder_serial),
        roster_row(nfd("Phạm Quốc Việt"), "092186004321", nfd("UBND phường Tân An"), "TK-OTHER"),
    ])


pytestmark = pytest.mark.cups


async def test_end_to_end_import_insert_check_confirm_save_print(
        desk: Desk, issue: Callable[..., Issued], tmp_path: Path, cups_printer: PdfPrinter) -> None:
    issued = issue(inserted=False)
    path = roster_file(tmp_path, issued.serial)
    store = desk.kiosk.store
    roster = RosterScreen(desk.kiosk.context(OPERATOR, None))
    app = desk.app(roster)
    async with app.run_test(size=(120, 60)) as pilot:
        # 1. the roster, typed path, F9
        await type_text(pilot, str(path))
        await pilot.press("f9")
        await wait_until(pilot, lambda: "đã nhập 2 dòng" in roster.status_text)
        holder = store.subscribers.by_token_serial(issued.serial)
        assert holder is not None and holder.full_name == "Nguyễn Thị Ánh Tuyết"
        await pilot.press("escape")
        # 2. the handover screen; the token goes into the reader
        screen = desk.handover()
        await app.push_screen(screen)
        desk.insert(issued.token)
        await wait_until(pilot, lambda: screen.assessment is not None)
        assessment = screen.assessment
        assert assessment is not None and assessment.ok, [c.localized() for c in (assessment and assessment.failures) or []]
        assert "Kiểm tra đạt" in screen.status_text
        # 3. identity typed, one key saves and prints
        await type_text(pilot, "092186001234")
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.printed is not None, timeout=120)
        assert "lưu trữ và in biên bản số 1/BB-SNV" in screen.status_text, screen.status_text
    [record] = store.records(type="handover")
    assert record.payload["identity"] == "typed" and record.operator == OPERATOR.id
    assert [e.ref for e in store.audit.entries()][-1] == record.id
    assert [e.record_id for e in store.outbox.pending()] == [record.id]
    assert screen.printed is not None and screen.printed.error is None
    archived = screen.printed.path
    assert archived.is_relative_to(desk.kiosk.settings.archive_dir) and archived.exists()
    text = pdf_text(archived)
    flat = "".join(text.split())
    assert "Nguyễn Thị Ánh Tuyết" in text  # NFD in the roster, NFC on paper
    assert pdf_text(archived, nfc=False).count("Nguyễn Thị Ánh Tuyết") >= 1
    assert issued.serial in flat and issued.cert_serial in flat
    assert f"Số: {record.payload['number']}" in text and record.payload["number"] == "1/BB-SNV"
    assert screen.printed.job is not None
    out = cups_printer.wait_for_output(screen.printed.job)
    assert cups_printer.page_count(out) == 2 * pdf_page_count(archived) == 2  # two copies, one page


def seed(desk: Desk, issued: Issued, name: str = "Nguyễn Thị Ánh Tuyết", national_id: str = "092186001234") -> None:
    store = desk.kiosk.store
    if store.units.get("snv") is None:
        store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    store.subscribers.add({"full_name": name, "national_id": national_id, "unit_id": "snv",
                           "token_serial": issued.serial}, "test")


async def read_in(desk: Desk, pilot: Any, screen: HandoverScreen, issued: Issued) -> None:
    desk.insert(issued.token)
    await wait_until(pilot, lambda: screen.assessment is not None)


async def test_wrong_holder_blocks_and_only_an_admin_overrides_with_a_reason(
        desk: Desk, issue: Callable[..., Issued]) -> None:
    issued = issue(name="Lê Văn Sai", national_id="092186005555", inserted=False)
    seed(desk, issued)
    screen = desk.handover()
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await read_in(desk, pilot, screen, issued)
        assert "Không được bàn giao: Chứng thư số cấp cho Lê Văn Sai, không phải cho Nguyễn Thị Ánh Tuyết" \
            in screen.status_text
        assert "Chỉ quản trị viên" in screen.status_text
        await type_text(pilot, "092186001234")
        await pilot.press("f9")
        await pilot.pause()
        assert "Không được bàn giao" in screen.status_text
    assert desk.kiosk.store.records(type="handover") == []
    desk.pull(issued.token)
    admin = desk.handover(ADMIN)
    async with desk.app(admin).run_test(size=(120, 60)) as pilot:
        await read_in(desk, pilot, admin, issued)
        await type_text(pilot, "092186001234")
        await pilot.press("f9")
        await pilot.pause()
        assert "Hãy nhập lý do" in admin.status_text
        admin.query_one("#override_reason").focus()
        await type_text(pilot, "Ten cu tren chung thu")
        await pilot.press("f9")
        await wait_until(pilot, lambda: admin.printed is not None, timeout=120)
    [record] = desk.kiosk.store.records(type="handover")
    assert record.payload["override"] == {"by": ADMIN.id, "reason": "Ten cu tren chung thu"}
    assert "certificate_name" in record.payload["failed_checks"]
    assert admin.printed is not None
    assert "Ten cu tren chung thu" in pdf_text(admin.printed.path)


async def test_token_pulled_mid_handover_records_nothing(desk: Desk, issue: Callable[..., Issued]) -> None:
    issued = issue(inserted=False)
    seed(desk, issued)
    screen = desk.handover()
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await read_in(desk, pilot, screen, issued)
        await type_text(pilot, "092186001234")
        desk.pull(issued.token)  # the reader reports the card gone
        await wait_until(pilot, lambda: screen.assessment is None)
        assert "đã bị rút ra trước khi lưu biên bản; chưa có gì được ghi nhận" in screen.status_text
        await pilot.press("f9")
        await pilot.pause()
        assert "Hãy cắm thiết bị" in screen.status_text
        # pulled again after checking, the event not yet shown: the commit re-reads the token
        await read_in(desk, pilot, screen, issued)
        desk.softhsm.remove(issued.token)
        desk.kiosk.worker.note_card_removed(READER)
        await pilot.press("f9")
        await wait_until(pilot, lambda: not screen._busy and "ghi nhận" in screen.status_text)
        assert screen.status_text == (f"Thiết bị {issued.serial} không còn trong đầu đọc; chưa có gì được ghi "
                                      "nhận. Hãy cắm lại để tiếp tục.")
    assert desk.kiosk.store.records(type="handover") == []
    assert list(desk.kiosk.settings.archive_dir.rglob("*.pdf")) == []


async def test_printer_offline_keeps_record_and_pdf_then_reprints(
        desk: Desk, issue: Callable[..., Issued], cups_printer: PdfPrinter) -> None:
    issued = issue(inserted=False)
    seed(desk, issued)
    screen = desk.handover()
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await read_in(desk, pilot, screen, issued)
        await pilot.press("tab")  # to the papers box: identity checked by eye
        await pilot.press("space")
        with cups_printer.switched_off():
            await pilot.press("f9")
            await wait_until(pilot, lambda: screen.printed is not None, timeout=60)
            assert screen.printed is not None and screen.printed.error is not None
            assert "nhưng chưa in được" in screen.status_text and "Nhấn F6 để in lại" in screen.status_text
            assert "đang tắt hoặc tạm dừng" in screen.status_text or "Máy in" in screen.status_text
        assert screen.printed is not None
        archived = screen.printed.path
        assert archived.exists()
        [record] = desk.kiosk.store.records(type="handover")
        assert record.payload["identity"] == "checked"
        screen.printed = None
        await pilot.press("f6")
        await wait_until(pilot, lambda: screen.printed is not None, timeout=120)
        assert screen.printed is not None and screen.printed.error is None and screen.printed.path == archived  # same bytes, same file
    assert screen.printed is not None
    assert cups_printer.page_count(cups_printer.wait_for_output(screen.printed.job)) == 2


async def test_batch_for_a_units_representative(desk: Desk, issue: Callable[..., Issued]) -> None:
    first = issue(inserted=False)
    second = issue(name="Phạm Quốc Việt", national_id="092186004321", inserted=False, key_index=3)
    seed(desk, first)
    seed(desk, second, "Phạm Quốc Việt", "092186004321")
    screen = desk.handover(batch=True)
    async with desk.app(screen).run_test(size=(120, 70)) as pilot:
        for field, text in (("#proxy_name", "Doan Van Dai Dien"), ("#proxy_id", "092186099999"),
                            ("#proxy_position", "Chanh Van phong"), ("#proxy_auth", "Giay gioi thieu 45")):
            screen.query_one(field).focus()
            await type_text(pilot, text)
        screen.query_one("#id_number").focus()
        await type_text(pilot, "092186099999")  # the representative's card
        await read_in(desk, pilot, screen, first)
        await pilot.press("f4")
        assert "Lô có 1 thiết bị" in screen.status_text
        desk.pull(first.token)
        await read_in(desk, pilot, screen, second)
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.printed is not None, timeout=120)
    records = desk.kiosk.store.records(type="handover")
    assert len(records) == 2 and {r.payload["number"] for r in records} == {"1/BB-SNV"}
    assert {r.payload["recipient"]["name"] for r in records} == {"Doan Van Dai Dien"}
    assert screen.printed is not None
    text = pdf_text(screen.printed.path)
    assert "Nguyễn Thị Ánh Tuyết" in text and "Phạm Quốc Việt" in text and "Doan Van Dai Dien" in text
    assert screen.printed.path.name.startswith("handover-batch-")


async def test_history_search_void_and_export(desk: Desk, issue: Callable[..., Issued]) -> None:
    from openpyxl import load_workbook

    issued = issue(inserted=False)
    seed(desk, issued)
    screen = desk.handover()
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await read_in(desk, pilot, screen, issued)
        await type_text(pilot, "092186001234")
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.printed is not None, timeout=120)
        history = HistoryScreen(desk.kiosk.context(OPERATOR, None))
        await pilot.app.push_screen(history)
        await wait_until(pilot, lambda: len(history.entries) == 1)  # today's
        await type_text(pilot, "nguyen thi anh")  # accents and case ignored
        await pilot.press("enter")
        await wait_until(pilot, lambda: "1 biên bản" in history.status_text)
        await pilot.press("f8")
        await pilot.pause()
        assert "Hãy nhập lý do hủy" in history.status_text
        await type_text(pilot, "Giao nham nguoi")
        await pilot.press("f8")
        await wait_until(pilot, lambda: bool(history.entries) and history.entries[0].voided_by is not None)
        await pilot.press("f7")
        await wait_until(pilot, lambda: ".xlsx" in history.status_text)
        await pilot.press("f6")  # reprint from history: the same archived paper
        await wait_until(pilot, lambda: "Đã gửi in lại" in history.status_text, timeout=90)
        assert screen.printed is not None and str(screen.printed.path) in history.status_text
    [record] = desk.kiosk.store.records(type="handover")
    void = desk.kiosk.store.get(desk.kiosk.store.voided_by(record.id) or "")
    assert void is not None and void.payload["reason"] == "Giao nham nguoi"
    [export] = list((desk.kiosk.settings.home / "exports").glob("*.xlsx"))
    rows = list(load_workbook(export).active.iter_rows(values_only=True))
    assert rows[1][0] == "1/BB-SNV" and rows[1][2] == "Nguyễn Thị Ánh Tuyết" and rows[1][12] == "đã hủy"


class NumberScreen(Screen[None]):
    """Another plugin's screen for saved records: it shows the record's number."""

    def __init__(self, ctx: WorkflowContext, records: Sequence[Record]) -> None:
        super().__init__()
        self.records = list(records)

    def compose(self) -> ComposeResult:
        yield Static(f"Biên bản số {self.records[0].payload['number']}", id="number")


class ActionsPlugin:
    """A test plugin offering two actions on handover records: one with its own key, one without."""

    @hookimpl
    def helpdesk_register_record_actions(self, register: Callable[[RecordAction], None]) -> None:
        register(RecordAction("test_sign", "Người nhận ký số biên bản", "Recipient signs the record",
                              ("handover",), screen=NumberScreen, key="f7"))
        register(RecordAction("test_copy", "Gửi bản sao cho đơn vị", "Send a copy to the unit",
                              ("handover",), screen=NumberScreen))
        register(RecordAction("test_other", "Không liên quan", "Unrelated", ("pin_unlock.receipt",),
                              screen=NumberScreen, key="f8"))


@pytest.fixture
def actions_plugin(register_plugin: Callable[..., str]) -> str:
    return register_plugin(ActionsPlugin(), "test_actions")


async def test_after_the_save_other_plugins_actions_are_offered_and_open(
        actions_plugin: str, desk: Desk, issue: Callable[..., Issued]) -> None:
    assert {a.id for a in desk.kiosk.record_actions} == {"test_sign", "test_copy", "test_other"}
    issued = issue(inserted=False)
    seed(desk, issued)
    screen = desk.handover()
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await read_in(desk, pilot, screen, issued)
        actions = screen.query_one("#actions", Static)
        assert str(actions.content) == ""  # nothing saved yet: nothing offered
        await pilot.press("f7")
        assert not isinstance(pilot.app.screen, NumberScreen)  # F7 opens nothing before a save
        await type_text(pilot, "092186001234")
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.printed is not None, timeout=120)
        offered = str(actions.content)
        assert offered.startswith("Tiếp theo, với biên bản này:")
        assert "F7  Người nhận ký số biên bản" in offered and "F8  Gửi bản sao cho đơn vị" in offered
        assert "Không liên quan" not in offered  # an action on another record type
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, NumberScreen))
        opened = pilot.app.screen
        assert isinstance(opened, NumberScreen)
        assert str(opened.query_one("#number", Static).content) == "Biên bản số 1/BB-SNV"
        assert [r.payload["number"] for r in opened.records] == ["1/BB-SNV"]
        pilot.app.pop_screen()
        await pilot.pause()
        await pilot.press("f8")  # the action without a key got the next free one
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, NumberScreen))
