"""Reading and writing tests/golden/*/expected.csv (format: tests/golden/README.md)."""

from __future__ import annotations

import csv
import decimal
import io
import json
import math

import pyarrow as pa

from kqlite.formats import cell_text
from kqlite.results import kql_types
from kqlite.syntax.literals import parse_datetime_text, parse_timespan_text


def table_to_csv(table: pa.Table) -> str:
    types = kql_types(table)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f"{n}:{t}" for n, t in zip(table.column_names, types)])
    for row in table.to_pylist():
        w.writerow([cell_text(row[n], t) for n, t in zip(table.column_names, types)])
    return out.getvalue()


def _canon(text: str, kql_type: str):
    """A cell's text -> a comparable value."""
    if kql_type == "string":
        return text
    if text == "":
        return None
    if kql_type == "bool":
        return text.lower() == "true"
    if kql_type in ("int", "long"):
        return int(text)
    if kql_type == "real":
        return float(text)
    if kql_type == "decimal":
        return decimal.Decimal(text)
    if kql_type == "datetime":
        value = parse_datetime_text(text)
        return value.replace(microsecond=value.microsecond) if value else None
    if kql_type == "timespan":
        ticks = parse_timespan_text(text)
        return None if ticks is None else ticks // 10  # kqlite keeps microseconds
    if kql_type == "guid":
        return text.lower()
    if kql_type == "dynamic":
        return json.loads(text)
    return text


def _equal(a, b, kql_type: str) -> bool:
    if kql_type == "real" and a is not None and b is not None:
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if kql_type == "dynamic":
        return _json_equal(a, b)
    if kql_type == "datetime" and a is not None and b is not None:
        return abs((a - b).total_seconds()) < 1e-6
    return a == b


def _json_equal(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return a == b


def read_expected(text: str) -> tuple[list[tuple[str, str]], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    header = [tuple(h.rsplit(":", 1)) for h in rows[0]]
    return header, rows[1:]


def compare(table: pa.Table, expected_text: str, unordered: bool) -> str | None:
    """None when equal, else a readable description of the difference."""
    header, rows = read_expected(expected_text)
    actual_header = list(zip(table.column_names, kql_types(table)))
    if actual_header != [tuple(h) for h in header]:
        return f"columns differ:\n  expected {header}\n  actual   {actual_header}"
    types = [t for _, t in header]
    actual_text = table_to_csv(table)
    _, actual_rows = read_expected(actual_text)
    exp = [[_canon(c, t) for c, t in zip(r, types)] for r in rows]
    act = [[_canon(c, t) for c, t in zip(r, types)] for r in actual_rows]
    if len(exp) != len(act):
        return f"row count differs: expected {len(exp)}, got {len(act)}\nactual:\n{actual_text}"
    if unordered:
        key = lambda r: json.dumps([str(v) for v in r])  # noqa: E731
        exp, act = sorted(exp, key=key), sorted(act, key=key)
    for i, (e, a) in enumerate(zip(exp, act)):
        for (name, t), ev, av in zip(header, e, a):
            if not _equal(ev, av, t):
                return f"row {i}, column {name}: expected {ev!r}, got {av!r}\nactual:\n{actual_text}"
    return None
