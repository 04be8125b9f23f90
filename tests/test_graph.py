"""Graph operators (semantic/graph*.py, sql/graph.py) beyond the docs' examples in golden/graph/:
the pushed-down forms of a where clause give the same matches as the plain filter, and
graph-mark-components agrees with reachability computed by hand."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

import kqlite
from kqlite.functions.graph_components import graph_components


def _random_edges(seed: int, nodes: int = 7, edges: int = 12) -> pa.Table:
    rng = random.Random(seed)
    return pa.table({"s": [f"n{rng.randrange(nodes)}" for _ in range(edges)],
                     "d": [f"n{rng.randrange(nodes)}" for _ in range(edges)],
                     "w": [rng.randrange(10) for _ in range(edges)]})


def _rows(db, query: str) -> list:
    return sorted(tuple(r.values()) for r in db.query(query).to_pylist())


@pytest.fixture(scope="module")
def db():
    database = kqlite.connect()
    for seed in range(4):
        database.register(f"E{seed}", _random_edges(seed))
    return database


GRAPH = "E{seed} | make-graph s --> d with_node_id=name"
PATTERNS = ["(a)-[p*1..3]->(b)", "(a)<-[p*1..3]-(b)", "(a)-[p*0..2]-(b)", "(a)-[p*1..2]->(m)-[q]->(b)"]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("cycles", ["unique_edges", "all", "none"])
def test_pushed_down_conditions_match_the_plain_filter(db, seed, pattern, cycles):
    """A conjunct over one node seeds the paths from that end (the right end: grown backwards and
    reversed); a conjunct over one variable length edge filters its edges. Written so that nothing
    can be pushed down, the same where clause must give the same rows."""
    project = "project a.name, b.name, p.w, ids = map(inner_nodes(p), name)"
    g = GRAPH.format(seed=seed)
    for pushed, plain in [
        ("where b.name == 'n1'", "where b.name == 'n1' or a.name == '-'"),
        ("where a.name == 'n2'", "where a.name == 'n2' or b.name == '-'"),
        ("where p.w > 2", "where all(p, w > 2) or a.name == '-'"),
    ]:
        base = f"{g} | graph-match cycles={cycles} {pattern}"
        assert _rows(db, f"{base} {pushed} {project}") == _rows(db, f"{base} {plain} {project}")


def _reach(n: int, edges: list[tuple[int, int]], directed: bool) -> list[set[int]]:
    out: list[set[int]] = [{i} for i in range(n)]
    changed = True
    while changed:
        changed = False
        for a, b in edges:
            for x, y in ((a, b),) if directed else ((a, b), (b, a)):
                for i in range(n):
                    if x in out[i] and y not in out[i]:
                        out[i].add(y)
                        changed = True
    return out


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("strong", [False, True])
def test_components_match_reachability(seed, strong):
    rng = random.Random(seed)
    n = rng.randrange(1, 9)
    edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randrange(0, 12))]
    ids = [f"v{i}" for i in range(n)]
    comp = graph_components(ids, [ids[a] for a, _ in edges], [ids[b] for _, b in edges], strong)
    reach = _reach(n, edges, directed=strong)
    for i in range(n):
        for j in range(n):
            together = (j in reach[i] and i in reach[j]) if strong else j in reach[i]
            assert (comp[i] == comp[j]) == together
    assert sorted(set(comp)) == list(range(len(set(comp))))  # numbered 0, 1, ... consecutively
    assert [c for i, c in enumerate(comp) if c not in comp[:i]] == sorted(set(comp))  # in order of first node


def test_right_end_seed_keeps_left_to_right_order(db):
    rows = db.query("datatable(s:string, d:string, k:long)['a', 'b', 1, 'b', 'c', 2]"
                    " | make-graph s --> d with_node_id=name"
                    " | graph-match (x)-[p*2..2]->(y) where y.name == 'c'"
                    " project x.name, ks = p.k, inner = map(inner_nodes(p), name)").to_pylist()
    assert rows == [{"x_name": "a", "ks": "[1,2]", "inner": '["b"]'}]
