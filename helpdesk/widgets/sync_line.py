"""The home screen's sync line: pending records, last success, last error.

Without a ``registry_url`` it says sync is not set up (no timer, no I/O). Otherwise it
reads the relay's state and the outbox count in a thread worker every few seconds.
It reads ``settings`` and ``kiosk`` (with its ``store``) from the app when present.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import Static

from helpdesk.i18n import _

REFRESH_SECONDS = 3.0


class SyncLine(Static):
    def on_mount(self) -> None:
        self.reload()
        if self._configured():
            self.set_interval(REFRESH_SECONDS, self.reload)

    def _configured(self) -> bool:
        settings = getattr(self.app, "settings", None)
        return bool(getattr(settings, "registry_url", ""))

    def reload(self) -> None:
        """Show the current state (called by the timer and on a language switch)."""
        if not self._configured():
            self.update(_("Sync: not set up yet"))
            return
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync-line")
    def _load(self) -> None:
        from helpdesk.sync.status import status_line

        app: Any = self.app
        kiosk = getattr(app, "kiosk", None)
        text = status_line(app.settings, getattr(kiosk, "store", None))
        self.app.call_from_thread(self.update, text)
