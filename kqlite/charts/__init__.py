"""Charts for `render`: the picture Kusto would draw, as a matplotlib figure, PNG or SVG.

    spec = plan(result.table, result.render)      # column roles (spec.py, no plotting library)
    png = chart_image(result.table, result.render, "png")

The notebook (`%%kql`) and `kqlite query --format png|svg` both draw through here.
matplotlib is an optional dependency (`pip install 'kqlite[charts]'`), imported only
when a picture is drawn, so the engine and the CLI start without it.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from .spec import CHART_KINDS, ChartSpec, KqlChartError, Line, is_chart, lines, plan

__all__ = ["CHART_KINDS", "ChartSpec", "KqlChartError", "Line", "chart_figure", "chart_image", "is_chart",
           "lines", "plan"]

IMAGE_FORMATS = ("png", "svg")
Render = tuple[str, dict[str, Any]] | None


def chart_figure(table: pa.Table, render: Render) -> Any:
    """A matplotlib Figure of the chart `render` asks for (not attached to pyplot)."""
    spec = plan(table, render)
    return _draw().figure(spec, lines(table, spec))


def chart_image(table: pa.Table, render: Render, fmt: str = "png") -> bytes:
    """The chart as PNG or SVG bytes."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format '{fmt}': {', '.join(IMAGE_FORMATS)}")
    return _draw().image(chart_figure(table, render), fmt)


def _draw() -> Any:
    try:
        from . import draw
    except ImportError as e:  # only matplotlib is missing here; the rest is kqlite's own
        raise ImportError("charts need matplotlib: pip install 'kqlite[charts]'") from e
    return draw
