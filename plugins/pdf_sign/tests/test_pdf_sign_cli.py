"""``helpdesk sign verify`` and ``helpdesk sign test`` as a user runs them (separate
processes), and pyHanko's own CLI as the independent reference both ways."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from helpdesk_pdf_sign import service
from pdf_sign_kit import HOLDER, Issued, context, files_under, other_ca, read_token

from helpdesk.extension import Secret
from helpdesk.testing.ca import TestCA, person_subject, pooled_key
from helpdesk.testing.cli import run_cli
from helpdesk.testing.kit import Kiosk
from helpdesk.testing.pdftools import pdf_text
from helpdesk.testing.softhsm import SOFTHSM_LIBRARY

PYHANKO = str(Path(sys.executable).with_name("pyhanko"))


def pyhanko(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYHANKO, *args], capture_output=True, text=True, timeout=120, input=input, check=False)


@pytest.fixture
def kiosk_signed(kiosk: Kiosk, issue: Callable[..., Issued], tmp_path: Path) -> Path:
    issued = issue()
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    prepared = service.prepare(ctx, token)
    outcome = service.sign_document(ctx, prepared, service.make_test_document(ctx, prepared),
                                    Secret(issued.token.pin), out=tmp_path / "ky-thu.pdf")
    path: Path | None = outcome.out_path
    assert path is not None
    return path


@pytest.fixture
def plain_pdf(kiosk: Kiosk, issue: Callable[..., Issued], tmp_path: Path) -> Path:
    """An unsigned Decree-30 PDF (the generated test document)."""
    issued = issue()
    token = read_token(kiosk, issued.serial)
    ctx = context(kiosk, token)
    document = service.make_test_document(ctx, service.prepare(ctx, token))
    path = tmp_path / "plain.pdf"
    path.write_bytes(document.pdf)
    return path


def test_kiosk_signed_pdf_validates_with_pyhankos_cli(kiosk_signed: Path, test_ca: TestCA, tmp_path: Path) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(test_ca.pem())
    done = pyhanko("sign", "validate", "--trust", str(root), "--trust-replace", "--no-revocation-check",
                   "--pretty-print", str(kiosk_signed))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The signature is judged VALID" in done.stdout
    assert "cryptographically sound" in done.stdout.lower() or "intact" in done.stdout.lower()
    text = " ".join(pdf_text(kiosk_signed).split())
    assert "VĂN BẢN KÝ THỬ" in text and HOLDER in text and "Cần Thơ, Sở Nội vụ, ủy quyền, thẩm định" in text


def test_verify_kiosk_signed_pdf_json(kiosk_signed: Path, trust_dir: Path) -> None:
    done = run_cli("sign", "verify", str(kiosk_signed), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    [signature] = report["signatures"]
    assert report["ok"] is True
    assert signature["signer"]["common_name"] == HOLDER and HOLDER in signature["signer"]["subject"]
    assert signature["intact"] and signature["valid"] and signature["trusted"]
    assert signature["revocation"] == "unknown" and signature["signing_time"]


def test_pdf_signed_elsewhere_verifies_and_one_changed_byte_is_caught(plain_pdf: Path, test_ca: TestCA,
                                                                      tmp_path: Path) -> None:
    """pyHanko's CLI signs with a PKCS#12 file; ``helpdesk sign verify --trust`` checks it."""
    key = pooled_key(3)
    cert = test_ca.issue(key.public_key(), subject=person_subject(name="Lê Văn Đông"))
    p12 = tmp_path / "dong.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"dong", key, cert, [test_ca.certificate],
                                                          serialization.BestAvailableEncryption(b"matkhau")))
    (tmp_path / "pass.txt").write_text("matkhau")
    signed = tmp_path / "signed-elsewhere.pdf"
    done = pyhanko("sign", "addsig", "--field", "ChuKy1", "--use-pades", "pkcs12", str(plain_pdf), str(signed),
                   str(p12), "--passfile", str(tmp_path / "pass.txt"))
    assert done.returncode == 0, done.stderr
    root = tmp_path / "roots"
    root.mkdir()
    (root / "ca.pem").write_bytes(test_ca.pem())

    ok = run_cli("sign", "verify", str(signed), "--trust", str(root))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Lê Văn Đông" in ok.stdout and "Toàn vẹn: có" in ok.stdout

    data = bytearray(signed.read_bytes())
    where = data.index(b"Liberation") if b"Liberation" in data else len(data) // 3
    data[where] ^= 0x01  # one byte of the signed range
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    bad = run_cli("sign", "verify", str(tampered), "--trust", str(root), "--json")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    [signature] = json.loads(bad.stdout)["signatures"]
    assert signature["intact"] is False
    assert "Văn bản đã bị thay đổi sau khi ký" in signature["reasons"]


def test_verify_untrusted_signer_exits_1(plain_pdf: Path, tmp_path: Path, trust_dir: Path) -> None:
    stranger = other_ca()
    key = pooled_key(4)
    cert = stranger.issue(key.public_key())
    p12 = tmp_path / "x.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"x", key, cert, None, serialization.NoEncryption()))
    signed = tmp_path / "x.pdf"
    assert pyhanko("sign", "addsig", "--field", "S", "pkcs12", "--no-pass", str(plain_pdf), str(signed),
                   str(p12)).returncode == 0
    done = run_cli("sign", "verify", str(signed), "--json")
    assert done.returncode == 1
    [signature] = json.loads(done.stdout)["signatures"]
    assert signature["intact"] and signature["valid"] and not signature["trusted"]
    assert any("không có chuỗi đến chứng thư số gốc tin cậy" in r for r in signature["reasons"])


def test_verify_not_a_pdf_or_unsigned_exits_2(plain_pdf: Path, tmp_path: Path) -> None:
    text = tmp_path / "note.pdf"
    text.write_text("không phải PDF")
    done = run_cli("sign", "verify", str(text))
    assert done.returncode == 2 and "không phải văn bản PDF" in done.stderr
    unsigned = run_cli("sign", "verify", str(plain_pdf), "--json")
    assert unsigned.returncode == 2
    assert json.loads(unsigned.stdout)["error"] == "Tệp PDF không có chữ ký số nào"


def test_sign_test_from_a_script(issue: Callable[..., Issued], trust_dir: Path, helpdesk_home: Path,
                                 tmp_path: Path) -> None:
    issued = issue()
    env = {"HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY, "SOFTHSM2_CONF": os.environ["SOFTHSM2_CONF"]}
    out = tmp_path / "out" / "ky-thu.pdf"
    wrong = run_cli("sign", "test", issued.serial, "--pin-stdin", "--out", str(out), input="999999\n", env=env)
    assert wrong.returncode == 2 and "PIN không đúng" in wrong.stderr
    assert not out.exists() and files_under(helpdesk_home / "archive") == []
    done = run_cli("sign", "test", issued.serial, "--pin-stdin", "--out", str(out), input=issued.token.pin + "\n",
                   env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Chữ ký hợp lệ và được tin cậy" in done.stdout
    assert issued.token.pin not in done.stdout + done.stderr
    assert out.exists() and HOLDER in pdf_text(out)
    assert run_cli("sign", "verify", str(out)).returncode == 0
    assert shutil.which("pdftotext")
