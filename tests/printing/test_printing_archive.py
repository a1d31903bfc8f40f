"""The PDF archive: dated folders, atomic, never overwritten; plus printing's input checks."""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path

import pytest

from helpdesk import printing
from helpdesk.config import Settings, load_settings
from helpdesk.errors import DiskFull, PrintError
from helpdesk.printing import archive_pdf, print_pdf, printer_state

WHEN = datetime(2026, 11, 27, 9, 30)
PDF = b"%PDF-1.4\n% sample\n"


@pytest.fixture
def settings() -> Settings:
    return load_settings()


def test_archive_goes_under_year_and_month(settings: Settings) -> None:
    path = archive_pdf(settings, "handover", "3f6c1c2e", PDF, when=WHEN)
    assert path == settings.archive_dir / "2026" / "11" / "handover-3f6c1c2e.pdf"
    assert path.read_bytes() == PDF
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_archive_defaults_to_today(settings: Settings) -> None:
    path = archive_pdf(settings, "pin_unlock", "r1", PDF)
    now = datetime.now().astimezone()
    assert path.parent == settings.archive_dir / f"{now:%Y}" / f"{now:%m}"


def test_archive_never_replaces_a_form(settings: Settings) -> None:
    first = archive_pdf(settings, "handover", "r1", PDF, when=WHEN)
    again = archive_pdf(settings, "handover", "r1", PDF, when=WHEN)
    changed = archive_pdf(settings, "handover", "r1", PDF + b"x", when=WHEN)
    third = archive_pdf(settings, "handover", "r1", PDF + b"y", when=WHEN)
    assert again == first
    assert changed.name == "handover-r1-2.pdf" and third.name == "handover-r1-3.pdf"
    assert first.read_bytes() == PDF and changed.read_bytes() == PDF + b"x"
    assert sorted(p.name for p in first.parent.iterdir()) == [
        "handover-r1-2.pdf",
        "handover-r1-3.pdf",
        "handover-r1.pdf",
    ]


@pytest.mark.parametrize(
    ("kind", "record_id"), [("handover", "../x"), ("a/b", "r1"), ("", "r1"), ("k", ".hidden")]
)
def test_archive_refuses_unsafe_names(settings: Settings, kind: str, record_id: str) -> None:
    with pytest.raises(ValueError):
        archive_pdf(settings, kind, record_id, PDF, when=WHEN)
    assert not settings.archive_dir.exists()


def test_disk_full_is_a_clear_error(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection at our own boundary (the archive's file writer) — ENOSPC."""

    def full_disk(target: Path, data: bytes) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(printing, "_write_new", full_disk)
    with pytest.raises(DiskFull) as caught:
        archive_pdf(settings, "handover", "r1", PDF, when=WHEN)
    assert caught.value.localized().startswith("Đĩa đã đầy")


def test_print_checks_its_arguments(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(PDF)
    with pytest.raises(PrintError) as caught:
        print_pdf(pdf, "", 1)
    assert "Chưa cấu hình máy in" in caught.value.localized()
    with pytest.raises(PrintError, match="between 1 and 99"):
        print_pdf(pdf, "PDF", 0)
    with pytest.raises(PrintError, match="does not exist"):
        print_pdf(tmp_path / "missing.pdf", "PDF", 1)


def test_no_scheduler_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A socket path where nothing listens: what the kiosk sees when cupsd is down."""
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-cupsd.sock"))
    with pytest.raises(PrintError) as caught:
        printer_state("PDF")
    assert caught.value.localized() == "Dịch vụ in (CUPS) không chạy hoặc không kết nối được"
