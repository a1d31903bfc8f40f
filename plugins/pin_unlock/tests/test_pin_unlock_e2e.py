"""End to end in the real kiosk app (make_app): log in, a token in a real reader
(pcscd + a virtual card standing for a SoftHSM2 token), open the unlock workflow by its
key from the home screen, unlock by keyboard, and a token pulled mid-unlock through the
real PC/SC chain, reported honestly when it comes back."""

from __future__ import annotations

from typing import Any

import pytest
from helpdesk_pin_unlock import records
from helpdesk_pin_unlock.screens import UnlockScreen
from pin_unlock_kit import HOLDER_ID, PauseAtSoLogin, status

from helpdesk.extension import Secret
from helpdesk.testing.ca import person_subject
from helpdesk.testing.fixtures_e2e import insert_and_read, log_in, wait_until
from helpdesk.testing.fixtures_store import make_units
from helpdesk.testing.kit import HomeScreen, ReaderMonitor

pytestmark = pytest.mark.pcsc




def message(app: Any) -> str:
    return status(app)


async def test_unlock_in_the_real_kiosk(kiosk_app: Any, make_operator: Any, kiosk_store: Any, softhsm: Any,
                                        test_ca: Any, token_worker: Any, token_in_reader: Any,
                                        pin_plugin: str) -> None:
    """Unlock end to end through pcscd, the virtual card and the real worker.

    Nothing replaced: the removal's next visible effect — the rescan and TokenRemoved — is
    queued behind the job the test holds at the SO log-in, so the test reads the worker's own
    count of removals it was told of (``removals_noted``) to know the real PC/SC removal
    reached it before releasing that job.
    """
    token = softhsm.create_token(pin="246810", so_pin="13579135", inserted=False)
    softhsm.add_identity(token, test_ca, subject=person_subject(name="Nguyễn Thị Ánh Tuyết"))
    kiosk_store.units.add_many(make_units(), "test")
    kiosk_store.subscribers.add({"id": "sb-tuyet", "full_name": "Nguyễn Thị Ánh Tuyết", "unit_id": "p-tanan",
                                 "national_id": HOLDER_ID, "token_serial": token.serial}, "test")
    make_operator("lan", "Trần Thị Lan", "operator")
    app = kiosk_app(worker=token_worker, monitor=ReaderMonitor)
    async with app.run_test(size=(120, 46)) as pilot:
        await log_in(pilot)
        pair = await insert_and_read(pilot, token_in_reader, token)
        removals_before = token_worker.removals_noted

        # First attempt: the token is pulled just before the SO log-in (a pause point
        # injected at the worker boundary); the removal travels the real PC/SC chain.
        pause = PauseAtSoLogin()
        token_worker.inject_fault(token.serial, pause).result(5)
        await pilot.press("f2")  # the first free key: the unlock workflow
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen)
                         and app.screen.current_step == "identity", what="the unlock screen")
        screen = app.screen
        assert "Nguyễn Thị Ánh Tuyết · UBND phường Tân An" in str(screen.query_one("#panel").render())
        await pilot.press(*HOLDER_ID, "enter")
        await wait_until(pilot, lambda: screen.current_step == "so")
        await pilot.press(*"13579135", "enter", *"582039", "enter", *"582039", "enter")
        await wait_until(pilot, pause.reached.is_set, what="the SO log-in")
        pair.remove()
        # The tracker tells the worker at once (the rescan waits behind the paused job).
        await wait_until(pilot, lambda: token_worker.removals_noted > removals_before, timeout=30,
                         what="PC/SC's removal event")
        pause.go.set()
        await wait_until(pilot, lambda: "rút ra khi đang thực hiện" in message(app), timeout=30)
        await wait_until(pilot, lambda: app.current_token is None, timeout=30, what="the token to leave")
        token_worker.inject_fault(token.serial, None).result(5)

        pair.insert()
        await wait_until(pilot, lambda: app.current_token is not None, timeout=30, what="the token back")
        await wait_until(pilot, lambda: screen.current_step == "so", timeout=30, what="re-read on reinsertion")
        assert "Mã PIN người dùng: bình thường" in str(screen.query_one("#panel").render())

        # Second attempt, all by keyboard.
        await pilot.press(*"13579135", "enter", *"582039", "enter", *"582039", "enter")
        await wait_until(pilot, lambda: "Đã mở khóa thiết bị" in message(app), timeout=30, what="the unlock")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home again")
    outcomes = [(r.payload["outcome"], r.operator) for r in kiosk_store.records(records.ATTEMPT)]
    assert outcomes == [("token_removed", "lan"), ("success", "lan")]
    token_worker.verify_pin(token.serial, Secret("582039")).result(10)
