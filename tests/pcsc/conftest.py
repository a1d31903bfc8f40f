"""Fixtures for the PC/SC tests: a running ReaderMonitor, and a pcscd we may crash."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from helpdesk.testing.ci import unavailable
from helpdesk.testing.fixtures_pcsc import VPCD_READERS, EventRecorder, event_is
from helpdesk.testing.pcscd import Pcscd
from helpdesk.tokens.pcsc import ReaderMonitor


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def monitor(pcscd: Pcscd, recorder: EventRecorder) -> Iterator[ReaderMonitor]:
    """A started monitor whose initial state (both vpcd readers) has been reported."""
    mon = ReaderMonitor(recorder)
    mon.start()
    try:
        for reader in VPCD_READERS:
            recorder.wait_for(event_is("reader_added", reader), 2.0)
        yield mon
    finally:
        mon.stop()


@pytest.fixture
def owned_pcscd(pcscd: Pcscd) -> Iterator[Pcscd]:
    """The session pcscd if this run started it (so a test may crash it); restored after."""
    if not pcscd.owned:
        unavailable("pcscd was started by someone else; this test does not kill it")
    try:
        yield pcscd
    finally:
        alive = pcscd.process is not None and pcscd.process.poll() is None
        if pcscd.config is not None and alive:
            pcscd.config = None
            pcscd.restart()
        elif not alive:
            pcscd.config = None
            pcscd.start()
