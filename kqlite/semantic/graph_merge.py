"""graph-merge: one graph from two. Nodes merge on their ids (properties from both, as make-graph
merges two nodes tables). Without `on`, the edges are the union of both graphs' edges; with
`on` rules, an edge of the left graph and one of the right that agree on them become one edge
(a full outer join: unmatched edges of either graph stay), a property both have taking the left
edge's value when it has one. Each edge keeps its own ends in two hidden columns, since the two
graphs name them differently."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlTypeError
from ..syntax import ast as A
from .graph_plan import NODE_ID, GraphNodesRel, GraphRel
from .plan import BCol, BExpr, BSql, Col, JoinRel, Projection, Rel, UnionRel

if TYPE_CHECKING:
    from .binder import Binder, Env

SOURCE, TARGET = "__kq_src", "__kq_tgt"


def _with_ends(graph: GraphRel) -> Rel:
    """The graph's edges (properties only) and its ends under the shared hidden names."""
    props = graph.edge_properties()
    id_type = graph.nodes.columns[0].type
    cols = (*props, Col(SOURCE, id_type), Col(TARGET, id_type))
    items = (*(BCol(c.type, c.name) for c in props), BCol(id_type, graph.source), BCol(id_type, graph.target))
    return Projection(cols, input=graph.edges, items=items)


def _merged_columns(op: A.GraphMerge, left: Rel, right: Rel) -> list[Col]:
    cols = list(left.columns)
    for c in right.columns:
        seen = left.column(c.name)
        if seen is None:
            cols.append(c)
        elif seen.type != c.type:
            raise KqlTypeError(f"graph-merge: edge property '{c.name}' is {seen.type} in the left graph and "
                               f"{c.type} in the right", op.span, code="KQ371")
    return cols


def _coalesce(col: Col, left: BExpr | None, right: BExpr | None) -> BExpr:
    if left is None or right is None:
        return left or right  # type: ignore[return-value]
    if col.type == "string":  # an edge missing on one side reads '' there, never null
        return BSql("string", lambda a, b: f"COALESCE(NULLIF({a}, ''), {b})", (left, right))
    return BSql(col.type, lambda a, b: f"COALESCE({a}, {b})", (left, right))


def merge_graphs(b: Binder, op: A.GraphMerge, left: GraphRel, env: Env) -> GraphRel:
    right = b.tabular(op.right, env)
    if not isinstance(right, GraphRel):
        raise KqlTypeError("graph-merge merges two graphs, and its right side is a table", op.right.span,
                           ["make it a graph: (T | make-graph Source --> Target)"], code="KQ370")
    id_type = left.nodes.columns[0].type
    if right.nodes.columns[0].type != id_type:
        raise KqlTypeError(f"graph-merge: the left graph's node ids are {id_type}, the right's "
                           f"{right.nodes.columns[0].type}", op.span, code="KQ371")
    lefts, rights = _with_ends(left), _with_ends(right)
    cols = _merged_columns(op, lefts, rights)
    if not op.on:
        edges: Rel = UnionRel(tuple(cols), inputs=(lefts, rights), source_column=None, source_names=("", ""))
    else:
        lkeys, rkeys = b.ops._join_keys(op.on, lefts, rights, env)
        joined_cols = [Col(f"l{i}", c.type) for i, c in enumerate(lefts.columns)] + \
                      [Col(f"r{i}", c.type) for i, c in enumerate(rights.columns)]
        outputs = [("left", c.name) for c in lefts.columns] + [("right", c.name) for c in rights.columns]
        joined = JoinRel(tuple(joined_cols), left=lefts, right=rights, kind="fullouter", left_keys=tuple(lkeys),
                         right_keys=tuple(rkeys), outputs=tuple(outputs))
        lpos = {c.name: BCol(c.type, f"l{i}") for i, c in enumerate(lefts.columns)}
        rpos = {c.name: BCol(c.type, f"r{i}") for i, c in enumerate(rights.columns)}
        items = tuple(_coalesce(c, lpos.get(c.name), rpos.get(c.name)) for c in cols)
        edges = Projection(tuple(cols), input=joined, items=items)
    props: dict[str, Col] = {}
    for nodes in (left.nodes, right.nodes):
        for c in nodes.columns[1:]:
            seen = props.get(c.name)
            if seen is not None and seen.type != c.type:
                raise KqlTypeError(f"graph-merge: node property '{c.name}' is {seen.type} in the left graph and "
                                   f"{c.type} in the right", op.span, code="KQ371")
            props.setdefault(c.name, c)
    merged_nodes = GraphNodesRel((Col(NODE_ID, id_type), *props.values()), edges=edges, source=SOURCE,
                                 target=TARGET, tables=((left.nodes, NODE_ID), (right.nodes, NODE_ID)),
                                 id_property=None)
    visible = tuple(c for c in cols if c.name not in (SOURCE, TARGET))
    return GraphRel(visible, nodes=merged_nodes, edges=edges, source=SOURCE, target=TARGET,
                    hidden=(SOURCE, TARGET))
