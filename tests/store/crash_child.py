"""The committing side of test_crash.py: commits in a loop until it is killed.

``work()`` writes one line per acknowledged operation to a file descriptor, only
after the call returned: ``R <record id>``, ``S <subscriber id>``, ``M <outbox id> …``.
test_crash.py runs it in forked children (fast) and, once, as this script in a fresh
interpreter with HELPDESK_STORE_TEST_CRASH_AT set, the store then kills the process
itself at that point of the commit protocol (fault injection at our own boundary).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from helpdesk.store import RecordTypeRegistry, open_store


def work(folder: Path, seed: int, fd: int) -> None:
    rng = random.Random(seed)
    types = RecordTypeRegistry()  # as make_record_types(), without importing pytest
    types.register("test.note")
    store = open_store(folder, "kiosk-crash", record_types=types)
    os.write(fd, b"READY\n")
    i = 0
    while True:
        i += 1
        roll = rng.random()
        if roll < 0.8:
            record = store.commit("test.note", {"token_serial": f"TK{seed}-{i}"}, {"text": f"Bàn giao {seed}/{i}"}, "Võ Thị Ánh")
            line = f"R {record.id}\n"
        elif roll < 0.9:
            sub = store.subscribers.add({"id": f"s{seed}-{i}", "full_name": f"Nguyễn Văn Đức {i}"}, "op")
            line = f"S {sub.id}\n"
        else:
            ids = [e.id for e in store.outbox.pending(3)]
            store.outbox.mark_sent(ids)
            line = "M " + " ".join(ids) + "\n"
        os.write(fd, line.encode())


if __name__ == "__main__":
    work(Path(sys.argv[1]), int(sys.argv[2]), sys.stdout.fileno())
