"""Coverage-guided fuzzing of parse -> bind -> compile with atheris (libFuzzer for Python).

    pip install atheris        # a wheel exists for CPython 3.11 on Linux x86-64
    python bench/fuzz_atheris.py -max_total_time=300 [corpus_dir]

Complements bench/fuzz_queries.py (grammar-aware, runs queries on DuckDB): atheris mutates bytes
guided by which lines of kqlite's Python code they reach, so it explores the lexer, the parser's
error paths and the binder's checks more deeply, without running the SQL. The rule is the same:
only a KqlError whose span lies inside the text may escape. The corpus starts from the project's
real queries (tests/fuzz/mutate.seed_queries).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

with atheris.instrument_imports(include=["kqlite", "lark"]):
    import kqlite
    from kqlite.errors import KqlError

from fuzz.mutate import seed_queries  # noqa: E402

DB = kqlite.sample()


def test_one(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")  # seeds stay the queries they are
    try:
        DB.compile(text)
    except KqlError as e:
        where = e.text if e.text is not None else text
        if e.span is None or not (0 <= e.span.start <= e.span.end <= len(where)):
            raise AssertionError(f"{type(e).__name__} with span {e.span} for {text!r}: {e.message}") from None


def main() -> None:
    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus folder given: seed one
        corpus = Path(tempfile.mkdtemp(prefix="kqlite-atheris-"))
        for i, query in enumerate(seed_queries()):
            (corpus / f"seed{i}").write_text(query, encoding="utf-8")
        args.append(str(corpus))
    atheris.Setup(args, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
