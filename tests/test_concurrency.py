"""One Database used from many threads: every result and every error equals a serial run's.

Each query runs on a DuckDB cursor of its own (engine.Database._cursor), so threads run side by side
instead of queueing on one connection; these tests hold that to the serial answers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import threading
import time
from pathlib import Path

import pytest

import kqlite

FACTS = json.loads((Path(__file__).resolve().parents[1] / "sample_data" / "facts.json").read_text())
END = dt.datetime.fromisoformat(FACTS["end_time"].replace("Z", "+00:00")).replace(tzinfo=None)

THREADS = 8
PER_THREAD = int(os.environ.get("KQLITE_CONCURRENCY_PER_THREAD", "200"))

# The fleet queries people run, each with a deterministic order, plus mistakes of every kind.
QUERIES = [
    "Resources | summarize n = count() by type | sort by type asc",
    "Resources | where type =~ 'microsoft.hybridcompute/machines' | where name has 'web' "
    "| project name, location | sort by name asc",
    "Resources | where type == 'microsoft.hybridcompute/machines' | project Machine = tolower(name), location "
    "| join kind=inner (Heartbeat | where TimeGenerated > ago(2h) "
    "| summarize Last = max(TimeGenerated) by Machine = tolower(Computer)) on Machine "
    "| summarize n = count(), Last = max(Last) by location | sort by location asc",
    "Heartbeat | where TimeGenerated > ago(6h) | summarize Heartbeats = count() by Computer "
    "| top 5 by Heartbeats desc, Computer asc",
    "Heartbeat | where TimeGenerated > ago(1d) "
    "| make-series n = count() default = 0 on TimeGenerated step 1h by OSType | sort by OSType asc",
    "MachinesByOS()",
    "ArcMachines() | summarize n = count() by Status | sort by Status asc",
    "Resources | take 50 | mv-expand tags | summarize n = count()",
    "print a = datetime(2024-01-01) + 1d, b = format_datetime(datetime(2024-01-01), 'yyyy-MM-dd'), "
    "c = parse_json('{\"k\": [1, 2]}').k[1]",
    "Resources | where Compter == 'x'",  # unknown column: a bind error
    "print x = toint('12') / 0",  # fails inside DuckDB: a runtime error
    "range x from 1 to 5 step 0",  # a type error
    "Resources | summarize count() by",  # a syntax error
]


def outcome(db: kqlite.Database, text: str) -> tuple:
    """What a query gives, in a form two runs can be compared by: the Arrow table, or the error."""
    try:
        return ("rows", db.query(text))
    except kqlite.KqlError as e:
        return ("error", type(e).__name__, e.code, e.render())


def same(a: tuple, b: tuple) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "rows":
        return a[1].equals(b[1], check_metadata=True)
    return a == b


@pytest.fixture(scope="module")
def fleet():
    return kqlite.sample(now=END)


def test_threads_give_the_serial_results(fleet):
    serial_started = time.perf_counter()
    expected = [outcome(fleet, q) for q in QUERIES]
    serial_per_query = (time.perf_counter() - serial_started) / len(QUERIES)
    assert [e[0] for e in expected].count("error") == 4
    assert all(e[1].num_rows > 0 for e in expected if e[0] == "rows")

    mismatches: list[str] = []
    crashes: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker(seed: int) -> None:
        pick = random.Random(seed)
        try:
            start.wait()
            for _ in range(PER_THREAD):
                i = pick.randrange(len(QUERIES))
                got = outcome(fleet, QUERIES[i])
                if not same(got, expected[i]):
                    mismatches.append(f"thread {seed}, query {i}: {got!r:.300}")
        except BaseException as e:  # noqa: BLE001 - a crash is reported below, not lost in the thread
            crashes.append(e)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spent = time.perf_counter() - started
    assert not crashes, crashes[:3]
    assert not mismatches, mismatches[:5]
    total = THREADS * PER_THREAD
    print(f"\n{total} queries on {THREADS} threads in {spent:.1f} s ({total / spent:.0f}/s); "
          f"serial warm-up {1 / serial_per_query:.0f}/s")
    assert len(fleet._busy) == 0 and len(fleet._idle) <= THREADS  # every cursor went back to the pool


def test_a_timeout_in_one_thread_leaves_the_others_alone(fleet):
    """The watchdog interrupts only its own query's cursor."""
    slow = "range x from 1 to 3000000000 step 1 | where tostring(x) matches regex '^9+8$' | count"
    fast = "ArcMachines() | summarize n = count() by Status | sort by Status asc"
    expected = fleet.query(fast)
    results: dict[str, list] = {"slow": [], "fast": []}

    def run_slow() -> None:
        try:
            fleet.query(slow, timeout=0.5)
        except kqlite.KqlError as e:
            results["slow"].append(e.code)

    def run_fast() -> None:
        for _ in range(10):
            results["fast"].append(fleet.query(fast).equals(expected))

    threads = [threading.Thread(target=run_slow)] + [threading.Thread(target=run_fast) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["slow"] == ["KQ503"]
    assert results["fast"] == [True] * 30


def test_interrupt_stops_every_running_query_and_the_database_goes_on():
    db = kqlite.Database()
    slow = "range x from 1 to 3000000000 step 1 | where tostring(x) matches regex '^9+8$' | count"
    codes: list[str] = []

    def run() -> None:
        try:
            db.query(slow)
        except kqlite.KqlError as e:
            codes.append(e.code)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        db.interrupt()
        time.sleep(0.05)
    for t in threads:
        t.join(1)
    assert codes == ["KQ505"] * 3
    assert db.query("range x from 1 to 4 step 1 | summarize s = sum(x)").to_pylist() == [{"s": 10}]


def test_cursors_keep_the_engine_s_settings_and_locks(fleet):
    """A pooled cursor sees UTC, no progress bar, the macros, and cannot reach files or settings."""
    import duckdb

    with fleet._cursor() as cursor:
        assert cursor.sql("SELECT current_setting('TimeZone'), current_setting('enable_progress_bar')"
                          ).fetchall() == [("UTC", False)]
        with pytest.raises(duckdb.Error):
            cursor.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
        with pytest.raises(duckdb.Error):
            cursor.execute("SET enable_external_access = true")
    assert fleet.query("print t = totimespan('1.02:03:04')").column(0)[0].as_py() == dt.timedelta(
        days=1, hours=2, minutes=3, seconds=4)


def test_a_pooled_cursor_sees_tables_registered_after_it_was_made():
    import pyarrow as pa

    db = kqlite.Database()
    db.register("T", pa.table({"x": [1, 2]}))
    assert db.query("T | count").to_pylist() == [{"Count": 2}]  # the pool now holds a cursor
    db.register("T", pa.table({"x": [1, 2, 3]}))
    db.register("U", pa.table({"y": ["a"]}))
    assert db.query("T | count").to_pylist() == [{"Count": 3}]
    assert db.query("U").to_pylist() == [{"y": "a"}]
