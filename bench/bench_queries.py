"""Benchmark kqlite against hand-written DuckDB SQL on a synthetic Azure Arc fleet.

    python bench/bench_queries.py [--rows 1000000] [--machines 2000] [--repeat 5]

For each query it measures:
  * the median time of `db.compile(kql)` (parse + bind + SQL generation), after warm-up;
  * the median wall time of `db.query(kql)` (compile + DuckDB + Arrow conversion) against
    the median wall time of the hand-written SQL on the same connection
    (`db._con.sql(sql)` fetched as Arrow), each after a warm-up run;
  * whether kqlite's rows equal the baseline's rows.

Targets: compile median < 1 ms, and kqlite / baseline <= 1.1 (the baseline being the
fastest hand-written variant that returns the same rows).
Figures are printed and written to bench/results.json. The exit status is non-zero if a
kqlite query fails or returns rows that differ from the baseline (targets missed do not
change the exit status; see --strict).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import gc
import json
import os
import platform
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import kqlite  # noqa: E402

# ---------------------------------------------------------------- fixed clock
END = dt.datetime(2024, 6, 8, 0, 0, 0)          # UTC; the last heartbeat is just before this
START = END - dt.timedelta(days=7)
END_KQL = "2024-06-08T00:00:00Z"
END_SQL = "TIMESTAMP '2024-06-08 00:00:00'"

US = 1_000_000
MINUTE_US = 60 * US
DAY_US = 86_400 * US

# agent versions, oldest first (Azure Connected Machine agent style)
VERSIONS = [
    "1.33.02399.1001", "1.34.02440.1001", "1.35.02478.1001", "1.36.02514.1003", "1.37.02550.1002",
    "1.38.02580.1002", "1.39.02628.1002", "1.40.02664.1002", "1.41.02664.1002", "1.42.02722.1001",
]
VERSION_WEIGHTS = np.array([2, 2, 3, 4, 6, 8, 12, 20, 28, 15], dtype=float)

# name prefixes: every one is a whole term, so `has "web"` == ILIKE '%web%' on this data
ROLES = ["web", "sql", "app", "dc", "file", "k8s-node", "build", "db", "cache", "gw"]
LINUX_ROLES = {"web", "k8s-node", "build", "cache", "gw"}
RESOURCE_GROUPS = ["rg-prod-eastus", "rg-prod-westeurope", "rg-dev-eastus", "rg-onprem-dc1", "rg-onprem-dc2"]


# ---------------------------------------------------------------- data
def generate(rows: int, machines: int, seed: int = 20240608) -> tuple[pa.Table, pa.Table]:
    """Heartbeat (exactly `rows` rows) and Machines (one row per computer). Deterministic."""
    if machines < 1 or rows < machines:
        raise SystemExit("need --rows >= --machines >= 1")
    rng = np.random.default_rng(seed)
    M = machines

    # ---- per machine
    role = rng.integers(0, len(ROLES), M)
    names = [f"{ROLES[r]}-{i:05d}" for i, r in enumerate(role)]
    is_linux = np.array([ROLES[r] in LINUX_ROLES for r in role])
    # a sprinkle of Windows hosts in the other OS family, so OSType is not a function of the name
    flip = rng.random(M) < 0.05
    is_linux = np.where(flip, ~is_linux, is_linux)
    computer = [n if lin else f"{n}.contoso.com" for n, lin in zip(names, is_linux)]
    os_type = np.where(is_linux, "Linux", "Windows")
    os_sku = np.where(is_linux,
                      np.array(["Ubuntu 22.04", "RHEL 9.3", "SLES 15 SP5"])[rng.integers(0, 3, M)],
                      np.array(["Windows Server 2019 Datacenter", "Windows Server 2022 Datacenter",
                                "Windows Server 2016 Standard"])[rng.integers(0, 3, M)])
    category = np.where(rng.random(M) < 0.7, "Azure Monitor Agent", "Direct Agent")
    subs = [f"{rng.integers(0, 2**32):08x}-{rng.integers(0, 2**16):04x}-4{rng.integers(0, 2**12):03x}-"
            f"a{rng.integers(0, 2**12):03x}-{rng.integers(0, 2**48):012x}" for _ in range(3)]
    sub = rng.integers(0, len(subs), M)
    rg = rng.integers(0, len(RESOURCE_GROUPS), M)
    resource_id = [f"/subscriptions/{subs[s]}/resourcegroups/{RESOURCE_GROUPS[g]}"
                   f"/providers/microsoft.hybridcompute/machines/{n}".lower()
                   for s, g, n in zip(sub, rg, names)]
    ip = [f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" for i in rng.integers(1 << 16, 1 << 24, M)]

    # silence before END: ~82% report up to the last few minutes, the rest stopped earlier
    active = rng.random(M) < 0.82
    silence_us = np.where(active, rng.integers(0, 5 * MINUTE_US, M),
                          rng.integers(10 * MINUTE_US, 3 * DAY_US, M))
    # versions: a start version, and half the fleet upgrades during the week
    v0 = rng.choice(len(VERSIONS), size=M, p=VERSION_WEIGHTS / VERSION_WEIGHTS.sum())
    upgrades = (rng.random(M) < 0.5) & (v0 < len(VERSIONS) - 1)
    v1 = np.where(upgrades, np.minimum(v0 + rng.integers(1, 3, M), len(VERSIONS) - 1), v0)
    end_us = int((END - dt.datetime(1970, 1, 1)).total_seconds()) * US
    upgrade_at = end_us - rng.integers(0, 7 * DAY_US, M)

    # ---- per heartbeat: row i belongs to machine i % M and is its k-th (k = i // M) beat;
    # beats of one machine are on a regular grid with jitter smaller than the grid step,
    # so each machine's TimeGenerated values are distinct (arg_max has no ties)
    i = np.arange(rows, dtype=np.int64)
    m = i % M
    k = i // M
    n_m = np.full(M, rows // M, dtype=np.int64)
    n_m[: rows % M] += 1
    span_us = 7 * DAY_US - silence_us - MINUTE_US            # each machine's reporting window
    step_us = span_us // n_m                                 # grid step per machine
    jitter_cap = np.minimum((step_us * 9) // 10, MINUTE_US)
    back = (n_m[m] - 1 - k) * step_us[m] + (rng.random(rows) * jitter_cap[m]).astype(np.int64)
    ts_us = end_us - silence_us[m] - back
    order = np.argsort(ts_us, kind="stable")                 # ingestion order
    ts_us, m = ts_us[order], m[order]
    version_idx = np.where(ts_us >= upgrade_at[m], v1[m], v0[m])

    def take(values: list[str] | np.ndarray, idx: np.ndarray) -> pa.Array:
        return pc.take(pa.array(list(values), pa.string()), pa.array(idx))

    heartbeat = pa.table({
        "TimeGenerated": pa.array(ts_us, pa.timestamp("us", tz="UTC")),
        "Computer": take(computer, m),
        "Category": take(category, m),
        "OSType": take(os_type, m),
        "Version": take(VERSIONS, version_idx),
        "ResourceId": take(resource_id, m),
        "ComputerIP": take(ip, m),
    })

    # ---- inventory: the version at the machine's last heartbeat
    last_ts = np.full(M, np.iinfo(np.int64).min)
    np.maximum.at(last_ts, m, ts_us)
    agent_version = [VERSIONS[v1[j] if last_ts[j] >= upgrade_at[j] else v0[j]] for j in range(M)]
    silent_for = end_us - last_ts
    status = np.where(silent_for < 15 * MINUTE_US, "Connected",
                      np.where(silent_for < 2 * DAY_US, "Disconnected", "Expired"))
    props = [json.dumps({"status": str(s), "agentVersion": v, "osSku": str(o)})
             for s, v, o in zip(status, agent_version, os_sku)]
    machines_tbl = pa.table({
        "Computer": pa.array(computer, pa.string()),
        "id": pa.array(resource_id, pa.string()),
        "status": pa.array(list(status), pa.string()),
        "agentVersion": pa.array(agent_version, pa.string()),
        "properties": pa.array(props, pa.string()),
    })
    schema = machines_tbl.schema.set(
        4, pa.field("properties", pa.string(), metadata={b"kql_type": b"dynamic"}))
    machines_tbl = machines_tbl.cast(schema)
    return heartbeat, machines_tbl


# ---------------------------------------------------------------- queries
@dataclass
class Query:
    name: str
    kql: str
    baselines: dict[str, str]          # label -> SQL; the first is the primary (most idiomatic)
    note: str = ""
    # labels of variants that return the same rows only on this data or by rewriting the
    # query (not a translation of it): timed and shown, but not used for the target ratio
    rewrites: tuple[str, ...] = ()


VERSION_NUM = ("CAST(split_part({v}, '.', 1) AS HUGEINT) * CAST('1000000000000000000000000' AS HUGEINT)"
               " + CAST(split_part({v}, '.', 2) AS HUGEINT) * CAST('10000000000000000' AS HUGEINT)"
               " + CAST(split_part({v}, '.', 3) AS HUGEINT) * 100000000"
               " + CAST(split_part({v}, '.', 4) AS HUGEINT)")

HB_COLS = "Computer, TimeGenerated, Category, OSType, Version, ResourceId, ComputerIP"

QUERIES: list[Query] = [
    Query(
        "last_heartbeat",
        "Heartbeat | summarize arg_max(TimeGenerated, *) by Computer",
        {
            "qualify": f"SELECT {HB_COLS} FROM Heartbeat "
                       "QUALIFY row_number() OVER (PARTITION BY Computer ORDER BY TimeGenerated DESC) = 1",
            "arg_max_cols": "SELECT Computer, max(TimeGenerated) AS TimeGenerated, "
                            "arg_max(Category, TimeGenerated) AS Category, arg_max(OSType, TimeGenerated) AS OSType, "
                            "arg_max(Version, TimeGenerated) AS Version, "
                            "arg_max(ResourceId, TimeGenerated) AS ResourceId, "
                            "arg_max(ComputerIP, TimeGenerated) AS ComputerIP FROM Heartbeat GROUP BY Computer",
            "distinct_on": f"SELECT DISTINCT ON (Computer) {HB_COLS} FROM Heartbeat "
                           "ORDER BY Computer, TimeGenerated DESC",
        },
        "no ties in TimeGenerated per Computer, so every variant picks the same row",
    ),
    Query(
        "silent_15m",
        f"Heartbeat | summarize LastSeen = max(TimeGenerated) by Computer "
        f"| where LastSeen < datetime({END_KQL}) - 15m",
        {
            "having": "SELECT Computer, max(TimeGenerated) AS LastSeen FROM Heartbeat GROUP BY Computer "
                      f"HAVING max(TimeGenerated) < {END_SQL} - INTERVAL 15 MINUTE",
        },
    ),
    Query(
        "dcount_by_version",
        "Heartbeat | summarize dcount(Computer) by Version",
        {"count_distinct": "SELECT Version, count(DISTINCT Computer) AS dcount_Computer FROM Heartbeat GROUP BY Version"},
        "kqlite computes dcount exactly (Kusto estimates it), so the baseline is count(DISTINCT)",
    ),
    Query(
        "hourly_bins",
        "Heartbeat | summarize count() by bin(TimeGenerated, 1h)",
        {
            "date_trunc": "SELECT date_trunc('hour', TimeGenerated) AS TimeGenerated, count(*) AS count_ "
                          "FROM Heartbeat GROUP BY 1",
            "time_bucket": "SELECT time_bucket(INTERVAL 1 HOUR, TimeGenerated) AS TimeGenerated, count(*) AS count_ "
                           "FROM Heartbeat GROUP BY 1",
        },
    ),
    Query(
        "join_inventory",
        "Heartbeat | summarize LastSeen = max(TimeGenerated) by ResourceId "
        "| join kind=inner (Machines | project id, status) on $left.ResourceId == $right.id "
        "| summarize count() by status",
        {
            "join": "SELECT m.status, count(*) AS count_ FROM "
                    "(SELECT ResourceId, max(TimeGenerated) AS LastSeen FROM Heartbeat GROUP BY ResourceId) h "
                    "JOIN Machines m ON h.ResourceId = m.id GROUP BY m.status",
            "semi_join": "SELECT status, count(*) AS count_ FROM Machines "
                         "WHERE id IN (SELECT ResourceId FROM Heartbeat) GROUP BY status",
        },
        "semi_join (a rewrite that skips max()) is equivalent only because Machines.id is unique",
        rewrites=("semi_join",),
    ),
    Query(
        "dcount_all",
        "Heartbeat | summarize dcount(Computer)",
        {"count_distinct": "SELECT count(DISTINCT Computer) AS dcount_Computer FROM Heartbeat"},
    ),
    Query(
        "has_web_count",
        'Heartbeat | where Computer has "web" | count',
        {
            "regexp_term": "SELECT count(*) AS Count FROM Heartbeat "
                           "WHERE regexp_matches(Computer, '(?i)(^|[^0-9a-z])web([^0-9a-z]|$)')",
            "ilike": "SELECT count(*) AS Count FROM Heartbeat WHERE Computer ILIKE '%web%'",
        },
        "ilike equals `has` only on this data (no name holds 'web' inside a longer term)",
        rewrites=("ilike",),
    ),
    Query(
        "max_parse_version",
        "Machines | extend v = parse_version(tostring(properties.agentVersion)) | summarize max(v)",
        {
            "split_part": "SELECT max(" + VERSION_NUM.format(v="v") + ") AS max_v "
                          "FROM (SELECT properties->>'$.agentVersion' AS v FROM Machines)",
            "list_reduce": "SELECT max(list_reduce(list_transform(string_split(properties->>'$.agentVersion', '.'), "
                           "lambda x: CAST(x AS HUGEINT)), lambda a, b: a * 100000000 + b)) AS max_v FROM Machines",
        },
        "baselines assume 4-part versions, which all of this data has",
    ),
]


# ---------------------------------------------------------------- comparison
def _norm(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
        return v
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float):
        return v if v != v else round(v, 9)
    return v


def _rows(table: pa.Table) -> list[tuple]:
    cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [tuple(_norm(v) for v in r) for r in zip(*cols)]
    return sorted(rows, key=lambda r: tuple((v is None, type(v).__name__, str(v)) for v in r))


def compare(kq: pa.Table, base: pa.Table) -> str | None:
    """None if equal, else a description of the difference."""
    if kq.column_names != base.column_names:
        return f"columns differ: kqlite {kq.column_names} vs baseline {base.column_names}"
    a, b = _rows(kq), _rows(base)
    if a == b:
        return None
    msg = [f"rows differ: kqlite {len(a)} rows vs baseline {len(b)} rows"]
    sa, sb = set(a), set(b)
    only_a = [r for r in a if r not in sb][:5]
    only_b = [r for r in b if r not in sa][:5]
    if only_a:
        msg.append(f"  only in kqlite (first 5): {only_a}")
    if only_b:
        msg.append(f"  only in baseline (first 5): {only_b}")
    if not only_a and not only_b:
        msg.append("  same distinct rows, different multiplicities")
    return "\n".join(msg)


# ---------------------------------------------------------------- timing
def fetch(rel: Any) -> pa.Table:
    f = getattr(rel, "to_arrow_table", None) or rel.fetch_arrow_table
    return f()


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


@dataclass
class Outcome:
    name: str
    kql: str
    sql: str = ""
    compile_ms: float | None = None
    kqlite_ms: float | None = None
    kqlite_sql_ms: float | None = None  # the SQL from db.compile run directly: no parse/bind/Arrow overhead
    baselines_ms: dict[str, float] = field(default_factory=dict)
    baseline_ok: dict[str, bool] = field(default_factory=dict)
    best_baseline: str | None = None   # fastest equal variant that translates the query
    ratio: float | None = None         # kqlite / best_baseline: the figure the target is about
    best_any: str | None = None        # fastest equal variant, rewrites included
    ratio_any: float | None = None
    rows: int | None = None
    error: str | None = None
    mismatch: str | None = None
    baseline_errors: dict[str, str] = field(default_factory=dict)
    note: str = ""


def run_query(db: kqlite.Database, q: Query, repeat: int, compile_runs: int) -> Outcome:
    out = Outcome(q.name, q.kql, note=q.note)
    print(f"\n=== {q.name}\nKQL: {q.kql}")
    # ---- correctness first (also the warm-up)
    try:
        out.sql = db.compile(q.kql)[-1]
        kq = db.query(q.kql)
        out.rows = kq.num_rows
    except Exception as e:  # noqa: BLE001 - report every failure
        out.error = f"{type(e).__name__}: {e}"
        print(f"!! kqlite ERROR: {out.error}")
        if out.sql:
            print(f"SQL from db.compile:\n{out.sql}")
        else:
            traceback.print_exc()
        return out
    base_tables: dict[str, pa.Table] = {}
    for label, sql in q.baselines.items():
        try:
            base_tables[label] = fetch(db._con.sql(sql))
        except Exception as e:  # noqa: BLE001
            out.baseline_errors[label] = f"{type(e).__name__}: {e}"
            print(f"!! baseline {label} ERROR: {out.baseline_errors[label]}")
    primary = next(iter(q.baselines))
    for label, table in base_tables.items():
        diff = compare(kq, table)
        out.baseline_ok[label] = diff is None
        if diff is not None:
            print(f"!! MISMATCH vs baseline {label}:\n{diff}")
            if label == primary or out.mismatch is None:
                out.mismatch = f"vs {label}: {diff}"
    if out.mismatch and any(out.baseline_ok.values()):
        # kqlite agrees with some hand-written variant: the odd one out is the baseline
        print("   (kqlite agrees with another baseline variant; treating the differing variant as wrong)")
        out.mismatch = None
    if not base_tables:
        out.mismatch = "no baseline variant ran, so nothing was compared"
        print(f"!! {out.mismatch}")
    if out.mismatch:
        print(f"SQL from db.compile:\n{out.sql}")
    print(f"rows: {out.rows}   result equals baseline: {'yes' if not out.mismatch else 'NO'}")

    # ---- compile time
    for _ in range(20):
        db.compile(q.kql)
    samples = []
    for _ in range(compile_runs):
        t0 = time.perf_counter()
        db.compile(q.kql)
        samples.append(time.perf_counter() - t0)
    out.compile_ms = median_ms(samples)

    # ---- run time: one more warm-up each, then interleaved runs, alternating who goes first
    valid = [label for label in base_tables if out.baseline_ok.get(label)]
    if not valid:
        valid = list(base_tables)
    fns: dict[str, Any] = {"kqlite": lambda: db.query(q.kql), "kqlite_sql": lambda: fetch(db._con.sql(out.sql))}
    for label in valid:
        fns[label] = (lambda s: lambda: fetch(db._con.sql(s)))(q.baselines[label])
    for f in fns.values():
        f()
    times: dict[str, list[float]] = {k: [] for k in fns}
    order = list(fns)
    for r in range(repeat):
        for key in (order if r % 2 == 0 else order[::-1]):
            gc.collect()
            t0 = time.perf_counter()
            fns[key]()
            times[key].append(time.perf_counter() - t0)
    out.kqlite_ms = median_ms(times["kqlite"])
    out.kqlite_sql_ms = median_ms(times["kqlite_sql"])
    out.baselines_ms = {k: median_ms(v) for k, v in times.items() if k not in ("kqlite", "kqlite_sql")}
    if out.baselines_ms:
        exact = [k for k in out.baselines_ms if k not in q.rewrites] or list(out.baselines_ms)
        out.best_baseline = min(exact, key=out.baselines_ms.__getitem__)
        out.ratio = out.kqlite_ms / out.baselines_ms[out.best_baseline]
        out.best_any = min(out.baselines_ms, key=out.baselines_ms.__getitem__)
        out.ratio_any = out.kqlite_ms / out.baselines_ms[out.best_any]
    print(f"compile median: {out.compile_ms:.3f} ms over {compile_runs} runs")
    print(f"kqlite query median: {out.kqlite_ms:.2f} ms over {repeat} runs "
          f"(its generated SQL alone: {out.kqlite_sql_ms:.2f} ms)")
    for label, ms in out.baselines_ms.items():
        mark = " (baseline)" if label == out.best_baseline else (" (rewrite, not used for the target)"
                                                                  if label in q.rewrites else "")
        print(f"baseline {label:<15} median: {ms:.2f} ms   kqlite/this = {out.kqlite_ms / ms:.2f}{mark}")
    if q.note:
        print(f"note: {q.note}")
    return out


# ---------------------------------------------------------------- main
COMPILE_TARGET_MS = 1.0
RATIO_TARGET = 1.1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--machines", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--compile-runs", type=int, default=300)
    p.add_argument("--seed", type=int, default=20240608)
    p.add_argument("--only", nargs="*", help="names of the queries to run")
    p.add_argument("--json", default=str(HERE / "results.json"), help="where to write the figures ('' = nowhere)")
    p.add_argument("--strict", action="store_true", help="also exit non-zero when a target is missed")
    args = p.parse_args(argv)

    import duckdb

    t0 = time.perf_counter()
    heartbeat, machines = generate(args.rows, args.machines, args.seed)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    db = kqlite.connect()
    db.register("Heartbeat", heartbeat)
    db.register("Machines", machines)
    t_reg = time.perf_counter() - t0
    print(f"kqlite {kqlite.__version__}, duckdb {duckdb.__version__}, pyarrow {pa.__version__}, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"Heartbeat: {heartbeat.num_rows:,} rows, Machines: {machines.num_rows:,} rows "
          f"(generated in {t_gen:.2f} s, registered in {t_reg:.2f} s); window {START.isoformat()}Z .. {END_KQL}")
    print(f"repeat={args.repeat}, compile runs={args.compile_runs}, seed={args.seed}")

    queries = [q for q in QUERIES if not args.only or q.name in args.only]
    outcomes = [run_query(db, q, args.repeat, args.compile_runs) for q in queries]

    # ---- summary
    def f(v: float | None, fmt: str) -> str:
        return "-" if v is None else format(v, fmt)

    print("\n" + "=" * 100)
    print(f"SUMMARY  rows={heartbeat.num_rows:,} machines={machines.num_rows:,} repeat={args.repeat}")
    hdr = (f"{'query':<19} {'compile ms':>10} {'kqlite ms':>10} {'(its SQL)':>10} {'baseline ms':>11} {'ratio':>6}  "
           f"{'baseline used':<15} {'rows':>6}  {'result':<8} {'vs rewrite':>10}")
    print(hdr)
    print("-" * len(hdr))
    for o in outcomes:
        status = "ERROR" if o.error else ("MISMATCH" if o.mismatch else "ok")
        best = o.baselines_ms.get(o.best_baseline) if o.best_baseline else None
        print(f"{o.name:<19} {f(o.compile_ms, '.3f'):>10} {f(o.kqlite_ms, '.2f'):>10} "
              f"{f(o.kqlite_sql_ms, '.2f'):>10} {f(best, '.2f'):>11} "
              f"{f(o.ratio, '.2f'):>6}  {o.best_baseline or '-':<15} {f(o.rows, 'd'):>6}  {status:<8} "
              f"{(f'{o.ratio_any:.2f} ' + o.best_any) if o.best_any and o.best_any != o.best_baseline else '':>10}")
    print("-" * len(hdr))
    compiles = [o.compile_ms for o in outcomes if o.compile_ms is not None]
    ratios = [o.ratio for o in outcomes if o.ratio is not None]
    compile_ok = bool(compiles) and all(c < COMPILE_TARGET_MS for c in compiles)
    ratio_ok = bool(ratios) and all(r <= RATIO_TARGET for r in ratios)
    failed = [o for o in outcomes if o.error or o.mismatch]
    if compiles:
        print(f"compile median < {COMPILE_TARGET_MS} ms for every query: {'HOLDS' if compile_ok else 'FAILS'}"
              f" (max {max(compiles):.3f} ms"
              + (f"; over: {', '.join(o.name for o in outcomes if o.compile_ms and o.compile_ms >= COMPILE_TARGET_MS)}"
                 if not compile_ok else "") + ")")
    if ratios:
        print(f"kqlite/baseline <= {RATIO_TARGET} for every query: {'HOLDS' if ratio_ok else 'FAILS'}"
              f" (max {max(ratios):.2f}, geometric mean {statistics.geometric_mean(ratios):.2f}"
              + (f"; over: {', '.join(o.name for o in outcomes if o.ratio and o.ratio > RATIO_TARGET)}"
                 if not ratio_ok else "") + ")")
    print("ratio = kqlite db.query / fastest hand-written translation; (its SQL) = kqlite's generated SQL run "
          "directly on the connection;\n'vs rewrite' = kqlite / a faster variant that is equal only on this data "
          "or skips work the query asks for")
    if failed:
        print(f"!! {len(failed)} quer{'y' if len(failed) == 1 else 'ies'} failed or mismatched: "
              + ", ".join(o.name for o in failed))
    else:
        print("all kqlite results equal their baselines")

    if args.json:
        doc = {
            "params": {"rows": heartbeat.num_rows, "machines": machines.num_rows, "repeat": args.repeat,
                       "compile_runs": args.compile_runs, "seed": args.seed,
                       "window": [START.isoformat() + "Z", END_KQL]},
            "environment": {"kqlite": kqlite.__version__, "duckdb": duckdb.__version__, "pyarrow": pa.__version__,
                            "numpy": np.__version__, "python": platform.python_version(),
                            "platform": platform.platform(), "cpus": os.cpu_count()},
            "targets": {"compile_ms_lt": COMPILE_TARGET_MS, "ratio_le": RATIO_TARGET,
                        "compile_holds": compile_ok, "ratio_holds": ratio_ok},
            "queries": [{
                "name": o.name, "kql": o.kql, "kqlite_sql": o.sql, "compile_ms": o.compile_ms,
                "kqlite_ms": o.kqlite_ms, "kqlite_sql_ms": o.kqlite_sql_ms, "baselines_ms": o.baselines_ms, "best_baseline": o.best_baseline,
                "best_any": o.best_any, "ratio_any": o.ratio_any,
                "rewrites": list(next((q.rewrites for q in queries if q.name == o.name), ())),
                "baseline_sql": next((q.baselines for q in queries if q.name == o.name), {}),
                "baseline_equal": o.baseline_ok, "ratio": o.ratio, "rows": o.rows, "error": o.error,
                "mismatch": o.mismatch, "baseline_errors": o.baseline_errors, "note": o.note,
            } for o in outcomes],
            "ok": not failed,
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"figures written to {args.json}")
    if failed:
        return 1
    if args.strict and not (compile_ok and ratio_ok):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
