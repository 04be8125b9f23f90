"""Injection: every way user text reaches SQL, tried with SQL-breaking text.

Ways in: string literals (regular, single-quoted, verbatim, multi-line, obfuscated), bracketed
identifiers, regexes (matches regex, extract, replace_regex, parse kind=regex), dynamic literals
and paths, query parameters (API and --param), table names from file names (ingest, --data,
register), column names from file headers, stored function bodies, parse patterns, render titles.

Each attempt must come back as the literal value it spells (round trip) or as a KqlError, and
afterwards the tables are intact and no file was written. tests/test_safety.py holds the
smaller first checks (quoting functions, unknown functions); tests/test_external_access.py proves
that a query cannot reach files, extensions or the catalog by any other road.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import kqlite
from kqlite.loaders import ingest, load, read_file

ROOT = Path(__file__).resolve().parents[1]

# Files an attack would create if it reached SQL. None may exist after any test.
WRITE_TARGETS = [Path(f"/tmp/kqlite_injection_{n}") for n in ("copy.csv", "t.csv", "db.duckdb", "fn.csv", "p.csv")]

ATTACKS = [
    "'; DROP TABLE T; --",
    "\"); COPY (SELECT 1) TO '/tmp/kqlite_injection_copy.csv'; --",
    "'); COPY T TO '/tmp/kqlite_injection_t.csv' (HEADER); --",
    "' || (SELECT current_setting('threads')) || '",
    "' || getenv('HOME') || '",
    "'; ATTACH '/tmp/kqlite_injection_db.duckdb' AS x; --",
    "'; INSTALL httpfs; LOAD httpfs; SET enable_external_access = true; --",
    "/* */ ' OR 1=1 /*",
    "*/ '; SELECT 1; --",
    "-- '\n'; DROP TABLE T; --",
    "$$'; DROP TABLE T; $$",
    "$q$ ' $q$",
    "\\'; DROP TABLE T; --",
    "\\\\'; DROP TABLE T; --",
    "'' '''' \"\" \"\"\"\"",
    "\"; DROP TABLE \"T\"; --",
    "]; DROP TABLE T; --",
    "`; DROP TABLE T; --`",
    "\u2019; DROP TABLE T; --",  # ’ right single quote
    "\uff07 OR 1=1 --",  # ＇ fullwidth apostrophe
    "\u02bc\u2018\u201c\u201d",  # ʼ ‘ “ ”
    "\u202e'; DROP TABLE T; --",  # right-to-left override
    "{0} {} %s %(x)s {a[0].sql}",  # format-string tricks for SQL templates
    "tab\there\r\nand\u2028there",
    "ünïcødé 🙂 \U0001f600 ß",
]
NUL_ATTACKS = ["a\0b'; DROP TABLE T; --", "\0", "'\0'"]


# ---------------------------------------------------------------- KQL spellings of a text


def regular(s: str, quote: str = '"') -> str:
    body = s.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n").replace("\r", "\\r")
    body = body.replace("\t", "\\t").replace("\0", "\\0")
    return quote + body + quote


def verbatim(s: str, quote: str = '"') -> str:
    return "@" + quote + s.replace(quote, quote * 2) + quote


def multiline(s: str) -> str:
    return "```" + s + "```"


SPELLINGS = {
    "double": lambda s: regular(s, '"'),
    "single": lambda s: regular(s, "'"),
    "verbatim_double": lambda s: verbatim(s, '"'),
    "verbatim_single": lambda s: verbatim(s, "'"),
    "multiline": multiline,
    "obfuscated": lambda s: "h" + regular(s, '"'),
}


def spellable(spelling: str, s: str) -> bool:
    if spelling == "multiline":
        return "`" not in s
    if spelling.startswith("verbatim"):
        return "\0" not in s
    return True


def bracket(name: str, quote: str = "'") -> str:
    """['name'] / ["name"]: a bracketed identifier, backslash-escaped like a string."""
    return "[" + regular(name, quote) + "]"


def regex_escape(s: str) -> str:
    """A RE2 pattern matching s literally."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", s)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def db():
    for target in WRITE_TARGETS:
        target.unlink(missing_ok=True)
    d = kqlite.connect()
    d.register("T", pa.table({"Computer": ["web-01", "db-01"], "n": [1, 2]}))
    d.register("y", pa.table({"keep": [1]}))
    return d


@pytest.fixture(autouse=True)
def nothing_broken(request):
    yield
    for target in WRITE_TARGETS:
        assert not target.exists(), f"{target} was written"
    if "db" in request.fixturenames:
        d = request.getfixturevalue("db")
        assert d.query("T | count").to_pylist() == [{"Count": 2}]
        assert d.query("y | count").to_pylist() == [{"Count": 1}]
        assert {"T", "y"} <= set(d.tables)


def round_trip(db, kql_value: str, expected: str, query: str = "print x = {v}") -> None:
    """The query returns exactly `expected` in column x, or (for NUL) a KqlError."""
    text = query.format(v=kql_value)
    if "\0" in expected:
        with pytest.raises(kqlite.KqlError):
            db.query(text)
        return
    rows = db.query(text).to_pylist()
    assert rows and rows[0]["x"] == expected, text


# ---------------------------------------------------------------- string literals

LITERAL_CASES = [(name, a) for name in SPELLINGS for a in ATTACKS + NUL_ATTACKS if spellable(name, a)]


@pytest.mark.parametrize("spelling,attack", LITERAL_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(LITERAL_CASES)])
def test_string_literal_round_trips(db, spelling, attack):
    lit = SPELLINGS[spelling](attack)
    round_trip(db, lit, attack)
    if "\0" not in attack:
        round_trip(db, lit, attack, "T | take 1 | extend x = strcat({v}, '') | project x")
        assert db.query(f"T | where Computer == {lit} or Computer has {lit} | count").to_pylist() == [{"Count": 0}]
        assert db.query(f"T | summarize by x = {lit}").to_pylist() == [{"x": attack}]


def test_nul_is_refused_with_a_position(db):
    for text in ('print "a\\0b"', "print 'a\\0'", "print ['a\\0b'] = 1", 'print "a\0b"', "print dynamic({'\\0': 1})",
                 "print s = 'x' | parse s with 'a\\0' y"):
        with pytest.raises(kqlite.KqlError) as info:
            db.query(text)
        assert info.value.span is not None, text
    with pytest.raises(kqlite.KqlError) as info:
        db.query("declare query_parameters(p:string); print p", {"p": "a\0'; DROP TABLE T; --"})
    assert info.value.span is not None


# ---------------------------------------------------------------- identifiers


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("quote", ["'", '"'])
def test_bracketed_identifiers_stay_names(db, attack, quote):
    name = bracket(attack, quote)
    out = db.query(f"T | project {name} = n | where {name} > 1 | extend y = {name} * 2 | summarize by {name}, y "
                   f"| project-rename r = {name} | project {name} = r")
    assert out.column_names == [attack]
    assert out.to_pylist() == [{attack: 2}]


def test_bracketed_names_with_brackets_and_doubled_quotes(db):
    assert db.query('print [" ] "] = 1').column_names == [" ] "]
    assert db.query("print ['a\\'b'] = 1").column_names == ["a'b"]
    with pytest.raises(kqlite.KqlSyntaxError):
        db.query("print ['a''b'] = 1")  # not KQL: a clear syntax error, never half-parsed


@pytest.mark.parametrize("attack", ATTACKS)
def test_registered_table_names(attack):
    d = kqlite.connect()
    d.register("Keep", pa.table({"a": [1]}))
    d.register(attack, pa.table({attack: ["v"]}))
    assert d.query(f"{bracket(attack)} | project x = {bracket(attack)}").to_pylist() == [{"x": "v"}]
    assert d.query("Keep | count").to_pylist() == [{"Count": 1}]
    assert d.schema(attack) == [(attack, "string")]


# ---------------------------------------------------------------- regexes, parse, dynamic


@pytest.mark.parametrize("attack", ATTACKS)
def test_regex_functions_take_text_as_patterns_only(db, attack):
    lit = regular(attack)
    pattern = regular(regex_escape(attack))
    round_trip(db, lit, attack, 'print x = extract("(?s)(.*)", 1, {v})')
    assert db.query(f"print m = {lit} matches regex {pattern}").to_pylist() == [{"m": True}]
    assert db.query(f"print x = extract({pattern}, 0, {lit})").to_pylist() == [{"x": attack}]
    assert db.query(f"print n = countof({lit}, {pattern}, 'regex')").to_pylist() == [{"n": 1}]
    round_trip(db, lit, attack, 'print x = replace_string("X", "X", {v})')
    if "\\" not in attack and "$" not in attack:  # otherwise group references, by design
        round_trip(db, lit, attack, 'print x = replace_regex("X", "X", {v})')
    out = db.query(f"print x = extract_all({regular('(' + regex_escape(attack) + ')')}, {lit})").to_pylist()
    assert json.loads(out[0]["x"]) == [attack]


@pytest.mark.parametrize("attack", [a for a in ATTACKS if "\n" not in a])
def test_parse_patterns(db, attack):
    lit = regular(attack)
    base = f"print s = strcat('head', {lit}, 'tail')"
    assert db.query(f"{base} | parse s with 'head' {lit} rest | project rest").to_pylist() == [{"rest": "tail"}]
    assert db.query(f"{base} | parse s with 'head' x {lit[:-1]}tail\" | project x").to_pylist() == [{"x": ""}]
    assert db.query(f"{base} | parse kind=regex s with 'head' {regular(regex_escape(attack))} rest "
                    "| project rest").to_pylist() == [{"rest": "tail"}]


@pytest.mark.parametrize("attack", ATTACKS)
def test_dynamic_values_keys_and_paths(db, attack):
    lit = regular(attack)
    out = db.query(f"print d = dynamic({{'k': {lit}, {lit}: 7}}) | extend x = tostring(d.k), "
                   f"y = toint(d[{lit}]), z = tostring(bag_pack({lit}, 1)) | project x, y, z").to_pylist()
    assert out[0]["x"] == attack and out[0]["y"] == 7
    assert json.loads(out[0]["z"]) == {attack: 1}
    as_json = json.dumps({"a": attack, attack: [attack]})
    parsed = db.query(f"print d = parse_json({regular(as_json)}) | extend x = tostring(d.a), "
                      f"y = tostring(d[{lit}][0]) | project x, y").to_pylist()
    assert parsed == [{"x": attack, "y": attack}]


def test_dynamic_path_keys_that_look_like_json_paths(db):
    out = db.query("print d = dynamic({'a.b': 1, \"x'y\": 2, 'q\"z': 3, '$': 4, '[0]': 5, '*': 6}) "
                   "| project v1 = d['a.b'], v2 = d[\"x'y\"], v3 = d['q\"z'], v4 = d['$'], v5 = d['[0]'], "
                   "v6 = d['*'], v7 = d[\"']\"]").to_pylist()
    assert [json.loads(v) if v is not None else None for v in out[0].values()] == [1, 2, 3, 4, 5, 6, None]


# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("attack", ATTACKS)
def test_query_parameters(db, attack):
    text = "declare query_parameters(p:string); T | where Computer != p | project x = strcat(p, '') | take 1"
    assert db.query(text, {"p": attack}).to_pylist() == [{"x": attack}]
    default = f"declare query_parameters(p:string = {regular(attack)}); print x = p"
    assert db.query(default).to_pylist() == [{"x": attack}]
    with pytest.raises(kqlite.KqlError):
        db.query("declare query_parameters(n:long); print x = n", {"n": attack})
    with pytest.raises(kqlite.KqlError):
        db.query("declare query_parameters(t:datetime); print x = t", {"t": attack})


def test_param_on_the_command_line():
    for attack in ("'; DROP TABLE T; --", "\"); COPY (SELECT 1) TO '/tmp/kqlite_injection_p.csv'; --"):
        r = subprocess.run([sys.executable, "-m", "kqlite.cli", "query", "--format", "jsonl", "--param", f"p={attack}",
                            "-c", "declare query_parameters(p:string); print x = p"],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout.splitlines()[0]) == {"x": attack}


# ---------------------------------------------------------------- names from files

FILE_NAMES = ["x'; DROP TABLE y; --", "\"); COPY (SELECT 1) TO '_kqlite_injection_fn.csv'; --", "a\"b", "semi;colon"]
HEADER = ["a'b", "c;d", 'e"f', "--g", "/*h*/", "'); DROP TABLE y; --"]


def _write_csv(path: Path) -> None:
    def cell(s: str) -> str:
        return '"' + s.replace('"', '""') + '"'

    path.write_text(",".join(cell(h) for h in HEADER) + "\n" + ",".join(cell(f"v{i}") for i in range(len(HEADER)))
                    + "\n", encoding="utf-8")


def test_table_and_column_names_from_files_at_ingest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative COPY target would land here
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "y.csv").write_text("keep\n1\n", encoding="utf-8")
    for name in FILE_NAMES:
        _write_csv(exports / f"{name}.csv")
    store = tmp_path / "fleet.duckdb"
    ingest([exports], store)
    d = kqlite.connect(store)
    assert d.query("y | count").to_pylist() == [{"Count": 1}]
    others = [t for t in d.tables if t.lower() != "y"]
    assert others, d.tables
    for table in others:
        assert [c for c, _ in d.schema(table) if not c.startswith("_")] == HEADER  # + the store's _SnapshotTime
        cols = ", ".join(f"{bracket(h)}" for h in HEADER)
        rows = d.query(f"{bracket(table)} | project {cols} | take 1").to_pylist()
        assert rows == [{h: f"v{i}" for i, h in enumerate(HEADER)}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "fleet.duckdb"]


def test_column_names_from_a_file_header(tmp_path):
    path = tmp_path / "x'; DROP TABLE y; --.csv"
    _write_csv(path)
    table = read_file(path)
    assert table.column_names == HEADER
    d = kqlite.connect()
    d.register("y", pa.table({"keep": [1]}))
    d.register("Data", path)
    assert d.query(f"Data | project x = {bracket(HEADER[-1])}").to_pylist() == [{"x": f"v{len(HEADER) - 1}"}]
    assert d.query("y | count").to_pylist() == [{"Count": 1}]


def test_table_names_from_files_with_data_option(tmp_path):
    for name in FILE_NAMES:
        _write_csv(tmp_path / f"{name}.csv")
    d = kqlite.connect()
    for name, (table, types) in load([tmp_path]).items():
        d.register(name, table, kql_types=types)
    assert len(d.tables) >= 1
    for table in d.tables:
        assert d.query(f"{bracket(table)} | count").to_pylist()[0]["Count"] >= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.csv" for n in FILE_NAMES)


# ---------------------------------------------------------------- stored functions, render


@pytest.mark.parametrize("attack", ATTACKS[:8])
def test_stored_function_bodies(tmp_path, attack):
    (tmp_path / "Evil.kql").write_text(
        f".create-or-alter function with (docstring = {regular(attack)}) Evil(p:string = {regular(attack)}) "
        f"{{ print x = strcat(p, {regular(attack)}) }}", encoding="utf-8")
    d = kqlite.connect(functions=tmp_path)
    d.register("T", pa.table({"a": [1]}))
    assert d.query("Evil()").to_pylist() == [{"x": attack + attack}]
    assert d.query(f"Evil({regular(attack)})").to_pylist() == [{"x": attack + attack}]
    assert d.functions["Evil"].docstring == attack
    assert d.query("T | count").to_pylist() == [{"Count": 1}]


def test_stored_function_names_are_kql_names(tmp_path):
    (tmp_path / "bad.kql").write_text(".create-or-alter function ['x; DROP TABLE T'](){ print 1 }", encoding="utf-8")
    try:
        d = kqlite.connect(functions=tmp_path)
    except kqlite.KqlError:
        return  # refused clearly
    assert d.query("print y = 1").to_pylist() == [{"y": 1}]  # or kept as a plain name that never reaches SQL


@pytest.mark.parametrize("attack", ATTACKS)
def test_render_titles(db, attack):
    result = db.execute(f"T | render columnchart with (title={regular(attack)}, xtitle={regular(attack)})")[-1]
    kind, props = result.render
    assert props["title"] == attack and props["xtitle"] == attack


# ---------------------------------------------------------------- the code itself

# Modules whose f-strings build SQL. An f-string that puts an interpolated value between quote
# characters (`'{x}'`), or interpolates with !r, writes a literal or identifier by hand: it must go
# through kqlite/sql/quote.py instead, unless the value is a constant of the code (listed here, why).
SQL_BUILDERS = ["sql", "functions", "semantic", "loaders", "engine.py", "limits.py"]
HAND_QUOTED_CONSTANTS = {
    ("functions/datetime_fns.py", "_PART_SQL[part]"): "a DuckDB part name from a fixed table",
    ("functions/datetime_fns.py", "part"): "checked against the fixed part names first",
    ("functions/datetime_fns.py", "'%b' if n == 3 else '%B'"): "strftime codes",
    ("functions/datetime_fns.py", "'%a' if n == 3 else '%A'"): "strftime codes",
    ("functions/dynamic.py", "b"): "a comparison string in Python, not SQL",
    ("functions/dynamic.py", "c"): "a comparison string in Python, not SQL",
    ("functions/math_fns.py", "unit"): "a date_trunc unit from a fixed table",
    ("functions/series.py", "k"): "struct field names fixed by the code",
    ("functions/strings.py", "k"): "JSON field names fixed by the code",
    ("functions/strings.py", "_URL_PARTS!r"): "a constant list of regex group names",
    ("functions/strings.py", "f"): "struct field names of parse_command_line's state, fixed by the code",
    ("functions/extras.py", "message.value"): "assert()'s message text, which quote_string then quotes whole",
    ("functions/network.py", "_QUAD"): "a constant IPv4 regex",
    ("functions/network.py", "wanted_shape"): "one of two constant IPv4 regexes",
    ("functions/units.py", "f!r"): "a float's repr from the unit tables: a SQL numeric literal",
    ("functions/units.py", "_TILT"): "a constant unit name",
    ("loaders/store.py", "FILES"): "the store's own table name",
    ("loaders/diagnose.py", "dup.group(1)"): "an error message (KqlDataError), not SQL",
    ("semantic/operators.py", "end"): "a constant regex fragment",
    ("semantic/operators.py", "flags"): "a constant regex flag",
    ("sql/quote.py", "v!r"): "a finite float's repr: a SQL numeric literal",
    ("semantic/plugins_lookup.py", "o"): "struct field names of the parsed IPv4 octets, fixed by the code",
    ("semantic/plugins_lookup.py", "f"): "the struct fields lo/hi of an address block, fixed by the code",
}


def _hand_quoted(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr) or _is_message(node, parents):
            continue
        parts = node.values
        for i, part in enumerate(parts):
            if not isinstance(part, ast.FormattedValue):
                continue
            before = parts[i - 1].value if i and isinstance(parts[i - 1], ast.Constant) else ""
            after = parts[i + 1].value if i + 1 < len(parts) and isinstance(parts[i + 1], ast.Constant) else ""
            if before[-1:] in ("'", '"') and after[:1] == before[-1:]:
                found.append(ast.unparse(part.value))
            elif part.conversion == ord("r"):
                found.append(ast.unparse(part.value) + "!r")
    return found


def _is_message(node: ast.AST, parents: dict) -> bool:
    """Inside a raise, an error constructor or a hint: text for people, not SQL."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            fn = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if fn.endswith(("Error", "Exception")) or fn in ("did_you_mean", "warn", "print"):
                return True
        if isinstance(node, (ast.FunctionDef, ast.Module)):
            return False
    return False


def test_sql_is_quoted_only_through_quote_py():
    pkg = ROOT / "kqlite"
    offenders = []
    for entry in SQL_BUILDERS:
        paths = [pkg / entry] if entry.endswith(".py") else sorted((pkg / entry).rglob("*.py"))
        for path in paths:
            rel = path.relative_to(pkg).as_posix()
            for expr in _hand_quoted(path):
                if (rel, expr) not in HAND_QUOTED_CONSTANTS:
                    offenders.append(f"{rel}: {expr}")
    assert not offenders, "quote user values with kqlite.sql.quote (or list a constant here): " + "; ".join(offenders)


def test_the_scan_sees_hand_quoting(tmp_path):
    """The check above can fail: it finds a quoted interpolation and ignores error messages."""
    sample = tmp_path / "m.py"
    sample.write_text("def f(x):\n    if x:\n        raise ValueError(f\"bad '{x}'\")\n"
                      "    return f\"SELECT '{x}', {x!r}\"\n", encoding="utf-8")
    assert _hand_quoted(sample) == ["x", "x!r"]
