"""A real CUPS for tests: the machine's cupsd, and a cups-pdf printer writing to a temp folder.

No daemon starts on install here (no systemd), so :class:`CupsDaemon` starts
``cupsd -f`` when none answers. Test sessions hold a shared lock on :data:`LOCK_FILE`;
the last one out stops a cupsd that a test session started (its pid is in
:data:`STARTED_FILE`) and never one that was already running as a service.

:class:`PdfPrinter` adds a cups-pdf queue with its own output folder — cups-pdf reads
``/etc/cups/cups-pdf-<instance>.conf`` for a ``cups-pdf:/<instance>`` URI — so tests
never touch ``~/PDF``. Its PPD is the packaged ``CUPS-PDF_opt.ppd`` plus
``*cupsManualCopies: True``: cups-pdf ignores the copies a PostScript printer would make
itself, so the filters must lay out the copies, and a 2-page PDF printed twice comes
out as 4 pages. Offline states are the real ones: ``cupsdisable`` / ``cupsreject``.

Needs root (``lpadmin`` and ``/etc/cups``), ``cups`` and ``printer-driver-cups-pdf``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from helpdesk.printing import PrintJob, wait_for_job
from helpdesk.testing.pdftools import pdf_page_count

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")  # lpinfo -m: lsb/usr/cups-pdf/…
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
CUPS_LOG_DIR = Path("/var/log/cups")
LOCK_FILE = Path("/tmp/helpdesk-cupsd.lock")
STARTED_FILE = Path("/tmp/helpdesk-cupsd.pid")  # pid of a cupsd that a test session started
APT_HINT = "apt-get install --no-install-recommends cups printer-driver-cups-pdf"


class CupsUnavailable(RuntimeError):
    """The machine cannot run the CUPS tests (missing package, not root, cupsd fails)."""


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=30, check=check, env=env
        )
    except FileNotFoundError as exc:
        raise CupsUnavailable(f"{args[0]} is missing; {APT_HINT}") from exc
    except subprocess.CalledProcessError as exc:
        raise CupsUnavailable(f"{' '.join(args)} failed: {exc.stderr.strip()}") from exc


def scheduler_running() -> bool:
    return "scheduler is running" in _run("lpstat", "-r", check=False).stdout


class CupsDaemon:
    """The scheduler for test sessions: reused if running, else started; the last test
    session out stops a cupsd that a test session started (never one it did not)."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._lock: IO[bytes] | None = None

    def start(self, timeout: float = 15.0) -> None:
        self._lock = LOCK_FILE.open("ab")
        fcntl.flock(self._lock, fcntl.LOCK_SH)  # "in use" until stop()
        if scheduler_running():
            return
        if not Path(CUPSD).exists():
            raise CupsUnavailable(f"{CUPSD} is missing; {APT_HINT}")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [CUPSD, "-f"],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        STARTED_FILE.write_text(str(self.process.pid))
        deadline = time.monotonic() + timeout
        while not scheduler_running():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log_text = self.log_path.read_text(errors="replace")
                raise CupsUnavailable(f"cupsd did not start: {log_text}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._lock is None:
            return
        try:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another session still prints; the last one out stops it
            self._stop_test_cupsd()
        finally:
            self._lock.close()
            self._lock = None

    def _stop_test_cupsd(self) -> None:
        try:
            pid = int(STARTED_FILE.read_text())
        except (FileNotFoundError, ValueError):
            return  # cupsd was already running (a real service): leave it alone
        STARTED_FILE.unlink(missing_ok=True)
        if self.process is not None and self.process.pid == pid:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            return
        try:  # started by an earlier session, which has ended
            if b"cupsd" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return
            os.kill(pid, signal.SIGTERM)
        except (FileNotFoundError, ProcessLookupError):
            return
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


@dataclass
class PdfPrinter:
    """A cups-pdf queue named ``name`` whose output lands in ``out_dir``."""

    name: str
    out_dir: Path

    @property
    def conf_path(self) -> Path:
        return CUPS_PDF_CONF.with_name(f"cups-pdf-{self.name}.conf")

    def create(self, work_dir: Path) -> None:
        if os.geteuid() != 0:
            raise CupsUnavailable("the CUPS tests need root (lpadmin, /etc/cups)")
        for needed in (CUPS_PDF_PPD, CUPS_PDF_CONF, Path("/usr/lib/cups/backend/cups-pdf")):
            if not needed.exists():
                raise CupsUnavailable(f"{needed} is missing; {APT_HINT}")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        conf = [
            line
            for line in CUPS_PDF_CONF.read_text().splitlines()
            if not line.startswith(("Out ", "Label "))
        ]
        conf += [f"Out {self.out_dir}", "Label 2"]  # Label 2: names end in "-job_<n>.pdf"
        self.conf_path.write_text("\n".join(conf) + "\n")
        ppd = work_dir / f"{self.name}.ppd"
        text = CUPS_PDF_PPD.read_text(errors="replace")
        ppd.write_text(text.replace("*ModelName:", "*cupsManualCopies: True\n*ModelName:", 1))
        _run("lpadmin", "-p", self.name, "-v", f"cups-pdf:/{self.name}", "-P", str(ppd), "-E")

    def remove(self) -> None:
        _run("lpadmin", "-x", self.name, check=False)
        self.conf_path.unlink(missing_ok=True)
        (CUPS_LOG_DIR / f"cups-pdf-{self.name}_log").unlink(missing_ok=True)

    # -- real printer states --------------------------------------------------------
    def disable(self, reason: str = "helpdesk test: switched off") -> None:
        _run("cupsdisable", "-r", reason, self.name)

    def enable(self) -> None:
        _run("cupsenable", self.name)

    def reject(self, reason: str = "helpdesk test: not accepting") -> None:
        _run("cupsreject", "-r", reason, self.name)

    def accept(self) -> None:
        _run("cupsaccept", self.name)

    @contextlib.contextmanager
    def switched_off(self) -> Iterator[None]:
        """The printer stopped (``cupsdisable``), as CUPS does when a device fails."""
        self.disable()
        try:
            yield
        finally:
            self.enable()

    @contextlib.contextmanager
    def rejecting(self) -> Iterator[None]:
        self.reject()
        try:
            yield
        finally:
            self.accept()

    def reset(self) -> None:
        """Enabled, accepting, no queued jobs, empty output folder."""
        _run("cancel", "-a", self.name, check=False)
        self.enable()
        self.accept()
        shutil.rmtree(self.out_dir, ignore_errors=True)
        self.out_dir.mkdir(parents=True)

    # -- output -----------------------------------------------------------------------
    def outputs(self, job: PrintJob) -> list[Path]:
        return sorted(self.out_dir.glob(f"*-job_{job.number}.pdf"))

    def wait_for_output(self, job: PrintJob, timeout: float = 60.0) -> Path:
        """Wait for the job to complete and return the PDF cups-pdf wrote for it."""
        state = wait_for_job(job, timeout)
        if state != "completed":
            raise AssertionError(f"job {job.id} ended {state!r}, not completed")
        deadline = time.monotonic() + 5
        while not (found := self.outputs(job)):
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job.id} completed but wrote nothing in {self.out_dir}")
            time.sleep(0.05)
        return found[0]

    @staticmethod
    def page_count(path: Path) -> int:
        return pdf_page_count(path)
