"""``helpdesk token watch`` end to end: a real pcscd, a virtual card, a SoftHSM2 token."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from helpdesk.testing.fixtures_tokens import TEST_CARD_ATR


def _settings(home, softhsm) -> None:
    (home / "helpdesk.toml").write_text(
        "[[modules]]\nname = \"softhsm\"\npath = \"/usr/lib/softhsm/libsofthsm2.so\"\n"
        f"atrs = [\"{TEST_CARD_ATR}\"]\nreinit_on_change = true\n", encoding="utf-8")


def _read_until(proc, predicate, timeout: float) -> list[dict]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(json.loads(line))
            if predicate(lines[-1]):
                return lines
    raise AssertionError(f"no matching line within {timeout}s; got {lines}")


@pytest.mark.pcsc
def test_watch_reports_token_serial_and_holder_on_insert_and_removal(
        pcscd, virtual_card, softhsm, test_ca, helpdesk_home):
    _settings(helpdesk_home, softhsm)
    token = softhsm.create_token(inserted=False)
    softhsm.add_identity(token, test_ca)
    proc = subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "token", "watch"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **softhsm.env})
    try:
        _read_until(proc, lambda e: e["event"] == "reader_added", 30)
        softhsm.insert(token)  # the token's directory arrives with the card
        card = virtual_card(TEST_CARD_ATR)
        lines = _read_until(proc, lambda e: e["event"] == "token_inserted", 30)
        assert lines[-1]["serial"] == token.serial
        assert lines[-1]["holder"] == "Nguyễn Thị Ánh Tuyết"
        assert lines[-1]["reader"].startswith("Virtual PCD")
        assert any(e["event"] == "card_inserted" and e["atr"] == TEST_CARD_ATR for e in lines)

        softhsm.remove(token)  # directory leaves first, then the card
        card.remove()
        lines = _read_until(proc, lambda e: e["event"] == "token_removed", 30)
        assert lines[-1]["serial"] == token.serial
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert err == ""


@pytest.mark.pcsc
def test_watch_reports_unsupported_card_with_fix(pcscd, virtual_card, helpdesk_home):
    bit4id = "3BDF18FF8191FE1FC30031B8640C01ECC173940180829000B3"
    proc = subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "token", "watch"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _read_until(proc, lambda e: e["event"] == "reader_added", 30)
        virtual_card(bit4id)
        lines = _read_until(proc, lambda e: e["event"] == "card_unsupported", 30)
        assert lines[-1]["module"] == "bit4id" and lines[-1]["installed"] is False
        assert "libbit4xpki.so" in lines[-1]["hint"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=10)
    assert err == ""
