"""Roster import speed and memory, each figure against a bare read of the same file in the same run.

Files: a 100k-row roster as an office writes it —
- ``.xlsx``: shared strings, cell styles (bold header, borders, a date number format),
  dates of birth as date cells, ID numbers as text, and a merged title row above the
  header (written by XlsxWriter, which lays the parts out as Excel does — openpyxl would
  write every text inline, which no office suite does);
- ``.csv``: UTF-8 with BOM, CR LF line ends, quoted where needed (Excel's "CSV UTF-8").

Each run, in this order: the bare read (python-calamine ``to_python()`` of the sheet; ``list(csv.reader(...))``
of the file), then ``import_roster`` into a fresh store (read, check, write units and subscribers).
Every measurement starts from a collected heap (``gc.collect()`` before the clock starts,
for the bare reads as for the imports): a closed store lingers until the cyclic collector
frees it, and would otherwise slow whichever measurement comes next.
Figures are medians of ``--runs`` runs (≥ 5), reported as ratios: the machine is shared.
Peak RSS: one import in a fresh process (``ru_maxrss``).

Goals: .xlsx import ≤ 2× calamine's bare read; .csv import ≤ 5× csv.reader; peak RSS ≤ 300 MB.

Run: ``.venv/bin/python benchmarks/roster.py [--rows N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import csv
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from helpdesk_handover import plugin
from helpdesk_handover.roster import import_roster, read_roster

from helpdesk.store import Store, open_store
from helpdesk.testing.fixtures_store import make_roster

HEADERS = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị", "Số định danh cá nhân", "Email công vụ",
           "Điện thoại", "Loại chứng thư", "Số hiệu thiết bị", "Số hiệu chứng thư"]
UNITS = {"snv": "Sở Nội vụ", "stc": "Sở Tài chính", "q-ninhkieu": "UBND quận Ninh Kiều",
         "p-anhoi": "UBND phường An Hội", "p-tanan": "UBND phường Tân An",
         "tt-luutru": "Trung tâm Lưu trữ lịch sử", "hoi-chuthapdo": "Hội Chữ thập đỏ thành phố"}
TITLE = "DANH SÁCH THUÊ BAO ĐỀ NGHỊ CẤP CHỨNG THƯ SỐ (Mẫu 01)"


def rows(n: int) -> list[list[object]]:
    out: list[list[object]] = []
    for i, r in enumerate(make_roster(n), 1):
        out.append([i, r["full_name"], date.fromisoformat(r["date_of_birth"]), r["position"], UNITS[r["unit_id"]],
                    r["national_id"], r["email"], r["phone"], r["cert_kind"], r["token_serial"], r["cert_serial"]])
    return out


def write_csv(path: Path, data: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)  # Excel's dialect: CR LF, quotes where needed
        writer.writerow(HEADERS)
        writer.writerows([[c.strftime("%d/%m/%Y") if isinstance(c, date) else c for c in r] for r in data])
    return path


def write_xlsx(path: Path, data: list[list[object]]) -> Path:
    """As Excel saves it (XlsxWriter lays a workbook out as Excel does): text in the shared
    strings table, a bold merged title row, a blank row, a bold shaded header, thin borders,
    dates of birth as date cells shown DD/MM/YYYY."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Mẫu 01")
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    cell = book.add_format({"border": 1})
    day = book.add_format({"border": 1, "num_format": "dd/mm/yyyy"})
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, TITLE, title)
    sheet.write_row(2, 0, HEADERS, header)
    for r, row in enumerate(data, 3):
        sheet.write_row(r, 0, row[:2], cell)
        sheet.write_datetime(r, 2, row[2], day)
        sheet.write_row(r, 3, row[3:], cell)
    book.close()
    return path


def new_store(folder: Path) -> Store:
    store = open_store(folder, "bench")
    plugin.helpdesk_register_record_types(store.register_record_type)
    return store


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` takes, from a collected heap: what an earlier measurement left (a closed
    store waits for the cyclic collector) is neither in the way nor collected on its time."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bare_xlsx(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())


def bare_csv(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return len(list(csv.reader(f)))


def peak_rss_mb(path: Path, folder: Path) -> float:
    """One import in a fresh process; its peak resident set (VmHWM: ru_maxrss of a forked
    child would still count the parent's pages)."""
    code = (f"import sys; from pathlib import Path; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            "import roster as b; s = b.new_store(Path(sys.argv[2])); "
            "r = b.import_roster(s, Path(sys.argv[1]), 'bench'); assert r.imported, r.lines()[:3]; "
            "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    done = subprocess.run([sys.executable, "-c", code, str(path), str(folder)], check=True, capture_output=True,
                          text=True)
    return int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    data = rows(args.rows)
    xlsx_path, csv_path = write_xlsx(root / "roster.xlsx", data), write_csv(root / "roster.csv", data)
    del data  # the rows the files were made from: not part of the work measured (nor of the collector's)
    print(f"== roster import, {args.rows:,} rows, median of {args.runs} runs "
          f"(.xlsx {xlsx_path.stat().st_size >> 10} KB, .csv {csv_path.stat().st_size >> 10} KB)")
    figures: dict[str, list[float]] = {k: [] for k in ("xlsx_bare", "xlsx_read", "xlsx", "csv_bare", "csv_read",
                                                       "csv")}
    for run in range(args.runs):
        figures["xlsx_bare"].append(timed(lambda: bare_xlsx(xlsx_path)))
        figures["xlsx_read"].append(timed(lambda: read_roster(xlsx_path)))  # read + check, no store
        store = new_store(root / f"x{run}")
        figures["xlsx"].append(timed(lambda: import_roster(store, xlsx_path, "bench")))  # noqa: B023 - called now
        assert len(store.subscribers) == args.rows
        store.close()
        figures["csv_bare"].append(timed(lambda: bare_csv(csv_path)))
        figures["csv_read"].append(timed(lambda: read_roster(csv_path)))
        store = new_store(root / f"c{run}")
        figures["csv"].append(timed(lambda: import_roster(store, csv_path, "bench")))  # noqa: B023 - called now
        assert len(store.subscribers) == args.rows
        store.close()
    med = {k: statistics.median(v) for k, v in figures.items()}
    ratios_x = [i / b for i, b in zip(figures["xlsx"], figures["xlsx_bare"], strict=True)]
    ratios_c = [i / b for i, b in zip(figures["csv"], figures["csv_bare"], strict=True)]
    print(f"xlsx: import {med['xlsx']:6.2f} s, calamine bare read {med['xlsx_bare']:5.2f} s; "
          f"ratio (median of per-run ratios) {statistics.median(ratios_x):4.2f}x  (goal <= 2x); "
          f"read+check alone {med['xlsx_read'] / med['xlsx_bare']:4.2f}x")
    print(f"csv : import {med['csv']:6.2f} s, csv.reader {med['csv_bare']:5.2f} s; "
          f"ratio {statistics.median(ratios_c):4.2f}x  (goal <= 5x); "
          f"read+check alone {med['csv_read'] / med['csv_bare']:4.2f}x (the rest is the store's write)")
    for kind, path in (("xlsx", xlsx_path), ("csv", csv_path)):
        print(f"peak RSS of one {kind} import (fresh process): {peak_rss_mb(path, root / f'rss-{kind}'):5.0f} MB "
              f"(goal <= 300 MB)")
    print(f"(files and stores in {root})")


if __name__ == "__main__":
    main()
