"""Benchmark make-series and series_* functions against hand-written DuckDB SQL.

    PYTHONPATH=. python bench/bench_series.py [--rows 1000000] [--machines 2000] [--repeat 5]

Same synthetic Heartbeat table, timing and comparison as bench_queries.py (imported from there):
one hourly series per machine over the week, then series functions on it. Target: kqlite / baseline
<= 1.2. Figures are printed and written to bench/results_series.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_queries import Query, generate, run_query  # noqa: E402

import kqlite  # noqa: E402

RATIO_TARGET = 1.2
WINDOW_SQL = "TIMESTAMP '2024-06-01 00:00:00'", "TIMESTAMP '2024-06-08 00:00:00'"

# The hand-written SQL: count per (machine, hour), every machine crossed with the 168 hours and
# left-joined to its counts (0 where none), gathered in hour order; then the statistics on the list.
_HOURLY = f"""WITH b AS (
    SELECT Computer, CAST(floor(date_diff('microsecond', {WINDOW_SQL[0]}, TimeGenerated) / 3600e6) AS BIGINT) AS i,
           count(*) AS c
    FROM Heartbeat WHERE TimeGenerated >= {WINDOW_SQL[0]} AND TimeGenerated < {WINDOW_SQL[1]} GROUP BY ALL),
  g AS (SELECT DISTINCT Computer FROM b),
  s AS (SELECT g.Computer, list(COALESCE(b.c, 0) ORDER BY r.i) AS n
        FROM g CROSS JOIN range(168) r(i) LEFT JOIN b ON b.Computer = g.Computer AND b.i = r.i
        GROUP BY g.Computer)"""

QUERIES = [
    Query(
        "series_stats",
        "Heartbeat | make-series n=count() on TimeGenerated from datetime(2024-06-01) to datetime(2024-06-08) "
        "step 1h by Computer | project Computer, total = series_sum(n), peak = toreal(series_stats_dynamic(n).max)",
        {"cross_join": f"{_HOURLY}\nSELECT Computer, CAST(list_sum(n) AS DOUBLE) AS total, "
                       f"CAST(list_max(n) AS DOUBLE) AS peak FROM s"},
    ),
    Query(
        "series_fill_expand",
        "Heartbeat | make-series n=count() default=long(null) on TimeGenerated from datetime(2024-06-01) "
        "to datetime(2024-06-08) step 1h by Computer | extend n = series_fill_forward(n) "
        "| mv-expand n to typeof(long) | summarize gaps = countif(isnull(n)), total = sum(n) by Computer",
        {"cross_join": _HOURLY.replace("COALESCE(b.c, 0)", "b.c") + """,
  f AS (SELECT Computer, list_reduce(n, lambda acc, e: list_append(acc, COALESCE(e, acc[-1])), []::BIGINT[]) AS n
        FROM s)
SELECT Computer, count(*) FILTER (WHERE v IS NULL) AS gaps, COALESCE(sum(v), 0) AS total
FROM (SELECT Computer, unnest(n) AS v FROM f) GROUP BY Computer"""},
    ),
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--machines", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--compile-runs", type=int, default=100)
    p.add_argument("--json", default=str(HERE / "results_series.json"))
    args = p.parse_args(argv)
    heartbeat, machines = generate(args.rows, args.machines)
    db = kqlite.connect()
    db.register("Heartbeat", heartbeat)
    outcomes = [run_query(db, q, args.repeat, args.compile_runs) for q in QUERIES]
    print("\nSUMMARY")
    failed = False
    for o in outcomes:
        failed |= bool(o.error or o.mismatch)
        ratio = "-" if o.ratio is None else f"{o.ratio:.2f}"
        target = "" if o.ratio is None else ("  ok" if o.ratio <= RATIO_TARGET else f"  MISSED (target {RATIO_TARGET})")
        print(f"{o.name:<20} kqlite {o.kqlite_ms or 0:8.1f} ms  baseline {min(o.baselines_ms.values(), default=0):8.1f} ms"
              f"  ratio {ratio}{target}{'  ERROR' if o.error else ''}{'  MISMATCH' if o.mismatch else ''}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": args.rows, "machines": args.machines,
                                               "queries": [asdict(o) for o in outcomes]}, indent=2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
