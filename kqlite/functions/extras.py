"""Assorted scalar functions: dynamic_to_json, array_repeat and assert (percentrank_tdigest is in sketches.py)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import KqlTypeError
from ..sql.quote import quote_string
from . import convert
from .registry import Arg, scalar

# ---------------------------------------------------------------- dynamic_to_json

# Bags and arrays nested deeper than this keep the key order they were written in. DuckDB binds a
# lambda's body several times, so each level of nested lambdas costs about four times the one
# above it: 4 levels bind in under 0.1 s, 7 take seconds.
_CANONICAL_DEPTH = 4
_PARTIAL = f"property bags nested deeper than {_CANONICAL_DEPTH} levels keep their own key order"


def _canonical(x: str, depth: int) -> str:
    """The canonical JSON text of JSON value x: bags' keys sorted (ordinal), no spaces."""
    if depth == 0:
        return f"COALESCE(CAST({x} AS VARCHAR), 'null')"  # a bag's null value leaves the MAP cast as SQL NULL
    v = f"v{depth}"
    entries = (f"CASE json_type({x}) WHEN 'OBJECT' THEN list_transform(list_sort(map_entries(CAST({x} AS MAP(VARCHAR, JSON)))), "
               f"lambda e: {{'k': CAST(to_json(e['key']) AS VARCHAR) || ':', 'v': e['value']}}) "
               f"ELSE list_transform(CAST({x} AS JSON[]), lambda e: {{'k': '', 'v': e}}) END")
    member = _canonical(v + "['v']", depth - 1)
    inner = f"array_to_string(list_transform({entries}, lambda {v}: {v}['k'] || {member}), ',')"
    # `inner` once, not once per container kind: the text would double at every level
    is_bag = f"json_type({x}) = 'OBJECT'"
    return (f"CASE WHEN json_type({x}) IN ('OBJECT', 'ARRAY') THEN (CASE WHEN {is_bag} THEN '{{' ELSE '[' END) || {inner} "
            f"|| (CASE WHEN {is_bag} THEN '}}' ELSE ']' END) ELSE COALESCE(CAST({x} AS VARCHAR), 'null') END")


def _dynamic_to_json(a: Sequence[Arg]) -> str:
    x = a[0]
    if x.type != "dynamic":  # the page: a scalar of another type gives tostring() of it
        return convert.to_string(x.sql, x.type)
    return f"COALESCE(CASE WHEN json_type({x.sql}) <> 'NULL' THEN {_canonical(x.sql, _CANONICAL_DEPTH)} END, '')"


scalar("dynamic_to_json", "any", "string", _dynamic_to_json, notes=_PARTIAL)

# ---------------------------------------------------------------- array_repeat


def _array_repeat(a: Sequence[Arg]) -> str:
    # the first `count` elements of the array written out again and again; null for a negative count
    array, count = a[0].sql, f"CAST({a[1].sql} AS BIGINT)"
    items = f"CAST({array} AS JSON[])"
    n = f"json_array_length({array})"
    cycled = f"list_transform(range({count}), lambda i: {items}[CAST(i % {n} + 1 AS BIGINT)])"
    return (f"CASE WHEN json_type({array}) <> 'ARRAY' OR {count} < 0 THEN NULL "
            f"WHEN {count} = 0 OR {n} = 0 THEN CAST('[]' AS JSON) "
            f"ELSE CAST(to_json({cycled}) AS JSON) END")


scalar("array_repeat", "dynamic integer", "dynamic", _array_repeat)

# ---------------------------------------------------------------- assert


def _assert(a: Sequence[Arg]) -> str:
    condition, message = a
    if not isinstance(message.value, str):
        raise KqlTypeError("the message of assert() must be a string literal")
    text = f"assert() has failed with message: '{message.value}'"
    # Kusto fails the query while analysing it; here DuckDB's error() fails it as it runs, and
    # the engine reports that as a KqlRuntimeError
    # only false fails: a null condition (a dynamic that is no bool) stays null
    return f"CASE WHEN NOT ({condition.sql}) THEN error({quote_string(text)}) ELSE {condition.sql} END"


scalar("assert", "bool const", "bool", _assert)
