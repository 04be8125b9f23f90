"""Benchmark costly KQL functions (has, extract, parse_version, bag_*) against hand-written DuckDB SQL.

    PYTHONPATH=. python bench/bench_functions.py [--rows 1000000] [--machines 2000] [--repeat 5]

The synthetic Heartbeat table of bench_queries.py (imported from there), plus `Events`: the same
rows with a dynamic `Properties` bag ({"os", "cat", "ip"}, and "extra" on one machine in ten).
Each query's result must equal the hand-written SQL's; target: kqlite / baseline <= 1.2.
Figures are printed and written to bench/results_functions.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_queries import VERSION_NUM, Query, generate, run_query  # noqa: E402

import kqlite  # noqa: E402

RATIO_TARGET = 1.2
# parse_version("1.40") is 1.40.0.0: the four parts weighted as in VERSION_NUM
V1_40 = "(CAST('1000000000000000000000000' AS HUGEINT) + 40 * CAST('10000000000000000' AS HUGEINT))"

QUERIES = [
    Query(
        "has",
        'Heartbeat | where ResourceId has "rg-prod-eastus" | count',
        {"regex": "SELECT count(*) AS \"Count\" FROM Heartbeat WHERE regexp_matches(ResourceId, "
                  "'(?i)(?:^|[^0-9A-Za-z])rg\\-prod\\-eastus(?:$|[^0-9A-Za-z])')",
         "ilike": "SELECT count(*) AS \"Count\" FROM Heartbeat WHERE ResourceId ILIKE '%rg-prod-eastus%'"},
        "has is a whole-term match: the regex is the translation; ILIKE is a substring match that "
        "happens to give the same rows here",
        rewrites=("ilike",),
    ),
    Query(
        "extract",
        'Heartbeat | summarize n = count() by rg = extract("resourcegroups/([^/]+)", 1, ResourceId)',
        {"regexp_extract": "SELECT regexp_extract(ResourceId, 'resourcegroups/([^/]+)', 1) AS rg, count(*) AS n "
                           "FROM Heartbeat GROUP BY 1"},
    ),
    Query(
        "parse_version",
        'Heartbeat | where parse_version(Version) >= parse_version("1.40") | count',
        {"split_part": "SELECT count(*) AS \"Count\" FROM Heartbeat WHERE "
                       + VERSION_NUM.format(v="Version") + f" >= {V1_40}"},
    ),
    Query(
        "bag_has_key_keys",
        'Events | where bag_has_key(Properties, "extra") | summarize n = count() by k = tostring(bag_keys(Properties))',
        {"json_exists": "SELECT CAST(to_json(json_keys(Properties)) AS VARCHAR) AS k, count(*) AS n FROM Events "
                        "WHERE json_exists(Properties, '$.extra') GROUP BY 1"},
    ),
    Query(
        "bag_pack",
        'Events | summarize n = count() by s = tostring(bag_pack("os", OSType, "cat", Category, "ip", ComputerIP))',
        {"json_object": "SELECT CAST(json_object('os', OSType, 'cat', Category, 'ip', ComputerIP) AS VARCHAR) AS s, "
                        "count(*) AS n FROM Events GROUP BY 1"},
    ),
    Query(
        "bag_merge",
        'Events | extend m = bag_merge(Properties, bag_pack("c", Computer)) '
        '| summarize n = count() by c = tostring(m.c), os = tostring(m.os)',
        {"json_merge_patch": "SELECT m->>'c' AS c, m->>'os' AS os, count(*) AS n FROM ("
                             "SELECT json_merge_patch(json_object('c', Computer), Properties) AS m FROM Events) "
                             "GROUP BY 1, 2"},
        "bag_merge keeps the first bag's value on a clash, json_merge_patch the second's: the arguments swap",
    ),
]


def events(heartbeat: pa.Table) -> pa.Table:
    """Heartbeat plus a dynamic Properties bag built from its columns."""
    def quoted(name: str) -> pa.Array:
        return pc.binary_join_element_wise('"', heartbeat[name], '"', "")

    extra = pc.if_else(pc.ends_with(heartbeat["Computer"], "0"), ',"extra":1', "")
    props = pc.binary_join_element_wise('{"os":', quoted("OSType"), ',"cat":', quoted("Category"), ',"ip":',
                                        quoted("ComputerIP"), extra, "}", "")
    field = pa.field("Properties", pa.string(), metadata={b"kql_type": b"dynamic"})
    return heartbeat.append_column(field, props)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--machines", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--compile-runs", type=int, default=100)
    p.add_argument("--only", nargs="*", help="query names to run")
    p.add_argument("--json", default=str(HERE / "results_functions.json"))
    args = p.parse_args(argv)
    heartbeat, _ = generate(args.rows, args.machines)
    db = kqlite.connect()
    db.register("Heartbeat", heartbeat)
    db.register("Events", events(heartbeat))
    chosen = [q for q in QUERIES if not args.only or q.name in args.only]
    outcomes = [run_query(db, q, args.repeat, args.compile_runs) for q in chosen]
    print("\nSUMMARY")
    failed = False
    for o in outcomes:
        failed |= bool(o.error or o.mismatch)
        ratio = "-" if o.ratio is None else f"{o.ratio:.2f}"
        target = "" if o.ratio is None else ("  ok" if o.ratio <= RATIO_TARGET else f"  MISSED (target {RATIO_TARGET})")
        best = min(o.baselines_ms.values(), default=0)
        print(f"{o.name:<18} kqlite {o.kqlite_ms or 0:8.1f} ms  its SQL {o.kqlite_sql_ms or 0:8.1f} ms  "
              f"baseline {best:8.1f} ms  ratio {ratio}{target}"
              + ("  ERROR" if o.error else "") + ("  MISMATCH" if o.mismatch else ""))
    Path(args.json).write_text(json.dumps({"rows": args.rows, "machines": args.machines, "repeat": args.repeat,
                                           "queries": [asdict(o) for o in outcomes]}, indent=2, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
