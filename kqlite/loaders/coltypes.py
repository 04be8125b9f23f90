"""KQL types for a file's columns, and the SQL that converts each column to kqlite's storage form
(see kqlite/types.py: strings never null, datetimes UTC TIMESTAMP, timespans ticks, dynamic JSON).

A column's type comes, in order, from the table's documented schema (Heartbeat, Resources), from
the file itself (Parquet `kql_type` metadata, REST `columns[].type`, the portal's `[UTC]` headers),
or from its content. A documented or declared type is *strict*: a value that does not convert is
an error in the file. A type guessed from content is not: if a later value does not fit, the
column is read again as a string (`Column.strict == False`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb

from ..sql.quote import quote_ident, quote_string
from ..types import SQL_TYPE, from_duckdb
from . import schemas as S
from .relations import Raw

BAD_VALUE = "kqlite-bad-value"
SEP = "\x1f"
_SAMPLE_ROWS = 10_000
# the Log Analytics portal prints en-US datetimes (`6/1/2024, 10:00:38.620 AM`)
_DATETIME_FORMATS = ("%m/%d/%Y, %I:%M:%S.%g %p", "%m/%d/%Y, %I:%M:%S.%f %p", "%m/%d/%Y, %I:%M:%S %p",
                     "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
_DATETIME_SHAPE = r"^\s*(\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}|\s*$)|\d{1,2}/\d{1,2}/\d{4})"
_TICKS = {"ns": "// 100", "us": "* 10", "ms": "* 10000", "s": "* 10000000"}


@dataclass(frozen=True)
class Column:
    source: str             # the column in the raw relation
    name: str               # the KQL column name
    duck: str               # its DuckDB type in the raw relation
    kql: str                # its KQL type
    strict: bool = True     # a value that does not convert is an error in the file
    offset: dt.timedelta = dt.timedelta(0)  # the portal header's UTC offset (datetime only)
    weak: bool = False      # no values in the sample: the table's type for it wins
    us_dates: bool = False  # datetimes written month first (`6/1/2024, 10:00 AM`): try that format first


def known_types(kind: str, table: str) -> dict[str, str]:
    types = dict(S.KNOWN_TYPES.get(table, {}))
    if kind in ("heartbeat", "log_analytics"):
        types = {**S.LOG_ANALYTICS_TYPES, **types}
    return types


def read_overrides(fmt: str, known: dict[str, str], described: dict[str, str] | None = None,
                   first: dict[str, object] | None = None) -> dict[str, str]:
    """DuckDB types to read known columns with, so that its own inference cannot change them first:
    `007` read as the number 7 or a version `1.10` as 1.1 (CSV), GUIDs lower-cased as UUID,
    `6/1/2024` read day-first. Dynamic values are read as text and parsed (a JSON string holding
    JSON, as az CLI prints them, becomes the value it holds). Numbers, booleans and JSON's
    datetimes are left to DuckDB's own, faster parsing; Parquet is typed already."""
    if fmt == "parquet":
        return {}
    described, first = described or {}, first or {}
    text = {"string", "dynamic", "guid"} | ({"datetime", "timespan"} if fmt == "csv" else set())
    out = {c: "VARCHAR" for c, t in known.items() if t in text}
    for c in list(out):  # an ISO 8601 datetime DuckDB recognised is unambiguous: its reader is faster
        if known[c] == "datetime" and described.get(c, "").upper().startswith("TIMESTAMP") \
                and re.match(r"\d{4}-\d{2}-\d{2}", str(first.get(c) or "")):
            del out[c]
    return out


def plan(raw: Raw, names: dict[str, str], offsets: dict[str, dt.timedelta], kind: str, table: str,
         as_text: set[str]) -> tuple[list[Column], list[str]]:
    """Each column's KQL type; also the text columns whose type should be guessed from content."""
    known = known_types(kind, table)
    columns, guess = [], []
    for source, duck in raw.columns:
        name = names.get(source, source)
        if name in known or source in offsets:
            kql = "datetime" if source in offsets else known[name]
            columns.append(Column(source, name, duck, kql, True, offsets.get(source, dt.timedelta(0))))
        elif name in raw.declared:
            columns.append(Column(source, name, duck, raw.declared[name]))
        elif kind == "heartbeat" or name in as_text:
            columns.append(Column(source, name, duck, "string", False))  # Heartbeat extras stay strings
        else:
            columns.append(Column(source, name, duck, from_duckdb(duck), False))
            if duck.upper() == "VARCHAR" and raw.text_typed:
                guess.append(source)
    return columns, guess


def month_first(value: object) -> bool:
    return bool(re.match(r"\s*\d{1,2}/\d{1,2}/\d{4}", str(value or "")))


def guess_types(con: duckdb.DuckDBPyConnection, raw: Raw, sources: list[str]) -> tuple[dict[str, str], set[str]]:
    """Types for text columns from the values in the first rows: a column becomes bool, long,
    real, datetime or dynamic when every non-empty value in the sample is one. Also the columns
    with no value at all in the sample (their type is left to the table's other files)."""
    if not sources:
        return {}, set()
    checks = []
    for i, c in enumerate(sources):
        x = f"trim({quote_ident(c)})"
        checks += [
            f"count_if({x} <> '') AS n{i}",
            f"count_if(lower({x}) IN ('true', 'false')) AS b{i}",
            f"count_if(regexp_full_match({x}, '-?(0|[1-9][0-9]{{0,17}})')) AS l{i}",
            f"count_if(regexp_full_match({x}, '-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?')) AS r{i}",
            f"count_if(regexp_matches({x}, {quote_string(_DATETIME_SHAPE)}) AND {_parse_datetime(x)} IS NOT NULL) AS d{i}",
            f"count_if(left({x}, 1) IN ('{{', '[') AND json_valid({x})) AS j{i}",
        ]
    row = con.execute(f"SELECT {', '.join(checks)} FROM (SELECT * FROM ({raw.sql}) LIMIT {_SAMPLE_ROWS})").fetchall()[0]
    out, empty = {}, set()
    for i, c in enumerate(sources):
        n, b, lg, r, d, j = row[i * 6:(i + 1) * 6]
        if not n:
            empty.add(c)
        for count, kql in ((b, "bool"), (lg, "long"), (r, "real"), (d, "datetime"), (j, "dynamic")):
            if n and count == n:
                out[c] = kql
                break
    return out, empty


def _parse_datetime(x: str, us_first: bool = False) -> str:
    formats = ", ".join(quote_string(f) for f in _DATETIME_FORMATS)
    iso, us = f"CAST(TRY_CAST({x} AS TIMESTAMPTZ) AS TIMESTAMP)", f"try_strptime({x}, [{formats}])"
    return f"COALESCE({us}, {iso})" if us_first else f"COALESCE({iso}, {us})"


def bad(i: int, x: str) -> str:
    """Stops the read at the first value that does not convert, naming the column and the value."""
    return f"error({quote_string(BAD_VALUE + SEP + str(i) + SEP)} || CAST({x} AS VARCHAR))"


def convert(col: Column, i: int, duration_unit: str | None = None) -> str:
    """SQL turning raw column `col` into the storage form of its KQL type."""
    x = quote_ident(col.source)
    t, duck = col.kql, col.duck.upper()
    if duck == "VARCHAR":
        v = f"trim({x})"  # only where cheap or as a second try: exports rarely pad their values
        if t == "string":
            return f"COALESCE({x}, '')"
        if t == "dynamic":
            # text that is JSON becomes the value it spells; other text becomes a JSON string
            return f"CASE WHEN {x} IS NULL OR {x} = '' THEN NULL ELSE COALESCE(TRY_CAST({x} AS JSON), CAST(to_json({x}) AS JSON)) END"
        if t == "bool":
            return (f"CASE WHEN {x} IS NULL OR {v} = '' THEN NULL WHEN lower({v}) IN ('true', '1') THEN TRUE "
                    f"WHEN lower({v}) IN ('false', '0') THEN FALSE ELSE {bad(i, x)} END")
        if t == "datetime":
            parsed = f"COALESCE({_parse_datetime(x, col.us_dates)}, {_parse_datetime(v)})"
            if col.offset:
                parsed = f"({parsed} - INTERVAL {int(col.offset.total_seconds())} SECOND)"
            return f"CASE WHEN {x} IS NULL OR {x} = '' THEN NULL ELSE COALESCE({parsed}, {bad(i, x)}) END"
        if t == "timespan":
            return f"CASE WHEN {x} IS NULL OR {v} = '' THEN NULL ELSE COALESCE(kq_to_timespan({v}), {bad(i, x)}) END"
        return (f"CASE WHEN {x} IS NULL OR {x} = '' THEN NULL ELSE COALESCE(TRY_CAST({x} AS {SQL_TYPE[t]}), "
                f"TRY_CAST(NULLIF({v}, '') AS {SQL_TYPE[t]}), {bad(i, x)}) END")
    if t == "string":
        if duck == "JSON":
            return f"COALESCE(CASE WHEN json_type({x}) = 'VARCHAR' THEN json_extract_string({x}, '$') ELSE CAST({x} AS VARCHAR) END, '')"
        return f"COALESCE(CAST({x} AS VARCHAR), '')"
    if t == "dynamic":
        return x if duck == "JSON" else f"CAST(to_json({x}) AS JSON)"
    if t == "datetime":
        return f"CAST({x} AS TIMESTAMP)"
    if t == "timespan":
        if duck == "INTERVAL":
            return f"epoch_us({x}) * 10"
        return f"CAST({x} AS BIGINT) {_TICKS.get(duration_unit or 'ns', '')}"
    if t == "bool" and duck != "BOOLEAN":
        return f"CAST({x} <> 0 AS BOOLEAN)"
    if t == "guid" and duck != "UUID":
        return f"COALESCE(TRY_CAST({x} AS UUID), {bad(i, x)})"
    return f"CAST({x} AS {SQL_TYPE[t]})"


def select_sql(raw: Raw, columns: list[Column], units: dict[str, str] | None = None) -> str:
    units = units or {}
    exprs = [f"{convert(c, i, units.get(c.source))} AS {quote_ident(c.name)}" for i, c in enumerate(columns)]
    return f"SELECT {', '.join(exprs)} FROM ({raw.sql})"
