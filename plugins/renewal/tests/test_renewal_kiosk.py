"""The renewal workflow opened from the real kiosk's menu (no token needed)."""

from __future__ import annotations

from typing import Any

from helpdesk_renewal import requests
from helpdesk_renewal.screen import RenewalScreen
from renewal_kit import OPERATOR, form
from textual.widgets import DataTable

from helpdesk.testing.fixtures_e2e import NotificationLog, log_in, wait_until
from helpdesk.testing.kit import HomeScreen, load_settings, open_kiosk


async def test_the_renewal_screen_opens_from_the_menu_and_lists_the_requests(
        renewal_plugin: str, kiosk_app: Any, kiosk_store: Any, make_operator: Any, token_worker: Any) -> None:
    kiosk = open_kiosk(load_settings(), worker=token_worker, store=kiosk_store)
    ctx = kiosk.context(OPERATOR, None)
    requests.add(ctx, [requests.build(ctx, "new", "person", form())])
    make_operator("lan", "Trần Thị Lan", "operator")
    app = kiosk_app(worker=token_worker)
    notes = NotificationLog()
    async with app.run_test(size=(120, 50), message_hook=notes) as pilot:
        await log_in(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        await wait_until(pilot, lambda: "renewal" in home.keys, what="the menu entry")
        await pilot.press(home.keys["renewal"])
        await wait_until(pilot, lambda: isinstance(app.screen, RenewalScreen), what="the renewal screen")
        screen = app.screen
        assert isinstance(screen, RenewalScreen)
        table = screen.query_one("#requests", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, what="the request")
        assert table.get_row_at(0)[1:3] == ["cấp mới", "Nguyễn Thị Ánh Tuyết"]
        assert screen.status_text == "0 chứng thư số sắp hết hạn, 1 đề nghị"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home again")
    assert notes.messages == []
