"""parse-kv's scanner (functions/kv_text.py) and ipv6_lookup's block bounds (functions/ip_ranges.py),
on the edge cases the docs' examples do not reach. The operator end to end is in tests/golden/parse-kv/."""

from __future__ import annotations

import json

import pytest

from kqlite.functions.ip_ranges import ip6_block, kq_py_ip6_block
from kqlite.functions.kv_text import KvSpec, kq_py_parse_kv, parse_kv


def spec(keys="a b c", **kw) -> KvSpec:
    return KvSpec(tuple(keys.split()), **kw)


@pytest.mark.parametrize("text, options, expected", [
    # first appearance wins; whitespace around keys and values is ignored
    ("a=1, b = two , a=3", dict(pair_delimiter=",", kv_delimiter="="), {"a": "1", "b": "two"}),
    # multi-character delimiters; a value may hold the kv delimiter
    ("a:=x:=y;;b:=2", dict(pair_delimiter=";;", kv_delimiter=":="), {"a": "x:=y", "b": "2"}),
    # a piece without the kv delimiter is skipped, or (greedy) continues the previous value
    ("a=1 2 b=3", dict(pair_delimiter=" ", kv_delimiter="="), {"a": "1", "b": "3"}),
    ("a=1 2 b=3", dict(pair_delimiter=" ", kv_delimiter="=", greedy=True), {"a": "1 2", "b": "3"}),
    # quoted values keep their spaces and delimiters; an unclosed quote is plain text
    ("a=' x, y ' b='oops", dict(pair_delimiter=" ", kv_delimiter="=", quotes=(("'", "'"),)), {"a": " x, y ", "b": "'oops"}),
    # two quote styles and an escape
    ('a=[1 2] b="q \\" r"', dict(pair_delimiter=" ", kv_delimiter="=", quotes=(("[", "]"), ('"', '"')), escapes=("\\",)),
     {"a": "1 2", "b": 'q " r'}),
    # no delimiters: words of letters and digits, a wanted key followed by its value
    ("x: 1 | a -> 42; b=(c) c", {}, {"a": "42", "b": "c"}),
    # regex: the two groups are the key and the value
    ("a->1 b->2 a->3", dict(regex=r"(\w+)->(\w+)"), {"a": "1", "b": "2"}),
    ("", dict(pair_delimiter=",", kv_delimiter="="), {}),
    # a space kv_delimiter: the space after the pair delimiter does not count
    ("a 1, b  2, c x", dict(pair_delimiter=",", kv_delimiter=" "), {"a": "1", "b": "2", "c": "x"}),
    ('a 1, c "x y"', dict(pair_delimiter=",", kv_delimiter=" ", quotes=(('"', '"'),)), {"a": "1", "c": "x y"}),
])
def test_scanner(text, options, expected):
    assert parse_kv(text, spec(**options)) == expected


def test_sql_function_reads_its_spec_as_json_and_gives_null_for_null():
    s = spec(pair_delimiter=",", kv_delimiter="=")
    assert json.loads(kq_py_parse_kv("a=1,c=3", s.to_json())) == {"a": "1", "c": "3"}
    assert kq_py_parse_kv(None, s.to_json()) is None


@pytest.mark.parametrize("text, lo, hi", [
    ("::/0", 0, 2**128 - 1),
    ("2001:db8::/32", 0x20010DB8 << 96, (0x20010DB8 << 96) + 2**96 - 1),
    ("::1", 1, 1),
    ("10.0.0.0/8", (0xFFFF << 32) | (10 << 24), (0xFFFF << 32) | (10 << 24) + 2**24 - 1),
    (" 1.2.3.4 ", (0xFFFF << 32) | 0x01020304, (0xFFFF << 32) | 0x01020304),
])
def test_ip6_block(text, lo, hi):
    assert ip6_block(text) == (lo, hi)
    assert kq_py_ip6_block(text) == f"{lo:032x}{hi:032x}"


@pytest.mark.parametrize("text", ["", "bogus", "1.2.3.4/33", "::1/129", "fe80::1%eth0", "::1/x", None])
def test_ip6_block_invalid_is_null(text):
    assert kq_py_ip6_block(text) is None  # the registered wrapper also turns errors into null
