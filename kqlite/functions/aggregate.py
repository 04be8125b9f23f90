"""Aggregation functions (summarize). `column` is Kusto's output-name prefix; `default`
is the value Kusto gives for empty input (see the summarize docs' default-values table).

Builders take the arguments' SQL and return one aggregate SQL expression, so other
operators (make-series) can reuse them. arg_max/arg_min, percentiles/percentilesw and
take_any with several arguments give several columns: semantic/summarize.py expands them
with the helpers below (nearest_rank, weighted_rank)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import KqlTypeError
from ..types import NUMERIC, SQL_TYPE
from .registry import Arg, aggregate, same

# ---------------------------------------------------------------- counting


def _sum_type(types: Sequence[str]) -> str:
    t = types[0]
    if t == "timespan":
        return "timespan"
    if t in ("int", "long", "bool"):
        return "long"
    if t in ("real", "decimal"):
        return t
    raise KqlTypeError(f"sum() needs numbers or timespans, not {t}")


def _zero(sql: str) -> str:
    return f"COALESCE({sql}, 0)"


def _where(cond: str) -> str:
    return f" FILTER (WHERE {cond})"


def _sum(value: Arg, where: str | None = None) -> str:
    filt = _where(where) if where else ""
    total = f"sum({value.sql}){filt}"
    if value.type in ("int", "long", "timespan"):
        total = f"CAST({total} AS BIGINT)"  # DuckDB widens integer sums to HUGEINT
    return _zero(total)


def _avg_type(types: Sequence[str]) -> str:
    if types[0] == "timespan":
        return "timespan"
    if types[0] in NUMERIC:
        return "real"
    raise KqlTypeError(f"avg() needs numbers or timespans, not {types[0]}")


def _avg(value: Arg, where: str | None = None) -> str:
    filt = _where(where) if where else ""
    if value.type == "timespan":
        return f"CAST(round(avg({value.sql}){filt}) AS BIGINT)"  # null on empty input: no NaN timespan
    return f"COALESCE(CAST(avg({value.sql}){filt} AS DOUBLE), CAST('nan' AS DOUBLE))"


aggregate("count", "any?", "long", lambda a: "count(*)", default="0")
aggregate("countif", "bool", "long", lambda a: f"count(*){_where(a[0].sql)}", default="0")
aggregate("dcount", "any const?", "long", lambda a: f"count(DISTINCT {a[0].sql})", default="0",
          notes="exact: the accuracy argument is accepted and ignored (Kusto estimates with HyperLogLog)")
aggregate("dcountif", "any bool const?", "long", lambda a: f"count(DISTINCT {a[0].sql}){_where(a[1].sql)}",
          default="0", notes="exact, like dcount()")
aggregate("count_distinct", "any", "long", lambda a: f"count(DISTINCT {a[0].sql})", default="0")
aggregate("count_distinctif", "any bool", "long", lambda a: f"count(DISTINCT {a[0].sql}){_where(a[1].sql)}",
          default="0")
aggregate("sum", "quantity", _sum_type, lambda a: _sum(a[0]), default="0")
aggregate("sumif", "quantity bool", _sum_type, lambda a: _sum(a[0], a[1].sql), default="0")
aggregate("avg", "quantity", _avg_type, lambda a: _avg(a[0]))
aggregate("avgif", "quantity bool", _avg_type, lambda a: _avg(a[0], a[1].sql))

# ---------------------------------------------------------------- extremes and any value


def _orderable(types: Sequence[str]) -> str:
    if types[0] == "dynamic":
        raise KqlTypeError("min() and max() need a scalar value, not dynamic")
    return types[0]


aggregate("min", "any", _orderable, lambda a: f"min({a[0].sql})")
aggregate("max", "any", _orderable, lambda a: f"max({a[0].sql})")
aggregate("minif", "any bool", _orderable, lambda a: f"min({a[0].sql}){_where(a[1].sql)}")
aggregate("maxif", "any bool", _orderable, lambda a: f"max({a[0].sql}){_where(a[1].sql)}")


def any_value(value: str, t: str, where: str | None = None) -> str:
    """take_any(x): a non-null value, and for strings a non-empty one when the group has one."""
    conds = [f"({where})"] if where else []
    if t == "string":
        return f"COALESCE(any_value({value}){_where(' AND '.join([*conds, f'{value} <> {chr(39) * 2}']))}, '')"
    return f"any_value({value}){_where(' AND '.join(conds)) if conds else ''}"


aggregate("take_any", "any", same(0), lambda a: any_value(a[0].sql, a[0].type), column="")
aggregate("any", "any", same(0), lambda a: any_value(a[0].sql, a[0].type), column="any")
aggregate("take_anyif", "any bool", same(0), lambda a: any_value(a[0].sql, a[0].type, a[1].sql), column="")
aggregate("anyif", "any bool", same(0), lambda a: any_value(a[0].sql, a[0].type, a[1].sql), column="any")

# ---------------------------------------------------------------- lists, sets, bags


def _max_size(a: Sequence[Arg], i: int) -> str | None:
    """The optional MaxSize argument (default 1048576): a constant positive integer."""
    if len(a) <= i:
        return None
    arg = a[i]
    if arg.type not in ("int", "long") or (arg.is_const and (arg.value is None or int(arg.value) < 1)):
        raise KqlTypeError("MaxSize must be a positive integer constant")
    return arg.sql


def _capped(items: str, limit: str | None) -> str:
    return f"list_slice({items}, 1, {limit})" if limit else items


def _list_sql(value: Arg, where: str | None = None, distinct: bool = False, keep_nulls: bool = False,
              limit: str | None = None) -> str:
    cond = [] if keep_nulls else [f"{value.sql} IS NOT NULL"]
    if where:
        cond.append(f"({where})")
    filt = _where(" AND ".join(cond)) if cond else ""
    items = _capped(f"list({'DISTINCT ' if distinct else ''}{value.sql}){filt}", limit)
    return f"CAST(COALESCE(to_json({items}), '[]') AS JSON)"


def _set_sql(value: Arg, where: str | None = None, limit: str | None = None) -> str:
    if value.type != "dynamic":
        return _list_sql(value, where, distinct=True, limit=limit)
    # a dynamic array contributes its elements, not itself
    items = (f"CASE WHEN json_type({value.sql}) = 'ARRAY' THEN CAST(json_extract({value.sql}, '$[*]') AS JSON[]) "
             f"ELSE [{value.sql}] END")
    filt = _where(f"({where})") if where else ""
    distinct = _capped(f"list_distinct(flatten(list({items}){filt}))", limit)
    return f"CAST(to_json(COALESCE({distinct}, [])) AS JSON)"


def _bag_sql(value: Arg, where: str | None = None) -> str:
    cond = f"json_type({value.sql}) = 'OBJECT'" + (f" AND ({where})" if where else "")
    merged = f"list_reduce(list({value.sql}){_where(cond)}, lambda x, y: json_merge_patch(x, y))"
    return f"CAST(COALESCE({merged}, '{{}}') AS JSON)"


aggregate("make_list", "any const?", "dynamic", lambda a: _list_sql(a[0], limit=_max_size(a, 1)),
          column="list", default="[]", aliases=("makelist",))
aggregate("make_list_if", "any bool const?", "dynamic", lambda a: _list_sql(a[0], a[1].sql, limit=_max_size(a, 2)),
          column="list", default="[]")
aggregate("make_list_with_nulls", "any const?", "dynamic",
          lambda a: _list_sql(a[0], keep_nulls=True, limit=_max_size(a, 1)), column="list", default="[]")
aggregate("make_set", "any const?", "dynamic", lambda a: _set_sql(a[0], limit=_max_size(a, 1)),
          column="set", default="[]", aliases=("makeset",))
aggregate("make_set_if", "any bool const?", "dynamic", lambda a: _set_sql(a[0], a[1].sql, _max_size(a, 2)),
          column="set", default="[]")
aggregate("make_bag", "dynamic const?", "dynamic", lambda a: (_max_size(a, 1), _bag_sql(a[0]))[1],
          column="bag", default="{}", notes="MaxSize is accepted and not applied")
aggregate("make_bag_if", "dynamic bool const?", "dynamic", lambda a: (_max_size(a, 2), _bag_sql(a[0], a[1].sql))[1],
          column="bag", default="{}", notes="MaxSize is accepted and not applied")

# ---------------------------------------------------------------- spread


def _spread(fn: str, default_zero: bool):
    def build(a: Sequence[Arg]) -> str:
        filt = _where(a[1].sql) if len(a) > 1 else ""
        sql = f"{fn}({a[0].sql}){filt}"
        return _zero(sql) if default_zero else sql
    return build


# Kusto: variance/stdev of one value is 0 and of no values 0; the population forms give null for no values
aggregate("stdev", "number", "real", _spread("stddev_samp", True), default="0")
aggregate("stdevif", "number bool", "real", _spread("stddev_samp", True), default="0")
aggregate("stdevp", "number", "real", _spread("stddev_pop", False))
aggregate("variance", "number", "real", _spread("var_samp", True), default="0")
aggregate("varianceif", "number bool", "real", _spread("var_samp", True), default="0")
aggregate("variancep", "number", "real", _spread("var_pop", False))
aggregate("variancepif", "number bool", "real", _spread("var_pop", False))

# ---------------------------------------------------------------- bitwise


def _binary(fn: str):
    return lambda a: f"{fn}(CAST({a[0].sql} AS BIGINT))"


aggregate("binary_all_and", "integer", "long", _binary("bit_and"))
aggregate("binary_all_or", "integer", "long", _binary("bit_or"))
aggregate("binary_all_xor", "integer", "long", _binary("bit_xor"))

# ---------------------------------------------------------------- percentiles

PERCENTILE_TYPES = ("int", "long", "real", "decimal", "timespan", "datetime")


def nearest_rank(value: str, percent: str) -> str:
    """Kusto's percentile on exact data: the nearest-rank value (ceil(p/100 * n)-th smallest)."""
    values = f"list_sort(list({value}) FILTER (WHERE {value} IS NOT NULL))"
    return f"{values}[greatest(CAST(ceil(({percent}) / 100.0 * count({value})) AS BIGINT), 1)]"


def weighted_rank(value: str, weight: str, percent: str, sql_type: str) -> str:
    """percentilew: each value counts `weight` times; a left fold over the sorted (value, weight)
    pairs stops at the first value whose running weight reaches ceil(p/100 * total)."""
    kept = f"{value} IS NOT NULL AND {weight} > 0"
    pairs = f"list_sort(list({{'v': {value}, 'w': CAST({weight} AS BIGINT)}}) FILTER (WHERE {kept}))"
    target = f"greatest(ceil(({percent}) / 100.0 * sum(CASE WHEN {kept} THEN {weight} END)), 1)"
    # the target rides in the accumulator: an aggregate inside the lambda's body is a DuckDB internal
    # error when the weight's SQL holds a lambda of its own
    step = "CASE WHEN acc['c'] >= acc['t'] THEN acc ELSE {'v': e['v'], 'c': acc['c'] + e['w'], 't': acc['t']} END"
    start = f"{{'v': CAST(NULL AS {sql_type}), 'c': CAST(0 AS BIGINT), 't': CAST({target} AS DOUBLE)}}"
    return f"list_reduce({pairs}, lambda acc, e: {step}, {start}).v"


def check_percent(arg: Arg) -> float | None:
    """A percentage argument: a constant number in [0, 100] (None while binding without values)."""
    if arg.type not in NUMERIC:
        raise KqlTypeError(f"percentages must be numbers, e.g. percentile(x, 95), not {arg.type}")
    if arg.is_const and arg.value is not None:
        p = float(arg.value)
        if not 0 <= p <= 100:
            raise KqlTypeError(f"a percentage must be between 0 and 100, not {arg.value}")
        return p
    return None


def percent_list(args: Sequence[Arg]) -> list[str]:
    """percentiles_array's percentages: constants, or one constant dynamic array of them."""
    if len(args) == 1 and args[0].type == "dynamic":
        values = args[0].value
        if args[0].is_const and values is None:
            raise KqlTypeError("percentiles_array() needs a constant array of percentages")
        if values is None:
            return ["50"]  # bind-time check without values
        if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in values):
            raise KqlTypeError("the percentages must be an array of numbers, e.g. dynamic([50, 95])")
        for v in values:
            check_percent(Arg(repr(v), "real", v, True))
        return [repr(float(v)) for v in values]
    for arg in args:
        check_percent(arg)
    return [a.sql for a in args]


def _percentile_type(types: Sequence[str]) -> str:
    if types[0] not in PERCENTILE_TYPES:
        raise KqlTypeError(f"percentiles need numbers, timespans or datetimes, not {types[0]}")
    return types[0]


def _weight_type(types: Sequence[str]) -> str:
    if types[1] not in ("int", "long"):
        raise KqlTypeError(f"the weight must be an integer (long), not {types[1]}")
    return _percentile_type(types)


def _array_json(items: list[str]) -> str:
    return f"CAST(to_json([{', '.join(items)}]) AS JSON)"


aggregate("percentile", "any const", _percentile_type,
          lambda a: (check_percent(a[1]), nearest_rank(a[0].sql, a[1].sql))[1],
          notes="exact nearest-rank percentile (Kusto estimates with t-digest)")
aggregate("percentilew", "any integer const", _weight_type,
          lambda a: (check_percent(a[2]), weighted_rank(a[0].sql, a[1].sql, a[2].sql, SQL_TYPE[a[0].type]))[1],
          column="percentile", notes="exact weighted nearest-rank percentile")
aggregate("percentiles_array", "any const const*", lambda t: (_percentile_type(t), "dynamic")[1],
          lambda a: _array_json([nearest_rank(a[0].sql, p) for p in percent_list(a[1:])]),
          column="percentiles", doc="https://learn.microsoft.com/kusto/query/percentiles-aggregation-function",
          notes="exact nearest-rank percentiles")
aggregate("percentilesw_array", "any integer const const*", lambda t: (_weight_type(t), "dynamic")[1],
          lambda a: _array_json([weighted_rank(a[0].sql, a[1].sql, p, SQL_TYPE[a[0].type])
                                 for p in percent_list(a[2:])]),
          column="percentile", doc="https://learn.microsoft.com/kusto/query/percentilesw-aggregation-function",
          notes="exact weighted nearest-rank percentiles")
# arg_max / arg_min / percentiles / percentilesw produce several columns: the binder expands them
# (see semantic/summarize.py); these entries give their signatures and docs
aggregate("arg_max", "any any*", same(0), lambda a: "", column="")
aggregate("arg_min", "any any*", same(0), lambda a: "", column="")
aggregate("percentiles", "any const const*", _percentile_type, lambda a: "", column="percentile",
          notes="exact nearest-rank percentiles")
aggregate("percentilesw", "any integer const const*", _weight_type, lambda a: "", column="percentile",
          doc="https://learn.microsoft.com/kusto/query/percentilesw-aggregation-function",
          notes="exact weighted nearest-rank percentiles")

from . import sketches as _sketches  # noqa: E402,F401  (hll and tdigest: aggregates with scalar companions)
