"""What a file is, from its first bytes and its first rows rather than from its name alone:
the format (Parquet, CSV, JSON, JSON Lines) and the table its rows belong to.

Only the first 64 KiB of a file are read here; the readers (`relations.py`) read the rest.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import KqlDataError
from . import schemas as S

_PEEK = 64 * 1024


@dataclass(frozen=True)
class Sniff:
    """The format of one file. `encoding` is what the bytes are in; DuckDB reads UTF-8 only
    (plus UTF-16 for CSV), so other JSON encodings are transcoded to a temporary copy."""

    path: Path
    fmt: str                       # parquet | csv | json
    encoding: str = "utf-8"        # utf-8 | utf-8-sig | utf-16
    compressed: bool = False       # gzip
    delimiter: str = ","
    header: tuple[str, ...] = ()   # CSV column names as written
    first_row: tuple[str, ...] = ()  # CSV: the first data row as written
    first_char: str = ""           # JSON: '[' (a list) or '{' (an object, or JSON Lines)
    lines: bool = False            # JSON Lines: one object per line


def _peek(path: Path) -> tuple[bytes, bool]:
    with open(path, "rb") as f:
        head = f.read(_PEEK)
    if head[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as g:
            return g.read(_PEEK), True
    return head, False


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # what Windows PowerShell 5 writes for `az ... > file.json`
    return "utf-8"


def sniff(path: Path) -> Sniff:
    """The format of a file, from its content; raises KqlDataError if it is none kqlite reads."""
    if not path.is_file():
        raise KqlDataError("no such file", path=str(path))
    head, compressed = _peek(path)
    if head.startswith(b"PAR1"):
        return Sniff(path, "parquet")
    if not head:
        raise KqlDataError("the file is empty (0 bytes): did the export fail? (one with no rows still has "
                           "a header, or [])", path=str(path))
    encoding = _encoding(head)
    if encoding == "utf-8":
        _not_utf16_without_bom(head, path)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if not stripped:
        raise KqlDataError(f"the file holds only blank space ({len(head)} bytes)", path=str(path))
    if stripped[0] in "[{":
        return Sniff(path, "json", encoding, compressed, first_char=stripped[0], lines=_json_lines(stripped))
    if _stem(path) != path.name.removesuffix(".gz") and path.name.lower().removesuffix(".gz").endswith(_JSON_SUFFIXES):
        first = stripped.splitlines()[0][:60]
        hint = "; `azcmagent show` writes JSON with --json" if "Agent Version" in text or "Resource Name" in text \
            else "; az commands write JSON with -o json"
        raise KqlDataError(f"named {path.suffix} but is not JSON: byte 0 (line 1) starts '{first}'{hint}", path=str(path))
    header, delimiter = _csv_header(text, path)
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    first_row = next(rows, None) and next(rows, None)
    return Sniff(path, "csv", encoding, compressed, delimiter=delimiter, header=header,
                 first_row=tuple(first_row or ()))


_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


def _not_utf16_without_bom(head: bytes, path: Path) -> None:
    """UTF-16 without a byte order mark: text whose every other byte is 0. DuckDB would read the
    zeros as characters, so it is refused (guessing the byte order could garble the text)."""
    sample = head[:4096]
    if len(sample) < 4 or b"\0" not in sample:
        return
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if max(even, odd) >= 0.4 * half and min(even, odd) <= 0.05 * half:
        order = "big-endian" if even > odd else "little-endian"
        raise KqlDataError(f"looks like UTF-16 ({order}) without a byte order mark: every other byte is 0, from "
                           f"byte {sample.index(0)}; save the file as UTF-8 (or UTF-16 with a byte order mark)",
                           path=str(path))


def _json_lines(text: str) -> bool:
    """A complete object on the first line and more after it: JSON Lines (a pretty-printed or a
    one-line document has no complete first line, or nothing after it)."""
    first, _, rest = text.partition("\n")
    if not first.strip().startswith("{") or not rest.strip():
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _csv_header(text: str, path: Path) -> tuple[tuple[str, ...], str]:
    lines = text.splitlines()
    first = lines[0] if lines else ""
    if path.suffix.lower() == ".tsv" or path.name.lower().endswith(".tsv.gz"):
        delimiter = "\t"
    else:
        # the delimiter is the candidate that splits the header into the most fields
        delimiter = max((",", "\t", ";", "|"), key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    if len(header) < 2 and path.suffix.lower() not in (".csv", ".tsv", ".gz"):
        raise KqlDataError("not a data file kqlite can read (Parquet, CSV, JSON or JSON Lines)", path=str(path))
    return tuple(h.strip() for h in header), delimiter


def is_data_file(path: Path) -> bool:
    """Whether a file found in a folder should be loaded: a data suffix, or Parquet/JSON content.
    Hidden files and editor/Office lock files are skipped."""
    if path.name.startswith((".", "~$")):
        return False
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(S.DATA_SUFFIXES):
        return True
    if path.suffix:  # README.md, generate_fleet.py ...
        return False
    try:
        head, _ = _peek(path)
    except OSError:
        return False
    return head.startswith(b"PAR1") or head.lstrip()[:1] in (b"[", b"{")


# ---------------------------------------------------------------- which table

@dataclass(frozen=True)
class Kind:
    """What the rows of a file are: `kind` decides the typing rules, `table` where they go."""

    kind: str   # heartbeat | resources | agent_show | log_analytics | generic
    table: str


def classify(columns: Sequence[str], first: Mapping[str, Any] | None, path: Path, *,
             log_analytics: bool = False) -> Kind:
    """The table for a file with these columns (names without the portal's `[UTC]`) and first row.

    `log_analytics` says the file is certainly a Log Analytics export (portal CSV with time zones in
    its headers, or az monitor JSON); such rows name their table in the `Type` column."""
    cols = set(columns)
    first = first or {}
    stem_table = S.table_name_for(_stem(path), path.parent.name)
    by_name = stem_table.lower()
    arg_like = len(cols & {"subscriptionId", "resourceGroup", "properties", "tenantId", "location"}) >= 2
    if {"id", "type"} <= cols and (_looks_like_resource_id(first.get("id")) or (not first and arg_like)):
        return Kind("resources", S.HISTORY)
    if by_name in S.RESERVED:
        if "id" not in cols:
            raise KqlDataError(f"named like the {S.RESERVED[by_name]} table but has no 'id' column "
                               "(Resource Graph rows need id and type); rename the file", path=str(path))
        return Kind("resources", S.HISTORY)
    la_table = str(first.get("Type") or "")
    is_la = log_analytics or ("TimeGenerated" in cols and la_table.isidentifier())
    if {"TimeGenerated", "Computer"} <= cols and (
            len(cols & S.HEARTBEAT_MARKERS) >= 2 or la_table == S.HEARTBEAT or by_name == "heartbeat"):
        return Kind("heartbeat", S.HEARTBEAT)
    if by_name == "heartbeat":
        return Kind("heartbeat", S.HEARTBEAT)
    if is_la and la_table.isidentifier():
        return Kind("log_analytics", la_table)
    if len(cols & S.AGENT_SHOW_MARKERS) >= 3 or by_name == S.AGENT_SHOW.lower():
        return Kind("agent_show", S.AGENT_SHOW)
    if is_la:
        return Kind("log_analytics", stem_table)
    return Kind("generic", stem_table)


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return name.rsplit(".", 1)[0] if "." in name else name


def _looks_like_resource_id(value: Any) -> bool:
    return isinstance(value, str) and value.lower().startswith(("/subscriptions/", "/providers/", "/tenants/"))
