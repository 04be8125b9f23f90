"""preview's two results, basket and reduce beyond their golden cases (tests/golden/preview, basket, reduce):
the pieces the goldens cannot show (a second result, the Python mining functions alone, larger inputs)."""

from __future__ import annotations

import datetime as dt

import pytest

import kqlite
from kqlite.functions.basket_mining import basket
from kqlite.functions.reduce_patterns import reduce_rows, split_terms


@pytest.fixture(scope="module")
def db():
    return kqlite.connect(now=dt.datetime(2026, 11, 15))


def rows(table):
    return [tuple(r.values()) for r in table.to_pylist()]


def test_preview_returns_the_first_rows_and_the_count(db):
    first, total = db.execute("range x from 1 to 59066 step 1 | evaluate preview(5)")
    assert rows(first.table) == [(1,), (2,), (3,), (4,), (5,)]
    assert total.table.column_names == ["Count"]
    assert rows(total.table) == [(59066,)]


def test_preview_of_more_rows_than_there_are(db):
    first, total = db.execute("print a = 'x' | evaluate preview(10)")
    assert rows(first.table) == [("x",)] and rows(total.table) == [(1,)]


def test_preview_must_end_the_query(db):
    with pytest.raises(kqlite.KqlError, match="preview\\(\\) returns several tables"):
        db.execute("range x from 1 to 3 step 1 | evaluate preview(2) | count")


@pytest.mark.parametrize("arg", ["-1", "'a'", "1.5"])
def test_preview_needs_a_constant_row_count(db, arg):
    with pytest.raises(kqlite.KqlError, match="preview"):
        db.execute(f"range x from 1 to 3 step 1 | evaluate preview({arg})")


def test_basket_counts_every_frequent_closed_pattern():
    # rows: (a, b) ids; 0 is null. a=1 in 3 rows, b=1 in 2 of them: both reported, b=1 alone is not (same count
    # as a=1 b=1), b=2 (1 row of 4) is under 0.3
    out = basket([{"i": [1, 1], "w": 1.0}, {"i": [1, 1], "w": 1.0}, {"i": [1, 0], "w": 1.0}, {"i": [2, 2], "w": 1.0}],
                 0.3, 5)
    assert [(p["count"], p["items"]) for p in out] == [(3.0, [1, 0]), (2.0, [1, 1])]


def test_basket_on_nothing_is_empty(db):
    assert db.query("datatable(a:string) [] | evaluate basket()").num_rows == 0


@pytest.mark.parametrize("call, message", [
    ("basket(0.01)", "Threshold must be between 0.015 and 1"),
    ("basket('~', a)", "WeightColumn must be of type"),
    ("basket('~', nope)", "unknown column 'nope'"),
    ("basket('~', '~', 0)", "MaxDimensions must be 1 or more"),
    ("basket('~', '~', '~', dynamic([1]))", "CustomWildcard must be a constant scalar"),
])
def test_basket_argument_errors(db, call, message):
    with pytest.raises(kqlite.KqlError, match=message):
        db.execute(f"datatable(a:string, n:long) ['x', 1] | evaluate {call}")


def test_basket_real_weights_give_a_real_count(db):
    table = db.query("datatable(a:string, w:real) ['x', 1.5, 'x', 1.0, 'y', 0.5] | evaluate basket(0.1, w)")
    assert rows(table) == [(0, 2.5, pytest.approx(100 * 2.5 / 3), "x"), (1, 0.5, pytest.approx(100 * 0.5 / 3), "y")]


def test_reduce_terms_keep_punctuation_by_default():
    assert split_terms("One -on- One", None) == ["One", " -", "on", "- ", "One"]
    assert split_terms("a_b-c", "-_") == ["a", "b", "c"]


def test_reduce_on_nothing_gives_no_rows(db):
    assert db.query("datatable(s:string) [] | reduce by s").num_rows == 0
    assert reduce_rows([], [], 0.1, None) == []


def test_reduce_kind_source_keeps_every_row_and_column(db):
    table = db.query("range x from 1 to 20 step 1 | extend s = strcat('job ', tostring(x % 2), ' done') "
                     "| reduce kind=source by s with threshold=0.3 | summarize count() by Pattern")
    assert rows(table) == [("job * done", 20)]


def test_reduce_of_100k_rows(db):
    # bench/bench_python_functions.py times it
    table = db.query("range x from 1 to 100000 step 1 | project s = strcat('user ', tostring(x * 7919 % 1000), "
                     "' logged in from host-', tostring(x % 50)) | reduce by s")
    assert rows(table) == [("user * logged in from host-*", 100000, "user 919 logged in from host-1")]
