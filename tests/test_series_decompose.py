"""The algorithms behind series_periods_detect/validate, series_decompose* and series_outliers
(kqlite/functions/series_periods.py, series_decompose.py), checked on series with known answers."""

from __future__ import annotations

import cmath
import math
import random

import pytest

from kqlite.functions import series_decompose as sd
from kqlite.functions import series_periods as sp


def _naive_dft(xs: list[float]) -> list[complex]:
    n = len(xs)
    return [sum(x * cmath.exp(-2j * math.pi * k * t / n) for t, x in enumerate(xs)) for k in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 60, 97])
def test_dft_matches_the_definition_at_any_length(n):
    rng = random.Random(n)
    xs = [rng.uniform(-5, 5) for _ in range(n)]
    for fast, slow in zip(sp.dft(xs), _naive_dft(xs)):
        assert abs(fast - slow) < 1e-9 * max(1.0, abs(slow))


def test_lag_products_have_no_wrap_around():
    d = [1.0, 2.0, 3.0]
    assert [round(v, 9) for v in sp.lag_products(d)] == [14.0, 8.0, 3.0]


def test_daily_and_weekly_periods_of_an_hourly_series():
    rng = random.Random(7)
    ys = [10 * math.sin(2 * math.pi * t / 24) + 5 * math.sin(2 * math.pi * t / 168) + rng.gauss(0, 1)
          for t in range(24 * 7 * 5)]
    periods = [p for p, _ in sp.detect(ys, 0.8 * 24, 1.2 * 168, 2)]
    assert sorted(periods) == [24.0, 168.0]
    assert [p for p, _ in sp.detect(ys, 0.8 * 24, 1.2 * 24, 2)] == [24.0]  # the range bounds the search


def test_white_noise_has_no_period():
    rng = random.Random(3)
    ys = [rng.gauss(0, 1) for _ in range(400)]
    assert sp.detect(ys, 4, 200, 3) == []
    assert sp.best_period(ys, 0.6) == 0


def test_trend_missing_points_and_constant_series():
    ys = [[5, 1, 2, 0][t % 4] + 0.5 * t for t in range(40)]
    ys[9] = None
    assert sp.detect(ys, 4, 20, 1)[0][0] == 4.0  # interpolated, detrended
    assert sp.detect([3.0] * 40, 4, 20, 1) == []
    assert sp.validate([3.0] * 40, [4]) == [0.0]


def test_validate_scores_zero_outside_four_to_half_the_length():
    ys = [[5, 1, 2, 0, 7][t % 5] for t in range(20)]
    low, inside, beyond = sp.validate(ys, [3, 5, 11])
    assert low == 0 and beyond == 0 and inside > 0.7


def test_decompose_components_add_up():
    rng = random.Random(11)
    ys = [[0, 3, 6, 3][t % 4] + 0.1 * t + rng.uniform(-0.2, 0.2) for t in range(48)]
    for trend in ("avg", "linefit", "none"):
        parts = sd.decompose(ys, -1, trend, 0, 0.6)
        assert parts is not None
        for i, y in enumerate(ys):
            assert parts["baseline"][i] == pytest.approx(parts["seasonal"][i] + parts["trend"][i])
            assert parts["residual"][i] == pytest.approx(y - parts["baseline"][i])
    linefit = sd.decompose(ys, -1, "linefit", 0, 0.6)
    assert linefit is not None and max(abs(r) for r in linefit["residual"]) < 0.5  # type: ignore[arg-type]


def test_test_points_are_forecast_not_learned():
    ys = [[1.0, 4.0, 2.0, 8.0][t % 4] for t in range(16)] + [0.0] * 4
    parts = sd.decompose(ys, 4, "avg", 4, 0.6)
    assert parts is not None and parts["baseline"][16:] == [1.0, 4.0, 2.0, 8.0]


def test_outlier_scores_are_tukey_fences_in_range_units():
    xs = [float(v) for v in range(10)] + [30.0]
    scores = sd.outlier_scores(xs, 10, 90)  # percentiles 1 and 9
    assert scores[-1] == pytest.approx((30 - 9) / 8)
    assert scores[0] == pytest.approx(-1 / 8)
    assert scores[1:-1] == [0.0] * 9
    flat = sd.outlier_scores([2.0] * 20 + [12.0], 25, 75)  # no spread: the mean absolute deviation is the unit
    assert flat[-1] > 1.5 and flat[:-1] == [0.0] * 20
