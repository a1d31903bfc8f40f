"""What every kiosk screen shares: worker errors become notifications, and labels
follow the interface language."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from helpdesk.messages import LanguageChanged
from helpdesk.screens.shell import KioskShell


class KioskScreen(Screen[None]):
    @property
    def kiosk_app(self) -> KioskShell:
        """The app showing this screen, through what screens may use of it."""
        app = self.app
        if not isinstance(app, KioskShell):
            raise TypeError(f"{type(self).__name__} needs a kiosk app, not {type(app).__name__}")
        return app

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker state changes go to the node that started the worker and do not bubble.
        worker: Worker[Any] = event.worker
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.kiosk_app.show_error(worker.error)
            self.worker_failed(worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Hook for screens that must reset a form after a failed worker."""

    def on_language_changed(self, message: LanguageChanged) -> None:
        self.relabel()
        self.refresh_bindings()

    def relabel(self) -> None:
        """Re-translate every widget that knows how (has ``relabel()``)."""
        for widget in self.query(Widget):
            relabel = getattr(widget, "relabel", None)
            if callable(relabel):
                relabel()
