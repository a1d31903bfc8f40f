"""The embedded demo: a SoftHSM2 token with a Vietnamese certificate, a local store.

``python -m helpdesk.demo prepare DIR`` creates (once) under DIR:
  softhsm/      a SoftHSM2 store with one demo token (key pair + certificate from a
                local demo CA, holder "Nguyễn Thị Ánh Tuyết")
  home/         HELPDESK_HOME with helpdesk.toml mapping the demo card's ATR to SoftHSM2
and prints the environment to use. ``python -m helpdesk.demo card`` holds a virtual
card (that ATR) in vpcd's first reader until killed, so the kiosk sees a real PC/SC
insert. The demo PINs are printed for the demo only; they exist nowhere else.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

DEMO_ATR = "3B8F8001804F0CA0000003060300030000000068"
DEMO_PIN = "123456"
DEMO_SO_PIN = "12345678"

SETTINGS = f"""# Demo kiosk settings (created by `make demo`).
kiosk_id = "demo-kiosk"
language = "vi"
printer = ""
idle_lock_minutes = 10

[organisation]
parent = "UBND THÀNH PHỐ CẦN THƠ"
name = "SỞ NỘI VỤ"
code = "SNV"
place = "Cần Thơ"

[[modules]]
name = "softhsm"
path = "/usr/lib/softhsm/libsofthsm2.so"
atrs = ["{DEMO_ATR}"]
reinit_on_change = true
"""


def prepare(root: Path) -> dict[str, str]:
    from helpdesk.testing.ca import TestCA, person_subject
    from helpdesk.testing.softhsm import SoftHSMStore

    root = root.resolve()
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "helpdesk.toml"
    if not settings.exists():
        settings.write_text(SETTINGS, encoding="utf-8")
    store = SoftHSMStore(root / "softhsm")
    env = {"SOFTHSM2_CONF": str(store.conf), "HELPDESK_HOME": str(home)}
    marker = root / "token.json"
    if not marker.exists():
        os.environ["SOFTHSM2_CONF"] = str(store.conf)
        ca = TestCA.create("CA thử nghiệm của bản demo")
        token = store.create_token(label="VGCA Token", pin=DEMO_PIN, so_pin=DEMO_SO_PIN)
        store.add_identity(token, ca, subject=person_subject(), key_id="01")
        (root / "demo-ca.pem").write_bytes(ca.pem())
        marker.write_text(json.dumps({"serial": token.serial, "label": token.label}), encoding="utf-8")
    return env


def ensure_pcscd() -> None:
    """Start pcscd (as a daemon) unless one answers already."""
    from helpdesk.tokens import pcsc

    if pcsc.pcscd_status() != "no_service":
        return
    for stale in ("/run/pcscd/pcscd.comm", "/run/pcscd/pcscd.pid"):
        Path(stale).unlink(missing_ok=True)
    subprocess.run(["pcscd"], check=False)
    deadline = time.monotonic() + 10
    while pcsc.pcscd_status() == "no_service" and time.monotonic() < deadline:
        time.sleep(0.1)


def hold_card() -> None:
    """Keep the demo card inserted until SIGTERM/SIGINT."""
    from helpdesk.testing.vcard import VirtualCard

    ensure_pcscd()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with VirtualCard(bytes.fromhex(DEMO_ATR)):
        stop.wait()


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "prepare"
    if command == "prepare":
        env = prepare(Path(argv[2] if len(argv) > 2 else ".demo"))
        for key, value in env.items():
            print(f"export {key}={value}")
    elif command == "pcscd":
        ensure_pcscd()
    elif command == "card":
        hold_card()
    else:
        raise SystemExit(f"usage: python -m helpdesk.demo [prepare DIR|pcscd|card]; got {command!r}")


if __name__ == "__main__":
    main(sys.argv)
