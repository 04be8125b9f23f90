"""A query result in a notebook: shown as the chart `render` asked for or as an HTML table,
and handed on to pyarrow, pandas or polars without copying the data."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..charts import KqlChartError, chart_figure, chart_image, is_chart
from ..formats import to_text_table
from ..results import Result, kql_types
from .html import table_html

_IMAGE_MIME = {"png": "image/png", "svg": "image/svg+xml"}


class KqlResult:
    """One query statement's result.

    `.table` is the Arrow table (KQL types in the field metadata), `.render` the chart request.
    """

    def __init__(self, result: Result, *, max_rows: int = 100, chart_format: str = "png", show_chart: bool = True):
        self.result = result
        self.max_rows = max_rows
        self.chart_format = chart_format
        self.show_chart = show_chart

    # ------------------------------------------------------------ data
    @property
    def table(self) -> pa.Table:
        return self.result.table

    @property
    def render(self) -> tuple[str, dict[str, Any]] | None:
        return self.result.render

    @property
    def sql(self) -> str:
        return self.result.sql

    @property
    def columns(self) -> list[str]:
        return self.table.column_names

    @property
    def kql_types(self) -> list[str]:
        return kql_types(self.table)

    def __len__(self) -> int:
        return self.table.num_rows

    def to_arrow(self) -> pa.Table:
        """The result itself (no copy)."""
        return self.table

    def to_pandas(self, arrow_dtypes: bool = True) -> Any:
        """A DataFrame. By default its columns are Arrow-backed (pd.ArrowDtype): no copy, and a
        null long stays a null long; arrow_dtypes=False gives classic NumPy columns (a copy)."""
        import pandas as pd

        if arrow_dtypes:
            return self.table.to_pandas(types_mapper=pd.ArrowDtype)
        return self.table.to_pandas()

    def to_polars(self) -> Any:
        """A polars DataFrame over the same Arrow buffers (needs polars installed)."""
        try:
            import polars as pl
        except ImportError as e:
            raise ImportError("to_polars() needs polars: pip install polars") from e
        return pl.from_arrow(self.table)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        # The Arrow PyCapsule protocol: pl.DataFrame(result), duckdb and others read it directly.
        return self.table.__arrow_c_stream__(requested_schema)

    # ------------------------------------------------------------ pictures
    def chart(self) -> Any:
        """The chart as a matplotlib Figure (for further styling or fig.savefig)."""
        return chart_figure(self.table, self.render)

    def chart_image(self, fmt: str = "png") -> bytes:
        return chart_image(self.table, self.render, fmt)

    def to_html(self, note: str = "") -> str:
        return table_html(self.table, self.max_rows, note)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # One bundle, so a chart shows as a picture alone: with both HTML and PNG in it,
        # JupyterLab would prefer the table.
        text = repr(self)
        note = ""
        if self.show_chart and is_chart(self.render):
            try:
                image = self.chart_image(self.chart_format)
            except KqlChartError as e:  # a table is still worth showing, with the reason above it
                note = f"{e.render()} (shown as a table)"
            except ImportError as e:
                note = f"{e} (shown as a table)"
            else:
                data: bytes | str = image.decode() if self.chart_format == "svg" else image
                return {_IMAGE_MIME[self.chart_format]: data, "text/plain": text}
        return {"text/html": self.to_html(note), "text/plain": text}

    def __repr__(self) -> str:
        head = ""
        if is_chart(self.render):
            assert self.render is not None
            title = self.render[1].get("title")
            head = f"[{self.render[0]}{': ' + str(title) if title else ''}]\n"
        return head + to_text_table(self.table, max_rows=self.max_rows)
