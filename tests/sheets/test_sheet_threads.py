"""helpdesk.sheets runs the hostile-file scan of a sheet in a thread while calamine opens
the workbook in the caller's: what each of them raises must reach the caller as itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.sheets import Sheet, _check_zip
from helpdesk.testing.rosters import SHEET, handmade_xlsx, header_cells

HEADERS = ["Họ và tên", "Số định danh cá nhân", "Đơn vị"]


def test_an_interrupt_while_calamine_opens_stays_an_interrupt(tmp_path: Path) -> None:
    """Ctrl-C while the workbook opens stops the scan too (its budget is spent at once), and
    the caller sees the interrupt — not the scan's "zip bomb" that stopping it provokes."""
    path = handmade_xlsx(tmp_path / "r.xlsx", SHEET.format(doctype="", rows=header_cells(HEADERS)))
    discarded: list[object] = []

    def interrupted() -> object:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _check_zip(path, ".xlsx", Sheet([]), interrupted, discarded.append)
    assert discarded == []  # nothing was opened, nothing to close


def test_a_workbook_opened_before_the_scan_refuses_the_sheet_is_closed(tmp_path: Path) -> None:
    far = header_cells(HEADERS) + '<row r="2"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = handmade_xlsx(tmp_path / "r.xlsx", SHEET.format(doctype="", rows=far))
    book = object()
    discarded: list[object] = []
    with pytest.raises(Exception, match="1048576 rows"):
        _check_zip(path, ".xlsx", Sheet([]), lambda: book, discarded.append)
    assert discarded == [book]
