"""Operators that run a subquery per group, return several results or summarize in levels:
mv-apply, partition, fork, facet, top-nested and top-hitters (`evaluate` is in plugins.py,
`search`/`find` in search.py).

A subquery applied per group (mv-apply's per-record subtables, partition's per-key subtables)
is bound once over the whole input with a hidden group id column: every operator of the
subquery keeps that column and works within each group (summarize groups by it, take/top
number rows per group). The result is what Kusto's union of per-group results is, computed in
one SQL query.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlSyntaxError, KqlTypeError, KqlUnsupportedError, Span, did_you_mean
from ..syntax import ast as A
from . import naming
from .plan import (
    BCol,
    BExpr,
    BLit,
    BSql,
    Col,
    Distinct,
    Filter,
    MvExpandRel,
    OrderKey,
    Projection,
    Rel,
    UnionRel,
)

if TYPE_CHECKING:
    from .binder import Binder, Env

ROW_ID = "__kq_row"  # mv-apply: which input record an expanded row came from
ITEM_ID = "__kq_item"  # mv-apply: the element's index, when with_itemindex does not name it
PARTITION_ID = "__kq_part"  # partition: the partition key, kept under a name the subquery cannot shadow

# operators a per-group subquery may use (Kusto's list for mv-apply and partition native/shuffle)
GROUPED_OPERATORS = (A.Where, A.Extend, A.Parse, A.MvExpand, A.Project, A.ProjectAway, A.ProjectKeep,
                     A.ProjectRename, A.ProjectReorder, A.Summarize, A.Count, A.Distinct, A.Take, A.Top, A.Sort,
                     A.Serialize, A.TopHitters)
LEGACY_PARTITIONS = 64  # Kusto's limit for partition's legacy strategy
PER_VALUE_PARTITIONS = 1000  # native/shuffle subqueries that cannot run per group (scan) run per key, up to this
PARTITION_DOCS = "https://learn.microsoft.com/kusto/query/partition-operator"


def row_number(partition: Sequence[BExpr], order: Sequence[OrderKey]) -> BSql:
    """row_number() OVER (PARTITION BY ... ORDER BY ...), numbering from 1."""
    n = len(partition)

    def build(*parts: str) -> str:
        clauses = []
        if n:
            clauses.append("PARTITION BY " + ", ".join(parts[:n]))
        if order:
            clauses.append("ORDER BY " + ", ".join(
                f"{sql} {'DESC' if k.desc else 'ASC'} NULLS {'FIRST' if k.nulls_first else 'LAST'}"
                for sql, k in zip(parts[n:], order)))
        return f"row_number() OVER ({' '.join(clauses)})"

    return BSql("long", build, tuple(partition) + tuple(k.expr for k in order))


def _passthrough(rel: Rel) -> tuple[BExpr, ...]:
    return tuple(BCol(c.type, c.name) for c in rel.columns)


def _extend(rel: Rel, name: str, value: BExpr, order: tuple[OrderKey, ...] | None = None) -> Projection:
    return Projection(rel.columns + (Col(name, value.type),), input=rel, items=_passthrough(rel) + (value,),
                      order=order if order is not None else rel.order)


def _keep(rel: Rel, names: list[str], order: tuple[OrderKey, ...] | None = None) -> Projection:
    cols = tuple(rel.col(n) for n in names)
    return Projection(cols, input=rel, items=tuple(BCol(c.type, c.name) for c in cols), order=order)


def _name(span: Span, name: str) -> A.Name:
    return A.Name(span, name)


def _call(span: Span, name: str, *args: A.Node) -> A.Call:
    return A.Call(span, name, tuple(args), span)


def literal_of(value: Any, kql_type: str) -> BLit:
    """A value read back from a result (pyarrow to_pylist) as a plan literal of its KQL type."""
    if value is None:
        return BLit(kql_type, None)
    if kql_type == "datetime" and isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return BLit("datetime", value)
    if kql_type == "timespan" and isinstance(value, dt.timedelta):
        return BLit("timespan", (value.days * 86_400 + value.seconds) * 10_000_000 + value.microseconds * 10)
    if kql_type == "dynamic" and isinstance(value, str):
        return BLit("dynamic", json.loads(value))
    return BLit(kql_type, value)


class MoreOps:
    def __init__(self, binder: Binder):
        self.b = binder

    # ------------------------------------------------------------ per-group subqueries
    def _grouped(self, pipe: A.Pipe, rel: Rel, env: Env, keys: list[str], lead: list[OrderKey],
                 visible: list[str], what: str) -> tuple[Rel, list[str]]:
        """Bind a subquery so that it runs within each group of keys[0].

        keys: columns every step keeps (keys[0] the group id, the rest constant per group);
        lead: the order of the groups; visible: the columns the subquery sees as its own.
        Returns the relation and its visible columns."""
        for op in pipe.ops:
            if not _groupable(op):
                word = _operator_word(op)
                hints = ["supported: where, extend, project*, parse, mv-expand, summarize, count, distinct, take, top, "
                         "sort, top-hitters"]
                if what == "partition":
                    hints.append("hint.strategy=legacy runs any subquery once per key")
                if isinstance(op, GROUPED_OPERATORS):  # supported, but with a window function
                    raise KqlUnsupportedError(f"window functions (row_number(), prev(), next(), row_cumsum()...) are "
                                              f"not supported inside the {what} subquery", op.span, hints[1:])
                raise KqlUnsupportedError(f"'{word}' is not supported inside the {what} subquery", op.span, hints)
            rel, visible, keys = self._grouped_step(op, rel, env, keys, lead, visible)
        return rel, visible

    def _grouped_step(self, op: A.Operator, rel: Rel, env: Env, keys: list[str], lead: list[OrderKey],
                      visible: list[str]) -> tuple[Rel, list[str], list[str]]:
        b = self.b
        group = [BCol(rel.col(keys[0]).type, keys[0])]
        before = rel.column_names()
        if isinstance(op, (A.Where, A.Extend, A.Parse, A.MvExpand, A.Serialize)):
            out = b.ops.apply(op, rel, env)
            names = out.column_names()
            return out, [n for n in visible if n in names] + [n for n in names if n not in before], keys
        if isinstance(op, (A.Project, A.ProjectAway, A.ProjectKeep, A.ProjectRename, A.ProjectReorder)):
            out = b.ops.apply(op, rel, env)
            shown = out.column_names()
            missing = [k for k in keys if k not in shown]
            if missing:  # the group columns stay, hidden, for the operators after this one
                assert isinstance(out, Projection)
                extra = tuple(rel.col(k) for k in missing)
                out = Projection(out.columns + extra, input=out.input,
                                 items=out.items + tuple(BCol(c.type, c.name) for c in extra), order=out.order)
            return out, shown, keys
        if isinstance(op, (A.Summarize, A.Count, A.Distinct, A.TopHitters)):
            if isinstance(op, A.TopHitters):
                summarize_op, top_op = self._top_hitters_ops(op, rel, env)
                out, shown, keys = self._grouped_step(summarize_op, rel, env, keys, lead, visible)
                return self._grouped_step(top_op, out, env, keys, lead, shown)
            if isinstance(op, A.Distinct) and op.items is None:
                return Distinct(rel.columns, input=rel), visible, keys
            if isinstance(op, A.Count):
                aggs: tuple[A.Assign, ...] = (A.Assign(op.span, ("Count",), _call(op.span, "count")),)
                by: tuple[A.Assign, ...] = ()
            elif isinstance(op, A.Distinct):
                aggs, by = (), op.items or ()
            else:
                aggs, by = op.aggregates, op.by
            named = {n for item in aggs + by for n in item.names}
            named |= {naming.derive(item.expr) for item in by if not item.names} - {None}  # type: ignore[arg-type]
            carried = [k for i, k in enumerate(keys) if i == 0 or k not in named]
            group_by = tuple(A.Assign(op.span, (k,), _name(op.span, k)) for k in carried) + by
            from .summarize import summarize

            out = summarize(b, aggs, group_by, rel, env, op.span)
            return out, out.column_names()[len(carried):], carried
        if isinstance(op, A.Take):
            count = b.ops._count(op.count, env)
            return self._first_per_group(rel, group, list(rel.order or ()), count, rel.order), visible, keys
        if isinstance(op, (A.Top, A.Sort)):
            sort_keys = b.ops._sort_keys(op.keys, rel, env)
            ordered = tuple(lead) + tuple(sort_keys)
            if isinstance(op, A.Sort):
                return b.order(rel, list(ordered)), visible, keys
            count = b.ops._count(op.count, env)
            return self._first_per_group(rel, group, sort_keys, count, ordered), visible, keys
        raise KqlUnsupportedError(f"'{_operator_word(op)}' is not supported here", op.span)

    def _first_per_group(self, rel: Rel, group: Sequence[BExpr], order: list[OrderKey], count: BExpr,
                         out_order: tuple[OrderKey, ...] | None) -> Rel:
        """The first `count` rows of each group in the given order (take / top within groups)."""
        numbered = _extend(rel, "__kq_rank", row_number(group, order), order=None)
        kept = Filter(numbered.columns, input=numbered,
                      predicate=BSql("bool", lambda r, n: f"({r} <= {n})", (BCol("long", "__kq_rank"), count)))
        return _keep(kept, rel.column_names(), order=out_order)

    # ------------------------------------------------------------ mv-apply
    def visit_MvApply(self, op: A.MvApply, rel: Rel, env: Env) -> Rel:
        b = self.b
        if op.param("bagexpansion") is not None:
            raise KqlSyntaxError("mv-apply does not take bagexpansion; expand a property bag with an inner "
                                 "mv-expand kind=array", op.param_span("bagexpansion"), code="KQ120")
        numbered = _extend(rel, ROW_ID, row_number([], list(rel.order or ())), order=None)
        index = op.param("with_itemindex")
        item = str(index) if index else ITEM_ID
        params = tuple(p for p in op.params if p.name != "with_itemindex") + (A.OpParam(op.span, "with_itemindex", item),)
        targets = {it.name or naming.derive(it.expr) for it in op.items}
        # the record's other columns, kept under hidden names: the subquery may change or drop its own copies
        outer = [c for c in rel.columns if c.name not in targets]
        for i, c in enumerate(outer):
            numbered = _extend(numbered, f"__kq_outer{i}", BCol(c.type, c.name), order=None)
        expanded = b.ops.visit_MvExpand(A.MvExpand(op.span, op.items, op.limit, params=params), numbered, env)
        assert isinstance(expanded, MvExpandRel)
        lead = [OrderKey(BCol("long", ROW_ID), False, False)]
        expanded = dataclasses.replace(expanded, order=tuple(lead) + (OrderKey(BCol("long", item), False, False),))
        hidden = [f"__kq_outer{i}" for i in range(len(outer))]
        visible = [n for n in expanded.column_names()
                   if n != ROW_ID and n not in hidden and (index or n != ITEM_ID)]
        out, visible = self._grouped(op.body, expanded, env, [ROW_ID] + hidden, lead, visible, "mv-apply")
        visible = [n for n in visible if not n.startswith("__kq_")]  # e.g. arg_max(x, *) brings every column
        in_groups = out.order and isinstance(out.order[0].expr, BCol) and out.order[0].expr.name == ROW_ID
        out = b.order(out, list(out.order) if in_groups else lead)  # type: ignore[arg-type]
        cols = [Col(c.name, c.type) for c in outer if c.name not in visible] + [out.col(n) for n in visible]
        items = [BCol(c.type, f"__kq_outer{i}") for i, c in enumerate(outer) if c.name not in visible]
        items += [BCol(out.col(n).type, n) for n in visible]
        # the rows stay in record order (the projection keeps its input's order)
        return Projection(tuple(cols), input=out, items=tuple(items))

    # ------------------------------------------------------------ partition
    def visit_Partition(self, op: A.Partition, rel: Rel, env: Env) -> Rel:
        column = op.column.name
        col = rel.column(column)
        if col is None:
            raise KqlNameError(f"partition: unknown column '{column}'", op.column.span,
                               did_you_mean(column, rel.column_names(), "columns"), code="KQ201")
        strategy = str(op.param("hint.strategy", "legacy")).lower()
        if strategy not in ("legacy", "native", "shuffle"):
            raise KqlSyntaxError(f"unknown partition strategy '{strategy}'", op.param_span("hint.strategy"),
                                 ["strategies: legacy, native, shuffle"], code="KQ121")
        if op.with_source:
            if strategy != "legacy":
                raise KqlSyntaxError("a partition subquery with its own source ({ ... }) needs the legacy strategy",
                                     op.span, [PARTITION_DOCS], code="KQ121")
            return self._partition_per_value(op, rel, env, col, LEGACY_PARTITIONS)
        assert isinstance(op.body, A.Pipe)
        grouped = all(_groupable(o) for o in op.body.ops)
        if not grouped:  # scan, as, joins, row_number()...: the subquery is bound once per key value
            limit = LEGACY_PARTITIONS if strategy == "legacy" else PER_VALUE_PARTITIONS
            return self._partition_per_value(op, rel, env, col, limit)
        keyed = _extend(rel, PARTITION_ID, BCol(col.type, column))
        out, visible = self._grouped(op.body, keyed, env, [PARTITION_ID], [], rel.column_names(), "partition")
        visible = [n for n in visible if not n.startswith("__kq_")]
        return _keep(out, visible, order=out.order if _order_uses(out.order, visible) else None)

    def _partition_per_value(self, op: A.Partition, rel: Rel, env: Env, col: Col, limit: int) -> Rel:
        """Kusto's legacy strategy: the subquery bound once per distinct key value, results unioned."""
        from .binder import Env as _Env

        b = self.b
        if b.catalog.run is None:
            raise KqlUnsupportedError("partition with the legacy strategy needs a database to read the keys from",
                                      op.span, [PARTITION_DOCS])
        keys = b.catalog.run(Distinct((col,), input=_keep(rel, [col.name])), b.now).column(0).to_pylist()
        if len(keys) > limit:
            hint = ("use hint.strategy=native (or shuffle) with a subquery in ( )" if limit == LEGACY_PARTITIONS
                    else "this subquery runs once per key; filter the input or use operators that run per group")
            what = "the legacy strategy allows" if limit == LEGACY_PARTITIONS else "kqlite runs this subquery for"
            raise KqlTypeError(f"partition: {what} at most {limit} partitions; '{col.name}' has {len(keys)} values",
                               op.column.span, [hint], code="KQ350")
        values = [literal_of(v, col.type) for v in keys] or [BLit(col.type, None)]
        parts: list[Rel] = []
        for value in values:
            local = _Env(env)
            if keys:
                test: BExpr = (BSql("bool", lambda c: f"({c} IS NULL)", (BCol(col.type, col.name),)) if value.value is None
                        else BSql("bool", lambda c, v: f"({c} = {v})", (BCol(col.type, col.name), value)))
            else:
                test = BLit("bool", False)  # no rows: bind once for the schema
            subtable = Filter(rel.columns, input=rel, predicate=test, order=rel.order)
            if op.with_source:
                local.define(col.name, "scalar", value)
                parts.append(b.tabular(op.body, local))
            else:
                assert isinstance(op.body, A.Pipe)
                out: Rel = subtable
                for inner in op.body.ops:
                    out = b.ops.apply(inner, out, local)
                parts.append(out)
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        for p in parts[1:]:
            if [(c.name, c.type) for c in p.columns] != [(c.name, c.type) for c in first.columns]:
                raise KqlTypeError("partition: the subquery gives different columns for different keys", op.span,
                                   code="KQ351")
        return UnionRel(first.columns, inputs=tuple(parts), source_column=None,
                        source_names=tuple(f"partition_{i}" for i in range(len(parts))))

    # ------------------------------------------------------------ several results
    def visit_Fork(self, op: A.Fork, rel: Rel, env: Env) -> Rel:
        results: list[tuple[str | None, Rel]] = []
        for leg in op.legs:
            out, name = rel, leg.name
            for inner in leg.body.ops:
                if isinstance(inner, (A.Fork, A.Facet)):
                    raise KqlSyntaxError("fork and facet cannot be nested", inner.span, code="KQ119")
                if isinstance(inner, A.As):
                    name = inner.name
                out = self.b.ops.apply(inner, out, env)
            results.append((name, out))
        self.b.forked = results
        return results[0][1]

    def visit_Facet(self, op: A.Facet, rel: Rel, env: Env) -> Rel:
        from .summarize import summarize

        results: list[tuple[str | None, Rel]] = []
        if op.body is not None:
            out = rel
            for inner in op.body.ops:
                out = self.b.ops.apply(inner, out, env)
            results.append((None, out))
        for column in op.columns:
            if rel.column(column.name) is None:
                raise KqlNameError(f"facet: unknown column '{column.name}'", column.span,
                                   did_you_mean(column.name, rel.column_names(), "columns"), code="KQ201")
            count = A.Assign(column.span, (f"count_{column.name}",), _call(column.span, "count"))
            results.append((None, summarize(self.b, (count,), (A.Assign(column.span, (), column),), rel, env,
                                            column.span)))
        self.b.forked = results
        return results[0][1]

    # ------------------------------------------------------------ plugins, search, find
    def visit_Evaluate(self, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
        from .plugins import evaluate

        return evaluate(self.b, op, rel, env)

    def visit_Scan(self, op: A.Scan, rel: Rel, env: Env) -> Rel:
        from .scan import scan

        return scan(self.b, op, rel, env)

    def visit_Search(self, op: A.Search, rel: Rel, env: Env) -> Rel:
        from .search import search

        return search(self.b, op, rel, env)

    def visit_Find(self, op: A.Find, rel: Rel, env: Env) -> Rel:
        from .search import find

        return find(self.b, op, rel, env)

    # ------------------------------------------------------------ top-hitters
    def _top_hitters_ops(self, op: A.TopHitters, rel: Rel, env: Env) -> tuple[A.Summarize, A.Top]:
        """top-hitters N of V [by S] is summarize count() (or sum(S)) by V | top N by it desc.

        Kusto estimates the counts with a count-min sketch; kqlite counts exactly."""
        value_name = naming.derive(op.of, set(rel.column_names())) or "Column1"
        if op.by is None:
            agg_name, agg = f"approximate_count_{value_name}", _call(op.span, "count")
        else:
            agg_name, agg = f"approximate_sum_{value_name}", _call(op.by.span, "sum", op.by)
        summarize_op = A.Summarize(op.span, (A.Assign(op.span, (agg_name,), agg),),
                                   (A.Assign(op.of.span, (value_name,), op.of),))
        top_op = A.Top(op.span, op.count, (A.SortKey(op.span, _name(op.span, agg_name), "desc", None),))
        return summarize_op, top_op

    def visit_TopHitters(self, op: A.TopHitters, rel: Rel, env: Env) -> Rel:
        summarize_op, top_op = self._top_hitters_ops(op, rel, env)
        return self.b.ops.apply(top_op, self.b.ops.apply(summarize_op, rel, env), env)

    # ------------------------------------------------------------ top-nested
    def visit_TopNested(self, op: A.TopNested, rel: Rel, env: Env) -> Rel:
        from .top_nested import top_nested

        return top_nested(self, op, rel, env)


def _groupable(op: A.Operator) -> bool:
    """Whether the operator can run within groups in one query: a supported operator that uses
    no window function (row_number(), prev()... would number across the groups)."""
    return isinstance(op, GROUPED_OPERATORS) and not _calls_window(op)


def _calls_window(node: Any) -> bool:
    from ..functions.registry import lookup

    if isinstance(node, A.Call):
        fn = lookup(node.name)
        if fn is not None and fn.kind == "window":
            return True
    if isinstance(node, A.Node):
        return any(_calls_window(v) for v in vars(node).values())
    if isinstance(node, tuple):
        return any(_calls_window(v) for v in node)
    return False


def _path_sql(*parts: str) -> str:
    """A text key for a path of values (null-safe, typed): equal paths give equal text."""
    fields = ", ".join(f"k{i} := {p}" for i, p in enumerate(parts))
    return f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"


def _order_uses(order: tuple[OrderKey, ...] | None, names: list[str]) -> bool:
    return bool(order) and all(isinstance(k.expr, BCol) and k.expr.name in names for k in order or ())


def _operator_word(op: A.Operator) -> str:
    words = {"MvExpand": "mv-expand", "MvApply": "mv-apply", "TopNested": "top-nested", "TopHitters": "top-hitters",
             "ProjectAway": "project-away", "ProjectKeep": "project-keep", "ProjectRename": "project-rename",
             "ProjectReorder": "project-reorder", "GetSchema": "getschema"}
    name = type(op).__name__
    return words.get(name, name.lower())

