"""Fuzzing: whatever the text, parse -> bind -> compile -> execute on the sample fleet either runs
or raises a KqlError whose span lies inside the text. Nothing else may escape.

Three generators (tests/fuzz/): grammar-aware random pipelines over the fleet's real columns and
the registry's functions, real queries mutated token by token, and random text and bytes. This
test runs a few thousand inputs (env KQLITE_FUZZ_EXAMPLES changes how many);
`python bench/fuzz_queries.py --count 100000` is the long run. Every crash found there is fixed
and its input kept in tests/fuzz/regressions.txt, which this test replays.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
from fuzz.choosers import DrawChooser
from fuzz.harness import fuzz_database, run_one, schemas
from fuzz.mutate import mutate, random_text, seed_queries
from fuzz.querygen import QueryGen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kqlite.errors import KqlSyntaxError

TOTAL = int(os.environ.get("KQLITE_FUZZ_EXAMPLES", "3000"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def _settings(share: float):
    return settings(max_examples=max(1, int(TOTAL * share)), deadline=None, database=None,
                    derandomize=IN_CI,  # CI: the same inputs every run; locally: new ones each time
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def db():
    return fuzz_database()


@pytest.fixture(scope="module")
def engine_sql_errors():
    """SQL the engine built that DuckDB rejected: reported, since the user still gets a positioned KqlError."""
    seen: dict[str, str] = {}
    yield seen
    if seen:
        warnings.warn("engine built SQL DuckDB rejected:\n" + "\n".join(f"{d}\n    {q!r}" for d, q in seen.items()),
                      stacklevel=1)


def _check(db, text: str, sql_errors: dict[str, str]) -> None:
    outcome = run_one(db, text)
    assert outcome.kind != "crash", f"{outcome.detail}\ninput: {text!r}"
    if outcome.kind == "sql":
        sql_errors.setdefault(outcome.detail, text)


def regressions() -> list[str]:
    lines = (Path(__file__).parent / "fuzz" / "regressions.txt").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("text", regressions())
def test_regressions(db, text):
    outcome = run_one(db, text)
    assert outcome.kind in ("ok", "error", "timeout"), f"{outcome.detail}\ninput: {text!r}"


@_settings(0.55)
@given(data=st.data())
def test_generated_queries(db, engine_sql_errors, data):
    gen = QueryGen(DrawChooser(data), schemas(db))
    _check(db, gen.query(), engine_sql_errors)


SEEDS = seed_queries()


@_settings(0.3)
@given(data=st.data())
def test_mutated_real_queries(db, engine_sql_errors, data):
    c = DrawChooser(data)
    _check(db, mutate(c, c.choice(SEEDS)), engine_sql_errors)


@_settings(0.1)
@given(text=st.text(max_size=200))
def test_random_unicode(db, engine_sql_errors, text):
    _check(db, text, engine_sql_errors)


@_settings(0.05)
@given(data=st.data())
def test_random_bytes_and_kql_alphabets(db, engine_sql_errors, data):
    _check(db, random_text(DrawChooser(data)), engine_sql_errors)


def test_the_harness_catches_what_it_should(db):
    """The judge itself: a span outside the text, a missing span and a Python exception are crashes."""
    from fuzz.harness import judge_error

    from kqlite.errors import Span

    assert judge_error(KqlSyntaxError("x", Span(0, 5)), "abc").kind == "crash"
    assert judge_error(KqlSyntaxError("x", None), "abc").kind == "crash"
    assert judge_error(KqlSyntaxError("x", Span(-1, 2)), "abc").kind == "crash"
    assert judge_error(KqlSyntaxError("x", Span(0, 3)), "abc").kind == "error"
    assert run_one(db, "Resources | take 1").kind == "ok"
    assert run_one(db, "Resources | where").kind == "error"
