"""Errors in a file, reworded for its owner: the file, the row or byte, and the problem; and
UTF-8 copies of files in encodings DuckDB cannot read (files themselves are only ever read).
"""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..errors import KqlDataError
from ..sql.quote import quote_ident, quote_string
from . import coltypes as T
from . import detect
from .relations import MAX_LINE, Raw

# ---------------------------------------------------------------- errors

def bad_value(e: Exception) -> tuple[int, str] | None:
    text = str(e)
    at = text.find(T.BAD_VALUE + T.SEP)
    if at < 0:
        return None
    _, index, value = text[at:].split(T.SEP, 2)
    return int(index), value


def is_conversion(e: Exception) -> bool:
    return isinstance(e, duckdb.ConversionException) or "Could not convert" in str(e) or "Conversion Error" in str(e)


def value_error(con: duckdb.DuckDBPyConnection, raw: Raw, col: T.Column, value: str) -> KqlDataError:
    """Where the first bad value of a column is: read once more in file order, on one thread."""
    row = None
    try:
        con.execute("SET threads = 1")
        found = con.execute(
            f"SELECT n FROM (SELECT row_number() OVER () AS n, CAST({quote_ident(col.source)} AS VARCHAR) AS v "
            f"FROM ({raw.sql})) WHERE v = {quote_string(value)} ORDER BY n LIMIT 1").fetchall()
        row = found[0][0] if found else None
    except duckdb.Error:
        pass
    finally:
        con.execute("RESET threads")
    shown = value if len(value) <= 60 else value[:57] + "..."
    return KqlDataError(f"column '{col.name}': '{shown}' is not a {col.kql}", row=row)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_JSON_RECORD = re.compile(r"JSON transform error in file \"[^\"]*\", in record/value (\d+): ([^\n]*)")
_JSON_KINDS = {"UBIGINT": "a number", "BIGINT": "a number", "DOUBLE": "a number", "VARCHAR": "a string",
               "BOOLEAN": "true or false", "ARRAY": "an array", "NULL": "null"}


def _csv_problem(text: str) -> str:
    """The sentence saying what is wrong: after DuckDB's quote of the line (which may span lines),
    before its advice."""
    lines = text.splitlines()
    advice = next((i for i, ln in enumerate(lines) if ln.startswith("Possible")), len(lines))
    words = next((ln for ln in reversed(lines[2:advice]) if ln.strip()), "")
    return words.strip().rstrip(".") or "the line cannot be read as CSV"
_JSON_BYTE = re.compile(r"Malformed JSON in file \"[^\"]*\", at byte (\d+) in (?:record/value|line) (\d+): ([^\n]*)")


# DuckDB's CSV problems, in words for the file's owner (the rest of its message is advice on
# reader options, which kqlite sets itself)
_CSV_PROBLEMS = (
    ("Value with unterminated quote", "a quoted value is never closed (a stray '\"', or the file was cut off)"),
    ("Maximum line size", f"the line is longer than {MAX_LINE >> 20} MB"),
)


def file_error(e: Exception, sniff: detect.Sniff, path: Path, readable: Path | None = None) -> KqlDataError:
    """DuckDB's reader errors, reworded: the file, the row or byte, and the problem."""
    text = str(e).strip()
    if "Invalid unicode" in text or "invalid UTF-8" in text:
        found = not_utf8(sniff)
        if found is not None:
            return found
    m = _CSV_LINE.search(text)
    if m:
        line = int(m.group(1))
        detail = next((ln for ln in text.splitlines() if ln.startswith("Expected Number of Columns")), "")
        detail = re.sub(r"Expected Number of Columns: (\d+) Found: (\d+)",
                        r"expected \1 columns (as in the header), found \2", detail)
        detail = detail or next((words for key, words in _CSV_PROBLEMS if key in text), "") or _csv_problem(text)
        return KqlDataError(f"{detail} (line {line})", path=str(path), row=max(line - 1, 1))
    m = _JSON_RECORD.search(text)
    if m:  # a row that is not what the rest are: its number is DuckDB's record count
        row, problem = int(m.group(1)), m.group(2)
        dup = re.search(r'has duplicate key "([^"]*)"', problem)
        wrong = re.search(r"Expected OBJECT, but got (\w+)", problem)
        if dup:
            problem = f"the object has the key '{dup.group(1)}' twice"
        elif wrong:
            problem = f"expected an object (a row), found {_JSON_KINDS.get(wrong.group(1), wrong.group(1).lower())}"
        return KqlDataError(problem.strip(), path=str(path), row=row)
    m = _JSON_BYTE.search(text)
    if m or (sniff.fmt == "json" and "JSON" in text):
        return json_error(sniff, readable=readable) or KqlDataError(f"malformed JSON: {m.group(3).strip() if m else text.splitlines()[0]}",
                                                 path=str(path))
    first = text.splitlines()[0] if text else type(e).__name__
    first = re.sub(r"^[A-Za-z ]+Error: ", "", first)
    return KqlDataError(first, path=str(path))


_DIAGNOSE_LIMIT = 512 << 20


def json_error(sniff: detect.Sniff, truncated: bool = False, readable: Path | None = None) -> KqlDataError | None:
    """Where a JSON file stops being JSON, as a byte offset, line and column (Python's parser
    says exactly where; DuckDB's message counts within a record). None if it parses."""
    import json

    source = readable or sniff.path  # a UTF-8 copy, if the file needed one
    if source.stat().st_size > _DIAGNOSE_LIMIT:
        return None
    opener = gzip.open if sniff.compressed else open
    with opener(source, "rb") as f:
        text = f.read().decode(sniff.encoding, errors="replace").lstrip("\ufeff")
    docs = [text]
    if sniff.first_char == "{" and text.strip().count("\n"):  # JSON Lines: one document per line
        docs = text.splitlines(keepends=True)
    offset = 0
    for line_no, doc in enumerate(docs, 1):
        try:
            if doc.strip():
                json.loads(doc.rstrip("\r\n"))
        except json.JSONDecodeError as e:
            at = len(text[:offset + e.pos].encode("utf-8"))
            line = e.lineno if len(docs) == 1 else line_no
            column = e.colno
            what = re.sub(r"\s+(starting )?at$", "", e.msg)  # Python's words end where its position went
            if truncated or (not doc[e.pos:].strip() and line_no == len(docs)):
                msg = f"the file ends before its JSON does (truncated?); the last value starts at byte {at} " \
                      f"(line {line}, column {column}): {what}"
            else:
                msg = f"malformed JSON at byte {at} (line {line}, column {column}): {what}"
            return KqlDataError(msg, path=str(sniff.path), row=line_no if len(docs) > 1 else None)
        offset += len(doc)
    return None


# ---------------------------------------------------------------- encodings

def not_utf8(sniff: detect.Sniff) -> KqlDataError | None:
    """Where a text file stops being UTF-8: the byte offset, its line and the byte; None if it
    is UTF-8 (read in blocks: a character may straddle two)."""
    if sniff.encoding not in ("utf-8", "utf-8-sig") or sniff.compressed:
        return None
    offset, line, carry = 0, 1, b""
    with open(sniff.path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            data = carry + block
            if not data:
                return None
            try:
                data.decode("utf-8")
                good = len(data)
            except UnicodeDecodeError as e:
                if block and e.end == len(data) and len(data) - e.start < 4:
                    good = e.start  # a character cut by the block's end: read on
                else:
                    line += data.count(b"\n", 0, e.start)
                    row = line - 1 if sniff.fmt == "csv" else line if sniff.lines else None
                    return KqlDataError(
                        f"not UTF-8 text: byte 0x{data[e.start]:02X} at byte {offset + e.start} (line {line}) is not "
                        "valid UTF-8 (Latin-1 or Windows-1252?); save the file as UTF-8"
                        + (" (Excel: 'CSV UTF-8')" if sniff.fmt == "csv" else ""),
                        path=str(sniff.path), row=row)
            line += data.count(b"\n", 0, good)
            offset += good
            carry = data[good:]


def first_nul(path: Path, sniff: detect.Sniff) -> KqlDataError | None:
    """A NUL byte in a text file: damage (a crash often leaves a run of zeros) or a text
    encoding kqlite was not told about. KQL strings cannot hold one, so it is refused here."""
    offset, line = 0, 1
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            at = block.find(b"\0")
            if at >= 0:
                line += block.count(b"\n", 0, at)
                exact = path == sniff.path  # offsets in a UTF-8 copy are not the file's
                where = f"byte {offset + at} (line {line})" if exact else f"line {line}"
                row = line - 1 if sniff.fmt == "csv" else line if sniff.lines else None
                return KqlDataError(f"a NUL byte (0x00) at {where}: the file is damaged, or not UTF-8 text",
                                    path=str(sniff.path), row=row if row and row > 0 else None)
            line += block.count(b"\n")
            offset += len(block)
    return None


@contextmanager
def readable_copy(sniff: detect.Sniff) -> Iterator[tuple[Path, detect.Sniff]]:
    """The file itself, or a UTF-8 copy when DuckDB cannot read its encoding (UTF-16, or a JSON
    file that starts with a byte order mark)."""
    needs_copy = sniff.encoding == "utf-16" or (sniff.encoding == "utf-8-sig" and sniff.fmt == "json")
    if not needs_copy:
        yield sniff.path, sniff
        return
    folder = Path(tempfile.mkdtemp(prefix="kqlite-"))
    try:
        copy = folder / (sniff.path.stem.removesuffix(".json").removesuffix(".csv") + (".json" if sniff.fmt == "json" else ".csv"))
        opener = gzip.open if sniff.compressed else open
        with opener(sniff.path, "rb") as src, open(copy, "wb") as dst:
            reader = codecs.getreader(sniff.encoding)(src)
            first = True
            while chunk := reader.read(1 << 20):
                if first:
                    chunk, first = chunk.lstrip("\ufeff"), False
                dst.write(chunk.encode("utf-8"))
        yield copy, dataclasses.replace(sniff, encoding="utf-8", compressed=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
