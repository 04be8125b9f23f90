"""The Python API: connect, register, query, explain, parameters, result types."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kqlite
from kqlite.results import kql_types


def test_connect_is_empty_and_in_memory():
    db = kqlite.connect()
    assert db.tables == []
    assert db.query("print 1").to_pylist() == [{"print_0": 1}]


def test_register_arrow_pandas_and_paths(tmp_path):
    db = kqlite.connect()
    db.register("A", pa.table({"x": [1, 2, 3]}))
    db.register("P", pd.DataFrame({"name": ["a", "b"], "v": [1.5, None]}))
    pq.write_table(pa.table({"k": ["q"]}), tmp_path / "f.parquet")
    (tmp_path / "c.csv").write_text("a,b\n1,x\n2,y\n")
    db.register("F", str(tmp_path / "f.parquet"))
    db.register("C", tmp_path / "c.csv")
    assert db.query("A | summarize sum(x)").to_pylist() == [{"sum_x": 6}]
    assert db.query("P | where isnull(v) | project name").to_pylist() == [{"name": "b"}]
    assert db.query("F").to_pylist() == [{"k": "q"}]
    assert db.query("C | where a == 2 | project b").to_pylist() == [{"b": "y"}]


def test_register_replaces_a_table():
    db = kqlite.connect()
    db.register("T", pa.table({"x": [1]}))
    db.register("T", pa.table({"y": ["z"]}))
    assert db.query("T").column_names == ["y"]


def test_string_nulls_become_empty_strings():
    db = kqlite.connect()
    db.register("T", pa.table({"s": pa.array(["a", None], pa.string())}))
    assert db.query("T | where isempty(s) | count").to_pylist() == [{"Count": 1}]
    assert db.query("T").column("s").to_pylist() == ["a", ""]


def test_result_schema_carries_kql_types():
    db = kqlite.connect()
    t = db.query("print b = true, i = int(1), l = 2, r = 1.5, s = 'x', d = datetime(2024-01-01), "
                 "ts = 90m, g = guid(74be27de-1e4e-49d9-b579-fe0b331d3642), dy = dynamic([1]), dec = decimal(1.5)")
    assert kql_types(t) == ["bool", "int", "long", "real", "string", "datetime", "timespan", "guid", "dynamic",
                            "decimal"]
    row = t.to_pylist()[0]
    assert row["d"] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert row["ts"] == dt.timedelta(minutes=90)
    assert json.loads(row["dy"]) == [1]
    assert t.schema.field("ts").type == pa.duration("ns")
    assert t.schema.field("d").type == pa.timestamp("us", tz="UTC")


def test_timespan_and_dynamic_columns_round_trip_through_register():
    db = kqlite.connect()
    first = db.query("print t = 1d, d = dynamic({'a': 1})")
    db.register("R", first)
    assert db.query("R | project x = t / 1h, y = d.a").to_pylist() == [{"x": 24.0, "y": "1"}]


def test_explain_returns_duckdb_sql():
    db = kqlite.connect()
    db.register("T", pa.table({"Computer": ["a"]}))
    sql = db.explain("T | where Computer == 'a' | count")
    assert 'FROM "T"' in sql and "count(*)" in sql


def test_parameters_are_typed_and_never_spliced():
    db = kqlite.connect()
    q = "declare query_parameters(since:timespan, name:string = 'x'); print s = since, n = name"
    assert db.query(q, params={"since": "7d"}).to_pylist() == [{"s": dt.timedelta(days=7), "n": "x"}]
    tricky = "x'); DROP TABLE T; --"
    assert db.query(q, params={"since": "1h", "name": tricky}).to_pylist()[0]["n"] == tricky
    with pytest.raises(kqlite.KqlNameError, match="missing query parameter: since"):
        db.query(q)
    with pytest.raises(kqlite.KqlTypeError, match="must be timespan"):
        db.query(q, params={"since": "soon"})


def test_execute_returns_every_statement_and_render():
    db = kqlite.connect()
    results = db.execute("print a = 1; range x from 1 to 3 step 1 | render columnchart with (title='t')")
    assert [r.table.num_rows for r in results] == [1, 3]
    assert results[1].render == ("columnchart", {"title": "t"})


def test_resource_graph_habits_default_table_and_case_insensitive_names():
    db = kqlite.connect()
    db.register("Resources", pa.table({"type": ["microsoft.hybridcompute/machines", "other"]}))
    assert db.query("where type =~ 'Microsoft.HybridCompute/machines' | count").to_pylist() == [{"Count": 1}]
    assert db.query("| count").to_pylist() == [{"Count": 2}]
    assert db.query("resources | count").to_pylist() == [{"Count": 2}]


def test_sample_fleet_is_there():
    db = kqlite.sample()
    assert {"Resources", "Heartbeat", "ResourcesHistory"} <= set(db.tables)
    machines = db.query("Resources | where type == 'microsoft.hybridcompute/machines' | count").to_pylist()
    assert machines[0]["Count"] >= 100


def test_stored_database_is_read_only(tmp_path):
    import duckdb

    path = tmp_path / "fleet.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE Heartbeat AS SELECT 'web-01' AS Computer, TIMESTAMP '2024-01-01' AS TimeGenerated")
    con.close()
    db = kqlite.connect(path)
    assert db.query("Heartbeat | project Computer").to_pylist() == [{"Computer": "web-01"}]
    with pytest.raises(kqlite.KqlError):
        db.register("X", pa.table({"a": [1]}))
    db.close()
    assert duckdb.connect(str(path)).execute("SELECT count(*) FROM Heartbeat").fetchone() == (1,)


def test_missing_database_file_is_a_data_error(tmp_path):
    with pytest.raises(kqlite.KqlDataError, match="no such database file"):
        kqlite.connect(tmp_path / "nope.duckdb")


def test_bad_data_file_names_the_file(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('[{"a": 1},')
    with pytest.raises(kqlite.KqlDataError, match="broken.json"):
        kqlite.connect().register("B", bad)
