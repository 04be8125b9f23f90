"""Aggregation functions (summarize). `column` is Kusto's output-name prefix; `default`
is the value Kusto gives for empty input (see the summarize docs' default-values table)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import KqlTypeError
from .registry import Arg, aggregate, numeric_result, same


def _sum_type(types: Sequence[str]) -> str:
    t = types[0]
    return "timespan" if t == "timespan" else ("long" if t in ("int", "long", "bool") else numeric_result([t]))


def _zero(sql: str, t: str = "") -> str:
    return f"COALESCE({sql}, 0)"


def _list_sql(value: Arg, where: str | None = None, distinct: bool = False, keep_nulls: bool = False) -> str:
    cond = [] if keep_nulls else [f"{value.sql} IS NOT NULL"]
    if where:
        cond.append(f"({where})")
    filt = f" FILTER (WHERE {' AND '.join(cond)})" if cond else ""
    return f"CAST(COALESCE(to_json(list({'DISTINCT ' if distinct else ''}{value.sql}){filt}), '[]') AS JSON)"


aggregate("count", "any?", "long", lambda a: "count(*)", default="0")
aggregate("countif", "bool", "long", lambda a: f"count(*) FILTER (WHERE {a[0].sql})", default="0")
aggregate("dcount", "any const?", "long", lambda a: f"count(DISTINCT {a[0].sql})", default="0")
aggregate("dcountif", "any bool const?", "long",
          lambda a: f"count(DISTINCT {a[0].sql}) FILTER (WHERE {a[1].sql})", default="0")
aggregate("count_distinct", "any", "long", lambda a: f"count(DISTINCT {a[0].sql})", default="0")
aggregate("count_distinctif", "any bool", "long",
          lambda a: f"count(DISTINCT {a[0].sql}) FILTER (WHERE {a[1].sql})", default="0")
aggregate("sum", "number", _sum_type, lambda a: _zero(f"sum({a[0].sql})"), default="0")
aggregate("sumif", "number bool", _sum_type,
          lambda a: _zero(f"sum({a[0].sql}) FILTER (WHERE {a[1].sql})"), default="0")
aggregate("avg", "number", "real", lambda a: f"COALESCE(avg({a[0].sql}), CAST('nan' AS DOUBLE))")
aggregate("avgif", "number bool", "real",
          lambda a: f"COALESCE(avg({a[0].sql}) FILTER (WHERE {a[1].sql}), CAST('nan' AS DOUBLE))")
aggregate("min", "any", same(0), lambda a: f"min({a[0].sql})")
aggregate("max", "any", same(0), lambda a: f"max({a[0].sql})")
aggregate("minif", "any bool", same(0), lambda a: f"min({a[0].sql}) FILTER (WHERE {a[1].sql})")
aggregate("maxif", "any bool", same(0), lambda a: f"max({a[0].sql}) FILTER (WHERE {a[1].sql})")
aggregate("take_any", "any", same(0), lambda a: f"any_value({a[0].sql})", column="")
aggregate("any", "any", same(0), lambda a: f"any_value({a[0].sql})", column="any")
aggregate("take_anyif", "any bool", same(0), lambda a: f"any_value({a[0].sql}) FILTER (WHERE {a[1].sql})",
          column="")
aggregate("anyif", "any bool", same(0), lambda a: f"any_value({a[0].sql}) FILTER (WHERE {a[1].sql})",
          column="any")
aggregate("make_list", "any const?", "dynamic", lambda a: _list_sql(a[0]), column="list", default="[]")
aggregate("make_list_if", "any bool const?", "dynamic", lambda a: _list_sql(a[0], a[1].sql), column="list",
          default="[]")
aggregate("make_list_with_nulls", "any const?", "dynamic", lambda a: _list_sql(a[0], keep_nulls=True),
          column="list", default="[]")
def _make_set(a) -> str:
    if a[0].type != "dynamic":
        return _list_sql(a[0], distinct=True)
    # a dynamic array contributes its elements, not itself
    items = f"CASE WHEN json_type({a[0].sql}) = 'ARRAY' THEN CAST(json_extract({a[0].sql}, '$[*]') AS JSON[]) ELSE [{a[0].sql}] END"
    return f"CAST(to_json(COALESCE(list_distinct(flatten(list({items}))), [])) AS JSON)"


aggregate("make_set", "any const?", "dynamic", _make_set, column="set", default="[]")
aggregate("make_set_if", "any bool const?", "dynamic", lambda a: _list_sql(a[0], a[1].sql, distinct=True),
          column="set", default="[]")
aggregate("make_bag", "dynamic const?", "dynamic",
          lambda a: (f"CAST(COALESCE(list_reduce(list({a[0].sql}) FILTER (WHERE json_type({a[0].sql}) = 'OBJECT'), "
                     f"lambda x, y: json_merge_patch(x, y)), '{{}}') AS JSON)"), column="bag", default="{}")
aggregate("stdev", "number", "real", lambda a: _zero(f"stddev_samp({a[0].sql})"), default="0")
aggregate("stdevif", "number bool", "real", lambda a: _zero(f"stddev_samp({a[0].sql}) FILTER (WHERE {a[1].sql})"),
          column="stdevif", default="0")
aggregate("stdevp", "number", "real", lambda a: _zero(f"stddev_pop({a[0].sql})"), default="0")
aggregate("variance", "number", "real", lambda a: _zero(f"var_samp({a[0].sql})"), default="0")
aggregate("varianceif", "number bool", "real",
          lambda a: _zero(f"var_samp({a[0].sql}) FILTER (WHERE {a[1].sql})"), default="0")
aggregate("variancep", "number", "real", lambda a: _zero(f"var_pop({a[0].sql})"), default="0")


def nearest_rank(value: str, percent: str) -> str:
    """Kusto's percentile on exact data: the nearest-rank value (ceil(p/100 * n)-th smallest)."""
    values = f"list_sort(list({value}) FILTER (WHERE {value} IS NOT NULL))"
    return (f"{values}[greatest(CAST(ceil(({percent}) / 100.0 * count({value})) AS BIGINT), 1)]")


def _percent_type(types: Sequence[str]) -> str:
    if any(t not in ("int", "long", "real", "decimal") for t in types[1:]):
        raise KqlTypeError("percentages must be numbers, e.g. percentile(x, 95)")
    return types[0]


aggregate("percentile", "quantity const", _percent_type, lambda a: nearest_rank(a[0].sql, a[1].sql))
# arg_max / arg_min / percentiles produce several columns: the binder expands them (see semantic/summarize.py)
aggregate("arg_max", "any any*", same(0), lambda a: "", column="")
aggregate("arg_min", "any any*", same(0), lambda a: "", column="")
aggregate("percentiles", "quantity const const*", _percent_type, lambda a: "", column="percentile")
