"""``helpdesk token list|info`` and ``doctor`` as a user runs them: separate processes."""

from __future__ import annotations

import json
import unicodedata

from helpdesk.testing.ca import person_subject
from helpdesk.testing.cli import run_cli
from helpdesk.testing.softhsm import SOFTHSM_LIBRARY


def test_token_list_json_shows_every_token_with_nfc_subjects(softhsm, test_ca):
    subject = person_subject(name=unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"))
    first = softhsm.create_token(label="VGCA Token")
    cert = softhsm.add_identity(first, test_ca, subject=subject)
    second = softhsm.create_token(label="Token rỗng")

    done = run_cli("token", "list", "--json", env={"HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY})

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    tokens = {t["serial"]: t for t in json.loads(done.stdout)["tokens"]}
    assert set(tokens) == {first.serial, second.serial}
    listed = tokens[first.serial]
    assert listed["label"] == "VGCA Token"
    assert listed["flags"]["user_pin_initialized"] is True and listed["flags"]["user_pin_locked"] is False
    [c] = listed["certificates"]
    assert c["subject"]["CN"] == "Nguyễn Thị Ánh Tuyết" == unicodedata.normalize("NFC", subject["CN"])
    assert c["subject"]["O"] == "Sở Nội vụ thành phố Cần Thơ"
    assert c["serial"] == format(cert.serial_number, "X")
    assert c["not_after"].endswith("Z") and c["fingerprint_sha256"]
    assert tokens[second.serial]["label"] == "Token rỗng" and tokens[second.serial]["certificates"] == []


def test_token_info_human_output_in_vietnamese_and_english(softhsm, test_ca):
    token = softhsm.create_token()
    softhsm.add_identity(token, test_ca)
    env = {"HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY}

    vi = run_cli("token", "info", token.serial, env=env)
    en = run_cli("--lang", "en", "token", "info", token.serial, env=env)

    assert vi.returncode == 0 and en.returncode == 0
    assert "Nguyễn Thị Ánh Tuyết" in vi.stdout and "Số sê-ri" in vi.stdout
    assert "Serial" in en.stdout and "days left" in en.stdout


def test_token_info_unknown_serial_exits_3_without_traceback(softhsm):
    softhsm.create_token()
    done = run_cli("token", "info", "deadbeef", env={"HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY})
    assert done.returncode == 3
    assert "Traceback" not in done.stderr and "deadbeef" in done.stderr


def test_wrong_module_path_is_a_clear_error_not_a_traceback():
    done = run_cli("token", "list", env={"HELPDESK_PKCS11_MODULE": "/nonexistent/libmissing.so"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "/nonexistent/libmissing.so" in done.stderr


def test_malformed_certificate_listed_flagged(softhsm, test_ca):
    token = softhsm.create_token()
    softhsm.add_certificate_der(token, b"not a certificate", key_id="01", label="hỏng")
    done = run_cli("token", "list", "--json", env={"HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY})
    assert done.returncode == 0 and "Traceback" not in done.stderr
    [c] = json.loads(done.stdout)["tokens"][0]["certificates"]
    assert c["label"] == "hỏng" and "malformed" in c["error"]


def test_token_list_works_without_pcscd_or_readers(softhsm):
    """No reader and no pcscd needed: the configured libraries are enumerated directly."""
    token = softhsm.create_token()
    done = run_cli("token", "list", "--json", env={
        "HELPDESK_PKCS11_MODULE": SOFTHSM_LIBRARY, "PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"})
    assert done.returncode == 0
    [listed] = json.loads(done.stdout)["tokens"]
    assert listed["serial"] == token.serial and listed["reader"] is None


def test_version_is_fast_path():
    done = run_cli("--version")
    assert done.returncode == 0 and "helpdesk" in done.stdout
