"""Scalar functions written in Python that the generated SQL calls by name.

A few KQL functions have algorithms SQL expresses badly or not at all: XML and user-agent
parsing, punycode, compression, spectral analysis and seasonal decomposition. Their SQL
builders call `kq_py_*` functions registered here; everything else stays plain DuckDB SQL.

Registration is by decorator, at import of the family module that owns the function; the
engine installs every registered function once on each new connection, before external
access is locked (they live in the connection's catalog, so its cursors see them too). KQL text
cannot name them: unknown function names never reach SQL.

Kusto answers invalid input with null, so a Python function that raises gives null instead
of failing the whole query with a DuckDB "Python exception" error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PythonFunction:
    name: str  # the SQL name, kq_py_*
    run: Callable[..., Any]  # the null-on-error wrapper DuckDB calls
    params: tuple[str, ...]  # DuckDB parameter types
    returns: str  # DuckDB result type


PYTHON_FUNCTIONS: dict[str, PythonFunction] = {}


def python_function(name: str, params: Sequence[str], returns: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn` as the SQL scalar function `name(params) -> returns`. It receives None for
    SQL nulls and must handle them (return None to give null)."""
    if not name.startswith("kq_py_"):
        raise ValueError(f"Python function names start with kq_py_: {name}")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        # wraps: DuckDB counts the parameters from the signature, which must be fn's, not (*args)
        @functools.wraps(fn)
        def null_on_error(*args: Any) -> Any:
            try:
                return fn(*args)
            except Exception:  # noqa: BLE001  (Kusto: invalid input gives null, not an error)
                return None

        PYTHON_FUNCTIONS[name] = PythonFunction(name, null_on_error, tuple(params), returns)
        return fn

    return register


def install(connection: Any) -> None:
    """Create every registered function on a DuckDB connection."""
    from ..functions.registry import all_functions

    all_functions()  # imports the family modules, which register their Python functions
    for f in PYTHON_FUNCTIONS.values():
        connection.create_function(f.name, f.run, list(f.params), f.returns,
                                   null_handling="special", side_effects=False)
