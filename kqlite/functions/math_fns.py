"""Math scalar functions: arithmetic, logarithms, trigonometry, bits, rounding and bins.

Kusto computes reals as .NET doubles: out-of-domain arguments give NaN or infinities rather than
errors, except where the reference page says null (log/sqrt of values out of range).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import KqlTypeError
from .registry import Arg, numeric_result, same, scalar

_NUMBERS = ("int", "long", "real", "decimal")


def _real(a: Arg) -> str:
    return f"CAST({a.sql} AS DOUBLE)"


# ---------------------------------------------------------------- basic

scalar("abs", "quantity", same(0), "abs({0})")
scalar("sign", "number", same(0), "sign({0})")
scalar("pi", "", "real", "pi()")
scalar("sqrt", "number", "real", lambda a: f"CASE WHEN {a[0].sql} >= 0 THEN sqrt({_real(a[0])}) END")
scalar("exp", "number", "real", lambda a: f"exp({_real(a[0])})")
scalar("exp2", "number", "real", lambda a: f"pow(2.0, {_real(a[0])})")
scalar("exp10", "number", "real", lambda a: f"pow(10.0, {_real(a[0])})")
scalar("log", "number", "real", lambda a: f"CASE WHEN {a[0].sql} > 0 THEN ln({_real(a[0])}) END")
scalar("log2", "number", "real", lambda a: f"CASE WHEN {a[0].sql} > 0 THEN log2({_real(a[0])}) END")
scalar("log10", "number", "real", lambda a: f"CASE WHEN {a[0].sql} > 0 THEN log10({_real(a[0])}) END")
scalar("pow", "number number", "real", lambda a: f"pow({_real(a[0])}, {_real(a[1])})")
scalar("gamma", "number", "real", lambda a: f"gamma({_real(a[0])})")
scalar("loggamma", "number", "real", lambda a: f"lgamma({_real(a[0])})")
scalar("isnan", "number", "bool", lambda a: f"isnan({_real(a[0])})")
scalar("isinf", "number", "bool", lambda a: f"isinf({_real(a[0])})")
scalar("isfinite", "number", "bool", lambda a: f"isfinite({_real(a[0])})")
scalar("rand", "integer?", "real",
       lambda a: f"CAST(floor(random() * ({a[0].sql})) AS DOUBLE)" if a else "random()",
       notes="not reproducible across runs (DuckDB's random())")


def _round(a: Sequence[Arg]) -> str:
    digits = f"CAST({a[1].sql} AS INTEGER)" if len(a) > 1 else "0"
    if a[0].type == "real":
        return f"round({a[0].sql}, {digits})"
    return f"CAST(round({a[0].sql}, {digits}) AS {_SQL_NUM[a[0].type]})"


_SQL_NUM = {"int": "INTEGER", "long": "BIGINT", "decimal": "DECIMAL(38,6)", "real": "DOUBLE"}


def _round_type(types: Sequence[str]) -> str:
    return types[0] if types[0] in _NUMBERS else "real"


scalar("round", "number integer?", _round_type, _round)
scalar("ceiling", "number", same(0), "ceil({0})")

# ---------------------------------------------------------------- trigonometry

# DuckDB already returns NaN outside acos/asin's domain and +-inf for cot(0), as .NET does
for _name in ("acos", "asin", "atan", "cos", "sin", "tan", "cot", "degrees", "radians"):
    scalar(_name, "number", "real", (lambda fn: lambda a: f"{fn}({_real(a[0])})")(_name))
scalar("atan2", "number number", "real", lambda a: f"atan2({_real(a[0])}, {_real(a[1])})")

# ---------------------------------------------------------------- min_of / max_of


def _extreme_type(types: Sequence[str]) -> str:
    known = list(dict.fromkeys(types))
    if len(known) == 1:
        return known[0]
    if all(t in _NUMBERS for t in known):
        return numeric_result(known)
    raise KqlTypeError("min_of()/max_of() need arguments of one type: got " + ", ".join(known))


def _extreme(sql_fn: str):
    # DuckDB's least/greatest skip nulls and are null only when all are: Kusto's rule too
    return lambda a: f"{sql_fn}(" + ", ".join(x.sql for x in a) + ")"


scalar("min_of", "any any any*", _extreme_type, _extreme("least"))
scalar("max_of", "any any any*", _extreme_type, _extreme("greatest"))

# ---------------------------------------------------------------- bits (64-bit two's complement, as .NET long)

scalar("binary_and", "integer integer", "long", "CAST(({0}) & ({1}) AS BIGINT)")
scalar("binary_or", "integer integer", "long", "CAST(({0}) | ({1}) AS BIGINT)")
scalar("binary_xor", "integer integer", "long", "xor(CAST({0} AS BIGINT), CAST({1} AS BIGINT))")
scalar("binary_not", "integer", "long", "CAST(~CAST({0} AS BIGINT) AS BIGINT)")
scalar("bitset_count_ones", "integer", "long", "CAST(bit_count(CAST({0} AS BIGINT)) AS BIGINT)")

_U64 = "18446744073709551615"


def _shift_left(a: Sequence[Arg]) -> str:
    # .NET masks the count to 0..63 and drops bits shifted past bit 63; DuckDB's << raises on overflow,
    # so shift the unsigned 64-bit pattern in a HUGEINT, mask, and read it back as signed
    bits = f"(CAST({a[0].sql} AS HUGEINT) & {_U64})"
    shifted = f"((({bits}) << CAST(({a[1].sql}) & 63 AS INTEGER)) & {_U64})"
    return f"CAST(CASE WHEN {shifted} >= 9223372036854775808 THEN {shifted} - 18446744073709551616 ELSE {shifted} END AS BIGINT)"


scalar("binary_shift_left", "integer integer", "long", _shift_left)
scalar("binary_shift_right", "integer integer", "long",
       "CAST(CAST({0} AS BIGINT) >> CAST(({1}) & 63 AS INTEGER) AS BIGINT)")

# ---------------------------------------------------------------- bin / floor / bin_at

_TRUNC_UNITS = {10_000_000: "second", 600_000_000: "minute", 36_000_000_000: "hour", 864_000_000_000: "day"}


def _floor_multiple(x: str, size: str, sql_type: str | None) -> str:
    if sql_type in ("BIGINT", "INTEGER"):
        # exact integer arithmetic (ticks exceed a double's 53 bits); % keeps the dividend's sign
        return f"CAST(({x}) - ((({x}) % ({size})) + ({size})) % ({size}) AS {sql_type})"
    value = f"floor(({x}) / ({size})) * ({size})"
    return f"CAST({value} AS {sql_type})" if sql_type else value


def _bin(a: Sequence[Arg]) -> str:
    x, size = a[0], a[1]
    if not (size.is_const and isinstance(size.value, int | float) and size.value > 0):
        checked = _bin([x, Arg(size.sql, size.type, 1, True)])
        return f"CASE WHEN ({size.sql}) > 0 THEN {checked} END"
    if x.type == "datetime":
        unit = _TRUNC_UNITS.get(size.value) if size.is_const and isinstance(size.value, int) else None
        if unit:  # whole units: date_trunc is DuckDB's fastest path and agrees with Kusto's bins
            return f"date_trunc('{unit}', {x.sql})"
        return f"kq_bin_datetime({x.sql}, CAST(({size.sql}) // 10 AS BIGINT))"
    if x.type == "timespan":
        return _floor_multiple(x.sql, size.sql, "BIGINT")
    if x.type in ("int", "long") and size.type in ("int", "long"):
        return _floor_multiple(x.sql, size.sql, _SQL_NUM[x.type])
    if x.type == "decimal" and size.type != "real":
        return _floor_multiple(x.sql, size.sql, _SQL_NUM["decimal"])
    return _floor_multiple(f"CAST({x.sql} AS DOUBLE)", size.sql, None)


def _bin_type(types: Sequence[str]) -> str:
    """bin(value, size): numbers by numbers, datetimes and timespans by timespans."""
    value, size = types[0], types[1]
    if len(types) > 2 and types[2] != value and not (types[2] in _NUMBERS and value in _NUMBERS):
        raise KqlTypeError(f"bin_at's fixed point must be {value} like the value, not {types[2]}")
    if value in _NUMBERS and size in _NUMBERS:
        if len(types) > 2:  # bin_at: a fractional size or fixed point makes the bins fractional too
            return "real" if "real" in types else "decimal" if "decimal" in types else value
        return "real" if "real" in (value, size) else value
    if value in ("datetime", "timespan") and size == "timespan":
        return value
    raise KqlTypeError(f"cannot bin a {value} by a {size}: numbers bin by numbers, datetimes and timespans by "
                       "timespans")


scalar("bin", "any any", _bin_type, _bin, aliases=("floor",))


def _bin_at(a: Sequence[Arg]) -> str:
    x, size, origin = a
    if x.type == "datetime":
        binned = f"kq_bin_datetime_at({x.sql}, CAST(({size.sql}) // 10 AS BIGINT), {origin.sql})"
    else:
        rtype = _bin_type([x.type, size.type, origin.type])
        sql_type = None if rtype == "real" else ("BIGINT" if rtype == "timespan" else _SQL_NUM[rtype])
        binned = f"({_floor_multiple(f'({x.sql}) - ({origin.sql})', size.sql, sql_type)} + ({origin.sql}))"
    return f"CASE WHEN ({size.sql}) > 0 THEN {binned} END"


scalar("bin_at", "any any any", _bin_type, _bin_at)

# ---------------------------------------------------------------- distributions


def _beta_pdf(a: Sequence[Arg]) -> str:
    x, alpha, beta = (_real(v) for v in a)
    log_density = (f"(({alpha}) - 1) * ln({x}) + (({beta}) - 1) * ln(1 - ({x})) "
                   f"+ lgamma(({alpha}) + ({beta})) - lgamma({alpha}) - lgamma({beta})")
    # outside 0 < x < 1 or with a non-positive shape Kusto answers NaN rather than null
    return (f"CASE WHEN {x} IS NULL OR {alpha} IS NULL OR {beta} IS NULL THEN NULL "
            f"WHEN {x} <= 0 OR {x} >= 1 OR {alpha} <= 0 OR {beta} <= 0 THEN CAST('NaN' AS DOUBLE) "
            f"ELSE exp({log_density}) END")


scalar("beta_pdf", "number number number", "real", _beta_pdf)

# ---------------------------------------------------------------- around


def _around_type(types: Sequence[str]) -> str:
    """around(value, center, delta): numbers with a number delta, datetimes or timespans with a timespan delta."""
    value, center, delta = types
    numbers = value in _NUMBERS and center in _NUMBERS and delta in _NUMBERS
    times = value == center and value in ("datetime", "timespan") and delta == "timespan"
    if not (numbers or times):
        raise KqlTypeError(f"around() needs numbers with a number delta, or datetimes or timespans with a timespan "
                           f"delta: got {value}, {center}, {delta}")
    return "bool"


def _around(a: Sequence[Arg]) -> str:
    value, center, delta = a
    if value.type == "datetime":
        # a timespan is ticks (100 ns); datetimes count microseconds
        width = f"to_microseconds(CAST(({delta.sql}) // 10 AS BIGINT))"
        return f"({value.sql} BETWEEN {center.sql} - {width} AND {center.sql} + {width})"
    if value.type == "timespan":
        return f"({value.sql} BETWEEN ({center.sql}) - ({delta.sql}) AND ({center.sql}) + ({delta.sql}))"
    v, c, d = (_real(x) for x in a)
    return f"({v} BETWEEN {c} - {d} AND {c} + {d})"


scalar("around", "any any any", _around_type, _around)
