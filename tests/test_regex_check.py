"""Constant regular expressions are checked at bind time: an invalid one is a KqlTypeError (KQ323)
at the regex argument, and valid RE2 syntax that Python's re lacks is never rejected."""

from __future__ import annotations

import pytest

import kqlite
from kqlite.functions.regex_check import regex_error


@pytest.fixture(scope="module")
def db():
    return kqlite.connect()


@pytest.mark.parametrize("query, pattern", [
    ('print trim("[", "[a[")', '"["'),
    ('print trim_start("(", "a")', '"("'),
    ('print trim_end("a{2,1}", "a")', '"a{2,1}"'),
    ('print extract("(", 0, "abc")', '"("'),
    ('print extract_all(@"(\\d)(", "a1")', '@"(\\d)("'),
    ('print replace_regex("abc", "[b", "x")', '"[b"'),
    ('print replace("(", "x", "abc")', '"("'),
    ('print countof("abc", "(", "regex")', '"("'),
    ('print indexof_regex("abc", "[")', '"["'),
    ('print x = "a" matches regex "["', '"["'),
    ('print x = "a" | where x matches regex "a)"', '"a)"'),
    ('print s = "a(b" | parse kind=regex s with "a(" x:string', '"a("'),
])
def test_invalid_constant_regex_is_a_bind_error(db, query, pattern):
    with pytest.raises(kqlite.KqlTypeError) as info:
        db.compile(query)
    err = info.value
    assert err.code == "KQ323"
    assert query[err.span.start:err.span.end] == pattern
    assert any("RE2" in h for h in err.hints)


@pytest.mark.parametrize("pattern", [
    r"\pL+", r"\PL", r"\p{Greek}", r"\p{^Greek}", r"[\pL\d]+", r"(?P<name>\d+)", r"(?i)abc", r"a(?i)bc",
    r"a(?i:b)c", r"(?U)a+", r"(?s-m)a.b", r"\Q(.)[\E", r"a\z", r"\C", r"\x{263a}", r"[[:alpha:]]+",
    r"[]a]", r"[^]a]", r"\d{2,}", r"a|", r"",
    r"\\1", r"[\1]", r"[(?=]", r"x}+", r"\++", r"a+?", r"\Q(?=\1\E",
])
def test_valid_re2_is_accepted(pattern):
    assert regex_error(pattern) is None


@pytest.mark.parametrize("pattern, construct", [
    (r"(a)\1", "backreferences"), (r"(?P<n>a)(?P=n)", "backreferences"), (r"a(?=b)", "lookaround"),
    (r"a(?!b)", "lookaround"), (r"(?<=a)b", "lookaround"), (r"(?<!a)b", "lookaround"), (r"(?>a+)b", "atomic"),
    (r"a++", "possessive"), (r"a*+", "possessive"), (r"a{2,}+", "possessive"), (r"(a)?(?(1)b|c)", "conditional"),
])
def test_python_only_syntax_is_refused_as_re2_does(db, pattern, construct):
    """Python's re accepts these, RE2 (DuckDB's and Kusto's engine) does not: a bind error, not KQ502."""
    reason = regex_error(pattern)
    assert reason is not None and construct in reason and "RE2" in reason
    with pytest.raises(kqlite.KqlTypeError) as info:
        db.compile(f'print extract(@"{pattern}", 0, "ab")')
    assert info.value.code == "KQ323"


def test_valid_re2_runs(db):
    rows = db.query(r'print a = extract(@"(\pL+)", 1, "héllo1"), b = extract(@"a(?i)B", 0, "xaby"), '
                    r'c = extract(@"\Q(.\E", 0, "x(.y"), d = "ab" matches regex @"(?P<n>b)"').to_pylist()
    assert rows == [{"a": "héllo", "b": "ab", "c": "(.", "d": True}]


def test_non_constant_regex_is_not_checked(db):
    db.compile('print s = "x" | where s matches regex strcat("[", "")')
