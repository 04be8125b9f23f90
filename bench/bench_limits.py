"""Query limits and concurrency, measured: timeout accuracy, and queries per second serial vs threaded.

    PYTHONPATH=. python bench/bench_limits.py [--queries 400] [--threads 8]

Threaded runs use one Database (a cursor per query); "one lock" runs the same threads behind one
lock, as the engine did before cursors, to show what running side by side buys.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_concurrency import END, QUERIES  # noqa: E402

import kqlite  # noqa: E402

SLOW = "range x from 1 to 3000000000 step 1 | where tostring(x) matches regex '^9+8$' | count"


def timeout_accuracy(db: kqlite.Database, runs: int = 5) -> None:
    print("timeout  runs  median stop  worst stop  (seconds after the call)")
    for limit in (0.25, 0.5, 1.0, 2.0):
        spent = []
        for _ in range(runs):
            started = time.perf_counter()
            try:
                db.query(SLOW, timeout=limit)
            except kqlite.KqlRuntimeError as e:
                assert e.code == "KQ503"
            spent.append(time.perf_counter() - started)
        print(f"{limit:7.2f}  {runs:4}  {statistics.median(spent):11.3f}  {max(spent):10.3f}")


def throughput(db: kqlite.Database, total: int, threads: int, lock: threading.Lock | None) -> float:
    picks = [random.Random(seed).randrange(len(QUERIES)) for seed in range(total)]
    chunks = [picks[i::threads] for i in range(threads)]

    def run(chunk: list[int]) -> None:
        for i in chunk:
            try:
                if lock is None:
                    db.query(QUERIES[i])
                else:
                    with lock:
                        db.query(QUERIES[i])
            except kqlite.KqlError:
                pass

    workers = [threading.Thread(target=run, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return total / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    db = kqlite.sample(now=END)
    timeout_accuracy(db)
    throughput(db, 50, args.threads, None)  # warm: every cursor of the pool made
    serial = throughput(db, args.queries, 1, None)
    locked = throughput(db, args.queries, args.threads, threading.Lock())
    parallel = throughput(db, args.queries, args.threads, None)
    print(f"{args.queries} mixed fleet queries: serial {serial:.0f}/s, {args.threads} threads behind one lock "
          f"{locked:.0f}/s, {args.threads} threads on cursors {parallel:.0f}/s ({parallel / serial:.2f}x serial)")


if __name__ == "__main__":
    main()
