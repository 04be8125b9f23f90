"""make-series: bind `T | make-series aggs on axis from a to b step s by keys` into a MakeSeriesRel.

Kusto's output is one row per group: the `by` columns, one dynamic array per aggregation (a value per
bin, `default` where a bin has no rows) and last the axis array. Bins are `bin_at(axis, step, start)`;
`start` left out is the first bin with data (`bin(min(axis), step)`) and `end` left out the bin after
the last with data, both taken over the whole input so that every series shares one axis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlSyntaxError, KqlTypeError
from ..syntax import ast as A
from . import naming
from .expressions import Scope
from .operators import coerce
from .plan import BCall, BExpr, BLit, Col, MakeSeriesRel, Rel
from .summarize import group_keys

if TYPE_CHECKING:
    from .binder import Binder, Env

DOCS = "https://learn.microsoft.com/kusto/query/make-series-operator"
_NUMERIC = ("int", "long", "real", "decimal")
_AXIS_TYPES = ("datetime", "timespan", *_NUMERIC)


def make_series(binder: Binder, op: A.MakeSeries, rel: Rel, env: Env) -> Rel:
    kind = op.param("kind")
    if kind is not None and str(kind) != "nonempty":
        raise KqlSyntaxError(f"unknown make-series kind '{kind}'", op.param_span("kind"), ["kinds: nonempty"],
                             code="KQ110")
    row_scope = binder.scope_of(rel, env, windows=False)
    agg_scope = binder.scope_of(rel, env, aggregates=True, windows=False)
    used: set[str] = set()
    counter = [0]

    key_cols, key_exprs = group_keys(binder, op.by, row_scope, used, counter)

    agg_cols: list[Col] = []
    agg_exprs: list[BExpr] = []
    defaults: list[BExpr] = []
    for agg in op.aggregates:
        item = agg.item
        value = binder.exprs.bind(item.expr, agg_scope)
        if not (isinstance(value, BCall) and value.fn.kind == "aggregate"):
            raise KqlTypeError("make-series needs an aggregation function here, such as count() or avg(x)",
                               item.expr.span, [f"see {DOCS}"], code="KQ322")
        if value.type not in _NUMERIC:
            raise KqlTypeError(f"make-series aggregations must return numbers; {value.fn.name}() returns "
                               f"{value.type}", item.expr.span, [f"see {DOCS}"], code="KQ322")
        if item.names:
            name = item.names[0]
        else:
            call = item.expr if isinstance(item.expr, A.Call) else None
            if call is not None and value.fn.name == "percentile":
                pct = value.args[1].value if isinstance(value.args[1], BLit) else ""
                name = f"percentile_{naming.derive(call.args[0]) or ''}_{str(pct).replace('.', '_')}"
            elif call is not None:
                name = naming.aggregate_name(value.fn.column if value.fn.column is not None else value.fn.name, call)
            else:
                name = naming.next_column(used, counter)
        name = naming.unique(name, used)
        used.add(name)
        agg_cols.append(Col(name, "dynamic"))
        agg_exprs.append(value)
        defaults.append(_default(binder, agg, value.type, env))

    axis = binder.exprs.bind(op.axis, row_scope)
    if axis.type not in _AXIS_TYPES:
        raise KqlTypeError(f"the make-series axis must be a datetime, timespan or number, not {axis.type}",
                           op.axis.span, code="KQ340")
    if axis.type == "int":
        axis = coerce(axis, "long")
    step = _bound(binder, op.step, axis.type, env, is_step=True)
    start = _bound(binder, op.start, axis.type, env) if op.start is not None else None
    end = _bound(binder, op.end, axis.type, env) if op.end is not None else None
    axis_name = naming.unique(naming.derive(op.axis) or naming.next_column(used, counter), used)

    columns = tuple(key_cols + agg_cols + [Col(axis_name, "dynamic")])
    return MakeSeriesRel(columns, input=rel, keys=tuple(key_exprs), aggregates=tuple(agg_exprs),
                         defaults=tuple(defaults), axis=axis, start=start, end=end, step=step,
                         in_range=op.in_range, nonempty=kind is not None)


def _default(binder: Binder, agg: A.MakeSeriesAgg, agg_type: str, env: Env) -> BExpr:
    """The value of a bin without rows: `default = v` (a constant), else 0 of the aggregate's type."""
    if agg.default is None:
        return BLit(agg_type, 0.0 if agg_type == "real" else 0)
    value = binder.exprs.bind(agg.default, Scope(env))
    if not isinstance(value, BLit):
        raise KqlTypeError("make-series default= needs a constant", agg.default.span, code="KQ310")
    if value.value is None:
        return BLit(agg_type, None)
    if value.type not in _NUMERIC:
        raise KqlTypeError(f"make-series default= must be a number, not {value.type}", agg.default.span,
                           code="KQ311")
    # the array keeps the default's own type (default=1.0 gives 1.0 in a count() series)
    return value


def _bound(binder: Binder, node: A.Node, axis_type: str, env: Env, is_step: bool = False) -> BExpr:
    value = binder.exprs.bind(node, Scope(env))
    if axis_type in ("datetime", "timespan"):
        wanted = "timespan" if is_step else axis_type
        if value.type != wanted:
            what = "step" if is_step else "bound"
            raise KqlTypeError(f"the make-series {what} must be a {wanted} for a {axis_type} axis, not {value.type}",
                               node.span, code="KQ340")
        if is_step and isinstance(value, BLit) and value.value is not None and value.value <= 0:
            raise KqlTypeError("the make-series step must be positive", node.span, code="KQ340")
        return value
    if value.type not in _NUMERIC:
        raise KqlTypeError(f"the make-series bounds and step must be numbers for a numeric axis, not {value.type}",
                           node.span, code="KQ340")
    if is_step and isinstance(value, BLit) and value.value is not None and value.value <= 0:
        raise KqlTypeError("the make-series step must be positive", node.span, code="KQ340")
    return value
