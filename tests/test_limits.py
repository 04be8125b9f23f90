"""Query limits (kqlite.limits): timeout, memory limit, result size; the database stays usable after each."""

from __future__ import annotations

import os
import threading
import time

import pyarrow as pa
import pytest

import kqlite
from kqlite.limits import CLI_MAX_ROWS, QueryLimits, script_limits
from kqlite.syntax.parser import parse

# Billions of rows through a regex: minutes of work, so only the timeout can end it in the test.
SLOW = "range x from 1 to 3000000000 step 1 | where tostring(x) matches regex '^9+8$' | count"
# A cross join of 100M x 100k rows that matches nothing: also far past any test's patience.
SLOW_JOIN = ("range x from 1 to 100000000 step 1 | join kind=inner (range x from 1 to 100000 step 1 "
             "| extend x = -x) on x | count")
# One list of 20 million longs: ~160 MB, far past a 50MB limit, and a list cannot spill to disk.
HUNGRY = "range x from 1 to 20000000 step 1 | summarize make_list(x)"


def count(db: kqlite.Database, n: int = 10) -> int:
    return db.query(f"range x from 1 to {n} step 1 | summarize c = count(), s = sum(x)").to_pylist()[0]["s"]


# ---------------------------------------------------------------- timeout
def test_a_slow_query_times_out_near_the_limit_and_the_database_goes_on():
    db = kqlite.Database(timeout=0.5)
    started = time.monotonic()
    with pytest.raises(kqlite.KqlRuntimeError) as info:
        db.query(SLOW)
    spent = time.monotonic() - started
    assert info.value.code == "KQ503"
    assert "0.5 s timeout" in info.value.message
    assert any("--timeout" in h for h in info.value.hints)
    assert 0.45 <= spent < 2.0, spent
    assert count(db) == 55  # the same database answers the next query correctly
    assert db.query("print x = 1").to_pylist() == [{"x": 1}]


def test_the_timeout_covers_queries_run_while_binding():
    """bag_unpack learns its columns from the data before the query is compiled: that discovery
    query is under the same time limit as the query itself."""
    db = kqlite.Database(timeout=0.5)
    slow_discovery = ("range x from 1 to 3000000000 step 1 | where tostring(x) matches regex '^9+8$' "
                      "| extend d = bag_pack('k', x) | evaluate bag_unpack(d)")
    started = time.monotonic()
    with pytest.raises(kqlite.KqlRuntimeError) as info:
        db.query(slow_discovery)
    assert info.value.code == "KQ503", info.value
    assert time.monotonic() - started < 2.0
    assert count(db) == 55


def test_per_call_timeout_overrides_the_default_both_ways():
    db = kqlite.Database()
    with pytest.raises(kqlite.KqlRuntimeError) as info:
        db.execute(SLOW_JOIN, timeout=0.3)
    assert info.value.code == "KQ503" and "0.3 s" in info.value.message
    limited = kqlite.Database(timeout=0.05)
    # 0 lifts the default for one call: this query takes longer than 0.05 s but is allowed to finish
    text = "range x from 1 to 3000000 step 1 | where tostring(x) endswith '77' | count"
    assert limited.query(text, timeout=0).to_pylist() == [{"Count": 30000}]
    with pytest.raises(kqlite.KqlRuntimeError):
        limited.query(SLOW)
    assert count(limited) == 55


def test_a_fast_query_under_a_timeout_is_untouched_and_no_interrupt_leaks_into_the_next():
    db = kqlite.Database(timeout=0.5)
    db.register("T", pa.table({"x": list(range(1000))}))
    for _ in range(20):
        assert db.query("T | summarize s = sum(x)").to_pylist() == [{"s": 499500}]
    time.sleep(0.6)  # past the timeout: a watchdog left over would interrupt the next query
    assert db.query("T | summarize s = sum(x)").to_pylist() == [{"s": 499500}]


def test_timeout_errors_render_with_the_query():
    db = kqlite.Database()
    with pytest.raises(kqlite.KqlRuntimeError) as info:
        db.query(SLOW, timeout=0.2)
    picture = info.value.render()
    assert picture.startswith("error[KQ503]: the query ran longer than the 0.2 s timeout")
    assert "duckdb" not in picture.lower() and "interrupt" not in picture.lower()


def test_interrupt_cancels_with_its_own_code():
    db = kqlite.Database(timeout=30)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            db.query(SLOW)
        except kqlite.KqlError as e:
            errors.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 5
    while worker.is_alive() and time.monotonic() < deadline:
        db.interrupt()
        worker.join(0.05)
    assert not worker.is_alive()
    assert [e.code for e in errors] == ["KQ505"]  # a cancel, not the 30 s timeout
    assert count(db) == 55


@pytest.mark.parametrize("bad", [-1, "5", float("nan")])
def test_bad_timeouts_are_refused(bad):
    with pytest.raises(ValueError):
        kqlite.Database(timeout=bad)


# ---------------------------------------------------------------- memory limit
def test_a_query_over_the_memory_limit_fails_clearly_and_the_database_goes_on():
    db = kqlite.Database(memory_limit="50MB")
    with pytest.raises(kqlite.KqlRuntimeError) as info:
        db.query(HUNGRY)
    assert info.value.code == "KQ504"
    assert "50MB memory limit" in info.value.message
    assert any("--memory-limit" in h for h in info.value.hints)
    assert "Out of Memory" not in info.value.render()
    assert count(db) == 55
    assert db.query("range x from 1 to 1000 step 1 | summarize l = make_list(x) | project n = array_length(l)"
                    ).to_pylist() == [{"n": 1000}]


def test_under_a_memory_limit_a_big_sort_spills_to_a_private_folder_removed_on_close():
    db = kqlite.Database(memory_limit="50MB")
    spill = db._spill_dir
    assert spill and os.path.isdir(spill)
    # sorting 5M rows needs more than 50MB of memory: DuckDB spills, even with external access off
    rows = db.query("range x from 1 to 5000000 step 1 | extend k = (x * 7919) % 5000011 "
                    "| order by k desc | summarize c = count(), top = take_any(k)").to_pylist()
    assert rows[0]["c"] == 5000000
    db.close()
    assert not os.path.exists(spill)


@pytest.mark.parametrize("bad", ["lots", "-1GB", "0MB", "5 parsecs"])
def test_bad_memory_limits_are_refused(bad):
    with pytest.raises(ValueError):
        kqlite.Database(memory_limit=bad)


def test_a_memory_limit_does_not_unlock_the_configuration():
    db = kqlite.Database(memory_limit="200MB")
    with pytest.raises(kqlite.KqlError):
        db.query("externaldata(x:string) [@'/etc/passwd'] | take 1")
    import duckdb

    with pytest.raises(duckdb.Error):
        db._con.execute("SET memory_limit = '10GB'")


# ---------------------------------------------------------------- result size
def test_max_rows_cuts_the_result_and_marks_it():
    db = kqlite.Database(max_rows=1000)
    result = db.execute("range x from 1 to 1000000 step 1")[0]
    assert result.truncated and result.table.num_rows == 1000
    assert result.table.column("x").to_pylist() == list(range(1, 1001))  # the first rows, in order
    exact = db.execute("range x from 1 to 1000 step 1")[0]
    assert not exact.truncated and exact.table.num_rows == 1000


def test_max_rows_keeps_the_order_of_a_sorted_result():
    db = kqlite.Database()
    result = db.execute("range x from 1 to 300000 step 1 | order by x desc", max_rows=150001)[0]
    assert result.truncated and result.table.num_rows == 150001
    xs = result.table.column("x").to_pylist()
    assert xs[0] == 300000 and xs[-1] == 150000


def test_per_call_max_rows_overrides_the_default():
    db = kqlite.Database(max_rows=10)
    assert db.query("range x from 1 to 100 step 1", max_rows=0).num_rows == 100
    assert db.query("range x from 1 to 100 step 1", max_rows=20).num_rows == 20
    assert kqlite.Database().query("range x from 1 to 100 step 1", max_rows=7).num_rows == 7


def test_max_rows_keeps_a_huge_result_from_holding_the_process():
    # 5M rows x 2 longs is 80 MB of result; cut at 100 rows DuckDB stops early (the LIMIT goes into
    # the query, and a sort under it becomes a top-N that keeps 101 rows, not 5M)
    db = kqlite.Database(max_rows=100, memory_limit="30MB")
    text = "range x from 1 to 5000000 step 1 | extend y = x * 2"
    started = time.monotonic()
    result = db.execute(text)[0]
    assert time.monotonic() - started < 2
    assert result.truncated and result.table.num_rows == 100
    assert result.table.column("y").to_pylist()[:3] == [2, 4, 6]
    top = db.execute(text + " | order by y desc")[0]
    assert top.truncated and top.table.column("x").to_pylist()[:2] == [5000000, 4999999]


def test_set_truncationmaxrecords_and_notruncation():
    db = kqlite.Database(max_rows=10)
    r = db.execute("set truncationmaxrecords=3; range x from 1 to 100 step 1")[0]
    assert r.truncated and r.table.num_rows == 3
    r = db.execute("set notruncation; range x from 1 to 100 step 1")[0]
    assert not r.truncated and r.table.num_rows == 100
    # as in Kusto: notruncation loses to truncationmaxrecords, and the lower of two values applies
    r = db.execute("set notruncation; set truncationmaxrecords=50; set truncationmaxrecords=20; "
                   "range x from 1 to 100 step 1")[0]
    assert r.table.num_rows == 20
    # other set options are still accepted and ignored
    assert db.query("set querytrace; print x = 1").to_pylist() == [{"x": 1}]


def test_set_truncationmaxrecords_needs_a_number():
    db = kqlite.Database()
    with pytest.raises(kqlite.KqlError) as info:
        db.query("set truncationmaxrecords='many'; print 1")
    assert info.value.code == "KQ506" and info.value.line == 1


def test_each_statement_of_a_script_is_cut_separately():
    db = kqlite.Database(max_rows=5)
    results = db.execute("range x from 1 to 3 step 1; range y from 1 to 9 step 1")
    assert [(r.table.num_rows, r.truncated) for r in results] == [(3, False), (5, True)]


def test_script_limits_reads_only_the_truncation_options():
    base = QueryLimits(timeout=2.0, max_rows=None)
    assert script_limits(parse("print 1"), base) is base
    assert script_limits(parse("set truncationmaxrecords=9; print 1"), base) == QueryLimits(2.0, 9)
    assert script_limits(parse("set notruncation=false; print 1"), QueryLimits(None, 4)).max_rows == 4
    assert CLI_MAX_ROWS == 500_000  # Kusto's default record limit


@pytest.mark.parametrize("bad", [-1, 2.5, "10"])
def test_bad_max_rows_are_refused(bad):
    with pytest.raises(ValueError):
        kqlite.Database(max_rows=bad)
