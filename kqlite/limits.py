"""Query limits: a time limit, a result-size limit and the memory limit's spelling.

Kusto protects itself with default query limits (docs: concepts/query-limits): a request
timeout, result truncation at 500,000 records (`set truncationmaxrecords=N`,
`set notruncation`) and memory budgets. kqlite keeps the same three guards for a local
engine: a query that runs too long is interrupted (DuckDB has no statement timeout, so a
watchdog thread calls the connection's interrupt), a result past `max_rows` is cut rather
than held whole in memory, and DuckDB's `memory_limit` bounds what one database may use.

Nothing here imports DuckDB: the engine hands in its interrupt function and its errors.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import KqlError, KqlRuntimeError, Span
from .syntax import ast as A

CLI_MAX_ROWS = 500_000  # Kusto's default truncationmaxrecords; the CLI's default --max-rows
_RETRY_INTERRUPT = 0.05  # seconds: an interrupt sent before DuckDB starts executing is lost, so repeat it

TIMEOUT_CODE = "KQ503"
MEMORY_CODE = "KQ504"
CANCELLED_CODE = "KQ505"
TOO_COMPLEX_CODE = "KQ507"

# The longest SQL one query statement may compile to. Real queries stay in the tens of KB; SQL
# past this comes from expressions nested so deep that DuckDB's binder would run for minutes
# (binding is not interruptible, so the timeout cannot stop it): refused before DuckDB sees it.
MAX_SQL_CHARS = 4_000_000


@dataclass(frozen=True)
class QueryLimits:
    """The limits one query runs under. None (or 0) means no limit."""

    timeout: float | None = None  # seconds
    max_rows: int | None = None

    def merged(self, timeout: float | None = None, max_rows: int | None = None) -> QueryLimits:
        """A per-call value replaces the database default (None keeps it; 0 lifts the limit for that call)."""
        return QueryLimits(self.timeout if timeout is None else check_timeout(timeout),
                           self.max_rows if max_rows is None else check_max_rows(max_rows))


def check_timeout(seconds: float | None) -> float | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0 or seconds != seconds:
        raise ValueError(f"timeout takes a number of seconds >= 0 (0: none), got {seconds!r}")
    return float(seconds) or None


def check_max_rows(rows: int | None) -> int | None:
    if rows is None:
        return None
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"max_rows takes a whole number of rows >= 0 (0: no limit), got {rows!r}")
    return rows or None


_MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*", re.IGNORECASE)


def check_memory_limit(text: str | None) -> str | None:
    """'1GB', '512MB', '2.5GiB' (DuckDB's spelling); a bare number is bytes. None: DuckDB's default."""
    if text is None:
        return None
    match = _MEMORY.fullmatch(str(text))
    if not match:
        raise ValueError(f"memory limit takes a size such as 512MB or 2GB, got {text!r}")
    number, unit = match.group(1), (match.group(2) or "b").upper()
    if float(number) <= 0:
        raise ValueError(f"memory limit must be above zero, got {text!r}")
    return f"{number}{unit}"


# ---------------------------------------------------------------- `set` statements in the query text
def script_limits(script: A.Script, limits: QueryLimits) -> QueryLimits:
    """Kusto's truncation options set in the query: `set truncationmaxrecords=N;`, `set notruncation;`.

    As in Kusto, notruncation is ignored when truncationmaxrecords is also set, and the lower of
    several truncationmaxrecords applies.
    """
    records: list[int] = []
    notruncation = False
    for stmt in script.statements:
        if not isinstance(stmt, A.SetOption):
            continue
        name = stmt.name.lower()
        if name == "notruncation":
            notruncation = _flag(stmt)
        elif name == "truncationmaxrecords":
            records.append(_whole_number(stmt))
    if records:
        return QueryLimits(limits.timeout, min(records) or None)
    if notruncation:
        return QueryLimits(limits.timeout, None)
    return limits


def _flag(stmt: A.SetOption) -> bool:
    value = getattr(stmt, "value", None)
    if value is None:
        return True
    if isinstance(value, A.Literal) and value.type == "bool" and value.value is not None:
        return bool(value.value)
    raise KqlRuntimeError(f"set {stmt.name} takes true or false", stmt.span, code="KQ506")


def _whole_number(stmt: A.SetOption) -> int:
    value = getattr(stmt, "value", None)
    if isinstance(value, A.Literal) and value.type in ("int", "long") and isinstance(value.value, int) \
            and value.value >= 0:
        return value.value
    raise KqlRuntimeError(f"set {stmt.name} takes a whole number of records, as in `set {stmt.name}=1000`",
                          stmt.span, code="KQ506")


# ---------------------------------------------------------------- the timeout
class Watchdog:
    """Interrupts a running query when it outlives `seconds`.

        with Watchdog(cursor.interrupt, 5.0) as dog:
            ... run ...
        dog.fired  # the interrupt came from the time limit, not from a user's cancel

    The interrupt repeats until the block ends, because DuckDB drops one that arrives before
    the statement starts executing. Leaving the block stops the thread before the connection is
    used again, so no interrupt can reach a later query.
    """

    def __init__(self, interrupt: Callable[[], Any], seconds: float | None):
        self.interrupt = interrupt
        self.seconds = seconds
        self.fired = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Watchdog:
        if self.seconds:
            self._thread = threading.Thread(target=self._watch, name="kqlite-timeout", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.fired = True
        while not self._done.is_set():
            self.interrupt()
            self._done.wait(_RETRY_INTERRUPT)


# ---------------------------------------------------------------- errors
def seconds_text(seconds: float) -> str:
    return f"{seconds:g} s"


def timeout_error(seconds: float, text: str) -> KqlError:
    err = KqlRuntimeError(
        f"the query ran longer than the {seconds_text(seconds)} timeout and was stopped", Span(0, len(text)),
        ["raise the limit with timeout=SECONDS (Database or per call) or --timeout SECONDS; 0 means none",
         "or make the query cheaper: filter early, summarize before joining"], code=TIMEOUT_CODE)
    return err.with_text(text)


def memory_error(limit: str | None, text: str) -> KqlError:
    which = f"the {limit} memory limit" if limit else "the memory DuckDB may use (80% of RAM by default)"
    err = KqlRuntimeError(
        f"the query needed more memory than {which} and was stopped", Span(0, len(text)),
        ["raise the limit with memory_limit='4GB' (Database) or --memory-limit 4GB",
         "or make the query smaller: summarize before make_list/make_set, project fewer columns, take fewer rows"],
        code=MEMORY_CODE)
    return err.with_text(text)


def check_sql_size(sql: str, text: str) -> None:
    """Refuse SQL too long for DuckDB to bind in reasonable time (see MAX_SQL_CHARS)."""
    if len(sql) > MAX_SQL_CHARS:
        err = KqlRuntimeError(
            f"the query is too complex: it compiles to {len(sql) / 1e6:.1f} MB of SQL, over the "
            f"{MAX_SQL_CHARS / 1e6:g} MB limit", Span(0, len(text)),
            ["nest fewer expressions: compute a repeated part once with extend or let"], code=TOO_COMPLEX_CODE)
        raise err.with_text(text)


def cancelled_error(text: str) -> KqlError:
    return KqlRuntimeError("the query was cancelled", Span(0, len(text)), code=CANCELLED_CODE).with_text(text)


def truncation_notice(max_rows: int) -> str:
    return (f"result cut at {max_rows:,} rows (the max_rows limit); use --max-rows N (0: no limit), "
            "`set truncationmaxrecords=N;` or `set notruncation;` for more")
