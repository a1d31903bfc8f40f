"""``helpdesk config show`` — the settings in effect (file + HELPDESK_* overrides).

Values whose key names a secret (password, token, PIN, …) and passwords inside URLs
are masked: this output gets pasted into support tickets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click

from helpdesk.i18n import _

MASK = "********"
_SECRET_PARTS = {"password", "passwd", "secret", "token", "pin", "puk", "key", "apikey", "credentials"}


def _is_secret(key: str) -> bool:
    return any(part in _SECRET_PARTS for part in re.split(r"[_\-.\s]+", key.lower()))


def _mask_url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if parts.password is None:
        return value
    netloc = f"{parts.username or ''}:{MASK}@{parts.hostname or ''}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def masked(value: Any, key: str = "") -> Any:
    """``value`` with secrets replaced by ``MASK`` (recursively)."""
    if isinstance(value, dict):
        return {k: masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v, key) for v in value]
    if key and _is_secret(key) and value not in (None, "", ()):
        return MASK
    if isinstance(value, str) and "://" in value:
        return _mask_url(value)
    if isinstance(value, Path):
        return str(value)
    return value


def effective_settings() -> dict[str, Any]:
    from helpdesk.config import config_path, load_settings

    settings = load_settings()
    path = config_path(settings.home)
    return {
        "config_file": str(path),
        "config_file_exists": path.is_file(),
        "settings": masked(settings.as_dict()),
        "paths": {
            "data_dir": str(settings.data_dir),
            "archive_dir": str(settings.archive_dir),
            "log_dir": str(settings.log_dir),
        },
    }


def _render(key: str, value: Any, indent: str = "") -> list[str]:
    if isinstance(value, dict) and value:
        lines = [f"{indent}{key}:"]
        for k, v in value.items():
            lines += _render(str(k), v, indent + "  ")
        return lines
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        lines = [f"{indent}{key}:"]
        for i, item in enumerate(value):
            lines += _render(f"[{i}]", item, indent + "  ")
        return lines
    return [f"{indent}{key} = {json.dumps(value, ensure_ascii=False, default=str)}"]


@click.group("config")
def config() -> None:
    """Kiosk settings."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(as_json: bool) -> None:
    """Print the settings in effect and the settings file they come from."""
    data = effective_settings()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    status = _("found") if data["config_file_exists"] else _("missing, defaults in use")
    click.echo(_("Settings file: {path} ({status})").format(path=data["config_file"], status=status))
    for key, value in data["settings"].items():
        click.echo("\n".join(_render(key, value)))
    for key, value in data["paths"].items():
        click.echo("\n".join(_render(key, value)))
