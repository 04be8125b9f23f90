"""The pickled parser cache (kqlite/syntax/parser_cache.py): a good cache is used, and a
stale, corrupt or unwritable one falls back to building the parser from the grammar."""

from __future__ import annotations

import pytest
from lark.parsers import lalr_analysis

from kqlite.syntax import parser as P
from kqlite.syntax.parser_cache import parser_cache_file

QUERY = "T | where x > 1 | summarize count() by bin(t, 1h) | sort by count_ asc"


@pytest.fixture(scope="module")
def grammar() -> str:
    return P._grammar_text()


def _parsed(parser) -> str:
    # AST nodes do not define value equality; their repr shows the whole tree
    return repr(parser.parse(QUERY, start="start"))


@pytest.fixture(scope="module")
def expected() -> str:
    return _parsed(P._parser())


def _no_table_building(monkeypatch):
    """Make building LALR tables fail, so a parser that still appears came from the cache."""

    def refuse(self):
        raise AssertionError("the parse tables were built instead of loaded from the cache")

    monkeypatch.setattr(lalr_analysis.LALR_Analyzer, "compute_lalr", refuse)


def test_a_written_cache_is_loaded_and_parses_alike(tmp_path, grammar, expected, monkeypatch):
    cache = tmp_path / "parser.cache"
    P._build_parser(grammar, str(cache))
    assert cache.is_file() and cache.stat().st_size > 0
    _no_table_building(monkeypatch)
    loaded = P._build_parser(grammar, str(cache))
    assert _parsed(loaded) == expected


def test_a_cache_of_another_grammar_is_not_used(tmp_path, grammar, expected, monkeypatch):
    cache = tmp_path / "parser.cache"
    # a grammar in which `sort` is spelled `sortx`: its tables must not serve the real one
    other = grammar.replace('"sort"', '"sortx"')
    assert other != grammar
    P._build_parser(other, str(cache))
    stale_key = cache.read_bytes().split(b"\n", 1)[0]
    parser = P._build_parser(grammar, str(cache))
    assert _parsed(parser) == expected
    assert cache.read_bytes().split(b"\n", 1)[0] != stale_key, "the stale cache was not replaced"


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"not-a-hash\n\x80\x04junk"])
def test_a_corrupt_cache_falls_back_to_building(tmp_path, grammar, expected, content):
    cache = tmp_path / "parser.cache"
    cache.write_bytes(content)
    assert _parsed(P._build_parser(grammar, str(cache))) == expected


def test_a_truncated_cache_with_the_right_key_falls_back_to_building(tmp_path, grammar, expected):
    cache = tmp_path / "parser.cache"
    P._build_parser(grammar, str(cache))
    whole = cache.read_bytes()
    cache.write_bytes(whole[: len(whole) // 2])  # e.g. another process is still writing it
    assert _parsed(P._build_parser(grammar, str(cache))) == expected


def test_an_unwritable_cache_location_still_builds(tmp_path, grammar, expected):
    cache = tmp_path / "missing-folder" / "parser.cache"
    assert _parsed(P._build_parser(grammar, str(cache))) == expected
    assert not cache.exists()


def test_cache_location(tmp_path, monkeypatch):
    monkeypatch.setenv("KQLITE_PARSER_CACHE", "off")
    assert parser_cache_file() is None
    monkeypatch.setenv("KQLITE_PARSER_CACHE", str(tmp_path / "p.cache"))
    assert parser_cache_file() == str(tmp_path / "p.cache")
    monkeypatch.delenv("KQLITE_PARSER_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = parser_cache_file()
    assert path is not None and str(tmp_path) in path and "kqlite" in path
    # a cache folder that cannot be created (here: a file is in the way) means no cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "afile"))
    monkeypatch.setenv("HOME", str(tmp_path / "afile"))
    (tmp_path / "afile").write_text("x")
    assert parser_cache_file() is None
