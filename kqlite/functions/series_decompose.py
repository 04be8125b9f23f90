"""Seasonal decomposition, forecasting and outlier scores on numeric series.

  series_decompose(x [, seasonality, trend, test_points, seasonality_threshold]) -> baseline, seasonal, trend,
                   residual
  series_decompose_anomalies(x [, threshold, seasonality, trend, test_points, ad_method, seasonality_threshold])
                   -> ad_flag, ad_score, baseline
  series_decompose_forecast(x, points [, seasonality, trend, seasonality_threshold]) -> the baseline
  series_outliers(x [, kind, ignore_val, min_percentile, max_percentile, test_points]) -> scores
  series_seasonal(x, -1) (automatic period; series.py keeps the explicit-period form)

The docs' steps, in order: the seasonal component is the median of the learning points in the same phase
(i mod period) — 0 without seasonality; the trend is fitted on x - seasonal (`avg`: its mean, `linefit`: its
least-squares line, `none`: 0); baseline = seasonal + trend; residual = x - baseline. The last test_points are
left out of the learning and only predicted. With `linefit`, the phase medians are taken on the points minus
their least-squares line (then the trend is fitted on x - seasonal as above): taken on the raw points, the docs'
'weekly seasonality with trend' example misses most of its inserted outliers at threshold 2.5, where the docs
say exactly those are found; around the line all of them are, whatever the noise. Automatic seasonality (-1) takes the best period of
series_periods.py scoring at least seasonality_threshold (0.6; series_seasonal uses 0.7).

Outlier scores are Tukey's fences expressed as a multiple of the inter-percentile range: with q_lo, q_hi the
min/max percentiles of the known values (10/90 for ctukey, 25/75 for tukey; linear interpolation), a value
above q_hi scores (x - q_hi) / (q_hi - q_lo), below q_lo (x - q_lo) / (q_hi - q_lo), else 0, so |score| > 1.5
is outside Tukey's fence with k = 1.5. Missing and ignored values score 0. When the range is 0 (more than
the tail percentiles share one value) the mean absolute deviation from the median is the unit instead.
ad_flag is +1 / -1 / 0 for scores above threshold / below -threshold / between.

A missing element (null, NaN, non-numeric) takes no part in the learning and has a null residual.
Multi-value results are JSON objects unpacked into columns by semantic/tuples.py (MULTI_VALUE in series.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import KqlTypeError
from ..sql.python_functions import python_function
from ..sql.quote import quote_string
from .registry import Arg, scalar
from .series_periods import NUMBERS, best_period, finite_json, line_fit, number_arg, numbers, series_arg

TRENDS = ("avg", "linefit", "none")
OUTLIER_KINDS = {"tukey": (25.0, 75.0), "ctukey": (10.0, 90.0)}
_DEFAULT_SEASONALITY_THRESHOLD = 0.6
SEASONAL_THRESHOLD = 0.7  # series_seasonal's automatic period (docs)

# ---------------------------------------------------------------- algorithms


def _median(values: list[float]) -> float:
    s = sorted(values)
    m = len(s)
    return s[m // 2] if m % 2 else (s[m // 2 - 1] + s[m // 2]) / 2


def seasonal_component(xs: Sequence[float | None], period: int, learn: int) -> list[float]:
    """Each point's phase median over the first `learn` points; 0 for a phase with no known learning point."""
    n = len(xs)
    if period <= 0:
        return [0.0] * n
    phases: dict[int, list[float]] = {}
    for i in range(learn):
        v = xs[i]
        if v is not None:
            phases.setdefault(i % period, []).append(v)
    medians = {j: _median(vs) for j, vs in phases.items()}
    return [medians.get(i % period, 0.0) for i in range(n)]


def _period(xs: Sequence[float | None], seasonality: int, learn: int, threshold: float) -> int:
    if seasonality < 0:  # -1 (the default): detect it on the learning points
        return best_period(xs[:learn], threshold)
    return seasonality


def decompose(values: Sequence[float | None], seasonality: int, trend: str, test_points: int,
              threshold: float) -> dict[str, Sequence[float | None]] | None:
    if trend not in TRENDS:
        return None
    xs = numbers(values) or []
    n = len(xs)
    learn = n - min(max(test_points, 0), n)
    period = _period(xs, seasonality, learn, threshold)
    phase_values = xs
    if trend == "linefit" and period > 0:
        # the phase medians are taken around the line: on the raw points a trend spreads each phase's values
        # over the weeks, and one spike then moves the median by a whole week's drift
        intercept, slope = line_fit([(i, v) for i, v in enumerate(xs[:learn]) if v is not None])
        phase_values = [None if v is None else v - (intercept + slope * i) for i, v in enumerate(xs)]
    seasonal = seasonal_component(phase_values, period, learn)
    deseasoned = [(i, v - seasonal[i]) for i, v in enumerate(xs[:learn]) if v is not None]
    if trend == "linefit":
        intercept, slope = line_fit(deseasoned)
        trend_line = [intercept + slope * i for i in range(n)]
    elif trend == "avg" and deseasoned:
        mean = sum(v for _, v in deseasoned) / len(deseasoned)
        trend_line = [mean] * n
    else:
        trend_line = [0.0] * n
    baseline = [s + t for s, t in zip(seasonal, trend_line)]
    residual = [None if v is None else v - b for v, b in zip(xs, baseline)]
    return {"baseline": baseline, "seasonal": seasonal, "trend": trend_line, "residual": residual}


def _percentile(sorted_values: list[float], pct: float) -> float:
    rank = pct / 100.0 * (len(sorted_values) - 1)
    lo = int(rank)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (rank - lo)


def outlier_scores(values: Sequence[float | None], low_pct: float, high_pct: float,
                   learn: int | None = None) -> list[float]:
    """Tukey scores of every point against the percentiles of the known points among the first `learn`."""
    xs = list(values)
    known = sorted(v for v in xs[: len(xs) if learn is None else learn] if v is not None)
    if not known:
        return [0.0] * len(xs)
    q_lo, q_hi = _percentile(known, low_pct), _percentile(known, high_pct)
    unit = q_hi - q_lo
    if unit <= 0:
        middle = _median(known)
        unit = sum(abs(v - middle) for v in known) / len(known)
    if unit <= 0:
        return [0.0] * len(xs)
    out = []
    for v in xs:
        if v is None or q_lo <= v <= q_hi:
            out.append(0.0)
        else:
            out.append((v - q_hi) / unit if v > q_hi else (v - q_lo) / unit)
    return out


# ---------------------------------------------------------------- Python functions called from SQL


@python_function("kq_py_series_outliers", ["DOUBLE[]", "VARCHAR", "DOUBLE", "DOUBLE", "DOUBLE", "BIGINT"], "VARCHAR")
def _outliers(values: list[float | None] | None, kind: str | None, ignore: float | None, low: float | None,
              high: float | None, test_points: int | None) -> str | None:
    if values is None or kind not in OUTLIER_KINDS:
        return None
    if kind == "tukey":  # the custom range is for ctukey only
        low, high = OUTLIER_KINDS["tukey"]
    low = OUTLIER_KINDS["ctukey"][0] if low is None else low
    high = OUTLIER_KINDS["ctukey"][1] if high is None else high
    if not (2.0 <= low <= 98.0 and 2.0 <= high <= 98.0 and low < high):
        return None
    xs = [None if v is None or (ignore is not None and v == ignore) else v for v in numbers(values) or []]
    learn = len(xs) - min(max(test_points or 0, 0), len(xs))
    return finite_json(outlier_scores(xs, low, high, learn))


def _options(seasonality: int | None, trend: str | None, test_points: int | None,
             threshold: float | None) -> tuple[int, str, int, float]:
    return (-1 if seasonality is None else seasonality, "avg" if trend is None else trend,
            test_points or 0, _DEFAULT_SEASONALITY_THRESHOLD if threshold is None else threshold)


@python_function("kq_py_series_decompose", ["DOUBLE[]", "BIGINT", "VARCHAR", "BIGINT", "DOUBLE"], "VARCHAR")
def _decompose(values: list[float | None] | None, seasonality: int | None, trend: str | None,
               test_points: int | None, threshold: float | None) -> str | None:
    if values is None:
        return None
    parts = decompose(values, *_options(seasonality, trend, test_points, threshold))
    return None if parts is None else finite_json(parts)


@python_function("kq_py_series_decompose_anomalies",
                 ["DOUBLE[]", "DOUBLE", "BIGINT", "VARCHAR", "BIGINT", "VARCHAR", "DOUBLE"], "VARCHAR")
def _anomalies(values: list[float | None] | None, threshold: float | None, seasonality: int | None,
               trend: str | None, test_points: int | None, method: str | None,
               seasonality_threshold: float | None) -> str | None:
    method = method or "ctukey"
    if values is None or method not in OUTLIER_KINDS:
        return None
    threshold = 1.5 if threshold is None else threshold
    options = _options(seasonality, trend, test_points, seasonality_threshold)
    parts = decompose(values, *options)
    if parts is None:
        return None
    residual = parts["residual"]
    learn = len(residual) - min(max(options[2], 0), len(residual))
    scores = outlier_scores(residual, *OUTLIER_KINDS[method], learn)
    flags = [1 if s > threshold else -1 if s < -threshold else 0 for s in scores]
    return finite_json({"ad_flag": flags, "ad_score": scores, "baseline": parts["baseline"]})


@python_function("kq_py_series_seasonal", ["DOUBLE[]", "BIGINT", "BIGINT"], "VARCHAR")
def _seasonal(values: list[float | None] | None, period: int | None, test_points: int | None) -> str | None:
    """series_seasonal: -1 detects the period (threshold 0.7), a positive period is used, anything else gives
    zeros (docs)."""
    if values is None:
        return None
    xs = numbers(values) or []
    learn = len(xs) - min(max(test_points or 0, 0), len(xs))
    period = -1 if period is None else period
    if period == -1:
        period = best_period(xs[:learn], SEASONAL_THRESHOLD)
    return finite_json(seasonal_component(xs, period if period > 0 else 0, learn))


# ---------------------------------------------------------------- SQL builders


def _integer(arg: Arg, fn: str, position: int, what: str) -> str:
    if arg.type not in ("int", "long"):
        raise KqlTypeError(f"argument {position} of {fn}() ({what}) must be an integer, not {arg.type}")
    return f"CAST({arg.sql} AS BIGINT)"


def _choice(arg: Arg, fn: str, position: int, what: str, allowed: Sequence[str]) -> str:
    if arg.type != "string":
        raise KqlTypeError(f"argument {position} of {fn}() ({what}) must be a string, not {arg.type}")
    if arg.is_const and arg.value not in allowed:
        raise KqlTypeError(f"argument {position} of {fn}() ({what}) must be one of "
                           f"{', '.join(quote_string(v) for v in allowed)}, not {quote_string(str(arg.value))}")
    return arg.sql


def _optional(a: Sequence[Arg], i: int, make: Callable[[Arg], str], default: str) -> str:
    """An optional argument's SQL; a missing one, or a null constant (Kusto's "use the default"), gives default."""
    if i >= len(a) or (a[i].is_const and a[i].value is None and a[i].type not in ("string",)):
        return default
    return make(a[i])


def _decompose_sql(fn: str, a: Sequence[Arg], first: int) -> tuple[str, str, str, str]:
    """(series, seasonality, trend, test_points) SQL, the three options starting at argument index `first`
    (series_decompose: 1; series_decompose_anomalies: 2, after the threshold)."""
    series = series_arg(a[0], fn)
    p = first
    seasonality = _optional(a, p, lambda x: _integer(x, fn, p + 1, "seasonality"), "NULL")
    trend = _optional(a, p + 1, lambda x: _choice(x, fn, p + 2, "trend", TRENDS), "NULL")
    test_points = _optional(a, p + 2, lambda x: _integer(x, fn, p + 3, "test_points"), "NULL")
    return series, seasonality, trend, test_points


def _threshold(a: Sequence[Arg], i: int, fn: str) -> str:
    return _optional(a, i, lambda x: number_arg(x, fn, i + 1, "seasonality_threshold"), "NULL")


def _series_decompose(a: Sequence[Arg]) -> str:
    fn = "series_decompose"
    series, seasonality, trend, test_points = _decompose_sql(fn, a, 1)
    threshold = _threshold(a, 4, fn)
    return f"CAST(kq_py_series_decompose({series}, {seasonality}, {trend}, {test_points}, {threshold}) AS JSON)"


def _series_decompose_forecast(a: Sequence[Arg]) -> str:
    fn = "series_decompose_forecast"
    series = series_arg(a[0], fn)
    points = _integer(a[1], fn, 2, "points")
    seasonality = _optional(a, 2, lambda x: _integer(x, fn, 3, "seasonality"), "NULL")
    # linefit by default here (the function's original reference page; a forecast extrapolates the trend)
    trend = _optional(a, 3, lambda x: _choice(x, fn, 4, "trend", TRENDS), "'linefit'")
    threshold = _threshold(a, 4, fn)
    parts = f"CAST(kq_py_series_decompose({series}, {seasonality}, {trend}, {points}, {threshold}) AS JSON)"
    return f"json_extract({parts}, '$.baseline')"


def _series_decompose_anomalies(a: Sequence[Arg]) -> str:
    fn = "series_decompose_anomalies"
    threshold = _optional(a, 1, lambda x: number_arg(x, fn, 2, "threshold"), "NULL")
    series, seasonality, trend, test_points = _decompose_sql(fn, a, 2)
    method = _optional(a, 5, lambda x: _choice(x, fn, 6, "ad_method", tuple(OUTLIER_KINDS)), "NULL")
    seasonality_threshold = _threshold(a, 6, fn)
    return (f"CAST(kq_py_series_decompose_anomalies({series}, {threshold}, {seasonality}, {trend}, {test_points}, "
            f"{method}, {seasonality_threshold}) AS JSON)")


def _series_outliers(a: Sequence[Arg]) -> str:
    fn = "series_outliers"
    series = series_arg(a[0], fn)
    kind = _optional(a, 1, lambda x: _choice(x, fn, 2, "kind", tuple(OUTLIER_KINDS)), "'ctukey'")
    ignore = _optional(a, 2, lambda x: number_arg(x, fn, 3, "ignore_val"), "NULL")
    low = _optional(a, 3, lambda x: number_arg(x, fn, 4, "min_percentile"), "NULL")
    high = _optional(a, 4, lambda x: number_arg(x, fn, 5, "max_percentile"), "NULL")
    test_points = _optional(a, 5, lambda x: _integer(x, fn, 6, "test_points"), "NULL")
    for i, what in ((3, "min_percentile"), (4, "max_percentile")):
        if i < len(a) and a[i].is_const and a[i].type in NUMBERS and a[i].value is not None \
                and not 2.0 <= float(a[i].value) <= 98.0:
            raise KqlTypeError(f"{what} of {fn}() must be in the range [2.0, 98.0], not {a[i].value}")
    return f"CAST(kq_py_series_outliers({series}, {kind}, {ignore}, {low}, {high}, {test_points}) AS JSON)"


def automatic_seasonal(a: Sequence[Arg]) -> str:
    """series_seasonal(x [, period [, test_points]]) in Python: for an automatic or non-constant period."""
    fn = "series_seasonal"
    series = series_arg(a[0], fn)
    period = _optional(a, 1, lambda x: _integer(x, fn, 2, "period"), "NULL")
    test_points = _optional(a, 2, lambda x: _integer(x, fn, 3, "test_points"), "NULL")
    return f"CAST(kq_py_series_seasonal({series}, {period}, {test_points}) AS JSON)"


scalar("series_decompose", "any any? any? any? any?", "dynamic", _series_decompose)
scalar("series_decompose_forecast", "any any any? any? any?", "dynamic", _series_decompose_forecast,
       notes="the trend defaults to linefit, as the function's original reference page says (today's page "
             "repeats series_decompose's avg)")
scalar("series_decompose_anomalies", "any any? any? any? any? any? any?", "dynamic", _series_decompose_anomalies)
scalar("series_outliers", "any any? any? any? any? any?", "dynamic", _series_outliers,
       notes="the score is the distance beyond the percentile range in units of that range, with linearly "
             "interpolated percentiles; Kusto does not document its percentile method or scale")

