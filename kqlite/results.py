"""DuckDB's Arrow output -> the Arrow table kqlite promises: KQL types in field metadata,
datetimes as UTC timestamps, timespans as durations, strings never null."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .semantic.plan import Col
from .types import ARROW_TYPE

KQL_TYPE_KEY = b"kql_type"


def _column(arr: pa.ChunkedArray, kql_type: str) -> pa.ChunkedArray:
    target = ARROW_TYPE[kql_type]
    if kql_type == "timespan":
        ints = arr.cast(pa.int64())
        return pc.multiply(ints, pa.scalar(100, pa.int64())).cast(pa.duration("ns"))
    if kql_type == "string":
        if not pa.types.is_string(arr.type):
            arr = arr.cast(pa.string())
        return arr.fill_null("") if arr.null_count else arr
    if kql_type == "datetime":
        if pa.types.is_timestamp(arr.type) and arr.type.tz is None:
            return arr.cast(pa.timestamp(arr.type.unit)).cast(target) if arr.type.unit != "us" else pc.assume_timezone(arr, "UTC")
        return arr.cast(target)
    if kql_type in ("guid", "dynamic"):
        if pa.types.is_string(arr.type):
            return arr
        if isinstance(arr.type, pa.BaseExtensionType):  # (pa.types has no is_extension_type)
            arr = pa.chunked_array([c.storage for c in arr.chunks], type=arr.type.storage_type)
        if pa.types.is_fixed_size_binary(arr.type) or pa.types.is_binary(arr.type):
            import uuid

            return pa.chunked_array([pa.array([None if v is None else str(uuid.UUID(bytes=v)) for v in c.to_pylist()],
                                              pa.string()) for c in arr.chunks], type=pa.string())
        return arr.cast(pa.string())
    if arr.type != target:
        return arr.cast(target)
    return arr


def to_kql_arrow(table: pa.Table, columns: tuple[Col, ...]) -> pa.Table:
    arrays, fields = [], []
    for i, col in enumerate(columns):
        arrays.append(_column(table.column(i), col.type))
        fields.append(pa.field(col.name, ARROW_TYPE[col.type], metadata={KQL_TYPE_KEY: col.type.encode()}))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def kql_types(table: pa.Table) -> list[str]:
    from .types import from_arrow

    out = []
    for f in table.schema:
        meta = f.metadata or {}
        out.append(meta[KQL_TYPE_KEY].decode() if KQL_TYPE_KEY in meta else from_arrow(f.type))
    return out


@dataclass
class Result:
    """One query statement's result: the table plus what `render` asked for."""

    table: pa.Table
    render: tuple[str, dict[str, Any]] | None = None
    sql: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    name: str | None = None  # a named result: `fork` legs (name = (...) or `as`)
    truncated: bool = False  # cut at the max_rows limit (kqlite.limits): more rows exist than `table` holds
