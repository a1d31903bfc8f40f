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
import heapq
import itertools
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from helpdesk.workflow.types import PluginError

T = TypeVar("T")
logger = logging.getLogger(__name__)

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


class Watchdog:
    """One daemon thread calling back for deadlines that were not cancelled in time.

    Far cheaper than a ``threading.Timer`` (a thread) per watched call: a save runs every
    plugin's validate hook under it. The thread ends when nothing is watched.
    """

    IDLE_SECONDS = 2.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, callback: Callable[[], None]) -> int:
        """Call ``callback()`` (on the watchdog thread) in ``seconds`` unless cancelled."""
        with self._cond:
            key = next(self._keys)
            deadline = time.monotonic() + seconds
            earliest = not self._heap or deadline < self._heap[0][0]
            heapq.heappush(self._heap, (deadline, key, callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="helpdesk-plugin-watchdog", daemon=True)
                self._thread.start()
            elif earliest:
                self._cond.notify()
        return key

    def cancel(self, key: int) -> None:
        with self._cond:
            self._cancelled.add(key)

    def _next_due(self) -> Callable[[], None] | None:
        """Wait for the earliest live deadline; None when idle long enough to stop."""
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._heap)[1])
                if not self._heap:
                    self._cond.wait(self.IDLE_SECONDS)
                    if not self._heap:
                        self._thread = None
                        return None
                    continue
                deadline, _, callback = self._heap[0]
                wait = deadline - time.monotonic()
                if wait <= 0:
                    heapq.heappop(self._heap)
                    return callback
                self._cond.wait(wait)

    def _run(self) -> None:
        while (callback := self._next_due()) is not None:
            try:
                callback()
            except Exception:  # a callback's bug must not stop the other deadlines
                logger.exception("watchdog callback failed")


WATCHDOG = Watchdog()


def call_with_watchdog(function: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
                       seconds: float, on_timeout: Callable[[], None]) -> T:
    """``function(*args, **kwargs)`` on this thread; ``on_timeout()`` (on the watchdog
    thread) once it has run ``seconds``."""
    key = WATCHDOG.watch(seconds, on_timeout)
    try:
        return function(*args, **kwargs)
    finally:
        WATCHDOG.cancel(key)


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
