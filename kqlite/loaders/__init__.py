"""Fleet exports into kqlite: detection, typed reading, and the DuckDB store.

| step | module | job |
|---|---|---|
| what a file is | `detect.py` | format from the first bytes; table from the columns and first row |
| read it | `relations.py` | each export shape as a DuckDB relation (read_parquet / read_csv / read_json) |
| type it | `coltypes.py` | KQL type of each column; SQL converting it to storage form |
| plan it | `plan.py` | one file -> its table and a typed SELECT; retries after disproved guesses |
| explain failures | `diagnose.py` | DuckDB's errors -> file, row or byte, problem; UTF-8 copies |
| store it | `store.py` | fit tables to files, append, de-duplicate; Resources from ResourcesHistory |
| run it | `ingest.py` | folders, hashes, one restartable transaction, skip-bad; `load()` for --data |
| survive a crash | `durability.py` | a new store built under a temporary name, named when whole; kill points for tests |
| show it | `progress.py` | the progress bar |

What kqlite knows about the exports (Heartbeat and Resource Graph schemas, file-name rules) is
in `schemas.py`. These modules touch DuckDB on connections of their own (never the query engine's, which
forbids file access); `schemas.py`, `detect.py` and `progress.py` do not.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import KqlDataError
from ..results import to_kql_arrow
from ..semantic.plan import Col
from ..sql.quote import quote_ident
from . import detect
from .diagnose import readable_copy
from .ingest import FileReport, IngestReport, expand, ingest, load, prepare
from .plan import plan_file, stage_file
from .relations import EmptyExport

__all__ = ["read_file", "ingest", "load", "expand", "IngestReport", "FileReport"]


def read_file(path: Path) -> pa.Table:
    """One file as an Arrow table with KQL types in its field metadata (`kql_type`)."""
    path = Path(path)
    con = duckdb.connect(":memory:")
    try:
        prepare(con)
        sniff = detect.sniff(path)
        with readable_copy(sniff) as (readable, sniff):
            try:
                plan, _ = stage_file(con, plan_file(con, path, sniff, readable), "_kqlite_read")
            except EmptyExport:
                raise KqlDataError("the export holds no rows (nothing to make a table of)", path=str(path)) from None
        select = ", ".join(f"CAST({quote_ident(n)} AS VARCHAR) AS {quote_ident(n)}" if t in ("dynamic", "guid")
                           else quote_ident(n) for n, t in plan.kql_columns)
        result = con.sql(f'SELECT {select} FROM "_kqlite_read"')
        fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
        return to_kql_arrow(fetch(), tuple(Col(n, t) for n, t in plan.kql_columns))
    finally:
        con.close()
