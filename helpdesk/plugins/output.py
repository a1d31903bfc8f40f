"""What a plugin prints during a hook goes to the log, never to the terminal.

A plugin writing to ``sys.stdout``/``sys.stderr`` while the TUI runs would draw over
the screen (or, headless, mix with a command's output). :func:`install` wraps both
streams once (again whenever something — Textual, pytest — swapped them since); the
wrapper looks at :data:`~helpdesk.plugins.manager.CURRENT_PLUGIN`: inside a hook call
(any thread: the hook threads copy the caller's context) the text becomes log lines of
``helpdesk.plugins.output`` naming the plugin; outside, it passes through untouched.
Writes below Python's streams (``os.write(1, …)``, a child process) are not seen.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
from typing import Any

logger = logging.getLogger("helpdesk.plugins.output")
logger.addHandler(logging.NullHandler())

_routing = threading.local()  # set while a line is logged: the log's own writes pass through


class PluginOutput:
    """A stand-in for ``sys.stdout``/``sys.stderr``: a plugin's text to the log."""

    def __init__(self, stream: Any, name: str, current: contextvars.ContextVar[str | None]) -> None:
        self.wrapped = stream
        self.stream_name = name
        self._current = current
        self._lock = threading.Lock()
        self._partial: dict[str, str] = {}

    def write(self, text: str) -> int:
        plugin = self._current.get()
        if plugin is None or getattr(_routing, "active", False):
            return int(self.wrapped.write(text) or 0)
        with self._lock:
            pending = self._partial.pop(plugin, "") + str(text)
            *lines, rest = pending.split("\n")
            if rest:
                self._partial[plugin] = rest
        for line in lines:
            self._log(plugin, line)
        return len(text)

    def flush(self) -> None:
        plugin = self._current.get()
        if plugin is not None and not getattr(_routing, "active", False):
            with self._lock:
                rest = self._partial.pop(plugin, "")
            self._log(plugin, rest)
            return
        flush = getattr(self.wrapped, "flush", None)
        if flush is not None:
            flush()

    def _log(self, plugin: str, line: str) -> None:
        if not line.strip():
            return
        _routing.active = True
        try:
            logger.warning("plugin %s wrote to %s: %s", plugin, self.stream_name, line.rstrip())
        finally:
            _routing.active = False

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, buffer …
        return getattr(self.wrapped, name)


def install(current: contextvars.ContextVar[str | None]) -> None:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (idempotent; cheap enough for every hook call)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, PluginOutput):
            setattr(sys, name, PluginOutput(stream, name, current))
