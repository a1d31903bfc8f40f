"""The sync line of the home screen and ``helpdesk sync status``: pending records,
last success, last error."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from helpdesk.i18n import _
from helpdesk.sync.relay import running_relay, state_path
from helpdesk.sync.settings import sync_settings
from helpdesk.sync.state import load_state

if TYPE_CHECKING:
    from helpdesk.config import Settings
    from helpdesk.store import Store


def _local(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso.replace('Z', '+00:00')).astimezone():%d/%m/%Y %H:%M}"
    except ValueError:
        return iso


def status(settings: Settings, store: Store | None = None) -> dict[str, Any]:
    config = sync_settings(settings)
    relay = running_relay(settings)
    state = relay.state if relay is not None else load_state(state_path(settings))
    pending = store.outbox.count() if store is not None else state.pending
    return {
        "configured": config.configured, "registry_url": config.registry_url or None, "running": relay is not None,
        "pending": pending, "last_success": state.last_success, "last_attempt": state.last_attempt,
        "last_error": state.error_text(), "registry_head": state.registry_head,
    }


def status_line(settings: Settings, store: Store | None = None) -> str:
    """One line for the home screen, in the interface language."""
    info = status(settings, store)
    if not info["configured"]:
        return _("Sync: not set up yet")
    parts = [_("Sync: {pending} pending").format(pending=info["pending"] if info["pending"] is not None else "?")]
    if info["last_success"]:
        parts.append(_("last success {time}").format(time=_local(info["last_success"])))
    else:
        parts.append(_("never synced"))
    if info["last_error"]:
        parts.append(_("last error: {error}").format(error=info["last_error"]))
    return " · ".join(parts)
