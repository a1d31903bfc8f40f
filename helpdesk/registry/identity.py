"""The registry's own Ed25519 key: it signs receipts for offline bundles.

Kept in ``$HELPDESK_REGISTRY_KEY`` or ``$HELPDESK_HOME/registry/registry_ed25519.pem``
(mode 0600, made at first use). Kiosks trust it through ``[sync] registry_public_key``
(``helpdesk registry id`` prints it).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from helpdesk.sync.identity import load_or_create_key

KEY_ENV = "HELPDESK_REGISTRY_KEY"


def registry_key_path() -> Path:
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    from helpdesk.config import default_home

    return default_home() / "registry" / "registry_ed25519.pem"


def registry_key(path: Path | None = None) -> Ed25519PrivateKey:
    return load_or_create_key(path or registry_key_path())
