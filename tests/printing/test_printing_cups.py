"""Printing through a real CUPS scheduler and cups-pdf printer."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import time
import unicodedata
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from helpdesk.config import Settings, load_settings
from helpdesk.errors import PrintError
from helpdesk.forms.sample import MULTIPAGE_DEVICES, build_handover, sample_record
from helpdesk.printing import (
    PrintJob,
    archive_and_print,
    job_state,
    print_pdf,
    printer_state,
    wait_for_job,
)
from helpdesk.testing.cups import PdfPrinter
from helpdesk.testing.pdftools import pdf_page_count

pytestmark = pytest.mark.cups


def two_page_pdf(path: Path) -> Path:
    canvas = Canvas(str(path))
    for page in (1, 2):
        canvas.drawString(100, 700, f"page {page}")
        canvas.showPage()
    canvas.save()
    return path


def settings_for(printer: PdfPrinter, copies: int = 2) -> Settings:
    return dataclasses.replace(load_settings(), printer=printer.name, print_copies=copies)


def test_two_copies_of_two_pages(cups_printer: PdfPrinter, tmp_path: Path) -> None:
    job = print_pdf(two_page_pdf(tmp_path / "two.pdf"), cups_printer.name, copies=2, title="Thử in")
    assert re.fullmatch(re.escape(cups_printer.name) + r"-\d+", job.id)
    assert wait_for_job(job, timeout=60) == "completed"
    assert job_state(job) == "completed"
    out = cups_printer.wait_for_output(job)
    assert cups_printer.page_count(out) == 4  # 2 pages × 2 copies, laid out by the filters
    assert cups_printer.outputs(job) == [out]


def test_archive_then_print_a_sealed_form(cups_printer: PdfPrinter) -> None:
    settings = settings_for(cups_printer, copies=1)
    record = sample_record(MULTIPAGE_DEVICES)
    pdf = build_handover(settings.organisation, record).render()
    archived, job = archive_and_print(settings, "handover", record["id"], pdf)
    assert archived.read_bytes() == pdf
    assert archived.is_relative_to(settings.archive_dir)
    assert job.copies == 1 and job.title == f"handover {record['id']}"
    assert cups_printer.page_count(cups_printer.wait_for_output(job)) == pdf_page_count(pdf) == 2


def test_switched_off_printer_refuses_but_the_archive_stays(cups_printer: PdfPrinter) -> None:
    settings = settings_for(cups_printer)
    with cups_printer.switched_off():
        assert printer_state(cups_printer.name) == "disabled"
        with pytest.raises(PrintError) as caught:
            archive_and_print(settings, "handover", "r-off", b"%PDF-1.4\n")
    message = caught.value.localized()
    assert message.startswith(f"Máy in {cups_printer.name} đang tắt hoặc tạm dừng")
    archived = Path(str(caught.value.params["archived"]))
    assert archived.read_bytes() == b"%PDF-1.4\n"
    assert list(cups_printer.out_dir.iterdir()) == []
    assert printer_state(cups_printer.name) == "ok"


def test_printer_not_accepting_jobs(cups_printer: PdfPrinter, tmp_path: Path) -> None:
    with cups_printer.rejecting():
        assert printer_state(cups_printer.name) == "offline"
        with pytest.raises(PrintError) as caught:
            print_pdf(two_page_pdf(tmp_path / "a.pdf"), cups_printer.name, 1)
    assert (
        caught.value.localized()
        == f"Máy in {cups_printer.name} không nhận lệnh in; hãy kiểm tra máy in rồi in lại"
    )


def test_missing_printer(cups_daemon: object, tmp_path: Path) -> None:
    assert printer_state("helpdesk-no-such-printer") == "missing"
    with pytest.raises(PrintError) as caught:
        print_pdf(two_page_pdf(tmp_path / "a.pdf"), "helpdesk-no-such-printer", 1)
    assert "không có trong hệ thống in" in caught.value.localized()


def test_job_states_pending_cancelled_unknown(cups_printer: PdfPrinter, tmp_path: Path) -> None:
    """Queue a job on a stopped printer with plain lp (print_pdf would refuse), then cancel it."""
    pdf = two_page_pdf(tmp_path / "a.pdf")
    with cups_printer.switched_off():
        out = subprocess.run(
            ["lp", "-d", cups_printer.name, str(pdf)],
            capture_output=True,
            text=True,
            check=True,
            env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        ).stdout
        job = PrintJob(id=out.split()[3], printer=cups_printer.name, copies=1, path=pdf, title="a")
        assert job_state(job) == "pending"
        started = time.monotonic()
        assert wait_for_job(job, timeout=0.6, poll=0.1) == "pending"
        assert 0.5 < time.monotonic() - started < 5
        assert wait_for_job(job, timeout=60, cancelled=lambda: True) == "pending"
        subprocess.run(["cancel", job.id], check=True)
        assert wait_for_job(job, timeout=10) == "cancelled"
    assert job_state(f"{cups_printer.name}-999999") == "unknown"


def test_scheduler_follows_cups_server_in_the_same_thread(
    cups_printer: PdfPrinter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libcups caches the server per thread: a dead ``CUPS_SERVER`` then none again must
    reach the real scheduler again (each call sets the server anew)."""
    assert printer_state(cups_printer.name) == "ok"
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-cupsd.sock"))
    with pytest.raises(PrintError, match="not running or not reachable"):
        printer_state(cups_printer.name)
    monkeypatch.delenv("CUPS_SERVER")
    assert printer_state(cups_printer.name) == "ok"


def test_job_title_is_nfc(cups_printer: PdfPrinter, tmp_path: Path) -> None:
    title = unicodedata.normalize("NFD", "Biên bản bàn giao số 12")
    job = print_pdf(two_page_pdf(tmp_path / "t.pdf"), cups_printer.name, 1, title=title)
    assert job.title == unicodedata.normalize("NFC", title)
    assert wait_for_job(job, timeout=60) == "completed"
