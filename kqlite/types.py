"""KQL scalar types and how each is stored in DuckDB and delivered in Arrow.

Storage choices (see ARCHITECTURE.md): timespan is BIGINT ticks (100 ns) so that its
arithmetic is plain integer arithmetic; dynamic is DuckDB JSON; datetime is TIMESTAMP
(UTC, microsecond precision).
"""

from __future__ import annotations

import pyarrow as pa

TYPES = ("bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid", "dynamic")
NUMERIC = frozenset({"int", "long", "real", "decimal"})
INTEGER = frozenset({"int", "long"})

_ALIASES = {
    "boolean": "bool", "double": "real", "float": "real", "date": "datetime", "time": "timespan",
    "uniqueid": "guid", "int64": "long", "int32": "int", "object": "dynamic",
}

SQL_TYPE = {
    "bool": "BOOLEAN", "int": "INTEGER", "long": "BIGINT", "real": "DOUBLE", "decimal": "DECIMAL(38,6)",
    "string": "VARCHAR", "datetime": "TIMESTAMP", "timespan": "BIGINT", "guid": "UUID", "dynamic": "JSON",
}

ARROW_TYPE = {
    "bool": pa.bool_(), "int": pa.int32(), "long": pa.int64(), "real": pa.float64(),
    "decimal": pa.decimal128(38, 6), "string": pa.string(), "datetime": pa.timestamp("us", tz="UTC"),
    "timespan": pa.duration("ns"), "guid": pa.string(), "dynamic": pa.string(),
}

# the name Kusto prints in getschema's ColumnType and gettype()
SYSTEM_TYPE = {
    "bool": "System.Boolean", "int": "System.Int32", "long": "System.Int64", "real": "System.Double",
    "decimal": "System.Data.SqlTypes.SqlDecimal", "string": "System.String", "datetime": "System.DateTime",
    "timespan": "System.TimeSpan", "guid": "System.Guid", "dynamic": "System.Object",
}

TICKS_PER_MICROSECOND = 10


def normalize(name: str) -> str | None:
    """A KQL type name as written (`long`, `double`, `boolean`) -> its canonical name, or None."""
    n = name.strip().lower()
    if n in TYPES:
        return n
    return _ALIASES.get(n)


def from_duckdb(sql_type: str) -> str:
    """A DuckDB column type -> the KQL type used to read it."""
    t = sql_type.upper()
    if t == "BOOLEAN":
        return "bool"
    if t in ("TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT"):
        return "int"
    if t in ("BIGINT", "UINTEGER", "UBIGINT", "HUGEINT", "UHUGEINT"):
        return "long"
    if t in ("FLOAT", "DOUBLE", "REAL"):
        return "real"
    if t.startswith("DECIMAL"):
        return "decimal"
    if t.startswith("TIMESTAMP") or t == "DATE":
        return "datetime"
    if t in ("INTERVAL", "TIME"):
        return "timespan"
    if t == "UUID":
        return "guid"
    if t in ("VARCHAR", "BLOB") or t.startswith("ENUM"):
        return "string"
    return "dynamic"  # JSON, LIST, STRUCT, MAP, arrays


def from_arrow(t: pa.DataType) -> str:
    """An Arrow type -> the KQL type used to read it."""
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "long" if t.bit_width == 64 or (pa.types.is_unsigned_integer(t) and t.bit_width == 32) else "int"
    if pa.types.is_floating(t):
        return "real"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "datetime"
    if pa.types.is_duration(t) or pa.types.is_time(t):
        return "timespan"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "string"
    return "dynamic"


def common_numeric(a: str, b: str) -> str:
    """The type of arithmetic between two numeric types."""
    order = ("int", "long", "decimal", "real")
    return max(a, b, key=order.index)
