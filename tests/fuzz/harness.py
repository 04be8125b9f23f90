"""Run one input through parse -> bind -> compile -> execute and judge what came out.

The rule being fuzzed: whatever the text, the only exceptions that may escape are `KqlError`
subclasses carrying a span inside the text they point at. A DuckDB error the binder should
have prevented (the generated SQL does not bind, parse or exists only in DuckDB's internals)
is reported separately as `sql`: the user sees a KqlRuntimeError, but the engine built bad SQL.
"""

from __future__ import annotations

import signal
import threading
import traceback
from dataclasses import dataclass

import duckdb

import kqlite
from kqlite.engine import Database
from kqlite.errors import KqlError, KqlRuntimeError
from kqlite.sample_fleet import load_sample

# DuckDB errors that mean the engine compiled SQL DuckDB cannot bind or parse: never the user's fault
ENGINE_SQL_ERRORS = (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException,
                     duckdb.InternalException, duckdb.NotImplementedException)

SOFT_TIMEOUT = 5.0  # wall seconds: DuckDB interrupted, a slow query, not a crash
# CPU seconds of this process (not wall time: on a shared, busy machine wall time says little) after
# which a query that still has not answered is a hang, reported as a crash
HARD_TIMEOUT = 30.0


class FuzzDatabase(Database):
    """The sample fleet on one DuckDB thread (2 shared cores), with a memory cap, a timeout and a row
    cap, so that a runaway join cannot take the machine.

    The thread count goes in before the constructor locks the configuration (it loads the store's
    schema last, just before locking); GLOBAL, since queries run on cursors that see global settings."""

    def _load_store_schema(self) -> None:
        super()._load_store_schema()
        self._con.execute("SET GLOBAL threads = 1")


def fuzz_database() -> Database:
    try:
        db = FuzzDatabase(timeout=SOFT_TIMEOUT, memory_limit="3GB", max_rows=100_000)
    except TypeError:  # an engine without limits: interrupted by run_one's own timer
        db = FuzzDatabase()
    load_sample(db)
    return db


@dataclass
class Outcome:
    kind: str  # ok | error | timeout | sql | crash
    detail: str = ""


class _Hang(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Hang()


def run_one(db: Database, text: str) -> Outcome:
    timer = threading.Timer(SOFT_TIMEOUT + 1, getattr(db, "interrupt", db._con.interrupt))
    timer.daemon = True
    use_alarm = threading.current_thread() is threading.main_thread()
    if use_alarm:
        old = signal.signal(signal.SIGPROF, _on_alarm)
        signal.setitimer(signal.ITIMER_PROF, HARD_TIMEOUT)
    timer.start()
    try:
        db.execute(text)
        return Outcome("ok")
    except _Hang:
        return Outcome("crash", f"hang: no answer after {HARD_TIMEOUT:.0f} s of CPU")
    except KqlError as e:
        return judge_error(e, text)
    except Exception as e:  # noqa: BLE001 - the point: anything else is a crash
        return Outcome("crash", f"{type(e).__name__}: {e}\n{_short_tb(e)}")
    finally:
        timer.cancel()
        if use_alarm:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, old)


def judge_error(e: KqlError, text: str) -> Outcome:
    where = e.text if e.text is not None else text
    if e.span is None:
        return Outcome("crash", f"{type(e).__name__} without a span: {e.message}")
    if not (0 <= e.span.start <= e.span.end <= len(where)):
        return Outcome("crash", f"{type(e).__name__} span {e.span} outside the text ({len(where)} chars): {e.message}")
    if isinstance(e, KqlRuntimeError):
        cause = e.__context__ or e.__cause__
        if e.code in ("KQ503", "KQ504", "KQ505") or "INTERRUPT" in e.message.upper():  # timeout, memory, cancel
            return Outcome("timeout", e.message)
        if isinstance(cause, ENGINE_SQL_ERRORS):
            return Outcome("sql", f"{type(cause).__name__}: {str(cause).splitlines()[0]}")
    return Outcome("error", type(e).__name__)


def _short_tb(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)[-4:]
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames))


def schemas(db: Database) -> dict[str, dict[str, str]]:
    return {t: dict(db.schema(t)) for t in db.tables}


__all__ = ["FuzzDatabase", "Outcome", "fuzz_database", "run_one", "schemas", "kqlite"]
