"""One file -> a plan to read it: which table its rows belong to, and a SELECT that yields them in
KQL storage types. Planning reads only the first rows; the whole file is read once, by the
INSERT that uses the plan (store.py), or into a temporary table by `stage_file` (read_file).

When a read fails, `after_failure` decides: a guess about a column that a later value disproves
gives a new plan (that column as a string, or DuckDB's inference over the whole file); anything
else is a KqlDataError naming the file and the row or byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..errors import KqlDataError
from ..sql.quote import quote_ident
from . import coltypes as T
from . import detect
from . import diagnose as D
from . import schemas as S
from .relations import Raw, relation


@dataclass(frozen=True)
class FilePlan:
    path: Path                      # the file as given
    sniff: detect.Sniff
    readable: Path                  # what DuckDB reads: the file, or a UTF-8 copy of it
    kind: str                       # heartbeat | resources | agent_show | log_analytics | generic
    table: str
    raw: Raw
    columns: tuple[T.Column, ...]
    names: dict[str, str] = field(default_factory=dict)      # raw column -> KQL name (portal headers)
    offsets: dict[str, dt.timedelta] = field(default_factory=dict)  # raw column -> UTC offset of its header
    wanted: dict[str, str] = field(default_factory=dict)      # DuckDB read types for known columns
    as_text: frozenset[str] = frozenset()   # guesses disproved by the data
    strong: frozenset[str] = frozenset()    # columns that turned out not to be empty after all
    full_sample: bool = False               # DuckDB inferred types from the whole file

    @property
    def kql_columns(self) -> list[tuple[str, str]]:
        return [(c.name, c.kql) for c in self.columns]

    def select_sql(self) -> str:
        return T.select_sql(self.raw, list(self.columns), self.raw.units)


def plan_file(con: duckdb.DuckDBPyConnection, path: Path, sniff: detect.Sniff, readable: Path) -> FilePlan:
    """Classify a file and type its columns (raises KqlDataError for a file kqlite cannot read)."""
    try:
        if sniff.fmt != "parquet" and not sniff.compressed:
            nul = D.first_nul(readable, sniff)
            if nul is not None:
                raise nul
        raw = relation(con, sniff, readable)
        names, offsets = _header_names(raw, sniff)
        first = {names.get(k, k): v for k, v in raw.first.items()}
        la = bool(offsets) or (raw.text_typed and sniff.fmt == "json" and "TimeGenerated" in first)
        kind = detect.classify([names.get(c, c) for c, _ in raw.columns], first, path, log_analytics=la)
        known = T.known_types(kind.kind, kind.table)
        wanted = T.read_overrides(sniff.fmt, {src: known[names.get(src, src)] for src, _ in raw.columns
                                              if names.get(src, src) in known}, dict(raw.columns), raw.first)
        if any(dict(raw.columns).get(c) != t for c, t in wanted.items()):
            raw = relation(con, sniff, readable, wanted)
        plan = FilePlan(path, sniff, readable, kind.kind, kind.table, raw, (), names, offsets, wanted)
        return _typed(con, plan)
    except KqlDataError as e:
        raise e if e.path else KqlDataError(e.message, path=str(path), row=e.row) from None
    except duckdb.Error as e:
        raise D.file_error(e, sniff, path, readable) from None


def _typed(con: duckdb.DuckDBPyConnection, plan: FilePlan) -> FilePlan:
    columns, guess = T.plan(plan.raw, plan.names, plan.offsets, plan.kind, plan.table, set(plan.as_text))
    guessed, empty = T.guess_types(con, plan.raw, guess)
    empty |= plan.raw.nulls
    columns = [dataclasses.replace(c, kql=guessed.get(c.source, c.kql),
                                   weak=c.source in empty and not c.strict and c.source not in plan.strong,
                                   us_dates=c.us_dates or T.month_first(plan.raw.first.get(c.source)))
               for c in columns]
    return dataclasses.replace(plan, columns=tuple(columns))


def after_failure(con: duckdb.DuckDBPyConnection, plan: FilePlan, e: Exception) -> FilePlan | KqlDataError:
    """What a failed read of `plan` means: a better plan to retry with, or the file's error.
    Call it outside any failed transaction (it may read the file again to find the row)."""
    bad = D.bad_value(e)
    try:
        if bad is not None:
            col = plan.columns[bad[0]]
            if col.weak:  # "empty" was judged from the first rows only
                return _typed(con, dataclasses.replace(plan, strong=plan.strong | {col.source}))
            if not col.strict and col.source not in plan.as_text:
                return _typed(con, dataclasses.replace(plan, as_text=plan.as_text | {col.source}))
            err = D.value_error(con, plan.raw, col, bad[1])
            return KqlDataError(err.message, path=str(plan.path), row=err.row)
        if not plan.full_sample and plan.sniff.fmt != "parquet" and D.is_conversion(e):
            # DuckDB typed a column from the first rows and a later value disagrees
            raw = relation(con, plan.sniff, plan.readable, plan.wanted, full_sample=True)
            return _typed(con, dataclasses.replace(plan, raw=raw, full_sample=True))
    except KqlDataError as inner:
        return inner
    except duckdb.Error as inner:
        return D.file_error(inner, plan.sniff, plan.path, plan.readable)
    return D.file_error(e, plan.sniff, plan.path, plan.readable)


def stage_file(con: duckdb.DuckDBPyConnection, plan: FilePlan, stage: str) -> tuple[FilePlan, int]:
    """Read a planned file into TEMP table `stage`; returns the plan that worked and the row count."""
    for _ in range(len(plan.columns) * 2 + 2):
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(stage)} AS {plan.select_sql()}")
            return plan, con.execute(f"SELECT count(*) FROM {quote_ident(stage)}").fetchall()[0][0]
        except duckdb.Error as e:
            outcome = after_failure(con, plan, e)
            if isinstance(outcome, KqlDataError):
                raise outcome from None
            plan = outcome
    raise KqlDataError("could not settle the column types", path=str(plan.path))


def _header_names(raw: Raw, sniff: detect.Sniff) -> tuple[dict[str, str], dict[str, dt.timedelta]]:
    """Portal CSV headers carry the time zone of datetime columns: `TimeGenerated [UTC]`."""
    names: dict[str, str] = {}
    offsets: dict[str, dt.timedelta] = {}
    if sniff.fmt != "csv":
        return names, offsets
    for source, _ in raw.columns:
        name, zone = S.split_header(source)
        if zone is None:
            continue
        offset = S.utc_offset(zone)
        if offset is None:
            raise KqlDataError(f"column '{source}' is in time zone '{zone}'; export datetimes in UTC "
                               "(or with a UTC offset) so they can be read exactly")
        names[source] = name
        offsets[source] = offset
    return names, offsets
