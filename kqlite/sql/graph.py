"""Graph plan nodes -> DuckDB SQL (see semantic/graph_plan.py).

A pattern is a join: one copy of the nodes per node alias, one copy of the (oriented) edges per
fixed edge, joined on the ids. A variable length edge `-[p*min..max]->` is a chain of CTEs, one per
path length, each extending the previous paths by one edge (no edge twice unless cycles=all, no node
twice with cycles=none), unioned from min to max; the path carries its edges' and inner nodes'
properties as lists of structs for all()/any()/map() and `p.property`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..semantic.graph_plan import NODE_ID, GraphComponentsRel, GraphMatchRel, GraphNodesRel, PatternEdge
from ..semantic.plan import Col
from ..types import SQL_TYPE
from .quote import quote_ident, quote_literal, quote_string

if TYPE_CHECKING:
    from .compiler import SqlCompiler

EDGE_ID = "__kq_eid"
_ID = quote_ident(NODE_ID)


def struct_type(cols: tuple[Col, ...]) -> str:
    return "STRUCT(" + ", ".join(f"{quote_ident(c.name)} {SQL_TYPE[c.type]}" for c in cols) + ")"


def struct_of(cols: tuple[Col, ...], alias: str) -> str:
    return "{" + ", ".join(f"{quote_string(c.name)}: {alias}.{quote_ident(c.name)}" for c in cols) + "}"


def graph_nodes_sql(c: SqlCompiler, rel: GraphNodesRel) -> str:
    edges = c.rel(rel.edges)
    ids = [f"SELECT {quote_ident(rel.source)} AS id FROM {edges}", f"SELECT {quote_ident(rel.target)} FROM {edges}"]
    joins: list[str] = []
    sources: dict[str, list[str]] = {}  # property -> the table aliases' columns that have it
    for i, (table, key) in enumerate(rel.tables):
        ids.append(f"SELECT {quote_ident(key)} FROM {c.rel(table)}")
        props = [col for col in table.columns if col.name != key]
        values = ", ".join(f"any_value({quote_ident(p.name)}) AS {quote_ident(p.name)}" for p in props)
        joins.append(f"LEFT JOIN (SELECT {quote_ident(key)} AS __kq_k{', ' + values if values else ''} "
                     f"FROM {c.rel(table)} GROUP BY 1) AS t{i} ON t{i}.__kq_k = i.id")
        for p in props:
            sources.setdefault(p.name, []).append(f"t{i}.{quote_ident(p.name)}")
    keys = {key for _, key in rel.tables}
    items = [f"i.id AS {_ID}"]
    for col in rel.columns[1:]:
        if col.name in keys or col.name == rel.id_property:
            value = "i.id"  # a node's id column holds its id, also for nodes only the edges name
        else:
            parts = sources[col.name] + (["''"] if col.type == "string" else [])
            value = parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"
        items.append(f"CAST({value} AS {SQL_TYPE[col.type]}) AS {quote_ident(col.name)}")
    return (f"SELECT {', '.join(items)} FROM (" + " UNION ".join(ids) + ") AS i "
            + " ".join(joins) + " WHERE i.id IS NOT NULL")


def _oriented(edges: str, source: str, target: str, direction: str) -> str:
    """The edges with __kq_a (the pattern's left end) and __kq_b (its right end)."""
    s, t = quote_ident(source), quote_ident(target)
    forward = f"SELECT *, {s} AS __kq_a, {t} AS __kq_b FROM {edges}"
    backward = f"SELECT *, {t} AS __kq_a, {s} AS __kq_b FROM {edges}"
    if direction == "right":
        return forward
    if direction == "left":
        return backward
    # any direction: each edge both ways, a self loop once
    return f"{forward} UNION ALL {backward} WHERE {s} IS DISTINCT FROM {t}"


_FLIPPED = {"right": "left", "left": "right", "any": "any"}


def _path_ctes(c: SqlCompiler, m: GraphMatchRel, e: PatternEdge, edges: str, nodes: str,
               seeds: dict[str, str]) -> list[tuple[str, str]]:
    """CTEs whose last one holds every path of e's lengths: __kq_start, __kq_end, __kq_eids, __kq_ids,
    __kq_edges, __kq_inner. Paths grow from an end whose node the where clause restricts (`seeds`:
    alias -> the restricted nodes): from the left end, or else from the right end and then reversed."""
    graph = m.graph
    low, high = e.hops or (1, 1)
    name = f"__kq_{e.alias[5:]}"
    flip = e.left not in seeds and e.right in seeds
    seed = seeds.get(e.right if flip else e.left)
    final, name = name, name + "_r" if flip else name
    oriented = _oriented(edges, graph.source, graph.target, _FLIPPED[e.direction] if flip else e.direction)
    if e.condition is not None:
        oriented = f"SELECT * FROM ({oriented}) WHERE {c.expr(e.condition)}"
    edge_cols = graph.edge_properties()
    node_cols = graph.nodes.columns
    edges_type, inner_type = struct_type(edge_cols) + "[]", struct_type(node_cols) + "[]"
    id_type = SQL_TYPE[node_cols[0].type]
    ctes = [(f"{name}_e", oriented)]
    steps = []
    if low == 0:
        ctes.append((f"{name}_0", f"SELECT {_ID} AS __kq_start, {_ID} AS __kq_end, CAST([] AS BIGINT[]) AS __kq_eids, "
                                  f"[{_ID}] AS __kq_ids, CAST([] AS {edges_type}) AS __kq_edges, "
                                  f"CAST([] AS {inner_type}) AS __kq_inner FROM {seed or nodes}"))
        steps.append(f"{name}_0")
    if high >= 1:
        ctes.append((f"{name}_1", f"SELECT __kq_a AS __kq_start, __kq_b AS __kq_end, [{EDGE_ID}] AS __kq_eids, "
                                  f"CAST([__kq_a, __kq_b] AS {id_type}[]) AS __kq_ids, "
                                  f"CAST([{struct_of(edge_cols, 'x')}] AS {edges_type}) AS __kq_edges, "
                                  f"CAST([] AS {inner_type}) AS __kq_inner FROM {name}_e AS x"
                                  + (f" WHERE x.__kq_a IN (SELECT {_ID} FROM {seed})" if seed else "")))
        if low <= 1:
            steps.append(f"{name}_1")
    for k in range(2, high + 1):
        conds = ["x.__kq_a = s.__kq_end"]
        if m.cycles != "all":
            conds.append(f"NOT list_contains(s.__kq_eids, x.{EDGE_ID})")
        if m.cycles == "none":
            conds.append("NOT list_contains(s.__kq_ids, x.__kq_b)")
        ctes.append((f"{name}_{k}",
                     f"SELECT s.__kq_start, x.__kq_b AS __kq_end, list_append(s.__kq_eids, x.{EDGE_ID}) AS __kq_eids, "
                     f"list_append(s.__kq_ids, x.__kq_b) AS __kq_ids, "
                     f"list_append(s.__kq_edges, {struct_of(edge_cols, 'x')}) AS __kq_edges, "
                     f"list_append(s.__kq_inner, {struct_of(node_cols, 'n')}) AS __kq_inner "
                     f"FROM {name}_{k - 1} AS s JOIN {name}_e AS x ON {' AND '.join(conds)} "
                     f"JOIN {nodes} AS n ON n.{_ID} = s.__kq_end"))
        if k >= low:
            steps.append(f"{name}_{k}")
    union = " UNION ALL ".join(f"SELECT * FROM {s}" for s in steps) or \
        f"SELECT * FROM {name}_1 WHERE FALSE"
    ctes.append((name, union))
    if flip:  # grown from the right end: read them from the left again
        ctes.append((final, "SELECT __kq_end AS __kq_start, __kq_start AS __kq_end, list_reverse(__kq_eids) AS __kq_eids, "
                            "list_reverse(__kq_ids) AS __kq_ids, list_reverse(__kq_edges) AS __kq_edges, "
                            f"list_reverse(__kq_inner) AS __kq_inner FROM {name}"))
    return ctes


def graph_match_sql(c: SqlCompiler, m: GraphMatchRel) -> str:
    graph = m.graph
    nodes = c.rel(graph.nodes)
    numbered = f"SELECT row_number() OVER () AS {EDGE_ID}, * FROM {c.rel(graph.edges)}"
    ctes: list[tuple[str, str]] = [("__kq_edges", numbered)]
    # the where clause's conjuncts over one node: that alias reads only the nodes that pass
    seeds = {alias: f"(SELECT * FROM {nodes} WHERE {c.expr(cond)})" for alias, cond in m.node_conditions}
    sources = [f"{seeds.get(n, nodes)} AS {quote_ident(n)}" for n in m.node_aliases]
    conds: list[str] = []
    eid_lists: list[str] = []
    for e in m.edges:
        alias = quote_ident(e.alias)
        if e.hops is None:
            ctes.append((f"__kq_{e.alias[5:]}", _oriented("__kq_edges", graph.source, graph.target, e.direction)))
            start, end = f"{alias}.__kq_a", f"{alias}.__kq_b"
            eid_lists.append(f"[{alias}.{EDGE_ID}]")
        else:
            ctes.extend(_path_ctes(c, m, e, "__kq_edges", nodes, seeds))
            start, end = f"{alias}.__kq_start", f"{alias}.__kq_end"
            eid_lists.append(f"{alias}.__kq_eids")
        sources.append(f"__kq_{e.alias[5:]} AS {alias}")
        conds += [f"{start} = {quote_ident(e.left)}.{_ID}", f"{end} = {quote_ident(e.right)}.{_ID}"]
    if m.cycles != "all" and len(eid_lists) > 1:  # no edge used twice in one match
        every = f"list_concat({', '.join(eid_lists)})"
        conds.append(f"len(list_distinct({every})) = len({every})")
    if m.cycles == "none":  # no node twice along a path
        by_alias = {e.alias: e for e in m.edges}
        for seq in m.sequences:
            parts = []
            for alias in seq:
                if alias in by_alias:
                    e = by_alias[alias]
                    if e.hops is not None:  # its inner nodes; the ends are the neighbouring node aliases
                        parts.append(f"list_slice({quote_ident(alias)}.__kq_ids, 2, -2)")
                else:
                    parts.append(f"[{quote_ident(alias)}.{_ID}]")
            if len(parts) > 1:
                ids = f"list_concat({', '.join(parts)})"
                conds.append(f"len(list_distinct({ids})) = len({ids})")
    items = []
    for col in m.columns:
        alias, _, prop = col.name.partition(".")
        items.append(f"{quote_ident(alias)}.{quote_ident(prop)} AS {quote_ident(col.name)}")
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    with_ = "WITH " + ", ".join(f"{n} AS ({sql})" for n, sql in ctes) + " "
    sql = f"{with_}SELECT {', '.join(items) or quote_literal(None, 'long')} FROM {', '.join(sources)}{where}"
    if m.predicate is None and m.shortest is None:
        return sql
    outer = f"SELECT * FROM ({sql}) AS __kq_m"
    if m.predicate is not None:
        outer += f" WHERE {c.expr(m.predicate)}"
    if m.shortest is not None:  # per pair of ends, the shortest paths: one (any) or all of them
        first, last = m.sequences[0][0], m.sequences[0][-1]
        ends = f"{quote_ident(first + '.' + NODE_ID)}, {quote_ident(last + '.' + NODE_ID)}"
        length = " + ".join(f"len({quote_ident(e.alias + '.__kq_eids')})" if e.hops else "1" for e in m.edges)
        rank = "row_number()" if m.shortest == "any" else "rank()"
        # output=any keeps one of the shortest: the first by its edges' input order, so a run is repeatable
        first_edges = f", list_concat({', '.join(quote_ident(e.alias + '.__kq_eids') for e in m.edges if e.hops)})" \
            if m.shortest == "any" else ""
        outer += f" QUALIFY {rank} OVER (PARTITION BY {ends} ORDER BY {length}{first_edges}) = 1"
    return outer


def graph_components_sql(c: SqlCompiler, rel: GraphComponentsRel) -> str:
    """Each node's component index, from kq_py_graph_components over the whole edge list (ids as text,
    sorted by their own type, so component 0 is the one holding the smallest id)."""
    nodes, edges = c.rel(rel.nodes), c.rel(rel.edges)
    s, t = quote_ident(rel.source), quote_ident(rel.target)
    strong = "TRUE" if rel.kind == "strong" else "FALSE"
    kept = ", ".join(f"n.{quote_ident(col.name)}" for col in rel.columns[:-1])
    return (f"WITH __kq_ids AS (SELECT list(CAST({_ID} AS VARCHAR) ORDER BY {_ID}) AS ids FROM {nodes}), "
            f"__kq_ends AS (SELECT list(CAST({s} AS VARCHAR)) AS s, list(CAST({t} AS VARCHAR)) AS t FROM {edges} "
            f"WHERE {s} IS NOT NULL AND {t} IS NOT NULL), "
            f"__kq_comp AS (SELECT unnest(ids) AS id, unnest(kq_py_graph_components(ids, "
            f"COALESCE(s, CAST([] AS VARCHAR[])), COALESCE(t, CAST([] AS VARCHAR[])), {strong})) AS comp "
            f"FROM __kq_ids, __kq_ends) "
            f"SELECT {kept}, CAST(r.comp AS BIGINT) AS {quote_ident(rel.columns[-1].name)} "
            f"FROM {nodes} AS n JOIN __kq_comp AS r ON r.id = CAST(n.{_ID} AS VARCHAR)")
