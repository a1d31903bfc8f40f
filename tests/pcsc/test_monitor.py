"""ReaderMonitor against the real pcscd, with our virtual cards in the vpcd slots."""

from __future__ import annotations

import threading

import pytest

from helpdesk.testing.fixtures_pcsc import VPCD_READERS, VirtualCardFactory
from helpdesk.testing.fixtures_pcsc import EventRecorder as Recorder
from helpdesk.testing.fixtures_pcsc import event_is as kind
from helpdesk.testing.pcscd import Pcscd
from helpdesk.tokens.model import ReaderEvent
from helpdesk.tokens.pcsc import ReaderMonitor, pcscd_status, snapshot

pytestmark = pytest.mark.pcsc

SLOT0, SLOT1 = VPCD_READERS
VICC_ATR = "3B951381018073FF01000B"


def test_insert_and_remove_reach_the_monitor_within_a_second(
    monitor: ReaderMonitor, recorder: Recorder, virtual_card: VirtualCardFactory
) -> None:
    mark = recorder.mark()
    card = virtual_card(VICC_ATR, slot=0)
    inserted = recorder.wait_for(kind("card_inserted", SLOT0), 1.0, since=mark)
    assert inserted.atr == VICC_ATR
    assert monitor.current()[SLOT0] == VICC_ATR

    mark = recorder.mark()
    card.remove()
    removed = recorder.wait_for(kind("card_removed", SLOT0), 1.0, since=mark)
    assert removed.atr == VICC_ATR
    assert monitor.current()[SLOT0] is None


def test_two_cards_in_two_slots(
    monitor: ReaderMonitor, recorder: Recorder, virtual_card: VirtualCardFactory
) -> None:
    mark = recorder.mark()
    first = virtual_card("3B 95 13 81 01 80 73 FF 01 00 0B", slot=0)
    virtual_card("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 03 00 00 00 00 68", slot=1)
    recorder.wait_for(kind("card_inserted", SLOT0, "3B9513810180" "73FF01000B"), 1.0, since=mark)
    recorder.wait_for(kind("card_inserted", SLOT1, "3B8F8001804F0CA0000003060300030000000068"), 1.0, since=mark)
    assert dict(snapshot()) == {
        SLOT0: "3B951381018073FF01000B",
        SLOT1: "3B8F8001804F0CA0000003060300030000000068",
    }

    mark = recorder.mark()
    first.remove()
    recorder.wait_for(kind("card_removed", SLOT0), 1.0, since=mark)
    assert dict(snapshot())[SLOT1] == "3B8F8001804F0CA0000003060300030000000068"
    assert not [e for e in recorder.since(mark) if e.reader == SLOT1]


@pytest.mark.parametrize("atr", ["3B00", "0011FF"])
def test_garbage_atr_still_gives_card_inserted(
    monitor: ReaderMonitor, recorder: Recorder, virtual_card: VirtualCardFactory, atr: str
) -> None:
    mark = recorder.mark()
    virtual_card(atr, slot=1)
    assert recorder.wait_for(kind("card_inserted", SLOT1), 1.0, since=mark).atr == atr


def test_cards_present_at_start_are_reported_first(
    pcscd: Pcscd, recorder: Recorder, virtual_card: VirtualCardFactory
) -> None:
    virtual_card(VICC_ATR, slot=1)
    # Wait until pcscd itself has seen the card, then start watching.
    _wait(lambda: dict(snapshot()).get(SLOT1) == VICC_ATR, 2.0)
    mon = ReaderMonitor(recorder)
    mon.start()
    try:
        recorder.wait_for(kind("card_inserted", SLOT1, VICC_ATR), 1.0)
        kinds = [(e.kind, e.reader) for e in recorder.events[:3]]
        assert kinds == [("reader_added", SLOT0), ("reader_added", SLOT1), ("card_inserted", SLOT1)]
    finally:
        mon.stop()
    assert not mon.running


def test_a_failing_callback_does_not_stop_the_monitor(
    pcscd: Pcscd, recorder: Recorder, virtual_card: VirtualCardFactory
) -> None:
    def callback(event: ReaderEvent) -> None:  # fault injection at our own boundary
        recorder(event)
        raise RuntimeError("callback bug")

    mon = ReaderMonitor(callback)
    mon.start()
    try:
        recorder.wait_for(kind("reader_added", SLOT1), 2.0)
        virtual_card("3B00", slot=0)
        recorder.wait_for(kind("card_inserted", SLOT0, "3B00"), 1.0)
        assert mon.running
    finally:
        mon.stop()


def test_pcscd_crash_error_once_then_recovery_and_replay(
    owned_pcscd: Pcscd,
    monitor: ReaderMonitor,
    recorder: Recorder,
    virtual_card: VirtualCardFactory,
    capfd: pytest.CaptureFixture[str],
) -> None:
    stays = virtual_card(VICC_ATR, slot=0)  # a card nobody pulls during the outage
    pulled = virtual_card("3B00", slot=1)
    recorder.wait_for(kind("card_inserted", SLOT0), 1.0)
    recorder.wait_for(kind("card_inserted", SLOT1), 1.0)

    mark = recorder.mark()
    owned_pcscd.kill()
    recorder.wait_for(kind("monitor_error"), 2.0, since=mark)
    assert snapshot() == []
    assert pcscd_status() == "no_service"
    pulled.remove()
    threading.Event().wait(1.5)  # several reconnect attempts while pcscd is down
    assert [e.kind for e in recorder.since(mark)] == ["monitor_error"]  # reported once

    owned_pcscd.start()
    recorder.wait_for(kind("monitor_recovered"), 5.0, since=mark)
    recorder.wait_for(kind("card_removed", SLOT1, "3B00"), 2.0, since=mark)
    _wait(lambda: monitor.current().get(SLOT0) == VICC_ATR, 2.0)
    assert monitor.current() == {SLOT0: VICC_ATR, SLOT1: None}
    assert stays.inserted

    # And it keeps following changes afterwards.
    mark = recorder.mark()
    virtual_card("3B00", slot=1)
    recorder.wait_for(kind("card_inserted", SLOT1, "3B00"), 1.0, since=mark)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_readers_vanishing_and_appearing_are_reported(
    owned_pcscd: Pcscd, monitor: ReaderMonitor, recorder: Recorder, tmp_path: pytest.TempPathFactory
) -> None:
    empty = tmp_path / "reader.conf.d"  # type: ignore[operator]
    empty.mkdir()
    mark = recorder.mark()
    owned_pcscd.config = empty
    owned_pcscd.restart()
    recorder.wait_for(kind("reader_removed", SLOT0), 5.0, since=mark)
    recorder.wait_for(kind("reader_removed", SLOT1), 5.0, since=mark)
    assert pcscd_status() == "no_readers"
    assert snapshot() == []

    mark = recorder.mark()
    owned_pcscd.config = None
    owned_pcscd.restart()
    recorder.wait_for(kind("reader_added", SLOT0), 5.0, since=mark)
    recorder.wait_for(kind("reader_added", SLOT1), 5.0, since=mark)
    assert pcscd_status() == "ok"


def test_monitor_started_while_pcscd_is_down_recovers(
    owned_pcscd: Pcscd, recorder: Recorder
) -> None:
    owned_pcscd.kill()
    mon = ReaderMonitor(recorder)
    mon.start()
    try:
        recorder.wait_for(kind("monitor_error"), 1.0)
        owned_pcscd.start()
        recorder.wait_for(kind("monitor_recovered"), 3.0)
        recorder.wait_for(kind("reader_added", SLOT1), 1.0)
    finally:
        mon.stop()


def _wait(condition: object, timeout: float) -> None:
    import time

    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
