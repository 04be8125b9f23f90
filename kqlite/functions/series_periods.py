"""series_periods_detect(series, min_period, max_period, num_periods) and series_periods_validate(series,
period, ...): which periods a regular series repeats with, and how strongly (a score in [0, 1]).

Kusto documents the contract, not the algorithm: periods of at least 4 points and at most half the series,
scores between 0 and 1, periods ordered by score, the arrays padded with 0 to num_periods. Kusto's scoring
formula is not published; kqlite's steps:
  1. missing points are interpolated and a least-squares line is removed (a trend is not a period);
  2. candidates come from the periodogram: each frequency bin k whose power is a local peak and at least
     _PEAK_POWER times the mean power proposes the periods between n/(k+1) and n/(k-1) (the bin's width);
  3. within that window the lag where the autocorrelation r peaks is the period (it must be a hill of the
     autocorrelation, as in Vlachos et al.'s AUTOPERIOD: a spectral peak without one is a harmonic artefact);
  4. the score is r(p) rescaled between the deepest trough of r and 1, (r(p) - min r) / (1 - min r), and 0 when
     r(p) is within the white-noise band 1.96 / sqrt(n).
This reproduces every number in the docs' examples: the 12-hour traffic series gives period 14 alone with score
0.84 (validate: 14 -> 0.84, 10 -> 0); series_seasonal's automatic periods are 6 and 5 (scores 0.76 and 0.81,
over its 0.7 threshold) and none for the third series (period 3 is too short; 6 scores 0.58).

series_decompose* and series_seasonal(x, -1) call `best_period` here for their automatic seasonality.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from ..errors import KqlTypeError
from ..sql.python_functions import python_function
from .registry import Arg, scalar
from .series_fft import fourier_transform

MIN_PERIOD = 4  # Kusto: "periods containing at least 4 points"
_PEAK_POWER = 4.0  # a periodogram bin proposes periods when its power is this many times the mean power
_MAX_VALIDATED = 16  # Kusto: "The function accepts up to 16 periods to validate"
_MAX_COUNT = 100_000  # num_periods beyond this gives null rather than a huge padded array
NUMBERS = ("int", "long", "real", "decimal")

# ---------------------------------------------------------------- Fourier transforms (series_fft.py's)


def dft(xs: Sequence[float]) -> list[complex]:
    """The DFT at the series' own length, X[k] = sum x[t] exp(-2 pi i k t / n)."""
    return fourier_transform([complex(x) for x in xs], -1)


def lag_products(d: Sequence[float]) -> list[float]:
    """c[k] = sum over t of d[t] * d[t + k], for every lag k < n (zero-padded FFT, no wrap-around)."""
    n = len(d)
    size = 1
    while size < 2 * n:
        size <<= 1
    f = fourier_transform([complex(v) for v in d] + [0j] * (size - n), -1)
    back = fourier_transform([v * v.conjugate() for v in f], 1)
    return [back[k].real / size for k in range(n)]


# ---------------------------------------------------------------- preparing a series


def numbers(values: Sequence[float | None] | None) -> list[float | None] | None:
    """The series' finite numbers, None where an element is missing, NaN or infinite."""
    if values is None:
        return None
    return [v if v is not None and math.isfinite(v) else None for v in values]


def interpolated(xs: Sequence[float | None]) -> list[float] | None:
    """Missing points filled on the straight line between their known neighbours (the nearest known value at
    the edges), so the series stays regular; None when nothing is known."""
    known = [i for i, v in enumerate(xs) if v is not None]
    if not known:
        return None
    out = [0.0] * len(xs)
    for i in range(known[0] + 1):
        out[i] = float(xs[known[0]])  # type: ignore[arg-type]
    for a, b in zip(known, known[1:]):
        va, vb = float(xs[a]), float(xs[b])  # type: ignore[arg-type]
        for i in range(a, b + 1):
            out[i] = va + (vb - va) * (i - a) / (b - a)
    for i in range(known[-1], len(xs)):
        out[i] = float(xs[known[-1]])  # type: ignore[arg-type]
    return out


def line_fit(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares (intercept, slope) of value on index; a single point gives a flat line."""
    m = len(points)
    if m == 0:
        return 0.0, 0.0
    mx = sum(i for i, _ in points) / m
    my = sum(v for _, v in points) / m
    sxx = sum((i - mx) ** 2 for i, _ in points)
    if sxx == 0:
        return my, 0.0
    slope = sum((i - mx) * (v - my) for i, v in points) / sxx
    return my - slope * mx, slope


def _detrended(xs: Sequence[float]) -> list[float]:
    intercept, slope = line_fit(list(enumerate(xs)))
    return [v - (intercept + slope * i) for i, v in enumerate(xs)]


# ---------------------------------------------------------------- scoring


class _Scorer:
    """Scores periods from the autocorrelation r(k) = sum d[t] d[t+k] / sum d[t]^2 of the detrended series."""

    def __init__(self, d: Sequence[float]) -> None:
        self.n = len(d)
        products = lag_products(d)
        total = products[0]
        self.r = [v / total if total > 0 else 0.0 for v in products]
        # the deepest trough over the detectable lags: a score measures a peak against it
        self.floor = min(self.r[1: max(self.n // 2, 1) + 1], default=0.0)

    def autocorrelation(self, lag: int) -> float:
        return self.r[lag]

    def score(self, period: float) -> float:
        """(r(p) - min r) / (1 - min r): 1 for a perfect repetition, 0 at the deepest trough (r at a fractional
        period is interpolated); 0 when r(p) is within the white-noise band 1.96 / sqrt(n)."""
        lo = int(math.floor(period))
        hi = min(lo + 1, self.n - 1)
        frac = period - lo
        r = self.r[lo] if frac == 0 else (1 - frac) * self.r[lo] + frac * self.r[hi]
        if r <= 1.96 / math.sqrt(self.n) or self.floor >= 1.0:
            return 0.0
        return min(max((r - self.floor) / (1.0 - self.floor), 0.0), 1.0)


def _prepared(values: Sequence[float | None] | None) -> list[float] | None:
    xs = numbers(values)
    if xs is None:
        return None
    filled = interpolated(xs)
    if filled is None:
        return None
    d = _detrended(filled)
    scale = max(abs(v) for v in filled) or 1.0
    if max(abs(v) for v in d) <= 1e-9 * scale:
        return None  # constant or a straight line: nothing repeats
    return d


def detect(values: Sequence[float | None] | None, min_period: float, max_period: float,
           count: int) -> list[tuple[float, float]]:
    """Up to `count` (period, score) pairs, best first (not padded)."""
    d = _prepared(values)
    if d is None or count <= 0:
        return []
    n = len(d)
    lo = max(float(MIN_PERIOD), min_period)
    hi = min(n / 2.0, max_period)
    if lo > hi:
        return []
    spectrum = dft(d)
    half = n // 2
    power = [abs(spectrum[k]) ** 2 for k in range(half + 1)]
    mean_power = sum(power[1:]) / half if half else 0.0
    scorer = _Scorer(d)
    found: dict[int, float] = {}
    for k in range(1, half + 1):
        left = power[k - 1] if k > 1 else -1.0
        right = power[k + 1] if k < half else -1.0
        if power[k] < _PEAK_POWER * mean_power or power[k] < left or power[k] < right:
            continue
        window_lo = max(lo, n / (k + 1))
        window_hi = min(hi, n / (k - 1) if k > 1 else float(n))
        lags = range(int(math.ceil(window_lo)), int(math.floor(window_hi)) + 1)
        hills = [p for p in lags if 0 < p < n - 1
                 and scorer.autocorrelation(p) >= scorer.autocorrelation(p - 1)
                 and scorer.autocorrelation(p) >= scorer.autocorrelation(p + 1)]
        if not hills:
            continue
        period = max(hills, key=scorer.autocorrelation)
        score = scorer.score(period)
        if score > 0:
            found[period] = max(found.get(period, 0.0), score)
    ranked = sorted(found.items(), key=lambda ps: (-ps[1], ps[0]))
    return [(float(p), s) for p, s in ranked[:count]]


def validate(values: Sequence[float | None] | None, periods: Sequence[float | None]) -> list[float]:
    """The score of each period; 0 outside [4, n/2] (Kusto's bounds)."""
    d = _prepared(values)
    if d is None:
        return [0.0 for _ in periods]
    scorer = _Scorer(d)
    n = len(d)
    return [scorer.score(p) if p is not None and MIN_PERIOD <= p <= n / 2.0 else 0.0 for p in periods]


def best_period(values: Sequence[float | None] | None, threshold: float) -> int:
    """The automatic seasonality of series_decompose*/series_seasonal: the best period scoring at least
    `threshold`, else 0 (no seasonality)."""
    xs = values or []
    found = detect(xs, float(MIN_PERIOD), len(xs) / 2.0, 1)
    if found and found[0][1] >= threshold:
        return int(found[0][0])
    return 0


# ---------------------------------------------------------------- SQL


def finite_json(value: object) -> str:
    """JSON text with non-finite numbers as null (DuckDB's JSON has no NaN)."""
    def clean(v: object) -> object:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, list):
            return [clean(e) for e in v]
        if isinstance(v, dict):
            return {k: clean(e) for k, e in v.items()}
        return v
    return json.dumps(clean(value))


@python_function("kq_py_series_periods_detect", ["DOUBLE[]", "DOUBLE", "DOUBLE", "BIGINT"], "VARCHAR")
def _periods_detect(values: list[float | None] | None, min_period: float | None, max_period: float | None,
                    count: int | None) -> str | None:
    if values is None or min_period is None or max_period is None or count is None or not 0 <= count <= _MAX_COUNT:
        return None
    found = detect(values, min_period, max_period, count)
    found += [(0.0, 0.0)] * (count - len(found))
    return finite_json({"periods": [p for p, _ in found], "scores": [s for _, s in found]})


@python_function("kq_py_series_periods_validate", ["DOUBLE[]", "DOUBLE[]"], "VARCHAR")
def _periods_validate(values: list[float | None] | None, periods: list[float | None] | None) -> str | None:
    if values is None or periods is None:
        return None
    return finite_json({"periods": periods, "scores": validate(values, periods)})


def series_arg(arg: Arg, fn: str, position: int = 1) -> str:
    if arg.type != "dynamic":
        raise KqlTypeError(f"argument {position} of {fn}() must be a dynamic array, not {arg.type}")
    return f"kq_series({arg.sql})"


def number_arg(arg: Arg, fn: str, position: int, what: str, sql_type: str = "DOUBLE") -> str:
    if arg.type not in NUMBERS:
        raise KqlTypeError(f"argument {position} of {fn}() ({what}) must be a number, not {arg.type}")
    return f"CAST({arg.sql} AS {sql_type})"


def _detect(a: Sequence[Arg]) -> str:
    fn = "series_periods_detect"
    series = series_arg(a[0], fn)
    lo = number_arg(a[1], fn, 2, "min_period")
    hi = number_arg(a[2], fn, 3, "max_period")
    if a[3].type not in ("int", "long"):
        raise KqlTypeError(f"argument 4 of {fn}() (num_periods) must be an integer, not {a[3].type}")
    return f"CAST(kq_py_series_periods_detect({series}, {lo}, {hi}, CAST({a[3].sql} AS BIGINT)) AS JSON)"


def _validate(a: Sequence[Arg]) -> str:
    fn = "series_periods_validate"
    series = series_arg(a[0], fn)
    if len(a) - 1 > _MAX_VALIDATED:
        raise KqlTypeError(f"{fn}() validates at most {_MAX_VALIDATED} periods, not {len(a) - 1}")
    periods = [number_arg(arg, fn, i + 2, "period") for i, arg in enumerate(a[1:])]
    return f"CAST(kq_py_series_periods_validate({series}, [{', '.join(periods)}]::DOUBLE[]) AS JSON)"


_SCORE_NOTE = ("Kusto's scoring formula is unpublished: kqlite's (the detrended autocorrelation peak, see "
               "kqlite/functions/series_periods.py) reproduces the docs' examples; other series may score differently")
scalar("series_periods_detect", "any any any any", "dynamic", _detect, notes=_SCORE_NOTE)
scalar("series_periods_validate", "any any any*", "dynamic", _validate, notes=_SCORE_NOTE)
