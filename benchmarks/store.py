"""Record store speed, each figure with a baseline measured in the same run.

1. commits/s with 10k and 100k existing records (goal ≥ 200/s at 10k); baseline: one
   raw atomic write (temp file, fsync, os.replace, fsync dir) of the same bytes the
   commit writes (its segment file + head), so the ratio shows the store's overhead.
2. subscriber name search over 100k subscribers, p50/p95 (goal p95 ≤ 10 ms); baseline:
   a linear scan of the pre-folded names for the same queries.
3. bulk import of 100k subscribers (one commit); baseline: json.dumps + atomic write of
   the same rows.
4. `helpdesk --version` wall time (goal ≤ 150 ms) vs a bare `python -c pass`.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from helpdesk.store import RecordTypeRegistry, Store, fold, open_store
from helpdesk.store.storage import dumps, fsync_dir, write_fsync
from helpdesk.testing.fixtures_store import make_roster, make_units

COMMITS = 300
QUERIES = 500


def registry() -> RecordTypeRegistry:
    types = RecordTypeRegistry()
    types.register("bench.handover", lambda p: [] if "serial" in p else ["serial required"])
    return types


def payload(i: int) -> dict[str, object]:
    return {"serial": f"TK{i:08d}", "note": "Bàn giao thiết bị lưu khóa bí mật cho thuê bao", "copies": 2}


def fill(store: Store, upto: int) -> None:
    have = len(store.records())
    batch = 1000
    for start in range(have, upto, batch):
        n = min(batch, upto - start)
        store.commit_many(
            [("bench.handover", {"token_serial": f"TK{start + i:08d}"}, payload(start + i), "Nguyễn Văn Bàn") for i in range(n)]
        )


def raw_write(folder: Path, data: bytes) -> None:
    tmp = folder / ".tmp-raw"
    write_fsync(tmp, data)
    os.replace(tmp, folder / "raw.json")
    fsync_dir(folder)


def bench_commits(root: Path) -> None:
    folder = root / "records"
    raw_folder = root / "raw"
    raw_folder.mkdir()
    store = open_store(folder, "bench", record_types=registry())
    try:
        for existing in (10_000, 100_000):
            t0 = time.perf_counter()
            fill(store, existing)
            fill_s = time.perf_counter() - t0
            commit_ms, raw_ms = [], []
            for i in range(COMMITS):
                t = time.perf_counter()
                store.commit("bench.handover", {"token_serial": f"X{i}"}, payload(i), "Nguyễn Văn Bàn")
                commit_ms.append((time.perf_counter() - t) * 1000)
                (segment,) = [folder / store.log.names[-1]]
                same = segment.read_bytes() + (folder / "head.json").read_bytes()
                t = time.perf_counter()
                raw_write(raw_folder, same)
                raw_ms.append((time.perf_counter() - t) * 1000)
            store.close()
            t = time.perf_counter()
            store = open_store(folder, "bench", record_types=registry())
            open_s = time.perf_counter() - t
            c, r = statistics.median(commit_ms), statistics.median(raw_ms)
            print(f"commit with {existing:>7,} records: {1000 / statistics.mean(commit_ms):6.0f} commits/s "
                  f"(median {c:.2f} ms, p95 {quantile(commit_ms, 0.95):.2f} ms) | raw atomic write of the same "
                  f"bytes: median {r:.2f} ms, p95 {quantile(raw_ms, 0.95):.2f} ms | ratio of medians {c / r:.2f}x "
                  f"| goal ≥ 200/s at 10k")
            print(f"    (filled in {fill_s:.1f} s with commit_many; reopen {open_s:.2f} s)")
    finally:
        store.close()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def make_queries(rows: list[dict[str, object]], rng: random.Random) -> list[str]:
    queries = []
    for _ in range(QUERIES):
        name = str(rng.choice(rows)["full_name"])
        words = name.split()
        kind = rng.randrange(5)
        if kind == 0:
            q = name  # exact, with diacritics
        elif kind == 1:
            q = fold(name)  # "nguyen van an"
        elif kind == 2:
            q = f"{words[0]} {words[-1]}"  # surname + given name
        elif kind == 3:
            q = unicodedata.normalize("NFD", name).upper()  # NFD, upper case
        else:
            q = f"{fold(words[0])} {fold(words[1])[:2]}"  # typing in progress: "tran th"
        queries.append(q)
    return queries


def bench_subscribers(root: Path) -> None:
    folder = root / "directory"
    rows = make_roster(100_000)
    store = open_store(folder, "bench", record_types=registry())
    try:
        store.units.add_many(make_units(), "bench")
        t, cpu = time.perf_counter(), time.process_time()
        store.add_subscribers(rows, "bench")
        bulk, bulk_cpu = time.perf_counter() - t, time.process_time() - cpu
        raw_folder = root / "raw-bulk"
        raw_folder.mkdir()
        t = time.perf_counter()
        raw_write(raw_folder, dumps(rows))
        raw = time.perf_counter() - t
        print(f"bulk import of 100,000 subscribers: {bulk:.2f} s ({bulk_cpu:.2f} s CPU) | json.dumps + atomic "
              f"write of the same rows {raw:.2f} s | ratio {bulk / raw:.1f}x")

        rng = random.Random(119)
        queries = make_queries(rows, rng)
        t = time.perf_counter()
        store.subscribers.search("warm up")  # builds the lazy word index once after the import
        warm = (time.perf_counter() - t) * 1000
        folded = [fold(str(r["full_name"])) for r in rows]
        index_ms, scan_ms = [], []
        for q in queries:
            t = time.perf_counter()
            found = store.subscribers.search(q, limit=20)
            index_ms.append((time.perf_counter() - t) * 1000)
            fq = fold(q)
            words = fq.split()
            t = time.perf_counter()
            hits = [n for n in folded if fq in n or all(w in n for w in words)]
            scan_ms.append((time.perf_counter() - t) * 1000)
            assert found or not hits, q
        p95, scan95 = quantile(index_ms, 0.95), quantile(scan_ms, 0.95)
        print(f"name search over 100,000 subscribers: p50 {statistics.median(index_ms):.2f} ms, p95 {p95:.2f} ms "
              f"| linear scan p95 {scan95:.2f} ms | ratio {p95 / scan95:.3f} | goal p95 ≤ 10 ms "
              f"(first search after import builds the index: {warm:.0f} ms)")
    finally:
        store.close()


def bench_cli() -> None:
    helpdesk = Path(sys.executable).with_name("helpdesk")
    cli, bare = [], []
    for _ in range(15):
        t = time.perf_counter()
        subprocess.run([str(helpdesk), "--version"], check=True, capture_output=True)
        cli.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, capture_output=True)
        bare.append((time.perf_counter() - t) * 1000)
    c, b = statistics.median(cli), statistics.median(bare)
    print(f"helpdesk --version: {c:.0f} ms | python -c pass {b:.0f} ms | ratio {c / b:.1f}x, "
          f"+{c - b:.0f} ms | goal ≤ 150 ms")


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        bench_cli()
        bench_subscribers(root)
        bench_commits(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
