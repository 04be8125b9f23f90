"""Each export shape as a DuckDB relation over the file, read by DuckDB's native readers
(read_parquet, read_csv, read_json): the file's own columns, untyped beyond what DuckDB infers.

`relation(con, sniff, path, overrides)` returns a `Raw`: SQL text plus (column, DuckDB type).
Typing into KQL is `typing.py`'s job; the caller decides `overrides` from the table a file is for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import KqlDataError
from ..sql.quote import quote_ident, quote_string
from . import schemas as S
from .detect import Sniff

_NESTED = ("STRUCT", "MAP", "UNION", "JSON", '"NULL"', "NULL")
MAX_LINE = 64 << 20  # the longest CSV line read (DuckDB's default, 2 MB, is one big JSON value in a cell)
_JSON_KIND = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number",
              bool: "true or false", type(None): "null"}


class EmptyExport(Exception):
    """A JSON export with no rows (`[]`, `"data": []`): a query that found nothing, not an error."""


@dataclass
class Raw:
    sql: str                                   # SELECT producing the file's columns, in file order
    columns: list[tuple[str, str]]             # (column name as DuckDB sees it, DuckDB type)
    declared: dict[str, str] = field(default_factory=dict)  # KQL types the file itself states
    text_typed: bool = False                   # values arrived as text (CSV, az monitor JSON)
    first: dict[str, Any] = field(default_factory=dict)     # first row, for classification
    shape: str = "rows"                        # rows | wrapper | table | object
    units: dict[str, str] = field(default_factory=dict)     # Arrow duration units of Parquet columns
    nulls: set[str] = field(default_factory=set)            # columns with only nulls in what DuckDB sampled


def _str(path: Path) -> str:
    return quote_string(str(path))


def _json_type(duck: str) -> str:
    """A type DuckDB inferred for a JSON field -> the type to read it as. Nested values are kept as
    JSON text (becoming dynamic) so that they stay exactly as exported; GUID-looking strings stay
    strings (DuckDB would parse them as UUID and lose their case)."""
    t = duck.upper()
    if t.endswith("[]") or t.startswith(_NESTED):
        return "JSON"
    if t == "UUID":
        return "VARCHAR"
    return duck


def describe(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {sql}").fetchall()]


_DESCRIBED: dict[tuple[Any, ...], list[tuple[str, str]]] = {}


def _describe_once(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> list[tuple[str, str]]:
    """DuckDB's inference samples the file; planning asks twice (before and after the table is
    known), so the answer is kept while the connection and the file stay the same."""
    st = path.stat()
    key = (id(con), sql, st.st_mtime_ns, st.st_size)
    if key not in _DESCRIBED:
        if len(_DESCRIBED) > 256:
            _DESCRIBED.clear()
        _DESCRIBED[key] = describe(con, sql)
    return _DESCRIBED[key]


def relation(con: duckdb.DuckDBPyConnection, sniff: Sniff, path: Path,
             overrides: dict[str, str] | None = None, full_sample: bool = False) -> Raw:
    """The relation for a file (`path` is where DuckDB reads it: the file or a transcoded copy)."""
    overrides = overrides or {}
    if sniff.fmt == "parquet":
        return _parquet(con, path)
    if sniff.fmt == "csv":
        return _csv(con, sniff, path, overrides, full_sample)
    return _json(con, sniff, path, overrides, full_sample)


# ---------------------------------------------------------------- Parquet

def parquet_schema(path: Path) -> pa.Schema:
    """The Arrow schema in a Parquet file's footer; a file without a readable footer (cut off
    while being written or copied) is a KqlDataError."""
    try:
        return pq.read_schema(path)
    except (pa.ArrowException, OSError):
        size = path.stat().st_size
        with open(path, "rb") as f:
            f.seek(max(0, size - 4))
            marked = f.read() == b"PAR1"
        what = "its footer (the schema, at the end) cannot be read" if marked else \
            "it does not end with Parquet's footer and 'PAR1' mark"
        raise KqlDataError(f"not a complete Parquet file: {what} (the file ends at byte {size}: cut off while "
                           "being written or copied?)", path=str(path)) from None


def _parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Raw:
    sql = f"SELECT * FROM read_parquet({_str(path)})"
    declared: dict[str, str] = {}
    units: dict[str, str] = {}
    # kqlite's own exports (and the sample fleet) say which string columns are dynamic, and Arrow
    # durations arrive as plain integers: the Arrow schema in the footer keeps both facts
    schema = parquet_schema(path)
    unique_names(schema.names, "column")
    for f in schema:
        meta = f.metadata or {}
        if b"kql_type" in meta:
            declared[f.name] = meta[b"kql_type"].decode()
        if str(f.type).startswith("duration"):
            declared.setdefault(f.name, "timespan")
            units[f.name] = f.type.unit
    raw = Raw(sql, describe(con, sql), declared, units=units)
    raw.first = _first_row(con, sql)
    return raw


# ---------------------------------------------------------------- CSV

def _csv_options(sniff: Sniff, path: Path) -> str:
    # skip = 0: DuckDB's sniffer would otherwise take a ragged row for the header and skip every
    # line before it; comment = '': a value starting with '#' is data
    opts = [_str(path), "header = true", f"delim = {quote_string(sniff.delimiter)}", "quote = '\"'", "escape = '\"'",
            "skip = 0", "comment = ''"]
    if sniff.compressed:
        opts.append("compression = 'gzip'")
    if sniff.compressed or path.stat().st_size > 2_000_000:  # only a file that big can have a line that long
        opts.append(f"max_line_size = {MAX_LINE}")
    return ", ".join(opts)


def unique_names(names: list[str] | tuple[str, ...], what: str) -> None:
    """Two columns of one name (in any case: DuckDB's names are case-insensitive) are refused:
    which one a query means would be a guess."""
    seen: dict[str, int] = {}
    for i, n in enumerate(names, 1):
        first = seen.setdefault(n.lower(), i)
        if first != i:
            raise KqlDataError(f"the {what} '{n}' appears twice ({what}s {first} and {i}"
                               f"{', line 1' if what == 'column' else ''}); rename one")


def _csv(con: duckdb.DuckDBPyConnection, sniff: Sniff, path: Path, overrides: dict[str, str],
         full_sample: bool) -> Raw:
    unique_names(sniff.header, "column")
    base = _csv_options(sniff, path)
    types = {h: t for h, t in overrides.items() if h in sniff.header}
    extra = ""
    if types:
        extra += ", types = {" + ", ".join(f"{quote_string(k)}: {quote_string(v)}" for k, v in types.items()) + "}"
    if full_sample:
        extra += ", sample_size = -1"
    sql = f"SELECT * FROM read_csv({base}{extra})"
    try:
        # columns given a type keep the others' inference: DuckDB's sniffer runs once per file
        sniffed = _describe_once(con, f"SELECT * FROM read_csv({base}{', sample_size = -1' if full_sample else ''})", path)
        columns = [(c, types.get(c, t)) for c, t in sniffed]
    except duckdb.Error:
        # DuckDB's sniffer gives up on ragged rows; read every column as text with the header we
        # parsed, so that the read itself reports the offending line
        cols = ", ".join(f"{quote_string(h)}: 'VARCHAR'" for h in sniff.header)
        sql = f"SELECT * FROM read_csv({base}, auto_detect = false, columns = {{{cols}}})"
        columns = describe(con, sql)
    uuids = {c: "VARCHAR" for c, t in columns if t.upper() == "UUID" and c not in types}
    if uuids:  # keep GUID-looking text as written
        return _csv(con, sniff, path, {**overrides, **uuids}, full_sample)
    raw = Raw(sql, columns, text_typed=True)
    if len(sniff.first_row) == len(columns):
        raw.first = {c: v for (c, _), v in zip(columns, sniff.first_row)}
    else:  # a first row longer than the peek, or a header DuckDB renamed
        raw.first = _first_row(con, sql)
    return raw


# ---------------------------------------------------------------- JSON

_AZ_GRAPH_KEYS = {"count", "skip_token", "total_records", "totalRecords", "$skipToken", "resultTruncated"}


def _json_options(sniff: Sniff, path: Path, fmt: str) -> str:
    opts = [_str(path), f"format = {quote_string(fmt)}"]
    if fmt == "auto":  # one document: DuckDB must hold all of it at once (rows are small: default buffers)
        size = max(16 << 20, path.stat().st_size + 1024) if not sniff.compressed else 1 << 30
        opts.append(f"maximum_object_size = {min(size, (1 << 32) - 1)}")
    if sniff.compressed:
        opts.append("compression = 'gzip'")
    return ", ".join(opts)


def _json(con: duckdb.DuckDBPyConnection, sniff: Sniff, path: Path, overrides: dict[str, str],
          full_sample: bool) -> Raw:
    fmt = "array" if sniff.first_char == "[" else "newline_delimited" if sniff.lines else "auto"
    if not sniff.compressed and _tail(path) != ("]" if fmt == "array" else "}"):
        # DuckDB's array reader stops quietly at a truncation between two elements
        from .diagnose import json_error

        raise json_error(sniff, truncated=True, readable=path) or KqlDataError("the JSON does not end with ']' or '}': the file looks truncated",
                                                path=str(sniff.path))
    objects = f"SELECT json FROM read_json_objects({_json_options(sniff, path, fmt)})"
    first = con.execute(f"{objects} LIMIT 2").fetchall()
    if not first:
        raise EmptyExport(path)
    doc = json.loads(first[0][0])
    if not isinstance(doc, dict):
        raise KqlDataError("expected JSON objects (one per row), a list of them, or a Resource Graph / "
                           f"Log Analytics result; found {_JSON_KIND.get(type(doc), 'a value')}",
                           path=str(sniff.path), row=1 if fmt != "auto" else None)
    if len(first) == 1 and fmt == "auto":
        table_path = _table_path(doc)
        if table_path is not None:
            return _rest_table(con, objects, table_path, overrides)
        data = doc.get("data")
        if isinstance(data, list):
            bad = next((i for i, r in enumerate(data) if not isinstance(r, dict)), None)
            if bad is not None:
                raise KqlDataError(f"\"data\"[{bad}] is {_JSON_KIND.get(type(data[bad]), 'a value')}, not an object "
                                   "(a row)", path=str(sniff.path), row=bad + 1)
            return _object_rows(con, f"SELECT unnest(json_extract(json, '$.data[*]')) AS r FROM ({objects})",
                                overrides, "wrapper")
        if "data" in doc and _AZ_GRAPH_KEYS & set(doc):
            with open(path, "rb") as f:  # where "data" is: one document, read once more (it was parsed whole)
                at = f.read().find(b'"data"')
            raise KqlDataError(f"an az graph result whose \"data\" is {_JSON_KIND.get(type(data), 'a value')} "
                               f"(at byte {at}); expected a list of rows or a {{\"columns\", \"rows\"}} table",
                               path=str(sniff.path))
        return _object_rows(con, f"SELECT json AS r FROM ({objects})", overrides, "object")
    # a list of objects or JSON Lines: DuckDB's reader with its own type inference
    text_typed = all(isinstance(v, str) or v is None for v in doc.values())
    opts = _json_options(sniff, path, fmt) + ", records = true"  # every row an object: another value is an error
    sample = ", sample_size = -1" if full_sample else ""
    try:
        columns = _describe_once(con, f"SELECT * FROM read_json({opts}{sample})", path)
    except duckdb.BinderException as e:
        if "non-record" not in str(e):
            raise
        raise _not_a_row(con, objects, sniff) from None
    if text_typed:  # az monitor prints every value as a string: type them ourselves, consistently
        columns = [(c, "VARCHAR") for c, _ in columns]
    nulls = {c for c, t in columns if t.strip('"').upper() == "NULL"}
    columns = [(c, overrides.get(c) or _json_type(t)) for c, t in columns if not _is_cli_artefact(c, doc)]
    spec = ", ".join(f"{quote_string(c)}: {quote_string(t)}" for c, t in columns)
    sql = f"SELECT * FROM read_json({opts}, columns = {{{spec}}})"
    return Raw(sql, columns, text_typed=text_typed, first=doc, nulls=nulls)


def _not_a_row(con: duckdb.DuckDBPyConnection, objects: str, sniff: Sniff) -> KqlDataError:
    """The first element of a list (or line of JSON Lines) that is not an object, by row."""
    found = con.execute(f"SELECT n, json_type(json) FROM (SELECT row_number() OVER () AS n, json FROM ({objects})) "
                        "WHERE json_type(json) <> 'OBJECT' ORDER BY n LIMIT 1").fetchall()
    row, kind = found[0] if found else (None, "")
    words = {"ARRAY": "an array", "VARCHAR": "a string", "BOOLEAN": "true or false", "NULL": "null"}
    return KqlDataError(f"expected an object (a row), found {words.get(kind, 'a number')}", path=str(sniff.path), row=row)


def _tail(path: Path) -> str:
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        return f.read().decode("utf-8", errors="replace").rstrip()[-1:]


def _is_cli_artefact(column: str, first: dict[str, Any]) -> bool:
    # `az monitor log-analytics query` adds "TableName": "PrimaryResult" to every row
    return column == "TableName" and first.get("TableName") == "PrimaryResult"


def _table_path(doc: dict[str, Any]) -> str | None:
    """Where a {"columns", "rows"} table sits: at the top, under "data" (Resource Graph REST,
    resultFormat=table) or in "tables" (Log Analytics REST)."""
    def is_table(v: Any) -> bool:
        return isinstance(v, dict) and isinstance(v.get("columns"), list) and "rows" in v
    if is_table(doc):
        return "$"
    if is_table(doc.get("data")):
        return "$.data"
    tables = doc.get("tables")
    if isinstance(tables, list) and tables and is_table(tables[0]):
        return "$.tables[0]"
    return None


def _rest_table(con: duckdb.DuckDBPyConnection, objects: str, at: str, overrides: dict[str, str]) -> Raw:
    spec = con.execute(f"SELECT json_extract(json, {quote_string(at + '.columns')}) FROM ({objects})").fetchall()[0]
    columns = json.loads(spec[0]) if spec and spec[0] else []
    rows = f"SELECT unnest(json_extract(json, {quote_string(at + '.rows[*]')})) AS r FROM ({objects})"
    selects, cols, declared = [], [], {}
    for i, c in enumerate(columns):
        name = str(c.get("name", f"Column{i + 1}"))
        kql = S.DECLARED_TYPES.get(str(c.get("type", "string")).lower(), "string")
        declared[name] = kql
        as_json = overrides.get(name, "JSON" if kql == "dynamic" else "VARCHAR") == "JSON"
        path = quote_string(f"$[{i}]")
        if as_json:
            expr = f"CASE WHEN json_type(json_extract(r, {path})) = 'NULL' THEN NULL ELSE json_extract(r, {path}) END"
        else:
            expr = f"json_extract_string(r, {path})"
        selects.append(f"{expr} AS {quote_ident(name)}")
        cols.append((name, "JSON" if as_json else "VARCHAR"))
    sql = f"SELECT {', '.join(selects) or '1 AS Column1'} FROM ({rows})"
    raw = Raw(sql, cols, declared, shape="table")
    raw.first = _first_row(con, sql)
    return raw


def _object_rows(con: duckdb.DuckDBPyConnection, rows: str, overrides: dict[str, str], shape: str) -> Raw:
    """Rows that are JSON objects inside a document: the keys in order of first appearance, each
    typed by the JSON types its values have (strings stay strings, objects and arrays are JSON)."""
    key_lists = con.execute(
        f"SELECT k FROM (SELECT json_keys(r) AS k, min(n) AS n FROM "
        f"(SELECT r, row_number() OVER () AS n FROM ({rows})) GROUP BY k) ORDER BY n").fetchall()
    keys: list[str] = list(dict.fromkeys(k for (ks,) in key_lists for k in (ks or [])))
    kinds: dict[str, set[str]] = {k: set() for k in keys}
    for k, ts in con.execute(
            f"SELECT k, list(DISTINCT json_type(json_extract(r, '$.\"' || replace(k, '\"', '\\\"') || '\"'))) "
            f"FROM (SELECT r, unnest(json_keys(r)) AS k FROM ({rows})) GROUP BY k").fetchall():
        kinds[k] = set(ts) - {"NULL"}
    columns = [(k, overrides.get(k) or _from_json_kinds(kinds[k])) for k in keys]
    if not columns:
        raise EmptyExport(None)
    structure = json.dumps({k: t for k, t in columns})
    sql = f"SELECT s.* FROM (SELECT json_transform(r, {quote_string(structure)}) AS s FROM ({rows}))"
    raw = Raw(sql, columns, shape=shape, nulls={k for k in keys if not kinds[k]})
    raw.first = _first_row(con, sql)
    return raw


def _from_json_kinds(kinds: set[str]) -> str:
    if kinds == {"VARCHAR"}:
        return "VARCHAR"
    if kinds == {"BOOLEAN"}:
        return "BOOLEAN"
    if kinds and kinds <= {"BIGINT", "UBIGINT"}:
        return "BIGINT"
    if kinds and kinds <= {"BIGINT", "UBIGINT", "DOUBLE"}:
        return "DOUBLE"
    return "JSON"  # objects, arrays, only nulls, or mixed scalars: each value kept as it is


def _first_row(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    # as text: classification needs only strings, and DuckDB's timestamptz -> Python needs pytz
    cur = con.execute(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({sql}) LIMIT 1")
    rows = cur.fetchall()
    if not rows:
        return {}
    row = rows[0]
    return {d[0]: v for d, v in zip(cur.description, row)}
