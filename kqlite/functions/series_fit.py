"""series_fit_2lines(y), series_fit_2lines_dynamic(y) and series_fit_poly(y [, x, degree]): two-segment
linear regression and polynomial regression, computed in Python (kq_py_series_fit_*).

Both follow series_fit_line's definitions (functions/series.py): x is 1..n unless given, rsquare is
1 - residual sum of squares / total sum of squares, variance and rvariance divide those sums by n - 1.

series_fit_2lines splits the series before each index i (left = y[0:i], right = y[i:]), fits each part
with series_fit_line (each part's x starting again at 1, as the docs say the parts are fitted by that
function), and keeps the split with the largest total rsquare (the first of equal ones); split_idx is i,
the first index of the right part. Each part has at least two points, so a series shorter than 4 gives
null values. series_fit_poly solves the least-squares problem by Householder QR on the Vandermonde matrix
with scaled columns; coefficients are listed from the highest power down.

A series holding a null or non-numeric element gives null values (Kusto's series are numbers). The
functions return a JSON object; series_fit_2lines and series_fit_poly become one column per value in
extend/project (MULTI_VALUE, semantic/tuples.py), series_fit_2lines_dynamic keeps the object, with the
right and left lines' values in nested `right` and `left` bags.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import KqlTypeError, KqlUnsupportedError
from ..sql.python_functions import python_function
from .registry import DOCS, Arg, scalar
from .series import MULTI_VALUE
from .series_fft import is_absent, series_text, series_values

_LINE_KEYS = ("rsquare", "slope", "interception", "variance", "rvariance")
FIT_2LINES_FIELDS = (("rsquare", "real"), ("split_idx", "long"), ("variance", "real"), ("rvariance", "real"),
                     ("line_fit", "dynamic"),
                     *((f"right_{k}", "real") for k in _LINE_KEYS), *((f"left_{k}", "real") for k in _LINE_KEYS))
FIT_POLY_FIELDS = (("rsquare", "real"), ("coefficients", "dynamic"), ("variance", "real"), ("rvariance", "real"),
                   ("poly_fit", "dynamic"))
MULTI_VALUE.update({
    "series_fit_2lines": FIT_2LINES_FIELDS,
    "series_fit_poly": FIT_POLY_FIELDS,
})
_MIN_PART = 2  # points on each side of a split: a line through one point has no slope
# the least-squares solve costs n * degree^2 in Python, and beyond this degree double precision has no
# accuracy left to give anyway (the docs advise x normalized to [0, 1] from degree 5 on)
MAX_DEGREE = 20
_TIE = 1e-12  # splits whose residual sums differ by less than this share of the total sum of squares tie


def _ratio(a: float, b: float) -> float:
    """a / b with IEEE results for a zero divisor (0/0 is NaN), as DuckDB divides in series_fit_line."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


# ---------------------------------------------------------------- one line (series_fit_line's definitions)


@dataclass(frozen=True)
class LineFit:
    """series_fit_line's values for one part of a series, with the sums they come from."""

    rsquare: float
    slope: float
    interception: float
    variance: float
    rvariance: float
    ss_res: float
    fit: list[float]

    def values(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in _LINE_KEYS}


def _line(ys: Sequence[float]) -> LineFit:
    """series_fit_line over x = 1..m, computed around the means for accuracy."""
    m = len(ys)
    mx = (m + 1) / 2
    my = math.fsum(ys) / m
    slope = _ratio(math.fsum((i + 1 - mx) * (y - my) for i, y in enumerate(ys)), m * (m * m - 1) / 12)
    icpt = my - slope * mx
    fit = [slope * (i + 1) + icpt for i in range(m)]
    ss_tot = math.fsum((y - my) ** 2 for y in ys)
    ss_res = math.fsum((y - f) ** 2 for y, f in zip(ys, fit))
    return LineFit(1 - _ratio(ss_res, ss_tot), slope, icpt, _ratio(ss_tot, m - 1), _ratio(ss_res, m - 1), ss_res, fit)


def _best_split(ys: list[float]) -> int:
    """The split index with the least total residual sum of squares. Every split is scored in O(1) from
    prefix sums (of the values less their mean, against cancellation); the near-best ones are scored again
    exactly, and the first of those within _TIE of the least wins, so ties go to the earliest split."""
    n = len(ys)
    mean = math.fsum(ys) / n
    c = [y - mean for y in ys]
    s1, s2, s3 = [0.0], [0.0], [0.0]  # prefix sums of c, c^2, j*c
    for j, v in enumerate(c):
        s1.append(s1[-1] + v)
        s2.append(s2[-1] + v * v)
        s3.append(s3[-1] + j * v)

    def ss_res(a: int, b: int) -> float:
        m = b - a
        sy, syy, sjy = s1[b] - s1[a], s2[b] - s2[a], s3[b] - s3[a]
        sxx = m * (m * m - 1) / 12
        sxy = sjy - (a + (m - 1) / 2) * sy
        return max(0.0, syy - sy * sy / m - sxy * sxy / sxx)

    splits = range(_MIN_PART, n - _MIN_PART + 1)
    screened = {i: ss_res(0, i) + ss_res(i, n) for i in splits}
    scale = s2[n] if s2[n] > 0 else 1.0
    least = min(screened.values())
    near = [i for i in splits if screened[i] <= least + 1e-9 * scale]

    def exact(i: int) -> float:
        return _line(ys[:i]).ss_res + _line(ys[i:]).ss_res

    # the best screened split scored exactly bounds the least; the near ones are then scored in order only
    # until one comes within _TIE of it (on a straight series every split is near, and the first one wins)
    bound = exact(min(near, key=lambda i: screened[i])) + _TIE * scale
    return next(i for i in near if exact(i) <= bound)


def fit_2lines(ys: list[float]) -> dict[str, object]:
    n = len(ys)
    if n < 2 * _MIN_PART:
        return {"rsquare": None, "split_idx": None, "variance": None, "rvariance": None, "line_fit": None,
                "right": dict.fromkeys(_LINE_KEYS), "left": dict.fromkeys(_LINE_KEYS)}
    i = _best_split(ys)
    left, right = _line(ys[:i]), _line(ys[i:])
    mean = math.fsum(ys) / n
    ss_tot = math.fsum((y - mean) ** 2 for y in ys)
    ss_res = left.ss_res + right.ss_res
    return {"rsquare": 1 - _ratio(ss_res, ss_tot), "split_idx": i, "variance": _ratio(ss_tot, n - 1),
            "rvariance": _ratio(ss_res, n - 1), "line_fit": left.fit + right.fit,
            "right": right.values(), "left": left.values()}


@python_function("kq_py_series_fit_2lines", ["VARCHAR", "BOOLEAN"], "VARCHAR")
def _fit_2lines_json(series: str | None, nested: bool | None) -> str | None:
    ys = series_values(series)
    if ys is None:
        return None
    out = fit_2lines(ys)
    if not nested:  # series_fit_2lines: flat keys right_rsquare, ... as its columns are named
        for side in ("right", "left"):
            values = out.pop(side)
            assert isinstance(values, dict)
            out.update({f"{side}_{k}": v for k, v in values.items()})
    return json.dumps(out)


# ---------------------------------------------------------------- polynomial


def _least_squares(rows: list[list[float]], ys: list[float]) -> list[float] | None:
    """The x minimizing |A x - y| by Householder QR (A has at least as many rows as columns); None when
    A's columns are (numerically) dependent."""
    a = [row[:] for row in rows]
    b = ys[:]
    m, k = len(a), len(a[0])
    for col in range(k):
        norm = math.sqrt(math.fsum(a[r][col] ** 2 for r in range(col, m)))
        if norm == 0:
            return None
        alpha = -norm if a[col][col] >= 0 else norm
        v = [0.0] * m
        v[col] = a[col][col] - alpha
        for r in range(col + 1, m):
            v[r] = a[r][col]
        vv = math.fsum(x * x for x in v[col:])
        if vv == 0:
            continue
        for c in range(col, k):
            f = 2 * math.fsum(v[r] * a[r][c] for r in range(col, m)) / vv
            for r in range(col, m):
                a[r][c] -= f * v[r]
        f = 2 * math.fsum(v[r] * b[r] for r in range(col, m)) / vv
        for r in range(col, m):
            b[r] -= f * v[r]
    biggest = max(abs(a[i][i]) for i in range(k))
    if any(abs(a[i][i]) <= 1e-13 * biggest for i in range(k)):
        return None
    x = [0.0] * k
    for i in reversed(range(k)):
        x[i] = (b[i] - math.fsum(a[i][c] * x[c] for c in range(i + 1, k))) / a[i][i]
    return x


def fit_poly(ys: list[float], xs: list[float], degree: int) -> dict[str, object] | None:
    """Coefficients highest power first; None when the fit is not determined (fewer distinct x than
    degree + 1)."""
    n = len(ys)
    if n == 0 or len(xs) != n or not 1 <= degree <= MAX_DEGREE or degree + 1 > n:
        return None
    powers = [[x ** p for p in range(degree, -1, -1)] for x in xs]
    # scale each column to unit length, so high powers of large x do not swamp the low ones
    scale = [math.sqrt(math.fsum(row[c] ** 2 for row in powers)) or 1.0 for c in range(degree + 1)]
    solution = _least_squares([[v / s for v, s in zip(row, scale)] for row in powers], ys)
    if solution is None:
        return None
    coefficients = [v / s for v, s in zip(solution, scale)]
    fit = []
    for x in xs:
        acc = 0.0
        for c in coefficients:
            acc = acc * x + c
        fit.append(acc)
    mean = math.fsum(ys) / n
    ss_tot = math.fsum((y - mean) ** 2 for y in ys)
    ss_res = math.fsum((y - f) ** 2 for y, f in zip(ys, fit))
    return {"rsquare": 1 - _ratio(ss_res, ss_tot), "coefficients": coefficients, "variance": _ratio(ss_tot, n - 1),
            "rvariance": _ratio(ss_res, n - 1), "poly_fit": fit}


@python_function("kq_py_series_fit_poly", ["VARCHAR", "VARCHAR", "BIGINT"], "VARCHAR")
def _fit_poly_json(series: str | None, x_series: str | None, degree: int | None) -> str | None:
    ys = series_values(series)
    if ys is None or degree is None:
        return None
    xs = [float(i + 1) for i in range(len(ys))] if is_absent(x_series) else series_values(x_series)
    if xs is None:
        return None
    out = fit_poly(ys, xs, degree)
    return None if out is None else json.dumps(out)


# ---------------------------------------------------------------- registration


def _fit_2lines(fn: str, nested: bool):
    return lambda a: f"CAST(kq_py_series_fit_2lines({series_text(a[0], fn, 1)}, {'true' if nested else 'false'}) AS JSON)"


def _fit_poly(a: Sequence[Arg]) -> str:
    fn = "series_fit_poly"
    ys = series_text(a[0], fn, 1)
    xs = series_text(a[1], fn, 2) if len(a) > 1 else "NULL"  # omitted or null: 1..n
    degree = "1"
    if len(a) > 2:
        if a[2].type not in ("int", "long"):
            raise KqlTypeError(f"the degree of {fn}() must be an integer, not {a[2].type}")
        if a[2].is_const and a[2].value is not None and a[2].value < 1:
            raise KqlTypeError(f"the degree of {fn}() must be at least 1, not {a[2].value}")
        if a[2].is_const and a[2].value is not None and a[2].value > MAX_DEGREE:
            raise KqlUnsupportedError(f"kqlite fits polynomials of degree up to {MAX_DEGREE}, not {a[2].value}",
                                      hints=[f"see {DOCS}series-fit-poly-function"])
        degree = f"CAST({a[2].sql} AS BIGINT)"
    return f"CAST(kq_py_series_fit_poly({ys}, {xs}, {degree}) AS JSON)"


scalar("series_fit_2lines", "any", "dynamic", _fit_2lines("series_fit_2lines", False))
scalar("series_fit_2lines_dynamic", "any", "dynamic", _fit_2lines("series_fit_2lines_dynamic", True))
scalar("series_fit_poly", "any any? any?", "dynamic", _fit_poly)
