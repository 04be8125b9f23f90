"""Parser build time and process start-up, with and without the parser cache.

    python bench/bench_startup.py [--repeat 5]

Prints:
  * the LALR state count and the median time to build the parser from grammar/kql.lark;
  * the median time to load it from the pickled cache (kqlite/syntax/parser_cache.py);
  * the median wall time of a fresh process running `kqlite.connect().query('print 1')`
    and `kqlite query 'print 1'` (the CLI, which also loads the sample fleet), with the
    cache off (KQLITE_PARSER_CACHE=off: every process builds) and on (a warm cache file).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kqlite.syntax import parser as P  # noqa: E402

API = "import kqlite; kqlite.connect().query('print 1')"
CLI = "import sys; from kqlite.cli import main; sys.argv = ['kqlite', 'query', 'print 1']; sys.exit(main())"


def _median(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _process(code: str, cache: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KQLITE_PARSER_CACHE": cache}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(), check=True,
                   capture_output=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    grammar = P._grammar_text()
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "parser.cache")
        built = P._build_parser(grammar, cache)  # also writes the cache
        states = len(built.parser.parser.parser.parse_table.states)
        build = _median(lambda: P._build_parser(grammar, None), args.repeat)
        load = _median(lambda: P._build_parser(grammar, cache), args.repeat)
        print(f"grammar: {states} LALR states")
        print(f"parser build (no cache): {build * 1000:8.1f} ms")
        print(f"parser load (cache):     {load * 1000:8.1f} ms")
        for label, code in (("connect().query('print 1')", API), ("kqlite query 'print 1'", CLI)):
            off = _median(lambda c=code: _process(c, "off"), args.repeat)
            on = _median(lambda c=code: _process(c, cache), args.repeat)
            print(f"{label:<28} process wall: cache off {off:6.2f} s   cache on {on:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
