"""externaldata: a table read from local files named in the query.

Only when the database was opened with file access (Database(allow_files=True)); the files
are read here, on the Python side through kqlite.loaders, before the query runs, and their
rows become constant rows of the plan. DuckDB never sees a path from the query text."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import KqlError, KqlTypeError, KqlUnsupportedError, Span
from ..syntax import ast as A
from ..syntax.literals import LiteralError, parse_datetime_text, parse_guid_text, parse_timespan_text
from ..types import normalize
from .more_ops import literal_of
from .plan import BLit, Col, Rel, Values

if TYPE_CHECKING:
    from .binder import Binder

DOCS = "https://learn.microsoft.com/kusto/query/externaldata-operator"


def external_data(b: Binder, node: A.ExternalData) -> Rel:
    from ..loaders.external import DELIMITERS, TYPED_FORMATS, format_of, read_delimited, read_typed

    if not b.catalog.allow_files:
        raise KqlUnsupportedError("externaldata reads files, and this database was opened without file access",
                                  node.span, ["open it with kqlite.connect(allow_files=True) (or kqlite query --allow-files) to read local files",
                                              DOCS], code="KQ401")
    cols = []
    for decl in node.columns:
        t = normalize(decl.type)
        if t is None:
            raise KqlTypeError(f"unknown type '{decl.type}'", decl.span, code="KQ312")
        cols.append(Col(decl.name, t))
    props = {k.lower(): v for k, v in node.properties}
    declared = props.get("format")
    ignore_first = str(props.get("ignorefirstrecord", False)).lower() == "true"
    rows: list[tuple[BLit, ...]] = []
    for uri in node.uris:
        path = _local_path(uri, node.span)
        fmt = format_of(path, str(declared) if declared else None)
        try:
            if fmt in DELIMITERS:
                for record in read_delimited(path, fmt, ignore_first):
                    rows.append(tuple(_from_text(record[i] if i < len(record) else None, c.type)
                                      for i, c in enumerate(cols)))
            elif fmt in TYPED_FORMATS:
                names, types, records = read_typed(path)
                where = {n: i for i, n in enumerate(names)}
                for record in records:
                    rows.append(tuple(_from_value(record[where[c.name]], types[where[c.name]], c.type)
                                      if c.name in where else BLit(c.type, None) for c in cols))
            else:
                raise KqlUnsupportedError(f"externaldata: the {fmt} format is not supported", node.span,
                                          ["formats: " + ", ".join(list(DELIMITERS) + list(TYPED_FORMATS)), DOCS])
        except KqlError as e:
            if e.span is None:
                e.span = node.span
            raise
    return Values(tuple(cols), rows=tuple(rows))


def _local_path(uri: str, span: Span) -> Path:
    text = uri.strip()
    if text.lower().startswith("file://"):
        text = text[len("file://"):]
    if "://" in text or text.lower().startswith(("h@", "https:", "http:")) or ";" in text:
        raise KqlUnsupportedError("externaldata reads local files only (no URLs or storage connection strings)",
                                  span, [DOCS], code="KQ401")
    return Path(text).expanduser()


def _from_text(text: str | None, t: str) -> BLit:
    """A delimited field as a value of the column's type; text that does not parse is null."""
    if text is None:
        return BLit(t, None)
    if t == "string":
        return BLit(t, text)
    s = text.strip()
    if not s:
        return BLit(t, None)
    try:
        if t in ("int", "long"):
            return BLit(t, int(s))
        if t == "real":
            return BLit(t, float(s))
        if t == "decimal":
            return BLit(t, decimal.Decimal(s))
        if t == "bool":
            lowered = s.lower()
            return BLit(t, True if lowered in ("true", "1") else False if lowered in ("false", "0") else None)
        if t == "datetime":
            return BLit(t, parse_datetime_text(s))
        if t == "timespan":
            return BLit(t, parse_timespan_text(s))
        if t == "guid":
            return BLit(t, parse_guid_text(s))
        if t == "dynamic":
            try:
                return BLit(t, json.loads(s))
            except ValueError:
                return BLit(t, s)
    except (ValueError, ArithmeticError, LiteralError):
        return BLit(t, None)
    return BLit(t, None)


def _from_value(value: Any, source_type: str, t: str) -> BLit:
    if value is None:
        return BLit(t, None)
    if source_type == t:
        return literal_of(value, t)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return _from_text(str(value), t)
