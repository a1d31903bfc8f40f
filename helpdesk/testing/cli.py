"""Run the ``helpdesk`` command line the way a user does: in a separate process."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``helpdesk ARGS`` with the current environment plus ``env``; never raises on exit codes."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, input=input, check=False)
