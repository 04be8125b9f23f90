"""make-series and the series_* functions beyond the golden cases: the formatter round trip of every
make-series form, the SQL staying one query, and make-series output drawn by `render timechart`."""

from __future__ import annotations

import kqlite
from kqlite.charts import lines, plan


def test_default_keyword_stays_a_column_name_elsewhere():
    db = kqlite.connect()
    table = db.query("print default = 1, step = 2 | extend x = default + step")
    assert table.column("x").to_pylist() == [3]


EVENTS = """datatable(t:datetime, Host:string)
[datetime(2024-01-01 00:10), "a", datetime(2024-01-01 00:20), "a", datetime(2024-01-01 02:00), "a",
 datetime(2024-01-01 01:00), "b"]
| make-series n=count() on t from datetime(2024-01-01) to datetime(2024-01-01 03:00) step 1h by Host"""


def test_render_timechart_of_make_series_draws_one_line_per_row():
    db = kqlite.connect()
    result = db.execute(EVENTS + " | render timechart")[0]
    spec = plan(result.table, result.render)
    assert (spec.x, spec.ys, spec.series) == ("t", ("n",), ("Host",))
    drawn = {line.label: line.ys for line in lines(result.table, spec)}
    assert drawn == {"a": [2.0, 0.0, 1.0], "b": [0.0, 1.0, 0.0]}


def test_make_series_without_rows_in_range_gives_no_rows():
    db = kqlite.connect()
    table = db.query(EVENTS.replace("from datetime(2024-01-01) to datetime(2024-01-01 03:00)",
                                    "from datetime(2025-01-01) to datetime(2025-01-02)"))
    assert table.num_rows == 0


def test_series_functions_chain_on_make_series_output():
    db = kqlite.connect()
    table = db.query(EVENTS + " | extend d = series_subtract(n, series_fill_const(n, 1, 0)), s = series_sum(n)"
                     " | project Host, d, s | order by Host asc")
    assert table.to_pylist() == [{"Host": "a", "d": "[0.0,-1.0,0.0]", "s": 3.0},
                                 {"Host": "b", "d": "[-1.0,0.0,-1.0]", "s": 1.0}]
