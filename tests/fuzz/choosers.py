"""Where a generator's random decisions come from.

The same generator code runs on `random.Random` (fast: the 100,000-query script) and on
hypothesis' `data.draw` (the test: failures shrink to a small query).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class RandomChooser:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def real(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi)


class DrawChooser:
    """Decisions drawn from hypothesis, so that a failing input shrinks."""

    def __init__(self, data: Any):
        from hypothesis import strategies as st

        self._st = st
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(self._st.integers(lo, hi))

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self.integer(0, len(seq) - 1)]

    def chance(self, p: float) -> bool:
        # shrinks towards False: the simpler branch
        return self.integer(0, 999) >= 1000 - int(p * 1000)

    def real(self, lo: float, hi: float) -> float:
        return self.data.draw(self._st.floats(lo, hi, allow_nan=False, allow_infinity=False))
