"""``helpdesk registry enroll|revoke|kiosks|flags`` and ``helpdesk kiosk id`` as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def helpdesk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "HELPDESK_LANG": "en", **(env or {})}, timeout=60)


def test_kiosk_id_is_stable_and_its_key_private(helpdesk_home: Path) -> None:
    first = helpdesk("kiosk", "id", "--json")
    assert first.returncode == 0, first.stderr
    ident = json.loads(first.stdout)
    assert ident["kiosk_id"] == "kiosk-01"
    assert json.loads(helpdesk("kiosk", "id", "--json").stdout) == ident
    key_file = helpdesk_home / "sync" / "kiosk_ed25519.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE" not in first.stdout


def test_enroll_revoke_and_list(registry_db: str, helpdesk_home: Path) -> None:
    key = json.loads(helpdesk("kiosk", "id", "--json").stdout)["public_key"]
    enrolled = helpdesk("registry", "enroll", "kiosk-01", key, "--unit", "snv", "--db", registry_db)
    assert enrolled.returncode == 0, enrolled.stderr
    listed = json.loads(helpdesk("registry", "kiosks", "--json", "--db", registry_db).stdout)["kiosks"]
    assert [(k["id"], k["unit"], k["revoked_at"]) for k in listed] == [("kiosk-01", "snv", None)]
    assert helpdesk("registry", "revoke", "kiosk-01", "--db", registry_db).returncode == 0
    listed = json.loads(helpdesk("registry", "kiosks", "--json", "--db", registry_db).stdout)["kiosks"]
    assert listed[0]["revoked_at"] is not None
    missing = helpdesk("registry", "revoke", "kiosk-99", "--db", registry_db)
    assert missing.returncode == 3
    bad = helpdesk("registry", "enroll", "kiosk-02", "not-a-key", "--db", registry_db)
    assert bad.returncode == 2
    assert "Ed25519" in bad.stderr
    flags = helpdesk("registry", "flags", "--db", registry_db)
    assert flags.returncode == 0 and "No flags" in flags.stdout


def test_serve_on_port_0_prints_its_address_and_answers(tmp_path: Path) -> None:
    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "registry", "serve", "--port", "0",
                             "--db", f"sqlite:///{tmp_path / 'r.db'}"], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "HELPDESK_LANG": "en"})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("helpdesk registry listening on http://127.0.0.1:")
        url = line.split()[-1]
        for _ in range(100):
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                import time

                time.sleep(0.05)
        assert httpx.get(url + "/openapi.json").json()["info"]["title"] == "helpdesk registry"
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode in (0, -15)  # uvicorn shuts down cleanly, then re-raises SIGTERM


def test_a_database_that_cannot_be_reached_is_a_clear_error(helpdesk_home: Path) -> None:
    from helpdesk.registry.testing import free_port

    url = f"postgresql+psycopg://postgres:secret@127.0.0.1:{free_port()}/registry"  # nothing listens there
    result = helpdesk("registry", "kiosks", "--db", url)
    assert result.returncode == 2
    assert "Cannot open the registry database postgresql+psycopg://postgres:***@127.0.0.1" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr
