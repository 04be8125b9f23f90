"""SQL for `reduce` (semantic/reduce.py): the distinct values with their row counts, in order of first
appearance, go to one call of kq_py_reduce / kq_py_reduce_source (functions/reduce_patterns.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .quote import quote_ident, quote_literal, quote_string


@dataclass(frozen=True)
class ReduceSpec:
    threshold: float
    characters: str | None
    source: bool  # kind=source: the input rows with a Pattern column
    columns: tuple[str, ...]  # the input's columns (kind=source)


def reduce_sql(spec: ReduceSpec, source: str, pattern_column: str) -> str:
    """`source` has the input's columns plus __kq_rn (row order) and __kq_rv (the value to reduce)."""
    chars = "NULL::VARCHAR" if spec.characters is None else quote_string(spec.characters)
    distinct = (f"SELECT __kq_rv AS v, count(*) AS n, min(__kq_rn) AS first FROM {source} GROUP BY __kq_rv")
    lists = f"list(v ORDER BY first), list(n ORDER BY first), {quote_literal(spec.threshold, 'real')}, {chars}"
    if not spec.source:
        return (f"SELECT r.pattern AS \"Pattern\", r.count AS \"Count\", r.representative AS \"Representative\" "
                f"FROM (SELECT unnest(kq_py_reduce({lists})) AS r FROM ({distinct}))")
    mapping = f"SELECT unnest(kq_py_reduce_source({lists})) AS m FROM ({distinct})"
    cols = ", ".join(f"t.{quote_ident(c)}" for c in spec.columns)
    return (f"SELECT {cols + ', ' if cols else ''}COALESCE(p.m.pattern, 'others') AS {quote_ident(pattern_column)} "
            f"FROM {source} AS t LEFT JOIN ({mapping}) AS p ON t.__kq_rv = p.m.value ORDER BY t.__kq_rn")
