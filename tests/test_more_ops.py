"""Operators with several results, file access or data-dependent schemas: fork and facet
(every result, with its name), externaldata (local files, only with allow_files=True), the
schema discovery of bag_unpack/pivot, the legacy partition limit, and parse -> format ->
parse for every new node. Single-result cases are golden files (tests/golden/<operator>/)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kqlite

STORMS = """datatable(State:string, EventType:string, Damage:long)
["FLORIDA", "Flood", 10, "FLORIDA", "Heat", 0, "FLORIDA", "Flood", 3, "TEXAS", "Hail", 7]"""


@pytest.fixture(scope="module")
def db():
    return kqlite.connect()


def rows(result) -> list[dict]:
    return result.table.to_pylist()


def test_fork_named_legs_doc(db):
    # fork-operator.md, Named subqueries: the results are named by `as` or by name = (...)
    results = db.execute(STORMS + """
        | where State == "FLORIDA"
        | fork
            (where Damage > 5 | as StormsWithDamage)
            NoDamage = (where Damage == 0 | project EventType)
            (summarize n = count())""")
    assert [r.name for r in results] == ["StormsWithDamage", "NoDamage", None]
    assert rows(results[0]) == [{"State": "FLORIDA", "EventType": "Flood", "Damage": 10}]
    assert rows(results[1]) == [{"EventType": "Heat"}]
    assert rows(results[2]) == [{"n": 3}]


def test_fork_after_other_statements(db):
    results = db.execute("print a = 1; " + STORMS + " | fork (count) (take 1 | project State)")
    assert [r.table.column_names for r in results] == [["a"], ["Count"], ["State"]]


def test_facet_doc_shape(db):
    # facet-operator.md: the `with` table first, then one table per column: Column, count_Column
    results = db.execute(STORMS + " | facet by State, EventType with (where Damage > 5 | take 5)")
    assert len(results) == 3
    assert sorted(r["Damage"] for r in rows(results[0])) == [7, 10]
    assert sorted(rows(results[1]), key=lambda r: r["State"]) == [
        {"State": "FLORIDA", "count_State": 3}, {"State": "TEXAS", "count_State": 1}]
    assert results[2].table.column_names == ["EventType", "count_EventType"]
    assert {r["EventType"]: r["count_EventType"] for r in rows(results[2])} == {"Flood": 2, "Heat": 1, "Hail": 1}


def test_facet_without_with(db):
    results = db.execute(STORMS + " | facet by EventType")
    assert len(results) == 1 and results[0].table.column_names == ["EventType", "count_EventType"]


# ---------------------------------------------------------------- externaldata


def test_externaldata_needs_file_access(tmp_path, db):
    path = tmp_path / "d.csv"
    path.write_text("1,a\n")
    with pytest.raises(kqlite.KqlUnsupportedError) as info:
        db.query(f'externaldata (n:long, s:string) [@"{path}"]')
    assert "allow_files=True" in info.value.render()


def test_externaldata_csv_by_position(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('n,s,t,ok\n1,x,2024-01-01,true\n2,"y, z",,false\nnot a number,w\n')
    db = kqlite.connect(allow_files=True)
    out = db.query(f'externaldata (n:long, s:string, t:datetime, ok:bool) [@"{path}"] '
                   'with (format="csv", ignoreFirstRecord=true)')
    got = out.to_pylist()
    assert [(r["n"], r["s"], r["ok"]) for r in got] == [(1, "x", True), (2, "y, z", False), (None, "w", None)]
    assert got[0]["t"].year == 2024 and got[1]["t"] is None


def test_externaldata_several_files_and_formats(tmp_path):
    tsv = tmp_path / "a.tsv"
    tsv.write_text("1\tone\n")
    parquet = tmp_path / "b.parquet"
    pq.write_table(pa.table({"s": ["two"], "n": [2], "extra": [0.5]}), parquet)
    db = kqlite.connect(allow_files=True)
    out = db.query(f'externaldata (n:long, s:string) [@"{tsv}", @"{parquet}"] | order by n asc')
    assert out.to_pylist() == [{"n": 1, "s": "one"}, {"n": 2, "s": "two"}]


def test_externaldata_local_files_only(tmp_path):
    db = kqlite.connect(allow_files=True)
    with pytest.raises(kqlite.KqlUnsupportedError):
        db.query('externaldata (n:long) ["https://example.invalid/x.csv"]')
    with pytest.raises(kqlite.KqlError) as info:
        db.query(f'externaldata (n:long) [@"{tmp_path / "missing.csv"}"]')
    assert info.value.span is not None


# ---------------------------------------------------------------- discovery and limits


def test_bag_unpack_discovers_columns_from_the_data(db):
    db2 = kqlite.connect()
    db2.register("T", pa.table({"d": [json.dumps({"b": 1, "a": "x"}), json.dumps({"c": True})]}),
                 kql_types={"d": "dynamic"})
    out = db2.query("T | evaluate bag_unpack(d) | project-reorder a, b, c")
    assert out.column_names == ["a", "b", "c"]
    assert [f.metadata[b"kql_type"] for f in out.schema] == [b"string", b"long", b"bool"]
    assert out.to_pylist() == [{"a": "x", "b": 1, "c": None}, {"a": "", "b": None, "c": True}]


def test_partition_legacy_limit(db):
    with pytest.raises(kqlite.KqlTypeError) as info:
        db.query("range x from 1 to 65 step 1 | partition by x (as P | take 1)")
    assert "at most 64" in info.value.message
    assert db.query("range x from 1 to 65 step 1 | partition hint.strategy=native by x (take 1) | count"
                    ).to_pylist() == [{"Count": 65}]


def test_explain_shows_one_query_for_mv_apply(db):
    sql = db.explain("print a = dynamic([3, 1, 2]) | mv-apply x = a to typeof(long) on (top 1 by x)")
    assert sql.count(";") == 1 and "row_number()" in sql


# ---------------------------------------------------------------- syntax



def test_grammar_builds_without_reduce_reduce_conflicts():
    from lark import Lark

    from kqlite.syntax.parser import _grammar_text

    Lark(_grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=True,
         start=["start", "function_file"])  # raises GrammarError on a reduce/reduce conflict
