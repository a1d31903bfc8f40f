"""The example plugin's own tests: real SoftHSM2 tokens read by the kiosk's token
worker, the kiosk app under Pilot, the delivery list as an office sends it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import helpdesk_inventory.plugin as plugin
import pytest
from helpdesk_inventory.delivery import DeliveryListError, read_delivery_list
from helpdesk_inventory.screen import InventoryScreen
from openpyxl import Workbook
from textual.widgets import Input

from helpdesk.testing.cli import run_cli
from helpdesk.testing.fixtures_e2e import log_in, wait_until
from helpdesk.testing.kit import TrackerTokenInserted
from helpdesk.testing.pdftools import pdf_text

PLUGIN_FILE = str(Path(plugin.__file__).parent)


def delivery_list(path: Path, serials: list[str]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH BÀN GIAO THIẾT BỊ"])  # a title row above the header, as offices write it
    sheet.append(["STT", "Họ và tên", "Số serial"])
    for n, serial in enumerate(serials, 1):
        sheet.append([n, f"Nguyễn Văn {n}", serial.lower()])
    book.save(path)
    return path


def test_reading_a_delivery_list(tmp_path: Path) -> None:
    listed = read_delivery_list(delivery_list(tmp_path / "ds.xlsx", ["AB12", "CD34"]))
    assert listed == {"AB12": "Nguyễn Văn 1", "CD34": "Nguyễn Văn 2"}
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DeliveryListError, match="No column"):
        read_delivery_list(tmp_path / "bad.csv")
    (tmp_path / "fake.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(DeliveryListError, match="Cannot read"):
        read_delivery_list(tmp_path / "fake.xlsx")


def test_compare_from_the_command_line(tmp_path: Path, helpdesk_home: Path) -> None:
    path = delivery_list(tmp_path / "ds.xlsx", ["AB12", "CD34", "EF56"])
    done = run_cli("inventory", "compare", "--list", str(path), "--serials", "ab12, EF56,ZZ99", "--save", "--json",
                   env={"HELPDESK_PLUGINS": PLUGIN_FILE})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["missing"], result["extra"], result["number"]) == (["CD34"], ["ZZ99"], "1/KK-SNV")
    bad = run_cli("--lang", "en", "inventory", "compare", "--list", str(tmp_path / "nope.xlsx"), "--serials", "A",
                  env={"HELPDESK_PLUGINS": PLUGIN_FILE})
    assert bad.returncode == 2 and "Cannot read the delivery list" in bad.stderr


async def test_a_box_counted_on_the_kiosk(kiosk_app: Any, make_operator: Any, register_plugin: Any, softhsm: Any,
                                         token_worker: Any, kiosk_store: Any, kiosk_settings: Any,
                                         tmp_path: Path) -> None:
    """Tokens are real SoftHSM2 tokens read by the worker; their insert events are fed
    where the PC/SC tracker feeds them (``handle_token_event``)."""
    register_plugin(plugin, "inventory")
    tokens = [softhsm.create_token(label=f"Hộp {n}") for n in range(2)]
    listed = delivery_list(tmp_path / "ds.xlsx", [tokens[0].serial, "FFFF0001"])
    make_operator()
    app = kiosk_app(worker=token_worker)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot)
        app.open_workflow("inventory")
        await wait_until(pilot, lambda: isinstance(app.screen, InventoryScreen) and app.screen.query("#list"),
                         what="the workflow")
        screen = app.screen
        assert isinstance(screen, InventoryScreen)
        for token in tokens:
            info = token_worker.identify(token.serial).result(timeout=30)
            app.handle_token_event(TrackerTokenInserted(info))
        await wait_until(pilot, lambda: "2 thiết bị" in str(screen.query_one("#seen").render()),
                         what="both tokens counted")
        screen.query_one("#list", Input).value = str(listed)
        await pilot.press("f9")
        await wait_until(pilot, lambda: "1/KK-SNV" in screen.status_text, timeout=30, what="the saved count")
        assert "thiếu 1, thừa 1" in screen.status_text
    (record,) = kiosk_store.records(plugin.RECORD_TYPE)
    assert record.payload["missing"] == ["FFFF0001"] and record.payload["extra"] == [tokens[1].serial.upper()]
    (archived,) = kiosk_settings.archive_dir.rglob("inventory-*.pdf")
    text = pdf_text(archived)
    assert "BIÊN BẢN KIỂM KÊ THIẾT BỊ LƯU KHÓA BÍ MẬT" in text and "FFFF0001" in text
