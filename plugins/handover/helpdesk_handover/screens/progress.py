"""A progress bar (rows done / total, time left) and a cancel key for a screen's long job."""

from __future__ import annotations

import threading

from textual.widgets import ProgressBar

from helpdesk.extension import WorkflowScreen
from helpdesk_handover.progress import Progress


class JobProgress(ProgressBar):
    """Hidden until a job starts; :meth:`start` gives the job its :class:`Progress`, which
    reports through the UI thread; :meth:`cancel` stops the job at its next step."""

    DEFAULT_CSS = "JobProgress { height: 1; margin: 0 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(total=None, show_eta=True, id=id)
        self.display = False
        self.cancel_event = threading.Event()

    def start(self, screen: WorkflowScreen, message: str) -> Progress:
        self.cancel_event = threading.Event()
        self.update(total=None, progress=0)
        self.display = True
        app = screen.app

        def report(done: int, total: int) -> None:  # on the job's thread
            if not self.cancel_event.is_set():
                app.call_from_thread(self.update, total=max(total, 1), progress=done)

        return Progress(report, self.cancel_event, message)

    def cancel(self) -> bool:
        """Ask the running job to stop; False when nothing runs."""
        if not self.display or self.cancel_event.is_set():
            return False
        self.cancel_event.set()
        return True

    def finish(self) -> None:
        self.cancel_event.set()  # a late report changes nothing
