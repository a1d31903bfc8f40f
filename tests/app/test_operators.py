"""Operator accounts: hashes not passwords, audited changes, all-or-nothing, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpdesk.operators import AccountError, LoginFailed, OperatorBook
from helpdesk.operators.passwords import PasswordHash
from helpdesk.secret import Secret


@pytest.fixture
def book(kiosk_settings) -> OperatorBook:
    return OperatorBook(kiosk_settings.data_dir)


def test_password_is_kept_only_as_a_salted_scrypt_hash(book, kiosk_store):
    book.add(kiosk_store, "lan", "Trần Thị Lan", "operator", by="test", password=Secret("mat-khau-chung-1"))
    book.add(kiosk_store, "minh", "Lê Văn Minh", "operator", by="test", password=Secret("mat-khau-chung-1"))
    raw = book.path.read_text(encoding="utf-8")
    assert "mat-khau-chung-1" not in raw
    rows = json.loads(raw)["operators"]
    lan, minh = PasswordHash.decode(rows["lan"]["password_hash"]), PasswordHash.decode(rows["minh"]["password_hash"])
    assert lan.salt != minh.salt and lan.digest != minh.digest  # same password, different hashes
    assert lan.matches(Secret("mat-khau-chung-1")) and not lan.matches(Secret("mat-khau-chung-2"))
    assert "mat-khau" not in repr(book.authenticate("lan", Secret("mat-khau-chung-1")))


def test_authenticate_refuses_wrong_unknown_and_disabled(book, kiosk_store):
    book.add(kiosk_store, "lan", "Trần Thị Lan", "admin", by="test", password=Secret("mat-khau-dung"))
    assert book.authenticate(" LAN ", Secret("mat-khau-dung")).role == "admin"
    for name, password in (("lan", "mat-khau-sai"), ("ai-do", "mat-khau-dung")):
        with pytest.raises(LoginFailed) as failed:
            book.authenticate(name, Secret(password))
        assert failed.value.message == "Wrong operator name or password."
    book.disable(kiosk_store, "lan", by="root")
    with pytest.raises(LoginFailed, match="disabled"):
        book.authenticate("lan", Secret("mat-khau-dung"))
    book.enable(kiosk_store, "lan", by="root")
    assert book.authenticate("lan", Secret("mat-khau-dung")).active


def test_every_change_is_audited_with_who_made_it(book, kiosk_store):
    book.add(kiosk_store, "lan", "Trần Thị Lan", "operator", by="cli:root", password=Secret("mat-khau-dung"))
    book.set_password(kiosk_store, "lan", Secret("mat-khau-moi-1"), by="cli:root")
    book.register_certificate(kiosk_store, "lan", "ab" * 32, by="cli:root")
    book.disable(kiosk_store, "lan", by="cli:admin2")
    entries = [(e.action, e.operator, e.ref) for e in kiosk_store.audit.entries() if e.action.startswith("operators.")]
    assert entries == [
        ("operators.add", "cli:root", "lan"),
        ("operators.password", "cli:root", "lan"),
        ("operators.register_cert", "cli:root", "lan"),
        ("operators.disable", "cli:admin2", "lan"),
    ]
    assert kiosk_store.audit.verify().ok
    assert book.get("lan").cert_fingerprints == ("AB" * 32,)


def test_a_refused_change_writes_nothing(book, kiosk_store):
    book.add(kiosk_store, "lan", "Trần Thị Lan", "operator", by="test", password=Secret("mat-khau-dung"),
             cert_fingerprints=("cd" * 32,))
    before = (book.path.read_bytes(), kiosk_store.audit.head())
    with pytest.raises(AccountError):
        book.add(kiosk_store, "lan", "Người khác", "admin", by="test", password=Secret("mat-khau-khac"))
    with pytest.raises(AccountError):  # a certificate belongs to one account
        book.add(kiosk_store, "minh", "Lê Văn Minh", "operator", by="test", cert_fingerprints=("CD" * 32,))
    with pytest.raises(AccountError):
        book.add(kiosk_store, "tam", "Tâm", "operator", by="test", password=Secret("ngan"))
    with pytest.raises(AccountError):
        book.add(kiosk_store, "Tên Có Dấu", "Tâm", "operator", by="test", password=Secret("mat-khau-dung"))
    assert (book.path.read_bytes(), kiosk_store.audit.head()) == before


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", *args], input=stdin, capture_output=True,
                          text=True, env=dict(os.environ), timeout=60, check=False)


def test_cli_add_asks_twice_list_and_disable(kiosk_settings):
    mismatch = _cli("operator", "add", "lan", "--name", "Trần Thị Lan", "--role", "admin",
                    stdin="mat-khau-dung\nkhac-han\nmat-khau-dung\nmat-khau-dung\n")
    assert mismatch.returncode == 0, mismatch.stderr
    assert "mat-khau-dung" not in mismatch.stdout + mismatch.stderr  # hidden input, never echoed
    assert "Đã tạo người trực lan (Trần Thị Lan, quản trị)." in mismatch.stdout
    listed = json.loads(_cli("operator", "list", "--json").stdout)
    assert [(o["id"], o["role"], o["active"], o["has_password"]) for o in listed] == [("lan", "admin", True, True)]
    assert _cli("operator", "disable", "lan").returncode == 0
    assert json.loads(_cli("operator", "list", "--json").stdout)[0]["active"] is False
    assert OperatorBook(kiosk_settings.data_dir).get("lan").full_name == "Trần Thị Lan"


def test_cli_change_while_the_kiosk_holds_the_store_is_one_clear_line(kiosk_store):
    done = _cli("operator", "disable", "lan")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "đang được một tiến trình khác mở" in done.stderr


def test_accounts_from_before_store_tables_still_log_in_and_move_on_change(book, kiosk_store):
    book.add(kiosk_store, "lan", "Trần Thị Lan", "operator", by="test", password=Secret("mat-khau-chung-1"))
    data = json.loads(book.path.read_text(encoding="utf-8"))
    data["operators"]["lan"]["password"] = data["operators"]["lan"].pop("password_hash")  # the old layout
    book.path.write_text(json.dumps(data), encoding="utf-8")
    assert book.authenticate("lan", Secret("mat-khau-chung-1")).id == "lan"
    book.disable(kiosk_store, "lan", by="admin")
    row = json.loads(book.path.read_text(encoding="utf-8"))["operators"]["lan"]
    assert "password" not in row and PasswordHash.decode(row["password_hash"]).matches(Secret("mat-khau-chung-1"))
    assert [e.action for e in kiosk_store.audit.entries()][-1] == "operators.disable"
