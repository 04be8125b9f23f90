"""Binding graph-match and graph-shortest-paths: the pattern's variables become aliases of one
wide relation (GraphMatchRel), and the where/project expressions are rewritten to read its columns
(see graph.py for the rules)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlSyntaxError, KqlTypeError, KqlUnsupportedError, Span, did_you_mean
from ..sql.quote import quote_string
from ..syntax import ast as A
from . import naming
from .expressions import Scope
from .graph_plan import NODE_ID, GraphMatchRel, GraphRel, PatternEdge
from .operators import coerce
from .plan import BCol, BExpr, BSql, Col, Projection, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env

MAX_HOPS = 20  # the longest variable length edge kqlite unrolls into joins
ELEMENT_FUNCTIONS = ("all", "any", "map")
DOCS = "https://learn.microsoft.com/kusto/query/"


@dataclasses.dataclass
class _Var:
    kind: str  # 'node' | 'edge' | 'path' (a variable length edge)
    alias: str
    span: Span


class _Pattern:
    """The variables of a pattern and the aliases they stand for."""

    def __init__(self, op: A.GraphMatch, graph: GraphRel, shortest: bool):
        self.vars: dict[str, _Var] = {}
        self.node_aliases: list[str] = []
        self.edges: list[dict[str, Any]] = []
        self.sequences: list[tuple[str, ...]] = []
        for path in op.paths:
            seq = []
            aliases = [self._node(el) for el in path.elements if isinstance(el, A.GraphPatternNode)]
            for i, el in enumerate(path.elements):  # node, edge, node...: element i is node i // 2 or the edge after it
                if isinstance(el, A.GraphPatternNode):
                    seq.append(aliases[i // 2])
                    continue
                seq.append(self._edge(el, aliases[i // 2], aliases[i // 2 + 1]))
            self.sequences.append(tuple(seq))
        if shortest and (len(op.paths) != 1 or not any(e["hops"] is not None for e in self.edges)):
            raise KqlSyntaxError("graph-shortest-paths takes one path with a variable length edge", op.span,
                                 ["(a)-[e*1..5]->(b)"], code="KQ123")

    def _node(self, el: A.GraphPatternNode) -> str:
        if el.name is not None and el.name in self.vars:
            var = self.vars[el.name]
            if var.kind != "node":
                raise KqlSyntaxError(f"'{el.name}' names an edge and a node", el.span, code="KQ123")
            return var.alias
        alias = f"__kq_n{len(self.node_aliases)}"
        self.node_aliases.append(alias)
        if el.name is not None:
            self.vars[el.name] = _Var("node", alias, el.span)
        return alias

    def _edge(self, el: A.GraphPatternEdge, left: str, right: str) -> str:
        alias = f"__kq_e{len(self.edges)}"
        if el.hops is not None:
            low, high = el.hops
            if low > high:
                raise KqlSyntaxError(f"a variable length edge needs min <= max, not {low}..{high}", el.span,
                                     code="KQ123")
            if high > MAX_HOPS:
                raise KqlUnsupportedError(f"variable length edges longer than {MAX_HOPS} are not supported",
                                          el.span, [DOCS + "graph-match-operator"])
        if el.name is not None:
            if el.name in self.vars:
                raise KqlSyntaxError(f"'{el.name}' names two elements of the pattern", el.span,
                                     ["an edge variable names one edge"], code="KQ123")
            self.vars[el.name] = _Var("path" if el.hops is not None else "edge", alias, el.span)
        self.edges.append({"alias": alias, "direction": el.direction, "hops": el.hops, "left": left, "right": right,
                           "condition": None})
        return alias


def bind_graph_match(b: Binder, op: A.GraphMatch, graph: GraphRel, env: Env, cycles: str,
                     shortest: str | None) -> Rel:
    from .binder import Env as _Env

    pattern = _Pattern(op, graph, shortest is not None)
    node_props = {c.name: c.type for c in graph.nodes.columns[1:]}
    edge_props = {c.name: c.type for c in graph.edge_properties()}
    id_type = graph.nodes.columns[0].type
    cols: list[Col] = [Col(f"{a}.{NODE_ID}", id_type) for a in pattern.node_aliases]
    for var in pattern.vars.values():
        if var.kind == "node":
            cols += [Col(f"{var.alias}.{p}", t) for p, t in node_props.items()]
        elif var.kind == "edge":
            cols += [Col(f"{var.alias}.{p}", t) for p, t in edge_props.items()]
    for e in pattern.edges:
        if e["hops"] is not None:
            cols += [Col(f"{e['alias']}.{c}", "dynamic") for c in ("__kq_edges", "__kq_inner", "__kq_eids")]
    scope_env = _Env(env)
    binder = _Rewriter(b, pattern, node_props, edge_props, scope_env)

    # where: a conjunct over one node restricts that node alias (and seeds paths from it); one over one
    # variable length edge's properties filters that edge's paths edge by edge; the rest filter the matches
    predicates: list[BExpr] = []
    node_conditions: dict[str, BExpr] = {}
    for conjunct in _conjuncts(op.where):
        on_node = binder.node_condition(conjunct)
        if on_node is not None:
            alias, cond = on_node
            node_conditions[alias] = _and(node_conditions[alias], cond) if alias in node_conditions else cond
            continue
        pushed = binder.edge_condition(conjunct)
        if pushed is not None:
            edge, cond = pushed
            e = next(x for x in pattern.edges if x["alias"] == edge)
            e["condition"] = cond if e["condition"] is None else _and(e["condition"], cond)
            continue
        pred = b.exprs.bind(binder.rewrite(conjunct), Scope(scope_env, {c.name: c.type for c in cols}))
        if pred.type not in ("bool", "dynamic"):
            raise KqlTypeError(f"where needs a bool predicate, not {pred.type}", conjunct.span, code="KQ318")
        predicates.append(coerce(pred, "bool"))
    predicate = None
    for p in predicates:
        predicate = p if predicate is None else _and(predicate, p)
    edges = tuple(PatternEdge(e["alias"], e["direction"], e["hops"], e["left"], e["right"], e["condition"])
                  for e in pattern.edges)
    wide = GraphMatchRel(tuple(cols), graph=graph, node_aliases=tuple(pattern.node_aliases), edges=edges,
                         sequences=tuple(pattern.sequences), cycles="none" if shortest else cycles,
                         predicate=predicate, shortest=shortest, node_conditions=tuple(node_conditions.items()))

    # project
    scope = Scope(scope_env, {c.name: c.type for c in cols})
    out_cols: list[Col] = []
    items: list[BExpr] = []
    used: set[str] = set()
    counter = [0]
    for item in op.items:
        if len(item.names) > 1:
            raise KqlUnsupportedError("tuple assignment (a, b) = ... is not supported here", item.span)
        value = b.exprs.bind(binder.rewrite(item.expr), scope)
        name = item.names[0] if item.names else naming.derive(item.expr, set(pattern.vars))
        name = naming.unique(name, used) if name else naming.next_column(used, counter)
        used.add(name)
        out_cols.append(Col(name, value.type))
        items.append(value)
    return Projection(tuple(out_cols), input=wide, items=tuple(items))


def _and(a: BExpr, b: BExpr) -> BExpr:
    return BSql("bool", lambda x, y: f"({x} AND {y})", (a, b))


def _conjuncts(node: A.Node | None) -> list[A.Node]:
    if node is None:
        return []
    if isinstance(node, A.BinaryOp) and node.op == "and":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


class _Rewriter:
    """Rewrites pattern references (`a.name`, `all(p, ...)`) into names the wide relation's scope binds."""

    def __init__(self, b: Binder, pattern: _Pattern, node_props: dict[str, str], edge_props: dict[str, str],
                 env: Env):
        self.b = b
        self.pattern = pattern
        self.node_props = node_props
        self.edge_props = edge_props
        self.env = env
        self.count = 0

    def _props(self, var: _Var) -> dict[str, str]:
        return self.node_props if var.kind == "node" else self.edge_props

    def _var(self, node: A.Node) -> tuple[str, _Var] | None:
        if isinstance(node, A.Name) and node.name in self.pattern.vars:
            return node.name, self.pattern.vars[node.name]
        return None

    def _placeholder(self, value: BExpr, span: Span) -> A.Name:
        name = f"__kq_graph{self.count}"
        self.count += 1
        self.env.define(name, "scalar", value)
        return A.Name(span, name)

    def node_condition(self, conjunct: A.Node) -> tuple[str, BExpr] | None:
        """(node alias, condition over its properties) when the conjunct reads only one node."""
        used = self._vars_in(conjunct)
        if len(used) != 1 or _has_call(conjunct, ELEMENT_FUNCTIONS):
            return None
        name = next(iter(used))
        var = self.pattern.vars[name]
        if var.kind != "node":
            return None
        direct = _replace(conjunct, lambda n: self._property_name(n, name, self.node_props))
        if _has_name(direct, name):
            return None  # the node itself, not a property: rewrite() explains
        return var.alias, self._element_condition(direct, self.node_props, conjunct)

    def _property_name(self, n: A.Node, var: str, props: dict[str, str]) -> A.Node | None:
        if isinstance(n, A.Member) and isinstance(n.target, A.Name) and n.target.name == var:
            if n.name not in props:
                raise KqlNameError(f"the {self.pattern.vars[var].kind} '{var}' has no property '{n.name}'", n.span,
                                   did_you_mean(n.name, list(props)), code="KQ201")
            return A.Name(n.span, n.name)
        return None

    def edge_condition(self, conjunct: A.Node) -> tuple[str, BExpr] | None:
        """(edge alias, condition per edge) when the conjunct reads only one variable length edge."""
        if isinstance(conjunct, A.Call) and conjunct.name == "all" and len(conjunct.args) == 2:
            found = self._var(conjunct.args[0])
            if found and found[1].kind == "path":
                return found[1].alias, self._element_condition(conjunct.args[1], self.edge_props, conjunct)
        used = self._vars_in(conjunct)
        if len(used) != 1:
            return None
        name = next(iter(used))
        var = self.pattern.vars[name]
        if var.kind != "path" or _has_call(conjunct, ELEMENT_FUNCTIONS):
            return None
        direct = _replace(conjunct, lambda n: self._property_name(n, name, self.edge_props))
        if _has_name(direct, name):
            return None
        return var.alias, self._element_condition(direct, self.edge_props, conjunct)

    def _element_condition(self, node: A.Node, props: dict[str, str], where: A.Node) -> BExpr:
        cond = self.b.exprs.bind(node, Scope(self.env, dict(props)))
        if cond.type not in ("bool", "dynamic"):
            raise KqlTypeError(f"the condition must be bool, not {cond.type}", where.span, code="KQ318")
        return coerce(cond, "bool")

    def _vars_in(self, node: A.Node) -> set[str]:
        found: set[str] = set()

        def visit(n: A.Node) -> A.Node | None:
            if isinstance(n, A.Call) and n.name in ELEMENT_FUNCTIONS and n.args:
                target = n.args[0]
                if isinstance(target, A.Call) and target.name == "inner_nodes" and target.args:
                    target = target.args[0]
                if isinstance(target, A.Name) and target.name in self.pattern.vars:
                    found.add(target.name)
                return n  # the condition reads element properties, not variables
            if isinstance(n, A.Name) and n.name in self.pattern.vars:
                found.add(n.name)
            return None

        _replace(node, visit)
        return found

    def rewrite(self, node: A.Node) -> A.Node:
        return _replace(node, self._rewrite_one)

    def _rewrite_one(self, n: A.Node) -> A.Node | None:
        if isinstance(n, A.Member):
            found = self._var(n.target)
            if found is None:
                return None
            name, var = found
            if var.kind == "path":
                return self._placeholder(self._element_call("map", var, False, A.Name(n.span, n.name), n), n.span)
            props = self._props(var)
            if n.name not in props:
                raise KqlNameError(f"the {var.kind} '{name}' has no property '{n.name}'", n.span,
                                   did_you_mean(n.name, list(props)), code="KQ201")
            return A.Name(n.span, f"{var.alias}.{n.name}")
        if isinstance(n, A.Call) and n.name in ELEMENT_FUNCTIONS and len(n.args) == 2:
            target, inner = n.args[0], False
            if isinstance(target, A.Call) and target.name == "inner_nodes" and len(target.args) == 1:
                target, inner = target.args[0], True
            found = self._var(target)
            if found is None:
                return None
            if found[1].kind != "path":
                raise KqlTypeError(f"{n.name}() takes a variable length edge, and '{found[0]}' is "
                                   f"{'a node' if found[1].kind == 'node' else 'an edge of one hop'}",
                                   target.span, ["a variable length edge: -[e*1..3]->"], code="KQ373")
            return self._placeholder(self._element_call(n.name, found[1], inner, n.args[1], n), n.span)
        if isinstance(n, A.Call) and n.name == "inner_nodes":
            raise KqlTypeError("inner_nodes() can only be the first argument of all(), any() or map()", n.span,
                               code="KQ373")
        found = self._var(n)
        if found is not None:
            raise KqlTypeError(f"'{found[0]}' is a {found[1].kind} of the pattern: use its properties, "
                               f"{found[0]}.<property>", n.span, code="KQ373")
        if isinstance(n, A.Pipe):
            return n  # a subquery's names are its own
        return None

    def _element_call(self, fn: str, var: _Var, inner: bool, body: A.Node, call: A.Node) -> BExpr:
        """all()/any()/map() over the path's edges (or inner nodes): a DuckDB lambda over the list of structs."""
        props = self.node_props if inner else self.edge_props
        items = f"{var.alias}.{'__kq_inner' if inner else '__kq_edges'}"
        items_col = BCol("dynamic", items)
        if fn == "map":
            value = _fields(self.b.exprs.bind(body, Scope(self.env, dict(props))))
            return BSql("dynamic", lambda lst, v: f"to_json(list_transform({lst}, lambda kq_e: {v}))",
                        (items_col, value))
        cond = _fields(self._element_condition(body, props, call))
        if fn == "all":
            return BSql("bool", lambda lst, c: f"(len(list_filter({lst}, lambda kq_e: NOT COALESCE({c}, FALSE))) = 0)",
                        (items_col, cond))
        return BSql("bool", lambda lst, c: f"(len(list_filter({lst}, lambda kq_e: COALESCE({c}, FALSE))) > 0)",
                    (items_col, cond))


def _fields(e: BExpr) -> BExpr:
    """A condition bound over element properties, reading them from the lambda's struct instead."""
    def swap(x: Any) -> Any:
        if isinstance(x, BCol) and x.qualifier is None:
            key = quote_string(x.name)
            return BSql(x.type, lambda: f"kq_e[{key}]", ())
        if isinstance(x, BExpr):
            changes = {}
            for f in dataclasses.fields(x):
                v = getattr(x, f.name)
                if isinstance(v, BExpr):
                    changes[f.name] = swap(v)
                elif isinstance(v, tuple) and any(isinstance(i, BExpr) for i in v):
                    changes[f.name] = tuple(swap(i) if isinstance(i, BExpr) else i for i in v)
            return dataclasses.replace(x, **changes) if changes else x
        return x

    return swap(e)


def _has_name(node: A.Node, name: str) -> bool:
    hit = []
    _replace(node, lambda n: hit.append(n) if isinstance(n, A.Name) and n.name == name else None)
    return bool(hit)


def _has_call(node: A.Node, names: tuple[str, ...]) -> bool:
    hit = []
    _replace(node, lambda n: hit.append(n) if isinstance(n, A.Call) and n.name in names else None)
    return bool(hit)


def _replace(node: Any, fn) -> Any:
    """node with every sub-node n replaced by fn(n) when that is not None (top-down)."""
    if isinstance(node, A.Node):
        new = fn(node)
        if new is not None:
            return new
        changes = {}
        for f in dataclasses.fields(node):
            v = getattr(node, f.name)
            r = _replace(v, fn)
            if r is not v:
                changes[f.name] = r
        return dataclasses.replace(node, **changes) if changes else node
    if isinstance(node, tuple):
        items = tuple(_replace(i, fn) for i in node)
        return node if all(a is b for a, b in zip(items, node)) else items
    return node
