"""`evaluate` sequence plugins: funnel_sequence, funnel_sequence_completion, sequence_detect.

Arguments are checked with the helpers of plugins_activity.py; each result is a SqlRel whose
SQL sql/sequence.py writes. funnel_sequence returns three tables, as fork does (Binder.forked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import KqlTypeError
from ..sql.quote import quote_string
from ..sql.sequence import SequenceSpec, sequence_sql
from ..syntax import ast as A
from ..syntax.literals import LiteralError, parse_timespan_text
from .plan import BCol, BExpr, BSql, Col, OrderKey, Rel
from .plugins_activity import (
    TIMELINE_TYPES,
    column,
    constant,
    id_and_timeline,
    integral,
    length,
    need,
    order_by,
    plugin_rel,
    start_and_end,
)

if TYPE_CHECKING:
    from .binder import Binder, Env


def _sequence(b: Binder, env: Env, node: A.Node, plugin: str) -> tuple[str, ...]:
    value = constant(b, env, node, plugin, "Sequence", ("dynamic",)).value
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise KqlTypeError(f"{plugin}(): Sequence must be a dynamic array of state strings, e.g. dynamic(['a', 'b'])",
                           node.span, code="KQ353")
    return tuple(value)


def _state(rel: Rel, node: A.Node, plugin: str) -> Col:
    return column(rel, node, plugin, "StateColumn", ("string",))


def funnel_sequence(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate funnel_sequence(Id, Timeline, Start, End, MaxSequenceStepWindow, Step, StateColumn, Sequence)"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 8, "IdColumn, TimelineColumn, Start, End, MaxSequenceStepWindow, "
                                                    "Step, StateColumn, Sequence")
    start, end = start_and_end(b, env, args, name, time.type)
    gap = length(b, env, args[4], name, "MaxSequenceStepWindow", time.type)
    step = length(b, env, args[5], name, "Step", time.type)
    state = _state(rel, args[6], name)
    sequence = _sequence(b, env, args[7], name)
    if len(args) > 8:
        raise KqlTypeError(f"{name}() takes 8 arguments", args[8].span, code="KQ309")
    values: list[BExpr] = [start, end, step, gap]
    base: dict[str, Any] = dict(plugin=name, id=ident.name, time=time.name, time_type=time.type, dims=(),
                                params=("start", "end", "step", "gap"), integral=integral(time.type, *values),
                                state=state.name, sequence=sequence)
    results: list[tuple[str | None, Rel]] = []
    t = Col(time.name, time.type)
    samples = Col("samples", "dynamic")
    layouts = [(1, [t, Col("prev", "string"), Col("next", "string"), Col("dcount", "long"), samples]),
               (2, [t, Col("prev", "string"), Col("dcount", "long"), samples]),
               (3, [t, Col("next", "string"), Col("dcount", "long"), samples])]
    for table, cols in layouts:
        spec = SequenceSpec(**base, table=table)
        order = [time.name, "dcount"] + [c.name for c in cols if c.name in ("prev", "next")]
        results.append((None, plugin_rel(cols, (rel,), values, spec, sequence_sql, order_by(cols, order, ("dcount",)))))
    b.forked = results
    return results[0][1]


def funnel_sequence_completion(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate funnel_sequence_completion(Id, Timeline, Start, End, BinSize, StateColumn, Sequence,
    MaxSequenceStepPeriods)"""
    name = op.call.name
    args, ident, time = id_and_timeline(op, rel, 8, "IdColumn, TimelineColumn, Start, End, BinSize, StateColumn, "
                                                    "Sequence, MaxSequenceStepPeriods")
    start, end = start_and_end(b, env, args, name, time.type)
    step = length(b, env, args[4], name, "BinSize", time.type)
    state = _state(rel, args[5], name)
    sequence = _sequence(b, env, args[6], name)
    periods = _periods(b, env, args[7], name, time.type)
    if len(args) > 8:
        raise KqlTypeError(f"{name}() takes 8 arguments", args[8].span, code="KQ309")
    period_type = "timespan" if time.type in ("datetime", "timespan") else (
        "real" if any(isinstance(p, float) for p in periods) else "long")
    values: list[BExpr] = [start, end, step]
    spec = SequenceSpec(plugin=name, id=ident.name, time=time.name, time_type=time.type, dims=(),
                        params=("start", "end", "step"), integral=integral(time.type, *values) and period_type != "real",
                        state=state.name, sequence=sequence, periods=periods, period_type=period_type)
    cols = [Col(time.name, time.type), Col(state.name, "string"), Col("Period", period_type), Col("dcount", "long")]
    # each funnel in the order of its steps, as Kusto prints it
    position = BSql("long", lambda s: f"list_position([{', '.join(quote_string(v) for v in sequence)}], {s})",
                    (BCol("string", state.name),))
    order = order_by(cols, [time.name, "Period"]) + (OrderKey(position, False, False),)
    return plugin_rel(cols, (rel,), values, spec, sequence_sql, order)


def _periods(b: Binder, env: Env, node: A.Node, plugin: str, time_type: str) -> tuple[Any, ...]:
    """MaxSequenceStepPeriods: a constant array of lengths (timespans as ticks for datetime timelines)."""
    value = constant(b, env, node, plugin, "MaxSequenceStepPeriods", ("dynamic",)).value
    if not isinstance(value, list) or not value:
        raise KqlTypeError(f"{plugin}(): MaxSequenceStepPeriods must be a dynamic array of periods, e.g. "
                           "dynamic([1h, 1d])", node.span, code="KQ353")
    out = []
    for v in value:
        ticks = _length_value(v, time_type)
        if ticks is None or ticks <= 0:
            raise KqlTypeError(f"{plugin}(): MaxSequenceStepPeriods holds {v!r}, not a positive "
                               + ("timespan" if time_type in ("datetime", "timespan") else "number"),
                               node.span, code="KQ353")
        out.append(ticks)
    return tuple(out)


def _length_value(v: Any, time_type: str) -> Any:
    if time_type not in ("datetime", "timespan"):
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if isinstance(v, str):  # a timespan inside a dynamic array is its text: '01:00:00'
        try:
            return parse_timespan_text(v)
        except LiteralError:
            return None
    return None


def sequence_detect(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate sequence_detect(Timeline, MaxSequenceStepWindow, MaxSequenceSpan, Expr1, Expr2, ..., Dim1, ...)"""
    name = op.call.name
    args = list(op.call.args)
    need(op, args, 4, "TimelineColumn, MaxSequenceStepWindow, MaxSequenceSpan, Expr1, Expr2, ..., Dim1, Dim2, ...")
    for a in args[:3]:
        if isinstance(a, A.Assign):
            raise KqlTypeError(f"{name}(): the first three arguments are positional", a.span, code="KQ309")
    time = column(rel, args[0], name, "TimelineColumn", TIMELINE_TYPES)
    gap = length(b, env, args[1], name, "MaxSequenceStepWindow", time.type)
    span = length(b, env, args[2], name, "MaxSequenceSpan", time.type)
    scope = b.scope_of(rel, env, windows=False)
    steps: list[tuple[str, BExpr]] = []
    dims: list[str] = []
    for a in args[3:]:
        if isinstance(a, A.Name) and not steps:
            raise KqlTypeError(f"{name}(): the sequence steps (name = predicate) come before the dimensions",
                               a.span, code="KQ309")
        if isinstance(a, A.Name) and rel.column(a.name) is not None and rel.col(a.name).type != "bool":
            dims.append(column(rel, a, name, "a dimension").name)
            continue
        if dims:
            raise KqlTypeError(f"{name}(): the dimensions come after every sequence step", a.span, code="KQ309")
        expr = a.expr if isinstance(a, A.Assign) else a
        label = a.names[0] if isinstance(a, A.Assign) else f"Expr{len(steps) + 1}"
        pred = b.exprs.bind(expr, scope)
        if pred.type != "bool":
            raise KqlTypeError(f"{name}(): a sequence step is a bool predicate, not {pred.type}", expr.span,
                               ["e.g. heat = (EventType == 'Excessive Heat')"], code="KQ318")
        steps.append((label, pred))
    if not steps:
        raise KqlTypeError(f"{name}() needs at least one sequence step (name = predicate)", op.call.span,
                           code="KQ309")
    values: list[BExpr] = [gap, span, *(p for _, p in steps)]
    spec = SequenceSpec(plugin=name, id="", time=time.name, time_type=time.type, dims=tuple(dims),
                        params=("gap", "span", *(f"step{i}" for i in range(len(steps)))),
                        integral=integral(time.type, gap, span), steps=tuple(label for label, _ in steps))
    duration = "timespan" if time.type in ("datetime", "timespan") else time.type
    cols = [*(rel.col(d) for d in dims), *(Col(f"{label}_{time.name}", time.type) for label, _ in steps),
            Col("Duration", duration)]
    order = [f"{label}_{time.name}" for label, _ in steps] + dims
    return plugin_rel(cols, (rel,), values, spec, sequence_sql, order_by(cols, order))

