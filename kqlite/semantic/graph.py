"""The graph operators: make-graph, graph-to-table, graph-match, graph-shortest-paths and
graph-mark-components (plan nodes in graph_plan.py, SQL in sql/graph.py).

graph-match binds its `where` and `project` against one wide relation holding every match:
`a.name` is rewritten to the column `__kq_n0.name` of the node alias that `a` names. A variable
length edge `-[p*1..3]->` is a list of edges: `p.x` is the dynamic array of x along the path
(`map(p, x)`), all()/any()/map() run a condition or expression over its edges or, with
inner_nodes(p), its inner nodes, and a `where` conjunct that reads only `p`'s properties must hold
for every edge of the path (Kusto's rule), so it filters the edges before the paths are built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlSyntaxError, KqlTypeError, KqlUnsupportedError, Span, did_you_mean
from ..syntax import ast as A
from .expressions import Scope
from .graph_plan import NODE_ID, GraphComponentsRel, GraphNodesRel, GraphRel
from .plan import BCol, BExpr, Col, Projection, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env

GRAPH_TAKERS = (A.GraphToTable, A.GraphMatch, A.GraphMarkComponents, A.GraphMerge)
CYCLES = ("unique_edges", "all", "none")
_KEYWORD = {"MakeGraph": "make-graph", "GraphToTable": "graph-to-table", "GraphMatch": "graph-match",
            "GraphShortestPaths": "graph-shortest-paths", "GraphMarkComponents": "graph-mark-components",
            "GraphMerge": "graph-merge"}


def keyword(op: A.Operator) -> str:
    return _KEYWORD.get(type(op).__name__, type(op).__name__.lower())


def check_graph_input(op: A.Operator, rel: Rel) -> None:
    """Graphs flow only into graph operators, and graph operators take only graphs."""
    takes_graph = isinstance(op, GRAPH_TAKERS)
    if isinstance(rel, GraphRel) and not takes_graph:
        raise KqlTypeError(f"{keyword(op)} takes a table, and its input is a graph", op.span,
                           ["follow make-graph with graph-match, graph-shortest-paths or graph-to-table"],
                           code="KQ370")
    if takes_graph and not isinstance(rel, GraphRel):
        raise KqlTypeError(f"{keyword(op)} takes a graph, and its input is a table", op.span,
                           ["build the graph first: Edges | make-graph Source --> Target | ..."], code="KQ370")


def _param(op: A.Operator, name: str, allowed: tuple[str, ...] | None = None) -> Any:
    known = {"MakeGraph": ("with_node_id",), "GraphTable": ("with_node_id", "with_source_id", "with_target_id"),
             "GraphMatch": ("cycles",), "GraphShortestPaths": ("output",),
             "GraphMarkComponents": ("kind", "with_component_id")}[type(op).__name__]
    for p in op.params:
        if p.name not in known:
            raise KqlSyntaxError(f"{keyword(op) if not isinstance(op, A.GraphTable) else 'graph-to-table'} has no "
                                 f"parameter '{p.name}'", p.span, [f"its parameters: {', '.join(known)}"],
                                 code="KQ123")
    value = op.param(name)
    if value is not None and allowed is not None and str(value) not in allowed:
        raise KqlSyntaxError(f"{name} must be one of {', '.join(allowed)}", op.param_span(name), code="KQ123")
    return value


class GraphOps:
    def __init__(self, binder: Binder):
        self.b = binder

    # ------------------------------------------------------------ make-graph
    def visit_MakeGraph(self, op: A.MakeGraph, rel: Rel, env: Env) -> Rel:
        id_property = _param(op, "with_node_id")
        if id_property is not None and op.nodes:
            raise KqlSyntaxError("make-graph takes nodes tables or with_node_id, not both", op.param_span("with_node_id"),
                                 code="KQ123")
        ends = []
        for end in (op.source, op.target):
            col = rel.column(end)
            if col is None:
                raise KqlNameError(f"make-graph: unknown column '{end}'", op.span,
                                   did_you_mean(end, rel.column_names()), code="KQ201")
            ends.append(col)
        if ends[0].type != ends[1].type:
            raise KqlTypeError(f"make-graph: '{op.source}' is {ends[0].type} and '{op.target}' is {ends[1].type}; "
                               "node ids must have one type", op.span, code="KQ371")
        id_type = ends[0].type
        tables: list[tuple[Rel, str]] = []
        props: dict[str, Col] = {}
        for nodes in op.nodes:
            table = self.b.tabular(nodes.table, env)
            key = table.column(nodes.key)
            if key is None:
                raise KqlNameError(f"make-graph: the nodes table has no column '{nodes.key}'", nodes.span,
                                   did_you_mean(nodes.key, table.column_names()), code="KQ201")
            if key.type != id_type:
                raise KqlTypeError(f"make-graph: node id column '{key.name}' is {key.type}, the edges' ids are "
                                   f"{id_type}", nodes.span, code="KQ371")
            for col in table.columns:
                seen = props.get(col.name)
                if seen is not None and seen.type != col.type:
                    raise KqlTypeError(f"make-graph: node property '{col.name}' is {seen.type} in one nodes table "
                                       f"and {col.type} in another", nodes.span, code="KQ371")
                props.setdefault(col.name, col)
            tables.append((table, nodes.key))
        if id_property is not None:
            props[str(id_property)] = Col(str(id_property), id_type)
        nodes_rel = GraphNodesRel((Col(NODE_ID, id_type), *props.values()), edges=rel, source=op.source,
                                  target=op.target, tables=tuple(tables),
                                  id_property=str(id_property) if id_property is not None else None)
        return GraphRel(rel.columns, nodes=nodes_rel, edges=rel, source=op.source, target=op.target)

    # ------------------------------------------------------------ graph-to-table
    def visit_GraphToTable(self, op: A.GraphToTable, rel: Rel, env: Env) -> Rel:
        graph = rel
        assert isinstance(graph, GraphRel)
        if len(op.tables) > 2 or len({t.kind for t in op.tables}) != len(op.tables):
            raise KqlSyntaxError("graph-to-table exports nodes, edges, or both once each", op.span, code="KQ123")
        if len(op.tables) == 2 and any(t.name is None for t in op.tables):
            raise KqlSyntaxError("graph-to-table nodes and edges together need a name for each: "
                                 "nodes as N, edges as E", op.span, code="KQ123")
        results = []
        for t in op.tables:
            out = self._nodes_table(t, graph, env) if t.kind == "nodes" else self._edges_table(t, graph, env)
            if t.name is not None:
                env.define(t.name, "table", out)
                self.b.labels[id(out)] = t.name
            results.append((t.name, out))
        if len(results) == 2:  # two results, like fork: the query must end here
            self.b.forked = results
        return results[0][1]

    def _hash(self, column: str, type_: str, env: Env, span: Span) -> BExpr:
        """Kusto's node ids are hash() of the node id value."""
        call = A.Call(span, "hash", (A.Name(span, column),), span)
        try:
            return self.b.exprs.bind(call, Scope(env, {column: type_}))
        except KqlUnsupportedError as e:
            raise KqlUnsupportedError(f"graph-to-table: node hash ids of {type_} node ids are not supported "
                                      f"({e.message})", span, e.hints) from None

    def _with_ids(self, source: Rel, ids: list[tuple[str, str, Span]], env: Env) -> Rel:
        """source's columns after hash id columns: (name, the id column hashed, where it was asked for)."""
        cols = [Col(name, "long") for name, _, _ in ids]
        items = [self._hash(col, source.col(col).type, env, span) for _, col, span in ids]
        rest = [c for c in source.columns if c.name != NODE_ID and c.name not in {n for n, _, _ in ids}]
        return Projection((*cols, *rest), input=source, items=(*items, *(BCol(c.type, c.name) for c in rest)))

    def _nodes_table(self, t: A.GraphTable, graph: GraphRel, env: Env) -> Rel:
        node_id = _param(t, "with_node_id")
        ids = [(str(node_id), NODE_ID, t.param_span("with_node_id"))] if node_id is not None else []
        out = self._with_ids(graph.nodes, ids, env)
        if not out.columns:
            raise KqlTypeError("graph-to-table nodes: the graph's nodes have no properties", t.span,
                               ["add with_node_id=Name to make-graph or to graph-to-table"], code="KQ372")
        return out

    def _edges_table(self, t: A.GraphTable, graph: GraphRel, env: Env) -> Rel:
        ids = [(str(_param(t, p)), end, t.param_span(p))
               for p, end in (("with_source_id", graph.source), ("with_target_id", graph.target))
               if _param(t, p) is not None]
        edges = graph.edges
        if graph.hidden:
            kept = graph.edge_properties()
            edges = Projection(kept, input=edges, items=tuple(BCol(c.type, c.name) for c in kept))
        return self._with_ids(edges, ids, env)

    # ------------------------------------------------------------ graph-match
    def visit_GraphMatch(self, op: A.GraphMatch, rel: Rel, env: Env) -> Rel:
        from .graph_match import bind_graph_match

        assert isinstance(rel, GraphRel)
        if isinstance(op, A.GraphShortestPaths):
            output = _param(op, "output", ("any", "all")) or "any"
            return bind_graph_match(self.b, op, rel, env, "unique_edges", str(output))
        cycles = _param(op, "cycles", CYCLES) or "unique_edges"
        return bind_graph_match(self.b, op, rel, env, str(cycles), None)

    def visit_GraphShortestPaths(self, op: A.GraphShortestPaths, rel: Rel, env: Env) -> Rel:
        return self.visit_GraphMatch(op, rel, env)

    # ------------------------------------------------------------ graph-mark-components
    def visit_GraphMarkComponents(self, op: A.GraphMarkComponents, rel: Rel, env: Env) -> Rel:
        assert isinstance(rel, GraphRel)
        kind = str(_param(op, "kind", ("weak", "strong")) or "weak")
        name = str(_param(op, "with_component_id") or "ComponentId")
        kept = tuple(c for c in rel.nodes.columns if c.name != name)
        nodes = GraphComponentsRel((*kept, Col(name, "long")), nodes=rel.nodes, edges=rel.edges, source=rel.source,
                                   target=rel.target, kind=kind)
        return GraphRel(rel.columns, nodes=nodes, edges=rel.edges, source=rel.source, target=rel.target,
                        hidden=rel.hidden)

    # ------------------------------------------------------------ graph-merge
    def visit_GraphMerge(self, op: A.GraphMerge, rel: Rel, env: Env) -> Rel:
        from .graph_merge import merge_graphs

        assert isinstance(rel, GraphRel)
        return merge_graphs(self.b, op, rel, env)
