"""`evaluate` user-analytics plugins: active_users_count, activity_counts_metrics,
activity_engagement, activity_metrics, new_activity_metrics, session_count, sliding_window_counts.

Each checks its arguments (an id column, a timeline column, constant bounds and steps, dimension
columns) and becomes one SqlRel whose SQL sql/activity.py writes. The sequence plugins
(funnel_sequence, funnel_sequence_completion, sequence_detect) are in plugins_sequence.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlTypeError, KqlUnsupportedError, did_you_mean
from ..sql.activity import ActivitySpec, PluginCall, activity_sql
from ..syntax import ast as A
from .plan import BCol, BExpr, BLit, Col, OrderKey, Projection, Rel, SqlRel

if TYPE_CHECKING:
    from .binder import Binder, Env

DOCS = "https://learn.microsoft.com/kusto/query/{}-plugin"
TIMELINE_TYPES = ("datetime", "timespan", "int", "long", "real")
NUMBERS = ("int", "long", "real")
CALENDAR = ("week", "month", "year")
TICKS_PER_DAY = 864_000_000_000


# ---------------------------------------------------------------- argument checks shared with plugins_sequence


def positional(op: A.Evaluate) -> list[A.Node]:
    for a in op.call.args:
        if isinstance(a, A.Assign):
            raise KqlTypeError(f"{op.call.name}() takes its arguments by position, not by name", a.span,
                               [f"see {DOCS.format(op.call.name.replace('_', '-'))}"], code="KQ309")
    return list(op.call.args)


def need(op: A.Evaluate, args: list[A.Node], count: int, syntax: str) -> None:
    if len(args) < count:
        raise KqlTypeError(f"{op.call.name}() needs at least {count} arguments: {op.call.name}({syntax})",
                           op.call.span, [f"see {DOCS.format(op.call.name.replace('_', '-'))}"], code="KQ309")


def _either(types: tuple[str, ...]) -> str:
    return types[0] if len(types) == 1 else ", ".join(types[:-1]) + " or " + types[-1]


def is_column(rel: Rel, node: A.Node) -> bool:
    return isinstance(node, A.Name) and rel.column(node.name) is not None


def column(rel: Rel, node: A.Node, plugin: str, what: str, types: tuple[str, ...] | None = None) -> Col:
    """A column of the input named by the argument, of one of `types`."""
    if not isinstance(node, A.Name):
        raise KqlTypeError(f"{plugin}(): {what} must be a column of the input", node.span,
                           ["columns: " + ", ".join(rel.column_names())], code="KQ311")
    col = rel.column(node.name)
    if col is None:
        raise KqlNameError(f"{plugin}(): unknown column '{node.name}'", node.span,
                           did_you_mean(node.name, rel.column_names(), "columns"), code="KQ201")
    if types is not None and col.type not in types:
        raise KqlTypeError(f"{plugin}(): {what} must be of type {_either(types)}; '{col.name}' is {col.type}",
                           node.span, code="KQ311")
    return col


def id_and_timeline(op: A.Evaluate, rel: Rel, count: int, syntax: str) -> tuple[list[A.Node], Col, Col]:
    """The positional arguments (at least `count` of them) and the IdColumn and TimelineColumn they start with."""
    args = positional(op)
    need(op, args, count, syntax)
    name = op.call.name
    ident = column(rel, args[0], name, "IdColumn")
    time = column(rel, args[1], name, "TimelineColumn", TIMELINE_TYPES)
    return args, ident, time


def scalar(b: Binder, env: Env, node: A.Node, plugin: str, what: str, types: tuple[str, ...],
           hints: tuple[str, ...] = ()) -> BExpr:
    """A scalar argument (no columns) of one of `types`."""
    from .expressions import Scope

    value = b.exprs.bind(node, Scope(env))
    if value.type not in types:
        raise KqlTypeError(f"{plugin}(): {what} must be {_either(types)}, not {value.type}", node.span, hints,
                           code="KQ311")
    return value


def constant(b: Binder, env: Env, node: A.Node, plugin: str, what: str, types: tuple[str, ...]) -> BLit:
    value = scalar(b, env, node, plugin, what, types)
    if not isinstance(value, BLit) or value.value is None:
        raise KqlTypeError(f"{plugin}(): {what} must be a constant", node.span, code="KQ353")
    return value


def length(b: Binder, env: Env, node: A.Node, plugin: str, what: str, time_type: str) -> BLit:
    """A positive constant length on the timeline: a timespan for datetime/timespan timelines, a number otherwise."""
    types = ("timespan",) if time_type in ("datetime", "timespan") else NUMBERS
    value = constant(b, env, node, plugin, what, types)
    if value.value <= 0:
        raise KqlTypeError(f"{plugin}(): {what} must be greater than zero", node.span, code="KQ353")
    return value


def bound(b: Binder, env: Env, node: A.Node, plugin: str, what: str, time_type: str) -> BExpr:
    """Start, End or a cohort: a value of the timeline's kind."""
    types = (time_type,) if time_type in ("datetime", "timespan") else NUMBERS
    example = {"datetime": " such as datetime(2017-01-01)", "timespan": " such as 1d"}.get(time_type, "")
    return scalar(b, env, node, plugin, what, types,
                  (f"the timeline column is {time_type}: {what} is a {time_type} value{example}",))


def start_and_end(b: Binder, env: Env, args: list[A.Node], plugin: str, time_type: str) -> tuple[BExpr, BExpr]:
    """Start and End: the third and fourth arguments."""
    return bound(b, env, args[2], plugin, "Start", time_type), bound(b, env, args[3], plugin, "End", time_type)


def step_or_calendar(b: Binder, env: Env, node: A.Node, plugin: str, time_type: str,
                     calendar_ok: bool) -> tuple[BLit | None, str | None]:
    """The analysis step: a length, or 'week' / 'month' / 'year' (startofweek/month/year periods)."""
    if isinstance(node, A.Literal) and node.type == "string":
        word = str(node.value)
        if word not in CALENDAR or time_type != "datetime" or not calendar_ok:
            hint = "a timespan such as 1d" if time_type in ("datetime", "timespan") else "a number"
            words = calendar_ok and time_type == "datetime"
            raise KqlTypeError(f"{plugin}(): the step must be {hint}" + (" or 'week', 'month', 'year'" if words else ""),
                               node.span, [] if words or word not in CALENDAR or time_type != "datetime" else
                               [f"'{word}' steps need a datetime timeline and the Start and End arguments"],
                               code="KQ353")
        return None, word
    return length(b, env, node, plugin, "the step", time_type), None


def integral(time_type: str, *values: BExpr | None) -> bool:
    if time_type == "real":
        return False
    return all(v is None or v.type != "real" for v in values)


def bins(length_: BLit, step: BLit) -> int:
    """How many whole steps fit in a window (at least one): Kusto rounds the lookback down to steps."""
    return max(int(length_.value // step.value), 1)


def dims_of(rel: Rel, nodes: list[A.Node], plugin: str) -> tuple[str, ...]:
    out = []
    for node in nodes:
        out.append(column(rel, node, plugin, "a dimension").name)
    return tuple(out)


def plugin_rel(columns: list[Col], inputs: tuple[Rel, ...], args: list[BExpr], spec: Any,
               builder: Callable[..., str], order: tuple[OrderKey, ...] | None) -> SqlRel:
    """The plan node of a plugin call: SQL written by `builder` (sql/activity.py, sql/sequence.py)."""
    call = PluginCall(inputs, tuple(args), spec)
    return SqlRel(tuple(columns), inputs=inputs, build=partial(builder, call=call), order=order or None,
                  serialized=False)


def order_by(columns: list[Col], names: list[str], desc: tuple[str, ...] = ()) -> tuple[OrderKey, ...]:
    by = {c.name: c for c in columns}
    return tuple(OrderKey(BCol(by[n].type, n), n in desc, False) for n in names)


def _build(rel: Rel, spec: ActivitySpec, args: list[BExpr], columns: list[Col], order: list[str],
           extra: tuple[Rel, ...] = ()) -> SqlRel:
    return plugin_rel(columns, (rel, *extra), args, spec, activity_sql, order_by(columns, order))


def _dim_cols(rel: Rel, dims: tuple[str, ...]) -> list[Col]:
    return [rel.col(d) for d in dims]


# ---------------------------------------------------------------- the plugins


def activity_counts_metrics(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate activity_counts_metrics(Id, Timeline, Start, End, Step [, dim, ...])"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 5, "IdColumn, TimelineColumn, Start, End, Step [, dim, ...]")
    start, end = start_and_end(b, env, args, name, time.type)
    step, cal = step_or_calendar(b, env, args[4], name, time.type, True)
    dims = dims_of(rel, args[5:], name)
    spec = ActivitySpec(name, ident.name, time.name, time.type, dims, ("start", "end", "step") if step else
                        ("start", "end"), cal, integral(time.type, start, end, step))
    # the dimensions follow the timeline, as the page's older output schema shows
    cols = [Col(time.name, time.type), *_dim_cols(rel, dims), Col("count", "long"), Col("dcount", "long"),
            Col("new_dcount", "long"), Col("aggregated_dcount", "long")]
    return _build(rel, spec, [start, end] + ([step] if step else []), cols, [time.name, *dims])


def activity_metrics(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate activity_metrics(Id, Timeline, [Start, End,] Window [, dim, ...])"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 3, "IdColumn, TimelineColumn, [Start, End,] Window [, dim, ...]")
    ranged = len(args) >= 5 and not is_column(rel, args[3])
    params: list[str] = []
    values: list[BExpr] = []
    if ranged:
        values += start_and_end(b, env, args, name, time.type)
        params += ["start", "end"]
    window_node = args[4] if ranged else args[2]
    step, cal = step_or_calendar(b, env, window_node, name, time.type, ranged)
    if step is not None:
        values.append(step)
        params.append("step")
    dims = dims_of(rel, args[5 if ranged else 3:], name)
    spec = ActivitySpec(name, ident.name, time.name, time.type, dims, tuple(params), cal,
                        integral(time.type, *values))
    cols = [Col(time.name, time.type), Col("dcount_values", "long"), Col("dcount_newvalues", "long"),
            Col("retention_rate", "real"), Col("churn_rate", "real"), *_dim_cols(rel, dims)]
    return _build(rel, spec, values, cols, [time.name, *dims])


def activity_engagement(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate activity_engagement(Id, Timeline, [Start, End,] InnerActivityWindow, OuterActivityWindow [, dim, ...])"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 4, "IdColumn, TimelineColumn, [Start, End,] InnerActivityWindow, "
                                                    "OuterActivityWindow [, dim, ...]")
    ranged = len(args) >= 6 and not is_column(rel, args[4])
    params: list[str] = []
    values: list[BExpr] = []
    if ranged:
        values += start_and_end(b, env, args, name, time.type)
        params += ["start", "end"]
    at = 4 if ranged else 2
    inner = length(b, env, args[at], name, "InnerActivityWindow", time.type)
    outer = length(b, env, args[at + 1], name, "OuterActivityWindow", time.type)
    values.append(inner)
    params.append("step")
    dims = dims_of(rel, args[at + 2:], name)
    spec = ActivitySpec(name, ident.name, time.name, time.type, dims, tuple(params), None,
                        integral(time.type, *values, outer), windows=(("outer", bins(outer, inner)),))
    cols = [Col(time.name, time.type), Col("dcount_activities_inner", "long"), Col("dcount_activities_outer", "long"),
            Col("activity_ratio", "real"), *_dim_cols(rel, dims)]
    return _build(rel, spec, values, cols, [time.name, *dims])


def sliding_window_counts(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate sliding_window_counts(Id, Timeline, Start, End, LookbackWindow, Bin [, dim, ...])"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 6, "IdColumn, TimelineColumn, Start, End, LookbackWindow, Bin "
                                                    "[, dim, ...]")
    start, end = start_and_end(b, env, args, name, time.type)
    lookback = length(b, env, args[4], name, "LookbackWindow", time.type)
    step, cal = step_or_calendar(b, env, args[5], name, time.type, True)
    if cal in ("month", "year"):  # months and years have no fixed length to count the lookback in
        raise KqlUnsupportedError(f"{name}(): a '{cal}' Bin is not supported; use 'week' or a timespan",
                                  args[5].span, [f"see {DOCS.format('sliding-window-counts')}"])
    size = step if step is not None else BLit("timespan", 7 * TICKS_PER_DAY)
    dims = dims_of(rel, args[6:], name)
    values: list[BExpr] = [start, end] + ([step] if step else [])
    spec = ActivitySpec(name, ident.name, time.name, time.type, dims, ("start", "end", "step")[:len(values)], cal,
                        integral(time.type, start, end, step, lookback), windows=(("lookback", bins(lookback, size)),))
    # the page's example prints Count and Dcount
    cols = [Col(time.name, time.type), *_dim_cols(rel, dims), Col("Count", "long"), Col("Dcount", "long")]
    return _build(rel, spec, values, cols, [time.name, *dims])


def active_users_count(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate active_users_count(Id, Timeline, Start, End, LookbackWindow, Period, ActivePeriodsCount, Bin
    [, dim, ...])"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 8, "IdColumn, TimelineColumn, Start, End, LookbackWindow, Period, "
                                                    "ActivePeriodsCount, Bin [, dim, ...]")
    start, end = start_and_end(b, env, args, name, time.type)
    lookback = length(b, env, args[4], name, "LookbackWindow", time.type)
    period = length(b, env, args[5], name, "Period", time.type)
    active = constant(b, env, args[6], name, "ActivePeriodsCount", (*NUMBERS, "decimal"))
    step, cal = step_or_calendar(b, env, args[7], name, time.type, True)
    dims = dims_of(rel, args[8:], name)
    params = ("start", "end", "period", "active") + (("step",) if step else ())
    values: list[BExpr] = [start, end, period, active] + ([step] if step else [])
    spec = ActivitySpec(name, ident.name, time.name, time.type, dims, params, cal,
                        integral(time.type, start, end, period, step, lookback),
                        windows=(("lookback", bins(lookback, period)),))
    cols = [Col(time.name, time.type), *_dim_cols(rel, dims), Col("dcount", "long")]
    return _build(rel, spec, values, cols, [time.name, *dims])


def session_count(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate session_count(Id, Timeline, Start, End, Bin, LookBackWindow [, dim, ...])"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 6, "IdColumn, TimelineColumn, Start, End, Bin, LookBackWindow "
                                                    "[, dim, ...]")
    start, end = start_and_end(b, env, args, name, time.type)
    step = length(b, env, args[4], name, "Bin", time.type)
    lookback = length(b, env, args[5], name, "LookBackWindow", time.type)
    dims = dims_of(rel, args[6:], name)
    spec = ActivitySpec(name, ident.name, time.name, time.type, dims, ("start", "end", "step", "lookback"), None,
                        integral(time.type, start, end, step, lookback))
    cols = [Col(time.name, time.type), *_dim_cols(rel, dims), Col("count_sessions", "long")]
    return _build(rel, spec, [start, end, step, lookback], cols, [time.name, *dims])


def new_activity_metrics(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate new_activity_metrics(Id, Timeline, Start, End, Window [, Cohort] [, dim, ...] [, Lookback])"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 5, "IdColumn, TimelineColumn, Start, End, Window [, Cohort] "
                                                    "[, dim, ...] [, Lookback]")
    start, end = start_and_end(b, env, args, name, time.type)
    step, cal = step_or_calendar(b, env, args[4], name, time.type, True)
    params = ["start", "end"] + (["step"] if step else [])
    values: list[BExpr] = [start, end] + ([step] if step else [])
    rest = args[5:]
    extra: tuple[Rel, ...] = ()
    lookback_id = None
    if rest and not is_column(rel, rest[-1]):
        table = b.try_tabular(rest[-1], env)
        if table is not None:
            ids = table.column(ident.name)
            if ids is None:
                raise KqlNameError(f"{name}(): the Lookback table has no column '{ident.name}' (the IdColumn)",
                                   rest[-1].span, ["columns: " + ", ".join(table.column_names())], code="KQ201")
            extra, lookback_id, rest = (table,), ident.name, rest[:-1]
    if rest and not is_column(rel, rest[0]):
        values.append(bound(b, env, rest[0], name, "Cohort", time.type))
        params.append("cohort")
        rest = rest[1:]
    dims = dims_of(rel, rest, name)
    spec = ActivitySpec(name, ident.name, time.name, time.type, dims, tuple(params), cal,
                        integral(time.type, *values), lookback_id=lookback_id)
    cols = [Col(f"from_{time.name}", time.type), Col(f"to_{time.name}", time.type),
            Col("dcount_new_values", "long"), Col("dcount_retained_values", "long"), Col("dcount_churn_values", "real"),
            Col("retention_rate", "real"), Col("churn_rate", "real"), *_dim_cols(rel, dims)]
    return _build(rel, spec, values, cols, [f"from_{time.name}", f"to_{time.name}", *dims], extra)


def _plugins() -> dict[str, Callable[[Binder, A.Evaluate, Rel, Env], Rel]]:
    from . import plugins_sequence

    return {
        "active_users_count": active_users_count,
        "activity_counts_metrics": activity_counts_metrics,
        "activity_engagement": activity_engagement,
        "activity_metrics": activity_metrics,
        "new_activity_metrics": new_activity_metrics,
        "session_count": session_count,
        "sliding_window_counts": sliding_window_counts,
        "funnel_sequence": plugins_sequence.funnel_sequence,
        "funnel_sequence_completion": plugins_sequence.funnel_sequence_completion,
        "sequence_detect": plugins_sequence.sequence_detect,
    }


def evaluate(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """Dispatch from plugins.evaluate for the names in its ACTIVITY_PLUGINS."""
    out = _plugins()[op.call.name](b, op, rel, env)
    if op.schema is None:
        return out
    if op.call.name == "funnel_sequence":  # each of its results takes the schema
        b.forked = [(n, with_schema(op, r)) for n, r in b.forked]
        return b.forked[0][1]
    return with_schema(op, out)


def with_schema(op: A.Evaluate, out: Rel) -> Rel:
    """`evaluate plugin(...) : (name:type, ...)`: the declared columns, converted to their types (null when the
    plugin has no such column); with `*`, the plugin's other columns first."""
    from .operators import coerce
    from .plugins import _schema

    schema = _schema(op)
    assert schema is not None
    star, declared = schema
    names = {c.name for c in declared}
    cols = [c for c in out.columns if star and c.name not in names] + declared
    items = [coerce(BCol(out.col(c.name).type, c.name), c.type) if out.column(c.name) else BLit(c.type, None)
             for c in cols]
    kept = {c.name for c in cols}
    order = out.order if all(isinstance(k.expr, BCol) and k.expr.name in kept for k in out.order or ()) else None
    return Projection(tuple(cols), input=out, items=tuple(items), order=order)
