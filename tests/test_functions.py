"""One-line function checks (tests/functions/*.kqltests, a file per function family), and the
rule that every function in the registry is exercised by a golden case or a line there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from golden_format import _canon, _equal

import kqlite
from kqlite.formats import cell_text
from kqlite.functions.registry import all_functions
from kqlite.results import kql_types

HERE = Path(__file__).parent
LINES = [line for path in sorted((HERE / "functions").glob("*.kqltests"))
         for line in path.read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")]


def _split(line: str) -> tuple[str, str, str]:
    query, _, expected = line.rpartition("=>")
    kql_type, _, value = expected.strip().partition(":")
    return query.strip(), kql_type.strip(), value.strip()


@pytest.fixture(scope="module")
def db():
    return kqlite.connect()


@pytest.mark.parametrize("line", LINES)
def test_function_line(db, line):
    query, kql_type, expected = _split(line)
    tabular = "|" in query or re.match(r"(range\s+\w+\s+from|datatable|print\s)", query) is not None
    table = db.query(query if tabular else f"print r = {query}")
    actual_type = kql_types(table)[0]
    assert actual_type == kql_type, f"type: expected {kql_type}, got {actual_type}"
    actual = _canon(cell_text(table.column(0)[0].as_py(), actual_type), actual_type)
    assert _equal(_canon(expected, kql_type), actual, kql_type), f"expected {expected!r}, got {actual!r}"


def test_every_registered_function_is_tested():
    golden = "\n".join(p.read_text(encoding="utf-8") for p in (HERE / "golden").glob("*/*/query.kql"))
    text = golden + "\n" + "\n".join(LINES)
    untested = sorted(n for n in all_functions() if not re.search(r"\b" + re.escape(n) + r"\s*\(", text))
    assert not untested, f"functions without a golden case or a line in tests/functions/*.kqltests: {untested}"
