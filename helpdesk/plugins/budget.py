"""Time budgets for plugin hooks, and the event thread that keeps them off the UI.

Python cannot stop a thread, so a plugin that blocks is *left behind*, not killed:

- :func:`call_with_budget` runs one hook function on a helper thread (the caller's
  context copied, so the current plugin and the failure sink follow it) and waits at
  most the budget; over it, the caller goes on and the plugin is failed. Whatever the
  plugin does afterwards is ignored (a failed plugin's registrations and results are
  dropped; it is never called again).
- :func:`call_with_watchdog` runs it on the caller's thread — for hooks called inside a
  save (``helpdesk_validate_record``, ``helpdesk_record_saved``), whose caller may hold
  the store's lock the plugin reads through — and fails the plugin once the budget is
  spent; the caller (a worker thread, never the UI) waits for it to return.
- :class:`EventQueue`: events the app raises on the UI thread (``helpdesk_startup``,
  ``helpdesk_token_inserted``, ``helpdesk_token_removed``) are handed to one thread,
  in order; the UI waits at most a few frames for them.
"""

from __future__ import annotations

import contextvars
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from helpdesk.workflow.types import PluginError

T = TypeVar("T")

#: Default budget of one plugin's hook function, in seconds (``HELPDESK_PLUGIN_TIMEOUT``).
DEFAULT_HOOK_TIMEOUT = 10.0
#: How long the UI thread waits for an event's hooks before it goes on (seconds).
UI_WAIT = 0.1


class PluginTimeout(PluginError):
    """A hook function ran past its time budget."""


def timeout_error(hook: str, seconds: float) -> PluginTimeout:
    return PluginTimeout("{hook} did not finish within {seconds} s", hook=hook.removeprefix("helpdesk_"),
                         seconds=f"{seconds:g}")


def call_with_budget(function: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
                     seconds: float, hook: str, thread_name: str) -> T:
    """``function(*args, **kwargs)`` on a helper thread; :class:`PluginTimeout` after ``seconds``."""
    context = contextvars.copy_context()
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, context.run(function, *args, **kwargs)))
        except BaseException as exc:  # handed to the caller, which blames the plugin
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name=thread_name, daemon=True)  # daemon: never holds up exit
    thread.start()
    thread.join(seconds)
    if not outcome:
        raise timeout_error(hook, seconds)
    ok, value = outcome[0]
    if not ok:
        raise value
    result: T = value
    return result


def call_with_watchdog(function: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
                       seconds: float, on_timeout: Callable[[], None]) -> T:
    """``function(*args, **kwargs)`` on this thread; ``on_timeout()`` (another thread)
    once it has run ``seconds``."""
    timer = threading.Timer(seconds, on_timeout)
    timer.daemon = True
    timer.start()
    try:
        return function(*args, **kwargs)
    finally:
        timer.cancel()


def on_event_loop() -> bool:
    """True on a thread running an asyncio loop: the Textual UI thread."""
    asyncio = sys.modules.get("asyncio")  # not imported yet: no loop can be running
    if asyncio is None:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class EventQueue:
    """One daemon thread running submitted calls in order; it ends when idle."""

    IDLE_SECONDS = 2.0

    def __init__(self, name: str = "helpdesk-plugin-events") -> None:
        self.name = name
        self._queue: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        context = contextvars.copy_context()
        self._queue.put((lambda: context.run(call), future))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            try:
                call, future = self._queue.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                future.set_result(call())
            except BaseException as exc:  # the helpers catch plugins' errors; this is a core bug
                future.set_exception(exc)
            finally:
                self._queue.task_done()

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted call ran (tests); False on timeout."""
        done = threading.Event()

        def mark() -> None:
            done.set()

        self.submit(mark)
        return done.wait(timeout)
