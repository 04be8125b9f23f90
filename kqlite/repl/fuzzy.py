"""Fuzzy matching for completion, ranked the way pgcli users expect: prefix matches first,
then matches at a word or camel-case boundary (`tg` -> TimeGenerated), then substrings,
then any in-order subsequence (`cmptr` -> Computer). Case never matters."""

from __future__ import annotations

import re
from functools import lru_cache

PREFIX, BOUNDARY, SUBSTRING, SUBSEQUENCE = range(4)


def match(typed: str, candidate: str) -> tuple[int, int] | None:
    """(class, detail) where lower sorts first, or None when the candidate does not match."""
    if not typed:
        return (PREFIX, 0)
    t, c = typed.lower(), candidate.lower()
    if c.startswith(t):
        return (PREFIX, 0)
    if _boundary_match(t, candidate):
        return (BOUNDARY, 0)
    i = c.find(t)
    if i >= 0:
        return (SUBSTRING, i)
    m = _subsequence(t).search(c)
    if m:
        return (SUBSEQUENCE, m.end())  # tight and early beats loose and late
    return None


def _boundary_match(typed: str, candidate: str) -> bool:
    """Each typed letter starts a part: TimeGenerated -> t, g; os_name -> o, n."""
    initials = "".join(m.group()[0] for m in re.finditer(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", candidate)).lower()
    return len(typed) > 1 and initials.startswith(typed)


@lru_cache(maxsize=512)
def _subsequence(typed: str) -> re.Pattern:
    return re.compile(".*?".join(re.escape(ch) for ch in typed))
