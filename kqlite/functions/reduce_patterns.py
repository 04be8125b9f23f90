"""The `reduce` operator's pattern mining, after Risto Vaarandi's SLCT ("A Data Clustering Algorithm for
Mining Patterns From Event Logs"), which the reduce-operator page names as its basis.

The SQL (sql/reduce.py) hands over the distinct values in order of first appearance with their row
counts; the steps here run once per query over those lists:

1. Split each value into terms. By default a term is a run of ASCII letters and digits (any non-ASCII
   character counts as a letter) and every run of the other ASCII characters between them is a term of
   its own, so the pattern keeps the value's punctuation and spaces (`San *`, `* -on- *` on the page).
   `characters="..."` names the separators instead: they only split and are left out of the pattern
   (`fooZ1` with characters="Z" is `foo*`).
2. A (position, term) pair is frequent when more than Threshold x rows hold it (SLCT's support).
3. Each value's cluster candidate keeps its frequent terms; the other positions become wildcards.
   A value without a frequent word term goes to the `others` row.
4. Reduction (the page: a smaller threshold groups more values into fewer, more general groups):
   candidates of one length that differ in a single position are merged into the candidate with a
   wildcard there, when that merged candidate covers more than Threshold x rows and still keeps a
   word term. This is what makes `MachineLearning*` one group at threshold 0.001 on the page.
5. A candidate covering more than Threshold x rows is a cluster; the rest are counted in `others`.

The Representative of a cluster is its first value in input order; the `others` row's is empty.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..sql.python_functions import python_function

ROW_TYPE = "STRUCT(pattern VARCHAR, count BIGINT, representative VARCHAR)[]"
MAPPING_TYPE = "STRUCT(value VARCHAR, pattern VARCHAR)[]"
OTHERS = "others"

# default terms: runs of word characters (ASCII letters/digits, any non-ASCII) or runs of the rest
_DEFAULT_TERMS = re.compile(r"[A-Za-z0-9\u0080-\U0010ffff]+|[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
_WORD = re.compile(r"[A-Za-z0-9\u0080-\U0010ffff]")


def split_terms(value: str, characters: str | None) -> list[str]:
    if characters is None:
        return _DEFAULT_TERMS.findall(value)
    if not characters:
        return [value] if value else []
    return [t for t in re.split("[" + re.escape(characters) + "]", value) if t]


def _is_word(term: str, characters: str | None) -> bool:
    # with explicit separators every term is a word; by default separator runs are not
    return characters is not None or bool(_WORD.search(term))


def render(candidate: tuple[str | None, ...]) -> str:
    out: list[str] = []
    for term in candidate:
        if term is None:
            if not out or out[-1] != "*":  # adjacent wildcards read as one
                out.append("*")
        else:
            out.append(term)
    return "".join(out)


def assign_patterns(values: list[str], counts: list[int], threshold: float,
                    characters: str | None) -> tuple[list[str | None], dict[str, int], dict[str, str]]:
    """Each distinct value's pattern (None: others), and each pattern's row count and representative."""
    total = sum(counts)
    support_needed = threshold * total
    terms = [split_terms(v or "", characters) for v in values]
    support: dict[tuple[int, str], int] = defaultdict(int)
    for ts, n in zip(terms, counts):
        for i, t in enumerate(ts):
            support[(i, t)] += n
    candidates: list[tuple[str | None, ...] | None] = []
    for ts in terms:
        frequent = tuple(t if support[(i, t)] > support_needed else None for i, t in enumerate(ts))
        keeps_word = any(t is not None and _is_word(t, characters) for t in frequent)
        candidates.append(frequent if keeps_word else None)
    candidates = _reduce(candidates, counts, support_needed, characters)
    cover: dict[tuple[str | None, ...], int] = defaultdict(int)
    for cand, n in zip(candidates, counts):
        if cand is not None:
            cover[cand] += n
    patterns: list[str | None] = []
    pattern_counts: dict[str, int] = defaultdict(int)
    representatives: dict[str, str] = {}
    for value, cand, n in zip(values, candidates, counts):
        pattern = render(cand) if cand is not None and cover[cand] > support_needed else None
        patterns.append(pattern)
        key = OTHERS if pattern is None else pattern
        pattern_counts[key] += n
        representatives.setdefault(key, "" if pattern is None else (value or ""))
    return patterns, pattern_counts, representatives


def _reduce(candidates: list[tuple[str | None, ...] | None], counts: list[int], support_needed: float,
            characters: str | None) -> list[tuple[str | None, ...] | None]:
    """Merge candidates that differ in one position into the candidate with a wildcard there, while the merged
    candidate covers more than the support needed and keeps a word term; repeated until nothing changes."""
    changed = True
    while changed:
        changed = False
        width = max((len(c) for c in candidates if c is not None), default=0)
        for i in range(width):
            groups: dict[tuple[str | None, ...], list[int]] = defaultdict(list)
            for k, cand in enumerate(candidates):
                if cand is not None and len(cand) > i:
                    groups[cand[:i] + (None,) + cand[i + 1:]].append(k)
            for key, members in groups.items():
                if len({candidates[k] for k in members}) < 2:
                    continue
                if sum(counts[k] for k in members) <= support_needed:
                    continue
                if not any(t is not None and _is_word(t, characters) for t in key):
                    continue
                for k in members:
                    candidates[k] = key
                changed = True
    return candidates


@python_function("kq_py_reduce", ["VARCHAR[]", "BIGINT[]", "DOUBLE", "VARCHAR"], ROW_TYPE)
def reduce_rows(values: list[str] | None, counts: list[int] | None, threshold: float,
                characters: str | None) -> list[dict[str, Any]]:
    """T | reduce by Expr: one row per pattern (Count descending), then `others`."""
    if not values or counts is None:
        return []
    _, pattern_counts, representatives = assign_patterns(values, counts, threshold, characters)
    clusters = sorted((p for p in pattern_counts if p != OTHERS), key=lambda p: (-pattern_counts[p], p))
    if OTHERS in pattern_counts:
        clusters.append(OTHERS)
    return [{"pattern": p, "count": pattern_counts[p], "representative": representatives[p]} for p in clusters]


@python_function("kq_py_reduce_source", ["VARCHAR[]", "BIGINT[]", "DOUBLE", "VARCHAR"], MAPPING_TYPE)
def reduce_source(values: list[str] | None, counts: list[int] | None, threshold: float,
                  characters: str | None) -> list[dict[str, Any]]:
    """T | reduce kind=source by Expr: each distinct value's pattern (`others` for the rest)."""
    if not values or counts is None:
        return []
    patterns, _, _ = assign_patterns(values, counts, threshold, characters)
    return [{"value": v, "pattern": OTHERS if p is None else p} for v, p in zip(values, patterns)]
