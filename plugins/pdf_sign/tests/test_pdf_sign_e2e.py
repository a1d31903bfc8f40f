"""Ký thử in the real kiosk: log in, the token arrives through pcscd (virtual card), the
workflow opens by its menu key, the holder signs; then the token is pulled out in the
instant before F9 (its storage gone, the card not yet out) and again mid-operation:
the signing is refused with the reason and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpdesk_pdf_sign.screens.sign import TestSignScreen
from pdf_sign_kit import HOLDER, Issued, files_under

from helpdesk.testing.fixtures_e2e import NotificationLog, log_in, wait_until
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
        await wait_until(pilot, lambda: app.readers, what="pcscd's readers")
        pair = token_in_reader(issued.token)
        await wait_until(pilot, lambda: app.current_token is not None, timeout=15, what="the token")
        await wait_until(pilot, lambda: "pdf_sign" in home.keys, what="the menu entry")
        key = home.keys["pdf_sign"]
        entry = str(home.query_one(WorkflowMenu).get_option("pdf_sign").prompt)
        assert entry.strip().startswith(key.upper()) and "Ký thử" in entry
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, TestSignScreen), what="the Ký thử screen")
        screen = app.screen
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
