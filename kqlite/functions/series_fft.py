"""series_fft(x_real [, x_imag]) and series_ifft(fft_real [, fft_imag]): the discrete Fourier transform of
a series and its inverse, each returning two series (real and imaginary parts).

Kusto transforms the series at its own length (no padding), unscaled forwards and divided by n backwards,
so series_ifft(series_fft(x)) gives x back. The transform is numpy's FFT (any length, O(n log n)),
called from SQL as a Python function (kq_py_series_fft); series_periods.py uses the same transform.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..errors import KqlTypeError
from ..sql.python_functions import python_function
from .registry import Arg, scalar
from .series import MULTI_VALUE

# the two values of the function; in extend/project they become two columns (semantic/tuples.py)
FFT_FIELDS = (("real", "dynamic"), ("imag", "dynamic"))
MULTI_VALUE.update({"series_fft": FFT_FIELDS, "series_ifft": FFT_FIELDS})


def fourier_transform(xs: list[complex], sign: int) -> list[complex]:
    """The unscaled DFT, X[k] = sum_j x[j] exp(sign * 2*pi*i * j*k / n), for any n, by numpy's FFT."""
    import numpy as np  # on first use: kqlite starts without loading numpy

    if not xs:
        return []
    values = np.asarray(xs, dtype=complex)
    out = np.fft.fft(values) if sign < 0 else np.fft.ifft(values) * len(xs)
    return [complex(v) for v in out]


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
