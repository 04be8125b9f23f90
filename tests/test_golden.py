"""Golden cases: tests/golden/<area>/<case>/ with query.kql and expected.csv / expected.sql."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from golden_format import compare, table_to_csv

import kqlite

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/*/query.kql"))
NOW = dt.datetime(2026, 11, 15, 0, 0, 0)


@pytest.fixture(scope="module")
def empty_db():
    return kqlite.connect(now=NOW)


@pytest.fixture(scope="module")
def fleet_db():
    return kqlite.sample(now=NOW)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden(case: Path, empty_db, fleet_db, update_goldens, request):
    xfail = case / "xfail"
    if xfail.exists() and not update_goldens:
        # a known, documented difference from Kusto: must fail, so that a fix is noticed
        request.node.add_marker(pytest.mark.xfail(reason=xfail.read_text().strip(), strict=True))
    query = (case / "query.kql").read_text(encoding="utf-8")
    db = fleet_db if query.startswith("// data: sample") else empty_db
    expected_csv = case / "expected.csv"
    expected_sql = case / "expected.sql"
    table = db.query(query)
    if update_goldens:  # re-record the files the case has (a new case with neither gets expected.csv)
        if expected_csv.exists() or not expected_sql.exists():
            expected_csv.write_text(table_to_csv(table), encoding="utf-8")
        if expected_sql.exists():
            expected_sql.write_text(db.explain(query) + "\n", encoding="utf-8")
        return
    assert expected_csv.exists() or expected_sql.exists(), "a golden case needs expected.csv or expected.sql"
    if expected_sql.exists():
        assert db.explain(query).strip() == expected_sql.read_text(encoding="utf-8").strip()
    if expected_csv.exists():
        problem = compare(table, expected_csv.read_text(encoding="utf-8"), (case / "unordered").exists())
        assert problem is None, problem
