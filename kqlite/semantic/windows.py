"""Window functions in a projection or a filter: Kusto's serialized-row-set rule, and the
extra SELECTs that some window calls need.

DuckDB evaluates one level of window functions per SELECT and none in WHERE, while Kusto
allows `row_number(1, prev(Airport) != Airport)` and `where prev(x) == 1`; and the forms
with a restart predicate (row_number, row_cumsum, row_rank_dense, row_rank_min) and
row_window_session need a running segment number before the value itself. A projection
with such calls is computed in up to three SELECTs over a row index:

  A  (in the input's order)  every input column, __kq_row<L> = the row's position, and the
                             window-function arguments that are neither constants nor columns
  B  (ORDER BY the index)    every column of A and the helper columns the functions ask for
                             (functions/window.py: STEPS)
  C  (ORDER BY the index)    the requested columns
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..functions.registry import Function
from ..functions.window import STEPS, Steps
from .plan import (
    BCall,
    BCol,
    BExpr,
    BLit,
    BPath,
    BSql,
    Col,
    Filter,
    Limit,
    Materialized,
    Order,
    OrderKey,
    Projection,
    RangeRel,
    Rel,
    Serialize,
)

if TYPE_CHECKING:
    from .binder import Binder

# the row's position in the input's order; not in the registry (no KQL name)
_ROW_INDEX = Function("row_index", "window", (), "long", lambda a, over="", **_: f"row_number() OVER ({over})")


def is_serialized(rel: Rel) -> bool:
    """Kusto's rule (serialize operator docs): sort, top, range, serialize emit a serialized
    row set; extend, project, where, take and the like keep it; summarize, join, union,
    distinct, mv-expand, sample, count and tables or datatables do not have one."""
    while True:
        if rel.serialized is not None:
            return rel.serialized
        if isinstance(rel, (Order, RangeRel, Serialize)):
            return True
        if isinstance(rel, (Projection, Filter, Limit, Materialized)):
            rel = rel.input
            continue
        return False


def has_window(e: BExpr) -> bool:
    if isinstance(e, BCall) and e.fn.kind == "window":
        return True
    return any(has_window(a) for a in _children(e))


def _children(e: BExpr) -> list[BExpr]:
    if isinstance(e, (BCall, BSql)):
        return list(e.args)
    if isinstance(e, BPath):
        return [e.base, *(s for s in e.steps if isinstance(s, BExpr))]
    return []


def _needs_steps(e: BExpr) -> bool:
    if isinstance(e, BCall) and e.fn.kind == "window":
        steps = STEPS.get(e.fn.name)
        if (steps is not None and steps.applies(len(e.args))) or any(has_window(a) for a in e.args):
            return True
    return any(_needs_steps(a) for a in _children(e))


@dataclass
class _Split:
    """Collects the columns steps A and B add while the requested items are rewritten."""

    level: int
    hidden: list[tuple[Col, BExpr]] = field(default_factory=list)  # step A
    helpers: list[tuple[Col, BExpr]] = field(default_factory=list)  # step B

    @property
    def row(self) -> BCol:
        return BCol("long", f"__kq_row{self.level}")

    def hide(self, e: BExpr) -> BExpr:
        if isinstance(e, (BLit, BCol)):
            return e
        col = Col(f"__kq_w{self.level}_{len(self.hidden)}", e.type)
        self.hidden.append((col, e))
        return BCol(e.type, col.name)

    def staged(self, call: BCall, steps: Steps) -> BExpr:
        args = tuple(self.hide(a) for a in call.args)
        n = len(args)
        helper_cols = []
        for j, t in enumerate(steps.helper_types):
            col = Col(f"__kq_h{self.level}_{len(self.helpers)}", t)
            self.helpers.append((col, BSql(t, lambda *s, j=j: steps.helpers(s[:-1], s[-1])[j], (*args, self.row))))
            helper_cols.append(BCol(t, col.name))
        h = len(helper_cols)
        return BSql(call.type, lambda *s: steps.final(s[:n], s[n:n + h], s[-1], call.type), (*args, *helper_cols, self.row))

    def rewrite(self, e: BExpr) -> BExpr:
        if isinstance(e, BCall) and e.fn.kind == "window":
            steps = STEPS.get(e.fn.name)
            if steps is not None and steps.applies(len(e.args)):
                return self.staged(e, steps)
            if any(has_window(a) for a in e.args):
                return replace(e, args=tuple(self.hide(a) if has_window(a) else a for a in e.args))
            return e
        if isinstance(e, (BCall, BSql)):
            return replace(e, args=tuple(self.rewrite(a) for a in e.args))
        if isinstance(e, BPath):
            return replace(e, base=self.rewrite(e.base),
                           steps=tuple(self.rewrite(s) if isinstance(s, BExpr) else s for s in e.steps))
        return e


def split_windows(rel: Rel, items: list[BExpr], level: int = 0) -> tuple[Rel, list[BExpr]]:
    """The input and items for the final projection: unchanged unless a window call needs
    steps A and B (see the module docstring)."""
    if not any(_needs_steps(e) for e in items):
        return rel, items
    split = _Split(level)
    rewritten = [split.rewrite(e) for e in items]
    by_row = (OrderKey(split.row, False, False),)
    passthrough: list[BExpr] = [BCol(c.type, c.name) for c in rel.columns]
    a_cols = [*rel.columns, Col(split.row.name, "long"), *(c for c, _ in split.hidden)]
    a_items = [*passthrough, BCall("long", _ROW_INDEX, ()), *(e for _, e in split.hidden)]
    a_input, a_items = split_windows(rel, a_items, level + 1)  # an argument may need steps of its own
    step_a = Projection(tuple(a_cols), input=a_input, items=tuple(a_items), order=by_row)
    if not split.helpers:
        return step_a, rewritten
    b_cols = [*a_cols, *(c for c, _ in split.helpers)]
    b_items = [*(BCol(c.type, c.name) for c in a_cols), *(e for _, e in split.helpers)]
    return Projection(tuple(b_cols), input=step_a, items=tuple(b_items), order=by_row), rewritten


def order_with_windows(binder: Binder, rel: Rel, keys: list[OrderKey], count: BExpr | None = None) -> Rel:
    """sort by prev(x) / top 2 by row_cumsum(x): a window in a sort key sees the rows in the
    input's order, not in the order being produced, and a later step must not re-evaluate it
    over the sorted rows. So the window keys become columns first (a projection over the input,
    whose windows are ordered like the input), the rows are sorted (and cut, for `top`) by
    those columns, and the columns are dropped. The dropped keys cannot be named after that,
    so the result carries no order keys: later steps keep the rows in the order they come."""
    hidden: list[Col] = []
    exprs: list[BExpr] = []
    by_columns: list[OrderKey] = []
    for key in keys:
        if not has_window(key.expr):
            by_columns.append(key)
            continue
        col = Col(f"__kq_sort{len(hidden)}", key.expr.type)
        hidden.append(col)
        exprs.append(key.expr)
        by_columns.append(replace(key, expr=BCol(col.type, col.name)))
    passthrough = binder.passthrough(rel)
    marked = binder.project(rel, [*rel.columns, *hidden], [*passthrough, *exprs])
    out: Rel = Order(marked.columns, input=marked, keys=tuple(by_columns), order=tuple(by_columns))
    if count is not None:
        out = binder.limit(out, count)
    return binder.project(out, list(rel.columns), passthrough)


def filter_with_windows(binder: Binder, rel: Rel, predicate: BExpr) -> Rel:
    """where prev(x) == 1: DuckDB has no window functions in WHERE, so the predicate becomes a
    column first and is dropped after the filter."""
    keep = Col("__kq_keep", "bool")
    passthrough = binder.passthrough(rel)
    marked = binder.project(rel, [*rel.columns, keep], [*passthrough, predicate])
    kept = Filter(marked.columns, input=marked, predicate=BCol("bool", keep.name), order=marked.order)
    return binder.project(kept, list(rel.columns), passthrough)
