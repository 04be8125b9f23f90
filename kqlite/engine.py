"""The database: DuckDB underneath, the KQL pipeline on top. The only module that
imports duckdb.

Pipeline: parse (syntax.parser) -> bind (semantic.binder) -> to_sql (sql.compiler)
-> DuckDB -> Arrow (results).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import stored_functions
from .errors import KqlDataError, KqlError, KqlNameError, KqlRuntimeError, Span
from .limits import (
    QueryLimits,
    Watchdog,
    cancelled_error,
    check_max_rows,
    check_memory_limit,
    check_sql_size,
    check_timeout,
    memory_error,
    script_limits,
    timeout_error,
)
from .results import KQL_TYPE_KEY, Result, to_kql_arrow
from .semantic.binder import Binder, BoundQuery, Catalog
from .semantic.plan import Col, Table
from .sql import macros, python_functions
from .sql.compiler import compile_query
from .sql.quote import quote_ident, quote_string
from .syntax.ast import Script
from .syntax.parser import parse
from .types import SQL_TYPE, from_arrow, from_duckdb

_METADATA_TABLE = "kqlite_columns"


class Database:
    """A KQL database over DuckDB. Queries only read; user text never reaches SQL unquoted.

    Limits (kqlite.limits): `timeout` seconds per query text, `max_rows` per result (cut, with
    Result.truncated), `memory_limit` for the whole database ('1GB'; DuckDB's default is 80% of RAM).
    One Database may be used from several threads at once: each query runs on a cursor of its own.
    """

    def __init__(self, path: str | Path | None = None, *, default_table: str = "Resources",
                 now: dt.datetime | None = None, functions: str | Path | None = None, library: bool = True,
                 timeout: float | None = None, max_rows: int | None = None, memory_limit: str | None = None,
                 allow_files: bool = False):
        self.path = str(path) if path else None
        if self.path and not Path(self.path).exists():
            raise KqlDataError(f"no such database file: {self.path}", path=self.path)
        self.limits = QueryLimits(check_timeout(timeout), check_max_rows(max_rows))
        self.memory_limit = check_memory_limit(memory_limit)
        self._con = duckdb.connect(self.path or ":memory:", read_only=bool(self.path))
        # GLOBAL: the per-query cursors see global settings only, not this connection's session ones
        self._con.execute("SET GLOBAL TimeZone='UTC'")
        # Spilling (sorts, joins, aggregates larger than memory) goes to a folder of our own, removed
        # on close, not DuckDB's default `.tmp` in the working directory. It still works once
        # external access is off, since the folder is set before the configuration is locked.
        self._spill_dir: str | None = tempfile.mkdtemp(prefix="kqlite-spill-")
        weakref.finalize(self, shutil.rmtree, self._spill_dir, True)
        self._con.execute(f"SET temp_directory = {quote_string(self._spill_dir)}")
        if self.memory_limit:
            self._con.execute(f"SET memory_limit = {quote_string(self.memory_limit)}")
        # DuckDB draws its own progress bar on stdout for statements over 2 s (a slow load of a big
        # table): it would corrupt `kqlite query --format csv` output. In a Jupyter kernel without
        # ipywidgets DuckDB refuses the setting (duckdb#7590) but draws no bar there either.
        try:
            # a session setting: DuckDB refuses it GLOBAL ("cannot be set globally"); cursors start without a bar
            self._con.execute("SET enable_progress_bar = false")
        except duckdb.Error:
            pass
        macros.install(self._con.execute)
        python_functions.install(self._con)
        # a connection holding Python functions must be closed before the interpreter exits, or
        # DuckDB's bindings report leaked objects on stderr
        weakref.finalize(self, self._con.close)
        self._lock = threading.RLock()
        self._pool_lock = threading.Lock()
        self._idle: list[Any] = []  # cursors with the macros installed, ready for the next query
        self._busy: set[Any] = set()  # cursors running a query now (interrupt() stops them)
        self._broken: set[Any] = set()  # busy cursors to close instead of pooling (a fetch broke off)
        self._binding_cursor = threading.local()  # the running execute()'s cursor, for queries made while binding
        self._types: dict[str, dict[str, str]] = {}
        self.catalog = Catalog(default_table=default_table)
        self.catalog.run = self._run_plan  # schema discovery while binding (bag_unpack, pivot, partition {...})
        self.catalog.allow_files = allow_files  # externaldata: local files, read by kqlite.loaders
        self.fixed_now = now
        if library:
            self.catalog.functions.update(stored_functions.library())
        if functions is not None:
            self.add_functions(functions)
        self._load_store_schema()
        self._con.execute("SET enable_external_access = false")
        self._con.execute("SET lock_configuration = true")

    # ------------------------------------------------------------ catalog
    def _load_store_schema(self) -> None:
        if not self.path:
            return
        rows = self._con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall()
        meta: dict[tuple[str, str], str] = {}
        if any(r[0] == _METADATA_TABLE for r in rows):
            for t, c, k in self._con.execute(f"SELECT table_name, column_name, kql_type FROM {_METADATA_TABLE}").fetchall():
                meta[(t, c)] = k
        tables: dict[str, list[Col]] = {}
        for table, column, dtype in rows:
            if table == _METADATA_TABLE or table.startswith("_kqlite"):
                continue
            tables.setdefault(table, []).append(Col(column, meta.get((table, column), from_duckdb(dtype))))
        for name, cols in tables.items():
            self.catalog.tables[name] = Table(tuple(cols), name=name)

    @property
    def tables(self) -> list[str]:
        return sorted(self.catalog.tables)

    def schema(self, name: str) -> list[tuple[str, str]]:
        table = self.catalog.find(name)
        if table is None:
            raise KqlNameError(f"unknown table '{name}'")
        return [(c.name, c.type) for c in table.columns]

    def register(self, name: str, data: Any, *, kql_types: Mapping[str, str] | None = None) -> None:
        """Add or replace a table from a pyarrow Table, a pandas DataFrame or a Parquet/CSV/JSON path."""
        if self.path:
            raise KqlRuntimeError("a stored database is read-only; register tables on an in-memory database")
        table = _to_arrow(data)
        types = dict(kql_types or {})
        columns: list[Col] = []
        selects: list[str] = []
        for f in table.schema:
            meta = f.metadata or {}
            t = types.get(f.name) or (meta[KQL_TYPE_KEY].decode() if KQL_TYPE_KEY in meta else from_arrow(f.type))
            columns.append(Col(f.name, t))
            selects.append(_storage_expr(quote_ident(f.name), f.type, t))
        table = _prepare_arrow(table, columns)
        view = f"_kqlite_src_{abs(hash(name)) % 10**8}"
        with self._lock:
            self._con.register(view, table)
            try:
                self._con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS SELECT {', '.join(selects)} "
                                  f"FROM {quote_ident(view)}")
            except duckdb.Error as e:
                raise KqlDataError(f"cannot load table '{name}': {_first_line(e)}") from None
            finally:
                self._con.unregister(view)
        self.catalog.tables[name] = Table(tuple(columns), name=name)

    # ------------------------------------------------------------ stored functions
    @property
    def functions(self) -> dict[str, stored_functions.StoredFunction]:
        """The stored functions queries can call: the shipped library plus any added folders."""
        return dict(self.catalog.functions)

    def add_functions(self, folder: str | Path) -> list[str]:
        """Load every function file of a folder; a name already known is replaced."""
        loaded = stored_functions.load_folder(folder)
        self.catalog.functions.update(loaded)
        return sorted(loaded)

    def run_file(self, path: str | Path, params: Mapping[str, Any] | None = None, *,
                 timeout: float | None = None, max_rows: int | None = None) -> list[Result]:
        """Run a saved `.kql` script (declare query_parameters, lets, one or more queries)."""
        text = Path(path).read_text(encoding="utf-8-sig")
        try:
            return self.execute(text, params, timeout=timeout, max_rows=max_rows)
        except KqlError as e:
            if e.source == "query":
                e.source = str(path)
            raise

    # ------------------------------------------------------------ queries
    def _bind(self, text: str, params: Mapping[str, Any] | None,
              script: Script | None = None) -> tuple[list[BoundQuery], dt.datetime]:
        now = self.fixed_now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        script = script or parse(text)
        try:
            bound = Binder(self.catalog, params, now).bind_script(script)
        except KqlError as e:
            if e.span is not None and e.span.start < 0 and e.text is None:
                # a node with no token of its own (a bare `summarize`): point at the whole query
                e.span = Span(0, len(text))
            raise e.with_text(text) from None
        return bound, now

    def compile(self, text: str, params: Mapping[str, Any] | None = None) -> list[str]:
        bound, now = self._bind(text, params)
        return [compile_query(b.rel, now) for b in bound]

    def explain(self, text: str, params: Mapping[str, Any] | None = None) -> str:
        """The DuckDB SQL for each query statement."""
        return ";\n\n".join(self.compile(text, params)) + ";"

    def execute(self, text: str, params: Mapping[str, Any] | None = None, *,
                timeout: float | None = None, max_rows: int | None = None) -> list[Result]:
        """Run every query statement of the text; one Result per statement.

        timeout (seconds, for the whole text) and max_rows replace the database's defaults for
        this call (0: no limit); the text's `set truncationmaxrecords=N` / `set notruncation` win.
        """
        script = parse(text)
        try:
            limits = script_limits(script, self.limits.merged(timeout, max_rows))
        except KqlError as e:
            raise e.with_text(text) from None
        results = []
        with self._cursor() as cursor, Watchdog(cursor.interrupt, limits.timeout) as watchdog:
            # queries run while binding (bag_unpack, pivot...) use this cursor, under the same time limit
            self._binding_cursor.cursor = cursor
            try:
                bound, now = self._bind(text, params, script)
            except KqlRuntimeError as e:
                if watchdog.fired and e.code == "KQ505":
                    raise timeout_error(limits.timeout or 0, text) from None
                raise
            finally:
                self._binding_cursor.cursor = None
            for b in bound:
                sql = compile_query(b.rel, now)
                check_sql_size(sql, text)
                try:
                    arrow, truncated = _fetch_limited(cursor.sql(sql), limits.max_rows)
                except duckdb.Error as e:
                    raise self._limit_error(e, text, watchdog, limits) from None
                except (OSError, pa.ArrowException) as e:
                    # DuckDB's error surfaced through pyarrow's stream reader (an interrupt during the
                    # fetch is OSError "INTERRUPT"); the cursor may still hold the half-read stream
                    self._discard(cursor)
                    raise self._fetch_error(e, text, watchdog, limits) from None
                results.append(Result(to_kql_arrow(arrow, b.rel.columns), b.render, sql, truncated=truncated,
                                      name=b.name))
        return results

    def query(self, text: str, params: Mapping[str, Any] | None = None, *,
              timeout: float | None = None, max_rows: int | None = None) -> pa.Table:
        """The last query statement's result as an Arrow table (KQL types in field metadata)."""
        return self.execute(text, params, timeout=timeout, max_rows=max_rows)[-1].table

    def _run_plan(self, rel: Any, now: dt.datetime) -> pa.Table:
        """Run a plan while binding (an operator whose output columns depend on the data)."""
        sql = compile_query(rel, now)
        try:
            with self._cursor(getattr(self._binding_cursor, "cursor", None)) as cursor:
                try:
                    return to_kql_arrow(_fetch_arrow(cursor.sql(sql)), rel.columns)
                except (OSError, pa.ArrowException):
                    self._discard(cursor)  # broke off mid-stream (an interrupt): not reused
                    raise
        except (duckdb.Error, OSError, pa.ArrowException) as e:
            if "INTERRUPT" in str(e).upper():
                raise KqlRuntimeError("the query was cancelled", code="KQ505") from None
            raise KqlRuntimeError(f"the query failed while running: {_first_line(e)}", code="KQ502") from None

    # ------------------------------------------------------------ concurrency and limits
    @contextmanager
    def _cursor(self, borrowed: Any = None) -> Iterator[Any]:
        """A connection of this database's own for one query, so threads run queries side by side.

        DuckDB cursors share the tables and the global settings but not TEMP macros, so each new
        cursor gets the macros once and then goes back to a pool for the next query. A `borrowed`
        cursor (the running query's own, while it binds) is used as it is and stays with its owner.
        """
        if borrowed is not None:
            yield borrowed
            return
        with self._pool_lock:
            cursor = self._idle.pop() if self._idle else None
        if cursor is None:
            with self._lock:
                cursor = self._con.cursor()
            macros.install(cursor.execute)
        with self._pool_lock:
            self._busy.add(cursor)
        try:
            yield cursor
        finally:
            with self._pool_lock:
                self._busy.discard(cursor)
                broken = cursor in self._broken
                self._broken.discard(cursor)
                if not broken:
                    self._idle.append(cursor)
            if broken:
                cursor.close()

    def interrupt(self) -> None:
        """Stop every query running on this database, from any thread (they raise KQ505)."""
        with self._pool_lock:
            running = list(self._busy)
        for cursor in running:
            cursor.interrupt()

    def _fetch_error(self, e: Exception, text: str, watchdog: Watchdog, limits: QueryLimits) -> KqlError:
        if watchdog.fired or "INTERRUPT" in str(e).upper():
            return timeout_error(limits.timeout or 0, text) if watchdog.fired else cancelled_error(text)
        return _runtime_error(e, text)

    def _discard(self, cursor: Any) -> None:
        """Keep a cursor whose result broke off mid-stream out of the pool: _cursor closes it."""
        with self._pool_lock:
            self._broken.add(cursor)

    def _limit_error(self, e: duckdb.Error, text: str, watchdog: Watchdog, limits: QueryLimits) -> KqlError:
        if isinstance(e, duckdb.InterruptException):
            return timeout_error(limits.timeout or 0, text) if watchdog.fired else cancelled_error(text)
        if isinstance(e, duckdb.OutOfMemoryException):
            return memory_error(self.memory_limit, text)
        return _runtime_error(e, text)

    def close(self) -> None:
        with self._pool_lock:
            cursors, self._idle = self._idle, []
        for cursor in cursors:
            cursor.close()
        self._con.close()
        if self._spill_dir:
            shutil.rmtree(self._spill_dir, ignore_errors=True)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _fetch_arrow(result: Any) -> pa.Table:
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table  # duckdb 2 renamed it
    return fetch()


def _fetch_limited(result: Any, max_rows: int | None) -> tuple[pa.Table, bool]:
    """The result, or its first max_rows rows and True when there are more.

    A LIMIT of one row past the limit goes on the query itself: DuckDB then stops early, and an
    ORDER BY under it becomes a top-N that keeps max_rows + 1 rows instead of sorting everything.
    """
    if not max_rows:
        return _fetch_arrow(result), False
    table = _fetch_arrow(result.limit(max_rows + 1))
    if table.num_rows > max_rows:
        return table.slice(0, max_rows), True
    return table, False



def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _runtime_error(e: Exception, text: str) -> KqlRuntimeError:
    msg = _first_line(e)
    # DuckDB's error text may carry internals; keep the cause, not the SQL
    for prefix in ("Conversion Error: ", "Invalid Input Error: ", "Out of Range Error: ", "Binder Error: ",
                   "Catalog Error: ", "Parser Error: ", "Not implemented Error: "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    err = KqlRuntimeError(f"the query failed while running: {msg}", Span(0, len(text)), code="KQ502")
    return err.with_text(text)  # type: ignore[return-value]


def _to_arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, (str, Path)):
        from .loaders import read_file

        return read_file(Path(data))
    if hasattr(data, "to_arrow"):
        return data.to_arrow()
    try:
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            return pa.Table.from_pandas(data, preserve_index=False)
    except ImportError:  # pragma: no cover
        pass
    raise KqlDataError(f"cannot register a {type(data).__name__}: give a pyarrow Table, a pandas DataFrame or a path")


def _prepare_arrow(table: pa.Table, columns: list[Col]) -> pa.Table:
    """Arrow-side conversions DuckDB cannot do in SQL: durations to ticks."""
    arrays = []
    for i, col in enumerate(columns):
        arr = table.column(i)
        if col.type == "timespan" and (pa.types.is_duration(arr.type) or pa.types.is_time(arr.type)):
            if pa.types.is_time(arr.type):
                arr = arr.cast(pa.time64("us")).cast(pa.int64())
                arr = pa.compute.multiply(arr, 10)
            else:
                ns = arr.cast(pa.duration("ns")).cast(pa.int64())
                arr = pa.compute.divide(ns, 100)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, names=[c.name for c in columns])


def _storage_expr(ident: str, arrow_type: pa.DataType, kql_type: str) -> str:
    """SQL that turns a registered Arrow column into kqlite's storage form for its KQL type."""
    if kql_type == "string":
        return f"COALESCE(CAST({ident} AS VARCHAR), '') AS {ident}"
    if kql_type == "dynamic":
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            return f"CASE WHEN json_valid({ident}) THEN CAST({ident} AS JSON) ELSE CAST(to_json({ident}) AS JSON) END AS {ident}"
        return f"CAST(to_json({ident}) AS JSON) AS {ident}"
    if kql_type == "datetime":
        if pa.types.is_string(arrow_type):
            return f"kq_to_datetime({ident}) AS {ident}"
        if pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None:
            return f"CAST({ident} AS TIMESTAMP) AS {ident}"
        return f"CAST({ident} AS TIMESTAMP) AS {ident}"
    if kql_type == "timespan":
        if pa.types.is_string(arrow_type):
            return f"kq_to_timespan({ident}) AS {ident}"
        return f"CAST({ident} AS BIGINT) AS {ident}"
    if kql_type == "guid":
        return f"TRY_CAST({ident} AS UUID) AS {ident}"
    return f"TRY_CAST({ident} AS {SQL_TYPE[kql_type]}) AS {ident}"
