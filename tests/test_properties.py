"""Property tests: random pipelines over random small tables compile and run; `take n`
never returns more than n rows; parse -> format -> parse gives the same tree."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kqlite
from kqlite.syntax import ast as A
from kqlite.syntax.formatter import format_script
from kqlite.syntax.parser import parse

COLUMN_TYPES = {"n": "long", "x": "real", "s": "string", "b": "bool", "t": "datetime"}

values = {
    "long": st.one_of(st.none(), st.integers(-1000, 1000)),
    "real": st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
    "string": st.sampled_from(["", "web-01", "db 02", "Alpha", "o'brien", 'q"uote', "ünï"]),
    "bool": st.one_of(st.none(), st.booleans()),
    "datetime": st.one_of(st.none(), st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 1, 1))),
}
ARROW = {"long": pa.int64(), "real": pa.float64(), "string": pa.string(), "bool": pa.bool_(),
         "datetime": pa.timestamp("us")}


@st.composite
def tables(draw):
    n = draw(st.integers(0, 12))
    data = {c: draw(st.lists(values[t], min_size=n, max_size=n)) for c, t in COLUMN_TYPES.items()}
    return pa.table({c: pa.array(v, ARROW[COLUMN_TYPES[c]]) for c, v in data.items()})


def literal_for(t: str, draw) -> str:
    return {
        "long": str(draw(st.integers(-100, 100))),
        "real": repr(draw(st.floats(-100, 100, allow_nan=False, allow_infinity=False))),
        "string": '"' + draw(st.sampled_from(["web", "db", "", "a'b"])) + '"',
        "bool": draw(st.sampled_from(["true", "false"])),
        "datetime": "datetime(2025-06-01)",
    }[t]


@st.composite
def operators(draw, columns: dict[str, str]):
    cols = list(columns)
    col = draw(st.sampled_from(cols))
    t = columns[col]
    kind = draw(st.sampled_from(["where", "project", "extend", "summarize", "take", "sort", "top", "distinct",
                                 "count", "where_string"]))
    if kind == "where":
        op = draw(st.sampled_from(["==", "!=", "<", ">="])) if t != "bool" else draw(st.sampled_from(["==", "!="]))
        return f"where {col} {op} {literal_for(t, draw)}", columns
    if kind == "where_string" and "s" in columns:
        op = draw(st.sampled_from(["has", "contains", "startswith", "!has", "=~", "in~"]))
        rhs = '("web", "DB")' if op == "in~" else '"web"'
        return f"where s {op} {rhs}", columns
    if kind == "project":
        keep = draw(st.lists(st.sampled_from(cols), min_size=1, unique=True))
        return "project " + ", ".join(keep), {c: columns[c] for c in keep}
    if kind == "extend":
        if t in ("long", "real"):
            return f"extend e = {col} * 2 + 1", {**columns, "e": t}
        return f"extend e = strlen(tostring({col}))", {**columns, "e": "long"}
    if kind == "summarize":
        return f"summarize c = count() by {col}", {col: t, "c": "long"}
    if kind == "take":
        return f"take {draw(st.integers(0, 5))}", columns
    if kind == "sort":
        return f"sort by {col} {draw(st.sampled_from(['asc', 'desc']))}", columns
    if kind == "top":
        return f"top {draw(st.integers(0, 5))} by {col}", columns
    if kind == "distinct":
        return f"distinct {col}", {col: t}
    return "count", {"Count": "long"}


@st.composite
def pipelines(draw):
    columns = dict(COLUMN_TYPES)
    ops = []
    for _ in range(draw(st.integers(1, 5))):
        op, columns = draw(operators(columns))
        ops.append(op)
    return "T | " + " | ".join(ops)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(table=tables(), query=pipelines())
def test_random_pipelines_run(table, query):
    db = kqlite.connect()
    db.register("T", table)
    result = db.query(query)
    assert isinstance(result, pa.Table)


@SETTINGS
@given(table=tables(), n=st.integers(0, 20), query=pipelines())
def test_take_never_returns_more_than_n(table, n, query):
    db = kqlite.connect()
    db.register("T", table)
    assert db.query(f"{query} | take {n}").num_rows <= n


@SETTINGS
@given(query=pipelines())
def test_parse_format_round_trip(query):
    first = parse(query)
    text = format_script(first)
    assert A.dump(parse(text)) == A.dump(first), text


ROUND_TRIP_SAMPLES = [
    "let x = 5; let f = (a:long, b:string = 'q') { a + x }; print f(1), y = dynamic({'k': [1, 2]})",
    "datatable(a:long, b:string) [1, 'x', 2, 'y'] | project-away b* | project-rename c = a",
    "T | join kind=leftouter (U | where x > 1d) on $left.a == $right.b | top 3 by a desc nulls first",
    "T | mv-expand with_itemindex=i v = arr to typeof(long) limit 3 | parse s with 'id=' id:long ' ' rest",
    "T | summarize arg_max(t, *), percentiles(x, 50, 95) by bin(t, 1h) | render timechart with (title='x')",
    "range i from 1 to 10 step 2 | where i between (2 .. 8) and i !in (3, 4) | extend z = datetime(2024-01-01)",
    "where type =~ 'microsoft.hybridcompute/machines' | project name, properties.agentVersion",
    "T | mv-apply with_itemindex=i x = a to typeof(long) on (top 1 by x) | top-nested 2 of b by sum(x), top-nested of c by max(1)",
    "T | partition hint.strategy=native by k (summarize count()) | evaluate bag_unpack(d, 'p_') : (*, a:long)",
    "search in (T, U*) c:'x*' and 'y' | fork (take 1) n = (count) ; find withsource=S where x > 1 project a, pack_all()",
    "T | scan with_match_id=m declare (s:long = 0) with (step a: x > 1 => s = a.s + x; step b output=none: true;)",
    # make-series and tuple unpacking

    "T | make-series PriceAvg=avg(Price) default=0 on Purchase from datetime(2016-09-10) to datetime(2016-09-13) "
    "step 1d by Supplier, Fruit",
    "T | make-series kind=nonempty avg(metric) default=1.0 on timestamp from stime to etime step interval",
    "T | make-series count() on t step 1h",
    "T | make-series count() on t from ago(1d) step 1h",
    "T | make-series count() on t to now() step 1h by k = tostring(x)",
    "T | make-series sum(a) default=0, avg(p) default=double(null) on timestamp in range(datetime(2016-01-01), "
    "datetime(2016-01-10), 1d) by fruit",
    "T | make-series n=count() on t step 1h | mv-expand n to typeof(long), t to typeof(datetime)",
    "T | extend (a, b) = series_fit_line(y), series_stats(y) | project (m) = series_stats(y)",
    # mv-apply, top-nested, partition, evaluate, search, find, scan, externaldata...

    "T | mv-apply with_itemindex=i x = arr to typeof(long), y = b limit 3 on (top 2 by x | summarize make_list(x))",
    "T | top-nested 2 of State with others = 'O' by sum(x) desc, top-nested of b by Ig = max(1) asc",
    "T | top-hitters 5 of a by b",
    "T | facet by a, ['b c'] with (where x | take 5)",
    "T | fork (where x) n = (take 3 | as foo)",
    "T | partition hint.strategy=native by x (top 1 by y)",
    "T | partition by x { U | where y == x }",
    "T | evaluate bag_unpack(d, 'p_', columnsConflict = 'keep_source') : (*, a:long)",
    "T | evaluate pivot(x, sum(y), z)",
    "T | consume | sample-distinct 10 of ['a b'] | consume decodeblocks=true",
    "T | parse-kv s as (['event time']:datetime, n:long) with (pair_delimiter=' ', kv_delimiter='=', quote='()', "
    "quote='\"', escape='\\\\', greedy=true) | parse-kv s as (Text:string) | parse-kv s as (a:guid) with (regex=@'(\\w+)=(\\w+)')",
    "T | evaluate ipv4_lookup(Nets, ip, net, site, return_unmatched = true) | evaluate rows_near(x > 1, 2, 3)",
    "T | evaluate sequence_detect(t, 5d, 5d, heat = (e == 'Heat'), fire = (e == 'Fire'), s) : (*, Duration:timespan)",
    "T | evaluate funnel_sequence_completion(id, t, datetime(2007-01-01), datetime(2008-01-01), 365d, e, "
    "dynamic(['a', 'b']), dynamic([1h, 1d]))",
    "search in (T, U*, (V | take 1)) FirstName:'x' or 'y*' and not('z')",
    "T | search kind=case_sensitive *",
    "find withsource=S in (T, U) where x > 1 project a, b:long, pack_all()",
    "find 'Hernandez' project-smart",
    "T | scan with_match_id=m declare (s:long = 0, t:string) with (step a: x > 1 => s = a.s + x, t = 'q'; step b: b.s > 2;)",
    "T | top-hitters 3 of tostring(x) | facet by a",
    "T | reduce by s | reduce kind=source by strcat(a, 'x') with threshold=0.2, characters='-_' | reduce by s with "
    "characters=' '",
    "externaldata (a:long, ['b c']:string) [@'c:\\\\x.csv', 'y.tsv'] with (format = 'csv', ignoreFirstRecord = true)",
    # graph operators
    "E | make-graph a --> b with N on name, (M | where x > 1) on id | graph-to-table nodes as N1 with_node_id=i, "
    "edges as E1 with_source_id=s with_target_id=t",
    "E | make-graph a --> b with_node_id=name | graph-match cycles=none (a)-[e]->(b)<-[f*1..3]-(c)--(), "
    "(a)-->(x)<--(y)-[*0..2]-(z) where a.name == 'x' and all(f, k == 1) project a.name, y = map(inner_nodes(f), name)",
    "G | graph-merge H | graph-merge (E | make-graph a --> b) on x, $left.a == $right.b | graph-mark-components",
    "G | graph-shortest-paths output=all (a)-[e*1..5]->(b) where a.x == 1 project a.x | where x > 1",
    "E | make-graph a --> b | graph-to-table edges | where x - -1 > a--1 and a*1 < 2",
]


@pytest.mark.parametrize("query", ROUND_TRIP_SAMPLES)
def test_round_trip_samples(query):
    first = parse(query)
    text = format_script(first)
    assert A.dump(parse(text)) == A.dump(first), text
