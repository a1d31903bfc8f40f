"""Printing through CUPS, and the PDF archive every form goes to first.

Order matters: :func:`archive_pdf` first (atomic, never overwrites), then
:func:`print_pdf`; a printer problem never loses the form, and the operator can reprint
from the archive. :func:`archive_and_print` does both in that order.

Everything here blocks (disk flushes, ``lp``, polling the scheduler): call it from a
worker thread, never from the Textual event loop.

Jobs go in through ``lp`` (what an administrator would type, and it honours the same
``CUPS_SERVER`` / client.conf setup); states come back over IPP from the scheduler,
because ``lpstat`` cannot tell a completed job from a cancelled or aborted one and its
wording is localised.
"""

from __future__ import annotations

import errno
import getpass
import http.client
import itertools
import os
import re
import socket
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from helpdesk.config import Settings
from helpdesk.errors import DiskFull, PrintError, StoreError

JobState = Literal["pending", "processing", "completed", "aborted", "cancelled", "unknown"]
PrinterState = Literal["ok", "offline", "missing", "disabled"]
FINAL_STATES: frozenset[JobState] = frozenset({"completed", "aborted", "cancelled"})

MAX_COPIES = 99
LP_TIMEOUT = 30.0  # seconds for `lp` to hand the job to the scheduler
IPP_TIMEOUT = 5.0


@dataclass(frozen=True)
class PrintJob:
    """A job the scheduler accepted."""

    id: str  # "PDF-12", as lp prints it
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


# -- CUPS: submit with lp --------------------------------------------------------------

_REQUEST_ID = re.compile(r"request id is (\S+-\d+) \(")


def _cups_env() -> dict[str, str]:
    """English, UTF-8 output from CUPS tools, whatever the kiosk's locale."""
    return {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


def print_pdf(path: Path, printer: str, copies: int = 1, *, title: str | None = None) -> PrintJob:
    """Send ``path`` to ``printer`` with ``lp -d PRINTER -n COPIES -t TITLE``.

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
    args = ["lp", "-d", printer, "-n", str(copies), "-t", title, "-o", "media=A4", "--", str(path)]
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, timeout=LP_TIMEOUT, env=_cups_env()
        )
    except FileNotFoundError as exc:
        raise PrintError(
            "The lp command is missing; install CUPS (apt-get install cups-client)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise PrintError(
            "The print service did not answer within {seconds} s", seconds=int(LP_TIMEOUT)
        ) from exc
    if proc.returncode != 0:
        raise PrintError(
            "Printer {printer} refused the job: {error}",
            printer=printer,
            error=proc.stderr.strip() or proc.stdout.strip(),
        )
    match = _REQUEST_ID.search(proc.stdout)
    if match is None:
        raise PrintError("Unexpected answer from lp: {output}", output=proc.stdout.strip())
    return PrintJob(id=match[1], printer=printer, copies=copies, path=path, title=title)


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


# -- CUPS: states over IPP -------------------------------------------------------------

_JOB_STATES: dict[int, JobState] = {
    3: "pending",
    4: "pending",  # pending-held
    5: "processing",
    6: "processing",  # processing-stopped: the printer stopped mid-job
    7: "cancelled",
    8: "aborted",
    9: "completed",
}
_PRINTER_STOPPED = 5


def job_state(job: PrintJob | str) -> JobState:
    """The job's state from the scheduler; "unknown" once CUPS has forgotten it."""
    job_id = job.id if isinstance(job, PrintJob) else job
    number = job_id.rsplit("-", 1)[-1]
    status, attrs = _ipp_request(
        _GET_JOB_ATTRIBUTES, ("job-uri", f"ipp://localhost/jobs/{number}"), ["job-state"]
    )
    if status == _IPP_NOT_FOUND or not attrs.get("job-state"):
        return "unknown"
    value = attrs["job-state"][0]
    return _JOB_STATES.get(value, "unknown") if isinstance(value, int) else "unknown"


def printer_state(printer: str) -> PrinterState:
    """ok · disabled (stopped: cupsdisable, or CUPS stopped it after a backend error) ·
    offline (not accepting jobs: cupsreject, or the device reports offline) · missing."""
    status, attrs = _ipp_request(
        _GET_PRINTER_ATTRIBUTES,
        ("printer-uri", f"ipp://localhost/printers/{quote(printer, safe='')}"),
        ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"],
    )
    if status == _IPP_NOT_FOUND:
        return "missing"
    if attrs.get("printer-state", [None])[0] == _PRINTER_STOPPED:
        return "disabled"
    reasons = [str(r) for r in attrs.get("printer-state-reasons", [])]
    if attrs.get("printer-is-accepting-jobs", [True])[0] is False or any(
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


# A minimal IPP/1.1 client: two read-only operations, encoded by hand (RFC 8010).
_GET_JOB_ATTRIBUTES = 0x0009
_GET_PRINTER_ATTRIBUTES = 0x000B
_IPP_NOT_FOUND = 0x0406
_TAG_OPERATION, _TAG_END = 0x01, 0x03
_TAG_INTEGER, _TAG_BOOLEAN, _TAG_ENUM = 0x21, 0x22, 0x23
_TAG_NAME, _TAG_KEYWORD, _TAG_URI, _TAG_CHARSET, _TAG_LANGUAGE = 0x42, 0x44, 0x45, 0x47, 0x48
_request_ids = itertools.count(1)

IppValue = int | bool | str | bytes


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def _connection() -> http.client.HTTPConnection:
    """The scheduler: ``$CUPS_SERVER`` (socket path or host[:port]), else the local socket."""
    server = os.environ.get("CUPS_SERVER", "")
    if server.startswith("/"):
        return _UnixHTTPConnection(server, IPP_TIMEOUT)
    if server:
        host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
        return http.client.HTTPConnection(host, int(port or 631), timeout=IPP_TIMEOUT)
    for path in ("/run/cups/cups.sock", "/var/run/cups/cups.sock"):
        if os.path.exists(path):
            return _UnixHTTPConnection(path, IPP_TIMEOUT)
    return http.client.HTTPConnection("localhost", 631, timeout=IPP_TIMEOUT)


def _attr(tag: int, name: str, *values: str) -> bytes:
    out = b""
    for i, value in enumerate(values):
        key = name.encode() if i == 0 else b""
        data = value.encode("utf-8")
        out += (
            bytes([tag]) + len(key).to_bytes(2, "big") + key + len(data).to_bytes(2, "big") + data
        )
    return out


def _ipp_request(
    operation: int, target: tuple[str, str], requested: list[str]
) -> tuple[int, dict[str, list[IppValue]]]:
    body = (
        b"\x01\x01"
        + operation.to_bytes(2, "big")
        + next(_request_ids).to_bytes(4, "big")
        + bytes([_TAG_OPERATION])
        + _attr(_TAG_CHARSET, "attributes-charset", "utf-8")
        + _attr(_TAG_LANGUAGE, "attributes-natural-language", "en")
        + _attr(_TAG_URI, *target)
        + _attr(_TAG_NAME, "requesting-user-name", getpass.getuser())
        + _attr(_TAG_KEYWORD, "requested-attributes", *requested)
        + bytes([_TAG_END])
    )
    conn = _connection()
    try:
        conn.request("POST", "/", body, {"Content-Type": "application/ipp"})
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise PrintError("The print service (CUPS) is not running or not reachable") from exc
    finally:
        conn.close()
    if response.status != 200 or len(data) < 9:
        raise PrintError("The print service answered HTTP {status}", status=response.status)
    return int.from_bytes(data[2:4], "big"), _parse_attributes(data[8:])


def _parse_attributes(data: bytes) -> dict[str, list[IppValue]]:
    attrs: dict[str, list[IppValue]] = {}
    pos, name = 0, ""
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag == _TAG_END:
            break
        if tag < 0x10:  # a new attribute group
            continue
        name_len = int.from_bytes(data[pos : pos + 2], "big")
        if name_len:
            name = data[pos + 2 : pos + 2 + name_len].decode("utf-8", "replace")
        pos += 2 + name_len
        value_len = int.from_bytes(data[pos : pos + 2], "big")
        raw = data[pos + 2 : pos + 2 + value_len]
        pos += 2 + value_len
        value: IppValue
        if tag in (_TAG_INTEGER, _TAG_ENUM) and value_len == 4:
            value = int.from_bytes(raw, "big", signed=True)
        elif tag == _TAG_BOOLEAN and value_len == 1:
            value = raw != b"\x00"
        elif 0x40 <= tag <= 0x4F:  # text, name, keyword, uri, charset, language, mime type
            value = raw.decode("utf-8", "replace")
        else:
            value = raw
        attrs.setdefault(name, []).append(value)
    return attrs
