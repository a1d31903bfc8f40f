"""Tokens in real readers: SoftHSM2 tokens behind virtual cards in pcscd's vpcd slots.

The whole chain is real: pcscd reports the card, our ReaderMonitor and TokenTracker
pick SoftHSM2 for the test ATR, the TokenWorker reads the token, the app shows it.
PIN states SoftHSM2 cannot reach (final try, locked) are injected at the TokenWorker
boundary (``inject_fault``), named so below.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from helpdesk.config import ModuleEntry
from helpdesk.screens.home import HomeScreen
from helpdesk.screens.login import LoginScreen
from helpdesk.testing.ca import person_subject
from helpdesk.testing.fixtures_e2e import NotificationLog, log_in, wait_until
from helpdesk.testing.fixtures_tokens import SOFTHSM_ENTRY
from helpdesk.tokens.modules import ModuleRegistry
from helpdesk.tokens.pcsc import ReaderMonitor
from helpdesk.tokens.pkcs11 import InjectedFault, TokenWorker
from helpdesk.widgets.token_panel import TokenCard, UnsupportedCardView

pytestmark = pytest.mark.pcsc

#: A VGCA token (Bit4id TokenME EVO v2); its middleware is not installed on test machines.
BIT4ID_ATR = "3BFF1800008131FE45006B150C03020101014234441031800D"


def _card_text(app, serial: str) -> str:
    return str(app.screen.query_one(f"#token-{serial}", TokenCard).render())


async def test_token_appears_on_insert_and_vanishes_on_remove(
    kiosk_app, make_operator, softhsm, test_ca, token_worker, token_in_reader, plugin_manager
):
    token = softhsm.create_token(label="VGCA Token", inserted=False)
    not_after = datetime.now(UTC) + timedelta(days=90, hours=1)
    cert = softhsm.add_identity(token, test_ca, subject=person_subject(name="Nguyễn Thị Ánh Tuyết"),
                                not_after=not_after)
    make_operator("lan")
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    async with app.run_test(size=(110, 34)) as pilot:
        await log_in(pilot)
        await wait_until(pilot, lambda: app.readers, what="pcscd's readers")
        pair = token_in_reader(token)
        await wait_until(pilot, lambda: app.screen.query(f"#token-{token.serial}"), timeout=15, what="the token")
        text = _card_text(app, token.serial)
        assert "Người được cấp: Nguyễn Thị Ánh Tuyết" in text
        assert "Văn phòng Sở, Sở Nội vụ thành phố Cần Thơ" in text
        assert format(cert.serial_number, "X") in text
        assert "(còn 90 ngày)" in text
        assert "PIN: Bình thường" in text and "PIN quản trị (SO): Bình thường" in text
        assert app.current_token is not None and app.current_token.reader == pair.reader

        pair.remove()
        await wait_until(pilot, lambda: not app.screen.query(TokenCard), timeout=15, what="the token to go")
        assert app.current_token is None
        assert "Cắm thiết bị lưu khóa vào đầu đọc." in str(app.screen.query_one("#token-hint").render())

        # PIN states SoftHSM2 never reports: fault injection at the TokenWorker boundary.
        token_worker.inject_fault(token.serial, InjectedFault(flags={"user_pin_locked": True,
                                                                      "so_pin_final_try": True})).result(5)
        pair.insert()
        await wait_until(pilot, lambda: app.screen.query(f"#token-{token.serial}"), timeout=15)
        card = app.screen.query_one(f"#token-{token.serial}", TokenCard)
        assert "PIN: đã khóa" in _card_text(app, token.serial)
        assert "PIN quản trị (SO): lần thử cuối" in _card_text(app, token.serial)
        assert card.has_class("-warning")
        pair.remove()
        await wait_until(pilot, lambda: not app.screen.query(TokenCard), timeout=15)


async def test_unsupported_card_is_shown_with_its_fix(kiosk_app, make_operator, softhsm, virtual_card, plugin_manager):
    registry = ModuleRegistry(
        settings_modules=(ModuleEntry(name="bit4id", path="libbit4xpki.so", atrs=(BIT4ID_ATR,)),),
        builtins=(SOFTHSM_ENTRY,),
    )
    make_operator("lan")
    with TokenWorker(registry) as worker:
        app = kiosk_app(worker=worker, monitor=ReaderMonitor)
        async with app.run_test(size=(110, 34)) as pilot:
            await log_in(pilot)
            await wait_until(pilot, lambda: app.readers, what="pcscd's readers")
            card = virtual_card(BIT4ID_ATR)
            await wait_until(pilot, lambda: app.screen.query(UnsupportedCardView), timeout=15)
            text = str(app.screen.query_one(UnsupportedCardView).render())
            assert "Thẻ không được hỗ trợ" in text
            assert "Chưa cài thư viện PKCS#11 bit4id." in text
            assert "Cách khắc phục:" in text and "Bit4id" in text
            assert BIT4ID_ATR in text
            card.remove()
            await wait_until(pilot, lambda: not app.screen.query(UnsupportedCardView), timeout=15)


async def test_operator_logs_in_with_their_own_token_and_pin(
    kiosk_app, make_operator, kiosk_store, softhsm, test_ca, token_worker, token_in_reader, plugin_manager
):
    token = softhsm.create_token(label="Token cán bộ", pin="246810", inserted=False)
    cert = softhsm.add_identity(token, test_ca, subject=person_subject(name="Lê Văn Minh"))
    fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    make_operator("minh", "Lê Văn Minh", "operator", password=None, certs=(fingerprint,))
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    notes = NotificationLog()
    async with app.run_test(size=(110, 34), message_hook=notes) as pilot:
        assert isinstance(app.screen, LoginScreen)
        assert not app.screen.query_one("#token-login").display
        token_in_reader(token)
        await wait_until(pilot, lambda: app.screen.query_one("#token-login").display, timeout=15,
                         what="the token log-in section")
        assert "Lê Văn Minh" in str(app.screen.query_one("#token-login-label").render())
        app.screen.query_one("#token-pin").focus()
        await pilot.press(*"000000", "enter")
        await wait_until(pilot, lambda: notes.matching("PIN"), what="the wrong-PIN notification")
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*"246810", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="the home screen")
        assert app.operator is not None and app.operator.id == "minh"
    sessions = [(e.action, e.operator, e.ref) for e in kiosk_store.audit.entries() if e.action.startswith("session.")]
    assert sessions == [("session.login_failed", "minh", f"token {token.serial}"),
                        ("session.login", "minh", f"token {token.serial}")]


async def test_a_copied_certificate_without_its_key_does_not_log_in(
    kiosk_app, make_operator, softhsm, test_ca, token_worker, token_in_reader, plugin_manager
):
    """Certificates are public: a blank token holding someone's certificate next to a
    different key, with a PIN the holder chose, must not log in as them."""
    from helpdesk.testing.ca import pooled_key

    token = softhsm.create_token(label="Token giả", pin="111111", inserted=False)
    cert = softhsm.add_identity(token, test_ca, subject=person_subject(name="Lê Văn Minh"),
                                key=pooled_key(3), certificate_key=pooled_key(4))
    fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    make_operator("minh", "Lê Văn Minh", "operator", password=None, certs=(fingerprint,))
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    notes = NotificationLog()
    async with app.run_test(size=(110, 34), message_hook=notes) as pilot:
        token_in_reader(token)
        await wait_until(pilot, lambda: app.screen.query_one("#token-login").display, timeout=15)
        app.screen.query_one("#token-pin").focus()
        await pilot.press(*"111111", "enter")
        await wait_until(pilot, lambda: notes.matching("không chứng minh được"), what="the refusal")
        assert app.operator is None and isinstance(app.screen, LoginScreen)
