"""Sync settings: ``registry_url`` (top level) and an optional ``[sync]`` table::

    registry_url = "https://registry.snv.cantho.gov.vn:8470"
    [sync]
    registry_ca = "/etc/helpdesk/registry-ca.pem"   # trust this certificate (self-signed registry)
    interval_seconds = 30                            # between pushes when all is well
    batch_size = 1000
    registry_public_key = "…"                        # signs receipts of offline bundles (helpdesk registry id)

``HELPDESK_REGISTRY_URL`` and ``HELPDESK_REGISTRY_CA`` override the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpdesk.errors import ConfigError

if TYPE_CHECKING:
    from helpdesk.config import Settings


@dataclass(frozen=True)
class SyncSettings:
    registry_url: str
    registry_ca: Path | None = None
    interval: float = 30.0
    batch_size: int = 1000
    registry_public_key: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.registry_url)


def sync_settings(settings: Settings) -> SyncSettings:
    table = settings.extra.get("sync", {})
    if not isinstance(table, dict):
        raise ConfigError("[sync] must be a table")
    ca = os.environ.get("HELPDESK_REGISTRY_CA") or table.get("registry_ca") or ""
    try:
        interval = float(table.get("interval_seconds", 30))
        batch_size = int(table.get("batch_size", 1000))
    except (TypeError, ValueError) as exc:
        raise ConfigError("[sync] interval_seconds and batch_size must be numbers") from exc
    if batch_size < 1 or interval <= 0:
        raise ConfigError("[sync] interval_seconds and batch_size must be positive")
    return SyncSettings(settings.registry_url.rstrip("/"), Path(str(ca)).expanduser() if ca else None,
                        interval, batch_size, str(table.get("registry_public_key", "")))
