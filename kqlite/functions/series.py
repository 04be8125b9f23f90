"""series_* functions: element-wise math on dynamic numeric arrays (make-series output), fills,
statistics and line fitting.

A series is read once into a DuckDB DOUBLE[] (`kq_series`, non-numeric elements become null) and
processed with list functions and lambdas; results go back to JSON. The fill functions work on the
JSON elements themselves, because Kusto keeps the array's element type (longs stay longs).
Functions that return several values (series_stats, series_fit_line) return a JSON object here; in
`extend`/`project` they become one column per value (kqlite/semantic/tuples.py, MULTI_VALUE below).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import KqlTypeError
from .registry import Arg, scalar

_NUMBERS = ("int", "long", "real", "decimal")
# lambda parameter names: unusual enough never to shadow a column referenced inside the lambda
_E, _P, _S, _ACC = "__kq_e", "__kq_p", "__kq_s", "__kq_acc"


def _series(arg: Arg, fn: str, position: int = 1) -> str:
    if arg.type != "dynamic":
        raise KqlTypeError(f"argument {position} of {fn}() must be a dynamic array, not {arg.type}")
    return f"kq_series({arg.sql})"


def _json(list_sql: str) -> str:
    return f"CAST(to_json({list_sql}) AS JSON)"


def _let(bindings: dict[str, str], body: str, var: str = _S) -> str:
    """Evaluate each binding once and use it in body as <var>.<name> (a one-element list_transform)."""
    struct = ", ".join(f"'{k}': {v}" for k, v in bindings.items())
    return f"list_transform([{{{struct}}}], lambda {var}: {body})[1]"


# ---------------------------------------------------------------- element-wise


def _elementwise2(fn: str, op: Callable[[str, str], str]) -> Callable[[Sequence[Arg]], str]:
    """series_add(a, b) and friends: arrays element by element (the shorter one padded with null), or an
    array and a number broadcast over it."""

    def build(a: Sequence[Arg]) -> str:
        x, y = a
        for i, arg in enumerate(a):
            if arg.type != "dynamic" and arg.type not in _NUMBERS:
                raise KqlTypeError(f"argument {i + 1} of {fn}() must be a dynamic array or a number, not {arg.type}")
        if x.type == "dynamic" and y.type == "dynamic":
            body = op(f"{_P}[1]", f"{_P}[2]")
            return _json(f"list_transform(list_zip(kq_series({x.sql}), kq_series({y.sql})), lambda {_P}: {body})")
        if x.type == "dynamic":
            return _json(f"list_transform(kq_series({x.sql}), lambda {_E}: {op(_E, f'CAST({y.sql} AS DOUBLE)')})")
        if y.type == "dynamic":
            return _json(f"list_transform(kq_series({y.sql}), lambda {_E}: {op(f'CAST({x.sql} AS DOUBLE)', _E)})")
        raise KqlTypeError(f"{fn}() needs at least one dynamic array")

    return build


_BINARY: dict[str, Callable[[str, str], str]] = {
    "series_add": lambda a, b: f"({a} + {b})",
    "series_subtract": lambda a, b: f"({a} - {b})",
    "series_multiply": lambda a, b: f"({a} * {b})",
    "series_divide": lambda a, b: f"({a} / {b})",
    "series_pow": lambda a, b: f"pow({a}, {b})",
    "series_greater": lambda a, b: f"({a} > {b})",
    "series_greater_equals": lambda a, b: f"({a} >= {b})",
    "series_less": lambda a, b: f"({a} < {b})",
    "series_less_equals": lambda a, b: f"({a} <= {b})",
    "series_equals": lambda a, b: f"({a} = {b})",
    "series_not_equals": lambda a, b: f"({a} <> {b})",
}
for _name, _op in _BINARY.items():
    scalar(_name, "any any", "dynamic", _elementwise2(_name, _op))


def _elementwise1(fn: str, op: Callable[[str], str]) -> Callable[[Sequence[Arg]], str]:
    return lambda a: _json(f"list_transform({_series(a[0], fn)}, lambda {_E}: {op(_E)})")


# out-of-domain inputs follow the scalar functions: log/sqrt give null, acos/asin give NaN as in .NET
_UNARY: dict[str, Callable[[str], str]] = {
    "series_abs": lambda e: f"abs({e})",
    "series_acos": lambda e: f"CASE WHEN abs({e}) <= 1 THEN acos({e}) WHEN {e} IS NOT NULL THEN 'nan'::DOUBLE END",
    "series_asin": lambda e: f"CASE WHEN abs({e}) <= 1 THEN asin({e}) WHEN {e} IS NOT NULL THEN 'nan'::DOUBLE END",
    "series_atan": lambda e: f"atan({e})",
    "series_ceiling": lambda e: f"ceil({e})",
    "series_cos": lambda e: f"cos({e})",
    "series_exp": lambda e: f"exp({e})",
    "series_floor": lambda e: f"floor({e})",
    "series_log": lambda e: f"CASE WHEN {e} > 0 THEN ln({e}) END",
    "series_sign": lambda e: f"sign({e})",
    "series_sin": lambda e: f"sin({e})",
    "series_tan": lambda e: f"tan({e})",
}
for _name, _op1 in _UNARY.items():
    scalar(_name, "any", "dynamic", _elementwise1(_name, _op1))

# ---------------------------------------------------------------- reductions to one number


def _pair_sum(fn: str, term: Callable[[str, str], str]) -> Callable[[Sequence[Arg]], str]:
    """Sum over the pairs of two series (truncated to the shorter; non-numeric pairs skipped); a number
    on either side is broadcast. Empty input gives null."""

    def build(a: Sequence[Arg]) -> str:
        x, y = a
        for i, arg in enumerate(a):
            if arg.type != "dynamic" and arg.type not in _NUMBERS:
                raise KqlTypeError(f"argument {i + 1} of {fn}() must be a dynamic array or a number, not {arg.type}")
        if x.type != "dynamic" and y.type != "dynamic":
            raise KqlTypeError(f"{fn}() needs at least one dynamic array")
        xs = f"kq_series({x.sql})" if x.type == "dynamic" else None
        ys = f"kq_series({y.sql})" if y.type == "dynamic" else None
        if xs and ys:
            pairs = f"list_zip({xs}, {ys}, true)"
        elif xs:
            pairs = f"list_transform({xs}, lambda {_E}: [{_E}, CAST({y.sql} AS DOUBLE)])"
        else:
            pairs = f"list_transform({ys}, lambda {_E}: [CAST({x.sql} AS DOUBLE), {_E}])"
        kept = f"list_filter({pairs}, lambda {_P}: {_P}[1] IS NOT NULL AND {_P}[2] IS NOT NULL)"
        return f"list_sum(list_transform({kept}, lambda {_P}: {term(f'{_P}[1]', f'{_P}[2]')}))"

    return build


scalar("series_dot_product", "any any", "real", _pair_sum("series_dot_product", lambda a, b: f"{a} * {b}"))


def _cosine_similarity(a: Sequence[Arg]) -> str:
    xs, ys = _series(a[0], "series_cosine_similarity"), _series(a[1], "series_cosine_similarity", 2)
    pairs = (f"list_filter(list_zip({xs}, {ys}, true), "
             f"lambda {_P}: {_P}[1] IS NOT NULL AND {_P}[2] IS NOT NULL)")
    dot = f"list_sum(list_transform({_S}.p, lambda {_P}: {_P}[1] * {_P}[2]))"
    nx = f"sqrt(list_sum(list_transform({_S}.p, lambda {_P}: {_P}[1] * {_P}[1])))"
    ny = f"sqrt(list_sum(list_transform({_S}.p, lambda {_P}: {_P}[2] * {_P}[2])))"
    return _let({"p": pairs}, f"{dot} / ({nx} * {ny})")


scalar("series_cosine_similarity", "any any", "real", _cosine_similarity)
scalar("series_magnitude", "any", "real",
       lambda a: f"sqrt(list_sum(list_transform({_series(a[0], 'series_magnitude')}, lambda {_E}: {_E} * {_E})))")
scalar("series_sum", "any", "real", lambda a: f"list_sum({_series(a[0], 'series_sum')})")


def _pearson(a: Sequence[Arg]) -> str:
    xs, ys = _series(a[0], "series_pearson_correlation"), _series(a[1], "series_pearson_correlation", 2)
    t = "__kq_t"
    means = {"p": f"{_S}.p", "mx": f"list_avg(list_transform({_S}.p, lambda {_P}: {_P}[1]))",
             "my": f"list_avg(list_transform({_S}.p, lambda {_P}: {_P}[2]))"}
    r = (f"list_sum(list_transform({t}.p, lambda {_P}: ({_P}[1] - {t}.mx) * ({_P}[2] - {t}.my))) / "
         f"sqrt(list_sum(list_transform({t}.p, lambda {_P}: ({_P}[1] - {t}.mx) ** 2)) * "
         f"list_sum(list_transform({t}.p, lambda {_P}: ({_P}[2] - {t}.my) ** 2)))")
    return _let({"p": f"list_zip({xs}, {ys}, true)"}, _let(means, r, t))


scalar("series_pearson_correlation", "any any", "real", _pearson)

# ---------------------------------------------------------------- statistics and fits (several values)

STATS_FIELDS = (("min", "real"), ("min_idx", "long"), ("max", "real"), ("max_idx", "long"), ("avg", "real"),
                ("stdev", "real"), ("variance", "real"))
FIT_LINE_FIELDS = (("rsquare", "real"), ("slope", "real"), ("variance", "real"), ("rvariance", "real"),
                   ("interception", "real"), ("line_fit", "dynamic"))
# functions that give one column per value in extend/project: name -> (field, KQL type)
MULTI_VALUE: dict[str, tuple[tuple[str, str], ...]] = {
    "series_stats": STATS_FIELDS,
    "series_fit_line": FIT_LINE_FIELDS,
    # series_decompose.py / series_periods.py (Kusto.Language's column names)
    "series_decompose": (("baseline", "dynamic"), ("seasonal", "dynamic"), ("trend", "dynamic"), ("residual", "dynamic")),
    "series_decompose_anomalies": (("ad_flag", "dynamic"), ("ad_score", "dynamic"), ("baseline", "dynamic")),
    "series_periods_detect": (("periods", "dynamic"), ("scores", "dynamic")),
    "series_periods_validate": (("periods", "dynamic"), ("scores", "dynamic")),
}


def _stats_parts(a: Sequence[Arg], with_totals: bool, fn: str) -> tuple[dict[str, str], Callable[[str], str]]:
    """The statistics as SQL over __kq_t.v (the finite values) and __kq_t.raw, and a wrapper that binds those."""
    series = _series(a[0], fn)
    ignore = a[1].sql if len(a) > 1 else "false"
    t = "__kq_t"
    values = f"{t}.v"
    fields = {
        "min": f"list_min({values})",
        "min_idx": f"list_position({t}.raw, list_min({values})) - 1",
        "max": f"list_max({values})",
        "max_idx": f"list_position({t}.raw, list_max({values})) - 1",
        "avg": f"list_avg({values})",
        "stdev": f"list_stddev_samp({values})",
        "variance": f"list_var_samp({values})",
    }
    if with_totals:
        fields["sum"] = f"list_sum({values})"
        fields["len"] = f"len({t}.raw)"
    # ignore_nonfinite=false: any null, NaN or infinity makes every statistic null
    usable = f"({ignore} OR len({values}) = len({t}.raw))"
    fields = {k: f"CASE WHEN {usable} THEN {v} END" for k, v in fields.items()}
    finite = f"list_filter({_S}.raw, lambda {_E}: {_E} IS NOT NULL AND isfinite({_E}))"

    def bind(body: str) -> str:
        return _let({"raw": series}, _let({"raw": f"{_S}.raw", "v": finite}, body, t))

    return fields, bind


def _stats(a: Sequence[Arg], with_totals: bool, fn: str) -> str:
    fields, bind = _stats_parts(a, with_totals, fn)
    obj = "json_object(" + ", ".join(f"'{k}', {v}" for k, v in fields.items()) + ")"
    return f"CAST({bind(obj)} AS JSON)"


def field_sql(fn: str, args: Sequence[Arg], key: str) -> str | None:
    """series_stats_dynamic(x).max computed alone (no object built), or None when not known here."""
    if fn not in ("series_stats_dynamic", "series_stats"):
        return None
    fields, bind = _stats_parts(args, fn == "series_stats_dynamic", fn)
    if key not in fields:
        return None
    return f"CAST(to_json({bind(fields[key])}) AS JSON)"


scalar("series_stats", "any bool?", "dynamic", lambda a: _stats(a, False, "series_stats"))
scalar("series_stats_dynamic", "any bool?", "dynamic", lambda a: _stats(a, True, "series_stats_dynamic"))


def _fit_line(a: Sequence[Arg], fn: str) -> str:
    """Least squares over x = 1..n; variance and rvariance are sample variances (n - 1)."""
    series = _series(a[0], fn)
    t, u = "__kq_t", "__kq_u"
    n = f"len({_S}.y)"
    # with x = 1..n: mean x = (n+1)/2 and sum((x - mean x)^2) = n(n^2 - 1)/12
    mx = f"(({n} + 1) / 2.0)"
    slope = (f"list_sum(list_transform({_S}.y, lambda {_E}, i: (i - {mx}) * {_E})) / "
             f"({n} * ({n} * {n} - 1) / 12.0)")
    coeffs = {"y": f"{_S}.y", "n": n, "my": f"list_avg({_S}.y)", "slope": slope, "mx": mx}
    sums = {"y": f"{t}.y", "n": f"{t}.n", "slope": f"{t}.slope", "icpt": f"{t}.my - {t}.slope * {t}.mx",
            "ss_tot": f"list_sum(list_transform({t}.y, lambda {_E}: ({_E} - {t}.my) ** 2))",
            "ss_res": f"list_sum(list_transform({t}.y, lambda {_E}, i: ({_E} - ({t}.slope * i + {t}.my - {t}.slope "
                      f"* {t}.mx)) ** 2))"}
    obj = (f"json_object('rsquare', 1 - {u}.ss_res / {u}.ss_tot, 'slope', {u}.slope, "
           f"'variance', {u}.ss_tot / ({u}.n - 1), 'rvariance', {u}.ss_res / ({u}.n - 1), "
           f"'interception', {u}.icpt, 'line_fit', list_transform(range(1, {u}.n + 1), lambda i: {u}.slope * i + {u}.icpt))")
    return f"CAST({_let({'y': series}, _let(coeffs, _let(sums, obj, u), t))} AS JSON)"


scalar("series_fit_line", "any", "dynamic", lambda a: _fit_line(a, "series_fit_line"))
scalar("series_fit_line_dynamic", "any", "dynamic", lambda a: _fit_line(a, "series_fit_line_dynamic"))

# ---------------------------------------------------------------- filling missing values (element types kept)


def _elements(arg: Arg, fn: str) -> str:
    if arg.type != "dynamic":
        raise KqlTypeError(f"argument 1 of {fn}() must be a dynamic array, not {arg.type}")
    return f"CASE WHEN json_type({arg.sql}) = 'ARRAY' THEN CAST(json_extract({arg.sql}, '$[*]') AS JSON[]) END"


def _missing(placeholder: Arg | None) -> Callable[[str], str]:
    """Is element e the missing-value placeholder (null by default; long(null), int(null) mean the same)?"""
    if placeholder is None or (placeholder.is_const and placeholder.value is None):
        return lambda e: f"({e} IS NULL OR json_type({e}) = 'NULL')"
    if placeholder.type not in _NUMBERS:
        raise KqlTypeError(f"the missing-value placeholder must be a number, not {placeholder.type}")
    return lambda e: f"COALESCE(TRY_CAST(json_extract_string({e}, '$') AS DOUBLE) = {placeholder.sql}, false)"


def _as_json(arg: Arg) -> str:
    if arg.type not in _NUMBERS:
        raise KqlTypeError(f"the fill value must be a number, not {arg.type}")
    return f"CAST(to_json({arg.sql}) AS JSON)"


def _fill_const(a: Sequence[Arg]) -> str:
    missing = _missing(a[2] if len(a) > 2 else None)
    value = _as_json(a[1])
    elems = _elements(a[0], "series_fill_const")
    return _json(f"list_transform({elems}, lambda {_E}: CASE WHEN {missing(_E)} THEN {value} ELSE {_E} END)")


def _fill_forward_list(elems: str, missing: Callable[[str], str]) -> str:
    """Each known element repeated up to the next known one; leading missing elements stay (O(n): no scan)."""
    t = "__kq_t"
    known = f"list_filter(range(1, len({_S}.e) + 1), lambda i: NOT {missing(f'{_S}.e[i]')})"
    runs = (f"flatten(list_transform({t}.k, lambda k, j: repeat([{t}.e[k]], "
            f"COALESCE({t}.k[j + 1], len({t}.e) + 1) - k)))")
    body = (f"CASE WHEN len({t}.k) = 0 THEN {t}.e "
            f"ELSE list_concat(list_slice({t}.e, 1, {t}.k[1] - 1), {runs}) END")
    return _let({"e": elems}, _let({"e": f"{_S}.e", "k": known}, body, t))


def _fill_forward(a: Sequence[Arg]) -> str:
    return _json(_fill_forward_list(_elements(a[0], "series_fill_forward"), _missing(a[1] if len(a) > 1 else None)))


def _fill_backward(a: Sequence[Arg]) -> str:
    elems = f"list_reverse({_elements(a[0], 'series_fill_backward')})"
    return _json(f"list_reverse({_fill_forward_list(elems, _missing(a[1] if len(a) > 1 else None))})")


scalar("series_fill_const", "any any any?", "dynamic", _fill_const)
scalar("series_fill_forward", "any any?", "dynamic", _fill_forward)
scalar("series_fill_backward", "any any?", "dynamic", _fill_backward)


def _fill_linear(a: Sequence[Arg]) -> str:
    """Missing points between two known ones are interpolated on the straight line between them (truncated
    when every known element is an integer); the edges take the nearest known value unless fill_edges is
    false; an array with no known value is filled with constant_value (0 by default)."""
    elems = _elements(a[0], "series_fill_linear")
    missing = _missing(a[1] if len(a) > 1 else None)
    fill_edges = a[2].sql if len(a) > 2 else "true"
    constant = _as_json(a[3]) if len(a) > 3 else "CAST('0.0' AS JSON)"
    t, b = "__kq_t", "__kq_b"  # t: the elements (e), known indexes (k), integer-only (ints); b: neighbours

    def num(idx: str) -> str:
        return f"TRY_CAST(json_extract_string({t}.e[{idx}], '$') AS DOUBLE)"

    lo, hi = f"{b}.lo", f"{b}.hi"
    line = f"({num(lo)} + ({num(hi)} - {num(lo)}) * (i - {lo}) / ({hi} - {lo}))"
    interpolated = (f"CASE WHEN {t}.ints THEN CAST(to_json(CAST(trunc({line}) AS BIGINT)) AS JSON) "
                    f"ELSE CAST(to_json({line}) AS JSON) END")
    neighbours = {"lo": f"list_last(list_filter({t}.k, lambda j: j < i))",
                  "hi": f"list_first(list_filter({t}.k, lambda j: j > i))"}
    point = _let(neighbours, f"CASE WHEN {lo} IS NOT NULL AND {hi} IS NOT NULL THEN {interpolated} "
                             f"WHEN {fill_edges} THEN {t}.e[COALESCE({lo}, {hi})] ELSE {t}.e[i] END", b)
    body = (f"CASE WHEN len({t}.k) = 0 THEN list_transform({t}.e, lambda {_E}: {constant}) "
            f"ELSE list_transform(range(1, len({t}.e) + 1), lambda i: "
            f"CASE WHEN list_contains({t}.k, i) THEN {t}.e[i] ELSE {point} END) END")
    known = f"list_filter(range(1, len({_S}.e) + 1), lambda i: NOT {missing(f'{_S}.e[i]')})"
    ints = f"len(list_filter({_S}.k, lambda i: json_type({_S}.e[i]) NOT IN ('BIGINT', 'UBIGINT'))) = 0"
    with_known = _let({"e": f"{_S}.e", "k": known}, _let({"e": f"{t}.e", "k": f"{t}.k", "ints": ints.replace(_S, t)}, body, t), t)
    return _json(_let({"e": elems}, with_known))


scalar("series_fill_linear", "any any? bool? any?", "dynamic", _fill_linear)

# ---------------------------------------------------------------- filters and seasonality


def _iir(a: Sequence[Arg]) -> str:
    """y[i] = (b0 x[i] + b1 x[i-1] + ... - a1 y[i-1] - a2 y[i-2] - ...) / a0, points before the start being 0."""
    x = _series(a[0], "series_iir")
    b, den = _series(a[1], "series_iir", 2), _series(a[2], "series_iir", 3)
    t = "__kq_t"
    feed = (f"COALESCE(list_sum(list_transform(range(1, len({t}.b) + 1), lambda k: CASE WHEN i - k + 1 >= 1 "
            f"THEN {t}.b[k] * {t}.x[i - k + 1] ELSE 0 END)), 0)")
    back = (f"COALESCE(list_sum(list_transform(range(2, len({t}.a) + 1), lambda k: CASE WHEN i - k + 1 >= 1 "
            f"THEN {t}.a[k] * {_ACC}[i - k + 1] ELSE 0 END)), 0)")
    step = f"list_append({_ACC}, ({feed} - {back}) / {t}.a[1])"
    body = f"list_reduce(range(1, len({t}.x) + 1), lambda {_ACC}, i: {step}, []::DOUBLE[])"
    return _json(_let({"x": x, "b": b, "a": den}, body, t))


scalar("series_iir", "any any any", "dynamic", _iir)


def _fir(a: Sequence[Arg]) -> str:
    """y[i] = sum over k of c[k] x[i - k] (x outside the series is 0); normalize divides c by its sum (the
    default unless c has a negative coefficient, then null when asked for); center shifts the window forward
    by (len(c) - 1) / 2 so that it is centred on i."""
    x = _series(a[0], "series_fir")
    coeffs = _series(a[1], "series_fir", 2)
    t = "__kq_t"
    negative = f"len(list_filter({_S}.c, lambda {_E}: {_E} < 0)) > 0"
    normalize = a[2].sql if len(a) > 2 else f"NOT ({negative})"
    center = a[3].sql if len(a) > 3 else "false"
    shift = f"CASE WHEN {center} THEN (len({t}.c) - 1) // 2 ELSE 0 END"
    window = (f"list_sum(list_transform(range(1, len({t}.c) + 1), lambda k: CASE WHEN i - k + 1 + {shift} BETWEEN 1 "
              f"AND len({t}.x) THEN {t}.c[k] * {t}.x[i - k + 1 + {shift}] ELSE 0 END))")
    body = f"list_transform(range(1, len({t}.x) + 1), lambda i: {window})"
    scaled = (f"CASE WHEN NOT ({normalize}) THEN {_S}.c WHEN {negative} THEN NULL "
              f"ELSE list_transform({_S}.c, lambda {_E}: {_E} / list_sum({_S}.c)) END")
    return _json(_let({"x": x, "c": coeffs}, _let({"x": f"{_S}.x", "c": scaled}, f"CASE WHEN {t}.c IS NOT NULL THEN {body} END", t)))


scalar("series_fir", "any any bool? bool?", "dynamic", _fir)


def _seasonal(a: Sequence[Arg]) -> str:
    """The median of the values at the same place in each period, repeated over the series."""
    x = _series(a[0], "series_seasonal")
    if len(a) > 1 and a[1].type not in ("int", "long"):
        raise KqlTypeError(f"the period of series_seasonal() must be an integer, not {a[1].type}")
    if len(a) != 2 or not (a[1].is_const and a[1].value is not None and a[1].value > 0):
        # -1 detects the period; also test_points and a period read from a column
        from .series_decompose import automatic_seasonal

        return automatic_seasonal(a)
    p = f"CAST({a[1].sql} AS BIGINT)"
    t = "__kq_t"
    medians = (f"list_transform(range(0, {p}), lambda j: list_median(list_filter({_S}.x, lambda {_E}, i: "
               f"(i - 1) % {p} = j)))")
    body = f"list_transform({t}.x, lambda {_E}, i: CAST({t}.m[((i - 1) % {p}) + 1] AS DOUBLE))"
    return _json(_let({"x": x}, _let({"x": f"{_S}.x", "m": medians}, body, t)))


scalar("series_seasonal", "any any? any?", "dynamic", _seasonal)
