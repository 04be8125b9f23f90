"""The basket plugin's frequent patterns (sql/basket.py calls kq_py_basket once per query).

The SQL numbers each dimension column's distinct values (0 for null: a null is no value) and
groups identical rows, summing their weights; here the rows are (value ids, weight). A pattern
is a set of (column, value) pairs, at most one per column and at most MaxDimensions of them; its
count is the weight of the rows holding all of them. The frequent patterns (count >= Threshold x
total weight) are the ones Apriori finds; they are enumerated depth-first over per-item row sets
(the same set of patterns, found with set intersections).

Reported patterns: the *closed* frequent patterns, those without a frequent pattern of one more
column holding the same count. The page does not define Kusto's pruning; this one matches its
StormEvents example (Damage=NO is reported only with DamageCrops=0, which every NO row holds).
"""

from __future__ import annotations

from typing import Any

from ..sql.python_functions import python_function

RESULT_TYPE = "STRUCT(seg BIGINT, count DOUBLE, items INTEGER[])[]"
ROWS_TYPE = "STRUCT(i INTEGER[], w DOUBLE)[]"


def frequent_patterns(rows: list[list[int]], weights: list[float], threshold: float,
                      max_dimensions: int) -> dict[tuple[tuple[int, int], ...], float]:
    """Every frequent pattern (sorted (column, value id) pairs) with its count."""
    total = sum(weights)
    needed = threshold * total * (1 - 1e-12)  # a ratio exactly at the threshold counts as frequent
    holders: dict[tuple[int, int], set[int]] = {}
    for r, ids in enumerate(rows):
        for col, value in enumerate(ids):
            if value:
                holders.setdefault((col, value), set()).add(r)

    def weight(tids: set[int]) -> float:
        return sum(weights[t] for t in tids)

    items = sorted(i for i, tids in holders.items() if weight(tids) >= needed)
    found: dict[tuple[tuple[int, int], ...], float] = {}

    def extend(prefix: tuple[tuple[int, int], ...], tids: set[int], start: int) -> None:
        if len(prefix) >= max_dimensions:
            return
        last_col = prefix[-1][0] if prefix else -1
        for k in range(start, len(items)):
            item = items[k]
            if item[0] <= last_col:
                continue
            both = tids & holders[item] if prefix else holders[item]
            count = weight(both)
            if count >= needed:
                pattern = prefix + (item,)
                found[pattern] = count
                extend(pattern, both, k + 1)

    extend((), set(), 0)
    return found


def closed(found: dict[tuple[tuple[int, int], ...], float],
           max_dimensions: int) -> list[tuple[tuple[tuple[int, int], ...], float]]:
    """The patterns no one-column-larger frequent pattern matches with the same count."""
    by_column: dict[int, list[tuple[int, int]]] = {}
    for pattern in found:
        if len(pattern) == 1:
            by_column.setdefault(pattern[0][0], []).append(pattern[0])
    out = []
    for pattern, count in found.items():
        if len(pattern) < max_dimensions:
            used = {c for c, _ in pattern}
            wider = (tuple(sorted(pattern + (item,))) for col, its in by_column.items() if col not in used
                     for item in its)
            if any(abs(found.get(w, -1.0) - count) <= 1e-9 * max(1.0, count) for w in wider):
                continue
        out.append((pattern, count))
    return out


@python_function("kq_py_basket", [ROWS_TYPE, "DOUBLE", "INTEGER"], RESULT_TYPE)
def basket(rows: list[dict[str, Any]] | None, threshold: float, max_dimensions: int) -> list[dict[str, Any]]:
    """Closed frequent patterns, count descending (then fewer columns first): each as its count and one value id
    per column (0: any value)."""
    if not rows:
        return []
    ids = [list(r["i"]) for r in rows]
    weights = [float(r["w"] or 0) for r in rows]
    width = len(ids[0])
    patterns = closed(frequent_patterns(ids, weights, threshold, max_dimensions), max_dimensions)
    patterns.sort(key=lambda p: (-p[1], len(p[0]), p[0]))
    out = []
    for seg, (pattern, count) in enumerate(patterns):
        items = [0] * width
        for col, value in pattern:
            items[col] = value
        out.append({"seg": seg, "count": count, "items": items})
    return out
