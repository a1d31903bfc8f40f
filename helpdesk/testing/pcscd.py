"""Run the machine's one ``pcscd`` for tests: start, stop, SIGKILL, restart.

Facts this module works around (see notes/platform-facts.md):

* There is only one pcscd per machine (``/run/pcscd/pcscd.comm``, fixed vpcd ports),
  so a daemon somebody else started is *reused*, never replaced; we only ever
  signal a process we started ourselves.
* After SIGKILL the socket and pid file stay behind; a new pcscd refuses to start
  while the old pid still answers ``kill(pid, 0)`` — which a not-yet-reaped zombie
  does. We reap our child and remove the stale files before starting again.
* Never ``--auto-exit``: the daemon would vanish between tests.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from helpdesk.testing.vcard import VPCD_PORT

log = logging.getLogger(__name__)

RUN_DIR = Path("/run/pcscd")
DEFAULT_CONFIG = Path("/etc/reader.conf.d")
COMM = RUN_DIR / "pcscd.comm"
PID_FILE = RUN_DIR / "pcscd.pid"
PCSCD = "pcscd"


class PcscdError(RuntimeError):
    """pcscd could not be started (missing binary, not root, stale daemon…)."""


def daemon_pid() -> int | None:
    """Pid of a live (non-zombie) pcscd named in the pid file, else None."""
    try:
        raw = PID_FILE.read_bytes()
    except OSError:
        return None
    try:
        pid = int(raw.strip(b"\x00\n\r\t "))  # pcscd writes "1234\n\0"
    except ValueError:
        return None
    return pid if _is_live_pcscd(pid) else None


def is_running() -> bool:
    """A pcscd is alive and accepts connections on its socket."""
    return daemon_pid() is not None and _comm_accepts()


def vpcd_listening(port: int = VPCD_PORT) -> bool:
    """vpcd (inside pcscd) listens on ``port`` — checked without connecting,
    because a connection to that port *is* a card insertion."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                return True
    return False


def clean_stale_files() -> bool:
    """Remove socket and pid file left by a dead pcscd. True if anything was removed."""
    if daemon_pid() is not None:
        return False
    removed = False
    for path in (COMM, PID_FILE):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed = True
    return removed


class Pcscd:
    """Our handle on the machine's pcscd.

    ``start()`` reuses a daemon that is already running (``owned`` is then False);
    ``kill()``/``restart()`` refuse to touch a daemon we did not start.
    """

    def __init__(self, *, config: str | os.PathLike[str] | None = None) -> None:
        self.config: Path | None = Path(config) if config else None  # reader.conf.d for `-c`
        self.process: subprocess.Popen[bytes] | None = None
        self.owned = False
        self.log_path = Path(tempfile.gettempdir()) / "helpdesk-pcscd.log"

    @property
    def pid(self) -> int | None:
        if self.process is not None and self.process.poll() is None:
            return self.process.pid
        return daemon_pid()

    def start(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        if is_running():
            self.owned = False
            log.info("reusing the pcscd already running (pid %s)", daemon_pid())
            self._wait_ready(time.monotonic() + timeout)
            return
        if os.geteuid() != 0:
            raise PcscdError("pcscd must be started as root")
        clean_stale_files()
        args = [PCSCD, "--foreground"]
        if self.config is not None:
            args += ["--config", str(self.config)]
        log_file = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a ^C in the test terminal is not pcscd's
            )
        except FileNotFoundError as exc:
            raise PcscdError("pcscd is not installed") from exc
        finally:
            log_file.close()
        self.owned = True
        self._wait_ready(time.monotonic() + timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM our pcscd and wait for it; a reused daemon is left alone."""
        proc, self.process = self.process, None
        if proc is None or not self.owned:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        clean_stale_files()

    def kill(self) -> None:
        """SIGKILL our pcscd (a crash): stale socket and pid file stay behind."""
        self._require_owned("kill")
        proc, self.process = self.process, None
        assert proc is not None
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()  # reap, so the old pid is really gone

    def restart(self, timeout: float = 10.0) -> None:
        """Crash-restart: SIGKILL then start again (cleaning the stale files).

        Set ``config`` first to swap the reader.conf.d folder (None: the system one):
        the only way to make readers appear or vanish here, since this pcscd does not
        re-read reader.conf on SIGUSR1 / ``--hotplug``.
        """
        self.kill()
        self.start(timeout)

    def _require_owned(self, action: str) -> None:
        if not self.owned or self.process is None:
            raise PcscdError(f"cannot {action} a pcscd this test run did not start")

    def _expects_vpcd(self) -> bool:
        """The reader configuration loads vpcd (so its port must be listening)."""
        folder = self.config or DEFAULT_CONFIG
        try:
            files = [f for f in folder.iterdir() if f.is_file()]
        except OSError:
            return False
        return any(f"{VPCD_PORT:#x}".lower() in f.read_text(errors="replace").lower() for f in files)

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise PcscdError(
                    f"pcscd exited with {self.process.returncode}; see {self.log_path}"
                )
            if _comm_accepts() and (not self._expects_vpcd() or vpcd_listening()):
                return
            time.sleep(0.02)
        raise PcscdError(f"pcscd not ready in time; see {self.log_path}")


def _comm_accepts() -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(COMM))
        except OSError:
            return False
    return True


def _is_live_pcscd(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # "pid (comm) S ..." — comm may contain spaces, so split at the last ')'.
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    state = stat[stat.rindex(")") + 2 :].split(" ", 1)[0]
    return name == "pcscd" and state not in ("Z", "X")
