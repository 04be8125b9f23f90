"""The CLI's query limits, run as a real subprocess: --timeout, --max-rows, --memory-limit."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

SLOW = "range x from 1 to 3000000000 step 1 | where tostring(x) matches regex '^9+8$' | count"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A tiny data file, so the subprocess does not spend its time loading the sample fleet."""
    path = tmp_path_factory.mktemp("limits") / "T.csv"
    path.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    return str(path)


def kqlite(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kqlite.cli", *args], capture_output=True, text=True, timeout=120)


def test_max_rows_cuts_the_output_with_a_notice(data):
    r = kqlite("query", "--data", data, "--max-rows", "5", "--format", "csv", "-c", "range x from 1 to 100 step 1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["x", "1", "2", "3", "4", "5"]
    assert "result cut at 5 rows" in r.stderr and "--max-rows" in r.stderr


def test_max_rows_zero_and_notruncation_lift_the_limit(data):
    r = kqlite("query", "--data", data, "--max-rows", "0", "--format", "csv", "-c", "range x from 1 to 100 step 1")
    assert len(r.stdout.split()) == 101 and r.stderr == ""
    r = kqlite("query", "--data", data, "--max-rows", "5", "--format", "csv",
               "-c", "set notruncation; range x from 1 to 100 step 1")
    assert len(r.stdout.split()) == 101 and r.stderr == ""


def test_the_default_max_rows_is_kustos_500000(data):
    r = kqlite("query", "--data", data, "--format", "csv", "-c", "range x from 1 to 500001 step 1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert len(lines) == 500_001 and lines[-1] == "500000"
    assert "result cut at 500,000 rows" in r.stderr
    r = kqlite("query", "--data", data, "--format", "csv", "-c", "range x from 1 to 500000 step 1 | count")
    assert r.stdout.split() == ["Count", "500000"] and r.stderr == ""


def test_set_truncationmaxrecords_in_the_query(data):
    r = kqlite("query", "--data", data, "--format", "csv", "-c", "set truncationmaxrecords=3; T | union T | union T")
    assert len(r.stdout.split()) == 4
    assert "result cut at 3 rows" in r.stderr


def test_timeout_stops_a_slow_query(data):
    started = time.monotonic()
    r = kqlite("query", "--data", data, "--timeout", "0.5", "-c", SLOW)
    assert r.returncode == 1
    assert r.stderr.startswith("error[KQ503]: the query ran longer than the 0.5 s timeout")
    assert "Traceback" not in r.stderr
    assert time.monotonic() - started < 60


def test_run_takes_the_limits_too(data, tmp_path):
    script = tmp_path / "slow.kql"
    script.write_text("print ok = 1;\n" + SLOW + "\n", encoding="utf-8")
    r = kqlite("run", str(script), "--data", data, "--timeout", "0.5")
    assert r.returncode == 1 and "error[KQ503]" in r.stderr
    script.write_text("range x from 1 to 10 step 1\n", encoding="utf-8")
    r = kqlite("run", str(script), "--data", data, "--max-rows", "4", "--format", "csv")
    assert r.returncode == 0 and r.stdout.split() == ["x", "1", "2", "3", "4"]
    assert "result cut at 4 rows" in r.stderr


def test_memory_limit(data):
    r = kqlite("query", "--data", data, "--memory-limit", "50MB", "-c",
               "range x from 1 to 20000000 step 1 | summarize make_list(x)")
    assert r.returncode == 1 and r.stderr.startswith("error[KQ504]") and "50MB memory limit" in r.stderr
    r = kqlite("query", "--data", data, "--memory-limit", "lots", "-c", "print 1")
    assert r.returncode == 2 and "memory limit" in r.stderr


def test_bad_limit_values_are_usage_errors(data):
    r = kqlite("query", "--data", data, "--timeout", "-1", "-c", "print 1")
    assert r.returncode == 2 and "timeout" in r.stderr
    r = kqlite("query", "--data", data, "--max-rows", "many", "-c", "print 1")
    assert r.returncode == 2 and "--max-rows" in r.stderr
