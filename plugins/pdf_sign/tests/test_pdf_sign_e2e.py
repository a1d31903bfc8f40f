"""The real kiosk (make_app), tokens through pcscd and a virtual card, all by keyboard:

- Ký thử from its menu key: the holder signs; then the token is pulled out in the
  instant before F9 (its storage gone, the card not yet out): refused with the reason,
  nothing written, and the removal shown when the card leaves;
- a handover (ID typed, F9), then F7 "Người nhận ký số biên bản": the holder signs the
  record just saved, archived beside the paper one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpdesk_pdf_sign.screens.handover_sign import HandoverSignScreen
from helpdesk_pdf_sign.screens.sign import TestSignScreen
from pdf_sign_kit import HOLDER, Issued, files_under

from helpdesk.testing.fixtures_e2e import (
    NotificationLog,
    insert_and_read,
    log_in,
    open_by_key,
    wait_until,
)
from helpdesk.testing.kit import HomeScreen, ReaderMonitor, WorkflowMenu

pytestmark = [pytest.mark.pcsc]


async def test_test_signing_in_the_real_kiosk_and_the_token_pulled(
        kiosk_app: Any, kiosk_store: Any, make_operator: Any, token_worker: Any, token_in_reader: Any,
        issue: Callable[..., Issued], pdf_sign_plugin: str, trust_dir: Path, helpdesk_home: Path) -> None:
    issued = issue(inserted=False)
    make_operator("lan", "Trần Thị Lan", "operator")
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    notes = NotificationLog()
    async with app.run_test(size=(120, 50), message_hook=notes) as pilot:
        await log_in(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        pair = await insert_and_read(pilot, token_in_reader, issued.token, timeout=15)
        screen = await open_by_key(pilot, home, "pdf_sign", TestSignScreen)
        assert "Ký thử" in str(home.query_one(WorkflowMenu).get_option("pdf_sign").prompt)
        assert isinstance(screen, TestSignScreen)
        await wait_until(pilot, lambda: screen.prepared is not None, timeout=15, what="the checks")
        await pilot.press(*issued.token.pin)
        await pilot.press("f9")
        await wait_until(pilot, lambda: screen.outcome is not None, timeout=60, what="the signature")
        assert "Đã ký và kiểm tra: chữ ký hợp lệ" in screen.status_text
        assert screen.outcome is not None and HOLDER in screen.outcome.signature.common_name
        before = files_under(helpdesk_home / "archive")

        # Pulled in the instant before F9: storage gone, the card not yet out.
        await pilot.press(*issued.token.pin)
        pair.softhsm.remove(pair.token)
        await pilot.press("f9")
        await wait_until(pilot, lambda: not screen.busy and "không còn trong đầu đọc" in screen.status_text,
                         timeout=30, what="the refusal")
        assert screen.status_text == (f"Thiết bị {issued.serial} không còn trong đầu đọc; chưa ký gì. "
                                      "Hãy cắm lại để tiếp tục.")
        pair.card.remove()
        await wait_until(pilot, lambda: app.current_token is None, timeout=15, what="the token to leave")
        await wait_until(pilot, lambda: "Thiết bị đã bị rút ra" in screen.status_text, timeout=15,
                         what="the removal on screen")
        assert app.screen is screen  # still open, nothing crashed
    assert notes.messages == []
    assert len(kiosk_store.records(type="pdf_sign.test")) == 1
    assert files_under(helpdesk_home / "archive") == before


@pytest.fixture
def handover_plugin(register_plugin: Callable[..., str]) -> str:
    import helpdesk_handover.plugin

    return register_plugin(helpdesk_handover.plugin, "handover")


async def test_handover_then_the_holder_signs_in_the_real_kiosk(
        kiosk_app: Any, kiosk_store: Any, make_operator: Any, token_worker: Any, token_in_reader: Any,
        issue: Callable[..., Issued], handover_plugin: str, pdf_sign_plugin: str, trust_dir: Path,
        helpdesk_home: Path) -> None:
    """Log in, the token arrives, handover by its menu key (ID typed, F9), then F7: the holder
    types the PIN and F9 signs the record just saved — all by keyboard."""
    from helpdesk_handover.screens.handover import HandoverScreen

    issued = issue(inserted=False)
    kiosk_store.units.add({"id": "snv", "name": "Sở Nội vụ", "level": "so_ban_nganh"}, "test")
    kiosk_store.subscribers.add({"full_name": HOLDER, "national_id": "092186001234", "unit_id": "snv",
                                 "token_serial": issued.serial}, "test")
    make_operator("lan", "Trần Thị Lan", "operator")
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    async with app.run_test(size=(120, 50)) as pilot:
        await log_in(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        await insert_and_read(pilot, token_in_reader, issued.token, timeout=15)
        await pilot.press(home.keys["handover"])
        await wait_until(pilot, lambda: isinstance(app.screen, HandoverScreen), what="the handover screen")
        handover = app.screen
        assert isinstance(handover, HandoverScreen)
        await wait_until(pilot, lambda: handover.assessment is not None, timeout=15, what="the checks")
        await pilot.press(*"092186001234")
        await pilot.press("f9")
        await wait_until(pilot, lambda: handover.printed is not None, timeout=60, what="the record")
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, HandoverSignScreen), what="the signing screen")
        signing = app.screen
        assert isinstance(signing, HandoverSignScreen)
        await wait_until(pilot, lambda: signing.prepared is not None, timeout=15, what="the certificate checks")
        await pilot.press(*issued.token.pin)
        await pilot.press("f9")
        await wait_until(pilot, lambda: signing.outcome is not None, timeout=60, what="the signature")
        assert "Đã ký và kiểm tra: chữ ký hợp lệ" in signing.status_text
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is handover, what="back to the handover")
    [handed] = kiosk_store.records(type="handover")
    [signed] = kiosk_store.records(type="pdf_sign.test")
    assert signed.payload["document"]["records"] == [handed.id] and signed.subject.token_serial == issued.serial
    assert handover.printed is not None
    assert handover.printed.path.with_name(f"handover-signed-{handed.id}.pdf").exists()
