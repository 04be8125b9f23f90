"""Files for `externaldata` (local paths only, when the database allows file access).

Read on the Python side before the query runs, never by the query: delimited text is split
by position as Kusto does (the declared columns take the fields in order), and the typed
formats (Parquet, JSON) go through `read_file` and are matched by column name."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..errors import KqlDataError

DELIMITERS = {"csv": ",", "tsv": "\t", "tsve": "\t", "scsv": ";", "sohsv": "\x01", "psv": "|", "txt": "\n"}
TYPED_FORMATS = ("parquet", "json", "multijson", "singlejson")


def format_of(path: Path, declared: str | None) -> str:
    """The declared format, or the one the file name's extension says (csv by default)."""
    if declared:
        return declared.lower()
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in DELIMITERS or suffix in TYPED_FORMATS else "csv"


def read_delimited(path: Path, fmt: str, ignore_first: bool) -> list[list[str]]:
    """The file's records as lists of text fields."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise KqlDataError(f"cannot read {path}: {e.strerror or e}", path=str(path)) from None
    if fmt == "txt":
        rows = [[line] for line in text.splitlines()]
    else:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=DELIMITERS[fmt]) if r]
    return rows[1:] if ignore_first else rows


def read_typed(path: Path) -> tuple[list[str], list[str], list[list[Any]]]:
    """Column names, KQL types and rows (Python values) of a Parquet or JSON file."""
    from . import read_file

    if not path.is_file():
        raise KqlDataError(f"no such file: {path}", path=str(path))
    table = read_file(path)
    types = [(f.metadata or {}).get(b"kql_type", b"string").decode() for f in table.schema]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [list(r) for r in zip(*columns)] if columns else []
    return table.column_names, types, rows
