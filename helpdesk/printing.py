"""Printing through CUPS, and the PDF archive every form goes to first.

Order matters: :func:`archive_pdf` first (atomic, never overwrites), then
:func:`print_pdf`; a printer problem never loses the form, and the operator can reprint
from the archive. :func:`archive_and_print` does both in that order.

Everything here blocks (disk flushes, IPP requests, polling the scheduler): call it
from a worker thread, never from the Textual event loop.

CUPS is reached through pycups (libcups): jobs go in with ``printFile``, job and printer
states come back as IPP attributes (``job-state``, ``printer-state``, …), never as
``lpstat``'s localised wording. libcups finds the scheduler as ``lp`` does
(``$CUPS_SERVER``, client.conf, the local socket). A pycups ``Connection`` is not
thread-safe, so each call opens its own (a local socket: well under a millisecond).
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import cups

from helpdesk.config import Settings
from helpdesk.errors import DiskFull, PrintError, StoreError

JobState = Literal["pending", "processing", "completed", "aborted", "cancelled", "unknown"]
PrinterState = Literal["ok", "offline", "missing", "disabled"]
FINAL_STATES: frozenset[JobState] = frozenset({"completed", "aborted", "cancelled"})

MAX_COPIES = 99


@dataclass(frozen=True)
class PrintJob:
    """A job the scheduler accepted."""

    id: str  # "PDF-12": queue and job number, as lp prints it
    printer: str
    copies: int
    path: Path
    title: str

    @property
    def number(self) -> int:
        return int(self.id.rsplit("-", 1)[1])


# -- archive -------------------------------------------------------------------------

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def archive_path(
    settings: Settings, kind: str, record_id: str, when: datetime | None = None
) -> Path:
    """``archive_dir/YYYY/MM/<kind>-<record_id>.pdf`` (local date of ``when``, default now)."""
    for label, value in (("kind", kind), ("record_id", record_id)):
        if not _SAFE_NAME.fullmatch(value) or ".." in value:
            raise ValueError(f"{label} {value!r} is not a safe file name part")
    when = when or datetime.now().astimezone()
    return settings.archive_dir / f"{when:%Y}" / f"{when:%m}" / f"{kind}-{record_id}.pdf"


def archive_pdf(
    settings: Settings, kind: str, record_id: str, pdf_bytes: bytes, *, when: datetime | None = None
) -> Path:
    """Write the PDF durably into the archive and return its path.

    Atomic (temp file, fsync, link into place, fsync the folder): a crash leaves either
    the whole file or none. An archived PDF is never replaced: archiving the same bytes
    again returns the existing file; different bytes for the same record (e.g. after the
    organisation's name changed) go to ``…-2.pdf``, ``…-3.pdf``.
    """
    target = archive_path(settings, kind, record_id, when)
    try:
        return _write_new(target, pdf_bytes)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFull(
                "The disk is full: the form could not be archived in {path}",
                path=str(target.parent),
            ) from exc
        raise StoreError(
            "Could not archive the form in {path}: {error}",
            path=str(target.parent),
            error=exc.strerror or str(exc),
        ) from exc


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """mkdir -p, fsyncing each parent that gained an entry (so the folders survive a crash)."""
    missing = []
    probe = path
    while not probe.is_dir():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        _fsync_dir(folder.parent)


def _write_new(target: Path, data: bytes) -> Path:
    _make_dirs(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        for n in itertools.count(1):
            candidate = target if n == 1 else target.with_name(f"{target.stem}-{n}{target.suffix}")
            if _place(tmp, candidate):
                _fsync_dir(target.parent)
                return candidate
            if candidate.read_bytes() == data:
                return candidate
        raise AssertionError("unreachable")
    finally:
        tmp.unlink(missing_ok=True)


def _place(tmp: Path, candidate: Path) -> bool:
    """Give ``tmp`` the name ``candidate`` unless that exists. False if it exists."""
    try:
        os.link(tmp, candidate)  # atomic and never replaces
        return True
    except FileExistsError:
        return False
    except OSError as exc:  # file systems without hard links (vfat USB sticks)
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if candidate.exists():
            return False
        os.rename(tmp, candidate)
        return True


# -- CUPS through pycups -----------------------------------------------------------------


@contextmanager
def _scheduler() -> Iterator[Any]:
    """A fresh pycups connection to the scheduler named by ``$CUPS_SERVER`` (a socket
    path or host[:port]) as it is *now*, else libcups' default (client.conf, the local
    socket). libcups caches the server per thread, so it is set again on every call.
    Connection and HTTP failures become one clear PrintError."""
    cups.setServer(os.environ.get("CUPS_SERVER", ""))  # "": libcups looks it up again
    try:
        connection = cups.Connection()
    except RuntimeError as exc:  # pycups: "failed to connect to server"
        raise PrintError("The print service (CUPS) is not running or not reachable") from exc
    try:
        yield connection
    except cups.HTTPError as exc:
        raise PrintError("The print service answered HTTP {status}", status=exc.args[0]) from exc
    except cups.IPPError as exc:
        if exc.args and exc.args[0] == cups.IPP_SERVICE_UNAVAILABLE:  # cupsd went away
            raise PrintError("The print service (CUPS) is not running or not reachable") from exc
        raise


def print_pdf(path: Path, printer: str, copies: int = 1, *, title: str | None = None) -> PrintJob:
    """Send ``path`` to ``printer``: ``copies`` copies on A4, job name ``title``.

    Checks the printer first so a switched-off or missing printer gives a clear
    :class:`PrintError` (in the operator's language) instead of a job that waits forever.
    """
    if not printer:
        raise PrintError("No printer is configured (setting 'printer')")
    if not 1 <= copies <= MAX_COPIES:
        raise PrintError(
            "The number of copies must be between 1 and {max}, not {copies}",
            max=MAX_COPIES,
            copies=copies,
        )
    if not path.is_file():
        raise PrintError("Nothing to print: {path} does not exist", path=str(path))
    ensure_printer_ready(printer)
    title = unicodedata.normalize("NFC", title or path.stem)
    with _scheduler() as connection:
        try:
            number = connection.printFile(
                printer, str(path), title, {"copies": str(copies), "media": "A4"}
            )
        except cups.IPPError as exc:
            raise PrintError(
                "Printer {printer} refused the job: {error}",
                printer=printer,
                error=str(exc.args[-1] if exc.args else exc),
            ) from exc
    return PrintJob(id=f"{printer}-{number}", printer=printer, copies=copies, path=path, title=title)


def ensure_printer_ready(printer: str) -> None:
    """Raise a :class:`PrintError` the operator can act on unless ``printer`` is ready."""
    state = printer_state(printer)
    if state == "missing":
        raise PrintError(
            "Printer {printer} does not exist; check the 'printer' setting", printer=printer
        )
    if state == "disabled":
        raise PrintError(
            "Printer {printer} is switched off or paused; turn it on, then print again",
            printer=printer,
        )
    if state == "offline":
        raise PrintError(
            "Printer {printer} is not accepting print jobs; check it, then print again",
            printer=printer,
        )


def archive_and_print(
    settings: Settings,
    kind: str,
    record_id: str,
    pdf_bytes: bytes,
    *,
    copies: int | None = None,
    printer: str | None = None,
    title: str | None = None,
) -> tuple[Path, PrintJob]:
    """Archive, then print (``settings.printer`` × ``settings.print_copies`` by default).

    If printing fails the PDF stays archived; the :class:`PrintError` raised carries its
    path in ``error.params["archived"]`` so the UI can offer a reprint.
    """
    archived = archive_pdf(settings, kind, record_id, pdf_bytes)
    try:
        job = print_pdf(
            archived,
            settings.printer if printer is None else printer,
            settings.print_copies if copies is None else copies,
            title=title or f"{kind} {record_id}",
        )
    except PrintError as exc:
        exc.params["archived"] = str(archived)
        raise
    return archived, job


_JOB_STATES: dict[int, JobState] = {
    cups.IPP_JOB_PENDING: "pending",
    cups.IPP_JOB_HELD: "pending",
    cups.IPP_JOB_PROCESSING: "processing",
    cups.IPP_JOB_STOPPED: "processing",  # the printer stopped mid-job
    cups.IPP_JOB_CANCELED: "cancelled",
    cups.IPP_JOB_ABORTED: "aborted",
    cups.IPP_JOB_COMPLETED: "completed",
}


def _values(value: object) -> list[object]:
    """pycups gives a one-valued attribute as the value, a multi-valued one as a list."""
    return list(value) if isinstance(value, list | tuple) else [value]


def job_state(job: PrintJob | str) -> JobState:
    """The job's state from the scheduler; "unknown" once CUPS has forgotten it."""
    job_id = job.id if isinstance(job, PrintJob) else job
    number = int(job_id.rsplit("-", 1)[-1])
    with _scheduler() as connection:
        try:
            attrs = connection.getJobAttributes(number, requested_attributes=["job-state"])
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == cups.IPP_NOT_FOUND:
                return "unknown"
            raise PrintError("The print service answered: {error}", error=str(exc.args[-1])) from exc
    value = attrs.get("job-state")
    return _JOB_STATES.get(value, "unknown") if isinstance(value, int) else "unknown"


def printer_state(printer: str) -> PrinterState:
    """ok · disabled (stopped: cupsdisable, or CUPS stopped it after a backend error) ·
    offline (not accepting jobs: cupsreject, or the device reports offline) · missing."""
    with _scheduler() as connection:
        try:
            attrs = connection.getPrinterAttributes(
                printer,
                requested_attributes=[
                    "printer-state", "printer-state-reasons", "printer-is-accepting-jobs"
                ],
            )
        except cups.IPPError as exc:
            if exc.args and exc.args[0] == cups.IPP_NOT_FOUND:
                return "missing"
            raise PrintError("The print service answered: {error}", error=str(exc.args[-1])) from exc
    if attrs.get("printer-state") == cups.IPP_PRINTER_STOPPED:
        return "disabled"
    reasons = [str(r) for r in _values(attrs.get("printer-state-reasons", []))]
    if attrs.get("printer-is-accepting-jobs", True) is False or any(
        r.startswith("offline") for r in reasons
    ):
        return "offline"
    return "ok"


def wait_for_job(
    job: PrintJob | str,
    timeout: float = 120.0,
    *,
    poll: float = 0.25,
    cancelled: Callable[[], bool] | None = None,
) -> JobState:
    """Poll until the job completes, aborts or is cancelled, or ``timeout`` passes.

    Returns the last state seen (still "pending"/"processing" after a timeout).
    ``cancelled`` (e.g. ``lambda: worker.is_cancelled``) stops the wait early.
    """
    deadline = time.monotonic() + timeout
    while True:
        state = job_state(job)
        if state in FINAL_STATES or state == "unknown":
            return state
        if time.monotonic() >= deadline or (cancelled is not None and cancelled()):
            return state
        time.sleep(poll)
