"""Fuzz kqlite with a large number of queries against the sample fleet.

    python bench/fuzz_queries.py --count 100000 [--seed 1] [--out /tmp/fuzz_crashes.txt]

Three generators take turns (tests/fuzz/): grammar-aware random pipelines over the sample
fleet's real columns and the registry's functions (60%), real queries (golden cases, the
fleet library, function tests) mutated token by token (30%), and random text and bytes
(10%). Each input runs through parse, bind, compile and execute. The rule: the only
exceptions that may escape are KqlErrors whose span lies inside the text.

Prints the number of inputs run, the outcome counts, and every distinct crash (and every
distinct SQL the engine built that DuckDB could not bind), with one input that caused it.
Crashing inputs are written to --out, one JSON object per line (its "text" is ready to be
added to tests/fuzz/regressions.txt). --jobs N splits the count over N processes. Exit
status 1 if anything crashed.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from fuzz.choosers import RandomChooser  # noqa: E402
from fuzz.harness import fuzz_database, run_one, schemas  # noqa: E402
from fuzz.mutate import mutate, random_text, seed_queries  # noqa: E402
from fuzz.querygen import QueryGen  # noqa: E402


def inputs(seed: int, count: int, db):
    rng = random.Random(seed)
    chooser = RandomChooser(rng)
    gen = QueryGen(chooser, schemas(db))
    seeds = seed_queries()
    for _ in range(count):
        r = rng.random()
        if r < 0.6:
            yield "generated", gen.query()
        elif r < 0.9:
            base = rng.choice(seeds) if rng.random() < 0.7 else gen.query()
            yield "mutated", mutate(chooser, base)
        else:
            yield "random", random_text(chooser)


def signature(detail: str) -> str:
    """Group crashes by their message's shape: numbers and quoted parts blanked."""
    first = detail.splitlines()[0]
    first = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", first)
    return re.sub(r"\d+", "N", first)[:160]


def run_shard(count: int, seed: int, out_path: str, progress: int, label: str) -> dict:
    """Run `count` inputs from `seed`; the distinct crashes go to out_path as they are found."""
    db = fuzz_database()
    counts: collections.Counter[str] = collections.Counter()
    by_source: collections.Counter[str] = collections.Counter()
    found: dict[str, dict[str, list]] = {"crash": {}, "sql": {}}
    start = time.time()
    with open(out_path, "w", encoding="utf-8") as out:
        for n, (source, text) in enumerate(inputs(seed, count, db), 1):
            outcome = run_one(db, text)
            counts[outcome.kind] += 1
            by_source[source] += 1
            if outcome.kind in found:
                table = found[outcome.kind]
                sig = signature(outcome.detail)
                if sig not in table:
                    table[sig] = [text, outcome.detail, 0]
                    out.write(json.dumps({"kind": outcome.kind, "text": text, "detail": outcome.detail}) + "\n")
                    out.flush()
                entry = table[sig]
                entry[2] += 1
                if len(text) < len(entry[0]):
                    entry[0] = text
            if progress and n % progress == 0:
                print(f"{label}[{n}/{count}] {time.time() - start:.0f}s {dict(counts)}", flush=True)
    return {"counts": counts, "by_source": by_source, "found": found}


def _shard(args: tuple) -> dict:
    return run_shard(*args)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes, each with its own database and seed")
    ap.add_argument("--out", default="fuzz_crashes.txt", help="crashing inputs, one JSON object per line")
    ap.add_argument("--progress", type=int, default=5000, help="print a progress line every N inputs (0: never)")
    args = ap.parse_args(argv)

    start = time.time()
    jobs = max(1, args.jobs)
    shares = [args.count // jobs + (1 if i < args.count % jobs else 0) for i in range(jobs)]
    outs = [args.out if jobs == 1 else f"{args.out}.{i}" for i in range(jobs)]
    shards = [(shares[i], args.seed * 1000 + i, outs[i], args.progress, f"[job {i}] " if jobs > 1 else "")
              for i in range(jobs)]
    if jobs == 1:
        results = [run_shard(*shards[0])]
    else:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_shard, shards)
        with open(args.out, "w", encoding="utf-8") as merged:
            for path in outs:
                merged.write(Path(path).read_text(encoding="utf-8"))
                Path(path).unlink()

    counts: collections.Counter[str] = collections.Counter()
    by_source: collections.Counter[str] = collections.Counter()
    found: dict[str, dict[str, list]] = {"crash": {}, "sql": {}}
    for r in results:
        counts.update(r["counts"])
        by_source.update(r["by_source"])
        for kind, table in r["found"].items():
            for sig, (text, detail, k) in table.items():
                entry = found[kind].setdefault(sig, [text, detail, 0])
                entry[2] += k
                if len(text) < len(entry[0]):
                    entry[0] = text
    print(f"ran {sum(counts.values())} inputs in {time.time() - start:.0f}s with {jobs} job(s) ({dict(by_source)})")
    print("outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    for kind, title in (("crash", "crashes"), ("sql", "engine SQL rejected by DuckDB")):
        table = found[kind]
        print(f"{title}: {len(table)} distinct")
        for sig, (text, detail, k) in sorted(table.items(), key=lambda kv: -kv[1][2]):
            where = detail.splitlines()[1] if "\n" in detail else ""
            print(f"  [{k}x] {sig}\n      input: {text!r}" + (f"\n      at: {where}" if where else ""))
    return 1 if found["crash"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
