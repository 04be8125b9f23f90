"""Ingest speed: `kqlite ingest` against DuckDB's own reader on the same file.

    python bench/bench_ingest.py [--rows 1000000] [--repeat 3] [--formats parquet csv json jsonl portal_csv]

For each format the script writes one Heartbeat export (the sample fleet's Heartbeat rows, repeated
to --rows) and times, in a fresh database file each run:
  * DuckDB: `CREATE TABLE t AS SELECT * FROM read_<format>(file)`, then close (checkpoint);
  * kqlite: `kqlite.loaders.ingest([file], db)`: detection, SHA-256, typing to KQL storage types,
    staging, the store's bookkeeping, commit and checkpoint.
It prints rows per second for both and kqlite's share of DuckDB's speed (target: at least 80%), and
writes the figures to bench/results_ingest.json. `--progress` draws the ingest progress bar.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from kqlite.loaders import ingest  # noqa: E402

SAMPLE = HERE.parent / "sample_data" / "Heartbeat.parquet"
READERS = {
    "parquet": "read_parquet({f})",
    "csv": "read_csv({f})",
    "portal_csv": "read_csv({f})",
    "json": "read_json({f}, format = 'array')",
    "jsonl": "read_json({f}, format = 'newline_delimited')",
}
SUFFIX = {"parquet": ".parquet", "csv": ".csv", "portal_csv": ".csv", "json": ".json", "jsonl": ".jsonl"}
TARGET = 0.8


def write_exports(folder: Path, rows: int, formats: list[str]) -> dict[str, Path]:
    """One Heartbeat export per format, `rows` rows each (the sample's rows, repeated with shifted times)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    n = con.execute(f"SELECT count(*) FROM read_parquet('{SAMPLE}')").fetchall()[0][0]
    copies = -(-rows // n)
    con.execute(f"""CREATE TABLE hb AS SELECT * EXCLUDE (k) REPLACE (TimeGenerated + to_days(7 * k) AS TimeGenerated)
                    FROM read_parquet('{SAMPLE}'), range({copies}) r(k) LIMIT {rows}""")
    out = {}
    for fmt in formats:
        path = folder / f"Heartbeat_{fmt}{SUFFIX[fmt]}"
        if fmt == "parquet":
            con.execute(f"COPY hb TO '{path}' (FORMAT parquet)")
        elif fmt == "csv":
            con.execute(f"COPY hb TO '{path}' (FORMAT csv, HEADER)")
        elif fmt == "portal_csv":  # the Log Analytics portal's download: `TimeGenerated [UTC]`, US datetimes
            con.execute(f"""COPY (SELECT * EXCLUDE (TimeGenerated, _TimeReceived) REPLACE (lower(CAST(IsGatewayInstalled AS VARCHAR)) AS IsGatewayInstalled),
                                strftime(TimeGenerated, '%-m/%-d/%Y, %-I:%M:%S.%g %p') AS "TimeGenerated [UTC]"
                         FROM hb) TO '{path}' (FORMAT csv, HEADER)""")
        elif fmt == "json":
            con.execute(f"COPY hb TO '{path}' (FORMAT json, ARRAY true)")
        else:
            con.execute(f"COPY hb TO '{path}' (FORMAT json)")
        out[fmt] = path
    con.close()
    return out


def time_duckdb(path: Path, fmt: str, folder: Path, run: int) -> float:
    db = folder / f"duckdb_{fmt}_{run}.duckdb"
    t = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE t AS SELECT * FROM {READERS[fmt].format(f=repr(str(path)))}")
    con.close()
    elapsed = time.perf_counter() - t
    db.unlink()
    return elapsed


def time_kqlite(path: Path, fmt: str, folder: Path, run: int, progress: bool) -> tuple[float, int]:
    db = folder / f"kqlite_{fmt}_{run}.duckdb"
    t = time.perf_counter()
    report = ingest([path], db, progress=progress)
    elapsed = time.perf_counter() - t
    db.unlink()
    return elapsed, report.files[0].rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--formats", nargs="+", default=list(READERS), choices=list(READERS))
    ap.add_argument("--progress", action="store_true", help="draw kqlite's ingest progress bar")
    ap.add_argument("--json", default=str(HERE / "results_ingest.json"), help="where to write the figures ('' = nowhere)")
    a = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="kqlite-bench-") as tmp:
        folder = Path(tmp)
        files = write_exports(folder, a.rows, a.formats)
        print(f"{a.rows:,} Heartbeat rows per file; median of {a.repeat} runs each\n")
        print(f"{'format':<11} {'size MB':>8} {'DuckDB rows/s':>14} {'kqlite rows/s':>14} {'kqlite/DuckDB':>14}")
        for fmt, path in files.items():
            base, ours, rows = [], [], a.rows
            for run in range(a.repeat):  # interleaved, so that drift affects both alike
                base.append(time_duckdb(path, fmt, folder, run))
                elapsed, rows = time_kqlite(path, fmt, folder, run, a.progress)
                ours.append(elapsed)
            b, k = statistics.median(base), statistics.median(ours)
            ratio = b / k
            results.append({"format": fmt, "rows": rows, "bytes": path.stat().st_size, "duckdb_s": b, "kqlite_s": k,
                            "duckdb_rows_per_s": rows / b, "kqlite_rows_per_s": rows / k, "ratio": ratio,
                            "target_met": ratio >= TARGET})
            mark = "" if ratio >= TARGET else "  (below target)"
            print(f"{fmt:<11} {path.stat().st_size / 1e6:>8.1f} {rows / b:>14,.0f} {rows / k:>14,.0f} {ratio:>13.0%}{mark}")
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": a.rows, "repeat": a.repeat, "duckdb": duckdb.__version__,
                                            "python": platform.python_version(), "machine": platform.machine(),
                                            "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
