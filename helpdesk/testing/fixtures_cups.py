"""CUPS fixtures: the scheduler and a cups-pdf printer for the session (mark tests ``cups``).

``cups_printer`` hands each test the session's printer enabled, accepting, with no jobs
and an empty output folder; use ``cups_printer.switched_off()`` / ``rejecting()`` for
the offline states and ``wait_for_output(job)`` / ``page_count(path)`` for the result.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from helpdesk.testing.ci import unavailable
from helpdesk.testing.cups import CupsDaemon, CupsUnavailable, PdfPrinter

__all__ = ["cups_daemon", "cups_printer", "cups_printer_session"]


@pytest.fixture(scope="session")
def cups_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CupsDaemon]:
    daemon = CupsDaemon(tmp_path_factory.mktemp("cupsd") / "cupsd.log")
    try:
        daemon.start()
    except CupsUnavailable as exc:
        unavailable(f"CUPS is not usable here: {exc}")
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def cups_printer_session(
    cups_daemon: CupsDaemon, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PdfPrinter]:
    work = tmp_path_factory.mktemp("cups-printer")
    printer = PdfPrinter(name=f"helpdesk-test-{os.getpid()}", out_dir=work / "out")
    try:
        printer.create(work)
    except CupsUnavailable as exc:
        unavailable(f"CUPS is not usable here: {exc}")
    try:
        yield printer
    finally:
        printer.remove()


@pytest.fixture
def cups_printer(cups_printer_session: PdfPrinter) -> PdfPrinter:
    cups_printer_session.reset()
    return cups_printer_session
