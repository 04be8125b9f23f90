"""Results and errors as the REPL prints them.

Tables come from formats.to_text_table (types under the names, cut to the width); this
module picks how many rows fit the screen, narrows long cells before dropping columns,
replaces the row count with one that carries the elapsed time, draws `render` charts and
adds colour when the output is a terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from .. import formats
from ..results import Result
from . import charts

PAGER_ROWS = 10_000  # rows handed to the pager; past that, the note says how many more
_PAGER_CELL = 120  # the pager scrolls sideways, but one JSON value should not fill a screen
# Narrowing steps before columns are dropped; below 28 a datetime (2026-11-08T00:00:20.7720000Z) is cut, and
# a table of unreadable stubs helps less than fewer, readable columns.
_CELL_WIDTHS = (40, 32, 28)
_COUNT_LINE = re.compile(r"^\(\d+ rows?\)$")
_CARET_LINE = re.compile(r"(\s*\|\s*)(\^+)\s*")

BOLD, DIM, RED, YELLOW, RESET = "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[33m", "\x1b[0m"


@dataclass
class Screen:
    width: int
    height: int
    color: bool = False


def table_text(table: pa.Table, screen: Screen, max_rows: int, elapsed: float | None, *, fit: bool = True) -> str:
    """An aligned table with a footer: '(8 rows, 12 ms)'."""
    width = screen.width if fit else 1_000_000
    text = ""
    for cell in _CELL_WIDTHS if fit else (_PAGER_CELL,):
        text = formats.to_text_table(table, max_rows=max_rows, width=width, max_cell=cell)
        if "more columns not shown" not in text:
            break
    lines = text.split("\n")
    if lines and _COUNT_LINE.match(lines[-1]):
        lines.pop()
    lines = [_clip(line, screen.width) if "more columns not shown" in line and fit else line for line in lines]
    lines.append(footer(table.num_rows, elapsed))
    return _style_table(lines, screen.color)


def footer(rows: int, elapsed: float | None) -> str:
    count = f"{rows} row{'s' if rows != 1 else ''}"
    return f"({count}, {duration(elapsed)})" if elapsed is not None else f"({count})"


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def result_text(result: Result, screen: Screen, elapsed: float | None, *, max_rows: int, fit: bool = True) -> str:
    """A result for the screen: its chart when `render` asked for one that a terminal can draw."""
    if result.render and result.render[0] != "table":
        chart, props = result.render
        drawn = charts.draw(result.table, chart, props, screen.width)
        if drawn is not None:
            return drawn + "\n" + _dim(footer(result.table.num_rows, elapsed), screen.color)
        note = _dim(f"(render {chart}: not drawn in a terminal; the table follows)", screen.color)
        return note + "\n" + table_text(result.table, screen, max_rows, elapsed, fit=fit)
    return table_text(result.table, screen, max_rows, elapsed, fit=fit)


def file_text(result: Result, fmt: str) -> str:
    """A result for `.output FILE` or a non-table format: every row, nothing cut."""
    if fmt == "table":
        return formats.to_text_table(result.table, max_rows=max(result.table.num_rows, 1), width=1_000_000,
                                     max_cell=1_000_000) + "\n"
    return formats.write(result.table, fmt) or ""


def error_text(rendered: str, color: bool) -> str:
    """The caret picture, with the headline and the carets in red."""
    if not color:
        return rendered
    lines = rendered.split("\n")
    out = [RED + BOLD + lines[0] + RESET]
    for line in lines[1:]:
        carets = _CARET_LINE.fullmatch(line)
        if carets:
            out.append(carets.group(1) + RED + carets.group(2) + RESET)
        elif line.lstrip().startswith("= hint"):
            out.append(YELLOW + line + RESET)
        else:
            out.append(line)
    return "\n".join(out)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def note(text: str, color: bool) -> str:
    return _dim(text, color)


def _dim(text: str, color: bool) -> str:
    return DIM + text + RESET if color else text


def _style_table(lines: list[str], color: bool) -> str:
    if not color or len(lines) < 3:
        return "\n".join(lines)
    out = [BOLD + lines[0] + RESET, DIM + lines[1] + RESET, DIM + lines[2] + RESET]
    body_end = len(lines)
    while body_end > 3 and (lines[body_end - 1].startswith(("(", "…")) or "more columns not shown" in lines[body_end - 1]):
        body_end -= 1
    out += lines[3:body_end]
    out += [DIM + line + RESET for line in lines[body_end:]]
    return "\n".join(out)
