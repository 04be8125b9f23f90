"""The only two ways user text reaches SQL: as a quoted identifier or as a typed literal."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import Any

from ..errors import KqlRuntimeError
from ..types import SQL_TYPE


def quote_ident(name: str) -> str:
    """"name" with embedded quotes doubled; NUL cannot be represented, so it is refused."""
    if "\0" in name:
        raise KqlRuntimeError("names cannot contain the NUL character", code="KQ501")
    return '"' + name.replace('"', '""') + '"'


def _string(text: str) -> str:
    if "\0" in text:
        raise KqlRuntimeError("strings cannot contain the NUL character", code="KQ501")
    return "'" + text.replace("'", "''") + "'"


def quote_literal(value: Any, kql_type: str) -> str:
    """A Python value of a KQL type -> a DuckDB literal of the storage type (see kqlite.types)."""
    if value is None:
        if kql_type == "string":
            return "''"
        return f"CAST(NULL AS {SQL_TYPE[kql_type]})"
    if kql_type == "string":
        return _string(str(value))
    if kql_type == "bool":
        return "TRUE" if value else "FALSE"
    if kql_type == "int":
        return f"CAST({int(value)} AS INTEGER)"
    if kql_type in ("long", "timespan"):
        # Kusto's integer literals are 64-bit: a bare SQL literal would be INTEGER and overflow in arithmetic
        return f"CAST({int(value)} AS BIGINT)"
    if kql_type == "real":
        v = float(value)
        if math.isnan(v):
            return "CAST('nan' AS DOUBLE)"
        if math.isinf(v):
            return "CAST('inf' AS DOUBLE)" if v > 0 else "CAST('-inf' AS DOUBLE)"
        return f"CAST({v!r} AS DOUBLE)"
    if kql_type == "decimal":
        return f"CAST({_string(str(decimal.Decimal(value)))} AS DECIMAL(38,6))"
    if kql_type == "datetime":
        if isinstance(value, dt.datetime):
            return f"TIMESTAMP {_string(value.isoformat(sep=' '))}"
        raise KqlRuntimeError(f"not a datetime: {value!r}")
    if kql_type == "guid":
        return f"CAST({_string(str(value))} AS UUID)"
    if kql_type == "dynamic":
        return f"CAST({_string(json.dumps(value, separators=(',', ':'), ensure_ascii=False))} AS JSON)"
    raise KqlRuntimeError(f"cannot write a literal of type {kql_type}")


def quote_string(text: str) -> str:
    """A plain SQL string literal (regex patterns, JSON paths, format strings)."""
    return _string(text)
