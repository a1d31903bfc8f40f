"""``helpdesk doctor``: each problem named with its fix, exit 1 when a required one fails."""

from __future__ import annotations

import json

from helpdesk.testing.cli import run_cli


def test_doctor_names_a_missing_forced_library_with_its_fix_and_exits_1():
    done = run_cli("doctor", "--json", env={"HELPDESK_PKCS11_MODULE": "/nonexistent/libvendor.so"})
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    forced = [c for c in report["checks"] if "libvendor" in c["detail"]]
    assert forced and forced[0]["required"] and forced[0]["fix"]
    fonts = [c for c in report["checks"] if "Liberation" in c["name"]]
    assert fonts and fonts[0]["ok"]


def test_doctor_text_is_vietnamese_by_default_and_english_on_request():
    vi = run_cli("doctor")
    en = run_cli("--lang", "en", "doctor")
    assert "Phông chữ biểu mẫu" in vi.stdout
    assert "Form font" in en.stdout
    assert "Traceback" not in vi.stderr + en.stderr
