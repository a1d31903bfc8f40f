"""``helpdesk config show``: the settings in effect, where they come from, secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import cli


def show(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["config", "show", *args])
    return result.exit_code, result.output


def test_defaults_without_a_file(helpdesk_home: Path) -> None:
    code, out = show("--json")
    data = json.loads(out)
    assert code == 0
    assert data["config_file"] == str(helpdesk_home / "helpdesk.toml")
    assert data["config_file_exists"] is False
    assert data["settings"]["home"] == str(helpdesk_home)
    assert data["settings"]["kiosk_id"] == "kiosk-01"
    assert data["settings"]["organisation"]["name"] == "SỞ NỘI VỤ"
    assert data["paths"]["archive_dir"] == str(helpdesk_home / "archive")


def test_file_values_env_overrides_and_masking(helpdesk_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = tmp_path / "elsewhere.toml"
    settings.write_text(
        'kiosk_id = "quay-3"\n'
        'printer = "HP-1"\n'
        'registry_url = "https://kiosk:hunter2@registry.example.vn:8443/api"\n'
        "[plugins]\nblock = [\"training\"]\n"
        "[[modules]]\nname = \"safenet\"\npath = \"/usr/lib/libeTPkcs11.so\"\natrs = [\"3BD518\"]\n"
        "[sync]\napi_key = \"s3cr3t\"\ninterval = 30\n"
        "[pin_unlock]\nso_pin = \"12345678\"\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HELPDESK_CONFIG", str(settings))
    monkeypatch.setenv("HELPDESK_PRINTER", "Canon-2")

    code, out = show("--json")
    data = json.loads(out)

    assert code == 0
    assert data["config_file"] == str(settings) and data["config_file_exists"] is True
    s = data["settings"]
    assert (s["kiosk_id"], s["printer"]) == ("quay-3", "Canon-2")  # env beats file
    assert s["plugins_block"] == ["training"]
    assert s["modules"][0]["path"] == "/usr/lib/libeTPkcs11.so"
    assert s["registry_url"] == "https://kiosk:********@registry.example.vn:8443/api"
    assert s["extra"]["sync"] == {"api_key": "********", "interval": 30}
    assert s["extra"]["pin_unlock"]["so_pin"] == "********"
    assert "hunter2" not in out and "s3cr3t" not in out and "12345678" not in out


def test_text_output_names_the_file(helpdesk_home: Path) -> None:
    (helpdesk_home / "helpdesk.toml").write_text('kiosk_id = "quay-7"\n[organisation]\nplace = "Cần Thơ"\n')
    code, out = show()
    assert code == 0
    assert out.splitlines()[0] == f"Tệp cấu hình: {helpdesk_home / 'helpdesk.toml'} (đã có)"
    assert 'kiosk_id = "quay-7"' in out
    assert '  place = "Cần Thơ"' in out


def test_bad_file_is_a_one_line_error(helpdesk_home: Path) -> None:
    (helpdesk_home / "helpdesk.toml").write_text("kiosk_id = \n")
    code, out = show()
    assert code == 2
    assert len(out.strip().splitlines()) == 1 and "helpdesk.toml" in out
