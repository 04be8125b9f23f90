"""Defects the long fuzz run found (docs/RELIABILITY.md), each pinned by what it got wrong.

The failing inputs themselves are replayed by tests/test_fuzz.py from tests/fuzz/regressions.txt;
these tests check the results and the engine's state around them.
"""

from __future__ import annotations

import time

import pytest

import kqlite
from kqlite import engine, limits
from kqlite.errors import KqlRuntimeError
from kqlite.functions import convert


# ---------------------------------------------------------------- an interrupt while rows are fetched
def _fetch_that_breaks_off(delay: float = 0.0):
    """pyarrow's stream reader re-raises DuckDB's interrupt as OSError("INTERRUPT") mid-fetch."""
    calls = []

    def fetch(result):
        calls.append(result)
        if len(calls) == 1:
            time.sleep(delay)
            raise OSError("INTERRUPT")
        return real_fetch(result)
    real_fetch = engine._fetch_arrow
    return fetch


def test_an_interrupt_during_the_fetch_is_a_cancel_and_the_database_goes_on(monkeypatch):
    db = kqlite.Database()
    db.query("print 1")  # a cursor in the pool
    pooled = list(db._idle)
    monkeypatch.setattr(engine, "_fetch_arrow", _fetch_that_breaks_off())
    with pytest.raises(KqlRuntimeError) as info:
        db.query("range x from 1 to 10 step 1")
    assert info.value.code == limits.CANCELLED_CODE
    assert info.value.span is not None and info.value.span.start == 0
    assert not set(db._idle) & set(pooled), "the cursor whose stream broke off went back to the pool"
    assert not db._busy and not db._broken
    assert db.query("range x from 1 to 3 step 1 | summarize sum(x)").column(0).to_pylist() == [6]


def test_an_interrupt_during_the_fetch_after_the_time_limit_is_a_timeout(monkeypatch):
    db = kqlite.Database(timeout=0.1)
    monkeypatch.setattr(engine, "_fetch_arrow", _fetch_that_breaks_off(delay=0.3))
    with pytest.raises(KqlRuntimeError) as info:
        db.query("range x from 1 to 10 step 1")
    assert info.value.code == limits.TIMEOUT_CODE
    assert db.query("print 2").column(0).to_pylist() == [2]


def test_another_arrow_error_during_the_fetch_is_a_positioned_runtime_error(monkeypatch):
    db = kqlite.Database()

    def fetch(result):
        raise OSError("Invalid Input Error: something broke")
    monkeypatch.setattr(engine, "_fetch_arrow", fetch)
    with pytest.raises(KqlRuntimeError) as info:
        db.query("print 1")
    assert info.value.code == "KQ502" and info.value.span is not None
    monkeypatch.undo()
    assert db.query("print 3").column(0).to_pylist() == [3]


# ---------------------------------------------------------------- SQL too long for DuckDB's binder
def test_sql_past_the_size_limit_is_refused_before_duckdb(monkeypatch):
    db = kqlite.Database()
    monkeypatch.setattr(limits, "MAX_SQL_CHARS", 300)
    text = "print x = strcat('" + "a" * 400 + "')"
    with pytest.raises(KqlRuntimeError) as info:
        db.query(text)
    assert info.value.code == limits.TOO_COMPLEX_CODE
    assert "too complex" in info.value.message
    assert info.value.span is not None and info.value.span.end == len(text)
    monkeypatch.undo()
    assert db.query(text).column(0).to_pylist() == ["a" * 400]


# ---------------------------------------------------------------- a constant sort key
def test_a_sort_key_that_compiles_to_a_literal_is_kept_and_the_next_key_sorts():
    db = kqlite.Database()
    got = db.query("datatable(x:long)[2, 1, 3] | order by current_principal() desc, x asc")
    assert got.column("x").to_pylist() == [1, 2, 3]
    got = db.query('datatable(x:long)[2, 1, 3] | sort by "a", x desc')
    assert got.column("x").to_pylist() == [3, 2, 1]


# ---------------------------------------------------------------- operands evaluated once
def test_parse_evaluates_its_source_once():
    # the source used to be repeated per capture and check: with ipv6_compare's address macros
    # DuckDB's binder never finished
    db = kqlite.Database()
    sql = db.explain('print n = 1 | parse-where tostring(n * 7) with a:long "" b:long')
    assert sql.count("* CAST(7 AS BIGINT)") == 1
    text = 'datatable(n:long)[1, 2] | parse-where kind=simple ipv6_compare(n, "a") with v:timespan "\\\\d"'
    assert db.query(text).num_rows == 0


def test_parse_results_and_order_are_unchanged():
    db = kqlite.Database()
    got = db.query('print s = "a=1, b=2" | parse s with "a=" a:long ", b=" b:long | parse-where tostring(a) with x:long')
    assert got.to_pylist() == [{"s": "a=1, b=2", "a": 1, "b": 2, "x": 1}]
    got = db.query("range x from 1 to 5 step 1 | order by x desc | parse tostring(x) with y:long | take 2")
    assert got.to_pylist() == [{"x": 5, "y": 5}, {"x": 4, "y": 4}]
    assert db.query('print s = "k=v" | parse s with "k=" v "!"').to_pylist() == [{"s": "k=v", "v": ""}]


@pytest.mark.parametrize(("expr", "value"), [
    ('tolong(" 12 ")', 12), ('tolong("1.9")', 1), ('tolong("-1.9")', -1), ('tolong("1e3")', 1000),
    ('tolong("x")', None), ('tolong("")', None), ('tolong("9007199254740993")', 9007199254740993),
    ('tolong("99999999999999999999")', None), ('toint("\\t1")', None), ('tolong("0x10")', None),
    ('toreal(" 2.5 ")', 2.5), ('toreal(".5e2")', 50.0), ('toreal("-Infinity")', float("-inf")),
    ('toreal("1_000")', None), ('toreal("0x10")', None), ('todecimal("nan")', None),
    ('tolong(dynamic("7"))', 7), ('toreal(dynamic(2.5))', 2.5),
])
@pytest.mark.parametrize("operand", ["cheap", "costly"])
def test_text_to_number_conversions(expr, value, operand, monkeypatch):
    if operand == "costly":  # the form that reads its operand once, used for long operands and subqueries
        monkeypatch.setattr(convert, "_CHEAP_SQL_CHARS", 0)
    assert kqlite.Database().query(f"print a = {expr}").column(0).to_pylist() == [value]


def test_a_text_to_number_conversion_uses_its_operand_once():
    # repeat(s, parse_path(x) % 100) put 48 copies of parse_path's subquery in one WHERE: a hang
    db = kqlite.Database()
    sql = db.explain('print r = repeat("a", (parse_path("x") % 100)) !between (1 .. 10)')
    assert sql.count("json_object('Scheme'") <= 4
    text = ("Heartbeat | take 633 | where repeat(_SubscriptionId, (parse_path(SourceComputerId) % 100)) "
            "!between (1 .. 10)")
    from kqlite.sample_fleet import load_sample
    load_sample(db)
    started = time.process_time()
    db.query(text)
    assert time.process_time() - started < 10
