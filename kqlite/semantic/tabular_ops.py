"""Tabular operators: one `visit_<Operator>` per KQL operator, each turning the input
relation into a new one."""

from __future__ import annotations

import dataclasses
import fnmatch
from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlSyntaxError, KqlTypeError, KqlUnsupportedError, did_you_mean
from ..syntax import ast as A
from ..types import SYSTEM_TYPE, normalize
from . import naming
from .expressions import Scope
from .operators import coerce
from .plan import (
    BCol,
    BExpr,
    BLit,
    BPath,
    BSql,
    Col,
    Distinct,
    JoinRel,
    MvExpandRel,
    OrderKey,
    Rel,
    Sample,
    Serialize,
    UnionRel,
    Values,
)

if TYPE_CHECKING:
    from .binder import Binder, Env

JOIN_KINDS = {
    "innerunique": "innerunique", "inner": "inner", "leftouter": "leftouter", "rightouter": "rightouter",
    "fullouter": "fullouter", "outer": "fullouter", "leftanti": "leftanti", "anti": "leftanti",
    "leftantisemi": "leftanti", "rightanti": "rightanti", "rightantisemi": "rightanti", "leftsemi": "leftsemi",
    "semi": "leftsemi", "rightsemi": "rightsemi",
}


class TabularOps:
    def __init__(self, binder: Binder):
        self.b = binder

    def apply(self, op: A.Operator, rel: Rel, env: Env) -> Rel:
        from .graph import GraphOps, check_graph_input

        check_graph_input(op, rel)  # graphs flow only into graph operators
        method = getattr(self, f"visit_{type(op).__name__}", None)
        if method is None:
            from .more_ops import MoreOps  # mv-apply, top-nested, fork, evaluate, search...

            method = getattr(MoreOps(self.b), f"visit_{type(op).__name__}", None)
        if method is None:
            method = getattr(GraphOps(self.b), f"visit_{type(op).__name__}", None)
        if method is None:
            from ..functions import catalog

            known = catalog.operator_of_node(type(op).__name__)
            if known is not None:  # parsed but not bound: say why, point at its page
                raise catalog.unsupported_error(known, op.span)
            raise KqlUnsupportedError(f"the {type(op).__name__.lower()} operator is not supported", op.span)
        return method(op, rel, env)

    # ------------------------------------------------------------ filtering and columns
    def visit_Where(self, op: A.Where, rel: Rel, env: Env) -> Rel:
        pred = self.b.exprs.bind(op.predicate, self.b.scope_of(rel, env))
        if pred.type not in ("bool", "dynamic"):
            raise KqlTypeError(f"where needs a bool predicate, not {pred.type}", op.predicate.span,
                               ["compare it with something, e.g. x == ..."], code="KQ318")
        return self.b.filter(rel, coerce(pred, "bool"))

    def _assignments(self, items, rel: Rel, env: Env, used: set[str], counter: list[int]):
        scope = self.b.scope_of(rel, env)
        out: list[tuple[str, BExpr]] = []
        for item in items:
            value = self.b.exprs.bind(item.expr, scope)
            if len(item.names) > 1:
                raise KqlUnsupportedError("tuple assignment (a, b) = ... is not supported here", item.span)
            name = item.names[0] if item.names else naming.derive(item.expr, scope.columns)
            if name is None:
                name = naming.next_column(used, counter)
            out.append((name, value))
        return out

    def visit_Project(self, op: A.Project, rel: Rel, env: Env) -> Rel:
        from . import tuples

        if tuples.has_tuples(op.items):  # series_stats(x), (a, b) = series_fit_line(y): one column per value
            return tuples.project(self, op, rel, env)
        used: set[str] = set(rel.column_names())
        pairs = self._assignments(op.items, rel, env, used, [0])
        seen: set[str] = set()
        for (name, _), item in zip(pairs, op.items):
            if name in seen:
                raise KqlNameError(f"column '{name}' is projected twice", item.span,
                                   ["give one of them another name: project new_name = ..."], code="KQ208")
            seen.add(name)
        return self.b.project(rel, [Col(n, e.type) for n, e in pairs], [e for _, e in pairs])

    def visit_Extend(self, op: A.Extend, rel: Rel, env: Env) -> Rel:
        from . import tuples

        if tuples.has_tuples(op.items):
            return tuples.extend(self, op, rel, env)
        cols = list(rel.columns)
        items: list[BExpr] = self.b.passthrough(rel)
        used = set(rel.column_names())
        counter = [0]
        for item in op.items:
            # each assignment sees the columns the previous ones made
            first = item is op.items[0]
            current = rel if first else self.b.project(rel, cols, items)
            (name, value), = self._assignments([item], current, env, used, counter)
            if not first:
                value = _inline(value, cols, items)
            names = [c.name for c in cols]
            if name in names:
                i = names.index(name)
                cols[i], items[i] = Col(name, value.type), value
            else:
                cols.append(Col(name, value.type))
                items.append(value)
            used.add(name)
        return self.b.project(rel, cols, items)

    def _match(self, patterns: tuple[A.Name, ...], rel: Rel, what: str) -> list[str]:
        names = rel.column_names()
        out: list[str] = []
        for p in patterns:
            if "*" in p.name:
                hits = [n for n in names if fnmatch.fnmatchcase(n, p.name)]
            else:
                if p.name not in names:
                    raise KqlNameError(f"{what}: unknown column '{p.name}'", p.span,
                                       did_you_mean(p.name, names, "columns"), code="KQ201")
                hits = [p.name]
            out.extend(h for h in hits if h not in out)
        return out

    def visit_ProjectAway(self, op: A.ProjectAway, rel: Rel, env: Env) -> Rel:
        drop = set(self._match(op.patterns, rel, "project-away"))
        keep = [c for c in rel.columns if c.name not in drop]
        return self.b.project(rel, keep, [BCol(c.type, c.name) for c in keep])

    def visit_ProjectKeep(self, op: A.ProjectKeep, rel: Rel, env: Env) -> Rel:
        wanted = set(self._match(op.patterns, rel, "project-keep"))
        keep = [c for c in rel.columns if c.name in wanted]
        return self.b.project(rel, keep, [BCol(c.type, c.name) for c in keep])

    def visit_ProjectRename(self, op: A.ProjectRename, rel: Rel, env: Env) -> Rel:
        mapping: dict[str, str] = {}
        names = rel.column_names()
        for new, old in op.pairs:
            if old.name not in names:
                raise KqlNameError(f"project-rename: unknown column '{old.name}'", old.span,
                                   did_you_mean(old.name, names, "columns"), code="KQ201")
            mapping[old.name] = new.name
        cols = [Col(mapping.get(c.name, c.name), c.type) for c in rel.columns]
        return self.b.project(rel, cols, [BCol(c.type, c.name) for c in rel.columns], keep_order=False)

    def visit_ProjectReorder(self, op: A.ProjectReorder, rel: Rel, env: Env) -> Rel:
        ordered: list[str] = []
        for pattern, direction in op.items:
            hits = self._match((pattern,), rel, "project-reorder")
            if direction and "asc" in direction:
                hits = sorted(hits)
            elif direction and "desc" in direction:
                hits = sorted(hits, reverse=True)
            ordered.extend(h for h in hits if h not in ordered)
        rest = [n for n in rel.column_names() if n not in ordered]
        cols = [rel.col(n) for n in ordered + rest]
        return self.b.project(rel, cols, [BCol(c.type, c.name) for c in cols])

    # ------------------------------------------------------------ aggregation
    def visit_Summarize(self, op: A.Summarize, rel: Rel, env: Env) -> Rel:
        from .summarize import summarize

        return summarize(self.b, op.aggregates, op.by, rel, env, op.span)

    def visit_Count(self, op: A.Count, rel: Rel, env: Env) -> Rel:
        from .summarize import count_rows

        return count_rows(rel)

    def visit_Distinct(self, op: A.Distinct, rel: Rel, env: Env) -> Rel:
        if op.items is None:
            return Distinct(rel.columns, input=rel)
        from .summarize import summarize

        return summarize(self.b, (), op.items, rel, env, op.span)

    # ------------------------------------------------------------ rows and order
    def _count(self, node: A.Node, env: Env) -> BExpr:
        value = self.b.exprs.bind(node, Scope(env))
        if value.type not in ("int", "long", "real"):
            raise KqlTypeError(f"the row count must be a number, not {value.type}", node.span, code="KQ319")
        return coerce(value, "long")

    def visit_Take(self, op: A.Take, rel: Rel, env: Env) -> Rel:
        return self.b.limit(rel, self._count(op.count, env))

    def _sort_keys(self, keys: tuple[A.SortKey, ...], rel: Rel, env: Env) -> list[OrderKey]:
        scope = self.b.scope_of(rel, env)
        out = []
        for key in keys:
            expr = self.b.exprs.bind(key.expr, scope)
            if expr.type == "dynamic":
                expr = coerce(expr, "string")
            desc = key.direction not in ("asc", "granny-asc")
            nulls_first = (key.nulls == "first") if key.nulls else not desc
            if expr.type == "real":
                # DuckDB sorts NaN above +inf; Kusto puts it next to null, below every number
                null_rank = 0 if nulls_first != desc else 3
                out.append(OrderKey(BSql("int", lambda x, r=null_rank: (
                    f"(CASE WHEN {x} IS NULL THEN {r} WHEN isnan({x}) THEN 1 ELSE 2 END)"), (expr,)), desc, False))
            out.append(OrderKey(expr, desc, nulls_first))
        return out

    def visit_Sort(self, op: A.Sort, rel: Rel, env: Env) -> Rel:
        return self.b.order(rel, self._sort_keys(op.keys, rel, env))

    def visit_Top(self, op: A.Top, rel: Rel, env: Env) -> Rel:
        return self.b.order(rel, self._sort_keys(op.keys, rel, env), self._count(op.count, env))

    def visit_Sample(self, op: A.Sample, rel: Rel, env: Env) -> Rel:
        count = self._count(op.count, env)
        if not isinstance(count, BLit):
            raise KqlTypeError("sample needs a constant row count", op.count.span, code="KQ319")
        return Sample(rel.columns, input=rel, count=int(count.value or 0))

    def visit_Serialize(self, op: A.Serialize, rel: Rel, env: Env) -> Rel:
        serialized = Serialize(rel.columns, input=rel, order=rel.order)
        if op.items:
            return self.visit_Extend(A.Extend(op.span, op.items), serialized, env)
        return serialized

    # ------------------------------------------------------------ joins and unions
    def _right(self, node: A.Node, env: Env) -> Rel:
        return self.b.tabular(node, env)

    def _join_keys(self, on: tuple[A.Node, ...], left: Rel, right: Rel, env: Env) -> tuple[list[str], list[str]]:
        lcols, rcols = left.column_names(), right.column_names()
        lkeys, rkeys = [], []

        def side_col(node: A.Node) -> tuple[str, str] | None:
            if isinstance(node, A.Member) and isinstance(node.target, A.Side):
                cols = lcols if node.target.side == "left" else rcols
                if node.name not in cols:
                    raise KqlNameError(f"the {node.target.side} side has no column '{node.name}'", node.span,
                                       did_you_mean(node.name, cols, "columns"), code="KQ202")
                return node.target.side, node.name
            return None

        def add(node: A.Node) -> None:
            if isinstance(node, A.BinaryOp) and node.op == "and":
                add(node.left)
                add(node.right)
                return
            if isinstance(node, A.Name):
                for side, cols in (("left", lcols), ("right", rcols)):
                    if node.name not in cols:
                        raise KqlNameError(f"join key '{node.name}' is not a column of the {side} side", node.span,
                                           did_you_mean(node.name, cols, "columns"), code="KQ202")
                lkeys.append(node.name)
                rkeys.append(node.name)
                return
            if isinstance(node, A.BinaryOp) and node.op == "==":
                a, b = side_col(node.left), side_col(node.right)
                if a and b and a[0] != b[0]:
                    (l_name, r_name) = (a[1], b[1]) if a[0] == "left" else (b[1], a[1])
                    lkeys.append(l_name)
                    rkeys.append(r_name)
                    return
            raise KqlSyntaxError("a join condition is a column name or $left.a == $right.b (joined with 'and')",
                                 node.span, code="KQ109")

        for node in on:
            add(node)
        for lk, rk in zip(lkeys, rkeys):
            lt, rt = left.col(lk).type, right.col(rk).type
            if lt != rt and not (lt in ("int", "long") and rt in ("int", "long")):
                raise KqlTypeError(f"join keys have different types: {lk} is {lt}, {rk} is {rt}", on[0].span,
                                   ["convert one side first, e.g. extend key = tostring(...)"], code="KQ320")
        return lkeys, rkeys

    def visit_Join(self, op: A.Join, rel: Rel, env: Env) -> Rel:
        kind_text = str(op.param("kind", "innerunique"))
        kind = JOIN_KINDS.get(kind_text)
        if kind is None:
            raise KqlSyntaxError(f"unknown join kind '{kind_text}'", op.param_span("kind"),
                                 ["kinds: " + ", ".join(JOIN_KINDS)], code="KQ110")
        right = self._right(op.right, env)
        lkeys, rkeys = self._join_keys(op.on, rel, right, env)
        outputs: list[tuple[str, str]] = []
        cols: list[Col] = []
        used: set[str] = set()
        sides = {"leftsemi": ("left",), "leftanti": ("left",), "rightsemi": ("right",), "rightanti": ("right",)}
        for side in sides.get(kind, ("left", "right")):
            src = rel if side == "left" else right
            for c in src.columns:
                name = naming.unique(c.name, used)
                used.add(name)
                outputs.append((side, c.name))
                cols.append(Col(name, c.type))
        return JoinRel(tuple(cols), left=rel, right=right, kind=kind, left_keys=tuple(lkeys),
                       right_keys=tuple(rkeys), outputs=tuple(outputs))

    def visit_Lookup(self, op: A.Lookup, rel: Rel, env: Env) -> Rel:
        kind = str(op.param("kind", "leftouter"))
        if kind not in ("leftouter", "inner"):
            raise KqlSyntaxError(f"lookup kind must be leftouter or inner, not '{kind}'", op.param_span("kind"),
                                 code="KQ110")
        right = self._right(op.right, env)
        lkeys, rkeys = self._join_keys(op.on, rel, right, env)
        outputs = [("left", c.name) for c in rel.columns]
        cols = list(rel.columns)
        used = set(rel.column_names())
        for c in right.columns:
            if c.name in rkeys:
                continue
            name = naming.unique(c.name, used)
            used.add(name)
            outputs.append(("right", c.name))
            cols.append(Col(name, c.type))
        return JoinRel(tuple(cols), left=rel, right=right, kind="leftouter" if kind == "leftouter" else "inner",
                       left_keys=tuple(lkeys), right_keys=tuple(rkeys), outputs=tuple(outputs))

    def visit_Union(self, op: A.Union, rel: Rel, env: Env) -> Rel:
        inputs: list[tuple[str, Rel]] = []
        if not (isinstance(rel, Values) and not rel.columns and not rel.rows):
            inputs.append((self.b.labels.get(id(rel)) or str(getattr(rel, "name", "union_arg0")), rel))
        for item in op.tables:
            if isinstance(item, A.Name) and "*" in item.name:
                names = [n for n in self.b.catalog.tables if fnmatch.fnmatchcase(n, item.name)]
                for n in sorted(names):
                    inputs.append((n, self.b.catalog.tables[n]))
                continue
            item_rel = self.b.tabular(item, env)
            label = item.name if isinstance(item, A.Name) else (self.b.labels.get(id(item_rel)) or f"union_arg{len(inputs)}")
            inputs.append((label, item_rel))
        if not inputs:
            raise KqlNameError("union has no tables", op.span, code="KQ209")
        kind = str(op.param("kind", "outer"))
        types_by_name: dict[str, list[str]] = {}
        for _, r in inputs:
            for c in r.columns:
                types_by_name.setdefault(c.name, [])
                if c.type not in types_by_name[c.name]:
                    types_by_name[c.name].append(c.type)
        columns: list[Col] = []
        if kind == "inner":
            common = [c for c in inputs[0][1].columns
                      if all(c in r.columns for _, r in inputs)]
            columns = list(common)
        else:
            taken = set(types_by_name)
            for name, types in types_by_name.items():
                if len(types) == 1:
                    columns.append(Col(name, types[0]))
                else:
                    for t in types:
                        suffixed = naming.unique(f"{name}_{t}", taken - {name})
                        taken.add(suffixed)
                        columns.append(Col(suffixed, t))
        source = op.param("withsource")
        out_cols = ([Col(str(source), "string")] if source else []) + columns
        # which input column feeds each output column: the same name, or name_type for split names
        origin: dict[str, str] = {}
        for name, types in types_by_name.items():
            if len(types) > 1:
                for c in columns:
                    if c.name.startswith(name + "_" + c.type) and c.type in types and c.name not in types_by_name:
                        origin.setdefault(c.name, name)
        return UnionRel(tuple(out_cols), inputs=tuple(r for _, r in inputs), source_column=str(source) if source else None,
                        source_names=tuple(n for n, _ in inputs), origins=tuple(sorted(origin.items())))

    # ------------------------------------------------------------ dynamic expansion and parsing
    def visit_MvExpand(self, op: A.MvExpand, rel: Rel, env: Env) -> Rel:
        scope = self.b.scope_of(rel, env)
        expand: list[tuple[str, BExpr, str | None]] = []
        for item in op.items:
            value = self.b.exprs.bind(item.expr, scope)
            if value.type != "dynamic":
                raise KqlTypeError(f"mv-expand needs a dynamic array or property bag, not {value.type}",
                                   item.expr.span, ["parse JSON text first: mv-expand parse_json(Column)"],
                                   code="KQ321")
            name = item.name or naming.derive(item.expr) or naming.next_column(set(rel.column_names()), [0])
            to_type = None
            if item.to_type:
                to_type = normalize(item.to_type)
                if to_type is None:
                    raise KqlTypeError(f"unknown type '{item.to_type}'", item.span, code="KQ312")
            expand.append((name, value, to_type))
        cols = list(rel.columns)
        names = [c.name for c in cols]
        for name, _, to_type in expand:
            col = Col(name, to_type or "dynamic")
            if name in names:
                cols[names.index(name)] = col
            else:
                cols.append(col)
                names.append(name)
        index = op.param("with_itemindex")
        if index:
            cols.append(Col(str(index), "long"))
        limit = None
        if op.limit is not None:
            lim = self._count(op.limit, env)
            limit = int(lim.value) if isinstance(lim, BLit) else None
        if str(op.param("bagexpansion", op.param("kind", "bag"))) == "array":  # kind= is the current spelling
            expand = [(n, BSql("dynamic", lambda s: f"kq_bag_to_array({s})", (e,)), t) for n, e, t in expand]
        return MvExpandRel(tuple(cols), input=rel, expand=tuple(expand), index_column=str(index) if index else None,
                           limit=limit)

    def visit_MakeSeries(self, op: A.MakeSeries, rel: Rel, env: Env) -> Rel:
        from .make_series import make_series

        return make_series(self.b, op, rel, env)

    def visit_Parse(self, op: A.Parse, rel: Rel, env: Env) -> Rel:
        from .parse import parse_operator

        return parse_operator(self.b, op, rel, env)

    def visit_ParseKv(self, op: A.ParseKv, rel: Rel, env: Env) -> Rel:
        from .parse_kv import parse_kv_operator

        return parse_kv_operator(self.b, op, rel, env)

    def visit_Reduce(self, op: A.Reduce, rel: Rel, env: Env) -> Rel:
        from .reduce import reduce_operator

        return reduce_operator(self.b, op, rel, env)

    def visit_Consume(self, op: A.Consume, rel: Rel, env: Env) -> Rel:
        from .small_ops import consume

        return consume(self.b, op, rel)

    def visit_SampleDistinct(self, op: A.SampleDistinct, rel: Rel, env: Env) -> Rel:
        from .small_ops import sample_distinct

        return sample_distinct(self.b, op, rel, env)

    # ------------------------------------------------------------ the rest
    def visit_As(self, op: A.As, rel: Rel, env: Env) -> Rel:
        env.define(op.name, "table", rel)
        self.b.labels[id(rel)] = op.name
        return rel

    def visit_GetSchema(self, op: A.GetSchema, rel: Rel, env: Env) -> Rel:
        cols = (Col("ColumnName", "string"), Col("ColumnOrdinal", "int"), Col("DataType", "string"),
                Col("ColumnType", "string"))
        rows = tuple((BLit("string", c.name), BLit("int", i), BLit("string", SYSTEM_TYPE[c.type]),
                      BLit("string", c.type)) for i, c in enumerate(rel.columns))
        return Values(cols, rows=rows, serialized=True)  # getschema emits a serialized row set

    def visit_Invoke(self, op: A.Invoke, rel: Rel, env: Env) -> Rel:
        from .binder import Env as _Env

        binding = env.lookup(op.call.name)
        if binding is None or binding[0] != "function":
            raise KqlNameError(f"unknown function '{op.call.name}'", op.call.name_span,
                               did_you_mean(op.call.name, env.function_names()), code="KQ203")
        scratch = _Env(env)
        scratch.define("__invoke_input", "table", rel)
        call = A.Call(op.call.span, op.call.name, (A.Name(op.span, "__invoke_input"),) + op.call.args,
                      op.call.name_span)
        result = self.b.expand_function(call, binding[1], scratch, None)
        if not isinstance(result, Rel):
            raise KqlTypeError(f"'{op.call.name}' does not return a table", op.call.span, code="KQ302")
        return result

    def visit_Render(self, op: A.Render, rel: Rel, env: Env) -> Rel:
        known = {"table", "timechart", "linechart", "barchart", "columnchart", "piechart", "areachart",
                 "stackedareachart", "scatterchart", "anomalychart", "card", "pivotchart", "treemap", "ladderchart",
                 "timepivot"}
        if op.chart not in known:
            raise KqlSyntaxError(f"unknown chart '{op.chart}'", op.span, did_you_mean(op.chart, sorted(known)),
                                 code="KQ111")
        self.b.render = (op.chart, dict(op.properties))
        return rel


def _inline(value: BExpr, cols: list[Col], items: list[BExpr]) -> BExpr:
    """Replace references to columns made earlier in the same extend by their expressions."""
    by_name = {c.name: it for c, it in zip(cols, items)}

    def sub(e: Any) -> Any:
        if isinstance(e, BCol) and e.qualifier is None:
            return by_name.get(e.name, e)
        if hasattr(e, "args") and isinstance(e.args, tuple):
            new_args = tuple(sub(a) for a in e.args)
            if any(n is not o for n, o in zip(new_args, e.args)):
                return dataclasses.replace(e, args=new_args)
        if isinstance(e, BPath):
            new_base = sub(e.base)
            steps = tuple(sub(s) if not isinstance(s, (str, int)) else s for s in e.steps)
            return dataclasses.replace(e, base=new_base, steps=steps)
        return e

    return sub(value)

