"""summarize / count / distinct: group keys, aggregates and Kusto's output names.

arg_max/arg_min, take_any(a, b) and percentiles/percentilesw produce several columns: they
aggregate into a struct column or several hidden columns that a projection after the
Aggregate unpacks and names."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import KqlTypeError, Span
from ..functions.aggregate import PERCENTILE_TYPES, check_percent, nearest_rank, weighted_rank
from ..functions.registry import Arg, lookup
from ..sql.quote import quote_ident, quote_string
from ..syntax import ast as A
from ..types import SQL_TYPE
from . import naming
from .plan import Aggregate, BCall, BCol, BExpr, BLit, BSql, Col, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env
    from .expressions import Scope


def count_rows(rel: Rel) -> Rel:
    fn = lookup("count")
    return Aggregate((Col("Count", "long"),), input=rel, keys=(), aggregates=(BCall("long", fn, ()),))


def _contains_aggregate(e: BExpr) -> bool:
    if isinstance(e, BCall) and e.fn.kind == "aggregate":
        return True
    if isinstance(e, BSql) and e.aggregate:
        return True
    return any(_contains_aggregate(a) for a in getattr(e, "args", ()) if isinstance(a, BExpr))


def group_keys(binder: Binder, by: tuple[A.Assign, ...], row_scope: Scope, used: set[str], counter: list[int]
               ) -> tuple[list[Col], list[BExpr]]:
    """The `by` columns of summarize and make-series: names (Kusto's, made unique in `used`) and values.
    A dynamic key groups by its text, since DuckDB cannot group JSON values structurally."""
    key_cols: list[Col] = []
    key_exprs: list[BExpr] = []
    for item in by:
        value = binder.exprs.bind(item.expr, row_scope)
        if value.type == "dynamic":
            value = BSql("dynamic", lambda s: f"CAST(CAST({s} AS VARCHAR) AS JSON)", (value,))
        name = item.names[0] if item.names else naming.derive(item.expr) or naming.next_column(used, counter)
        name = naming.unique(name, used)
        used.add(name)
        key_cols.append(Col(name, value.type))
        key_exprs.append(value)
    return key_cols, key_exprs


def summarize(binder: Binder, aggs: tuple[A.Assign, ...], by: tuple[A.Assign, ...], rel: Rel, env: Env,
              span: Span) -> Rel:
    row_scope = binder.scope_of(rel, env, windows=False)
    if by and len(aggs) == 1 and isinstance(aggs[0].expr, A.Call) and _picks_a_row(aggs[0].expr):
        return _row_per_group(binder, aggs[0], by, rel, env)
    agg_scope = binder.scope_of(rel, env, aggregates=True, windows=False)
    used: set[str] = set()
    counter = [0]
    key_cols, key_exprs = group_keys(binder, by, row_scope, used, counter)

    agg_cols: list[Col] = []
    agg_exprs: list[BExpr] = []
    # (output column, expression over the Aggregate's output) for the unpacking projection
    outputs: list[tuple[Col, BExpr]] = [(c, BCol(c.type, c.name)) for c in key_cols]
    needs_unpack = False
    for idx, item in enumerate(aggs):
        call = item.expr if isinstance(item.expr, A.Call) else None
        if call is not None and _picks_a_row(call):
            needs_unpack = True
            hidden = f"__kq_arg{idx}"
            columns, struct = _picked_row(binder, call, item, rel, row_scope, key_cols, used, hidden)
            outputs.extend(columns)
            agg_exprs.append(struct)
            agg_cols.append(Col(hidden, "dynamic"))
            continue
        if call is not None and call.name in ("percentiles", "percentilesw"):
            needs_unpack = True
            for j, (name, expr) in enumerate(_percentile_columns(binder, call, row_scope, used)):
                hidden = f"__kq_pct{idx}_{j}"
                agg_exprs.append(expr)
                agg_cols.append(Col(hidden, expr.type))
                outputs.append((Col(name, expr.type), BCol(expr.type, hidden)))
            continue
        value = binder.exprs.bind(item.expr, agg_scope)
        if not _contains_aggregate(value):
            raise KqlTypeError("summarize needs an aggregation function here, such as count() or sum(x)",
                               item.expr.span, ["group by it instead: summarize ... by <expression>"], code="KQ322")
        if item.names:
            name = item.names[0]
        elif isinstance(value, BCall) and value.fn.name in ("percentile", "percentilew") and call is not None:
            pct = value.args[-1].value if isinstance(value.args[-1], BLit) else ""
            name = f"percentile_{naming.derive(call.args[0]) or ''}_{_label(pct)}"
        elif isinstance(value, BCall) and value.fn.kind == "aggregate" and call is not None:
            name = naming.aggregate_name(value.fn.column if value.fn.column is not None else value.fn.name, call)
        else:
            name = naming.next_column(used, counter)
        name = naming.unique(name, used)
        used.add(name)
        agg_cols.append(Col(name, value.type))
        agg_exprs.append(value)
        outputs.append((Col(name, value.type), BCol(value.type, name)))

    agg = Aggregate(tuple(key_cols + agg_cols), input=rel, keys=tuple(key_exprs), aggregates=tuple(agg_exprs))
    if not needs_unpack:
        return agg
    return binder.project(agg, [c for c, _ in outputs], [e for _, e in outputs], keep_order=False)


def _picks_a_row(call: A.Call) -> bool:
    if call.name in ("arg_max", "arg_min"):
        return True
    return call.name in ("take_any", "any") and (len(call.args) > 1 or any(isinstance(a, A.Star) for a in call.args))


def _row_per_group(binder: Binder, item: A.Assign, by: tuple[A.Assign, ...], rel: Rel, env: Env) -> Rel:
    """summarize arg_max(x, cols) by k: keep the row with the largest x in each group.

    Kusto skips rows where x is null unless the whole group is null (then any row). A
    row_number() window ordered by x (nulls last) is exactly that, and DuckDB runs it
    faster than aggregating a struct of every column."""
    call = item.expr
    assert isinstance(call, A.Call)
    scope = binder.scope_of(rel, env, windows=False)
    used: set[str] = set()
    counter = [0]
    keys: list[tuple[str, BExpr]] = []
    for key in by:
        value = binder.exprs.bind(key.expr, scope)
        name = key.names[0] if key.names else naming.derive(key.expr) or naming.next_column(used, counter)
        name = naming.unique(name, used)
        used.add(name)
        keys.append((name, value))
    picks_extreme = call.name in ("arg_max", "arg_min")
    fields = _returned_fields(binder, call, item, rel, scope, {n for n, _ in keys}, used, counter, picks_extreme)
    n_keys = len(keys)
    order_parts: tuple[BExpr, ...] = (fields[0][1],) if picks_extreme else ()
    direction = "DESC" if call.name == "arg_max" else "ASC"

    def rank(*sqls: str) -> str:
        partition = f"PARTITION BY {', '.join(sqls[:n_keys])}" if n_keys else ""
        order = f" ORDER BY {sqls[n_keys]} {direction} NULLS LAST" if picks_extreme else ""
        return f"row_number() OVER ({partition}{order})"
    ranked_cols = list(rel.columns) + [Col("__kq_rank", "long")]
    ranked_items = binder.passthrough(rel) + [BSql("long", rank, tuple(v for _, v in keys) + order_parts)]
    ranked = binder.project(rel, ranked_cols, ranked_items, keep_order=False)
    first = binder.filter(ranked, BSql("bool", lambda r: f"({r} = 1)", (BCol("long", "__kq_rank"),)))
    out_cols, out_items = [], []
    for name, value in keys + [(naming.unique(n, used | {k for k, _ in keys}), v) for n, v in fields]:
        out_cols.append(Col(name, value.type))
        out_items.append(value)
    picked = binder.project(first, out_cols, out_items, keep_order=False)
    return replace(picked, serialized=False)  # summarize's output is not serialized, whatever its input


def _returned_fields(binder: Binder, call: A.Call, item: A.Assign, rel: Rel, scope, key_names: set[str],
                     used: set[str], counter: list[int], picks_extreme: bool) -> list[tuple[str, BExpr]]:
    """The columns arg_max(x, a, *) / take_any(a, *) return: (name, expression), x first.

    `*` means every input column not already returned and not a group key."""
    fields: list[tuple[str, BExpr]] = []
    args = list(call.args)
    if picks_extreme:
        if not args:
            raise KqlTypeError(f"{call.name}() needs the expression to maximize", call.span, code="KQ309")
        target = binder.exprs.bind(args[0], scope)
        target_name = (item.names[0] if item.names else naming.derive(args[0])) or (
            "max_" if call.name == "arg_max" else "min_")
        fields.append((target_name, target))
        args = args[1:]
    for arg in args:
        if isinstance(arg, A.Star):
            # a column already returned (arg_max_x = arg_max(x, *) returns x once, named arg_max_x)
            returned = {e.name for _, e in fields if isinstance(e, BCol)} | {f for f, _ in fields}
            for c in rel.columns:
                if c.name not in key_names and c.name not in returned:
                    fields.append((c.name, BCol(c.type, c.name)))
            continue
        value = binder.exprs.bind(arg, scope)
        fields.append((naming.derive(arg) or naming.next_column(used, counter), value))
    return fields


def _picked_row(binder: Binder, call: A.Call, item: A.Assign, rel: Rel, scope, key_cols: list[Col],
                used: set[str], hidden: str):
    """arg_max(x, a, b) / arg_max(x, *) / take_any(a, b) beside other aggregates: the columns of
    one row per group, aggregated as a struct that a projection unpacks. arg_max skips rows
    where x is null; when all are null it takes any row, as Kusto does."""
    picks_extreme = call.name in ("arg_max", "arg_min")
    fields = _returned_fields(binder, call, item, rel, scope, {c.name for c in key_cols}, used, [0], picks_extreme)
    results = []
    struct_fields = []
    for i, (name, value) in enumerate(fields):
        out = naming.unique(name, used)
        used.add(out)
        field_name = f"f{i}"
        struct_fields.append((field_name, value))
        results.append((Col(out, value.type), _unpack(value.type, field_name, hidden)))
    fn_name = call.name

    def build(*values: str) -> str:
        packed = "struct_pack(" + ", ".join(f"{quote_ident(f)} := {v}" for (f, _), v in zip(struct_fields, values)) + ")"
        if not picks_extreme:
            return f"any_value({packed})"
        return f"COALESCE({fn_name}({packed}, {values[0]}), any_value({packed}))"

    return results, BSql("dynamic", build, tuple(v for _, v in struct_fields), aggregate=True)


def _unpack(t: str, field_name: str, hidden: str) -> BExpr:
    def extract(s: str) -> str:
        value = f"struct_extract({s}, {quote_string(field_name)})"
        return f"COALESCE({value}, '')" if t == "string" else value  # strings are never null in KQL
    return BSql(t, extract, (BCol("dynamic", hidden),))


def _label(pct: object) -> str:
    """percentile_x_95, percentile_x_99_9: the percentage as Kusto writes it in column names."""
    if isinstance(pct, float) and pct.is_integer():
        pct = int(pct)
    return str(pct).replace(".", "_").replace("-", "_")


def _percentile_columns(binder: Binder, call: A.Call, scope, used: set[str]) -> list[tuple[str, BExpr]]:
    """percentiles(x, 50, 95) / percentilesw(x, w, 50, 95): one column per percentage,
    percentile_x_50 and percentile_x_95."""
    weighted = call.name == "percentilesw"
    n_fixed = 2 if weighted else 1
    if len(call.args) <= n_fixed:
        raise KqlTypeError(f"{call.name}() needs at least one percentage", call.span, code="KQ309")
    value = binder.exprs.bind(call.args[0], scope)
    if value.type not in PERCENTILE_TYPES:
        raise KqlTypeError(f"{call.name}() needs numbers, timespans or datetimes, not {value.type}",
                           call.args[0].span, code="KQ311")
    parts: tuple[BExpr, ...] = (value,)
    if weighted:
        weight = binder.exprs.bind(call.args[1], scope)
        if weight.type not in ("int", "long"):
            raise KqlTypeError(f"the weight of percentilesw() must be an integer (long), not {weight.type}",
                               call.args[1].span, code="KQ311")
        parts = (value, weight)
    base = naming.derive(call.args[0]) or ""
    sql_type = SQL_TYPE[value.type]
    columns: list[tuple[str, BExpr]] = []
    for p_node in call.args[n_fixed:]:
        p = binder.exprs.bind(p_node, scope)
        if not isinstance(p, BLit) or p.type not in ("int", "long", "real", "decimal") or p.value is None:
            raise KqlTypeError(f"{call.name}() needs constant percentages", p_node.span, code="KQ310")
        try:
            check_percent(Arg(repr(p.value), p.type, p.value, True))
        except KqlTypeError as e:
            e.span = p_node.span
            raise
        pct = p.value
        name = naming.unique(f"percentile_{base}_{_label(pct)}", used)
        used.add(name)
        if weighted:
            expr = BSql(value.type, lambda v, w, pc=pct: weighted_rank(v, w, repr(pc), sql_type), parts,
                        aggregate=True)
        else:
            expr = BSql(value.type, lambda v, pc=pct: nearest_rank(v, repr(pc)), parts, aggregate=True)
        columns.append((name, expr))
    return columns
