"""top-nested: hierarchical top-N, with `with others` on any level.

Each input record gets, level by level, a bucket in the hierarchy (Kusto's rules, from the
top-nested docs' with-others example):
- under a chosen (top) parent, a record whose value is among its parent's top N stays in that
  value's bucket (kind 0);
- otherwise it goes to the level's "others" bucket (kind 1) when the level has `with others`;
  when it has not, to a bucket with a null value and null aggregate (kind 2), kept only if a
  deeper level has `with others` (that level then shows the aggregate over it), else dropped;
- under an others or null parent no top is chosen: the record goes to the level's others
  bucket, or a null bucket.
A bucket's key is the path of (kind, value) pairs down to it; each level's aggregate is computed
over the records in each of its buckets, before deeper levels drop any. The output has a row per
bucket of the last level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlTypeError
from ..syntax import ast as A
from . import naming
from .operators import coerce
from .plan import BCol, BExpr, BInQuery, BLit, BSql, Col, Filter, JoinRel, OrderKey, Projection, Rel

if TYPE_CHECKING:
    from .binder import Env
    from .more_ops import MoreOps

REAL, OTHERS, NULL_BUCKET, DROPPED = 0, 1, 2, 3
_NUMERIC = ("int", "long", "real", "decimal")


def top_nested(ops: MoreOps, op: A.TopNested, rel: Rel, env: Env) -> Rel:
    from .more_ops import _extend, _keep, _name, _path_sql
    from .summarize import summarize

    b = ops.b
    scope = b.scope_of(rel, env, windows=False)
    levels = op.levels
    values = [b.exprs.bind(lv.of.expr, scope) for lv in levels]
    others = [_others_value(b, lv, v.type, scope) for lv, v in zip(levels, values)]

    # hidden columns: __kq_vI the level's value, __kq_pI the path of values down to it (the top
    # choice), __kq_kI the record's bucket kind, __kq_rI "every bucket so far is a top value",
    # __kq_keyI the bucket's key, __kq_dI the value shown for the bucket
    cur: Rel = _extend(rel, "__kq_r0", BLit("bool", True), order=None)
    cur = _extend(cur, "__kq_key0", BLit("string", ""), order=None)
    for i, v in enumerate(values, 1):
        v = v if v.type != "dynamic" else BSql("dynamic", lambda s: f"CAST(CAST({s} AS VARCHAR) AS JSON)", (v,))
        cur = _extend(cur, f"__kq_v{i}", v, order=None)
    for i in range(1, len(levels) + 1):
        parts = tuple(BCol(values[j].type, f"__kq_v{j + 1}") for j in range(i))
        cur = _extend(cur, f"__kq_p{i}", BSql("string", _path_sql, parts), order=None)

    level_aggregates: list[Rel] = []
    for i, lv in enumerate(levels, 1):
        desc = lv.direction not in ("asc", "granny-asc")
        agg = A.Assign(lv.by.span, (f"__kq_a{i}",), lv.by.expr)
        # the top values of each chosen parent, over the records whose buckets are all top values
        chosen_parents = Filter(cur.columns, input=cur, predicate=BCol("bool", f"__kq_r{i - 1}"))
        by_names = ([f"__kq_p{i - 1}"] if i > 1 else []) + [f"__kq_p{i}"]
        groups = summarize(b, (agg,), tuple(A.Assign(lv.span, (n,), _name(lv.span, n)) for n in by_names),
                           chosen_parents, env, lv.span)
        if lv.count is not None:
            rank = [OrderKey(BCol(groups.col(f"__kq_a{i}").type, f"__kq_a{i}"), desc, False)]
            parent = [BCol("string", f"__kq_p{i - 1}")] if i > 1 else []
            groups = ops._first_per_group(groups, parent, rank, b.ops._count(lv.count, env), None)
        in_top = BInQuery("bool", BCol("string", f"__kq_p{i}"), _keep(groups, [f"__kq_p{i}"]), False, False)
        deeper_others = any(x is not None for x in others[i:])
        not_top = OTHERS if others[i - 1] is not None else (NULL_BUCKET if deeper_others else DROPPED)
        under_others = OTHERS if others[i - 1] is not None else NULL_BUCKET
        kind = BSql("int", lambda r, t, a=under_others, n=not_top: f"CASE WHEN NOT {r} THEN {a} WHEN {t} THEN {REAL} "
                    f"ELSE {n} END", (BCol("bool", f"__kq_r{i - 1}"), in_top))
        cur = _extend(cur, f"__kq_k{i}", kind, order=None)
        k = BCol("int", f"__kq_k{i}")
        if not_top == DROPPED:
            cur = Filter(cur.columns, input=cur, predicate=BSql("bool", lambda s: f"({s} <> {DROPPED})", (k,)))
        cur = _extend(cur, f"__kq_r{i}", BSql("bool", lambda r, s: f"({r} AND {s} = {REAL})",
                                               (BCol("bool", f"__kq_r{i - 1}"), k)), order=None)
        value = BCol(values[i - 1].type, f"__kq_v{i}")
        real_value = BSql(value.type, lambda s, x: f"CASE WHEN {s} = {REAL} THEN {x} END", (k, value))
        cur = _extend(cur, f"__kq_key{i}", BSql("string", _path_sql,
                                                (BCol("string", f"__kq_key{i - 1}"), k, real_value)), order=None)
        other = others[i - 1]
        shown: tuple[BExpr, ...] = (k, value) if other is None else (k, value, other)
        cur = _extend(cur, f"__kq_d{i}", BSql(value.type, _shown_value, shown), order=None)
        # the level's aggregate per bucket, before deeper levels drop records
        level_aggregates.append(summarize(b, (agg,), (A.Assign(lv.span, (f"__kq_key{i}",),
                                                               _name(lv.span, f"__kq_key{i}")),), cur, env, lv.span))

    # a row per last-level bucket, with each level's aggregate joined on its bucket key
    n = len(levels)
    row_keys = [name for i in range(1, n + 1) for name in (f"__kq_key{i}", f"__kq_k{i}", f"__kq_d{i}")]
    result: Rel = summarize(b, (), tuple(A.Assign(op.span, (name,), _name(op.span, name)) for name in row_keys),
                            cur, env, op.span)
    for i, aggregates in enumerate(level_aggregates, 1):
        a = aggregates.col(f"__kq_a{i}")
        cols = result.columns + (a,)
        outputs = tuple(("left", c.name) for c in result.columns) + (("right", a.name),)
        result = JoinRel(cols, left=result, right=aggregates, kind="inner", left_keys=(f"__kq_key{i}",),
                         right_keys=(f"__kq_key{i}",), outputs=outputs)

    used: set[str] = set()
    out_cols: list[Col] = []
    items: list[BExpr] = []
    order: list[OrderKey] = []
    counter = [0]
    for i, lv in enumerate(levels, 1):
        value_name = lv.of.names[0] if lv.of.names else (
            naming.derive(lv.of.expr, set(rel.column_names())) or naming.next_column(used, counter))
        value_name = naming.unique(value_name, used)
        used.add(value_name)
        agg_name = naming.unique(lv.by.names[0] if lv.by.names else f"aggregated_{value_name}", used)
        used.add(agg_name)
        shown_col = result.col(f"__kq_d{i}")
        agg_col = result.col(f"__kq_a{i}")
        agg_value = BSql(agg_col.type, lambda s, x: f"CASE WHEN {s} <> {NULL_BUCKET} THEN {x} END",
                         (BCol("int", f"__kq_k{i}"), BCol(agg_col.type, agg_col.name)))
        out_cols += [Col(value_name, shown_col.type), Col(agg_name, agg_col.type)]
        items += [BCol(shown_col.type, shown_col.name), agg_value]
        desc = lv.direction not in ("asc", "granny-asc")
        order.append(OrderKey(BCol("int", f"__kq_k{i}"), False, False))  # top values, then others, then nulls
        order.append(OrderKey(BCol(agg_col.type, agg_col.name), desc, False))
        order.append(OrderKey(BCol("string", f"__kq_key{i}"), False, False))
    return Projection(tuple(out_cols), input=b.order(result, order), items=tuple(items))


def _shown_value(kind: str, value: str, others: str | None = None) -> str:
    """The value a bucket shows: its own for a top value, the `with others` constant, else null."""
    other = f"WHEN {kind} = {OTHERS} THEN {others} " if others is not None else ""
    return f"CASE WHEN {kind} = {REAL} THEN {value} {other}END"


def _others_value(b, lv: A.NestedLevel, vtype: str, scope) -> BExpr | None:
    if lv.others is None:
        return None
    other = b.exprs.bind(lv.others, scope)
    if other.type == vtype:
        return other
    if other.type in _NUMERIC and vtype in _NUMERIC or vtype == "dynamic":
        return coerce(other, vtype)
    raise KqlTypeError(f"top-nested: 'with others' needs a {vtype} value like the level's values, "
                       f"not {other.type}", lv.others.span, code="KQ352")
