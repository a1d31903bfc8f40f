"""Renewal plugin: expiry sweep and list export, each beside a bare baseline in the same run.

1. Expiry sweep over a store holding 100,000 subscribers and 100,000 known certificates
   (one per subscriber, expiry dates spread over three years: 10,000 from handover
   records, 90,000 from the authority's delivery lists) plus 1,000 requests:
   ``due(ctx, 60)`` reads the handover index and the tables, keeps the latest
   certificate per holder and filters by date. Goal <= 1 s. The first sweep, which
   indexes the handover records once, is reported apart.
   Baseline: a bare list comprehension over the same 100,000 rows in memory comparing
   the expiry string with the cut-off (no store read, no per-holder step).
2. Export of one list of 5,000 renewal requests: numbered ``renewal.list`` record, the
   covering letter + Mẫu 04 list PDF (FormDocument), the .xlsx, the 5,000 requests marked
   submitted. Goal <= 5 s.
   Baseline: the same 5,000 rows drawn on a bare ReportLab canvas (same font, no table,
   no wrapping) plus an openpyxl write-only sheet — no store, no numbering, no audit.

Each line gives the wall-clock median and the process's CPU time (the cost without other
load on the machine). Run: ``.venv/bin/python benchmarks/renewal.py [--subscribers N]
[--requests N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from helpdesk_renewal import plugin, requests
from helpdesk_renewal.due import due
from helpdesk_renewal.lists import FORM_ID, MAU_04, build_form, cells, export
from helpdesk_renewal.model import DELIVERIES

from helpdesk.config import Settings
from helpdesk.extension import OperatorRef, WorkflowContext
from helpdesk.forms import FormRegistry
from helpdesk.store import open_store
from helpdesk.testing.fixtures_store import make_roster, make_units

T = TypeVar("T")
OPERATOR = OperatorRef("bench", "Benchmark", "admin")


CPU: list[float] = []  # process CPU seconds of the last timed() call: the cost without other load


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    CPU[:] = [time.process_time() - cpu]
    return time.perf_counter() - start, value


def context(root: Path) -> WorkflowContext:
    store = open_store(root / "store", "bench")
    store.register_record_type("renewal.list", plugin.validate_list, description="bench", owner="renewal")
    forms = FormRegistry()
    forms.register(FORM_ID, build_form)
    settings = dataclasses.replace(Settings(home=root / "home"), kiosk_id="bench")
    return WorkflowContext(token=None, settings=settings, store=store, worker=None,  # type: ignore[arg-type]
                           operator=OPERATOR, form_registry=forms)


def _handover(i: int, r: dict[str, Any], not_after: str, today: date) -> dict[str, Any]:
    return {
        "number": f"{i}/BB-SNV", "year": today.year, "seq": i, "date": today.isoformat(), "batch": None,
        "giver": {"operator_id": "bench", "name": "Benchmark", "position": "", "department": ""},
        "holder": {"subscriber_id": r["id"], "name": r["full_name"], "position": r["position"],
                   "unit_id": r["unit_id"] or "", "unit": r["unit_id"] or "", "national_id": r["national_id"],
                   "email": r["email"], "cert_kind": r["cert_kind"]},
        "recipient": {"kind": "holder"}, "identity": "typed",
        "device": {"serial": r["token_serial"], "label": "", "manufacturer": "", "model": ""},
        "certificate": {"serial": r["cert_serial"], "subject": "", "common_name": r["full_name"], "issuer": "",
                        "not_before": "2024-01-01T00:00:00Z", "not_after": not_after, "fingerprint_sha256": ""},
        "failed_checks": [], "override": None,
    }


def fill_sweep(ctx: WorkflowContext, n: int, handovers: int) -> list[dict[str, Any]]:
    """``n`` subscribers, each with one certificate: the first ``handovers`` known from
    handover records, the rest from the authority's delivery lists."""
    from helpdesk_handover import plugin as handover_plugin

    handover_plugin.helpdesk_register_record_types(ctx.store.register_record_type)
    roster = make_roster(n)
    ctx.store.units.add_many(make_units(), OPERATOR.id)
    ctx.store.add_subscribers(roster, OPERATOR.id)
    today = date.today()
    certs: dict[str, dict[str, Any]] = {}
    batch: list[tuple[str, Any, dict[str, Any], str]] = []
    for i, r in enumerate(roster):
        end = f"{(today + timedelta(days=(i * 37) % 1095 - 30)).isoformat()}T23:59:59Z"
        if i < handovers:
            subject = {"subscriber_id": r["id"], "token_serial": r["token_serial"], "cert_serial": r["cert_serial"]}
            batch.append(("handover", subject, _handover(i + 1, r, end, today), OPERATOR.id))
            if len(batch) == 500:
                ctx.store.commit_many(batch)
                batch = []
        else:
            certs[r["cert_serial"]] = {"cert_serial": r["cert_serial"], "not_after": end, "name": r["full_name"],
                                       "national_id": r["national_id"], "unit_id": r["unit_id"] or "",
                                       "unit": r["unit_id"] or "", "token_serial": r["token_serial"],
                                       "request_id": "", "source": "bench", "line": i + 2}
    if batch:
        ctx.store.commit_many(batch)
    ctx.table(DELIVERIES).put_many(certs, OPERATOR.id)
    return [{"not_after": _handover(0, r, f"{(today + timedelta(days=(i * 37) % 1095 - 30)).isoformat()}T23:59:59Z",
                                    today)["certificate"]["not_after"]} for i, r in enumerate(roster)]


def fill_requests(ctx: WorkflowContext, n: int, offset: int = 0, type_: str = "renew") -> None:
    roster = make_roster(n + offset, seed=7)[offset:]
    rows = [requests.build(ctx, type_, "person", {
        "name": r["full_name"], "position": r["position"], "unit": f"Đơn vị {i % 40:02d}",
        "national_id": r["national_id"].rjust(12, "0"), "email": r["email"], "phone": r["phone"],
        "cert_serial": r["cert_serial"]}, "expiring" if type_ == "renew" else "") for i, r in enumerate(roster)]
    requests.table(ctx).put_many({row["id"]: row for row in rows}, OPERATOR.id)


def bare_pdf_and_xlsx(rows: list[list[str]]) -> tuple[bytes, bytes]:
    """The rows drawn with a bare ReportLab canvas (one ``drawString`` per cell, 11 pt, the
    same font, 45 rows a page, no wrapping, no grid) and an openpyxl write-only sheet."""
    from openpyxl import Workbook
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from helpdesk.forms import register_fonts

    fonts = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    xs = [85 + 62 * i for i in range(len(MAU_04))]
    for start in range(0, len(rows), 45):
        canvas.setFont(fonts.regular, 11)
        for n, row in enumerate(rows[start:start + 45]):
            y = 780 - 16 * n
            for x, cell in zip(xs, row, strict=False):
                canvas.drawString(x, y, cell[:14])
        canvas.showPage()
    canvas.save()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Mẫu 04")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return buffer.getvalue(), out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--handovers", type=int, default=10_000, help="of the certificates, known from handovers")
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ctx = context(root)
        print(f"setting up {args.subscribers:,} subscribers and certificates …", flush=True)
        certs = fill_sweep(ctx, args.subscribers, min(args.handovers, args.subscribers))
        fill_requests(ctx, 1_000, offset=args.subscribers, type_="new")  # other requests in the table
        today = date.today()
        cold, _found = timed(lambda: due(ctx, 60, today=today))
        print(f"first sweep (indexes {min(args.handovers, args.subscribers):,} handover records once): "
              f"{cold:.2f} s", flush=True)
        cutoff = (today + timedelta(days=60)).isoformat()
        sweep_times, bare_times, sweep_cpu = [], [], []
        found: list[Any] = []
        for _ in range(args.rounds):
            seconds, found = timed(lambda: due(ctx, 60, today=today))
            sweep_times.append(seconds)
            sweep_cpu.append(CPU[0])
            seconds, _bare = timed(lambda: [c for c in certs if c["not_after"][:10] <= cutoff])
            bare_times.append(seconds)
        sweep, bare = statistics.median(sweep_times), statistics.median(bare_times)
        print(f"expiry sweep, {args.subscribers:,} certificates: {sweep * 1000:.0f} ms median "
              f"(CPU {statistics.median(sweep_cpu) * 1000:.0f} ms) "
              f"({len(found):,} due) · bare filter {bare * 1000:.1f} ms · ratio {sweep / bare:.0f}x · "
              f"goal <= 1000 ms: {'ok' if sweep <= 1.0 else 'MISSED'}")

        export_times, base_times, export_cpu = [], [], []
        for round_ in range(max(1, args.rounds // 2)):
            fill_requests(ctx, args.requests, offset=args.subscribers + 1_000 + round_ * args.requests)
            seconds, done = timed(lambda: export(ctx, "renew"))
            export_times.append(seconds)
            export_cpu.append(CPU[0])
            rows = [cells("renew", r, i, "Cần Thơ") for i, r in enumerate(done.record.payload["rows"], 1)]
            seconds, _files = timed(lambda rows=rows: bare_pdf_and_xlsx(rows))  # type: ignore[misc]
            base_times.append(seconds)
        spent, base = statistics.median(export_times), statistics.median(base_times)
        print(f"list export, {args.requests:,} requests: {spent:.2f} s median (CPU "
              f"{statistics.median(export_cpu):.2f} s; {len(done.pdf) // 1024} kB PDF) · "
              f"bare canvas + openpyxl {base:.2f} s · ratio {spent / base:.1f}x · "
              f"goal <= 5 s: {'ok' if spent <= 5.0 else 'MISSED'}")
        ctx.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
