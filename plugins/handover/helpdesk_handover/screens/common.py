"""What the handover screens share: a status line, and worker errors shown, never raised."""

from __future__ import annotations

import logging

from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from helpdesk.errors import HelpdeskError
from helpdesk.extension import WorkflowContext
from helpdesk.i18n import _

log = logging.getLogger(__name__)


def describe(error: BaseException) -> str:
    """One line for the operator, in their language."""
    if isinstance(error, HelpdeskError):
        return f"{error.localized_title()}: {error.localized()}"
    return _("Unexpected error: {error}").format(error=f"{type(error).__name__}: {error}")


class WorkflowScreen(Screen[None]):
    """Base of the plugin's screens: ``#status`` shows progress and every worker error."""

    DEFAULT_CSS = """
    WorkflowScreen { padding: 0 1; }
    WorkflowScreen .title { text-style: bold; color: $accent; padding: 0 0 1 0; }
    WorkflowScreen #status { height: auto; min-height: 1; padding: 1 0 0 0; }
    WorkflowScreen #status.error { color: $error; text-style: bold; }
    WorkflowScreen #status.ok { color: $success; text-style: bold; }
    """

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__()
        self.context = context

    def status(self, text: str, kind: str = "") -> None:
        widget = self.query_one("#status", Static)
        widget.update(text)
        widget.set_class(kind == "error", "error")
        widget.set_class(kind == "ok", "ok")

    @property
    def status_text(self) -> str:
        return str(self.query_one("#status", Static).content)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            if not isinstance(error, HelpdeskError):
                log.error("handover worker %s failed", event.worker.name, exc_info=error)
            self.failed(event.worker.group, error)

    def failed(self, group: str, error: BaseException) -> None:
        """A worker of ``group`` raised ``error`` (override to reset state)."""
        self.status(describe(error), "error")

    def action_close(self) -> None:
        self.dismiss(None)
