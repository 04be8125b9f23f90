"""What `render` asks for -> which columns play which part, following Kusto's render model.

Kusto looks at a result as three kinds of columns (render-operator docs):
  x axis   `xcolumn`, else the first column (timechart: the first datetime column)
  y axes   `ycolumns`, else every numeric column that is not x or a series column
  series   `series`, else the columns left over (not x, not numeric); each distinct
           combination of their values is one line, bar group or area
piechart: labels from `xcolumn` or the first string column, values from the first of
`ycolumns` or the first numeric column.

This module needs no plotting library: it turns a result into `Line`s (label, xs, ys)
that `draw.py` hands to matplotlib, so the rules can be tested alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from ..errors import KqlError, did_you_mean
from ..formats import cell_text
from ..results import kql_types
from .series import expand_series

NUMERIC = ("int", "long", "real", "decimal")
# Kinds kqlite draws; stackedareachart and anomalychart are spelled through these (see ALIASES).
CHART_KINDS = ("timechart", "linechart", "areachart", "barchart", "columnchart", "piechart", "scatterchart")
ALIASES = {"stackedareachart": ("areachart", "stacked"), "anomalychart": ("timechart", None)}
# Kinds that sort rows by x before drawing lines (a line drawn in row order zig-zags).
# Bars and columns keep the row order (`sort by` chooses it) unless x is a time or a number.
SORTED_BY_X = ("timechart", "linechart", "areachart", "scatterchart")
ORDERED_X_TYPES = ("datetime", "int", "long", "real", "decimal")


class KqlChartError(KqlError):
    """A `render` request that cannot be drawn: an unknown column, nothing numeric to plot."""

    code = "KQ700"


@dataclass(frozen=True)
class ChartSpec:
    """`T | render kind with (...)`, resolved against T's columns."""

    kind: str
    x: str
    ys: tuple[str, ...]
    series: tuple[str, ...] = ()
    stack: str | None = None  # None, "stacked" or "stacked100"
    title: str | None = None
    xtitle: str | None = None
    ytitle: str | None = None
    legend: bool = True
    ymin: float | None = None
    ymax: float | None = None
    xlog: bool = False
    ylog: bool = False
    accumulate: bool = False
    whole_numbers: bool = False  # every y is an int or long: no ticks at 0.5 machines


@dataclass(frozen=True)
class Line:
    """One drawn series: a line, a set of bars, an area, or (piechart) the slices."""

    label: str
    xs: list[Any]
    ys: list[float]


def is_chart(render: tuple[str, dict[str, Any]] | None) -> bool:
    """Whether a result's render request draws a picture (not `render table` or no render)."""
    return render is not None and render[0].lower() != "table"


def plan(table: pa.Table, render: tuple[str, dict[str, Any]] | None) -> ChartSpec:
    """The chart a `render` request asks for, with every column role decided."""
    if not is_chart(render):
        raise KqlChartError("nothing to draw: the query does not end with `render <chart>`",
                            hints=["add for example `| render columnchart` or `| render timechart`"], code="KQ701")
    assert render is not None
    table = expand_series(table)  # make-series output: one series per row, drawn along its axis array
    kind, props = render[0].lower(), {k.lower(): v for k, v in render[1].items()}
    stack = _stack(props.get("kind"))
    if kind in ALIASES:
        kind, implied = ALIASES[kind]
        stack = stack or implied
    if kind not in CHART_KINDS:
        raise KqlChartError(f"kqlite cannot draw a {kind}", hints=[f"it draws {', '.join(CHART_KINDS)}"],
                            code="KQ702")
    names, types = table.column_names, dict(zip(table.column_names, kql_types(table)))
    x = _pick_x(kind, props, names, types)
    ys = _pick_ys(kind, props, names, types, x)
    if kind == "piechart":
        series: tuple[str, ...] = ()  # one pie: its slices are the label column's values
    elif "series" in props:
        series = _names(props["series"], names, "series")
    else:
        # Left-over non-numeric columns split the data (Kusto's guess for unspecified columns).
        series = tuple(n for n in names if n != x and n not in ys and types[n] not in NUMERIC)
    return ChartSpec(
        kind=kind, x=x, ys=ys, series=tuple(s for s in series if s != x), stack=stack,
        title=_text(props.get("title")), xtitle=_text(props.get("xtitle")), ytitle=_text(props.get("ytitle")),
        legend=str(props.get("legend", "visible")).lower() != "hidden",
        ymin=_number(props.get("ymin"), "ymin"), ymax=_number(props.get("ymax"), "ymax"),
        xlog=str(props.get("xaxis", "")).lower() == "log", ylog=str(props.get("yaxis", "")).lower() == "log",
        accumulate=str(props.get("accumulate", "false")).lower() == "true",
        whole_numbers=all(types[y] in ("int", "long") for y in ys) and stack != "stacked100",
    )


def lines(table: pa.Table, spec: ChartSpec) -> list[Line]:
    """The data to draw: one Line per (series value, y column), in order of first appearance."""
    table = expand_series(table)
    types = dict(zip(table.column_names, kql_types(table)))
    if spec.kind in SORTED_BY_X or (spec.kind != "piechart" and types[spec.x] in ORDERED_X_TYPES):
        table = table.filter(table.column(spec.x).is_valid()).sort_by([(spec.x, "ascending")])
    xs = [_x_value(v, types[spec.x]) for v in table.column(spec.x).to_pylist()]
    keys = _series_keys(table, spec.series, types)
    columns = {y: table.column(y).to_pylist() for y in spec.ys}
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    out = []
    for key, rows in groups.items():
        for y in spec.ys:
            label = ", ".join(p for p in (key, y if len(spec.ys) > 1 or not key else "") if p)
            values = [_float(columns[y][i]) for i in rows]
            if spec.accumulate:
                values = _running_sum(values)
            out.append(Line(label, [xs[i] for i in rows], values))
    return out


# ---------------------------------------------------------------- column roles
def _pick_x(kind: str, props: dict[str, Any], names: list[str], types: dict[str, str]) -> str:
    if not names:
        raise KqlChartError("nothing to draw: the result has no columns", code="KQ703")
    if "xcolumn" in props:
        return _names(props["xcolumn"], names, "xcolumn")[0]
    if kind == "timechart":
        dates = [n for n in names if types[n] == "datetime"]
        if not dates:
            raise KqlChartError("a timechart needs a datetime column for its x axis", code="KQ704",
                                hints=["summarize by bin(TimeGenerated, 1h), or use a linechart"])
        return dates[0]
    if kind == "piechart":
        labels = [n for n in names if types[n] == "string"]
        return labels[0] if labels else names[0]
    return names[0]


def _pick_ys(kind: str, props: dict[str, Any], names: list[str], types: dict[str, str], x: str) -> tuple[str, ...]:
    if "ycolumns" in props:
        ys = _names(props["ycolumns"], names, "ycolumns")
        for y in ys:
            if types[y] not in NUMERIC:
                raise KqlChartError(f"ycolumns: '{y}' is {types[y]}, not a number", code="KQ705",
                                    hints=["convert it with toreal() or tolong()"])
    else:
        series = set(_names(props["series"], names, "series")) if "series" in props else set()
        ys = tuple(n for n in names if n != x and n not in series and types[n] in NUMERIC)
    if not ys:
        raise KqlChartError(f"nothing to draw: the {kind} needs a numeric column besides '{x}'", code="KQ706",
                            hints=["summarize a count() or another aggregate, or name it with ycolumns="])
    return ys[:1] if kind == "piechart" else ys


def _names(value: Any, names: Sequence[str], prop: str) -> tuple[str, ...]:
    """A render property naming columns: one name, a (list), or Kusto's comma-separated text."""
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    out = []
    for item in (str(i).strip() for i in items):
        if item not in names:
            raise KqlChartError(f"{prop}: the result has no column '{item}'", code="KQ707",
                                hints=did_you_mean(item, names, "columns"))
        out.append(item)
    return tuple(out)


def _stack(kind: Any) -> str | None:
    kind = str(kind or "").lower()
    if kind in ("stacked", "stacked100"):
        return kind
    return None  # default, unstacked; `map` kinds are drawn as plain charts


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any, prop: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise KqlChartError(f"{prop} must be a number, got {value!r}", code="KQ708") from None


# ---------------------------------------------------------------- values
def _series_keys(table: pa.Table, series: tuple[str, ...], types: dict[str, str]) -> list[str]:
    if not series:
        return [""] * table.num_rows
    cols = [[cell_text(v, types[s]) for v in table.column(s).to_pylist()] for s in series]
    return [", ".join(parts) for parts in zip(*cols)]


def _x_value(value: Any, kql_type: str) -> Any:
    """Datetimes and numbers stay values (a time or number axis); the rest become labels."""
    if value is None:
        return ""
    if kql_type == "datetime" or kql_type in ("int", "long", "real"):
        return value
    if kql_type == "decimal":
        return float(value)
    return cell_text(value, kql_type)


def _float(value: Any) -> float:
    if value is None:
        return float("nan")
    return float(value)


def _running_sum(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += 0.0 if v != v else v  # NaN (a null) adds nothing
        out.append(total)
    return out
