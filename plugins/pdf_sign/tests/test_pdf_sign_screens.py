"""The "Ký thử" screen and "Người nhận ký số biên bản" by keyboard (Textual Pilot): real
store, real TokenWorker on SoftHSM2 tokens, token events from the real TokenTracker."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import helpdesk_handover.plugin
import pytest
from helpdesk_handover.screens.handover import HandoverScreen
from helpdesk_pdf_sign.certcheck import TrustStore
from helpdesk_pdf_sign.screens.handover_sign import HandoverSignScreen
from helpdesk_pdf_sign.screens.sign import TestSignScreen
from helpdesk_pdf_sign.verify import verify_pdf
from pdf_sign_kit import HOLDER, Desk, Issued, files_under, screen_text, type_text, wait_until

from helpdesk.testing.kit import InjectedFault
from helpdesk.testing.pdftools import pdf_text


async def test_test_signing_by_keyboard(desk: Desk, issue: Callable[..., Issued], helpdesk_home: Path) -> None:
    issued = issue(inserted=False)
    screen = TestSignScreen(desk.context())
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        assert "Hãy cắm thiết bị" in screen.status_text
        desk.insert(issued.token)
        await wait_until(pilot, lambda: screen.prepared is not None)
        shown = screen_text(screen)
        assert "Mã PIN người dùng: bình thường" in shown and "Đầu đọc có bàn phím PIN: không" in shown
        assert "Còn hiệu lực từ" in shown and "Không xác định" in shown
        assert "Người nhận nhập mã PIN" in screen.status_text
        await type_text(pilot, issued.token.pin)
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.outcome is not None, timeout=60)
        assert "Đã ký và kiểm tra: chữ ký hợp lệ" in screen.status_text
        result = screen_text(screen)
        assert f"Người ký: {HOLDER}" in result and "Định dạng PAdES: B-B" in result
        assert issued.token.pin not in result
    assert screen.outcome is not None
    [record] = desk.kiosk.store.records(type="pdf_sign.test")
    assert record.payload["result"] == "valid" and record.operator == "op-binh"
    assert "pin" not in str(record.to_dict()).lower().replace("pin_", "")
    archived = files_under(helpdesk_home / "archive")
    assert screen.outcome.signed_path in archived and screen.outcome.receipt_path in archived


async def test_a_refused_certificate_cannot_be_signed_with(desk: Desk, issue: Callable[..., Issued],
                                                           helpdesk_home: Path) -> None:
    now = datetime.now(timezone.utc)
    issued = issue(not_before=now - timedelta(days=900), not_after=now - timedelta(days=1))
    screen = TestSignScreen(desk.context(desk.kiosk.worker.identify(issued.serial).result(timeout=30)))
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await wait_until(pilot, lambda: screen.prepared is not None)
        assert "Chứng thư số bị từ chối: Chứng thư số đã hết hạn ngày" in screen.status_text
        await type_text(pilot, issued.token.pin)
        await pilot.press("f9")
        await pilot.pause()
        assert "không ký" in screen.status_text
    assert desk.kiosk.store.records(type="pdf_sign.test") == []
    assert files_under(helpdesk_home / "archive") == []


async def test_injected_final_try_needs_the_operators_confirmation(desk: Desk, issue: Callable[..., Issued]) -> None:
    """SoftHSM2 never reaches FINAL_TRY: the flag is injected at the TokenWorker boundary."""
    issued = issue()
    desk.kiosk.worker.inject_fault(issued.serial, InjectedFault(flags={"user_pin_final_try": True})).result()
    screen = TestSignScreen(desk.context(desk.kiosk.worker.identify(issued.serial).result(timeout=30)))
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await wait_until(pilot, lambda: screen.prepared is not None)
        assert "chỉ còn MỘT lần thử" in screen_text(screen)
        assert "Chỉ còn MỘT lần nhập PIN" in screen.status_text
        await type_text(pilot, issued.token.pin)
        await pilot.press("f9")
        await pilot.pause()
        assert "gõ \"đồng ý\" để xác nhận" in screen.status_text
        assert screen.outcome is None and not screen.busy
        await type_text(pilot, "dong y")  # focus moved to the confirmation field
        screen.query_one("#pin").focus()
        await type_text(pilot, issued.token.pin)
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.outcome is not None, timeout=60)
        assert "chữ ký hợp lệ" in screen.status_text
    assert len(desk.kiosk.store.records(type="pdf_sign.test")) == 1


async def test_injected_locked_pin_is_refused_before_any_try(desk: Desk, issue: Callable[..., Issued]) -> None:
    """SoftHSM2 never locks a PIN: the flag is injected at the TokenWorker boundary."""
    issued = issue()
    desk.kiosk.worker.inject_fault(issued.serial, InjectedFault(flags={"user_pin_locked": True})).result()
    screen = TestSignScreen(desk.context(desk.kiosk.worker.identify(issued.serial).result(timeout=30)))
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await wait_until(pilot, lambda: screen.prepared is not None)
        assert "đã bị khóa" in screen.status_text
        await type_text(pilot, issued.token.pin)
        await pilot.press("f9")
        await pilot.pause()
        assert "đã bị khóa" in screen.status_text and screen.outcome is None
    assert desk.kiosk.store.records(type="pdf_sign.test") == []


async def test_wrong_pin_on_the_screen_says_so_and_shows_the_state_again(desk: Desk,
                                                                          issue: Callable[..., Issued]) -> None:
    issued = issue()
    screen = TestSignScreen(desk.context(desk.kiosk.worker.identify(issued.serial).result(timeout=30)))
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await wait_until(pilot, lambda: screen.prepared is not None)
        await type_text(pilot, "000000")
        await pilot.press("f9")
        await wait_until(pilot, lambda: "không đúng" in screen.status_text, timeout=60)
        await wait_until(pilot, lambda: "đã nhập sai PIN trước đó" in screen_text(screen))
        assert not screen.busy and screen.outcome is None


@pytest.fixture
def handover_plugin(register_plugin: Callable[..., str]) -> str:
    return register_plugin(helpdesk_handover.plugin, "handover")


async def test_handover_then_the_holder_signs_the_record(handover_plugin: str, desk: Desk,
                                                         issue: Callable[..., Issued], helpdesk_home: Path) -> None:
    issued = issue(inserted=False)
    store = desk.kiosk.store
    store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    store.subscribers.add({"full_name": HOLDER, "national_id": "092186001234", "unit_id": "snv",
                           "token_serial": issued.serial}, "test")
    handover = HandoverScreen(desk.context())
    async with desk.app(handover).run_test(size=(120, 60)) as pilot:
        desk.insert(issued.token)
        await wait_until(pilot, lambda: handover.assessment is not None)
        await type_text(pilot, "092186001234")
        await pilot.press("f9")
        await wait_until(pilot, lambda: handover.printed is not None, timeout=120)
        assert "F7  Người nhận ký số biên bản" in screen_text(handover)
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HandoverSignScreen))
        signing = pilot.app.screen
        assert isinstance(signing, HandoverSignScreen)
        await wait_until(pilot, lambda: signing.prepared is not None)
        assert "biên bản bàn giao số 1/BB-SNV" in screen_text(signing)
        await type_text(pilot, issued.token.pin)
        await pilot.press("f9")
        await wait_until(pilot, lambda: signing.outcome is not None, timeout=60)
        assert "chữ ký hợp lệ" in signing.status_text
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is handover)
    [handed] = store.records(type="handover")
    [signed_record] = store.records(type="pdf_sign.test")
    assert signed_record.payload["document"]["records"] == [handed.id]
    assert signed_record.payload["document"]["kind"] == "handover"
    assert handover.printed is not None
    paper = handover.printed.path
    signed = paper.with_name(f"handover-signed-{handed.id}.pdf")
    assert signed.exists(), files_under(helpdesk_home / "archive")
    [report] = await asyncio.to_thread(verify_pdf, signed.read_bytes(), TrustStore.load(helpdesk_home / "trust"),
                                       fetch=False)
    assert report.ok and report.common_name == HOLDER
    assert " ".join(pdf_text(signed).split()) == " ".join(pdf_text(paper).split())
    # The holder signed the very bytes on paper: the archived PDF, plus the signature's revision.
    assert signed_record.payload["document"]["sha256"] == hashlib.sha256(paper.read_bytes()).hexdigest()
    assert signed.read_bytes().startswith(paper.read_bytes())


async def test_injected_pin_pad_reader_asks_the_reader_for_the_pin(desk: Desk, issue: Callable[..., Issued]) -> None:
    """A PIN-pad reader (flag injected at the TokenWorker boundary): the kiosk takes no PIN and
    asks the token to use its protected path; SoftHSM2 has none, and says so."""
    issued = issue()
    desk.kiosk.worker.inject_fault(issued.serial,
                                   InjectedFault(flags={"protected_authentication_path": True})).result()
    screen = TestSignScreen(desk.context(desk.kiosk.worker.identify(issued.serial).result(timeout=30)))
    async with desk.app(screen).run_test(size=(120, 60)) as pilot:
        await wait_until(pilot, lambda: screen.prepared is not None)
        assert "Nhấn F9 rồi nhập PIN trên bàn phím của đầu đọc" in screen.status_text
        assert "Đầu đọc có bàn phím PIN: có" in screen_text(screen)
        assert not screen.query_one("#pin").has_focus  # nothing to type on the kiosk
        await pilot.press("f9")
        await wait_until(pilot, lambda: "không có bàn phím PIN" in screen.status_text, timeout=30)
        assert not screen.busy
        assert screen.outcome is None
    assert desk.kiosk.store.records(type="pdf_sign.test") == []
