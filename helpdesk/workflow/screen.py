"""``WorkflowScreen``: the one base class for plugin workflow screens.

It carries what every workflow needs and nothing else:
- ``self.ctx`` (:class:`~helpdesk.workflow.context.WorkflowContext`), ``self.operator``;
- the token in the reader, kept current: ``self.token``, and the hooks
  :meth:`token_inserted` / :meth:`token_removed`, fed by the app's public
  ``TokenInserted`` / ``TokenRemoved`` messages (every open screen gets them);
- :meth:`run_job`: blocking work (token, store, ReportLab, CUPS) in a thread worker,
  its result handed to a callback on the UI thread — no worker names, no strings;
- a status line (``#status``, from :meth:`status_line`) and error display: a
  :class:`~helpdesk.errors.HelpdeskError` in the operator's language, anything else
  as "Unexpected error" (and logged), never a crash;
- the localized footer (:meth:`footer`), relabelled on F12, and Esc to close.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.markup import escape
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from helpdesk.errors import HelpdeskError
from helpdesk.i18n import gettext
from helpdesk.messages import LanguageChanged, TokenInserted, TokenRemoved
from helpdesk.widgets.footer import LocalizedFooter

if TYPE_CHECKING:
    from helpdesk.tokens.model import TokenInfo
    from helpdesk.workflow.context import WorkflowContext
    from helpdesk.workflow.types import OperatorRef, RecordAction

log = logging.getLogger(__name__)
T = TypeVar("T")

_STATUS_CLASSES = ("error", "ok", "warning")


def describe_error(error: BaseException) -> str:
    """One line for the operator, in their language."""
    if isinstance(error, HelpdeskError):
        return f"{error.localized_title()}: {error.localized()}"
    return gettext("Unexpected error: {error}").format(error=type(error).__name__)


class StatusLine(Static):
    """The line under a workflow that says what is happening and what went wrong."""

    DEFAULT_CSS = """
    StatusLine { height: auto; min-height: 1; padding: 1 0 0 0; }
    StatusLine.error { color: $error; text-style: bold; }
    StatusLine.ok { color: $success; text-style: bold; }
    StatusLine.warning { color: $warning; text-style: bold; }
    """


class PinInput(Input):
    """A masked field for a PIN: never copied or cut to the clipboard."""

    def __init__(self, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, password=True, id=id)

    def action_copy(self) -> None:
        pass

    def action_cut(self) -> None:
        pass


class WorkflowScreen(Screen[None]):
    """Base of every workflow screen. Subclasses compose their widgets, include
    ``self.status_line()`` and ``self.footer()``, and override the token hooks."""

    DEFAULT_CSS = """
    WorkflowScreen { padding: 0 1; }
    WorkflowScreen .title { text-style: bold; color: $accent; padding: 0 0 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Back", priority=True)]
    #: True: ``self.token`` follows the reader (a queue: each new token is the next one).
    #: False: once the workflow has a token, another one inserted does not replace it
    #: (one holder's unlock, signing…); ``token_inserted`` is still called, to say so.
    FOLLOW_READER: ClassVar[bool] = True

    def __init__(self, context: WorkflowContext) -> None:
        super().__init__()
        self.ctx = context
        self.token: TokenInfo | None = context.token
        self._job_callbacks: dict[Worker[Any], tuple[Callable[[Any], None] | None,
                                                 Callable[[BaseException], None] | None]] = {}

    @property
    def context(self) -> WorkflowContext:
        return self.ctx

    @property
    def operator(self) -> OperatorRef:
        return self.ctx.operator

    # ---- widgets ----------------------------------------------------------------------
    def status_line(self) -> StatusLine:
        return StatusLine("", id="status")

    def footer(self) -> LocalizedFooter:
        return LocalizedFooter()

    def status(self, text: str, kind: str = "") -> None:
        """Show ``text`` on the status line; ``kind`` is "", "ok", "warning" or "error"."""
        found = self.query("#status")
        if not found:
            self.notify(text, severity="error" if kind == "error" else "information", markup=False)
            return
        widget = found.first(Static)
        widget.update(escape(text))
        for name in _STATUS_CLASSES:
            widget.set_class(kind == name, name)

    @property
    def status_text(self) -> str:
        found = self.query("#status")
        return str(found.first(Static).content) if found else ""

    def show_error(self, error: BaseException) -> None:
        if not isinstance(error, HelpdeskError):
            log.error("workflow %s failed", type(self).__name__, exc_info=error)
        self.status(describe_error(error), "error")

    # ---- jobs -------------------------------------------------------------------------
    def run_job(self, fn: Callable[..., T], *args: Any, done: Callable[[T], None] | None = None,
                failed: Callable[[BaseException], None] | None = None, group: str = "job",
                exclusive: bool = True) -> Worker[T]:
        """Run ``fn(*args)`` in a thread; then ``done(result)`` or ``failed(error)`` on the UI thread.

        Without ``failed`` the error is shown on the status line. ``exclusive`` cancels a
        running job of the same ``group`` (its result is then dropped).
        """
        worker: Worker[T] = self.run_worker(partial(fn, *args), group=group, thread=True, exclusive=exclusive,
                                            exit_on_error=False)
        self._job_callbacks[worker] = (done, failed)
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        done, failed = self._job_callbacks.pop(worker, (None, None))
        if event.state == WorkerState.SUCCESS and done is not None:
            done(worker.result)
        elif event.state == WorkerState.ERROR and worker.error is not None:
            (failed or self.show_error)(worker.error)

    def busy_with(self, group: str) -> bool:
        """Whether a job of ``group`` is still running."""
        return any(w.group == group and not w.is_finished for w in self.workers)

    def open_record_action(self, action: RecordAction, records: Sequence[Any]) -> None:
        """Push another plugin's screen for records this workflow saved; its failure is shown here."""
        try:
            screen = action.open(self.ctx, records)
        except Exception as exc:
            self.show_error(exc)
            return
        self.app.push_screen(screen)

    # ---- the token in the reader ------------------------------------------------------
    def on_token_inserted(self, message: TokenInserted) -> None:
        mine = self.token is None or self.token.serial == message.token.serial
        if self.FOLLOW_READER or mine:
            self.token = message.token
        self.token_inserted(message.token)

    def on_token_removed(self, message: TokenRemoved) -> None:
        if self.token is not None and self.token.serial == message.serial:
            self.token = None
        self.token_removed(message.serial)

    def token_inserted(self, token: TokenInfo) -> None:
        """A token was inserted (override: read it, check it). With ``FOLLOW_READER =
        False`` compare ``token.serial`` with ``self.token`` before acting on it."""

    def token_removed(self, serial: str) -> None:
        """The token with ``serial`` was pulled out (override: stop, say so)."""

    # ---- language and closing ---------------------------------------------------------
    def on_language_changed(self, message: LanguageChanged) -> None:
        for widget in self.query(Widget):
            relabel = getattr(widget, "relabel", None)
            if callable(relabel):
                relabel()
        self.relabel()
        self.refresh_bindings()

    def relabel(self) -> None:
        """Re-translate this screen's own texts after a language switch (override)."""

    def action_close(self) -> None:
        self.dismiss(None)
