"""Plan nodes of the graph operators (bound by semantic/graph.py, compiled by sql/graph.py).

A graph is a pair of relations: its nodes (one row per node id: `__kq_id`, then the node
properties) and its edges (the make-graph input, one row per edge). It is not a table: only
graph operators take it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .plan import BExpr, Col, Rel

NODE_ID = "__kq_id"  # a node's id (the value in the edges' source/target columns)


@dataclass(frozen=True, eq=False)
class GraphNodesRel(Rel):
    """Every node once: ids from the edges' endpoints and the nodes tables, properties merged
    (a property two tables share takes either's value, as Kusto picks one arbitrarily).
    Output: __kq_id, then the properties."""

    edges: Rel
    source: str
    target: str
    tables: tuple[tuple[Rel, str], ...]  # (nodes table, its node id column)
    id_property: str | None  # make-graph's with_node_id: a property holding the id


@dataclass(frozen=True, eq=False)
class GraphRel(Rel):
    """make-graph's result; `columns` are the edges' (never read as a table)."""

    nodes: Rel  # GraphNodesRel, or GraphComponentsRel over one
    edges: Rel
    source: str
    target: str
    hidden: tuple[str, ...] = ()  # edge columns that are not properties (a merged graph's ends)

    def edge_properties(self) -> tuple[Col, ...]:
        return tuple(c for c in self.edges.columns if c.name not in self.hidden)


@dataclass(frozen=True, eq=False)
class GraphComponentsRel(Rel):
    """graph-mark-components: the nodes with one more property, the zero-based index of their
    connected component (weak: edges either way; strong: reachable both ways along the edges)."""

    nodes: Rel
    edges: Rel
    source: str
    target: str
    kind: str  # 'weak' | 'strong'


@dataclass(frozen=True, eq=False)
class PatternEdge:
    """One edge element of a pattern, between two node aliases."""

    alias: str
    direction: str  # 'right' | 'left' | 'any'
    hops: tuple[int, int] | None  # variable length: (min, max)
    left: str
    right: str
    condition: BExpr | None = None  # variable length: what every edge of the path must satisfy


@dataclass(frozen=True, eq=False)
class GraphMatchRel(Rel):
    """Every match of a pattern: for node alias n, columns `n.<property>` and `n.__kq_id`; for a
    fixed edge alias e, `e.<property>` and `e.__kq_eid`; for a variable length edge alias p, the lists
    `p.__kq_edges`, `p.__kq_inner` (structs of the edges' and inner nodes' properties), `p.__kq_eids`,
    `p.__kq_ids` (the node ids along the path, both ends included)."""

    graph: GraphRel
    node_aliases: tuple[str, ...]
    edges: tuple[PatternEdge, ...]
    sequences: tuple[tuple[str, ...], ...]  # per comma-separated path: its aliases, node, edge, node, ...
    cycles: str  # 'unique_edges' | 'all' | 'none'
    predicate: BExpr | None = None  # the where clause, over this relation's columns
    node_conditions: tuple[tuple[str, BExpr], ...] = ()  # where conjuncts over one node alias's properties
    shortest: str | None = None  # graph-shortest-paths: 'any' (one path per pair of ends) | 'all'
