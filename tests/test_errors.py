"""Error goldens: tests/errors/<case>/query.kql -> the exact rendered diagnostic (expected.txt).

Every case must raise a KqlError subclass with a span inside the query; never a Python
or DuckDB exception."""

from __future__ import annotations

from pathlib import Path

import pytest

import kqlite

ERRORS = Path(__file__).parent / "errors"
CASES = sorted(p.parent for p in ERRORS.glob("*/query.kql"))


@pytest.fixture(scope="module")
def fleet():
    return kqlite.sample()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_error_rendering(case: Path, fleet, update_goldens):
    query = (case / "query.kql").read_text(encoding="utf-8").rstrip("\n")
    with pytest.raises(kqlite.KqlError) as info:
        fleet.query(query)
    err = info.value
    assert err.span is not None and 0 <= err.span.start <= len(query), "errors carry a span inside the query"
    assert err.line is not None and err.column is not None
    rendered = err.render()
    expected = case / "expected.txt"
    if update_goldens or not expected.exists():
        expected.write_text(rendered + "\n", encoding="utf-8")
    assert rendered == expected.read_text(encoding="utf-8").rstrip("\n")


def test_str_is_one_line_with_position(fleet):
    with pytest.raises(kqlite.KqlNameError) as info:
        fleet.query("Heartbeat\n| where Compter == 1")
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("query:2:9: error[KQ201]: unknown column or variable 'Compter'")
    assert "did you mean 'Computer'" in text
