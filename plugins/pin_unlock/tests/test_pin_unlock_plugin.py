"""The plugin's hooks, its entry point, and the receipt printed through CUPS."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest
from helpdesk_pin_unlock import plugin, records
from helpdesk_pin_unlock.records import FORM
from helpdesk_pin_unlock.rules import IdentityCheck
from helpdesk_pin_unlock.service import PinService
from pin_unlock_kit import Desk

from helpdesk.extension import InvalidData, Secret, gettext
from helpdesk.testing.kit import collect_catalogs, collect_workflows
from helpdesk.testing.pdftools import pdf_text


def test_entry_point_names_the_plugin_module() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="helpdesk")}
    assert found["pin_unlock"] == "helpdesk_pin_unlock.plugin"


def test_hook_register_workflows(pin_plugin: str) -> None:
    outcome = collect_workflows()
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
    assert plugin.spec.locale in collect_catalogs().value
    assert gettext("PIN recovery – unlock token") == "Khôi phục mật khẩu – mở khóa thiết bị"


def test_plugin_module_is_a_spec_and_stays_light() -> None:
    """The hook module is data (a PluginSpec) and imports no screen, form or spreadsheet code."""
    import subprocess
    import sys

    code = ("import sys, helpdesk_pin_unlock.plugin as p; "
            "print(sorted(n for n in vars(p) if n.startswith('helpdesk_'))); "
            "print([m for m in ('textual', 'reportlab', 'openpyxl', 'helpdesk_pin_unlock.screens') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == str(["helpdesk_register_catalogs", "helpdesk_register_commands", "helpdesk_register_forms",
                          "helpdesk_register_record_types", "helpdesk_register_workflows"])
    assert out[1] == "[]"


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
