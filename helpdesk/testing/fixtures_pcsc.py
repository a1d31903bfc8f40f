"""pytest fixtures: the machine's pcscd and virtual cards in its vpcd slots.

Mark tests using them ``@pytest.mark.pcsc``: there is one pcscd per machine and the
vpcd ports are fixed, so these tests must not run in parallel.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpdesk.testing.ci import unavailable
from helpdesk.testing.pcscd import Pcscd, PcscdError, is_running
from helpdesk.testing.vcard import VirtualCard, slot_port
from helpdesk.tokens.model import ReaderEvent

__all__ = [
    "VPCD_READERS",
    "EventRecorder",
    "VirtualCardFactory",
    "event_is",
    "pcscd",
    "virtual_card",
]

#: The reader names pcscd gives vpcd's two slots (system reader.conf.d).
VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")

VirtualCardFactory = Callable[..., VirtualCard]

#: Held for a whole test session that uses pcscd and the vpcd slots.
PCSC_LOCK = Path("/tmp/helpdesk-pcscd.lock")


class EventRecorder:
    """A ReaderMonitor callback that keeps every event; tests wait on them.

    ``wait_for(match, timeout, since=mark)`` returns the first matching event after
    ``mark`` (from ``mark()``) or fails the test listing what did arrive.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.events: list[ReaderEvent] = []

    def __call__(self, event: ReaderEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def since(self, mark: int) -> list[ReaderEvent]:
        with self._cond:
            return self.events[mark:]

    def wait_for(
        self, match: Callable[[ReaderEvent], bool], timeout: float, since: int = 0
    ) -> ReaderEvent:
        found: list[ReaderEvent] = []

        def ready() -> bool:
            found[:] = [e for e in self.events[since:] if match(e)]
            return bool(found)

        with self._cond:
            if not self._cond.wait_for(ready, timeout):
                raise AssertionError(
                    f"no matching event within {timeout} s; got {self.events[since:]}"
                )
        return found[0]


def event_is(
    kind: str, reader: str | None = None, atr: str | None = None
) -> Callable[[ReaderEvent], bool]:
    """A matcher for :meth:`EventRecorder.wait_for`; None means "any"."""
    return lambda e: e.kind == kind and reader in (None, e.reader) and atr in (None, e.atr)


@pytest.fixture(scope="session")
def pcscd() -> Iterator[Pcscd]:
    """pcscd for the whole session: ours (``owned``), or the one already running.

    One pcscd and fixed vpcd ports per machine: a second test session (another
    checkout, a parallel run) waits on :data:`PCSC_LOCK` until the first is done.
    """
    with PCSC_LOCK.open("ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield from _pcscd_session()


def _pcscd_session() -> Iterator[Pcscd]:
    if not is_running() and (shutil.which("pcscd") is None or os.geteuid() != 0):
        unavailable("pcscd is not installed, or not root to start it")
    daemon = Pcscd()
    try:
        daemon.start()
    except PcscdError as exc:
        unavailable(f"pcscd could not start: {exc}")
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def virtual_card(pcscd: Pcscd) -> Iterator[VirtualCardFactory]:
    """Factory: ``virtual_card(atr, slot=0, insert=True) -> VirtualCard``.

    ``atr`` is bytes or hex (spaces allowed). Every card is removed at teardown, and
    teardown waits until pcscd reports its slot empty, so the next test starts clean.
    """
    cards: list[VirtualCard] = []

    def make(atr: bytes | str, slot: int = 0, *, insert: bool = True) -> VirtualCard:
        raw = bytes.fromhex(atr.replace(" ", "")) if isinstance(atr, str) else atr
        card = VirtualCard(raw, port=slot_port(slot))
        cards.append(card)
        if insert:
            card.insert()
        return card

    yield make
    for card in cards:
        card.remove()
    _wait_slots_empty({card.slot for card in cards})


def _wait_slots_empty(slots: set[int], timeout: float = 3.0) -> None:
    from helpdesk.tokens.pcsc import snapshot

    if not slots:
        return
    suffixes = {f" {slot:02d}" for slot in slots}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [r for r, atr in snapshot() if atr and any(r.endswith(s) for s in suffixes)]
        if not busy:
            return
        time.sleep(0.05)
