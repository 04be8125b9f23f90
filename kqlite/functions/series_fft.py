"""series_fft(x_real [, x_imag]) and series_ifft(fft_real [, fft_imag]): the discrete Fourier transform of
a series and its inverse, each returning two series (real and imaginary parts).

Kusto transforms the series at its own length (no padding), unscaled forwards and divided by n backwards,
so series_ifft(series_fft(x)) gives x back. The transform runs in Python (kq_py_series_fft): iterative
radix-2 for a power of two, a direct sum for a short series, else Bluestein's chirp-z convolution, so any
length costs O(n log n); series_periods.py uses the same transform. Twiddle factors at multiples of an eighth turn are exact, so small textbook
inputs ([1, 2, 3, 4]) give exact results as in Kusto.
"""

from __future__ import annotations

import cmath
import json
import math
from collections.abc import Sequence
from functools import lru_cache

from ..errors import KqlTypeError
from ..sql.python_functions import python_function
from .registry import Arg, scalar
from .series import MULTI_VALUE

# the two values of the function; in extend/project they become two columns (semantic/tuples.py)
FFT_FIELDS = (("real", "dynamic"), ("imag", "dynamic"))
MULTI_VALUE.update({"series_fft": FFT_FIELDS, "series_ifft": FFT_FIELDS})
_DIRECT_LIMIT = 64  # a length up to this that is not a power of two is transformed directly (O(n^2))
_HALF_SQRT2 = math.sqrt(0.5)
_EIGHTHS = [(1.0, 0.0), (_HALF_SQRT2, _HALF_SQRT2), (0.0, 1.0), (-_HALF_SQRT2, _HALF_SQRT2),
            (-1.0, 0.0), (-_HALF_SQRT2, -_HALF_SQRT2), (0.0, -1.0), (_HALF_SQRT2, -_HALF_SQRT2)]


@lru_cache(maxsize=64)
def _twiddles(n: int, sign: int) -> tuple[complex, ...]:
    """exp(sign * 2*pi*i * j / n) for j in 0..n-1, exact at multiples of an eighth turn (computed once per size:
    make-series gives many series of one length)."""
    out = []
    for j in range(n):
        if (8 * j) % n == 0:
            c, s = _EIGHTHS[(8 * j) // n]
        else:
            angle = 2 * math.pi * j / n
            c, s = math.cos(angle), math.sin(angle)
        out.append(complex(c, sign * s))
    return tuple(out)


def fourier_transform(xs: list[complex], sign: int) -> list[complex]:
    """The unscaled DFT, X[k] = sum_j x[j] exp(sign * 2*pi*i * j*k / n), for any n: iterative radix-2 for a
    power of two, directly for a short series, else Bluestein's chirp-z convolution (O(n log n))."""
    n = len(xs)
    if n & (n - 1) == 0:
        return _radix2(xs, sign)
    if n <= _DIRECT_LIMIT:
        w = _twiddles(n, sign)
        return [sum(xs[j] * w[j * k % n] for j in range(n)) for k in range(n)]
    return _bluestein(xs, sign)


def _radix2(xs: list[complex], sign: int) -> list[complex]:
    n = len(xs)
    out = list(xs)
    j = 0
    for i in range(1, n):  # bit-reversal permutation
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            out[i], out[j] = out[j], out[i]
    w = _twiddles(n, sign) if n > 1 else ()
    size = 2
    while size <= n:
        half, stride = size // 2, n // size
        steps = w[::stride][:half]
        for start in range(0, n, size):
            for k, t in enumerate(steps, start):
                u, v = out[k], out[k + half] * t
                out[k], out[k + half] = u + v, u - v
        size <<= 1
    return out


@lru_cache(maxsize=32)
def _chirp(n: int, sign: int) -> tuple[tuple[complex, ...], tuple[complex, ...]]:
    """Bluestein's chirp for length n and the transform of its conjugate kernel, once per length."""
    # j*j is reduced modulo 2n before the angle is formed, so large j lose no precision
    chirp = tuple(cmath.exp(complex(0, sign * math.pi * ((j * j) % (2 * n)) / n)) for j in range(n))
    size = 1
    while size < 2 * n - 1:
        size *= 2
    kernel = [0j] * size
    for j in range(n):
        kernel[j] = chirp[j].conjugate()
        if j:
            kernel[size - j] = chirp[j].conjugate()
    return chirp, tuple(_radix2(kernel, -1))


def _bluestein(xs: list[complex], sign: int) -> list[complex]:
    """A DFT of any length as a convolution with a chirp, done by power-of-two transforms."""
    n = len(xs)
    chirp, kernel = _chirp(n, sign)
    size = len(kernel)
    fa = _radix2([xs[j] * chirp[j] for j in range(n)] + [0j] * (size - n), -1)
    conv = _radix2([u * v for u, v in zip(fa, kernel)], 1)
    return [chirp[k] * conv[k] / size for k in range(n)]


def series_values(text: str | None) -> list[float] | None:
    """A dynamic value's JSON text as a series; None unless it is an array of numbers (a null or
    non-numeric element makes the whole series unusable, as Kusto's series are numbers)."""
    values = None if text is None else json.loads(text)
    if not isinstance(values, list):
        return None
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return None
    return [float(v) for v in values]


def is_absent(text: str | None) -> bool:
    """An optional series argument that was omitted, or given as null (its default applies)."""
    return text is None or text.strip() == "null"


@python_function("kq_py_series_fft", ["VARCHAR", "VARCHAR", "BOOLEAN"], "VARCHAR")
def fourier(real_json: str | None, imag_json: str | None, inverse: bool | None) -> str | None:
    """{"real": [...], "imag": [...]}; an absent imaginary part is all zeros. An input that is not an
    array of numbers, or imaginary parts of another length, gives null."""
    real = series_values(real_json)
    if real is None:
        return None
    imag = [0.0] * len(real) if is_absent(imag_json) else series_values(imag_json)
    if imag is None or len(imag) != len(real):
        return None
    out = fourier_transform([complex(a, b) for a, b in zip(real, imag)], 1 if inverse else -1)
    if inverse and out:
        out = [v / len(out) for v in out]
    return json.dumps({"real": [v.real for v in out], "imag": [v.imag for v in out]})


def series_text(arg: Arg, fn: str, position: int) -> str:
    if arg.type != "dynamic":
        raise KqlTypeError(f"argument {position} of {fn}() must be a dynamic array, not {arg.type}")
    return f"CAST({arg.sql} AS VARCHAR)"  # the JSON text, read by series_values


def _fft_builder(fn: str, inverse: bool):
    def build(a: Sequence[Arg]) -> str:
        real = series_text(a[0], fn, 1)
        imag = series_text(a[1], fn, 2) if len(a) > 1 else "NULL"
        return f"CAST(kq_py_series_fft({real}, {imag}, {'true' if inverse else 'false'}) AS JSON)"

    return build


scalar("series_fft", "any any?", "dynamic", _fft_builder("series_fft", False))
scalar("series_ifft", "any any?", "dynamic", _fft_builder("series_ifft", True))
