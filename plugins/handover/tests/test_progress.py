"""Progress (rows done / total, time left) and cancel, for roster import and handover export —
through the API, on the CLI (a bar only on a terminal) and on screen (Textual ProgressBar, F8)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from handover_kit import OPERATOR, roster_row, sample_draft, wait_until, write_csv
from helpdesk_handover import roster as roster_module
from helpdesk_handover.export import export_xlsx, safe
from helpdesk_handover.history import handovers
from helpdesk_handover.progress import Cancelled, Progress
from helpdesk_handover.record import Giver, commit_handovers
from helpdesk_handover.roster import import_roster
from helpdesk_handover.screens.history import HistoryScreen
from helpdesk_handover.screens.roster import RosterScreen

from helpdesk.extension import command_context
from helpdesk.testing.host import ScreenHost, type_text
from helpdesk.testing.kit import Kiosk, cli, load_settings, open_store


def big_roster(path: Path, count: int) -> Path:
    return write_csv(path, [roster_row(f"Nguyễn Văn {chr(65 + i % 26)}", f"0921{i:08d}", "Sở Nội vụ", f"TK-{i}")
                            for i in range(count)])


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_module, "CHUNK", 10)


def test_import_reports_rows_done_and_a_cancel_writes_nothing(tmp_path: Path, kiosk: Kiosk,
                                                              small_chunks: None) -> None:
    path = big_roster(tmp_path / "ds.csv", 45)
    seen: list[tuple[int, int]] = []
    report = import_roster(kiosk.store, path, "op", progress=Progress(lambda d, t: seen.append((d, t))))
    assert report.imported == 45
    assert seen == [(0, 45), (10, 45), (20, 45), (30, 45), (40, 45), (45, 45)]

    other = big_roster(tmp_path / "ds2.csv", 45)
    with other.open("r+", encoding="utf-8") as f:  # new people
        text = f.read().replace("0921", "0922").replace("TK-", "TX-")
        f.seek(0)
        f.write(text)
    before = (len(kiosk.store.subscribers), len(kiosk.store.units), kiosk.store.audit.head())
    cancel = threading.Event()

    def report_then_cancel(done: int, total: int) -> None:
        if done >= 20:
            cancel.set()  # the operator pressed F8 (or Ctrl-C) half-way

    with pytest.raises(Cancelled) as info:
        import_roster(kiosk.store, other, "op", progress=Progress(report_then_cancel, cancel,
                                                                  "Cancelled: nothing was imported"))
    assert info.value.localized() == "Đã hủy: chưa nhập dòng nào" and info.value.exit_code == 130
    assert (len(kiosk.store.subscribers), len(kiosk.store.units), kiosk.store.audit.head()) == before


def committed(count: int) -> None:
    with command_context(OPERATOR.id) as ctx:
        giver = Giver.from_settings(ctx.settings, OPERATOR.id, OPERATOR.name)
        for i in range(1, count + 1):
            commit_handovers(ctx, [sample_draft(ctx.store, i)], giver)


def test_export_reports_progress_and_a_cancel_leaves_no_file(tmp_path: Path, handover_plugin: str) -> None:
    committed(3)
    settings = load_settings()
    with open_store(settings.data_dir, settings.kiosk_id, read_only=True) as store:
        entries = handovers(store)
    seen: list[tuple[int, int]] = []
    out = tmp_path / "x" / "bg.xlsx"
    assert export_xlsx(entries, out, Progress(lambda d, t: seen.append((d, t)))) == 3
    assert seen[0] == (0, 3) and seen[-1] == (3, 3) and out.exists()
    cancel = threading.Event()
    cancel.set()
    other = tmp_path / "x" / "cancelled.xlsx"
    with pytest.raises(Cancelled):
        export_xlsx(entries, other, Progress(None, cancel, "Cancelled: no file was written"))
    assert sorted(p.name for p in other.parent.iterdir()) == ["bg.xlsx"]  # no half file, no temporary left


def test_exported_cells_that_look_like_formulas_are_text(tmp_path: Path, handover_plugin: str) -> None:
    from openpyxl import load_workbook

    with command_context(OPERATOR.id) as ctx:
        ctx.store.units.add({"id": "snv", "name": "@Sở Nội vụ", "level": "so_ban_nganh"}, "test")
        ctx.store.subscribers.add({"full_name": '=HYPERLINK("http://x.invalid","Bấm vào")',
                                   "national_id": "092186000001", "unit_id": "snv", "position": "+Trưởng phòng",
                                   "email": "nv1@cantho.gov.vn", "token_serial": "TK000001"}, "test")
        commit_handovers(ctx, [sample_draft(ctx.store, 1)], Giver.from_settings(ctx.settings, OPERATOR.id,
                                                                                 "-Người giao"))
    out = tmp_path / "bg.xlsx"
    result = CliRunner().invoke(cli, ["handover", "export", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    assert sheet is not None
    row = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert row["Họ và tên"].value == "'" + '=HYPERLINK("http://x.invalid","Bấm vào")'
    assert row["Chức vụ"].value == "'+Trưởng phòng" and row["Người giao"].value == "'-Người giao"
    assert all(cell.data_type == "s" for cell in row.values() if isinstance(cell.value, str))  # no formula
    assert [safe(v) for v in ("=1+1", "+1", "-1", "@A1", "Sở", 5, None)] == [
        "'=1+1", "'+1", "'-1", "'@A1", "Sở", 5, None]


def read_pty(fd: int, process: subprocess.Popen[bytes]) -> str:
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    process.wait(timeout=60)
    return out.decode(errors="replace")


def test_cli_draws_a_bar_on_a_terminal_only(tmp_path: Path, handover_plugin: str) -> None:
    path = big_roster(tmp_path / "ds.csv", 30_000)
    primary, secondary = pty.openpty()
    helpdesk = str(Path(sys.executable).with_name("helpdesk"))
    process = subprocess.Popen([helpdesk, "roster", "import", "--check", str(path)], stdout=secondary,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    os.close(secondary)
    try:
        shown = read_pty(primary, process)
    finally:
        os.close(primary)
    assert process.returncode == 0, shown
    assert "Kiểm tra các dòng" in shown and "30000/30000" in shown and "100%" in shown  # label, rows, done
    piped = subprocess.run([helpdesk, "roster", "import", "--check", str(path)], capture_output=True, text=True,
                           timeout=120)
    assert piped.returncode == 0 and "Kiểm tra các dòng" not in piped.stdout + piped.stderr


async def test_roster_screen_shows_progress_and_f8_cancels(tmp_path: Path, kiosk: Kiosk, small_chunks: None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = big_roster(tmp_path / "ds.csv", 95)
    started, go = threading.Event(), threading.Event()
    chunk = roster_module._Checker.chunk

    def held(self: Any, rows: Any, first: int) -> None:
        if first > 40:  # half-way: wait for the operator
            started.set()
            go.wait(30)
        chunk(self, rows, first)

    monkeypatch.setattr(roster_module._Checker, "chunk", held)
    screen = RosterScreen(kiosk.context(OPERATOR, None))
    async with ScreenHost(screen).run_test(size=(120, 40)) as pilot:
        await type_text(pilot, str(path))
        await pilot.press("f9")
        await wait_until(pilot, started.is_set)
        await wait_until(pilot, lambda: screen.progress_bar.display and screen.progress_bar.total == 95)
        assert screen.progress_bar.progress == 40
        await pilot.press("f8")
        go.set()
        await wait_until(pilot, lambda: "Đã hủy: chưa nhập dòng nào" in screen.status_text)
        assert len(kiosk.store.subscribers) == 0 and len(kiosk.store.units) == 0
        monkeypatch.setattr(roster_module._Checker, "chunk", chunk)
        await pilot.press("f9")  # again, to the end
        await wait_until(pilot, lambda: "đã nhập 95 dòng" in screen.status_text)
        assert screen.progress_bar.total == 95 and screen.progress_bar.progress == 95
    assert len(kiosk.store.subscribers) == 95


async def test_history_export_shows_progress(tmp_path: Path, kiosk: Kiosk) -> None:
    giver = Giver("op", "Trần Văn Bình", "Chuyên viên", "Sở Nội vụ")
    ctx = kiosk.context(OPERATOR, None)
    for i in range(1, 4):
        commit_handovers(ctx, [sample_draft(kiosk.store, i)], giver)
    screen = HistoryScreen(ctx)
    async with ScreenHost(screen).run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(screen.entries) == 3)
        await pilot.press("f7")
        await wait_until(pilot, lambda: ".xlsx" in screen.status_text)
        assert screen.progress_bar.display and screen.progress_bar.total == 3 and screen.progress_bar.progress == 3


def test_roster_export_reads_back_as_it_was_imported(tmp_path: Path, handover_plugin: str) -> None:
    from helpdesk_handover.roster import read_roster
    from openpyxl import load_workbook

    source = write_csv(tmp_path / "ds.csv", [
        roster_row("Nguyễn Thị Ánh Tuyết", "012186001234", "UBND phường Tân An", "TK-1", phone="0912345678"),
        roster_row("-Phạm Quốc Việt", "092186004321", "Sở Nội vụ", "TK-2", kind="Tổ chức"),
    ])
    runner = CliRunner()
    assert runner.invoke(cli, ["roster", "import", str(source)], catch_exceptions=False).exit_code == 0
    out = tmp_path / "xuat" / "mau01.xlsx"
    result = runner.invoke(cli, ["roster", "export", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and "Đã ghi 2 thuê bao" in result.output
    sheet = load_workbook(out).active
    assert sheet is not None
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    assert cells["'-Phạm Quốc Việt"][6].value == "092186004321"  # escaped name; ID kept as text
    assert cells["Nguyễn Thị Ánh Tuyết"][6].value == "012186001234" and cells["Nguyễn Thị Ánh Tuyết"][6].data_type == "s"
    again, original = read_roster(out), read_roster(source)
    assert again.ok and original.ok
    keys = ("national_id", "unit", "position", "date_of_birth", "email", "phone", "cert_kind", "token_serial")
    assert sorted(tuple(r[k] for k in keys) for r in again.rows) == sorted(
        tuple(r[k] for k in keys) for r in original.rows)
    result = runner.invoke(cli, ["roster", "export", str(out), "--unit", "tan an"], catch_exceptions=False)
    assert "Đã ghi 1 thuê bao" in result.output


async def test_roster_screen_exports_the_roster_with_progress(tmp_path: Path, kiosk: Kiosk) -> None:
    from openpyxl import load_workbook

    import_roster(kiosk.store, big_roster(tmp_path / "ds.csv", 1200), "op")
    screen = RosterScreen(kiosk.context(OPERATOR, None))
    async with ScreenHost(screen).run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await wait_until(pilot, lambda: "Đã ghi 1200 thuê bao" in screen.status_text)
        assert screen.progress_bar.display and screen.progress_bar.total == 1200
        assert screen.progress_bar.progress == 1200
    [written] = (kiosk.settings.home / "exports").glob("danh-sach-*.xlsx")
    sheet = load_workbook(written).active
    assert sheet is not None and sheet.max_row == 1201
