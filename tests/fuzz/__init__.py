"""Query fuzzing for kqlite: generators shared by tests/test_fuzz.py and bench/fuzz_queries.py.

    querygen.py     grammar-aware random KQL (pipelines, expressions, registry functions)
    mutate.py       real queries mutated token by token, plus random text and bytes
    harness.py      runs one input through parse/bind/compile/execute and judges the outcome
    regressions.txt inputs that once crashed the engine; every one is re-run by the test
"""
