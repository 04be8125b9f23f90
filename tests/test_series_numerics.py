"""The numerical kernels behind series_fft/series_ifft and series_fit_2lines/series_fit_poly, checked against
plain textbook definitions (a direct O(n^2) DFT, every split fitted from scratch, an exact polynomial)."""

from __future__ import annotations

import cmath
import math
import random

import pytest

from kqlite.functions import series_fft, series_fit


def _direct_dft(xs: list[complex]) -> list[complex]:
    n = len(xs)
    return [sum(x * cmath.exp(-2j * math.pi * (j * k % n) / n) for j, x in enumerate(xs)) for k in range(n)]


# powers of two (radix 2), short lengths (direct) and lengths past the direct limit (Bluestein)
@pytest.mark.parametrize("n", [1, 2, 3, 8, 12, 30, 61, 67, 97, 128, 210])
def test_fft_matches_the_direct_dft_and_inverts(n):
    rng = random.Random(n)
    xs = [complex(rng.uniform(-5, 5), rng.uniform(-5, 5)) for _ in range(n)]
    fast = series_fft.fourier_transform(xs, -1)
    for a, b in zip(fast, _direct_dft(xs)):
        assert abs(a - b) < 1e-9 * max(1.0, abs(b))
    back = [v / n for v in series_fft.fourier_transform(fast, 1)]
    assert max(abs(a - b) for a, b in zip(back, xs)) < 1e-12


def test_fft_json_entry_point_handles_bad_input():
    assert series_fft.fourier("[1, null]", None, False) is None
    assert series_fft.fourier("[1, 2]", "[1]", False) is None
    assert series_fft.fourier(None, None, False) is None
    assert series_fft.fourier("[]", None, True) == '{"real": [], "imag": []}'


@pytest.mark.parametrize("seed", range(6))
def test_fit_2lines_picks_the_split_with_least_residual(seed):
    rng = random.Random(seed)
    n = rng.randint(4, 60)
    ys = [rng.choice([0.0, 1e6]) + rng.gauss(0, 1) + (i if i < n // 2 else -i) for i in range(n)]
    got = series_fit.fit_2lines(ys)
    residual = {i: series_fit._line(ys[:i]).ss_res + series_fit._line(ys[i:]).ss_res for i in range(2, n - 1)}
    assert residual[got["split_idx"]] <= min(residual.values()) * (1 + 1e-9) + 1e-9


def test_fit_2lines_ties_take_the_first_split():
    # 0..4..0: splitting before index 4 or 5 both fit exactly; the peak (4) comes first
    assert series_fit.fit_2lines([0, 1, 2, 3, 4, 3, 2, 1, 0])["split_idx"] == 4


def test_fit_poly_recovers_an_exact_cubic_with_large_x():
    xs = [1000.0 + 3 * i for i in range(12)]
    ys = [2 * x**3 - 5 * x**2 + 7 * x - 11 for x in xs]
    got = series_fit.fit_poly(ys, xs, 3)
    assert got is not None
    # far from x = 0 the low coefficients are ill-conditioned (the docs advise normalizing x); the fitted
    # values and the leading coefficients are not
    for fitted, y in zip(got["poly_fit"], ys):
        assert fitted == pytest.approx(y, rel=1e-9)
    assert got["coefficients"][0] == pytest.approx(2, rel=1e-6)
    assert got["coefficients"][1] == pytest.approx(-5, rel=1e-3)
    assert got["rsquare"] == pytest.approx(1.0, abs=1e-12)


def test_fit_poly_recovers_an_exact_cubic_on_normalized_x():
    xs = [i / 11 for i in range(12)]
    ys = [2 * x**3 - 5 * x**2 + 7 * x - 11 for x in xs]
    got = series_fit.fit_poly(ys, xs, 3)
    assert got is not None
    for a, b in zip(got["coefficients"], [2, -5, 7, -11]):
        assert a == pytest.approx(b, rel=1e-9)


def test_fit_poly_undetermined_fits_are_null():
    assert series_fit.fit_poly([1.0, 2.0], [1.0, 2.0], 2) is None  # degree + 1 > points
    assert series_fit.fit_poly([1.0, 2.0, 3.0], [5.0, 5.0, 5.0], 1) is None  # one distinct x
    assert series_fit.fit_poly([1.0, 2.0], [1.0], 1) is None  # lengths differ
