"""Outbox: one entry per record, pending until marked sent; marking is idempotent."""

from __future__ import annotations

from pathlib import Path

from helpdesk.store import RecordTypeRegistry, Store, open_store


def test_pending_in_order_and_mark_sent(store: Store) -> None:
    records = [store.commit("test.note", None, {"text": str(i)}, "op") for i in range(5)]
    pending = store.outbox.pending(limit=3)
    assert [e.record for e in pending] == records[:3]
    assert [e.seq for e in pending] == [2, 3, 4]
    assert store.outbox.mark_sent([pending[0].id, pending[2].id, "unknown"]) == 2
    assert [e.record_id for e in store.outbox.pending()] == [records[1].id, records[3].id, records[4].id]
    assert store.outbox.mark_sent([pending[0].id]) == 0  # again: nothing to do, nothing written
    assert store.outbox.count() == 3


def test_sent_marks_survive_reopen_and_are_not_audited(store_dir: Path, record_types: RecordTypeRegistry) -> None:
    with open_store(store_dir, "k", record_types=record_types) as store:
        for i in range(4):
            store.commit("test.note", None, {"text": str(i)}, "op")
        head = store.audit.head()
        store.outbox.mark_sent([e.id for e in store.outbox.pending(2)])
        assert store.audit.head() == head
    with open_store(store_dir, "k", record_types=record_types) as store:
        assert store.outbox.count() == 2
        assert store.audit.verify().ok


def test_void_records_are_queued_too(store: Store) -> None:
    record = store.commit("test.note", None, {"text": "x"}, "op")
    void = store.void(record.id, "sai", "op")
    assert [e.type for e in store.outbox.pending()] == ["test.note", "void"]
    assert store.outbox.pending()[1].record == void
