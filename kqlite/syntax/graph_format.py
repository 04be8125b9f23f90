"""Canonical KQL text of the graph operators (make-graph, graph-to-table, graph-match,
graph-shortest-paths, graph-mark-components), for formatter.py."""

from __future__ import annotations

from . import ast as A
from . import formatter as F

_ARROWS = {"right": ("-[", "]->", "-->"), "left": ("<-[", "]-", "<--"), "any": ("-[", "]-", "--")}


def _params(params: tuple[A.OpParam, ...]) -> str:
    # the same value spellings as every other operator's parameters
    return "".join(" " + F._params(A.Operator(p.span, params=(p,))).strip() for p in params)


def _element(el: A.Node) -> str:
    if isinstance(el, A.GraphPatternNode):
        return f"({F.name(el.name) if el.name else ''})"
    assert isinstance(el, A.GraphPatternEdge)
    open_, close, anonymous = _ARROWS[el.direction]
    if el.name is None and el.hops is None:
        return anonymous
    hops = f"*{el.hops[0]}..{el.hops[1]}" if el.hops else ""
    return f"{open_}{F.name(el.name) if el.name else ''}{hops}{close}"


def graph_operator(op: A.Operator) -> str | None:
    if isinstance(op, A.MakeGraph):
        nodes = ", ".join(f"{F._sources((n.table,))} on {F.name(n.key)}" for n in op.nodes)
        return (f"make-graph {F.name(op.source)} --> {F.name(op.target)}" + (f" with {nodes}" if nodes else "")
                + _params(op.params))
    if isinstance(op, A.GraphToTable):
        parts = [t.kind + (f" as {F.name(t.name)}" if t.name else "") + _params(t.params) for t in op.tables]
        return "graph-to-table " + ", ".join(parts)
    if isinstance(op, A.GraphMatch):
        keyword = "graph-shortest-paths" if isinstance(op, A.GraphShortestPaths) else "graph-match"
        paths = ", ".join("".join(_element(el) for el in p.elements) for p in op.paths)
        where = f" where {F.expr(op.where)}" if op.where is not None else ""
        return f"{keyword}{_params(op.params)} {paths}{where} project " + ", ".join(F.assign(i) for i in op.items)
    if isinstance(op, A.GraphMerge):
        on = " on " + ", ".join(F.expr(c) for c in op.on) if op.on else ""
        return f"graph-merge {F._sources((op.right,))}{on}"
    if isinstance(op, A.GraphMarkComponents):
        return "graph-mark-components" + _params(op.params)
    return None
