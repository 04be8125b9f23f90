"""Internal names of one-row subqueries never capture a user column.

Builders and macros compute a value once through a one-row subquery
(`(SELECT ... FROM (SELECT kq_ip6(<arg>) AS __kq_x))`). In a FROM-less SELECT list DuckDB resolves
a column name against the list's own aliases first, so an argument that reads a user column named
like one of those aliases either fails to bind ("cannot be referenced before it is defined") or,
one level up, silently reads the alias instead. Every such alias is therefore named `__kq_*`.

(1) Every scalar function, its arguments read from a column named after each alias the builders and
macros used before they were prefixed, either runs or fails at bind time with a positioned KqlError.
(2) A source scan: no builder or macro names a subquery column without the __kq_ prefix.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from test_function_types import _queries

import kqlite
from kqlite.functions.registry import all_functions
from kqlite.sql.compiler import _has_subquery
from kqlite.sql.macros import MACROS as SQL_MACROS
from kqlite.sql.text_macros import MACROS as TEXT_MACROS

ROOT = Path(__file__).resolve().parents[1]

# the aliases of one-row subqueries in kqlite/functions/*.py and kqlite/sql/*macros.py before they
# took the __kq_ prefix, and the single-letter names that were lambda parameters or table aliases
OLD_ALIASES = ["t", "x", "y", "v", "m", "p", "s", "r", "e", "u", "i", "k", "w", "b", "d", "lo", "hi", "found",
               "keys", "bits", "tail", "hex", "addr", "hexcolon", "has_gap", "left_nums", "right_nums", "nums",
               "v4", "rr", "scheme", "rest", "root", "dir", "leaf", "filename", "stream", "sp", "lk", "rw",
               "u_to", "first", "name", "num", "prefix", "groups", "id"]
# names that always run: a cheap check for the functions whose SQL holds no subquery
FEW_ALIASES = ["t", "x", "v", "p"]

SCALARS = sorted({f.name: f for f in all_functions().values() if f.kind == "scalar"}.items())
CHUNK = 40  # calls per query: a failing chunk is retried call by call to name the culprit


def _shape(db, fn) -> list[str] | None:
    """The literal arguments of the first call of `fn` that runs (tests/test_function_types.py's values)."""
    for query in _queries(fn):
        try:
            db.query(query)
        except kqlite.KqlError:
            continue
        call = query[len("print "):]
        return _split_args(call[len(fn.name) + 1:-1])
    return None


def _split_args(text: str) -> list[str]:
    """'1, dynamic([1,2]), 'a.b'' -> the three arguments (commas inside brackets stay)."""
    out, depth, cur, quote = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    return out + ([cur.strip()] if cur.strip() else [])


def _calls(db):
    """(value of the column, call with '{col}' in one argument's place, the alias names its SQL uses)."""
    out = []
    for name, fn in SCALARS:
        args = _shape(db, fn)
        if args is None:
            continue
        sql = " ".join(db.compile(f"print {name}({', '.join(args)})"))
        used = _words(sql) & set(OLD_ALIASES) if _has_subquery(sql) else set()
        for k, value in enumerate(args):
            out.append((value, f"{name}({', '.join(args[:k] + ['{col}'] + args[k + 1:])})", used))
    return out


_MACRO_BODIES = {m.split("(", 1)[0].strip(): m for m in (*SQL_MACROS, *TEXT_MACROS)}


def _words(sql: str) -> set[str]:
    """The names in the SQL and in the macros it calls (through other macros too), __kq_ taken off,
    so that the names a subquery uses are found before and after they took the prefix."""
    words: set[str] = set()
    todo = [sql]
    while todo:
        for word in re.findall(r"[A-Za-z_]\w*", todo.pop()):
            if word in _MACRO_BODIES and word not in words:
                todo.append(_MACRO_BODIES[word])
            words.add(word)
    return {w.removeprefix("__kq_") for w in words}


def _query(col: str, value: str, calls: list[str]) -> str:
    items = ", ".join(f"r{n} = {c.replace('{col}', col)}" for n, c in enumerate(calls))
    return f"range i_ from 1 to 2 step 1 | extend {col} = {value} | extend {items} | extend {col} = {col}"


def _check(db, query: str) -> str | None:
    """None when the query runs or fails at bind time with a positioned KqlError, else the problem."""
    try:
        db.query(query)
    except kqlite.KqlRuntimeError as e:
        return f"{query}: DuckDB rejected what the binder accepted: {e}"
    except kqlite.KqlError as e:
        if e.span is None or e.line is None:
            return f"{query}: error without a position: {e}"
    except Exception as e:  # noqa: BLE001 - any other exception is the failure this test looks for
        return f"{query}: {type(e).__name__}: {e}"
    return None


def _runnable(db, col: str, value: str, calls: list[str]) -> tuple[list[str], list[str]]:
    """The calls that run with the column named `col`, and the problems of those that fail badly
    (a call that fails at bind time with a positioned KqlError, e.g. one wanting a constant, is dropped)."""
    ok, problems = [], []
    for at in range(0, len(calls), CHUNK):
        chunk = calls[at:at + CHUNK]
        if _runs(db, _query(col, value, chunk)):
            ok += chunk
            continue
        for call in chunk:
            query = _query(col, value, [call])
            if _runs(db, query):
                ok.append(call)
            elif (problem := _check(db, query)) is not None:
                problems.append(problem)
    return ok, problems


def _runs(db, query: str) -> bool:
    try:
        db.query(query)
    except Exception:  # noqa: BLE001 - _check tells which failures are problems
        return False
    return True


def test_argument_columns_named_like_internal_aliases():
    """Each call with a subquery, under each old alias its SQL uses; every call under a few names."""
    db = kqlite.connect()
    calls = _calls(db)
    assert sum(1 for c in calls if c[2]) >= 20, "the subquery detection found too few functions"
    problems = []
    groups: dict[str, list[str]] = {}
    for value, call, used in calls:
        if not used:  # many calls without a subquery run fast as one query
            groups.setdefault(value, []).append(call)
    for col in FEW_ALIASES:
        for value, group in groups.items():
            problems += _runnable(db, col, value, group)[1]
    for value, call, used in calls:  # one at a time: DuckDB plans many correlated subqueries slowly
        for col in sorted(used | set(FEW_ALIASES)) if used else []:
            problems += _runnable(db, col, value, [call])[1]
    assert not problems, "\n".join(problems[:20])


def test_the_alias_check_can_fail(monkeypatch):
    """The check above notices a column captured by a subquery alias (the builder as it was)."""
    registry = all_functions()
    old = "(SELECT kq_ip6_in_range(x, r) FROM (SELECT kq_ip6({0}) AS x, kq_ip6({1}) AS r))"
    monkeypatch.setitem(registry, "ipv6_is_in_range", dataclasses.replace(registry["ipv6_is_in_range"], sql=old))
    db = kqlite.connect()
    assert _check(db, _query("y", "'::1'", ["ipv6_is_in_range({col}, '::1')"])) is None
    assert "DuckDB rejected" in _check(db, _query("x", "'::1'", ["ipv6_is_in_range({col}, '::1')"]))
    assert _check(db, _query("x", "'::1'", ["ipv6_is_in_range({col})"])) is None  # a positioned bind error


# ---------------------------------------------------------------- the code itself

# Modules whose strings are scalar SQL (builders and macros): every `AS name` there names a column
# of a one-row subquery, or a table alias in a FROM clause, and must carry the __kq_ prefix.
SCALAR_SQL = [*sorted((ROOT / "kqlite" / "functions").glob("*.py")),
              ROOT / "kqlite" / "sql" / "macros.py", ROOT / "kqlite" / "sql" / "text_macros.py"]
# (module, name): why this `AS name` is not a subquery column
ALLOWED = {}
_AS_NAME = re.compile(r"\bAS\s+(?!__kq_)([a-z_][A-Za-z0-9_]*)\b")  # SQL types are written in capitals
_MACRO_HEAD = re.compile(r"^\s*kq_\w+\([^()]*\)\s+AS\s+")  # `kq_name(params) AS body`


def _unprefixed_aliases(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = _MACRO_HEAD.sub("", node.value)
            found += [m.group(1) for m in _AS_NAME.finditer(text)]
    return found


def test_subquery_columns_carry_the_internal_prefix():
    offenders = []
    for path in SCALAR_SQL:
        rel = path.relative_to(ROOT / "kqlite").as_posix()
        offenders += [f"{rel}: AS {name}" for name in _unprefixed_aliases(path) if (rel, name) not in ALLOWED]
    assert not offenders, "name subquery columns __kq_* (a user column can have any other name): " + "; ".join(offenders)


def test_the_scan_sees_unprefixed_aliases(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text('A = "kq_f(s) AS (SELECT v FROM (SELECT g(s) AS v, CAST(s AS BIGINT) AS __kq_n))"\n'
                      'B = f"(SELECT x FROM (SELECT {y} AS x))"\n', encoding="utf-8")
    assert _unprefixed_aliases(sample) == ["v", "x"]


@pytest.mark.parametrize("query,expected", [
    ('range t from 1 to 3 step 1 | where isnull(ipv6_is_match(tostring(t), "::1")) | summarize count() by bin(t, 2)',
     [{"t": 0, "count_": 1}, {"t": 2, "count_": 2}]),
    ('datatable(x: string, y: string)["::1", "0:0::1"] | project m = ipv6_is_match(x, y)', [{"m": True}]),
    ('datatable(v: string)["10.1.2.3"] | project p = ipv4_is_private(v), q = parse_ipv4(v), f = format_ipv4_mask(v, 8)',
     [{"p": True, "q": 167838211, "f": "10.0.0.0/8"}]),
    ('datatable(t: string)["a b a"] | project r = replace_strings(t, dynamic(["a"]), dynamic(["c"]))', [{"r": "c b c"}]),
    ('datatable(rest: string)[@"C:\\x\\y.txt"] | project r = tostring(parse_path(rest).Filename)', [{"r": "y.txt"}]),
    ('datatable(v: real, d: long, e: string)[1536, 1, "KB"] | project r = format_bytes(v, d, e)', [{"r": "1.5 KB"}]),
])
def test_the_fuzzer_cases_give_kusto_results(query, expected):
    db = kqlite.connect()
    assert sorted(db.query(query).to_pylist(), key=str) == expected
