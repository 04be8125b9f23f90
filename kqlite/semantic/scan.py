"""scan: declared columns, steps, and `step.column` references bound for the SQL walk in
kqlite/sql/scan.py.

A step's condition and assignments are bound twice: `s.col` reads the previous step's state
in Check 1 and the step's own state in Check 2 (the docs' matching logic). Each reference is
rewritten to a hidden column (__kq_c1_{step}_{column} / __kq_c2_...) that the SQL provides.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlSyntaxError, KqlTypeError, did_you_mean
from ..syntax import ast as A
from ..types import normalize
from .expressions import Scope
from .operators import coerce
from .plan import BCol, BExpr, BLit, Col, Order, OrderKey, Projection, Rel, ScanRel, ScanStepPlan

if TYPE_CHECKING:
    from .binder import Binder, Env

DOCS = "https://learn.microsoft.com/kusto/query/scan-operator"


def scan(b: Binder, op: A.Scan, rel: Rel, env: Env) -> Rel:
    declared: list[tuple[Col, BExpr]] = []
    for p in op.declares:
        t = normalize(p.type)
        if t is None or p.type == "table":
            raise KqlTypeError(f"unknown type '{p.type}'", p.span, code="KQ312")
        if rel.column(p.name) is not None or any(c.name == p.name for c, _ in declared):
            raise KqlNameError(f"scan declares '{p.name}', which is already a column", p.span, code="KQ213")
        default: BExpr = BLit(t, None)
        if p.default is not None:
            value = b.exprs.bind(p.default, Scope(env))
            default = value if value.type == t else coerce(value, t)
        declared.append((Col(p.name, t), default))
    cols = list(rel.columns) + [c for c, _ in declared]
    index = {c.name: i for i, c in enumerate(cols)}
    steps = {s.name: k for k, s in enumerate(op.steps, 1)}
    if len(steps) != len(op.steps):
        raise KqlSyntaxError("scan step names must be unique", op.span, code="KQ124")
    scope_cols = {c.name: c.type for c in cols}
    for ctx in ("c1", "c2"):
        for k in range(1, len(op.steps) + 1):
            for i, c in enumerate(cols):
                scope_cols[f"__kq_{ctx}_{k}_{i}"] = c.type
    scope = Scope(env, scope_cols, windows=False)

    def bind(node: A.Node, ctx: str) -> BExpr:
        return b.exprs.bind(_rewrite(node, ctx, steps, index, cols), scope)

    plans = []
    for k, step in enumerate(op.steps, 1):
        output = (step.output or "all").lower()
        if output not in ("all", "last", "none"):
            raise KqlSyntaxError(f"scan: output must be all, last or none, not '{step.output}'", step.span,
                                 code="KQ124")
        checks = {}
        for ctx in (("c1", "c2") if k > 1 else ("c2",)):
            cond = bind(step.condition, ctx)
            if cond.type not in ("bool", "dynamic"):
                raise KqlTypeError(f"a scan step's condition must be bool, not {cond.type}", step.condition.span,
                                   code="KQ318")
            assigns = []
            for a in step.assigns:
                name = a.names[0]
                if name not in index or index[name] < len(rel.columns):
                    raise KqlNameError(f"scan can only assign the columns it declares; '{name}' is not declared",
                                       a.span, did_you_mean(name, [c.name for c, _ in declared], "columns"),
                                       code="KQ213")
                value = bind(a.expr, ctx)
                target = cols[index[name]].type
                assigns.append((index[name], value if value.type == target else coerce(value, target)))
            checks[ctx] = (coerce(cond, "bool"), tuple(assigns))
        one = checks.get("c1")
        plans.append(ScanStepPlan(step.name, output, one[0] if one else None, checks["c2"][0],
                                  one[1] if one else (), checks["c2"][1]))
    match_id = op.param("with_match_id")
    visible = cols + ([Col(str(match_id), "long")] if match_id else [])
    hidden = (Col("__kq_rn", "long"), Col("__kq_step", "int"))
    scanned = ScanRel(tuple(visible) + hidden, input=rel, declared=tuple(declared), steps=tuple(plans),
                      match_id=str(match_id) if match_id else None)
    keys = (OrderKey(BCol("long", "__kq_rn"), False, False), OrderKey(BCol("int", "__kq_step"), False, False))
    ordered = Order(scanned.columns, input=scanned, keys=keys, order=keys)
    return Projection(tuple(visible), input=ordered, items=tuple(BCol(c.type, c.name) for c in visible))


def _rewrite(node: Any, ctx: str, steps: dict[str, int], index: dict[str, int], cols: list[Col]) -> Any:
    """`step.column` -> the hidden column holding that value of the step's state in this check."""
    if isinstance(node, A.Member) and isinstance(node.target, A.Name) and node.target.name in steps:
        if node.name not in index:
            raise KqlNameError(f"scan state '{node.target.name}' has no column '{node.name}'", node.span,
                               did_you_mean(node.name, [c.name for c in cols], "columns"), code="KQ201")
        return A.Name(node.span, f"__kq_{ctx}_{steps[node.target.name]}_{index[node.name]}")
    if isinstance(node, A.Node):
        changes = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if isinstance(value, A.Node):
                new = _rewrite(value, ctx, steps, index, cols)
                if new is not value:
                    changes[f.name] = new
            elif isinstance(value, tuple) and any(isinstance(v, A.Node) for v in value):
                changes[f.name] = tuple(_rewrite(v, ctx, steps, index, cols) for v in value)
        return dataclasses.replace(node, **changes) if changes else node
    return node
