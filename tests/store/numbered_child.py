"""The committing side of test_numbers_crash.py: numbered commits and plugin-table
writes in a loop until killed. Writes ``N <seq> <record id>`` / ``T <key>`` per
acknowledged operation, only after the call returned."""

from __future__ import annotations

import os
import random
from pathlib import Path

from helpdesk.store import RecordTypeRegistry, open_store


def work(folder: Path, seed: int, fd: int) -> None:
    rng = random.Random(seed)
    types = RecordTypeRegistry()
    types.register("test.numbered")
    store = open_store(folder, "kiosk-crash", record_types=types)
    table = store.tables.open("test.rows", synced=True)
    os.write(fd, b"READY\n")
    i = 0
    while True:
        i += 1
        if rng.random() < 0.75:
            with store.numbers.next("BB", 2026) as number:
                record = store.commit("test.numbered", {"token_serial": f"TK{seed}-{i}"},
                                      {"number": number.text("SNV"), "seq": number.seq}, "Võ Thị Ánh", number=number)
            line = f"N {number.seq} {record.id}\n"
        else:
            key = f"r{seed}-{i}"
            table.put(key, {"name": f"Lớp {i}", "seed": seed}, "Võ Thị Ánh")
            line = f"T {key}\n"
        os.write(fd, line.encode())
