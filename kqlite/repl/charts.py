"""`render` in a terminal: bar charts as rows of blocks, time and line charts as a block
plot (one series) or one sparkline per series. Charts a terminal cannot show honestly
(scatter, anomaly, pivot, treemap, ladder) return None and the caller prints the table.

Columns are chosen as Kusto does when the `with (...)` properties do not say: x is the
first datetime (time charts) or first column, y the numeric columns, series the others.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from ..formats import cell_text, timespan_ticks
from ..results import kql_types

BLOCKS = " ▁▂▃▄▅▆▇█"
NUMERIC = ("int", "long", "real", "decimal")
BAR_CHARTS = ("barchart", "columnchart", "piechart")
LINE_CHARTS = ("timechart", "linechart", "areachart", "stackedareachart")
MAX_BARS = 30
MAX_SERIES = 8
PLOT_HEIGHT = 8


def draw(table: pa.Table, chart: str, props: dict[str, Any], width: int) -> str | None:
    """The chart as text, or None when this chart kind is not drawn in a terminal."""
    if table.num_rows == 0 or chart not in BAR_CHARTS + LINE_CHARTS + ("card",):
        return None
    if chart in LINE_CHARTS:
        from ..charts.series import expand_series

        table = expand_series(table)  # make-series output: one series per row along its axis array
    names, types = table.column_names, kql_types(table)
    rows = table.to_pylist()
    title = [str(props["title"])] if props.get("title") else []
    if chart == "card":
        return "\n".join(title + [f"{n}: {cell_text(rows[0][n], t)}" for n, t in zip(names, types)])
    ys = _listed(props.get("ycolumns")) or [n for n, t in zip(names, types) if t in NUMERIC or t == "timespan"]
    if chart in BAR_CHARTS:
        labels = [n for n, t in zip(names, types) if n not in ys]
        if not ys or not labels:
            return None
        return "\n".join(title + _bars(rows, labels, ys[0], dict(zip(names, types)), width, chart == "piechart"))
    x = props.get("xcolumn") or next((n for n, t in zip(names, types) if t == "datetime"), None)
    if x is None and chart != "timechart":
        x = names[0]
    if x is None or x not in names:
        return None
    ys = [y for y in ys if y != x]
    series_cols = _listed(props.get("series")) or [n for n, t in zip(names, types) if n != x and n not in ys]
    if not ys:
        return None
    return "\n".join(title + _lines(rows, x, ys, series_cols, dict(zip(names, types)), width))


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _number(value: Any, kql_type: str) -> float | None:
    if value is None:
        return None
    if kql_type == "timespan":
        return timespan_ticks(value) / 10_000_000  # seconds
    return float(value)


# ---------------------------------------------------------------- bars
def _bars(rows: list[dict], labels: list[str], y: str, types: dict[str, str], width: int, pie: bool) -> list[str]:
    shown = rows[:MAX_BARS]
    names = [" · ".join(cell_text(r[c], types[c]) for c in labels) for r in shown]
    values = [_number(r[y], types[y]) or 0.0 for r in shown]
    total = sum(_number(r[y], types[y]) or 0.0 for r in rows)
    texts = [_fmt(v) + (f" ({v / total:.0%})" if pie and total else "") for v in values]
    name_w = min(max(len(n) for n in names), max(12, width // 3))
    text_w = max(len(t) for t in texts)
    bar_w = max(10, width - name_w - text_w - 4)
    top = max((abs(v) for v in values), default=0) or 1.0
    out = [f"{y} by {' · '.join(labels)}"]
    for name, value, text in zip(names, values, texts):
        out.append(f"{_fit(name, name_w)} │{_hbar(abs(value) / top * bar_w)} {text}")
    if len(rows) > MAX_BARS:
        out.append(f"… {len(rows) - MAX_BARS} more bars")
    return out


def _hbar(cells: float) -> str:
    full, part = int(cells), int(round((cells - int(cells)) * 8))
    if part == 8:
        full, part = full + 1, 0
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


# ---------------------------------------------------------------- lines
def _lines(rows: list[dict], x: str, ys: list[str], series_cols: list[str], types: dict[str, str],
           width: int) -> list[str]:
    series: dict[str, list[tuple[Any, float]]] = {}
    for r in rows:
        if r[x] is None:
            continue
        key = " · ".join(cell_text(r[c], types[c]) for c in series_cols)
        for y in ys:
            v = _number(r[y], types[y])
            if v is not None:
                name = " · ".join(p for p in (key, y if len(ys) > 1 or not key else "") if p)
                series.setdefault(name or y, []).append((r[x], v))
    if not series:
        return ["(nothing to draw: every value is null)"]
    xs = sorted({p[0] for pts in series.values() for p in pts})
    lo_x, hi_x = xs[0], xs[-1]
    head = f"{', '.join(ys)} over {x}: {_xtext(lo_x, types[x])} … {_xtext(hi_x, types[x])}"
    if len(series) == 1:
        (name, pts), = series.items()
        return [head] + _plot(pts, lo_x, hi_x, width)
    ranked = sorted(series.items(), key=lambda kv: -sum(v for _, v in kv[1]))
    name_w = min(max(len(n) for n, _ in ranked[:MAX_SERIES]), max(10, width // 4))
    lines = [head]
    stats = [f"{_fmt(min(v for _, v in pts))} … {_fmt(max(v for _, v in pts))}" for _, pts in ranked[:MAX_SERIES]]
    stat_w = max(len(s) for s in stats)
    spark_w = max(10, width - name_w - stat_w - 4)
    for (name, pts), stat in zip(ranked[:MAX_SERIES], stats):
        lines.append(f"{_fit(name, name_w)} {_sparkline(pts, lo_x, hi_x, spark_w)}  {stat}")
    if len(ranked) > MAX_SERIES:
        lines.append(f"… {len(ranked) - MAX_SERIES} more series")
    return lines


def _buckets(pts: list[tuple[Any, float]], lo: Any, hi: Any, n: int) -> list[float | None]:
    """Average the points falling in each of n equal x ranges."""
    span = _pos(hi) - _pos(lo) or 1.0
    sums, counts = [0.0] * n, [0] * n
    for xv, v in pts:
        i = min(n - 1, int((_pos(xv) - _pos(lo)) / span * n))
        sums[i] += v
        counts[i] += 1
    return [s / c if c else None for s, c in zip(sums, counts)]


def _pos(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if hasattr(value, "value") and isinstance(value.value, int):  # pandas Timedelta
        return value.value / 1e9
    return float(value)


def _sparkline(pts: list[tuple[Any, float]], lo: Any, hi: Any, width: int) -> str:
    cells = _buckets(pts, lo, hi, min(width, max(1, len({p[0] for p in pts}))))
    known = [c for c in cells if c is not None]
    vmin, vmax = min(known), max(known)
    rng = (vmax - vmin) or 1.0
    return "".join(" " if c is None else BLOCKS[1 + int((c - vmin) / rng * 7)] for c in cells)


def _plot(pts: list[tuple[Any, float]], lo: Any, hi: Any, width: int) -> list[str]:
    values = [v for _, v in pts]
    vmin, vmax = min(values), max(values)
    if vmin > 0 and vmin < 0.5 * vmax:
        vmin = 0.0  # start at zero unless that flattens the detail away
    labels = (_fmt(vmax), _fmt(vmin))
    label_w = max(len(s) for s in labels)
    cells = _buckets(pts, lo, hi, min(max(10, width - label_w - 2), max(1, len({p[0] for p in pts}))))
    rng = (vmax - vmin) or 1.0
    heights = [None if c is None else (c - vmin) / rng * PLOT_HEIGHT * 8 for c in cells]
    out = []
    for row in range(PLOT_HEIGHT, 0, -1):
        label = labels[0] if row == PLOT_HEIGHT else labels[1] if row == 1 else ""
        line = ""
        for h in heights:
            if h is None:
                line += " "
                continue
            eighths = int(round(h)) - (row - 1) * 8
            line += "█" if eighths >= 8 else BLOCKS[max(eighths, 1 if row == 1 else 0)] if eighths > 0 or row == 1 else " "
        out.append(f"{label.rjust(label_w)} ┤{line}")
    out.append(" " * label_w + " └" + "─" * len(heights))
    return out


def _xtext(value: Any, kql_type: str) -> str:
    return cell_text(value, kql_type) if kql_type in ("datetime", "timespan") else _fmt(float(value))


def _fmt(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3g}"


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
