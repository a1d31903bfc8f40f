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
    after: Callable[[ReaderEvent], None] | None = None,
) -> None:
    """Call ``emit(event_dict)`` for every PC/SC event until ``stop`` is set.

    ``after(event)`` runs once the event's line is out (e.g. start reading the token).

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
            if after is not None:
                after(event)
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


def token_event_json(event: object) -> dict[str, Any] | None:
    """A TokenTracker event as a JSON line (reader events are printed already)."""
    from helpdesk.tokens.tracker import TokenInserted, TokenRemovedEvent, UnsupportedCard

    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(event, TokenInserted):
        token = event.token
        holder = next((c.subject.common_name for c in token.certificates if not c.error), "")
        return {"event": "token_inserted", "serial": token.serial, "label": token.label,
                "reader": token.reader or None, "module": token.module, "holder": holder or None,
                "certificates": len(token.certificates), "time": now}
    if isinstance(event, TokenRemovedEvent):
        return {"event": "token_removed", "serial": event.serial, "reader": event.reader, "time": now}
    if isinstance(event, UnsupportedCard):
        return {"event": "card_unsupported", "reader": event.reader, "atr": event.atr, "module": event.module,
                "installed": event.installed, "hint": event.hint or None, "detail": event.detail or None,
                "time": now}
    return None


@click.command("watch")
@click.option("--no-tokens", is_flag=True, help="Only PC/SC events; do not read tokens over PKCS#11.")
def watch(no_tokens: bool) -> None:
    """Print one JSON line per reader/card/token event until interrupted.

    After each ``card_inserted`` line comes ``token_inserted`` (serial, holder) or
    ``card_unsupported`` (with the fix); after ``card_removed``, ``token_removed``.
    """
    stop = threading.Event()
    write_lock = threading.Lock()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def emit(line: dict[str, Any]) -> None:
        with write_lock:  # token lines come from the worker thread
            try:
                sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            except BrokenPipeError:  # `helpdesk token watch | head -3`
                # Point stdout at /dev/null so the flush at exit does not complain on stderr.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                stop.set()

    if no_tokens:
        watch_events(emit, stop)
        return
    from helpdesk.config import load_settings
    from helpdesk.kiosk import make_token_worker
    from helpdesk.tokens.tracker import TokenTracker

    worker = make_token_worker(load_settings())

    def on_token_event(event: object) -> None:
        line = token_event_json(event)
        if line is not None:
            emit(line)

    tracker = TokenTracker(worker, worker.registry, on_token_event)

    try:
        watch_events(emit, stop, after=tracker.handle)  # token lines follow asynchronously
    finally:
        worker.stop()


if __name__ == "__main__":
    watch()
