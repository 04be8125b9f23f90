"""Writing results: aligned text tables, CSV, Kusto-style JSON, JSON Lines, Parquet.

Values print as Kusto prints them: datetimes ISO 8601 UTC with Z, timespans as
[-][d.]hh:mm:ss[.fffffff], dynamic values as JSON, nulls as empty (text) or null (JSON).
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from typing import Any, TextIO

import pyarrow as pa

from .results import kql_types
from .syntax.literals import format_datetime_iso, format_timespan

FORMATS = ("table", "csv", "json", "jsonl", "parquet")


def timespan_ticks(value: Any) -> int:
    """A duration from Arrow (pandas Timedelta or datetime.timedelta) -> 100 ns ticks."""
    if isinstance(getattr(value, "value", None), int):
        return value.value // 100  # pandas Timedelta carries nanoseconds
    return (value.days * 86_400 + value.seconds) * 10_000_000 + value.microseconds * 10


def cell_text(value: Any, kql_type: str) -> str:
    """One value as text (CSV cells, table cells); null is ''."""
    if value is None:
        return ""
    if kql_type == "bool":
        return "true" if value else "false"
    if kql_type == "datetime":
        return format_datetime_iso(value)
    if kql_type == "timespan":
        return format_timespan(timespan_ticks(value))
    if kql_type == "real":
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(float(value))
    if kql_type == "dynamic":
        return json.dumps(json.loads(value), separators=(",", ":"), ensure_ascii=False)
    return str(value)


def json_value(value: Any, kql_type: str) -> Any:
    """One value for JSON output."""
    if value is None:
        return None
    if kql_type in ("datetime", "timespan"):
        return cell_text(value, kql_type)
    if kql_type == "dynamic":
        return json.loads(value)
    if kql_type == "decimal":
        return str(value)
    if kql_type == "real" and (math.isnan(value) or math.isinf(value)):
        return cell_text(value, kql_type)
    return value


def rows_of(table: pa.Table) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    return table.column_names, kql_types(table), table.to_pylist()


def to_csv(table: pa.Table, out: TextIO) -> None:
    names, types, rows = rows_of(table)
    w = csv.writer(out, lineterminator="\n")
    w.writerow(names)
    for row in rows:
        w.writerow([cell_text(row[n], t) for n, t in zip(names, types)])


def to_json(table: pa.Table, out: TextIO) -> None:
    names, types, rows = rows_of(table)
    doc = {
        "columns": [{"name": n, "type": t} for n, t in zip(names, types)],
        "rows": [[json_value(row[n], t) for n, t in zip(names, types)] for row in rows],
    }
    json.dump(doc, out, ensure_ascii=False)
    out.write("\n")


def to_jsonl(table: pa.Table, out: TextIO) -> None:
    names, types, rows = rows_of(table)
    for row in rows:
        out.write(json.dumps({n: json_value(row[n], t) for n, t in zip(names, types)}, ensure_ascii=False) + "\n")


def to_text_table(table: pa.Table, max_rows: int = 100, width: int | None = None, max_cell: int = 40) -> str:
    """An aligned table with KQL types under the names, cut to the terminal width."""
    names, types, rows = rows_of(table.slice(0, max_rows))
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[_clip(cell_text(r[n], t), max_cell) for n, t in zip(names, types)] for r in rows]
    heads = [[n, t] for n, t in zip(names, types)]
    widths = [max([len(h[0]), len(h[1])] + [len(c[i]) for c in cells]) for i, h in enumerate(heads)]
    shown, used = 0, 0
    for w in widths:
        if shown and used + w + 3 > width:
            break
        used += w + 3
        shown += 1
    shown = max(shown, 1)
    right = [t in ("int", "long", "real", "decimal", "timespan") for t in types]

    def line(values: list[str]) -> str:
        parts = [v.rjust(widths[i]) if right[i] else v.ljust(widths[i]) for i, v in enumerate(values[:shown])]
        return " | ".join(parts).rstrip()

    out = [line([h[0] for h in heads]), line([h[1] for h in heads]),
           "-+-".join("-" * w for w in widths[:shown])]
    out += [line(c) for c in cells]
    total = table.num_rows
    notes = []
    if total > max_rows:
        notes.append(f"… {total - max_rows} more rows")
    if shown < len(names):
        notes.append(f"{len(names) - shown} more columns not shown: {', '.join(names[shown:])}")
    notes.append(f"({total} row{'s' if total != 1 else ''})")
    return "\n".join(out + notes)


def _clip(text: str, limit: int) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write(table: pa.Table, fmt: str, out: TextIO | None = None, path: str | None = None,
          render: tuple[str, dict[str, Any]] | None = None) -> str | None:
    """Write in a format; returns the text when neither out nor path is given.
    png and svg draw the chart the query's `render` asked for."""
    if fmt in CHART_FORMATS:
        return _write_chart(table, fmt, render, out, path)
    if fmt == "parquet":
        if not path:
            raise ValueError("--format parquet needs -o FILE")
        import pyarrow.parquet as pq

        pq.write_table(table, path)
        return None
    buf = io.StringIO()
    if fmt == "csv":
        to_csv(table, buf)
    elif fmt == "json":
        to_json(table, buf)
    elif fmt == "jsonl":
        to_jsonl(table, buf)
    elif fmt == "table":
        buf.write(to_text_table(table) + "\n")
    else:
        raise ValueError(f"unknown format '{fmt}': {', '.join(FORMATS)}")
    text = buf.getvalue()
    if path:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return None
    if out is not None:
        out.write(text)
        return None
    return text


# ---------------------------------------------------------------- charts (kqlite/charts)
CHART_FORMATS = ("png", "svg")


def _write_chart(table: pa.Table, fmt: str, render: tuple[str, dict[str, Any]] | None,
                 out: TextIO | None, path: str | None) -> str | None:
    """`--format png|svg`: PNG needs -o FILE (binary); SVG is text and may go to stdout."""
    if fmt == "png" and not path:
        raise ValueError("--format png needs -o FILE")
    try:
        from .charts import chart_image

        data = chart_image(table, render, fmt)
    except ImportError as e:  # matplotlib is an optional extra: say how to get it, no traceback
        raise ValueError(str(e)) from None
    if path:
        with open(path, "wb") as f:
            f.write(data)
        return None
    if out is not None:
        out.write(data.decode())
        return None
    return data.decode()
