"""Statistical scalar functions: erf, erfc, beta_cdf, beta_inv, welch_test.

DuckDB has neither the error function nor the incomplete beta function, so these run as Python
functions (`kq_py_*`, see sql/python_functions.py) over doubles. beta_cdf, beta_inv and
welch_test all rest on the regularized incomplete beta function I_x(a, b), evaluated by its
continued fraction. Edge cases follow the reference pages' examples: out-of-range arguments give
NaN or null exactly where the pages print them.

The Python functions return their double as text (repr, which round-trips exactly) that SQL
casts back: DuckDB turns a NaN returned by a Python function into NULL, and Kusto's NaN and
null differ here.
"""

from __future__ import annotations

import math

from ..sql.python_functions import python_function
from .registry import Arg, scalar

_NAN = float("nan")
_EPS = 1e-15  # relative accuracy of the continued fraction, close to a double's
_TINY = 1e-300  # keeps Lentz's method away from division by zero
_MAX_SHAPE = 10_000  # beta_cdf's documented limit on alpha and beta


def _real(a: Arg) -> str:
    return f"CAST({a.sql} AS DOUBLE)"


def _py_call(name: str):
    """A builder calling the Python function `name` with every argument as a double."""
    return lambda a: f"CAST({name}({', '.join(_real(x) for x in a)}) AS DOUBLE)"


def _text(x: float | None) -> str | None:
    return None if x is None else repr(float(x))


# ---------------------------------------------------------------- erf / erfc


@python_function("kq_py_erf", ["DOUBLE"], "VARCHAR")
def _erf(x: float | None) -> str | None:
    return None if x is None else _text(math.erf(x))


@python_function("kq_py_erfc", ["DOUBLE"], "VARCHAR")
def _erfc(x: float | None) -> str | None:
    return None if x is None else _text(math.erfc(x))


scalar("erf", "number", "real", _py_call("kq_py_erf"))
scalar("erfc", "number", "real", _py_call("kq_py_erfc"))

# ---------------------------------------------------------------- the regularized incomplete beta function


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (without its prefactor), by the modified Lentz method.
    It converges quickly for x < (a + 1) / (a + b + 2); the caller uses the symmetry otherwise."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 20_000):
        # even step: m (b - m) x / ((a + 2m - 1)(a + 2m))
        coef = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
        d = 1.0 + coef * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + coef / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        # odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        coef = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
        d = 1.0 + coef * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + coef / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            break
    return h


def incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b) for 0 <= x <= 1 and positive shapes."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    # x^a (1-x)^b / B(a, b), in logarithms so that large shapes do not overflow
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def _beta_density(x: float, a: float, b: float) -> float:
    log_density = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                   + (a - 1.0) * math.log(x) + (b - 1.0) * math.log1p(-x))
    return math.exp(log_density)


# ---------------------------------------------------------------- beta_cdf / beta_inv


@python_function("kq_py_beta_cdf", ["DOUBLE", "DOUBLE", "DOUBLE"], "VARCHAR")
def _beta_cdf(x: float | None, a: float | None, b: float | None) -> str | None:
    return _text(beta_cdf(x, a, b))


def beta_cdf(x: float | None, a: float | None, b: float | None) -> float | None:
    if x is None or a is None or b is None:
        return None
    if not (0.0 <= x <= 1.0 and 0.0 < a <= _MAX_SHAPE and 0.0 < b <= _MAX_SHAPE):
        return _NAN  # the page: x outside [0, 1] or a shape outside (0, 10000] is NaN
    return incomplete_beta(x, a, b)


def beta_quantile(p: float, a: float, b: float) -> float:
    """The x with I_x(a, b) = p: Newton's method on the density, kept inside a shrinking
    bracket [lo, hi] and bisecting whenever a Newton step would leave it."""
    lo, hi = 0.0, 1.0
    x = a / (a + b)
    for _ in range(200):
        diff = incomplete_beta(x, a, b) - p
        if diff == 0.0:
            return x
        if diff > 0.0:
            hi = x
        else:
            lo = x
        density = _beta_density(x, a, b) if 0.0 < x < 1.0 else 0.0
        nxt = x - diff / density if density > 0.0 and math.isfinite(density) else -1.0
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2.0
        # a step of a few ulps is the CDF's own rounding noise: the root is found
        if abs(nxt - x) <= 1e-15 * max(x, 1e-300) or hi - lo <= 1e-15 * max(hi, 1e-300):
            return nxt
        x = nxt
    return x


@python_function("kq_py_beta_inv", ["DOUBLE", "DOUBLE", "DOUBLE"], "VARCHAR")
def _beta_inv(p: float | None, a: float | None, b: float | None) -> str | None:
    return _text(beta_inv(p, a, b))


def beta_inv(p: float | None, a: float | None, b: float | None) -> float | None:
    if p is None or a is None or b is None:
        return None
    if not 0.0 < p <= 1.0:
        return None  # the page's example: a probability above 1 gives null
    if not (0.0 < a and 0.0 < b):
        return _NAN  # and a shape below 0 gives NaN
    if p == 1.0:
        return 1.0
    return beta_quantile(p, a, b)


scalar("beta_cdf", "number number number", "real", _py_call("kq_py_beta_cdf"))
scalar("beta_inv", "number number number", "real", _py_call("kq_py_beta_inv"))

# ---------------------------------------------------------------- welch_test


@python_function("kq_py_welch_test", ["DOUBLE"] * 6, "VARCHAR")
def _welch_test(mean1: float | None, var1: float | None, count1: float | None,
                mean2: float | None, var2: float | None, count2: float | None) -> str | None:
    if mean1 is None or var1 is None or count1 is None or mean2 is None or var2 is None or count2 is None:
        return None
    return _text(welch_test(mean1, var1, count1, mean2, var2, count2))


def welch_test(mean1: float, var1: float, count1: float, mean2: float, var2: float, count2: float) -> float:
    """The two-sided p-value of Welch's t-test, from each sample's mean, variance and count:
    t = (m1 - m2) / sqrt(v1/n1 + v2/n2) with the Welch-Satterthwaite degrees of freedom, and
    p = P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) for Student's t distribution."""
    if count1 <= 1 or count2 <= 1:
        return _NAN  # a sample too small for a variance: .NET's arithmetic gives NaN here
    se1, se2 = var1 / count1, var2 / count2
    spread = se1 + se2
    if not spread > 0.0:
        return _NAN  # no spread: t is 0/0 or infinite
    t = (mean1 - mean2) / math.sqrt(spread)
    df = spread * spread / (se1 * se1 / (count1 - 1.0) + se2 * se2 / (count2 - 1.0))
    if not (math.isfinite(t) and math.isfinite(df)):
        return _NAN
    return incomplete_beta(df / (df + t * t), df / 2.0, 0.5)


scalar("welch_test", "number number number number number number", "real", _py_call("kq_py_welch_test"))
