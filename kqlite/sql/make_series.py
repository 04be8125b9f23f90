"""make-series -> DuckDB SQL.

The axis is mapped to a number (datetime: ticks since 0001-01-01, Kusto's bin origin; timespan: ticks;
numbers as they are), so one formula places every row in its bin: i = floor((x - start) / step).
Steps: the input with x; the bounds (start, bin count n), from the query or from min/max of x; the
aggregates per (group, bin); then each group crossed with range(n) and left-joined to its bins, so a bin
without rows takes the default, and the values gathered in bin order into JSON arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..semantic import plan as P
from .macros import EPOCH_OFFSET_US
from .quote import quote_ident

if TYPE_CHECKING:
    from .compiler import SqlCompiler

MAX_POINTS = 1_048_576  # Kusto caps make-series arrays at 2^20 values


def make_series_sql(c: SqlCompiler, rel: P.MakeSeriesRel) -> str:
    axis_type = rel.axis.type
    integral = axis_type in ("datetime", "timespan") or (
        all(e.type in ("int", "long") for e in (rel.axis, rel.step, rel.start, rel.end) if e is not None))

    def coord(sql: str) -> str:
        if axis_type == "datetime":
            return f"((epoch_us({sql}) + {EPOCH_OFFSET_US}) * 10)"
        if axis_type == "timespan" or integral:
            return f"CAST({sql} AS BIGINT)"
        return f"CAST({sql} AS DOUBLE)"

    def floor_div(a: str, b: str) -> str:
        return f"CAST(fdiv({a}, {b}) AS BIGINT)" if integral else f"CAST(floor(({a}) / ({b})) AS BIGINT)"

    def axis_value(x: str) -> str:
        if axis_type == "datetime":
            return f"kq_datetime_str(make_timestamp(CAST(({x}) // 10 AS BIGINT) - {EPOCH_OFFSET_US}))"
        if axis_type == "timespan":
            return f"kq_timespan_str({x})"
        return x

    step = coord(c.expr(rel.step)) if axis_type != "datetime" else f"CAST({c.expr(rel.step)} AS BIGINT)"
    start = coord(c.expr(rel.start)) if rel.start is not None else None
    end = coord(c.expr(rel.end)) if rel.end is not None else None

    # the bounds: constants when the query gives both, else from min/max of the axis over the input
    static = start is not None and end is not None
    lo, hi = ("__kq_mn", "__kq_mx") if not static else ("", "")
    if rel.in_range:
        assert start is not None and end is not None
        s0 = f"{floor_div(start, step)} * {step}"
        n = f"{floor_div(f'{end} - ({s0})', step)} + 1"
    else:
        s0 = start if start is not None else f"{floor_div(lo, step)} * {step}"
        n = f"-{floor_div(f'({s0}) - {end}', step)}" if end is not None else f"{floor_div(f'{hi} - ({s0})', step)} + 1"
    n = f"greatest(least(COALESCE({n}, 0), {MAX_POINTS}), 0)"

    source = c.rel(rel.input)
    axis_sql = c.expr(rel.axis)
    where = f"{axis_sql} IS NOT NULL"
    if static and not rel.in_range:  # a plain range test on the column: DuckDB can skip row groups with it
        assert rel.start is not None and rel.end is not None
        where = f"{axis_sql} >= {c.expr(rel.start)} AND {axis_sql} < {c.expr(rel.end)}"
    plain = static and not rel.in_range
    if plain:
        # rows are already inside [start, end): the bin is a plain (non-negative) division, no bounds test
        assert rel.start is not None
        if axis_type == "datetime":
            offset = f"((epoch_us({axis_sql}) - epoch_us({c.expr(rel.start)})) * 10)"
        else:
            offset = f"({coord(axis_sql)} - {start})"
        index = f"CAST({offset} // {step} AS BIGINT)" if integral else f"CAST(floor({offset} / {step}) AS BIGINT)"
        ctes = [f"__kq_src AS (SELECT *, {index} AS __kq_i FROM {source} WHERE {where})"]
    else:
        ctes = [f"__kq_src AS (SELECT *, {coord(axis_sql)} AS __kq_x FROM {source} WHERE {where})"]
    if static:
        ctes.append(f"__kq_bounds AS (SELECT {s0} AS __kq_s0, {n} AS __kq_n)")
    else:
        ctes.append(f"__kq_bounds AS (SELECT __kq_s0, {n.replace(s0, '__kq_s0')} AS __kq_n FROM ("
                    f"SELECT {s0} AS __kq_s0, __kq_mx FROM (SELECT min(__kq_x) AS __kq_mn, max(__kq_x) AS __kq_mx "
                    f"FROM __kq_src)))")
    s0_ref, n_ref = (f"({s0})", f"({n})") if static else ("__kq_s0", "__kq_n")
    bounds_join = "" if static else ", __kq_bounds"

    keys = [f"__kq_k{j}" for j in range(len(rel.keys))]
    aggs = [f"__kq_a{j}" for j in range(len(rel.aggregates))]
    bin_items = [f"{c.expr(e)} AS {k}" for e, k in zip(rel.keys, keys)] + ["__kq_i"] + [
        f"{c.expr(e)} AS {a}" for e, a in zip(rel.aggregates, aggs)]
    group_by = ", ".join(str(i + 1) for i in range(len(keys) + 1))
    if plain:
        ctes.append(f"__kq_bins AS (SELECT {', '.join(bin_items)} FROM __kq_src GROUP BY {group_by})")
    else:
        ctes.append(f"__kq_bins AS (SELECT {', '.join(bin_items)} FROM (SELECT *, "
                    f"{floor_div(f'__kq_x - {s0_ref}', step)} AS __kq_i FROM __kq_src{bounds_join}) "
                    f"WHERE __kq_i >= 0 AND __kq_i < {n_ref} GROUP BY {group_by})")
    # the axis is the same for every series: built once
    axis_values = axis_value(f"__kq_s0 + r.__kq_i * {step}")
    ctes.append(f"__kq_axis AS (SELECT CAST(to_json(list({axis_values} ORDER BY r.__kq_i)) AS JSON) AS __kq_a "
                f"FROM __kq_bounds, range(__kq_bounds.__kq_n) r(__kq_i))")

    key_cols = rel.columns[: len(keys)]
    if keys:
        groups = f"SELECT DISTINCT {', '.join(keys)} FROM __kq_bins"
        if rel.nonempty:
            empty = ", ".join(f"{_empty(col.type)} AS {k}" for col, k in zip(key_cols, keys))
            groups += f" UNION ALL SELECT {empty} WHERE NOT EXISTS (SELECT 1 FROM __kq_bins)"
        group_cols = [f"g.{k}" for k in keys]
    else:
        groups = "SELECT 1 AS __kq_g" + ("" if rel.nonempty else " WHERE EXISTS (SELECT 1 FROM __kq_bins)")
        group_cols = ["g.__kq_g"]

    outputs = [f"g.{k} AS {quote_ident(col.name)}" for k, col in zip(keys, key_cols)]
    for a, default, col in zip(aggs, rel.defaults, rel.columns[len(keys):]):
        value = f"CASE WHEN b.__kq_i IS NULL THEN {c.expr(default)} ELSE b.{a} END"
        outputs.append(f"CAST(to_json(list({value} ORDER BY r.__kq_i)) AS JSON) AS {quote_ident(col.name)}")
    outputs.append(f"(SELECT __kq_a FROM __kq_axis) AS {quote_ident(rel.columns[-1].name)}")
    join_on = " AND ".join(["b.__kq_i = r.__kq_i"] + [f"b.{k} IS NOT DISTINCT FROM g.{k}" for k in keys])
    ctes.append(f"__kq_groups AS ({groups})")
    return (f"WITH {(',' + chr(10) + '  ').join(ctes)}\n"
            f"  SELECT {', '.join(outputs)} FROM __kq_groups g{'' if static else ' CROSS JOIN __kq_bounds bd'} "
            f"CROSS JOIN range({n_ref if static else 'bd.__kq_n'}) r(__kq_i) LEFT JOIN __kq_bins b ON {join_on} "
            f"GROUP BY {', '.join(group_cols)}")


def _empty(kql_type: str) -> str:
    """A group key of kind=nonempty's row for empty input: '' for strings (never null in KQL), else null."""
    from ..types import SQL_TYPE

    return "''" if kql_type == "string" else f"CAST(NULL AS {SQL_TYPE[kql_type]})"
