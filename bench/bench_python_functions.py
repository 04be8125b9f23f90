"""Time the KQL functions and operators that run Python per value (kqlite/sql/python_functions.py):
codecs, parse_xml, punycode, seasonal decomposition and FFT, geo cells, reduce, basket.

    PYTHONPATH=. python bench/bench_python_functions.py [--rows 100000] [--repeat 3]

These have no DuckDB equivalent to compare with (the work is the Python function), so the figure is
throughput: rows per second through a whole query. The worst cases the tests only check for correctness
(punycode of 10,000 distinct characters, a billion-laughs XML) are timed here too. Figures are
printed and written to bench/results_python_functions.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import kqlite  # noqa: E402
from kqlite.functions import punycode  # noqa: E402
from kqlite.functions.xml_to_dynamic import xml_to_json  # noqa: E402

# (name, KQL over table T)
CASES = [
    ("zlib round trip", "T | summarize sum(strlen(zlib_decompress_from_base64_string(zlib_compress_to_base64_string(s))))"),
    ("parse_xml", "T | summarize sum(array_length(bag_keys(parse_xml(x))))"),
    ("punycode_from_string", "T | summarize sum(strlen(punycode_from_string(s)))"),
    ("series_fft (168 points)", "T | where i % 10 == 0 | summarize sum(todouble(series_fft(y).real[1]))"),
    ("series_decompose (168 points)",
     "T | where i % 10 == 0 | extend (b, s, t, r) = series_decompose(y) | summarize sum(todouble(b[5]))"),
    ("series_periods_detect (168 points)",
     "T | where i % 10 == 0 | extend (p, sc) = series_periods_detect(y, 0, 50, 2) | summarize sum(todouble(p[0]))"),
    ("geo_point_to_s2cell", "T | summarize dcount(geo_point_to_s2cell(lon, lat, 12))"),
    ("geo_point_to_h3cell", "T | summarize dcount(geo_point_to_h3cell(lon, lat, 6))"),
    ("reduce", "T | reduce by m"),
    ("basket", "T | project a = i % 3, b = i % 7, c = tostring(i % 2) | evaluate basket(0.05)"),
]


def table(rows: int) -> pa.Table:
    series = [json.dumps([(j * 7 + i) % 24 + (j % 24 == 3) * 5 for j in range(168)]) for i in range(rows)]
    return pa.table({
        "i": list(range(rows)),
        "s": [f"académie-française-{i % 977}" for i in range(rows)],
        "x": [f"<r><id>{i}</id><name>n{i % 13}</name></r>" for i in range(rows)],
        "y": series,
        "lon": [-180 + (i * 0.0137) % 360 for i in range(rows)],
        "lat": [-80 + (i * 0.0071) % 160 for i in range(rows)],
        "m": [f"user {i * 7919 % 1000} logged in from host-{i % 50}" for i in range(rows)],
    })


def timed(run, repeat: int) -> float:
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    db = kqlite.connect()
    db.register("T", table(args.rows), kql_types={"y": "dynamic"})
    results = []
    for name, kql in CASES:
        seconds = timed(lambda q=kql: db.query(q), args.repeat)
        rows = args.rows // 10 if "i % 10 == 0" in kql else args.rows  # the series cases take every 10th row
        results.append({"case": name, "rows": rows, "seconds": round(seconds, 4), "rows_per_s": round(rows / seconds)})
        print(f"{name:38} {seconds:8.3f} s  {rows / seconds:12,.0f} rows/s")
    text = "".join(chr(0x4E00 + i) for i in range(10_000))
    seconds = timed(lambda: punycode.decode(punycode.encode(text)), args.repeat)
    results.append({"case": "punycode 10,000 distinct characters", "seconds": round(seconds, 4)})
    print(f"{'punycode 10,000 distinct characters':38} {seconds:8.3f} s")
    entities = "".join(f"<!ENTITY e{i} '{('&e' + str(i - 1) + ';') * 10}'>" for i in range(1, 10))
    laughs = f"<!DOCTYPE a [<!ENTITY e0 'lol'>{entities}]><a>&e9;</a>"
    seconds = timed(lambda: xml_to_json(laughs), args.repeat)
    results.append({"case": "parse_xml billion laughs (refused)", "seconds": round(seconds, 6)})
    print(f"{'parse_xml billion laughs (refused)':38} {seconds:8.6f} s")
    (HERE / "results_python_functions.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
