"""External access is locked: no KQL text can read or write files, load or install extensions,
attach databases, change settings or see DuckDB's catalog; and the engine's own connection
refuses all of that too, so that even SQL that escaped quoting could not. A stored database is
opened read-only: writing through its connection fails and its bytes do not change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import kqlite
from kqlite.loaders import ingest

# DuckDB functions and table functions that reach files, extensions, settings or the catalog.
# None is a KQL function: each must be an unknown name to kqlite, never passed through.
DUCKDB_ONLY = [
    "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json", "read_json_auto", "read_ndjson",
    "read_text", "read_blob", "glob", "sniff_csv", "parquet_metadata", "parquet_schema",
    "duckdb_tables", "duckdb_columns", "duckdb_settings", "duckdb_extensions", "duckdb_functions",
    "duckdb_databases", "duckdb_secrets", "duckdb_temporary_files", "pragma_version", "pragma_table_info",
    "pragma", "current_setting", "getenv", "load", "install", "attach", "detach", "copy", "export_database",
    "query", "query_table", "sqlite_scan", "postgres_scan", "system", "shell", "checkpoint", "set", "reset",
]
TARGET = "/tmp/kqlite_external_access_written.csv"


@pytest.fixture(scope="module")
def db():
    Path(TARGET).unlink(missing_ok=True)
    d = kqlite.connect()
    d.register("T", pa.table({"a": [1, 2]}))
    return d


@pytest.fixture(autouse=True)
def nothing_written():
    yield
    assert not Path(TARGET).exists()


@pytest.mark.parametrize("name", DUCKDB_ONLY)
def test_duckdb_functions_are_unknown_to_kql(db, name):
    arg = "'/etc/passwd'"
    for text in (f"print x = {name}({arg})", f"T | extend x = {name}({arg})", f"T | where {name}({arg}) == 1",
                 f"T | summarize {name}({arg})"):
        with pytest.raises(kqlite.KqlNameError, match="unknown"):
            db.query(text)
    for text in (f"{name}({arg}) | take 1", f"T | invoke {name}()", f"T | evaluate {name}({arg})"):
        with pytest.raises(kqlite.KqlError) as info:
            db.query(text)
        assert info.value.span is not None


def test_sql_spellings_are_syntax_errors(db):
    for text in (f"COPY T TO '{TARGET}'", "ATTACH '/tmp/x.db'", "INSTALL httpfs", "LOAD httpfs",
                 "SET enable_external_access = true", "PRAGMA version", "SELECT * FROM read_csv('/etc/passwd')",
                 ".show tables", ".set-or-append T <| print 1", ".drop table T"):
        with pytest.raises(kqlite.KqlError):
            db.query(text)
    assert db.query("T | count").to_pylist() == [{"Count": 2}]


def test_catalog_and_metadata_tables_are_not_tables(db):
    for name in ("duckdb_tables", "duckdb_settings", "information_schema", "pg_catalog", "sqlite_master",
                 "kqlite_columns", "_kqlite_files", "temp", "system", "main"):
        with pytest.raises(kqlite.KqlNameError):
            db.query(f"{name} | take 1")
        with pytest.raises(kqlite.KqlNameError):
            db.query(f"['{name}'] | take 1")


def test_externaldata_and_code_plugins_are_refused(db):
    for text in (f"externaldata (a:string) ['{TARGET}'] | take 1", "externaldata (a:string) ['/etc/passwd']",
                 "print x = 1 | evaluate python(typeof(*), 'import os')",
                 "print x = 1 | evaluate sql_request('select 1')"):
        with pytest.raises(kqlite.KqlError) as info:
            db.query(text)
        assert info.value.span is not None


# ---------------------------------------------------------------- the connection itself

FORBIDDEN_SQL = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    f"COPY (SELECT 1) TO '{TARGET}'",
    f"COPY T TO '{TARGET}' (HEADER)",
    "ATTACH '/tmp/kqlite_external_access.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "LOAD '/tmp/evil.duckdb_extension'",
    "SET enable_external_access = true",
    "SET GLOBAL enable_external_access = true",
    "RESET enable_external_access",
    "SET lock_configuration = false",
    "SET allow_unsigned_extensions = true",
    "SET temp_directory = '/tmp'",
    f"EXPORT DATABASE '{TARGET}.d'",
]


def _connections(d):
    """The engine's connection and a cursor like those queries run on."""
    return [("connection", d._con), ("cursor", d._con.cursor())]


@pytest.mark.parametrize("sql", FORBIDDEN_SQL)
def test_the_engine_connection_refuses(db, sql):
    for label, con in _connections(db):
        with pytest.raises(duckdb.Error):
            con.execute(sql).fetchall()
        assert con.execute("SELECT current_setting('enable_external_access')").fetchall() == [(False,)], label
    assert not Path("/tmp/kqlite_external_access.duckdb").exists()
    assert not Path(TARGET + ".d").exists()


def test_settings_stay_locked_after_queries(db):
    for _ in range(20):
        db.query("T | summarize count() by a")
    con = db._con
    assert con.execute("SELECT current_setting('lock_configuration')").fetchall() == [(True,)]
    assert con.execute("SELECT current_setting('enable_external_access')").fetchall() == [(False,)]


# ---------------------------------------------------------------- a stored database is read-only


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("store")
    exports = folder / "exports"
    exports.mkdir()
    (exports / "perf.csv").write_text("Computer,Value\nweb-01,1\ndb-01,2\n", encoding="utf-8")
    path = folder / "fleet.duckdb"
    ingest([exports], path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_stored_database_is_read_only(store):
    before = _digest(store)
    mtime = store.stat().st_mtime_ns
    d = kqlite.connect(store)
    table = d.tables[0]
    for i in range(200):
        d.query(f"['{table}'] | where Value > {i % 3} | summarize count() by Computer | sort by Computer")
    for sql in (f'INSERT INTO "{table}" SELECT * FROM "{table}"', f'DELETE FROM "{table}"', f'DROP TABLE "{table}"',
                "CREATE TABLE evil (a INTEGER)", f'UPDATE "{table}" SET "Value" = 0'):
        for _, con in _connections(d):
            with pytest.raises(duckdb.Error):
                con.execute(sql).fetchall()
    with pytest.raises(kqlite.KqlError):
        d.register("More", pa.table({"a": [1]}))
    assert d.query(f"['{table}'] | count").to_pylist() == [{"Count": 2}]
    d._con.execute("CHECKPOINT")  # allowed on a read-only database: a no-op, as the digest below shows
    d.close()
    assert _digest(store) == before
    assert store.stat().st_mtime_ns == mtime
    assert not Path(str(store) + ".wal").exists()
