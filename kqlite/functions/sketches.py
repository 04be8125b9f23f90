"""hll() and tdigest(): Kusto's mergeable sketches, and the scalar functions that read them.

kqlite keeps them exact. An hll value is the sorted JSON array of the distinct values
(dcount_hll counts them), and a tdigest value is the sorted JSON array of every value, a
weighted value repeated `weight` times (percentile_tdigest then gives the exact
nearest-rank percentile, the same as percentile()). Neither is Kusto's binary layout, so
a sketch stored by Kusto cannot be read here, and sketches grow with the data."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import KqlTypeError
from ..types import NUMERIC, SQL_TYPE
from .aggregate import check_percent, percent_list
from .registry import Arg, aggregate, scalar

_EXACT_HLL = "exact: an hll value here is the array of distinct values (not Kusto's HyperLogLog layout)"
_EXACT_TDIGEST = "exact: a tdigest value here is the sorted array of all values (not Kusto's t-digest layout)"
_SKETCHED = ("int", "long", "real", "decimal", "timespan", "datetime")


def _filter(conds: list[str]) -> str:
    return f" FILTER (WHERE {' AND '.join(conds)})"


# ---------------------------------------------------------------- hll


def _hll(a: Sequence[Arg], where: str | None = None) -> str:
    conds = [f"{a[0].sql} IS NOT NULL"] + ([f"({where})"] if where else [])
    return f"CAST(to_json(list_sort(list(DISTINCT {a[0].sql}){_filter(conds)})) AS JSON)"


def _hll_type(types: Sequence[str]) -> str:
    if types[0] == "dynamic":
        raise KqlTypeError("hll() needs a scalar value, not dynamic")
    return "dynamic"


def _merge_arrays(sketch: str, distinct: bool) -> str:
    # CASE, not FILTER: DuckDB may cast before it filters
    items = f"flatten(list(CASE WHEN json_type({sketch}) = 'ARRAY' THEN CAST({sketch} AS JSON[]) END))"
    if distinct:
        items = f"list_distinct({items})"
    # numbers sort as numbers, datetimes (JSON strings) as text
    keyed = f"list_transform({items}, lambda e: {{'n': TRY_CAST(CAST(e AS VARCHAR) AS DOUBLE), 't': CAST(e AS VARCHAR), 'j': e}})"
    return f"CAST(to_json(list_transform(list_sort({keyed}), lambda s: s['j'])) AS JSON)"


aggregate("hll", "any const?", _hll_type, _hll, notes=_EXACT_HLL)
aggregate("hll_if", "any bool const?", _hll_type, lambda a: _hll(a, a[1].sql), notes=_EXACT_HLL)
aggregate("hll_merge", "dynamic", "dynamic", lambda a: _merge_arrays(a[0].sql, True), notes=_EXACT_HLL)
scalar("dcount_hll", "dynamic", "long",
       lambda a: f"CAST(COALESCE(CASE WHEN json_type({a[0].sql}) = 'ARRAY' THEN json_array_length({a[0].sql}) END, 0) "
                 "AS BIGINT)", notes=_EXACT_HLL)

# ---------------------------------------------------------------- tdigest


def _sketch_type(types: Sequence[str]) -> str:
    if types[0] not in _SKETCHED:
        raise KqlTypeError(f"tdigest() needs numbers, timespans or datetimes, not {types[0]}")
    if len(types) > 1 and types[1] not in ("int", "long"):
        raise KqlTypeError(f"the weight of tdigest() must be an integer (long), not {types[1]}")
    return "dynamic"


def _tdigest(a: Sequence[Arg]) -> str:
    value = a[0].sql
    conds = [f"{value} IS NOT NULL"]
    if len(a) > 1:
        conds.append(f"{a[1].sql} > 0")
        items = f"flatten(list(list_resize([{value}], CAST({a[1].sql} AS BIGINT), {value})){_filter(conds)})"
    else:
        items = f"list({value}){_filter(conds)}"
    return f"CAST(to_json(list_sort({items})) AS JSON)"


def _element(sketch: str, percent: str) -> str:
    values = f"CAST({sketch} AS JSON[])"
    return (f"CASE WHEN json_type({sketch}) = 'ARRAY' AND json_array_length({sketch}) > 0 THEN "
            f"{values}[greatest(CAST(ceil(({percent}) / 100.0 * json_array_length({sketch})) AS BIGINT), 1)] END")


def _as_type(json: str, t: str) -> str:
    if t == "dynamic":
        return json
    if t == "datetime":
        return f"TRY_CAST(json_extract_string({json}, '$') AS TIMESTAMP)"
    if t in NUMERIC or t == "timespan":
        return f"TRY_CAST(json_extract_string({json}, '$') AS {SQL_TYPE[t]})"
    raise KqlTypeError(f"percentile_tdigest() returns numbers, timespans, datetimes or dynamic, not {t}")


def _percentile_tdigest(a: Sequence[Arg]) -> str:
    if a[1].is_const:
        check_percent(a[1])
    target = str(a[2].value) if len(a) > 2 else "dynamic"
    return _as_type(_element(a[0].sql, a[1].sql), target)


aggregate("tdigest", "any integer?", _sketch_type, _tdigest, notes=_EXACT_TDIGEST)
aggregate("tdigest_merge", "dynamic", "dynamic", lambda a: _merge_arrays(a[0].sql, False),
          aliases=("merge_tdigest",), notes=_EXACT_TDIGEST)
scalar("percentile_tdigest", "dynamic number const?", "dynamic", _percentile_tdigest,
       notes=_EXACT_TDIGEST + "; without typeof() the result is dynamic")
scalar("percentiles_array_tdigest", "dynamic const const*", "dynamic",
       lambda a: (f"CAST(to_json([{', '.join(_element(a[0].sql, p) for p in percent_list(a[1:]))}]) AS JSON)"),
       notes=_EXACT_TDIGEST)


def _ranked_type(fn: str, result: str):
    def rule(types: Sequence[str]) -> str:
        if types[1] not in _SKETCHED:
            raise KqlTypeError(f"{fn}() ranks a number, timespan or datetime, not {types[1]}")
        return result
    return rule


def _at_or_below(a: Sequence[Arg]) -> str:
    """How many of the sketch's values are at or below the value."""
    sketch, value = a[0].sql, a[1].sql
    if a[1].type == "datetime":
        values = f"list_transform(CAST({sketch} AS JSON[]), lambda e: TRY_CAST(json_extract_string(e, '$') AS TIMESTAMP))"
    else:
        values = f"TRY_CAST({sketch} AS DOUBLE[])"
    return f"len(list_filter({values}, lambda e: e <= {value}))"


scalar("rank_tdigest", "dynamic any", _ranked_type("rank_tdigest", "long"),
       lambda a: f"CASE WHEN json_type({a[0].sql}) = 'ARRAY' THEN CAST({_at_or_below(a)} AS BIGINT) END",
       notes=_EXACT_TDIGEST)
# the inverse of percentile_tdigest's nearest rank: the share of the values at or below the value
scalar("percentrank_tdigest", "dynamic any", _ranked_type("percentrank_tdigest", "real"),
       lambda a: (f"CASE WHEN json_type({a[0].sql}) = 'ARRAY' AND json_array_length({a[0].sql}) > 0 THEN "
                  f"100.0 * {_at_or_below(a)} / json_array_length({a[0].sql}) END"),
       notes=_EXACT_TDIGEST)
