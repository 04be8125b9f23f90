"""Stored functions: folders of .kql files, both file forms, calls between functions, cycles,
and errors drawn against the function's own file."""

from __future__ import annotations

import pyarrow as pa
import pytest

import kqlite


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "Kusto.kql").write_text(
        '.create-or-alter function with (docstring = "Rows of T above a limit", folder = "Demo")\n'
        "Above(T:(*), limit:long = 1) {\n    T | where x > limit\n}\n")
    (tmp_path / "bare.kql").write_text(
        "// Count the rows above a limit.\n// Uses Above().\nCountAbove(limit:long) {\n"
        "    let rows = Above(Numbers, limit);\n    rows | count\n}\n")
    return tmp_path


@pytest.fixture
def db(folder):
    d = kqlite.connect(functions=folder)
    d.register("Numbers", pa.table({"x": [1, 2, 3, 4]}))
    return d


def test_both_file_forms_load_with_docstrings(db):
    fns = db.functions
    assert fns["Above"].docstring == "Rows of T above a limit" and fns["Above"].folder == "Demo"
    assert fns["CountAbove"].docstring == "Count the rows above a limit. Uses Above()."
    assert fns["Above"].signature() == "Above(T:(*), limit:long = ...)"


def test_functions_are_callable_and_call_each_other(db):
    assert db.query("CountAbove(2)").to_pylist() == [{"Count": 2}]
    assert db.query("Above(Numbers) | count").to_pylist() == [{"Count": 3}]
    assert db.query("Numbers | invoke Above(3)").to_pylist() == [{"x": 4}]
    assert db.query("Above(Numbers, limit = 3)").to_pylist() == [{"x": 4}]


def test_a_cycle_is_an_error_naming_it(tmp_path):
    (tmp_path / "a.kql").write_text("A() { B() }")
    (tmp_path / "b.kql").write_text("B() { print x = 1 | union (A()) }")
    db = kqlite.connect(functions=tmp_path, library=False)
    with pytest.raises(kqlite.KqlTypeError, match="cycle: A -> B -> A"):
        db.query("A()")


def test_errors_inside_a_function_point_into_its_file(tmp_path):
    path = tmp_path / "Broken.kql"
    path.write_text("Broken() {\n    print x = tostrin(1)\n}\n")
    db = kqlite.connect(functions=tmp_path, library=False)
    with pytest.raises(kqlite.KqlNameError) as info:
        db.query("Broken()")
    rendered = info.value.render()
    assert f"--> {path}:2:15" in rendered
    assert "print x = tostrin(1)" in rendered and "^^^^^^^" in rendered
    assert "in stored function Broken" in rendered


def test_syntax_errors_in_a_file_name_the_file(tmp_path):
    path = tmp_path / "Bad.kql"
    path.write_text("Bad() { print 1 ")
    with pytest.raises(kqlite.KqlSyntaxError) as info:
        kqlite.connect(functions=tmp_path)
    assert str(path) in info.value.render()


def test_a_folder_function_replaces_a_library_one(tmp_path):
    (tmp_path / "ArcMachines.kql").write_text("// Mine.\nArcMachines() { print Machine = 'mine' }")
    db = kqlite.sample(functions=tmp_path)
    assert db.query("ArcMachines()").to_pylist() == [{"Machine": "mine"}]
    assert db.functions["ArcMachines"].docstring == "Mine."


def test_library_can_be_left_out():
    assert kqlite.connect(library=False).functions == {}
    assert "OutdatedAgents" in kqlite.connect().functions


def test_run_file_runs_every_statement(tmp_path):
    script = tmp_path / "report.kql"
    script.write_text("declare query_parameters(n:long = 2);\nrange x from 1 to n step 1;\nprint done = true")
    db = kqlite.connect()
    results = db.run_file(script, params={"n": 3})
    assert [r.table.num_rows for r in results] == [3, 1]
    bad = tmp_path / "bad.kql"
    bad.write_text("print tostrin(1)")
    with pytest.raises(kqlite.KqlNameError) as info:
        db.run_file(bad)
    assert f"--> {bad}:1:7" in info.value.render()
