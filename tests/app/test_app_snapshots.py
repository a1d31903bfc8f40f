"""Snapshots of the home screen in Vietnamese and English, with fixed content.

Nothing live reaches the picture: the app's clock and the store's clock are frozen,
the time zone is pinned to Vietnam's, the token is a fixed ``TokenInfo`` fed through
the tracker's own entry point (``handle_token_event``), and no reader monitor runs.
Update with ``pytest tests/app/test_app_snapshots.py --snapshot-update`` after
checking the new pictures in the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from app_test_plugins import VisitPlugin, _check_visit

from helpdesk import i18n
from helpdesk.app import make_app, no_monitor
from helpdesk.config import load_settings
from helpdesk.operators import OperatorBook
from helpdesk.secret import Secret
from helpdesk.store import open_store
from helpdesk.testing.fixtures_e2e import log_in, wait_until
from helpdesk.tokens.model import CertInfo, Name, TokenFlags, TokenInfo
from helpdesk.tokens.tracker import TokenInserted

NOW = datetime(2026, 3, 15, 2, 30, tzinfo=UTC)  # 09:30 in Cần Thơ
SUBJECT = {"C": "VN", "ST": "Cần Thơ", "L": "Cần Thơ", "O": "Sở Nội vụ thành phố Cần Thơ",
           "OU": "Văn phòng Sở", "CN": "Nguyễn Thị Ánh Tuyết", "UID": "CCCD:092186001234"}
TOKEN = TokenInfo(
    serial="0A1B2C3D4E5F6071", label="VGCA Token", manufacturer="Bit4id", model="TokenME EVO v2",
    module="bit4id", reader="Bit4id miniLector 00 00", atr="3BFF1800008131FE45006B150C03020101014234441031800D",
    flags=TokenFlags(login_required=True, user_pin_initialized=True, token_initialized=True, user_pin_count_low=True),
    certificates=(CertInfo(
        label="Nguyễn Thị Ánh Tuyết", key_id="01",
        subject=Name(text="CN=Nguyễn Thị Ánh Tuyết,OU=Văn phòng Sở,O=Sở Nội vụ thành phố Cần Thơ", parts=SUBJECT),
        issuer=Name(text="CN=CA phục vụ các cơ quan Nhà nước", parts={"CN": "CA phục vụ các cơ quan Nhà nước"}),
        serial="5404FFFEB7033FB316D672201B7BB5A3",
        not_before=datetime(2025, 1, 10, tzinfo=UTC), not_after=datetime(2027, 1, 10, tzinfo=UTC),
        fingerprint_sha256="AB" * 32, has_private_key=None,
    ),),
)


@pytest.fixture
def vietnam_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def home_app(vietnam_time, register_plugin):
    register_plugin(VisitPlugin(), "visit")
    settings = load_settings()
    store = open_store(settings.data_dir, settings.kiosk_id, clock=lambda: NOW)
    store.register_record_type("apptest.visit", _check_visit, description="A visit (app tests)")
    OperatorBook(settings.data_dir).add(store, "lan", "Trần Thị Lan", "operator", by="test",
                                        password=Secret("mat-khau-thu-nghiem"))
    store.commit("apptest.visit", {"token_serial": TOKEN.serial}, {"note": "Nhận thiết bị"}, "lan")
    store.commit("apptest.visit", {"subscriber_id": "sb-000042"}, {"note": "Hỏi gia hạn"}, "lan")
    try:
        yield lambda: make_app(settings, store=store, monitor=no_monitor, clock=lambda: NOW)
    finally:
        store.close()


async def _show_home_with_token(pilot) -> None:
    app = pilot.app
    await log_in(pilot)
    app.handle_token_event(TokenInserted(TOKEN))
    await wait_until(pilot, lambda: app.screen.query(".token-card"), what="the token card")
    await wait_until(pilot, lambda: app.screen.query_one("#activity").row_count == 2, what="today's activity")
    await pilot.pause()


def test_home_screen_vi(home_app, snap_compare):
    assert snap_compare(home_app(), terminal_size=(110, 34), run_before=_show_home_with_token)


def test_home_screen_en(home_app, snap_compare):
    i18n.set_language("en")
    assert snap_compare(home_app(), terminal_size=(110, 34), run_before=_show_home_with_token)
