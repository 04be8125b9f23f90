"""`kqlite run` as a subprocess: saved scripts, typed parameters, several results, stored
functions folders and the exit codes a cron job or a pipeline acts on."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq


def kqlite(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kqlite.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


def test_script_with_typed_parameter_and_several_results(tmp_path):
    script = tmp_path / "report.kql"
    script.write_text("declare query_parameters(since:timespan, top:long = 2);\n"
                      "let cutoff = datetime(2026-11-15) - since;\n"
                      "DisconnectedMachines(0, datetime(2026-11-15)) | where LastStatusChange < cutoff | count;\n"
                      "range x from 1 to top step 1\n")
    r = kqlite("run", str(script), "--param", "since=7d", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert lines[0].keys() == {"Count"} and lines[1:] == [{"x": 1}, {"x": 2}]


def test_missing_required_parameters_are_listed(tmp_path):
    script = tmp_path / "p.kql"
    script.write_text("declare query_parameters(a:long, b:string);\nprint a, b")
    r = kqlite("run", str(script))
    assert r.returncode == 1
    assert "missing query parameters: a:long, b:string" in r.stderr


def test_exit_codes(tmp_path):
    rows = tmp_path / "rows.kql"
    rows.write_text("print 1")
    empty = tmp_path / "empty.kql"
    empty.write_text("print 1 | where false")
    assert kqlite("run", str(rows), "--fail-if-rows", "--quiet").returncode == 3
    assert kqlite("run", str(rows), "--fail-if-empty", "--quiet").returncode == 0
    assert kqlite("run", str(empty), "--fail-if-empty", "--quiet").returncode == 3
    quiet = kqlite("run", str(empty), "--fail-if-rows", "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == ""
    bad = tmp_path / "bad.kql"
    bad.write_text("print nosuchcolumn")
    broken = kqlite("run", str(bad))
    assert broken.returncode == 1 and f"--> {bad}:1:7" in broken.stderr
    assert kqlite("run", str(tmp_path / "missing.kql")).returncode == 2


def test_results_to_files_with_a_suffix_each(tmp_path):
    script = tmp_path / "two.kql"
    script.write_text("print a = 1; print b = 2")
    out = tmp_path / "out.parquet"
    assert kqlite("run", str(script), "--format", "parquet", "-o", str(out)).returncode == 0
    assert pq.read_table(tmp_path / "out_1.parquet").column_names == ["a"]
    assert pq.read_table(tmp_path / "out_2.parquet").column_names == ["b"]


def test_functions_folder_option_and_default_queries_folder(tmp_path):
    data = tmp_path / "exports"
    (data / "queries").mkdir(parents=True)
    (data / "Machines.csv").write_text("name,status\nweb-01,Connected\ndb-01,Expired\n")
    (data / "queries" / "Expired.kql").write_text("// Expired machines.\nExpired() { Machines | where status == 'Expired' }")
    r = kqlite("query", "--data", str(data), "--format", "csv", "-c", "Expired() | project name")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "name\ndb-01\n"
    other = tmp_path / "fns"
    other.mkdir()
    (other / "Two.kql").write_text("Two() { print n = 2 }")
    r = kqlite("query", "--functions", str(other), "--format", "csv", "-c", "Two()")
    assert r.stdout == "n\n2\n"


def test_library_function_on_the_sample_fleet():
    r = kqlite("query", "--format", "json", "-c", "ClonedMachines() | count")
    assert json.loads(r.stdout)["rows"] == [[4]]
