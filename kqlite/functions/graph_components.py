"""graph-mark-components' algorithm (sql/graph.py calls it): connected components by union-find
(weak) or Tarjan's algorithm (strong), over the whole edge list at once. Recursive SQL would
compute every node's reachable set, quadratic in a component's size."""

from __future__ import annotations

from ..sql.python_functions import python_function


@python_function("kq_py_graph_components", ["VARCHAR[]", "VARCHAR[]", "VARCHAR[]", "BOOLEAN"], "BIGINT[]")
def graph_components(ids: list[str] | None, sources: list[str] | None, targets: list[str] | None,
                     strong: bool | None) -> list[int] | None:
    """The component index of each of `ids` (which come sorted): components are numbered 0, 1, ...
    in the order of their first node in `ids`."""
    if ids is None:
        return None
    index = {node: i for i, node in enumerate(ids)}
    edges = [(index[s], index[t]) for s, t in zip(sources or [], targets or []) if s in index and t in index]
    label = _strong(len(ids), edges) if strong else _weak(len(ids), edges)
    numbers: dict[int, int] = {}
    return [numbers.setdefault(label[i], len(numbers)) for i in range(len(ids))]


def _weak(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [root(i) for i in range(n)]


def _strong(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Tarjan's algorithm without recursion; a component is labelled by its smallest node index."""
    out: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        out[a].append(b)
    order, low = [-1] * n, [0] * n
    on_stack, stack, label = [False] * n, [], [0] * n
    counter = 0
    for start in range(n):
        if order[start] != -1:
            continue
        work = [(start, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                order[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            if child < len(out[node]):
                work.append((node, child + 1))
                nxt = out[node][child]
                if order[nxt] == -1:
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[node] = min(low[node], order[nxt])
                continue
            if low[node] == order[node]:  # node roots a component: pop it
                members = []
                while True:
                    m = stack.pop()
                    on_stack[m] = False
                    members.append(m)
                    if m == node:
                        break
                for m in members:
                    label[m] = min(members)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return label
