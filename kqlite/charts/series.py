"""make-series output drawn as Kusto draws it: each row's arrays are one series along the axis array.

`T | make-series c=count() on t step 1h by Host | render timechart` gives a row per Host holding two
dynamic arrays; Kusto plots c against t for each Host. Expanding the arrays into rows (as mv-expand
would, with the axis read as datetimes and the values as reals) turns that into the ordinary shape the
render rules (spec.py) and the terminal charts already handle.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pyarrow as pa

from ..results import KQL_TYPE_KEY, kql_types
from ..types import ARROW_TYPE


def expand_series(table: pa.Table) -> pa.Table:
    """The table with its array columns expanded to rows; unchanged when no dynamic column holds arrays."""
    names, types = table.column_names, kql_types(table)
    arrays: dict[str, list[Any]] = {}
    for name, kql_type in zip(names, types):
        if kql_type != "dynamic":
            continue
        values = [_parse(v) for v in table.column(name).to_pylist()]
        if values and all(isinstance(v, list) or v is None for v in values) and any(values):
            arrays[name] = values
    if not arrays:
        return table
    element_types = {name: _element_type(values) for name, values in arrays.items()}
    rows = table.to_pylist()
    out: dict[str, list[Any]] = {n: [] for n in names}
    for r, row in enumerate(rows):
        length = max(len(arrays[n][r] or []) for n in arrays)
        for i in range(length):
            for n in names:
                if n in arrays:
                    items = arrays[n][r] or []
                    out[n].append(_convert(items[i] if i < len(items) else None, element_types[n]))
                else:
                    out[n].append(row[n])
    fields, columns = [], []
    for n, t in zip(names, types):
        t = element_types.get(n, t)
        fields.append(pa.field(n, ARROW_TYPE[t], metadata={KQL_TYPE_KEY: t.encode()}))
        columns.append(pa.array(out[n], ARROW_TYPE[t]) if n in arrays else pa.array(out[n], table.schema.field(n).type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def _element_type(values: list[Any]) -> str:
    items = [x for v in values if v for x in v if x is not None]
    if items and all(isinstance(x, str) and _datetime(x) is not None for x in items):
        return "datetime"
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
        return "real"
    return "dynamic"


def _datetime(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00")[:26] + ("+00:00" if text.endswith("Z") else ""))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _convert(value: Any, kql_type: str) -> Any:
    if value is None:
        return None
    if kql_type == "datetime":
        return _datetime(value)
    if kql_type == "real":
        return float(value)
    return json.dumps(value)
