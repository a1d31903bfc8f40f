"""`helpdesk token watch` (run here as `python -m helpdesk.commands.watch`) and watch_events."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from helpdesk.commands.watch import watch_events
from helpdesk.testing.ci import unavailable
from helpdesk.testing.fixtures_pcsc import VPCD_READERS, VirtualCardFactory
from helpdesk.testing.pcscd import Pcscd
from helpdesk.tokens.model import ReaderEvent

pytestmark = pytest.mark.pcsc

SLOT0, SLOT1 = VPCD_READERS


class WatchProcess:
    """The watch command in a child process; its stdout lines parsed as they come."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.commands.watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.put(json.loads(raw))

    def wait_for(self, timeout: float, **fields: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if all(line.get(k) == v for k, v in fields.items()):
                    self.seen.remove(line)
                    return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line with {fields} within {timeout} s; got {self.seen}")
            try:
                self.seen.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                pass

    def stop(self, signum: int) -> tuple[int, bytes]:
        self.proc.send_signal(signum)
        _out, err = self.proc.communicate(timeout=5)
        return self.proc.returncode, err


@pytest.fixture
def watch_process(pcscd: Pcscd) -> Iterator[WatchProcess]:
    proc = WatchProcess()
    try:
        yield proc
    finally:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait()


def test_watch_survives_a_pcscd_crash_silently(
    pcscd: Pcscd, watch_process: WatchProcess, virtual_card: VirtualCardFactory
) -> None:
    if not pcscd.owned:
        unavailable("pcscd was started by someone else; this test does not kill it")
    watch = watch_process
    watch.wait_for(10.0, event="reader_added", reader=SLOT1)  # includes interpreter start
    virtual_card("3B00", slot=0)
    line = watch.wait_for(1.0, event="card_inserted", reader=SLOT0)
    assert line["atr"] == "3B00" and line["time"].endswith("Z")

    try:
        pcscd.kill()
        watch.wait_for(2.0, event="monitor_error")
        pcscd.start()
        restarted = time.monotonic()
        watch.wait_for(5.0, event="monitor_recovered")
        virtual_card("3B9513810180", slot=1)
        watch.wait_for(5.0 - (time.monotonic() - restarted), event="card_inserted", reader=SLOT1)
    finally:
        if pcscd.process is None:
            pcscd.start()

    assert watch.proc.poll() is None, "watch died"
    code, err = watch.stop(signal.SIGTERM)
    assert (code, err) == (0, b"")


def test_watch_exits_cleanly_on_sigint(watch_process: WatchProcess) -> None:
    watch_process.wait_for(10.0, event="reader_added", reader=SLOT0)
    assert watch_process.stop(signal.SIGINT) == (0, b"")


def test_watch_events_enriches_card_events(
    pcscd: Pcscd, virtual_card: VirtualCardFactory
) -> None:
    lines: queue.Queue[dict[str, Any]] = queue.Queue()
    stop = threading.Event()

    def enrich(event: ReaderEvent) -> dict[str, Any]:
        if event.kind != "card_inserted":
            return {}
        if event.atr == "3B00":  # fault injection at our own boundary: enrich fails
            raise LookupError("no token answers")
        return {"serial": "SERIAL-" + event.reader[-2:]}

    worker = threading.Thread(target=watch_events, args=(lines.put, stop, enrich))
    worker.start()
    try:
        virtual_card("3B951381018073FF01000B", slot=0)
        virtual_card("3B00", slot=1)
        got: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + 2.0
        while len(got) < 2 and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line["event"] == "card_inserted":
                got[line["reader"]] = line
        assert got[SLOT0]["serial"] == "SERIAL-00"
        assert got[SLOT1]["enrich_error"] == "no token answers"
        assert "serial" not in got[SLOT1]
    finally:
        stop.set()
        worker.join(2.0)
    assert not worker.is_alive()
