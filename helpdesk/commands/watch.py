"""``helpdesk token watch``: one JSON line per reader/card event until ^C or SIGTERM.

Runs as ``python -m helpdesk.commands.watch`` too. Events are printed by the calling
thread (not the monitor thread), so a slow ``enrich`` — e.g. reading the token's
serial over PKCS#11 — never delays PC/SC monitoring. Nothing but event lines is ever
written: a pcscd crash shows up as ``monitor_error``/``monitor_recovered`` lines.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from types import FrameType
from typing import Any

import click

from helpdesk.tokens.model import ReaderEvent


def watch_events(
    emit: Callable[[dict[str, Any]], None],
    stop: threading.Event,
    enrich: Callable[[ReaderEvent], dict[str, Any]] | None = None,
) -> None:
    """Call ``emit(event_dict)`` for every PC/SC event until ``stop`` is set.

    ``event_dict`` is ``ReaderEvent.to_json()`` plus ``time`` (UTC, ISO 8601) plus
    whatever ``enrich(event)`` returns. ``emit`` and ``enrich`` run on the calling
    thread; an exception from ``enrich`` is reported in the line as ``enrich_error``.
    """
    from helpdesk.tokens.pcsc import ReaderMonitor

    events: queue.Queue[tuple[datetime, ReaderEvent]] = queue.Queue()
    monitor = ReaderMonitor(lambda event: events.put((datetime.now(timezone.utc), event)))
    monitor.start()
    try:
        while not stop.is_set():
            try:
                when, event = events.get(timeout=0.1)
            except queue.Empty:
                continue
            emit(_as_dict(when, event, enrich))
    finally:
        monitor.stop()


def _as_dict(
    when: datetime,
    event: ReaderEvent,
    enrich: Callable[[ReaderEvent], dict[str, Any]] | None,
) -> dict[str, Any]:
    line = event.to_json()
    line["time"] = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if enrich is not None:
        try:
            line.update(enrich(event))
        except Exception as exc:  # the stream must go on
            line["enrich_error"] = str(exc) or type(exc).__name__
    return line


@click.command("watch")
def watch() -> None:
    """Print one JSON line per reader/card event until interrupted."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def emit(line: dict[str, Any]) -> None:
        try:
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `helpdesk token watch | head -3`
            # Point stdout at /dev/null so the flush at exit does not complain on stderr.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            stop.set()

    watch_events(emit, stop)


if __name__ == "__main__":
    watch()
