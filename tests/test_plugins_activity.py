"""The user-analytics plugins beyond their golden cases (tests/golden/user_analytics/): funnel_sequence's
three results, calendar steps, edge cases and the errors a wrong argument gives."""

from __future__ import annotations

import datetime as dt

import pytest

import kqlite

FUNNEL = """let T = datatable(Id:long, Ts:datetime, State:string)
[
    1, datetime(2007-01-01 01:00), 'Hail',
    1, datetime(2007-01-01 02:00), 'Tornado',
    1, datetime(2007-01-01 02:30), 'Tornado',
    1, datetime(2007-01-01 03:00), 'Hail',
    2, datetime(2007-01-02 01:00), 'Tornado',
    3, datetime(2007-01-03 01:00), 'Flood',
    3, datetime(2007-01-05 01:00), 'Tornado',
    3, datetime(2007-01-05 02:00), 'Wind',
    4, datetime(2007-01-06 01:00), 'Hail',
    4, datetime(2007-01-06 02:00), 'Tornado'
];
T | evaluate funnel_sequence(Id, Ts, datetime(2007-01-01), datetime(2008-01-01), 1d, 365d, State, dynamic(['Tornado']))
"""

EVENTS = "datatable(U:string, Ts:datetime, S:string, N:long) ['a', datetime(2017-01-01), 'x', 1]"
DAY0 = dt.datetime(2007, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def db():
    return kqlite.connect(now=dt.datetime(2026, 11, 15))


def rows(table):
    return [tuple(r.values()) for r in table.to_pylist()]


def test_funnel_sequence_returns_three_tables(db):
    prev_next, prev, following = db.execute(FUNNEL)
    assert prev_next.table.column_names == ["Ts", "prev", "next", "dcount", "samples"]
    assert sorted(rows(prev_next.table)) == [
        (DAY0, "", "", 1, "[2]"), (DAY0, "", "Wind", 1, "[3]"), (DAY0, "Hail", "", 1, "[4]"),
        (DAY0, "Hail", "Hail", 1, "[1]")]
    # each table counts distinct ids: one id with two occurrences is counted once per row
    assert sorted(rows(prev.table)) == [(DAY0, "", 2, "[2,3]"), (DAY0, "Hail", 2, "[1,4]")]
    assert sorted(rows(following.table)) == [(DAY0, "", 2, "[2,4]"), (DAY0, "Hail", 1, "[1]"),
                                             (DAY0, "Wind", 1, "[3]")]


def test_funnel_sequence_of_two_steps(db):
    query = FUNNEL.replace("dynamic(['Tornado'])", "dynamic(['Hail', 'Tornado'])")
    table = db.execute(query)[0].table
    assert sorted(rows(table)) == [(DAY0, "", "", 1, "[4]"), (DAY0, "", "Hail", 1, "[1]")]


@pytest.mark.parametrize("step, expected", [
    ("'week'", [("2017-01-01", 1), ("2017-01-08", 1), ("2017-01-29", 2), ("2017-03-12", 1)]),
    ("'month'", [("2017-01-01", 3), ("2017-02-01", 1), ("2017-03-01", 1)]),
    ("'year'", [("2017-01-01", 5)]),
])
def test_calendar_steps(db, step, expected):
    """'week' periods start on Sunday (startofweek); rows before Start are left out."""
    query = f"""datatable(U:string, Ts:datetime)
    ['a', datetime(2017-01-01), 'b', datetime(2017-01-07), 'a', datetime(2017-01-08), 'c', datetime(2017-01-31 23:00),
     'a', datetime(2017-02-01), 'd', datetime(2017-03-15)]
    | evaluate activity_counts_metrics(U, Ts, datetime(2017-01-03), datetime(2017-03-31), {step})
    | project Ts = format_datetime(Ts, 'yyyy-MM-dd'), ['count'] | sort by Ts asc"""
    assert rows(db.query(query)) == expected


def test_sliding_window_of_weeks(db):
    query = """datatable(U:string, Ts:datetime)
    ['a', datetime(2017-01-02), 'b', datetime(2017-01-09), 'a', datetime(2017-01-17), 'c', datetime(2017-01-24)]
    | evaluate sliding_window_counts(U, Ts, datetime(2017-01-01), datetime(2017-01-31), 14d, 'week')
    | project Ts = format_datetime(Ts, 'yyyy-MM-dd'), Count, Dcount | sort by Ts asc"""
    assert rows(db.query(query)) == [("2017-01-01", 1, 1), ("2017-01-08", 2, 2), ("2017-01-15", 2, 2),
                                     ("2017-01-22", 2, 2), ("2017-01-29", 1, 1)]


def test_output_schema(db):
    query = """datatable(U:string, Ts:datetime) ['a', datetime(2017-01-01), 'b', datetime(2017-01-02), 'a', datetime(2017-01-02)]
    | evaluate activity_counts_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d) : (dcount:int, extra:string)"""
    table = db.query(query)
    assert table.schema.field("dcount").metadata[b"kql_type"] == b"int"
    assert sorted(rows(table)) == [(1, ""), (2, "")]


def test_timespan_timeline(db):
    query = """datatable(U:string, T:timespan) ['a', 1h, 'b', 90m, 'a', 3h]
    | evaluate activity_counts_metrics(U, T, 0h, 4h, 2h)"""
    assert rows(db.query(query)) == [(dt.timedelta(0), 2, 2, 2, 2), (dt.timedelta(hours=2), 1, 1, 0, 2)]


def test_real_timeline(db):
    query = """datatable(U:string, T:real) ['a', 0.5, 'b', 1.25, 'a', 2.75]
    | evaluate sliding_window_counts(U, T, 0.5, 3.0, 2.0, 1.0)"""
    assert rows(db.query(query)) == [(0.5, 2, 2), (1.5, 2, 2), (2.5, 1, 1)]


@pytest.mark.parametrize("plugin", [
    "activity_counts_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d)",
    "activity_metrics(U, Ts, 1d)",
    "activity_engagement(U, Ts, 1d, 7d)",
    "sliding_window_counts(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, 1d)",
    "active_users_count(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, 1d, 1, 1d)",
    "session_count(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, 1h)",
    "new_activity_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d)",
    "funnel_sequence_completion(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, S, dynamic(['x']), dynamic([1h]))",
    "sequence_detect(Ts, 1h, 1h, a=(S == 'x'), b=(S == 'y'), U)",
])
def test_empty_input_gives_no_rows(db, plugin):
    assert db.query(f"datatable(U:string, Ts:datetime, S:string) [] | evaluate {plugin}").num_rows == 0


def test_rows_outside_the_period_are_left_out(db):
    query = """datatable(U:string, Ts:datetime)
    ['a', datetime(2016-12-31), 'b', datetime(2017-01-01), 'c', datetime(2017-01-02 12:00), 'd', datetime(2017-01-03)]
    | evaluate activity_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02 12:00), 1d)
    | extend Day = Ts
    | sort by Day asc | project dcount_values"""
    assert rows(db.query(query)) == [(1,), (1,)]


@pytest.mark.parametrize("args, message", [
    ("activity_metrics(U, Ts, 1, 2, 1d)", "Start must be datetime, not long"),
    ("activity_metrics(U, Tz, 1d)", "unknown column 'Tz'"),
    ("activity_metrics(U, S, 1d)", "TimelineColumn must be of type datetime, timespan, int, long or real"),
    ("activity_counts_metrics(U, Ts, datetime(2017-01-01))", "needs at least 5 arguments"),
    ("activity_counts_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 'fortnight')",
     "the step must be a timespan"),
    ("activity_counts_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 0d)", "greater than zero"),
    ("activity_counts_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02), step=1d)", "by position"),
    ("sliding_window_counts(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, 'month')", "is not supported"),
    ("sliding_window_counts(U, N, 1, 2, 1, 'week')", "the step must be a number"),
    ("activity_metrics(U, Ts, 'week')", "the step must be a timespan"),
    ("funnel_sequence(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, 1d, S, dynamic([1,2]))",
     "Sequence must be a dynamic array of state strings"),
    ("funnel_sequence(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, 1d, N, dynamic(['a']))",
     "StateColumn must be of type string"),
    ("funnel_sequence_completion(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, S, dynamic(['a']), "
     "dynamic([1, 2]))", "not a positive timespan"),
    ("sequence_detect(Ts, 1d, 1d, U)", "steps (name = predicate) come before the dimensions"),
    ("sequence_detect(Ts, 1d, 1d, a=(N + 1))", "a sequence step is a bool predicate"),
    ("sequence_detect(Ts, 1d, 1d, a=(N == 1), S, b=(N == 2))", "the dimensions come after"),
    ("new_activity_metrics(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, (datatable(x:long)[1]))",
     "the Lookback table has no column 'U'"),
    ("session_count(U, N, 1, 10, 1d, 2)", "Bin must be int, long or real, not timespan"),
    ("active_users_count(U, Ts, datetime(2017-01-01), datetime(2017-01-02), 1d, 1d, 'x', 1d)",
     "ActivePeriodsCount must be"),
])
def test_argument_errors_are_positioned(db, args, message):
    query = f"{EVENTS} | evaluate {args}"
    with pytest.raises(kqlite.KqlError) as info:
        db.query(query)
    err = info.value
    assert message in err.message
    assert err.span is not None and len(EVENTS) < err.span.start < len(query)


def test_names_that_need_quoting(db):
    query = """datatable(['u"id']:string, ['t x']:datetime, ['st\\'ate']:string)
    ['a', datetime(2017-01-01), "it's", 'a', datetime(2017-01-02), 'b"c']
    | evaluate funnel_sequence_completion(['u"id'], ['t x'], datetime(2017-01-01), datetime(2017-01-03), 7d,
                                          ['st\\'ate'], dynamic(["it's", 'b"c']), dynamic([1d]))"""
    table = db.query(query)
    assert table.column_names == ["t x", "st'ate", "Period", "dcount"]
    assert [r[1:] for r in rows(table)] == [("it's", dt.timedelta(days=1), 1), ('b"c', dt.timedelta(days=1), 1)]
