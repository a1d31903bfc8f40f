"""A crash never prints a password: the kiosk's crash report has no local variables.

Textual renders an unhandled exception's traceback with every frame's locals; a frame
that holds a password as a plain ``str`` (the Input's value becoming a Secret, the
scrypt call that reveals it) would print it. Both kinds of crash are INJECTED here, in
the real kiosk app, and stderr, the screen, the log and the data folder are searched.
(The PIN and SO PIN case is the pin_unlock canary test.)
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from helpdesk.secret import Secret
from helpdesk.testing.fixtures_e2e import wait_until


def canary() -> str:
    return "Pw" + "".join(secrets.choice("23456789") for _ in range(6)) + "x"


@pytest.fixture
def kiosk_log(helpdesk_home: Path) -> Iterator[Path]:
    path = helpdesk_home / "logs" / "helpdesk.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        handler.close()


def search(password: str, home: Path, texts: dict[str, str]) -> list[str]:
    found = [where for where, text in texts.items() if password in text]
    found += [str(f.relative_to(home)) for f in home.rglob("*") if f.is_file() and password.encode() in f.read_bytes()]
    return found


async def type_password(pilot: Any, password: str) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.screen.query("#password"), what="the log-in screen")
    app.screen.query_one("#operator-id", Input).value = "lan"
    await pilot.click("#password")
    await pilot.press(*password)
    await pilot.press("enter")
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def test_crash_while_the_password_is_taken(kiosk_app: Any, make_operator: Any, helpdesk_home: Path,
                                                 kiosk_log: Path, capfd: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """INJECTED on the UI thread where the typed password becomes a Secret: the app
    ends with Textual's crash report, which names the error but shows no locals."""
    password = canary()
    make_operator(password=password)
    real_init = Secret.__init__

    def buggy_init(self: Secret, value: str) -> None:
        real_init(self, value)
        if value == password and threading.current_thread() is threading.main_thread():
            raise RuntimeError("INJECTED: a bug where the password is taken")

    monkeypatch.setattr(Secret, "__init__", buggy_init)
    app = kiosk_app()
    shots: dict[str, str] = {}
    with pytest.raises(RuntimeError, match="INJECTED"):
        async with app.run_test(size=(110, 40)) as pilot:
            await type_password(pilot, password)
            shots["screen"] = app.export_screenshot()
    assert app.return_code == 1
    out, err = capfd.readouterr()
    assert "INJECTED: a bug where the password is taken" in err and "buggy_init" in err
    assert search(password, helpdesk_home, {"stdout": out, "stderr": err, **shots}) == []


async def test_crash_in_the_password_check_worker(kiosk_app: Any, make_operator: Any, helpdesk_home: Path,
                                                  kiosk_log: Path, capfd: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """INJECTED in the worker thread, in the frame that reveals the password for scrypt:
    the kiosk shows an error and keeps running; the log has the traceback, no locals."""
    from helpdesk.operators import passwords

    password = canary()
    make_operator(password=password)
    real_scrypt = passwords._scrypt

    def buggy_scrypt(secret: Secret, *args: Any) -> bytes:
        revealed = secret.reveal()  # a plain str in this frame
        if revealed == password:
            raise RuntimeError("INJECTED: a bug in the password check")
        return real_scrypt(secret, *args)

    monkeypatch.setattr(passwords, "_scrypt", buggy_scrypt)
    app = kiosk_app()
    async with app.run_test(size=(110, 40)) as pilot:
        await type_password(pilot, password)
        shots = {"screen": app.export_screenshot()}
        assert app.is_running
    out, err = capfd.readouterr()
    log = kiosk_log.read_text(encoding="utf-8")
    assert "INJECTED: a bug in the password check" in log + shots["screen"]
    assert search(password, helpdesk_home, {"stdout": out, "stderr": err, **shots}) == []
