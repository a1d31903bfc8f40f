"""Time to first frame of the kiosk vs a bare ``python -c pass``, both in a pty.

``helpdesk`` (no arguments) is started in a pseudo-terminal, exactly as at the desk;
the clock stops when the log-in screen's text (the organisation name) has been
written to the terminal. The baseline is the same interpreter starting and exiting
with ``-c pass`` through the same pty plumbing, interleaved in the same run.
Also: ``helpdesk --version``. Prints medians and ratios; goal ≤ 1 s to first frame.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 7
MARKER = "SỞ NỘI VỤ".encode()  # the default organisation name, the log-in screen's title
BIN = Path(sys.executable).parent


def _spawn_pty(argv: list[str], env: dict[str, str], marker: bytes | None, timeout: float = 20.0) -> float:
    """Seconds until ``marker`` appears on the terminal (or the process exits if None)."""
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                            start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    chunk = b""
                seen = (seen + chunk)[-65536:]
                if marker is not None and marker in seen:
                    return time.perf_counter() - start
            if marker is None and proc.poll() is not None:
                return time.perf_counter() - start
        raise TimeoutError(f"{argv} did not show its first frame: {seen[-400:]!r}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        os.close(master)


def main() -> None:
    home = tempfile.mkdtemp(prefix="bench-app-")
    env = {**os.environ, "HELPDESK_HOME": home, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30",
           "HELPDESK_LANG": "vi"}
    env.pop("HELPDESK_CONFIG", None)
    bare, frame, version = [], [], []
    for _ in range(ROUNDS):  # interleaved: all three see the same machine load
        bare.append(_spawn_pty([sys.executable, "-c", "pass"], env, None))
        frame.append(_spawn_pty([str(BIN / "helpdesk")], env, MARKER))
        version.append(_spawn_pty([str(BIN / "helpdesk"), "--version"], env, None))
    b, f, v = statistics.median(bare), statistics.median(frame), statistics.median(version)
    print(f"python -c pass           {b * 1000:7.0f} ms")
    print(f"helpdesk --version       {v * 1000:7.0f} ms   ({v / b:.1f}x bare; goal ≤ 150 ms)")
    print(f"helpdesk first frame     {f * 1000:7.0f} ms   ({f / b:.1f}x bare; goal ≤ 1000 ms)"
          f"   min {min(frame) * 1000:.0f} max {max(frame) * 1000:.0f}")


if __name__ == "__main__":
    main()
