"""kqlite: a local KQL (Kusto Query Language) engine over DuckDB.

    import kqlite
    db = kqlite.connect()              # empty, in memory
    db.register("T", arrow_table)
    db.query("T | summarize count() by Computer")   # -> pyarrow.Table
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .engine import Database
from .errors import (
    KqlDataError,
    KqlError,
    KqlNameError,
    KqlRuntimeError,
    KqlSyntaxError,
    KqlTypeError,
    KqlUnsupportedError,
)

__version__ = "0.1.0"

__all__ = [
    "Database", "connect", "sample", "KqlError", "KqlSyntaxError", "KqlNameError", "KqlTypeError",
    "KqlUnsupportedError", "KqlRuntimeError", "KqlDataError", "__version__",
]


def connect(path: str | Path | None = None, **kw: Any) -> Database:
    """An empty in-memory database, or a DuckDB store file (opened read-only)."""
    return Database(path, **kw)


def sample(**kw: Any) -> Database:
    """An in-memory database holding the bundled sample fleet."""
    from .sample_fleet import load_sample

    db = Database(**kw)
    load_sample(db)
    return db


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext kqlite`: the %kql / %%kql magics (kqlite.notebook; imports IPython only now)."""
    from .notebook import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .notebook import unload_ipython_extension as unload

    unload(ipython)
