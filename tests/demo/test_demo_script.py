"""`make demo` (scripts/demo.sh) stops what it started — pcscd, cupsd, the virtual card —
when the kiosk exits, and leaves running what was running before.

Without a terminal the script prints `helpdesk token list` and `helpdesk doctor` instead of
opening the TUI, then exits: that is "the kiosk exits" here. The demo folder is a temp
one whose settings name no printer, so the machine's demo printer is not touched.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpdesk.demo import DEMO_ATR, SETTINGS
from helpdesk.testing.ci import unavailable
from helpdesk.testing.cups import scheduler_running
from helpdesk.testing.pcscd import Pcscd, daemon_pid, is_running

pytestmark = [pytest.mark.pcsc, pytest.mark.cups]
ROOT = Path(__file__).resolve().parents[2]


def run_demo(tmp_path: Path) -> str:
    demo = tmp_path / "demo"
    (demo / "home").mkdir(parents=True)
    (demo / "home" / "helpdesk.toml").write_text(SETTINGS.format(printer="", atr=DEMO_ATR), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "SOFTHSM2_"))}
    done = subprocess.run(
        ["bash", "scripts/demo.sh"], cwd=ROOT, env={**env, "HELPDESK_DEMO_DIR": str(demo)},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "VGCA Token" in out and "Virtual PCD 00 00" in out  # the card was seen in the reader
    assert "stopped the virtual card" in out
    card = subprocess.run(["pgrep", "-f", "helpdesk.demo card"], capture_output=True, text=True)
    assert str(demo) not in card.stdout
    return out


def test_demo_leaves_running_services_running(pcscd: Pcscd, cups_daemon: object, tmp_path: Path) -> None:
    before = daemon_pid()
    assert before is not None and scheduler_running()
    out = run_demo(tmp_path)
    assert "stopped pcscd" not in out and "stopped cupsd" not in out
    assert daemon_pid() == before and is_running()
    assert scheduler_running()


def test_demo_stops_the_pcscd_and_cupsd_it_started(pcscd: Pcscd, tmp_path: Path) -> None:
    if not pcscd.owned:
        unavailable("pcscd was started by someone else; this test does not stop it")
    cupsd_before = scheduler_running()  # a test session's or the machine's cupsd: left alone
    pcscd.stop()
    try:
        assert not is_running()
        out = run_demo(tmp_path)
        assert "stopped pcscd" in out
        assert not is_running() and daemon_pid() is None
        assert scheduler_running() == cupsd_before
        assert ("stopped cupsd" in out) == (not cupsd_before)
    finally:
        pcscd.start()
