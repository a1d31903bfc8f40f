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
DEMO_OPERATOR = ("admin", "Quản trị viên (bản demo)", "demo-2026")  # id, name, password

#: A small roster (Mẫu 01 columns) whose first row holds the demo token.
DEMO_ROSTER = """Họ và tên,Ngày sinh,Chức vụ,Đơn vị,Số định danh cá nhân,Email công vụ,Điện thoại,Loại chứng thư,Số hiệu thiết bị,Số hiệu chứng thư
Nguyễn Thị Ánh Tuyết,12/03/1986,Chuyên viên,Sở Nội vụ thành phố Cần Thơ,092186001234,tuyetnta@cantho.gov.vn,0907123456,cá nhân,{serial},1001
Trần Văn Bình,02/09/1979,Trưởng phòng,UBND quận Ninh Kiều,092079004321,binhtv@cantho.gov.vn,0918234567,cá nhân,,
Lê Thị Hồng,25/12/1990,Kế toán trưởng,Trung tâm Lưu trữ lịch sử,092190007788,honglt@cantho.gov.vn,0939345678,cá nhân,,
"""

SETTINGS = """# Demo kiosk settings (created by `make demo`).
kiosk_id = "demo-kiosk"
language = "vi"
printer = "{printer}"
idle_lock_minutes = 10

[organisation]
parent = "UBND THÀNH PHỐ CẦN THƠ"
name = "SỞ NỘI VỤ"
code = "SNV"
place = "Cần Thơ"

[[modules]]
name = "softhsm"
path = "/usr/lib/softhsm/libsofthsm2.so"
atrs = ["{atr}"]
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
        printer = ensure_printer(root)
        settings.write_text(SETTINGS.format(printer=printer, atr=DEMO_ATR), encoding="utf-8")
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
    _seed_store(home, json.loads(marker.read_text(encoding="utf-8"))["serial"])
    return env


def _seed_store(home: Path, serial: str) -> None:
    """First run only: an admin account, then the demo roster through the public CLI
    (``helpdesk roster import``, a plugin's command) when a plugin offers it."""
    os.environ["HELPDESK_HOME"] = str(home)
    from helpdesk.config import load_settings
    from helpdesk.operators.accounts import OperatorBook
    from helpdesk.secret import Secret
    from helpdesk.store import open_store

    settings = load_settings()
    book = OperatorBook(settings.data_dir)
    if book.all():
        return
    operator_id, name, password = DEMO_OPERATOR
    store = open_store(settings.data_dir, settings.kiosk_id)
    try:
        book.add(store, operator_id, name, "admin", by="demo-setup", password=Secret(password))
    finally:
        store.close()  # the import below opens the store in its own process
    roster = home / "demo-roster.csv"
    roster.write_text(DEMO_ROSTER.format(serial=serial), encoding="utf-8")
    import_roster(roster, operator_id)


def import_roster(roster: Path, operator_id: str) -> bool:
    """``helpdesk roster import ROSTER`` in a child process; False when no plugin offers
    the command. Its report goes to stderr: stdout carries the ``export`` lines."""
    from helpdesk import plugins

    if "roster" not in plugins.collect_commands():
        print("demo: no plugin offers `helpdesk roster import`; the demo roster is not imported", file=sys.stderr)
        return False
    done = subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "roster", "import", str(roster), "--operator", operator_id],
        env=dict(os.environ), capture_output=True, text=True, timeout=300,
    )
    sys.stderr.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"demo: importing the demo roster failed (exit {done.returncode})")
    return True


DEMO_PRINTER = "HelpdeskDemo"


def ensure_printer(root: Path) -> str:
    """A cups-pdf queue whose "paper" lands in ``root/printed``; "" when CUPS is absent."""
    from helpdesk.testing.cups import CupsUnavailable, PdfPrinter, scheduler_running

    try:
        if not scheduler_running():
            subprocess.run(["cupsd"], check=True, capture_output=True)
            deadline = time.monotonic() + 10
            while not scheduler_running() and time.monotonic() < deadline:
                time.sleep(0.1)
        PdfPrinter(DEMO_PRINTER, root / "printed").create(root)
    except (CupsUnavailable, OSError, subprocess.CalledProcessError):
        return ""
    return DEMO_PRINTER


def ensure_cupsd() -> None:
    """Start cupsd for the demo printer if it is configured but the scheduler is down."""
    from helpdesk.testing.cups import scheduler_running

    if not scheduler_running():
        subprocess.run(["cupsd"], check=False, capture_output=True)


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
        ensure_cupsd()
    elif command == "card":
        hold_card()
    else:
        raise SystemExit(f"usage: python -m helpdesk.demo [prepare DIR|pcscd|card]; got {command!r}")


if __name__ == "__main__":
    main(sys.argv)
