"""What the last sync attempts did, kept in ``$HELPDESK_HOME/sync/state.json`` so the
home screen and ``helpdesk sync status`` show it after a restart. Informative only:
which records are delivered is the outbox's business, not this file's."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "state.json"


@dataclass
class SyncState:
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: dict[str, Any] | None = None  # {"message": msgid, "params": {…}, "at": time}
    registry_head: int | None = None
    pending: int | None = None
    sent_total: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def error_text(self) -> str | None:
        if not self.last_error:
            return None
        from helpdesk.i18n import gettext

        params = self.last_error.get("params") or {}
        try:
            return gettext(str(self.last_error.get("message", ""))).format(**params)
        except (KeyError, IndexError, ValueError):
            return str(self.last_error.get("message", ""))

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "last_error_text": self.error_text()}


def load_state(path: Path) -> SyncState:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SyncState()
    if not isinstance(raw, dict):
        return SyncState()
    known = SyncState.__dataclass_fields__
    return SyncState(**{k: v for k, v in raw.items() if k in known})


def save_state(path: Path, state: SyncState) -> None:
    """Atomic replace: a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = json.dumps(asdict(state), ensure_ascii=False, indent=1).encode("utf-8")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
