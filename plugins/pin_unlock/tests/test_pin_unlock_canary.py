"""PIN canary: every kiosk path that takes a PIN runs with unique PIN strings, then the
data folder, the logs, the PDFs (text and raw bytes), the audit chain, the records,
the captured stdout/stderr and the TUI's screenshots are searched for them.

A probe planted in the log first proves the search finds what is there.
"""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path
from typing import Any

import pytest
from pin_unlock_kit import HOLDER_ID, change_screen, make_desk, unlock_screen
from textual.pilot import Pilot
from textual.widgets import Input

from helpdesk.extension import PinIncorrect, Secret
from helpdesk.testing.host import ScreenHost
from helpdesk.testing.kit import InjectedFault
from helpdesk.testing.pdftools import pdf_text


def canary() -> str:
    # Letters and digits no record, hash, time or uuid will hold by chance.
    return "Qz" + "".join(secrets.choice("23456789") for _ in range(5)) + "k"


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def find(needles: dict[str, str], haystacks: dict[str, bytes]) -> list[tuple[str, str]]:
    """(canary name, where) for every canary found in any haystack."""
    return [(name, where) for name, pin in needles.items() for where, data in haystacks.items()
            if pin.encode() in data]


@pytest.fixture
def canary_log(helpdesk_home: Path) -> Any:
    path = helpdesk_home / "logs" / "kiosk.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


async def test_pin_canary_never_found(kiosk: Any, softhsm: Any, test_ca: Any, helpdesk_home: Path,
                                      canary_log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    pins = {name: canary() for name in (
        "initial_pin", "so_pin", "wrong_so_pin", "mismatch_a", "mismatch_b", "new_1", "wrong_old",
        "new_2", "wrong_verify", "new_3", "new_4", "new_5", "new_6", "probe")}
    desk = make_desk(kiosk, softhsm, test_ca, pin=pins["initial_pin"], so_pin=pins["so_pin"])
    worker, serial = kiosk.worker, desk.token.serial
    shots: dict[str, bytes] = {}
    shot_dir = helpdesk_home / "screenshots"
    shot_dir.mkdir()

    async def snap(app: Any, name: str, save: bool = False) -> None:
        shots[name] = app.export_screenshot().encode()
        if save:  # the same SVG again, written by Textual into the data folder
            app.save_screenshot(f"{name}.svg", str(shot_dir))

    async def keys(pilot: Pilot[Any], app: Any, name: str, text: str) -> None:
        """Type a PIN key by key, screenshot it while it sits in the masked field, Enter."""
        await pilot.press(*text)
        await snap(app, name)
        await pilot.press("enter")
        await settle(pilot)

    # 1. The unlock workflow: wrong SO PIN, mismatching new PINs, then the real unlock.
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=(110, 46)) as pilot:
        await settle(pilot)
        await pilot.press(*HOLDER_ID, "enter")
        await settle(pilot)
        await keys(pilot, app, "unlock-wrong-so", pins["wrong_so_pin"])
        await keys(pilot, app, "unlock-new-a", pins["new_1"])
        await keys(pilot, app, "unlock-new-b", pins["new_1"])
        await snap(app, "unlock-wrong-so-result")
        await pilot.press(*pins["so_pin"])
        await snap(app, "unlock-so", save=True)
        await pilot.press("enter")
        await settle(pilot)
        await keys(pilot, app, "unlock-mismatch-a", pins["mismatch_a"])
        await keys(pilot, app, "unlock-mismatch-b", pins["mismatch_b"])
        await snap(app, "unlock-mismatch-result")
        await keys(pilot, app, "unlock-new-1a", pins["new_1"])
        await keys(pilot, app, "unlock-new-1b", pins["new_1"])
        await snap(app, "unlock-done", save=True)
        assert app.screen.current_step == "result"
        assert all(w.value == "" for w in app.screen.query(Input) if w.password)
    worker.verify_pin(serial, Secret(pins["new_1"])).result(10)

    # 2. The change workflow: a wrong old PIN, then the change.
    app = ScreenHost(lambda: change_screen(desk.context()))
    async with app.run_test(size=(110, 46)) as pilot:
        await settle(pilot)
        await keys(pilot, app, "change-wrong-old", pins["wrong_old"])
        await keys(pilot, app, "change-new-a", pins["new_2"])
        await keys(pilot, app, "change-new-b", pins["new_2"])
        await snap(app, "change-wrong-result")
        await keys(pilot, app, "change-old", pins["new_1"])
        await keys(pilot, app, "change-new-2a", pins["new_2"])
        await keys(pilot, app, "change-new-2b", pins["new_2"])
        await snap(app, "change-done", save=True)
    worker.verify_pin(serial, Secret(pins["new_2"])).result(10)

    # 3. Every core TokenWorker call that takes a PIN, failures included.
    with pytest.raises(PinIncorrect):
        worker.verify_pin(serial, Secret(pins["wrong_verify"])).result(10)
    assert worker.identify(serial, Secret(pins["new_2"])).result(10).certificates
    worker.change_pin(serial, Secret(pins["new_2"]), Secret(pins["new_3"])).result(10)
    worker.unlock(serial, Secret(pins["so_pin"]), Secret(pins["new_4"])).result(10)
    worker.run_in_session(serial, lambda s: len(list(s.get_objects())), pin=Secret(pins["new_4"])).result(10)
    worker.unlock(serial, Secret(pins["so_pin"]), Secret(pins["new_5"])).result(10)
    worker.change_pin(serial, Secret(pins["new_5"]), Secret(pins["new_6"])).result(10)
    worker.verify_pin(serial, Secret(pins["new_6"])).result(10)

    # 4. The PIN-pad workflow (FAULT INJECTION of the flag): no PIN typed at all.
    worker.inject_fault(serial, InjectedFault(flags={"protected_authentication_path": True})).result(5)
    app = ScreenHost(lambda: unlock_screen(desk.context()))
    async with app.run_test(size=(110, 46)) as pilot:
        await settle(pilot)
        await pilot.press(*HOLDER_ID, "enter", "f9")
        await settle(pilot)
        await snap(app, "pinpad")

    # The probe proves the search sees the log.
    logging.getLogger("canary").info("probe %s", pins["probe"])

    # ---- search ---------------------------------------------------------------------
    out, err = capfd.readouterr()
    haystacks: dict[str, bytes] = {"stdout": out.encode(), "stderr": err.encode()}
    for file in helpdesk_home.rglob("*"):
        if file.is_file():
            haystacks[str(file.relative_to(helpdesk_home))] = file.read_bytes()
    pdfs = list(helpdesk_home.rglob("*.pdf"))
    assert len(pdfs) == 1  # the receipt of the one successful screen unlock
    for pdf in pdfs:
        haystacks[f"text of {pdf.name}"] = pdf_text(pdf).encode()
    store = kiosk.store
    haystacks["records"] = json.dumps([r.to_dict() for r in store.records()], ensure_ascii=False).encode()
    haystacks["audit"] = json.dumps([repr(e) for e in store.audit.entries()], ensure_ascii=False).encode()
    haystacks["outbox"] = repr(store.outbox.__dict__).encode()
    for name, svg in shots.items():
        haystacks[f"screenshot {name}"] = svg
    assert len(shots) >= 20 and len(list(shot_dir.glob("*.svg"))) == 3

    probe = {"probe": pins.pop("probe")}
    assert find(probe, haystacks) == [("probe", "logs/kiosk.log")]
    assert len(store.records()) >= 5 and canary_log.stat().st_size > 0
    assert find(pins, haystacks) == []
    # And the screenshots did show the masked fields being filled.
    assert "•" in shots["unlock-so"].decode()


async def test_pin_canary_survives_a_crash_mid_unlock(kiosk: Any, softhsm: Any, test_ca: Any, helpdesk_home: Path,
                                                     canary_log: Path, capfd: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected error (a bug, INJECTED) in the middle of an unlock, in the real kiosk
    app: right where the typed SO PIN becomes a Secret, in frames that hold it as plain
    text (``value``, the Input field). Textual's crash report goes to stderr — without
    local variables — and the kiosk exits. The screen, stdout/stderr, logs and data
    folder are searched for the PINs."""
    import threading

    from helpdesk.testing.kit import load_settings, make_app, no_monitor

    pins = {name: canary() for name in ("initial_pin", "so_pin", "probe")}
    desk = make_desk(kiosk, softhsm, test_ca, pin=pins["initial_pin"], so_pin=pins["so_pin"])
    real_init = Secret.__init__
    fired: list[str] = []

    def buggy_init(self: Secret, value: str) -> None:
        real_init(self, value)
        if value == pins["so_pin"] and threading.current_thread() is threading.main_thread():
            fired.append(value)
            raise RuntimeError("INJECTED: a bug where the SO PIN is taken")

    monkeypatch.setattr(Secret, "__init__", buggy_init)
    app = make_app(load_settings(), worker=kiosk.worker, store=kiosk.store, monitor=no_monitor)
    shots: dict[str, bytes] = {}
    with pytest.raises(RuntimeError, match="INJECTED"):
        async with app.run_test(size=(110, 46)) as pilot:
            await settle(pilot)
            await app.push_screen(unlock_screen(desk.context()))
            await settle(pilot)
            await pilot.press(*HOLDER_ID, "enter")
            await settle(pilot)
            await pilot.press(*pins["so_pin"])
            shots["so-pin typed"] = app.export_screenshot().encode()
            await pilot.press("enter")  # the crash
            await settle(pilot)
            shots["after the crash"] = app.export_screenshot().encode()
    assert fired and app.return_code == 1

    logging.getLogger("canary").info("probe %s", pins["probe"])
    out, err = capfd.readouterr()
    assert "INJECTED: a bug where the SO PIN is taken" in err and "buggy_init" in err  # the crash report
    haystacks: dict[str, bytes] = {"stdout": out.encode(), "stderr": err.encode(), **shots}
    for file in helpdesk_home.rglob("*"):
        if file.is_file():
            haystacks[str(file.relative_to(helpdesk_home))] = file.read_bytes()
    probe = {"probe": pins.pop("probe")}
    assert find(probe, haystacks) == [("probe", "logs/kiosk.log")]
    assert "•" in shots["so-pin typed"].decode()
    assert find(pins, haystacks) == []
