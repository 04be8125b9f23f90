"""SQL for `evaluate basket(...)` (semantic/plugins_mining.py): each dimension's frequent values numbered
(0 for null and for values too rare to be in any pattern), identical rows grouped with their summed weight, one kq_py_basket call
(functions/basket_mining.py) over them, and each pattern's value ids turned back into typed values."""

from __future__ import annotations

from dataclasses import dataclass

from .quote import quote_ident, quote_literal


@dataclass(frozen=True)
class BasketSpec:
    dimensions: tuple[str, ...]  # the input columns patterns are made of, in input order
    weight: str | None  # the weight column, None: each row weighs 1
    threshold: float
    max_dimensions: int
    wildcards: tuple[str, ...]  # per dimension: the SQL of the value that means "any"
    integral_count: bool  # Count is a long (no weight, or an integral one)


def basket_sql(spec: BasketSpec, source: str) -> str:
    dims = [quote_ident(d) for d in spec.dimensions]
    weight = "1.0" if spec.weight is None else f"COALESCE(CAST({quote_ident(spec.weight)} AS DOUBLE), 0)"
    needed = f"{quote_literal(spec.threshold, 'real')} * (SELECT total FROM __kq_total) * (1 - 1e-12)"
    ctes = [f"__kq_src AS (SELECT {', '.join(dims)}, {weight} AS __kq_w FROM {source})",
            "__kq_total AS (SELECT sum(__kq_w) AS total FROM __kq_src)"]
    # only a value frequent on its own can be in a frequent pattern: the others become 0 (no value) here, so
    # identical rows group well and the Python side sees a few ids per column (at most 1 / Threshold)
    for n, d in enumerate(dims):
        ctes.append(f"__kq_v{n} AS (SELECT v, (row_number() OVER (ORDER BY s DESC, v))::INTEGER AS id FROM "
                    f"(SELECT {d} AS v, sum(__kq_w) AS s FROM __kq_src WHERE {d} IS NOT NULL GROUP BY ALL) "
                    f"WHERE s >= {needed})")
    ids = ", ".join(f"__kq_i{n}" for n in range(len(dims)))
    numbered = ", ".join(f"COALESCE(__kq_v{n}.id, 0) AS __kq_i{n}" for n in range(len(dims)))
    lookups = " ".join(f"LEFT JOIN __kq_v{n} ON __kq_v{n}.v = __kq_src.{d}" for n, d in enumerate(dims))
    ctes += [f"__kq_rows AS (SELECT {ids}, sum(__kq_w) AS __kq_w FROM "
             f"(SELECT {numbered}, __kq_w FROM __kq_src {lookups}) GROUP BY ALL)",
             f"__kq_found AS (SELECT unnest(kq_py_basket(list({{'i': [{ids}], 'w': __kq_w}}), "
             f"{quote_literal(spec.threshold, 'real')}, {int(spec.max_dimensions)})) AS p FROM __kq_rows)",
             "__kq_patterns AS (SELECT p.seg AS seg, p.count AS n, p.items AS items FROM __kq_found)"]
    joins = []
    values = []
    for n, d in enumerate(dims):
        joins.append(f"LEFT JOIN __kq_v{n} ON __kq_v{n}.id = p.items[{n + 1}]")
        values.append(f"CASE WHEN p.items[{n + 1}] = 0 THEN {spec.wildcards[n]} ELSE __kq_v{n}.v END AS {d}")
    count = "CAST(round(p.n) AS BIGINT)" if spec.integral_count else "p.n"
    select = ", ".join(["p.seg AS \"SegmentId\"", f"{count} AS \"Count\"",
                        "100.0 * p.n / (SELECT total FROM __kq_total) AS \"Percent\""] + values)
    return (f"WITH {', '.join(ctes)} SELECT {select} FROM __kq_patterns AS p {' '.join(joins)} ORDER BY p.seg")
