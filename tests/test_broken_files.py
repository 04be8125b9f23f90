"""The broken-file corpus (tests/data/broken/, written by its make_broken.py): each file either
gives a KqlDataError naming the file and where in it (row, line or byte) the problem is, in
kqlite's words rather than DuckDB's or pyarrow's, and leaves the store exactly as it was; or,
where reading it is the right answer, loads with the right rows."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from store_state import state

import kqlite
from kqlite.loaders import ingest, read_file

BROKEN = Path(__file__).parent / "data" / "broken"
GOOD = Path(__file__).parent / "data" / "generic" / "perf_2024-06-01.csv"

# file -> (row or None, fragments the message must contain)
ERRORS: dict[str, tuple[int | None, list[str]]] = {
    "truncated_in_quotes.csv": (4, ["a quoted value is never closed", "cut off", "(line 5)"]),
    "truncated_row.csv": (4, ["expected 3 columns (as in the header), found 2 (line 5)"]),
    "truncated.json": (None, ["the file ends before its JSON does (truncated?)", "byte 161 (line 17, column 4)"]),
    "truncated.jsonl": (5, ["the file ends before its JSON does (truncated?)", "byte 143 (line 5, column 20)"]),
    "truncated.parquet": (None, ["not a complete Parquet file", "'PAR1'", "ends at byte 880"]),
    "az_graph_truncated.json": (None, ["the file ends before its JSON does", "byte 472"]),
    "utf16_no_bom.csv": (None, ["UTF-16 (little-endian) without a byte order mark", "from byte 1", "save the file as UTF-8"]),
    "utf16_no_bom.json": (None, ["UTF-16 (little-endian) without a byte order mark", "from byte 1"]),
    "latin1.csv": (1, ["not UTF-8 text: byte 0xFC at byte 18 (line 2)", "Latin-1", "save the file as UTF-8"]),
    "latin1.jsonl": (2, ["not UTF-8 text: byte 0xFC at byte 48 (line 2)"]),
    "empty.csv": (None, ["the file is empty (0 bytes)"]),
    "empty.json": (None, ["the file is empty (0 bytes)"]),
    "empty.parquet": (None, ["the file is empty (0 bytes)"]),
    "blank.csv": (None, ["only blank space (4 bytes)"]),
    "duplicate_columns.csv": (None, ["the column 'name' appears twice (columns 1 and 3, line 1)"]),
    "duplicate_columns_case.csv": (None, ["the column 'Name' appears twice (columns 1 and 2, line 1)"]),
    "duplicate_keys.json": (1, ["the object has the key 'name' twice"]),
    "unbalanced_quotes.csv": (2, ["a quoted value is never closed", "(line 3)"]),
    "extra_column.csv": (2, ["expected 2 columns (as in the header), found 3 (line 3)"]),
    "nul_bytes.csv": (1, ["a NUL byte (0x00) at byte 23 (line 2)"]),
    "nul_tail.csv": (2, ["a NUL byte (0x00) at byte 29 (line 3)", "damaged"]),
    "nul_bytes.jsonl": (2, ["a NUL byte (0x00) at byte 33 (line 2)"]),
    "not_a_row.json": (2, ["expected an object (a row), found a number"]),
    "list_of_lists.json": (1, ["expected JSON objects", "found an array"]),
    "az_graph_data_object.json": (None, ["an az graph result whose \"data\" is an object (at byte 13)"]),
    "az_graph_data_numbers.json": (1, ["\"data\"[0] is a number, not an object"]),
    "az_graph_row_not_object.json": (2, ["\"data\"[1] is a string, not an object"]),
    "azcmagent_show_text.json": (None, ["named .json but is not JSON: byte 0 (line 1) starts 'Resource Name",
                                        "azcmagent show` writes JSON with --json"]),
    "azcmagent_show_truncated.json": (None, ["the file ends before its JSON does", "byte 61 (line 1, column 62)"]),
}

# file -> (table, {column: KQL type}, rows)
LOADS: dict[str, tuple[str, dict[str, str], list[dict]]] = {
    "utf8_bom.csv": ("utf8_bom", {"name": "string", "status": "string", "cores": "long"},
                     [{"name": "web-01", "status": "Connected", "cores": 4}, {"name": "web-02", "status": "Offline", "cores": 8},
                      {"name": "web-03", "status": "Connected", "cores": 2}]),
    "utf8_bom.json": ("utf8_bom", {"name": "string", "cores": "long"},
                      [{"name": "web-01", "cores": 1}, {"name": "web-02", "cores": 2}]),
    "utf8_bom.jsonl": ("utf8_bom", {"name": "string", "cores": "long"},
                       [{"name": "web-01", "cores": 1}, {"name": "web-02", "cores": 2}]),
    "utf16_bom.csv": ("utf16_bom", {"name": "string", "status": "string", "cores": "long"},
                      [{"name": "web-01", "status": "Connected", "cores": 4}, {"name": "web-02", "status": "Offline", "cores": 8},
                       {"name": "web-03", "status": "Connected", "cores": 2}]),
    # a column whose values disagree: text in CSV, dynamic (each value as it is) in JSON
    "mixed_types.csv": ("mixed_types", {"name": "string", "cores": "string"},
                        [{"name": "web-01", "cores": "4"}, {"name": "web-02", "cores": "eight"}]),
    "mixed_types.jsonl": ("mixed_types", {"name": "string", "cores": "dynamic"},
                          [{"name": "web-01", "cores": "4"}, {"name": "web-02", "cores": '"eight"'}]),
    # the export of a query that found nothing: a table with its columns and no rows
    "header_only.csv": ("header_only", {"name": "string", "status": "string", "cores": "string"}, []),
}


def test_every_file_of_the_corpus_has_a_case():
    corpus = {p.name for p in BROKEN.iterdir() if p.suffix != ".py"}
    assert corpus == set(ERRORS) | set(LOADS)


def test_the_corpus_is_what_its_script_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_broken", BROKEN / "make_broken.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, content in module.files().items():
        data = content if isinstance(content, bytes) else content.encode()
        assert (BROKEN / name).read_bytes() == data, name


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    """A store holding one good export: what a bad file must leave untouched."""
    db = tmp_path_factory.mktemp("base") / "fleet.duckdb"
    ingest([GOOD], db, progress=False)
    return db


@pytest.fixture()
def store(base_store, tmp_path) -> Path:
    db = tmp_path / "fleet.duckdb"
    shutil.copy(base_store, db)
    return db


def _position(err: kqlite.KqlDataError) -> bool:
    return err.row is not None or bool(re.search(r"\b(byte|line) \d+|\(\d+ bytes?\)", str(err)))


def _in_own_words(message: str) -> bool:
    """Not DuckDB's or pyarrow's message passed through."""
    return not re.search(r"(Invalid Input|Binder|Conversion|IO|Parser) Error|Possible fix|ArrowInvalid|magic bytes"
                         r"|read_csv|read_json|ignore_errors|Traceback", message)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_a_bad_file_is_a_positioned_error_and_changes_nothing(store, name):
    path = BROKEN / name
    row, fragments = ERRORS[name]
    before = state(store)
    with pytest.raises(kqlite.KqlDataError) as e:
        ingest([path], store, progress=False)
    err = e.value
    assert err.path == str(path) and err.row == row, str(err)
    message = str(err)
    assert message.startswith(f"error[KQ600]: {path}" + (f", row {row}: " if row else ": ")), message
    for fragment in fragments:
        assert fragment in message
    assert _position(err) and _in_own_words(message), message
    assert state(store) == before
    # --skip-bad: the ingest commits nothing from it either, and lists it
    report = ingest([path], store, skip_bad=True, progress=False)
    assert [f.status for f in report.files] == ["bad"] and str(report.files[0].error) == str(err).replace(
        "; nothing was ingested", "")
    assert state(store) == before
    # and `kqlite query --data` (read_file / load) says the same
    with pytest.raises(kqlite.KqlDataError) as again:
        read_file(path)
    assert str(again.value) == str(err).replace("; nothing was ingested", "")


def test_a_bad_first_file_leaves_no_store(tmp_path):
    db = tmp_path / "new.duckdb"
    with pytest.raises(kqlite.KqlDataError):
        ingest([BROKEN / "truncated.parquet"], db, progress=False)
    assert list(tmp_path.iterdir()) == []


def _check_loaded(path: Path, store: Path, table: str, types: dict[str, str], rows: list[dict]) -> None:
    arrow = read_file(path)
    assert {f.name: f.metadata[b"kql_type"].decode() for f in arrow.schema} == types
    assert arrow.to_pylist() == rows
    report = ingest([path], store, progress=False)
    assert [(f.status, f.table, f.added) for f in report.files] == [("added", table, len(rows))]
    with kqlite.connect(store) as db:
        assert db.query(f"['{table}'] | count").to_pylist() == [{"Count": len(rows)}]


@pytest.mark.parametrize("name", sorted(LOADS))
def test_a_file_that_is_only_odd_loads(store, name):
    table, types, rows = LOADS[name]
    _check_loaded(BROKEN / name, store, table, types, rows)


BIG = 5 << 20  # a 5 MB value: more than DuckDB's default 2 MB line limit for CSV


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_a_huge_single_line_loads(store, tmp_path, suffix):
    blob = "x" * BIG
    rows = [{"name": "web-01", "blob": blob}, {"name": "web-02", "blob": "small"}]
    path = tmp_path / f"huge_line{suffix}"
    if suffix == ".csv":
        path.write_text("name,blob\n" + "".join(f"{r['name']},{r['blob']}\n" for r in rows))
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        path.write_text(json.dumps(rows))  # the whole document on one line
    _check_loaded(path, store, "huge_line", {"name": "string", "blob": "string"}, rows)


def test_a_huge_line_with_a_bad_row_after_it_is_still_found_by_row(store, tmp_path):
    path = tmp_path / "huge_bad.csv"
    path.write_text(f"name,blob\nweb-01,{'x' * BIG}\nweb-02,small,extra\n")
    before = state(store)
    with pytest.raises(kqlite.KqlDataError) as e:
        ingest([path], store, progress=False)
    assert e.value.row == 2 and "expected 2 columns (as in the header), found 3 (line 3)" in str(e.value)
    assert state(store) == before


def test_a_bad_file_among_good_ones_rolls_all_back(store):
    before = state(store)
    files = [BROKEN / "utf8_bom.csv", BROKEN / "nul_tail.csv", BROKEN / "mixed_types.csv"]
    with pytest.raises(kqlite.KqlDataError) as e:
        ingest(files, store, progress=False)
    assert [f.status for f in e.value.report.files] == ["added", "bad", "added"]
    assert state(store) == before
