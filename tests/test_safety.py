"""User text never reaches SQL unquoted, unknown functions are never passed to DuckDB,
and a query cannot touch files, extensions or the catalog."""

from __future__ import annotations

import pyarrow as pa
import pytest

import kqlite
from kqlite.sql.quote import quote_ident, quote_literal


@pytest.fixture(scope="module")
def db():
    d = kqlite.connect()
    d.register("T", pa.table({"Computer": ["web-01", "db-01"], "n": [1, 2]}))
    return d


ATTACKS = [
    "'; DROP TABLE T; --",
    "\"); COPY T TO '/tmp/x.csv'; --",
    "' || (SELECT current_setting('threads')) || '",
    "/* comment */ ' OR 1=1 --",
    "\\'; SELECT 1; --",
    "ünï'cødé\u202e",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_string_literals_stay_literals(db, attack):
    kql_text = '"' + attack.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert db.query(f"print s = {kql_text}").to_pylist() == [{"s": attack}]
    assert db.query(f"T | where Computer == {kql_text} | count").to_pylist() == [{"Count": 0}]
    assert db.query("T | count").to_pylist() == [{"Count": 2}]


@pytest.mark.parametrize("attack", ATTACKS)
def test_bracketed_names_stay_names(db, attack):
    name = attack.replace("\\", "\\\\").replace("'", "\\'")
    out = db.query(f"T | project ['{name}'] = n | take 1")
    assert out.column_names == [attack]


def test_nul_characters_are_refused_not_truncated(db):
    with pytest.raises(kqlite.KqlError):
        db.query('print "a\\0b"')


def test_unknown_functions_never_reach_duckdb(db):
    for fn in ("read_csv('/etc/passwd')", "current_setting('threads')", "duckdb_tables()", "sha1('x')",
               "kq_parse_version('1.2')", "getenv('HOME')"):
        with pytest.raises(kqlite.KqlNameError, match="unknown function"):
            db.query(f"print {fn}")


def test_catalog_tables_are_not_reachable(db):
    for name in ("duckdb_tables", "information_schema", "sqlite_master", "pg_catalog"):
        with pytest.raises(kqlite.KqlNameError):
            db.query(f"{name} | take 1")


def test_external_access_is_locked(db):
    import duckdb

    con = db._con
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute("INSTALL httpfs")


def test_quoting_functions():
    assert quote_ident('a"b') == '"a""b"'
    assert quote_literal("it's", "string") == "'it''s'"
    assert quote_literal(None, "string") == "''"
    assert quote_literal(None, "long") == "CAST(NULL AS BIGINT)"
