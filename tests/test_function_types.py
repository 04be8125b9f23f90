"""Every registered function, given arguments of every KQL type, either returns a result or
raises a KqlError at bind time: never a Python exception or a DuckDB message."""

from __future__ import annotations

import itertools

import pytest

import kqlite
from kqlite.functions.registry import all_functions

VALUES = ["1", "'a.b'", "1.5", "datetime(2024-01-01)", "1h", "dynamic([1,2])", "dynamic({'a':1})", "true",
          "long(null)", "'day'"]


def _queries(fn) -> list[str]:
    kinds = [p.rstrip("?*") for p in fn.params]
    out = []
    for n in range(fn.min_args, min(len(kinds), 3) + 1):
        values = VALUES if n < 3 else VALUES[::2]  # the third argument's types rarely interact with the first two
        for combo in itertools.product(values, repeat=n):
            args = ", ".join(combo)
            if fn.kind == "scalar":
                out.append(f"print {fn.name}({args})")
            elif fn.kind == "aggregate":
                out.append(f"print x = 1 | summarize {fn.name}({args})")
            else:
                out.append(f"print x = 1 | serialize | extend {fn.name}({args})")
    return out


FUNCTIONS = sorted({f.name: f for f in all_functions().values()}.items())


@pytest.mark.parametrize("name,fn", FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_any_argument_types_bind_or_fail_cleanly(name, fn):
    db = kqlite.connect()
    for query in _queries(fn):
        try:
            db.query(query)
        except kqlite.KqlRuntimeError as e:
            pytest.fail(f"{query}: DuckDB rejected what the binder accepted: {e}")
        except kqlite.KqlError as e:
            assert e.span is not None and e.line is not None, f"{query}: error without a position: {e}"
