"""The home screen's sync line (widget) in a running Textual app."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from textual.app import App, ComposeResult

from helpdesk.config import Settings
from helpdesk.sync.relay import state_path
from helpdesk.sync.state import SyncState, save_state
from helpdesk.widgets.sync_line import SyncLine


class LineApp(App[None]):
    def __init__(self, settings: Settings, store: object | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.kiosk = SimpleNamespace(store=store) if store is not None else None

    def compose(self) -> ComposeResult:
        yield SyncLine(id="sync-state")


async def test_sync_line_says_not_set_up_without_a_registry(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01")
    app = LineApp(kiosk.settings)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert str(app.query_one(SyncLine).render()) == "Đồng bộ: chưa thiết lập"


async def test_sync_line_shows_pending_last_success_and_last_error(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    kiosk = make_kiosk("kiosk-01")
    kiosk.commit(7)
    settings = replace(kiosk.settings, registry_url="http://127.0.0.1:9")
    save_state(state_path(settings), SyncState(
        last_success="2026-12-06T01:00:00.000000Z",
        last_error={"message": "The registry answered {status}", "params": {"status": "503"}}))
    app = LineApp(settings, kiosk.store)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = str(app.query_one(SyncLine).render())
    assert text.startswith("Đồng bộ: 7 bản ghi chờ gửi · lần thành công cuối 06/12/2026")
    assert text.endswith("lỗi gần nhất: Máy chủ trả lời mã lỗi 503")
