"""The plugin's hooks, its entry point, and the receipt printed through CUPS."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest
from helpdesk_pin_unlock import live, records
from helpdesk_pin_unlock.identity import IdentityCheck
from helpdesk_pin_unlock.plugin import LOCALE
from helpdesk_pin_unlock.receipt import FORM
from helpdesk_pin_unlock.service import PinService
from pin_unlock_kit import Desk

from helpdesk import i18n, plugins
from helpdesk.secret import Secret
from helpdesk.store import InvalidData
from helpdesk.testing.pdftools import pdf_text


def test_entry_point_names_the_plugin_module() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="helpdesk")}
    assert found["pin_unlock"] == "helpdesk_pin_unlock.plugin"


def test_hook_register_workflows(pin_plugin: str) -> None:
    outcome = plugins.collect_workflows()
    assert outcome.ok
    by_id = {w.id: w for w in outcome.value}
    assert set(by_id) == {"pin_unlock", "pin_change"}
    assert by_id["pin_unlock"].title() == "Khôi phục mật khẩu – mở khóa thiết bị"
    assert by_id["pin_unlock"].needs_token and by_id["pin_unlock"].pin_states == ()
    assert by_id["pin_change"].pin_states == ("ok", "count_low", "final_try")
    assert all(w.plugin == "pin_unlock" for w in outcome.value)


def test_hook_register_record_types(kiosk: Any) -> None:
    types = kiosk.store.record_types
    assert types.get(records.ATTEMPT) and types.get(records.REQUEST)
    with pytest.raises(InvalidData):
        kiosk.store.commit(records.ATTEMPT, None, {"action": "guess"}, "test")
    with pytest.raises(InvalidData) as caught:  # the store's own guard, defence in depth
        kiosk.store.commit(records.ATTEMPT, None, {"action": "unlock", "new_pin": "x"}, "test")
    assert "new_pin" in str(caught.value)


def test_hook_register_forms(kiosk: Any) -> None:
    assert FORM in kiosk.forms


def test_hook_register_catalogs(pin_plugin: str) -> None:
    assert LOCALE in plugins.collect_catalogs().value
    assert i18n.gettext("PIN recovery – unlock token") == "Khôi phục mật khẩu – mở khóa thiết bị"


class Listener:
    def __init__(self) -> None:
        self.back: list[str] = []
        self.gone: list[str] = []

    def token_came_back(self, token: Any) -> None:
        self.back.append(token.serial)

    def token_went_away(self, serial: str) -> None:
        self.gone.append(serial)


def test_hook_token_inserted_and_token_removed(pin_plugin: str, desk: Desk) -> None:
    listener = Listener()
    live.listen(listener)
    try:
        assert plugins.notify_token_removed(desk.token.serial).ok
        assert plugins.notify_token_inserted(desk.info()).ok
    finally:
        live.forget(listener)
    assert listener.gone == [desk.token.serial] and listener.back == [desk.token.serial]
    assert plugins.notify_token_removed("x").ok  # forgotten: nobody is told


@pytest.mark.cups
def test_receipt_is_archived_then_printed(kiosk: Any, desk: Desk, cups_printer: Any) -> None:
    from dataclasses import replace

    ctx = desk.context()
    ctx = replace(ctx, settings=replace(ctx.settings, printer=cups_printer.name, print_copies=2))
    service = PinService(ctx)
    token = service.read(desk.token.serial)
    outcome = service.unlock(token, service.holder(token), IdentityCheck("national_id"), Secret("13579135"),
                             Secret("582039"), Secret("582039"))
    assert outcome.ok and outcome.print_error is None and outcome.print_job is not None
    assert "PHIẾU XÁC NHẬN" in pdf_text(outcome.receipt)  # the kiosk's copy keeps its text layer
    printed = cups_printer.wait_for_output(outcome.print_job)
    assert cups_printer.page_count(printed) == 2  # one page, two copies
