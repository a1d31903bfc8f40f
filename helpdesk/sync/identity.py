"""The kiosk's Ed25519 identity: made at first use, kept in ``$HELPDESK_HOME/sync/``.

The private key file is created with mode 0600 and never printed or logged; only
the public key leaves the kiosk (``helpdesk kiosk id``), to be enrolled at the registry.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from helpdesk.sync.errors import SyncError
from helpdesk.sync.protocol import encode_public_key

if TYPE_CHECKING:
    from helpdesk.config import Settings

KEY_FILE = "kiosk_ed25519.pem"


def sync_dir(settings: Settings) -> Path:
    return settings.home / "sync"


@dataclass(frozen=True)
class KioskIdentity:
    kiosk_id: str
    key: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        return encode_public_key(self.key.public_key())


def load_key(path: Path) -> Ed25519PrivateKey | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        key = load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise SyncError("The kiosk key {path} is damaged", path=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SyncError("The kiosk key {path} is not an Ed25519 key", path=str(path))
    return key


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``; a new one if there is none (two processes racing agree on one)."""
    key = load_key(path)
    if key is not None:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made one first: theirs wins
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    found = load_key(path)
    assert found is not None
    return found


def kiosk_identity(settings: Settings) -> KioskIdentity:
    return KioskIdentity(settings.kiosk_id, load_or_create_key(sync_dir(settings) / KEY_FILE))
