"""The command line, run as a real subprocess: formats, parameters, stdin, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq


def kqlite(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kqlite.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_query_table_on_the_sample_fleet():
    r = kqlite("query", "-c", "Resources | where type == 'microsoft.hybridcompute/machines' | count")
    assert r.returncode == 0, r.stderr
    assert "Count" in r.stdout and "long" in r.stdout and "(1 row)" in r.stdout


def test_json_format_is_a_kusto_result_table():
    r = kqlite("query", "--format", "json", "-c", "print t = datetime(2024-01-01 10:00), s = 1d + 2h, "
               "d = dynamic({'a': [1]}), n = long(null), b = true")
    doc = json.loads(r.stdout)
    assert doc["columns"] == [{"name": "t", "type": "datetime"}, {"name": "s", "type": "timespan"},
                              {"name": "d", "type": "dynamic"}, {"name": "n", "type": "long"},
                              {"name": "b", "type": "bool"}]
    assert doc["rows"] == [["2024-01-01T10:00:00Z", "1.02:00:00", {"a": [1]}, None, True]]


def test_csv_jsonl_and_parquet(tmp_path):
    q = "range x from 1 to 3 step 1 | extend y = x * 2"
    assert kqlite("query", "--format", "csv", "-c", q).stdout == "x,y\n1,2\n2,4\n3,6\n"
    lines = kqlite("query", "--format", "jsonl", "-c", q).stdout.splitlines()
    assert [json.loads(line) for line in lines] == [{"x": 1, "y": 2}, {"x": 2, "y": 4}, {"x": 3, "y": 6}]
    out = tmp_path / "r.parquet"
    assert kqlite("query", "--format", "parquet", "-o", str(out), "-c", q).returncode == 0
    assert pq.read_table(out).column("y").to_pylist() == [2, 4, 6]


def test_query_from_stdin_file_and_params(tmp_path):
    assert kqlite("query", "--format", "csv", stdin="print 40 + 2").stdout == "print_0\n42\n"
    f = tmp_path / "q.kql"
    f.write_text("declare query_parameters(n:long);\nrange x from 1 to n step 1 | count")
    r = kqlite("query", "--format", "csv", "-f", str(f), "--param", "n=5")
    assert r.stdout == "Count\n5\n"


def test_data_option_loads_files_as_tables(tmp_path):
    (tmp_path / "Machines.csv").write_text("name,status\nweb-01,Connected\ndb-01,Expired\n")
    r = kqlite("query", "--data", str(tmp_path), "--format", "csv", "-c", "Machines | where status == 'Expired'")
    assert r.stdout == "name,status\ndb-01,Expired\n"


def test_errors_exit_1_with_the_caret_picture():
    r = kqlite("query", "-c", "Heartbeat | where Compter == 'x'")
    assert r.returncode == 1
    assert "error[KQ201]: unknown column or variable 'Compter'" in r.stderr
    assert "^^^^^^^" in r.stderr and "did you mean 'Computer'" in r.stderr
    assert "Traceback" not in r.stderr


def test_usage_errors_exit_2():
    assert kqlite("query", "--param", "novalue", "-c", "print 1").returncode == 2
    assert kqlite().returncode == 2


def test_explain_prints_sql():
    r = kqlite("explain", "-c", "Heartbeat | take 3")
    assert r.returncode == 0 and 'FROM "Heartbeat"' in r.stdout and "LIMIT" in r.stdout
