"""What some builders know about the SQL they returned, for builders that take it as an argument.

A builder only sees its arguments' SQL text. Some outer functions have a much cheaper form when an
argument is a known construct: tostring() of JSON that DuckDB wrote itself (already minified) is a
plain cast, and bag_merge() with a bag_pack() of constant keys needs no key list. The same SQL text
always means the same expression, so a lookup by text is exact; the tables are bounded and only
ever hold what builders put in them.
"""

from __future__ import annotations

from collections.abc import Sequence

from .registry import Arg

_LIMIT = 4096

# SQL texts whose value is a bag or an array (or null) in minified text written by DuckDB's JSON functions
_MINIFIED: dict[str, None] = {}
# SQL text of a bag_pack() with constant keys -> its (key, value argument) pairs
_PACKED: dict[str, tuple[tuple[str, Arg], ...]] = {}


def _remember(table: dict, sql: str, value) -> None:
    if len(table) >= _LIMIT:
        table.clear()
    table[sql] = value


def minified(sql: str) -> str:
    """Record that `sql` gives a bag or array (or null) as minified JSON written by DuckDB; returns sql."""
    _remember(_MINIFIED, sql, None)
    return sql


def is_minified(sql: str) -> bool:
    return sql in _MINIFIED


def packed(sql: str, pairs: Sequence[tuple[str, Arg]]) -> None:
    _remember(_PACKED, sql, tuple(pairs))


def pack_pairs(sql: str) -> tuple[tuple[str, Arg], ...] | None:
    """The (key, value) pairs of a bag_pack() with constant keys, or None."""
    return _PACKED.get(sql)
