"""The store (real DuckDB files): idempotent and atomic ingest, --skip-bad, errors that name the
file and the row, history queries in KQL, the `kqlite ingest` command as a subprocess."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import kqlite
from kqlite.loaders import ingest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
UTC = dt.UTC
GOOD = [DATA / "heartbeat", DATA / "resource_graph", DATA / "agent_show", DATA / "generic"]


def q(db, text: str) -> list[dict]:
    return db.query(text).to_pylist()


def counts(db_path: Path) -> dict[str, int]:
    with kqlite.connect(db_path) as db:
        return {t: q(db, f"['{t}'] | count")[0]["Count"] for t in db.tables}


def kqlite_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kqlite.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd or ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.fixture()
def bad_second(tmp_path) -> list[Path]:
    """Two exports whose second (in file order) has a row with the wrong number of columns."""
    good = tmp_path / "a_machines.csv"
    good.write_text("name,status\nweb-07,Connected\n")
    bad = tmp_path / "b_machines.csv"
    shutil.copy(DATA / "bad" / "wrong_columns.csv", bad)
    return [good, bad]


def test_ingesting_the_same_files_again_adds_nothing(tmp_path):
    db = tmp_path / "fleet.duckdb"
    first = ingest(GOOD, db, progress=False)
    assert first.committed and not first.bad and len(first.added) == 14
    before = counts(db)
    again = ingest(GOOD, db, progress=False)
    assert [f.status for f in again.files] == ["duplicate"] * 14 and not again.added
    renamed = tmp_path / "copy of perf.csv"  # the same content under another name is the same file
    shutil.copy(DATA / "generic" / "perf_2024-06-01.csv", renamed)
    assert ingest([renamed], db, progress=False).files[0].status == "duplicate"
    assert counts(db) == before


def test_overlapping_heartbeat_exports_add_only_new_rows(tmp_path):
    db = tmp_path / "fleet.duckdb"
    src = DATA / "heartbeat" / "Heartbeat_portal_2024-06-01.csv"
    ingest([src], db, progress=False)
    # the next export overlaps the first: two rows again, and one new heartbeat
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    later = tmp_path / "Heartbeat_portal_2024-06-02.csv"
    later.write_text("\n".join([lines[0], lines[2], lines[3], lines[3].replace("1:00:12.004 PM", "1:05:12.004 PM")]) + "\n")
    report = ingest([later], db, progress=False)
    assert (report.files[0].rows, report.files[0].added) == (3, 1)
    with kqlite.connect(db) as con:
        assert q(con, "Heartbeat | summarize n = count(), last = max(TimeGenerated)") == [
            {"n": 4, "last": dt.datetime(2024, 6, 1, 13, 5, 12, 4000, tzinfo=UTC)}]


def test_a_bad_second_file_leaves_the_store_as_it_was(tmp_path, bad_second):
    db = tmp_path / "fleet.duckdb"
    ingest([DATA / "agent_show"], db, progress=False)
    before = counts(db)
    with pytest.raises(kqlite.KqlDataError) as e:
        ingest(bad_second, db, progress=False)
    assert "b_machines.csv, row 2" in str(e.value) and "nothing was ingested" in str(e.value)
    assert [f.status for f in e.value.report.files] == ["added", "bad"]
    assert counts(db) == before
    assert ingest(bad_second[:1], db, progress=False).files[0].status == "added"  # the good file was not recorded


def test_a_failed_first_ingest_leaves_no_store(tmp_path, bad_second):
    db = tmp_path / "new.duckdb"
    with pytest.raises(kqlite.KqlDataError):
        ingest(bad_second, db, progress=False)
    assert not db.exists()


def test_skip_bad_commits_the_good_files_and_lists_the_bad(tmp_path, bad_second):
    db = tmp_path / "fleet.duckdb"
    report = ingest([*bad_second, DATA / "bad"], db, skip_bad=True, progress=False)
    assert report.committed
    # wrong_columns.csv has b_machines.csv's content: a copy of a bad file is as bad
    assert sorted(f.path.name for f in report.bad) == ["Heartbeat_bad_date.csv", "b_machines.csv", "truncated.json",
                                                        "wrong_columns.csv"]
    assert all(f.error is not None and f.path.name in str(f.error) for f in report.bad)
    assert counts(db) == {"a_machines": 1}


@pytest.mark.parametrize("name, row, words", [
    ("wrong_columns.csv", 2, "expected 3 columns (as in the header), found 4 (line 3)"),
    ("Heartbeat_bad_date.csv", 3, "column 'TimeGenerated': 'yesterday at noon' is not a datetime"),
    ("truncated.json", None, "the file ends before its JSON does (truncated?); the last value starts at byte 100 "
                             "(line 4, column 16)"),
])
def test_errors_name_the_file_and_the_row_or_byte(tmp_path, name, row, words):
    with pytest.raises(kqlite.KqlDataError) as e:
        ingest([DATA / "bad" / name], tmp_path / "s.duckdb", progress=False)
    err = e.value
    assert Path(err.path).name == name and err.row == row
    assert words in str(err)
    assert str(err).startswith(f"error[KQ600]: {DATA / 'bad' / name}" + (f", row {row}: " if row else ": "))


def test_a_bad_value_deep_in_a_big_file_is_found_by_row(tmp_path):
    f = tmp_path / "Heartbeat.csv"
    rows = [f'"6/1/2024, 10:{i % 60:02d}:00.000 AM",web-{i % 7:02d},"Azure Monitor Agent",Linux' for i in range(30_000)]
    rows[25_123] = '"6/31/2024, 10:00:00.000 AM",web-01,"Azure Monitor Agent",Linux'  # no 31 June
    f.write_text('"TimeGenerated [UTC]",Computer,Category,OSType\n' + "\n".join(rows) + "\n")
    with pytest.raises(kqlite.KqlDataError) as e:
        ingest([f], tmp_path / "s.duckdb", progress=False)
    assert e.value.row == 25_124 and "'6/31/2024, 10:00:00.000 AM' is not a datetime" in str(e.value)


def test_files_are_only_read(tmp_path):
    def fingerprint() -> dict[str, tuple[str, int]]:
        return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for p in DATA.rglob("*") if p.is_file()}
    before = fingerprint()
    ingest([DATA], tmp_path / "s.duckdb", skip_bad=True, progress=False)
    assert fingerprint() == before


def test_store_is_read_only_and_hides_its_bookkeeping(tmp_path):
    db = tmp_path / "fleet.duckdb"
    ingest([DATA / "agent_show"], db, progress=False)
    with kqlite.connect(db) as con:
        assert con.tables == ["AgentShow"]
        with pytest.raises(kqlite.KqlError):
            con.register("X", db)
        with pytest.raises(kqlite.KqlDataError, match="open elsewhere"):  # DuckDB: one writer, no readers
            ingest([DATA / "generic"], db, progress=False)


# ---------------------------------------------------------------- history

@pytest.fixture(scope="module")
def history(tmp_path_factory):
    db = tmp_path_factory.mktemp("hist") / "fleet.duckdb"
    ingest([DATA / "resource_graph"], db, progress=False)
    con = kqlite.connect(db)
    yield con
    con.close()


def test_resources_history_keeps_every_snapshot(history):
    assert q(history, "ResourcesHistory | summarize n = count() by SnapshotTime | order by SnapshotTime asc") == [
        {"SnapshotTime": dt.datetime(2024, 6, d, tzinfo=UTC), "n": n} for d, n in ((1, 4), (2, 3), (3, 3), (4, 1), (5, 2))]


def test_which_machines_ran_an_old_agent_on_a_past_day(history):
    got = q(history, """
        ResourcesHistory
        | where SnapshotTime == datetime(2024-06-02) and type == 'microsoft.hybridcompute/machines'
        | where parse_version(tostring(properties.agentVersion)) < parse_version('1.40')
        | project name | order by name asc""")
    assert got == [{"name": "WEB-07"}, {"name": "app-02"}]


def test_the_state_as_of_a_time(history):
    got = q(history, """
        ResourcesHistory
        | where SnapshotTime <= datetime(2024-06-03 12:00) and type == 'microsoft.hybridcompute/machines'
        | summarize arg_max(SnapshotTime, *) by id
        | project name, status = tostring(properties.status), version = tostring(properties.agentVersion)
        | order by name asc""")
    assert got == [{"name": "WEB-07", "status": "Connected", "version": "1.41.02664.1002"},
                   {"name": "app-02", "status": "Connected", "version": "1.38.02580.1002"},
                   {"name": "db-01", "status": "Disconnected", "version": "1.41.02664.1002"}]


def test_when_a_status_changed(history):
    got = q(history, """
        ResourcesHistory
        | where name == 'db-01'
        | summarize Since = min(SnapshotTime) by Status = tostring(properties.status)
        | order by Since asc""")
    assert got == [{"Status": "Connected", "Since": dt.datetime(2024, 6, 1, tzinfo=UTC)},
                   {"Status": "Disconnected", "Since": dt.datetime(2024, 6, 3, tzinfo=UTC)}]


def test_sample_fleet_raw_exports_agree_with_its_tables(tmp_path):
    """The bundled raw exports and ResourcesHistory.parquet hold the same snapshots: loading them
    together adds each snapshot once, and Resources is the latest snapshot."""
    sample = ROOT / "sample_data"
    db = tmp_path / "fleet.duckdb"
    report = ingest([sample / "Resources.parquet", sample / "ResourcesHistory.parquet", sample / "resource_graph"],
                    db, progress=False)
    history = pq.read_metadata(sample / "ResourcesHistory.parquet").num_rows
    assert sum(f.rows for f in report.files) > history and sum(f.added for f in report.files) == history
    facts = json.loads((sample / "facts.json").read_text())
    expected = pq.read_table(sample / "Resources.parquet")
    with kqlite.connect(db) as con:
        assert q(con, "ResourcesHistory | summarize dcount(SnapshotTime)")[0]["dcount_SnapshotTime"] == len(facts["snapshot_times"])
        got = con.query("Resources | project id, properties = tostring(properties) | order by tolower(id) asc")
    assert got.column("id").to_pylist() == expected.column("id").to_pylist()
    assert [json.loads(p) for p in got.column("properties").to_pylist()] == \
        [json.loads(p) for p in expected.column("properties").to_pylist()]


# ---------------------------------------------------------------- the command line

def test_cli_ingest_then_query(tmp_path):
    db = tmp_path / "fleet.duckdb"
    r = kqlite_cli("ingest", str(DATA / "resource_graph"), str(DATA / "heartbeat"), "--db", str(db), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{db}: 7 file(s) ingested, 18 new rows")
    r = kqlite_cli("ingest", str(DATA / "resource_graph"), "--db", str(db))
    assert r.returncode == 0 and "0 file(s) ingested, 0 new rows; 5 file(s) already ingested" in r.stdout
    r = kqlite_cli("query", "--db", str(db), "--format", "csv", "-c",
                   "Resources | where type == 'microsoft.hybridcompute/machines' | summarize n = count() by "
                   "status = tostring(properties.status)")
    assert r.returncode == 0 and r.stdout == "status,n\nDisconnected,2\n"


def test_cli_ingest_bad_files(tmp_path, bad_second):
    db = tmp_path / "fleet.duckdb"
    r = kqlite_cli("ingest", *map(str, bad_second), "--db", str(db))
    assert r.returncode == 1 and not db.exists()
    assert "b_machines.csv, row 2: expected 3 columns" in r.stderr and "nothing was ingested" in r.stderr
    r = kqlite_cli("ingest", *map(str, bad_second), "--db", str(db), "--skip-bad")
    assert r.returncode == 1
    assert "1 file(s) ingested" in r.stdout and f"skipped 1 bad file(s): {bad_second[1]}" in r.stderr
    assert counts(db) == {"a_machines": 1}


def test_cli_snapshot_time_option(tmp_path):
    db = tmp_path / "fleet.duckdb"
    src = tmp_path / "machines.json"  # no date in the name
    shutil.copy(DATA / "resource_graph" / "machines_bare_list_2024-06-02.json", src)
    r = kqlite_cli("ingest", str(src), "--db", str(db), "--snapshot-time", "2024-07-01T12:00:00+02:00")
    assert r.returncode == 0, r.stderr
    with kqlite.connect(db) as con:
        assert q(con, "ResourcesHistory | distinct SnapshotTime") == [{"SnapshotTime": dt.datetime(2024, 7, 1, 10, tzinfo=UTC)}]
    assert kqlite_cli("ingest", str(src), "--db", str(db), "--snapshot-time", "soon").returncode == 2


def test_cli_data_folder_groups_files_into_tables():
    r = kqlite_cli("query", "--data", str(DATA / "resource_graph"), "--data", str(DATA / "generic"), "--format", "csv",
                   "-c", "union (ResourcesHistory | summarize n = count() by t = 'history'), "
                         "(Resources | summarize n = count() by t = 'latest'), (perf | summarize n = count() by t = 'perf') "
                         "| order by t asc")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "t,n\nhistory,13\nlatest,3\nperf,4\n"
    r = kqlite_cli("query", "--data", str(DATA / "generic"), "-c", "perf | getschema | where ColumnName startswith '_'")
    assert "(0 rows)" in r.stdout  # --data shows the files as they are: no provenance columns


def test_an_export_with_no_rows_is_not_an_error(tmp_path):
    empty = tmp_path / "machines_2024-06-09.json"  # `az graph query` that matched nothing
    empty.write_text('{"count": 0, "data": [], "skip_token": null, "total_records": 0}\n')
    db = tmp_path / "fleet.duckdb"
    report = ingest([empty, DATA / "agent_show"], db, progress=False)
    assert report.committed and [f.status for f in report.files] == ["empty", "added", "added"]
    assert ingest([empty], db, progress=False).files[0].status == "duplicate"


def test_progress_is_reported(tmp_path):
    calls = []
    ingest([DATA / "generic"], tmp_path / "a.duckdb", progress=lambda *a: calls.append(a))
    assert [c[:2] for c in calls] == [(n, 5) for n in range(1, 6)] and calls[-1][2] == calls[-1][3]
    assert calls[-1][4] == 11  # rows
    r = kqlite_cli("ingest", str(DATA / "generic"), "--db", str(tmp_path / "b.duckdb"), "--progress")
    assert r.returncode == 0 and "100% [" in r.stderr and "5/5 files" in r.stderr
