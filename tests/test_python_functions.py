"""kq_py_* functions: installed on every connection, seen by the per-query cursors, null on error."""

from __future__ import annotations

import duckdb
import pytest

from kqlite.sql import python_functions


@pytest.fixture
def registered():
    def halve(x):
        if x is None:
            return None
        if x % 2:
            raise ValueError("odd")
        return x // 2

    python_functions.python_function("kq_py_test_halve", ["BIGINT"], "BIGINT")(halve)
    yield
    del python_functions.PYTHON_FUNCTIONS["kq_py_test_halve"]


def test_installed_functions_are_seen_by_cursors_and_give_null_on_error(registered):
    con = duckdb.connect()
    try:
        python_functions.install(con)
        con.execute("SET enable_external_access = false")
        cursor = con.cursor()
        rows = cursor.sql("SELECT kq_py_test_halve(x) FROM (VALUES (4), (3), (NULL)) t(x)").fetchall()
        assert rows == [(2,), (None,), (None,)]
        cursor.close()
    finally:
        con.close()


def test_names_must_say_they_are_python_functions():
    with pytest.raises(ValueError):
        python_functions.python_function("reverse", ["VARCHAR"], "VARCHAR")
