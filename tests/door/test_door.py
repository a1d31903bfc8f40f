"""The door's acceptance: a plugin written only from docs/plugins.md adds a workflow,
a record another plugin's validate hook refuses (the message on screen), then valid
records numbered "Số: 1/GN-…", "Số: 2/GN-…", rendered through the form registry and
printed to the cups-pdf queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import door_plugin
import pytest
from textual.widgets import Input

from helpdesk import hookimpl
from helpdesk.extension import Problem, RecordDraft
from helpdesk.testing.cups import PdfPrinter
from helpdesk.testing.fixtures_e2e import log_in, wait_until
from helpdesk.testing.kit import Settings, load_settings
from helpdesk.testing.pdftools import pdf_text

pytestmark = pytest.mark.cups


class Guard:
    """Another plugin: refuses returns whose note says the token is damaged."""

    @hookimpl
    def helpdesk_validate_record(self, record: RecordDraft) -> list[Problem]:
        if record.type == door_plugin.RECORD_TYPE and "hỏng" in str(record.payload.get("note", "")):
            return [Problem("A damaged token goes to the issuer, not back to stock", field="note")]
        return []


@pytest.fixture
def kiosk_settings(helpdesk_home: Path, cups_printer: PdfPrinter) -> Settings:
    (helpdesk_home / "helpdesk.toml").write_text(f'printer = "{cups_printer.name}"\n', encoding="utf-8")
    return load_settings()


async def test_a_plugin_from_the_docs_validates_numbers_renders_and_prints(
        kiosk_app: Any, make_operator: Any, register_plugin: Any, kiosk_store: Any, cups_printer: PdfPrinter) -> None:
    register_plugin(door_plugin, "door")
    register_plugin(Guard(), "guard")
    make_operator()
    app = kiosk_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        menu = app.screen.query_one("WorkflowMenu")
        assert [w.title() for w in menu.workflows] == ["Nhận lại thiết bị"]  # on the menu
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, door_plugin.ReturnScreen) and app.screen.query("#note"),
                         what="the workflow")
        screen = app.screen
        assert isinstance(screen, door_plugin.ReturnScreen)

        screen.query_one("#note", Input).value = "Thiết bị hỏng vỏ"
        await pilot.press("f9")
        await wait_until(pilot, lambda: "đơn vị cấp" in screen.status_text or "issuer" in screen.status_text,
                         what="the refusal on screen")
        assert kiosk_store.records(door_plugin.RECORD_TYPE) == []  # nothing saved

        for expected in ("1/GN-SNV", "2/GN-SNV"):
            screen.query_one("#note", Input).value = "Cán bộ nghỉ hưu, trả lại thiết bị"
            await pilot.press("f9")
            await wait_until(pilot, lambda e=expected: f"Số: {e}" in screen.status_text, timeout=40,
                             what=f"number {expected}")
            assert "printed" in screen.status_text
            printed = screen.printed
            assert printed.job is not None and cups_printer.wait_for_output(printed.job, timeout=30)
            text = pdf_text(printed.path)
            assert f"Số: {expected}" in text and "GIẤY NHẬN LẠI THIẾT BỊ" in text
    records = kiosk_store.records(door_plugin.RECORD_TYPE)
    assert [r.payload["number"] for r in records] == ["1/GN-SNV", "2/GN-SNV"]
