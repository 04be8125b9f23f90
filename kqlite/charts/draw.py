"""Drawing a ChartSpec with matplotlib: the one module that imports it.

matplotlib's object API (`Figure`, no pyplot) keeps no global figure state, needs no GUI
backend, and writes PNG and SVG through the same Agg/SVG renderers in a kernel, on a
server or in CI.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from typing import Any

from matplotlib import dates as mdates
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .spec import ChartSpec, Line

SIZE = (9.0, 4.5)  # inches; at 100 dpi a 900 x 450 picture, wide enough for a week of hours
DPI = 100
MAX_LEGEND = 30  # more series than this and the legend would be taller than the chart


def figure(spec: ChartSpec, data: list[Line]) -> Figure:
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_prop_cycle(color=_colors(len(data)))
    if spec.kind == "piechart":
        _pie(ax, data[0] if data else Line("", [], []))
    elif spec.kind in ("barchart", "columnchart"):
        _bars(ax, spec, data)
    else:
        _lines(ax, spec, data)
    if spec.title:
        ax.set_title(spec.title)
    if spec.kind != "piechart":
        _axes(ax, spec, data)
    return fig


def image(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes. SVG ids and metadata are fixed so files are reproducible."""
    buf = io.BytesIO()
    with rc_context({"svg.hashsalt": "kqlite", "svg.fonttype": "path"}):
        fig.savefig(buf, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


# ---------------------------------------------------------------- chart kinds
def _lines(ax: Any, spec: ChartSpec, data: list[Line]) -> None:
    if spec.stack:
        xs, rows = _aligned(data, spec.stack)
        ax.stackplot(xs, *rows, labels=[d.label for d in data], alpha=0.85)
        return
    for d in data:
        if spec.kind == "scatterchart":
            ax.scatter(d.xs, d.ys, s=14, label=d.label)
        elif spec.kind == "areachart":
            (line,) = ax.plot(d.xs, d.ys, label=d.label, linewidth=1.2)
            ax.fill_between(d.xs, d.ys, alpha=0.25, color=line.get_color())
        else:
            ax.plot(d.xs, d.ys, label=d.label, linewidth=1.4)


def _bars(ax: Any, spec: ChartSpec, data: list[Line]) -> None:
    """Grouped bars side by side, or stacked; barchart runs horizontally, first row on top."""
    labels = list(dict.fromkeys(_label(x) for d in data for x in d.xs))
    rows = _by_label(data, labels, spec.stack)
    positions = [float(p) for p in range(len(labels))]
    horizontal = spec.kind == "barchart"
    draw = ax.barh if horizontal else ax.bar
    width = 0.8 if spec.stack or not rows else 0.8 / len(rows)
    base = [0.0] * len(labels)
    for i, (d, values) in enumerate(zip(data, rows)):
        if spec.stack:
            where, offset = positions, base
        else:
            where, offset = [p - 0.4 + width * (i + 0.5) for p in positions], [0.0] * len(labels)
        if horizontal:
            draw(where, values, height=width, left=offset, label=d.label)
        else:
            draw(where, values, width=width, bottom=offset, label=d.label)
        if spec.stack:
            base = [b + v for b, v in zip(base, values)]
    if horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
    else:
        rotate = sum(len(t) + 2 for t in labels) > 90  # about the characters that fit side by side
        ax.set_xticks(positions, labels, rotation=45 if rotate else 0, ha="right" if rotate else "center")


def _pie(ax: Any, data: Line) -> None:
    pairs = [(_label(x), y) for x, y in zip(data.xs, data.ys) if y == y and y > 0]
    if not pairs:
        ax.text(0.5, 0.5, "no positive values to draw", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    labels, values = zip(*pairs)
    ax.set_prop_cycle(color=_colors(len(values)))
    many = len(values) > 8  # beyond that, labels on the wedges overlap: put them in a legend
    wedges, *_ = ax.pie(values, labels=None if many else labels, startangle=90, counterclock=False,
                        autopct=lambda p: f"{p:.0f}%" if p >= 3 else "", pctdistance=0.75,
                        wedgeprops={"linewidth": 1, "edgecolor": "white"})
    if many and len(values) <= MAX_LEGEND:
        ax.legend(wedges, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small")
    ax.set_aspect("equal")


# ---------------------------------------------------------------- axes, legend, alignment
def _axes(ax: Any, spec: ChartSpec, data: list[Line]) -> None:
    horizontal = spec.kind == "barchart"
    value_title = spec.ytitle or (spec.ys[0] if len(spec.ys) == 1 else None)
    if value_title and spec.stack == "stacked100" and not spec.ytitle:
        value_title += " (%)"
    set_x, set_v = (ax.set_ylabel, ax.set_xlabel) if horizontal else (ax.set_xlabel, ax.set_ylabel)
    set_x(spec.xtitle or spec.x)
    if value_title:
        set_v(value_title)
    if spec.stack == "stacked100":
        (ax.set_xlim if horizontal else ax.set_ylim)(0, 100)
    if spec.ymin is not None or spec.ymax is not None:
        (ax.set_xlim if horizontal else ax.set_ylim)(spec.ymin, spec.ymax)
    if spec.whole_numbers and not spec.ylog:
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    if spec.ylog:
        (ax.set_xscale if horizontal else ax.set_yscale)("log")
    if spec.xlog and spec.kind not in ("barchart", "columnchart"):
        ax.set_xscale("log")
    if any(isinstance(x, dt.datetime) for d in data for x in d.xs[:1]) and spec.kind not in ("barchart", "columnchart"):
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, axis="x" if horizontal else "y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    labelled = len(data) > 1 or bool(spec.series)
    if spec.legend and labelled and len(data) <= MAX_LEGEND:
        handles, labels = ax.get_legend_handles_labels()
        if spec.stack and not horizontal:  # list the legend top-down, as the layers are stacked
            handles, labels = handles[::-1], labels[::-1]
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")


def _aligned(data: list[Line], stack: str) -> tuple[list[Any], list[list[float]]]:
    """Every series on one shared x grid (stacking needs it); a missing point counts 0."""
    xs = sorted({x for d in data for x in d.xs})
    rows = []
    for d in data:
        at: dict[Any, float] = {}
        for x, y in zip(d.xs, d.ys):
            at[x] = at.get(x, 0.0) + (0.0 if y != y else y)
        rows.append([at.get(x, 0.0) for x in xs])
    return xs, _percent(rows) if stack == "stacked100" else rows


def _by_label(data: list[Line], labels: list[str], stack: str | None) -> list[list[float]]:
    index = {t: i for i, t in enumerate(labels)}
    rows = []
    for d in data:
        values = [0.0] * len(labels)
        for x, y in zip(d.xs, d.ys):
            values[index[_label(x)]] += 0.0 if y != y else y
        rows.append(values)
    return _percent(rows) if stack == "stacked100" else rows


def _percent(rows: list[list[float]]) -> list[list[float]]:
    totals = [sum(col) for col in zip(*rows)] if rows else []
    return [[100.0 * v / t if t else 0.0 for v, t in zip(row, totals)] for row in rows]


def _label(x: Any) -> str:
    """A category label: dates without a time of day print as dates, whole numbers without '.0'."""
    if isinstance(x, dt.datetime):
        if (x.hour, x.minute, x.second, x.microsecond) == (0, 0, 0, 0):
            return x.strftime("%Y-%m-%d")
        return x.strftime("%Y-%m-%d %H:%M")
    if isinstance(x, float) and math.isfinite(x) and x.is_integer():
        return str(int(x))
    return str(x)


def _colors(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(max(n, 1))]
