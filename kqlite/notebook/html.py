"""HTML for notebook outputs: result tables (names over KQL types) and error caret pictures.

Styles are inline attributes, not a <style> block: JupyterLab keeps inline styles in
untrusted notebooks, and a <style> block would leak into the rest of the page.
"""

from __future__ import annotations

from html import escape

import pyarrow as pa

from ..errors import KqlError
from ..formats import cell_text
from ..results import kql_types

RIGHT_ALIGNED = ("int", "long", "real", "decimal", "timespan")
MAX_CELL = 80  # characters shown in a cell; the whole value stays in the tooltip
_TYPE_STYLE = "font-weight:normal;color:#6a737d;font-size:0.85em"
_NOTE_STYLE = "color:#6a737d;font-size:0.9em;margin:4px 0"
_ERROR_STYLE = ("color:#b31d28;background:#fff5f5;border-left:3px solid #b31d28;padding:6px 10px;"
                "font-family:monospace;white-space:pre;overflow-x:auto")


def table_html(table: pa.Table, max_rows: int = 100, note: str = "") -> str:
    """The first max_rows rows as a table, column types under the names, then the row count."""
    names, types = table.column_names, kql_types(table)
    shown = table.slice(0, max_rows).to_pylist()
    align = ["right" if t in RIGHT_ALIGNED else "left" for t in types]
    head = "".join(f'<th style="text-align:{a}">{escape(n)}</th>' for n, a in zip(names, align))
    kinds = "".join(f'<th style="text-align:{a};{_TYPE_STYLE}">{escape(t)}</th>' for t, a in zip(types, align))
    body = "".join(
        "<tr>" + "".join(_cell(row[n], t, a) for n, t, a in zip(names, types, align)) + "</tr>" for row in shown)
    parts = [f"<p style=\"{_NOTE_STYLE}\">{escape(note)}</p>" if note else "",
             f'<table class="kqlite-result"><thead><tr>{head}</tr><tr>{kinds}</tr></thead>'
             f"<tbody>{body}</tbody></table>",
             f'<p style="{_NOTE_STYLE}">{escape(row_count(table.num_rows, len(shown)))}</p>']
    return "<div>" + "".join(parts) + "</div>"


def row_count(total: int, shown: int) -> str:
    rows = f"{total:,} row{'s' if total != 1 else ''}"
    return rows if shown >= total else f"{rows}, showing the first {shown:,}"


def error_html(error: KqlError) -> str:
    """The same caret picture the CLI prints, kept monospaced so the carets line up."""
    return f'<pre class="kqlite-error" style="{_ERROR_STYLE}">{escape(error.render())}</pre>'


def _cell(value: object, kql_type: str, align: str) -> str:
    text = cell_text(value, kql_type)
    style = f"text-align:{align};white-space:nowrap"  # a datetime broken at its hyphens is hard to read
    if len(text) <= MAX_CELL:
        return f'<td style="{style}">{escape(text)}</td>'
    return f'<td style="{style}" title="{escape(text)}">{escape(text[:MAX_CELL - 1])}…</td>'
