"""Handover throughput and roster import speed, with baselines measured in the same run.

1. Roster import of 100,000 rows from .csv and .xlsx (parse + check + write units and
   subscribers), against raw ``csv.reader`` / openpyxl read-only iteration of the same file.
   Goals: csv <= 3 s, xlsx <= 15 s.
2. 1,000 handovers (commit with a fresh number + PDF render + archive, no printing) on a
   store holding that roster and 10,000 earlier handover records. Goal >= 20 handovers/s.
   Baseline: the same page drawn with a bare ReportLab canvas (same fonts, same text).

Run: ``.venv/bin/python benchmarks/handover.py [--handovers N] [--roster N]``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

from helpdesk_handover import form, plugin
from helpdesk_handover.record import Draft, Giver, build_payload, commit_handovers
from helpdesk_handover.roster import import_roster, read_roster

from helpdesk.config import Organisation, Settings
from helpdesk.extension import OperatorRef, WorkflowContext
from helpdesk.forms import FormRegistry
from helpdesk.store import Record, Store, open_store
from helpdesk.testing.fixtures_store import make_roster
from helpdesk.tokens.model import CertInfo, Name, TokenFlags, TokenInfo

HEADERS = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị", "Số định danh cá nhân", "Email công vụ",
           "Điện thoại", "Loại chứng thư", "Số hiệu thiết bị", "Số hiệu chứng thư"]
UNITS = {"snv": "Sở Nội vụ", "stc": "Sở Tài chính", "q-ninhkieu": "UBND quận Ninh Kiều",
         "p-anhoi": "UBND phường An Hội", "p-tanan": "UBND phường Tân An",
         "tt-luutru": "Trung tâm Lưu trữ lịch sử", "hoi-chuthapdo": "Hội Chữ thập đỏ thành phố"}
ORG = Organisation()
T = TypeVar("T")


def rows(n: int) -> list[list[object]]:
    out: list[list[object]] = []
    for i, r in enumerate(make_roster(n), 1):
        y, m, d = r["date_of_birth"].split("-")
        out.append([i, r["full_name"], f"{d}/{m}/{y}", r["position"], UNITS[r["unit_id"]], r["national_id"],
                    r["email"], r["phone"], r["cert_kind"], r["token_serial"], r["cert_serial"]])
    return out


def write_files(folder: Path, data: list[list[object]]) -> tuple[Path, Path]:
    from openpyxl import Workbook

    csv_path = folder / "roster.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(data)
    csv_path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách")
    sheet.append(HEADERS)
    for row in data:
        sheet.append(row)
    xlsx_path = folder / "roster.xlsx"
    book.save(xlsx_path)
    return csv_path, xlsx_path


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def new_store(folder: Path) -> Store:
    store = open_store(folder, "bench")
    plugin.helpdesk_register_record_types(store.register_record_type)
    return store


def token_for(serial: str, name: str, n: int) -> TokenInfo:
    now = datetime.now(timezone.utc)
    cert = CertInfo(label=name, key_id="01", subject=Name(f"CN={name}", {"CN": name, "O": "Sở Nội vụ"}),
                    issuer=Name("CN=CA", {"CN": "CA"}), serial=f"{0x5403_0000_0000 + n:X}",
                    not_before=now - timedelta(days=1), not_after=now + timedelta(days=1095),
                    fingerprint_sha256="ab" * 32, has_private_key=None, key_matches=True)
    return TokenInfo(serial=serial, label="VGCA Token", manufacturer="Bit4id", model="TokenME EVO v2",
                     module="vendor", flags=TokenFlags(token_initialized=True), certificates=(cert,))


def draft(store: Store, n: int) -> Draft:
    serial = f"TK{n:08d}"
    holder = store.subscribers.by_token_serial(serial)
    assert holder is not None
    token = token_for(serial, holder.full_name, n)
    unit = store.units.get(holder.unit_id) if holder.unit_id else None
    return Draft(holder, unit, token, token.certificates[0], "typed")


def baseline_page(text: str) -> bytes:
    """The same words on an A4 page with a bare canvas: the floor for any Decree-30 layout."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from helpdesk.forms import register_fonts

    fonts = register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    y = 800.0
    for i, line in enumerate(text.splitlines()):
        canvas.setFont((fonts.regular, fonts.bold, fonts.italic)[i % 3], 12)
        canvas.drawString(85, y, line)
        y -= 15
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=10_000)
    parser.add_argument("--handovers", type=int, default=1_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-handover-"))
    data = rows(args.roster)
    csv_path, xlsx_path = write_files(root, data)
    print(f"== roster import, {args.roster:,} rows")

    raw_csv, _ = timed(lambda: sum(1 for _ in csv.reader(io.StringIO(csv_path.read_text("utf-8-sig")))))
    t_check, report = timed(lambda: read_roster(csv_path))
    assert report.ok, report.lines()[:5]
    store = new_store(root / "csv-store")
    t_csv, report = timed(lambda: import_roster(store, csv_path, "bench"))
    assert report.imported == args.roster
    print(f"csv : import {t_csv:6.2f} s (goal <= 3 s)  = parse+check {t_check:5.2f} s + store write "
          f"{t_csv - t_check:5.2f} s;  raw csv.reader {raw_csv:5.2f} s  ratio import/raw {t_csv / raw_csv:5.1f}x")

    def raw_xlsx() -> int:  # the bare read by the library the roster reads with
        from python_calamine import CalamineWorkbook

        return len(CalamineWorkbook.from_path(str(xlsx_path)).get_sheet_by_index(0).to_python())

    t_raw_xlsx, _ = timed(raw_xlsx)
    other = new_store(root / "xlsx-store")
    t_xlsx, report = timed(lambda: import_roster(other, xlsx_path, "bench"))
    assert report.imported == args.roster
    other.close()
    print(f"xlsx: import {t_xlsx:6.2f} s;  bare python-calamine read {t_raw_xlsx:5.2f} s  "
          f"ratio {t_xlsx / t_raw_xlsx:5.1f}x  (medians and goals: benchmarks/roster.py)")

    # -- 10k earlier handovers, then the measured ones ------------------------------------
    settings = dataclasses.replace(Settings(home=root / "home"), kiosk_id="bench")
    giver = Giver("bench", "Trần Văn Bình", "Chuyên viên", "Sở Nội vụ")
    forms = FormRegistry()
    plugin.helpdesk_register_forms(forms.register)
    ctx = WorkflowContext(token=None, settings=settings, store=store, worker=None,  # type: ignore[arg-type]
                          operator=OperatorRef("bench", "Bench", "operator"), form_registry=forms)
    t_seed = time.perf_counter()
    year, day = datetime.now().year, datetime.now().date()
    n = 0
    while n < args.existing:
        items = []
        for _ in range(min(500, args.existing - n)):
            n += 1
            d = draft(store, n)
            payload = build_payload(d, giver, number=f"{n}/BB-{ORG.code}", year=year, seq=n, day=day)
            items.append(("handover", {"subscriber_id": d.holder.id, "token_serial": d.token.serial,
                                       "cert_serial": d.certificate.serial}, payload, "bench"))
        store.commit_many(items)
    print(f"== {args.existing:,} earlier handover records written in {time.perf_counter() - t_seed:.1f} s")

    drafts = [draft(store, args.existing + i) for i in range(1, args.handovers + 1)]
    t_commit = t_render = t_archive = 0.0
    start = time.perf_counter()
    last = None
    for d in drafts:
        a = time.perf_counter()
        records = commit_handovers(ctx, [d], giver)
        b = time.perf_counter()
        pdf = ctx.forms.render(form.FORM_NAME, records)
        c = time.perf_counter()
        ctx.archive(pdf, "handover", records[0].id)
        t_commit, t_render, t_archive = t_commit + b - a, t_render + c - b, t_archive + time.perf_counter() - c
        last = records[0]
    total = time.perf_counter() - start
    # the earlier records were numbered without the store's counter: the new ones continue above them
    assert last is not None and last.payload["seq"] == args.existing + args.handovers
    k = args.handovers
    print(f"== {k:,} handovers (commit + PDF + archive, no printing)")
    print(f"rate {k / total:6.1f} handovers/s (goal >= 20)  total {total:6.1f} s;  per handover: commit "
          f"{t_commit / k * 1000:5.1f} ms, render {t_render / k * 1000:5.1f} ms, archive {t_archive / k * 1000:5.1f} ms")

    from helpdesk.testing.pdftools import pdf_text

    page_text = pdf_text(form.build_form(ORG, [last]).render())
    t_base, _ = timed(lambda: [baseline_page(page_text) for _ in range(50)])
    t_form, _ = timed(lambda: [form.build_form(ORG, [last]).render() for _ in range(50)])
    t_noqr, _ = timed(lambda: [_unsealed(last) for _ in range(50)])
    print(f"render: handover form {t_form / 50 * 1000:5.1f} ms, same form without the QR seal "
          f"{t_noqr / 50 * 1000:5.1f} ms, bare canvas baseline {t_base / 50 * 1000:5.1f} ms;  "
          f"ratio form/baseline {t_form / t_base:4.1f}x")
    store.close()
    sys.stdout.flush()


def _unsealed(record: Record) -> bytes:
    doc = form.build_form(ORG, [record])
    doc.seal = None
    return doc.render()


if __name__ == "__main__":
    main()
