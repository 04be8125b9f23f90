"""Scalar functions: name -> parameter kinds, result type, DuckDB SQL.

Templates use {0}, {1}... for the compiled arguments; callables get the `Arg` list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import KqlTypeError
from ..sql.quote import quote_string
from . import convert
from .registry import Arg, numeric_result, same, scalar

# ---------------------------------------------------------------- conversion


def _conv(dst: str):
    return lambda a: convert.convert(a[0].sql, a[0].type, dst)


scalar("tostring", "any", "string", _conv("string"))
scalar("toint", "any", "int", _conv("int"))
scalar("tolong", "any", "long", _conv("long"))
scalar("todouble", "any", "real", _conv("real"), aliases=("toreal",))
scalar("todecimal", "any", "decimal", _conv("decimal"))
scalar("tobool", "any", "bool", _conv("bool"), aliases=("toboolean",))
scalar("todatetime", "any", "datetime", _conv("datetime"))
scalar("totimespan", "any", "timespan", _conv("timespan"), aliases=("totime",))
scalar("toguid", "any", "guid", _conv("guid"))


def _parse_json(a: Sequence[Arg]) -> str:
    x = a[0]
    if x.type == "dynamic":
        return x.sql
    if x.type != "string":
        return convert.to_dynamic(x.sql, x.type)
    return (f"CASE WHEN {x.sql} = '' THEN CAST(NULL AS JSON) WHEN json_valid({x.sql}) THEN CAST({x.sql} AS JSON)"
            f" ELSE CAST(to_json({x.sql}) AS JSON) END")


scalar("parse_json", "any", "dynamic", _parse_json, aliases=("todynamic",))

# ---------------------------------------------------------------- logic and nulls


def _unify(types: Sequence[str]) -> str:
    """The common type of the branches of iff/case/coalesce."""
    known = [t for t in types if t]
    if not known:
        return "string"
    if all(t == known[0] for t in known):
        return known[0]
    nums = [t for t in known if t in ("int", "long", "real", "decimal")]
    if len(nums) == len(known):
        return numeric_result(nums)
    raise KqlTypeError("the branches have different types: " + ", ".join(dict.fromkeys(known)))


def _iff(a: Sequence[Arg]) -> str:
    return f"CASE WHEN {a[0].sql} THEN {a[1].sql} ELSE {a[2].sql} END"


scalar("iff", "bool any any", lambda t: _unify(t[1:]), _iff, aliases=("iif",))


def _case(a: Sequence[Arg]) -> str:
    if len(a) % 2 == 0:
        raise KqlTypeError("case() takes pairs of predicate and value, then an else value")
    whens = " ".join(f"WHEN {a[i].sql} THEN {a[i + 1].sql}" for i in range(0, len(a) - 1, 2))
    return f"CASE {whens} ELSE {a[-1].sql} END"


scalar("case", "bool any any*", lambda t: _unify([t[i] for i in range(1, len(t) - 1, 2)] + [t[-1]]), _case)
scalar("coalesce", "any any*", lambda t: _unify(t),
       lambda a: "COALESCE(" + ", ".join(f"NULLIF({x.sql}, '')" if x.type == "string" else x.sql
                                         for x in a) + (", '')" if a[0].type == "string" else ")"))


def _isnull(a: Sequence[Arg]) -> str:
    return "FALSE" if a[0].type == "string" else f"({a[0].sql} IS NULL)"


def _isempty(a: Sequence[Arg]) -> str:
    x = a[0]
    if x.type == "string":
        return f"({x.sql} = '')"
    if x.type == "dynamic":
        return f"({x.sql} IS NULL OR json_type({x.sql}) = 'NULL' OR json_extract_string({x.sql}, '$') = '')"
    return f"({x.sql} IS NULL)"


scalar("isnull", "any", "bool", _isnull)
scalar("isnotnull", "any", "bool", lambda a: f"(NOT {_isnull(a)})")
scalar("isempty", "any", "bool", _isempty)
scalar("isnotempty", "any", "bool", lambda a: f"(NOT {_isempty(a)})", aliases=("notempty",))
scalar("not", "bool", "bool", "(NOT {0})")
scalar("isnan", "number", "bool", "isnan(CAST({0} AS DOUBLE))")
scalar("isinf", "number", "bool", "isinf(CAST({0} AS DOUBLE))")
scalar("isfinite", "number", "bool", "isfinite(CAST({0} AS DOUBLE))")

# ---------------------------------------------------------------- strings

scalar("strcat", "string string*", "string", lambda a: "concat(" + ", ".join(x.sql for x in a) + ")")
scalar("strcat_delim", "string string string*", "string",
       lambda a: "concat_ws(" + ", ".join(x.sql for x in a) + ")")
scalar("strlen", "string", "long", "CAST(length({0}) AS BIGINT)")
scalar("tolower", "string", "string", "lower({0})")
scalar("toupper", "string", "string", "upper({0})")
scalar("reverse", "string", "string", "reverse({0})")
scalar("strcmp", "string string", "int", "CAST(sign(CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 ELSE 0 END) AS INTEGER)")


def _substring(a: Sequence[Arg]) -> str:
    s = a[0].sql
    start = f"(CASE WHEN ({a[1].sql}) < 0 THEN greatest(length({s}) + ({a[1].sql}), 0) ELSE ({a[1].sql}) END)"
    begin = f"{start} + 1"
    if len(a) > 2:
        return f"COALESCE(substring({s}, {begin}, greatest({a[2].sql}, 0)), '')"
    return f"COALESCE(substring({s}, {begin}), '')"


scalar("substring", "string integer integer?", "string", _substring)


def _trim_regex(side: str):
    def build(a: Sequence[Arg]) -> str:
        pattern = a[0].sql
        lead = f"'^(?:' || {pattern} || ')+'"
        trail = f"'(?:' || {pattern} || ')+$'"
        if side == "start":
            return f"regexp_replace({a[1].sql}, {lead}, '')"
        if side == "end":
            return f"regexp_replace({a[1].sql}, {trail}, '')"
        return f"regexp_replace(regexp_replace({a[1].sql}, {lead}, ''), {trail}, '')"
    return build


scalar("trim", "string string", "string", _trim_regex("both"))
scalar("trim_start", "string string", "string", _trim_regex("start"))
scalar("trim_end", "string string", "string", _trim_regex("end"))


def _split(a: Sequence[Arg]) -> str:
    parts = f"string_split({a[0].sql}, {a[1].sql})"
    if len(a) > 2:
        return (f"CASE WHEN ({a[2].sql}) >= 0 AND ({a[2].sql}) < len({parts}) "
                f"THEN CAST(to_json([{parts}[({a[2].sql}) + 1]]) AS JSON) ELSE CAST('[]' AS JSON) END")
    return f"CAST(to_json({parts}) AS JSON)"


scalar("split", "string string integer?", "dynamic", _split)
scalar("replace_string", "string string string", "string", "replace({0}, {1}, {2})")
scalar("replace", "string string string", "string", "regexp_replace({2}, {0}, {1}, 'g')",
       notes="legacy form replace(regex, rewrite, text)")


# RE2 rewrite syntax (\1) is the same in Kusto and DuckDB, so the rewrite passes through as it is
scalar("replace_regex", "string string string", "string",
       lambda a: f"regexp_replace({a[0].sql}, {a[1].sql}, {a[2].sql}, 'g')")


def _regex_groups(pattern: Arg) -> int:
    if not pattern.is_const:
        return 1
    try:
        return re.compile(str(pattern.value)).groups
    except re.error:
        return 1


def _extract(a: Sequence[Arg], **_) -> str:
    text = f"regexp_extract({a[2].sql}, {a[0].sql}, CAST({a[1].sql} AS INTEGER))"
    matched = f"regexp_matches({a[2].sql}, {a[0].sql})"
    if len(a) > 3:
        target = a[3].value if a[3].is_const else "string"
        if target != "string":
            return convert.convert(f"CASE WHEN {matched} THEN {text} END", "string", target)
    return f"CASE WHEN {matched} THEN {text} ELSE '' END"


scalar("extract", "string integer string const?", "string", _extract)


def _extract_all(a: Sequence[Arg], **_) -> str:
    pattern, text = (a[0], a[-1])
    if not (pattern.is_const and pattern.type == "string"):
        raise KqlTypeError("extract_all() needs the regular expression as a constant string")
    groups = _regex_groups(pattern)
    if groups > 1:
        names = ", ".join(f"regexp_extract_all({text.sql}, {pattern.sql}, {g})" for g in range(1, groups + 1))
        return (f"CASE WHEN len(regexp_extract_all({text.sql}, {pattern.sql})) = 0 THEN CAST(NULL AS JSON) "
                f"ELSE CAST(to_json(list_zip({names})) AS JSON) END")
    g = 1 if groups == 1 else 0
    return (f"CASE WHEN len(regexp_extract_all({text.sql}, {pattern.sql}, {g})) = 0 THEN CAST(NULL AS JSON) "
            f"ELSE CAST(to_json(regexp_extract_all({text.sql}, {pattern.sql}, {g})) AS JSON) END")


scalar("extract_all", "string string", "dynamic", _extract_all)


def _indexof(a: Sequence[Arg]) -> str:
    s, needle = a[0].sql, a[1].sql
    if len(a) == 2:
        return f"CAST(strpos({s}, {needle}) - 1 AS BIGINT)"
    start = a[2].sql
    window = f"substring({s}, ({start}) + 1)"
    if len(a) > 3:
        window = (f"CASE WHEN ({a[3].sql}) < 0 THEN substring({s}, ({start}) + 1) "
                  f"ELSE substring({s}, ({start}) + 1, {a[3].sql}) END")
    if len(a) > 4:
        positions = (f"list_filter(range(1, length({window}) - length({needle}) + 2), "
                     f"lambda i: substring({window}, i, length({needle})) = {needle})")
        occurrence = a[4].sql
        return (f"CAST(CASE WHEN ({start}) > length({s}) THEN -1 WHEN len({positions}) >= ({occurrence}) "
                f"THEN {positions}[{occurrence}] + ({start}) - 1 ELSE -1 END AS BIGINT)")
    pos = f"strpos({window}, {needle})"
    return f"CAST(CASE WHEN ({start}) > length({s}) THEN -1 WHEN {pos} = 0 THEN -1 ELSE {pos} + ({start}) - 1 END AS BIGINT)"


scalar("indexof", "string string integer? integer? integer?", "long", _indexof)


def _countof(a: Sequence[Arg]) -> str:
    s, needle = a[0].sql, a[1].sql
    if len(a) > 2 and a[2].is_const and str(a[2].value) == "regex":
        return f"CAST(len(regexp_extract_all({s}, {needle})) AS BIGINT)"
    return (f"CAST(CASE WHEN length({needle}) = 0 THEN 0 ELSE len(list_filter(range(1, length({s}) - length({needle}) + 2), "
            f"lambda i: substring({s}, i, length({needle})) = {needle})) END AS BIGINT)")


scalar("countof", "string string const?", "long", _countof)
scalar("strrep", "string integer string?", "string",
       lambda a: (f"CASE WHEN ({a[1].sql}) <= 0 THEN '' ELSE repeat({a[0].sql} || {a[2].sql}, ({a[1].sql}) - 1) || {a[0].sql} END"
                  if len(a) > 2 else f"repeat({a[0].sql}, greatest({a[1].sql}, 0))"))
scalar("hash_sha256", "string", "string", "sha256({0})")
scalar("hash_md5", "string", "string", "md5({0})")
scalar("parse_version", "string", "decimal", "kq_parse_version({0})")
scalar("ipv4_is_private", "string", "bool", "kq_ipv4_is_private({0})")
scalar("ipv4_is_in_range", "string string", "bool", "kq_ipv4_in_range({0}, {1})")
scalar("gettype", "any", "string",
       lambda a: f"kq_json_type({a[0].sql})" if a[0].type == "dynamic" else quote_string(a[0].type))

# ---------------------------------------------------------------- math

scalar("abs", "quantity", same(0), "abs({0})")
scalar("sqrt", "number", "real", "CASE WHEN {0} >= 0 THEN sqrt({0}) END")
scalar("exp", "number", "real", "exp({0})")
scalar("exp2", "number", "real", "pow(2, {0})")
scalar("exp10", "number", "real", "pow(10, {0})")
scalar("log", "number", "real", "CASE WHEN {0} > 0 THEN ln({0}) END")
scalar("log2", "number", "real", "CASE WHEN {0} > 0 THEN log2({0}) END")
scalar("log10", "number", "real", "CASE WHEN {0} > 0 THEN log10({0}) END")
scalar("pow", "number number", "real", "pow(CAST({0} AS DOUBLE), {1})")
scalar("sign", "number", same(0), "sign({0})")
scalar("pi", "", "real", "pi()")
scalar("ceiling", "number", same(0), "ceil({0})")
scalar("round", "number integer?", "real",
       lambda a: f"round(CAST({a[0].sql} AS DOUBLE), CAST({a[1].sql if len(a) > 1 else 0} AS INTEGER))")
scalar("min_of", "any any any*", lambda t: _unify(t), lambda a: "least(" + ", ".join(x.sql for x in a) + ")")
scalar("max_of", "any any any*", lambda t: _unify(t), lambda a: "greatest(" + ", ".join(x.sql for x in a) + ")")
scalar("rand", "integer?", "real", lambda a: f"floor(random() * {a[0].sql})" if a else "random()")

# ---------------------------------------------------------------- bin / floor


_TRUNC_UNITS = {10_000_000: "second", 600_000_000: "minute", 36_000_000_000: "hour", 864_000_000_000: "day"}


def _bin(a: Sequence[Arg]) -> str:
    x, size = a[0], a[1]
    if not (size.is_const and size.value is not None and size.value > 0):
        checked = _bin([x, Arg(size.sql, size.type, 1, True)])
        return f"CASE WHEN ({size.sql}) > 0 THEN {checked} END"
    if x.type == "datetime":
        unit = _TRUNC_UNITS.get(size.value) if size.is_const else None
        if unit:  # whole units: date_trunc is DuckDB's fastest path and agrees with Kusto's bins
            return f"date_trunc('{unit}', {x.sql})"
        return f"kq_bin_datetime({x.sql}, CAST(({size.sql}) // 10 AS BIGINT))"
    if x.type == "timespan":
        return f"CAST(floor(({x.sql}) / ({size.sql})) * ({size.sql}) AS BIGINT)"
    if x.type in ("int", "long"):
        return f"CAST(floor(({x.sql}) / ({size.sql})) * ({size.sql}) AS {'BIGINT' if x.type == 'long' else 'INTEGER'})"
    return f"floor(({x.sql}) / ({size.sql})) * ({size.sql})"


_NUMBERS = ("int", "long", "real", "decimal")


def _bin_type(types: Sequence[str]) -> str:
    """bin(value, size): numbers by numbers, datetimes and timespans by timespans."""
    value, size = types[0], types[1]
    if len(types) > 2 and types[2] != value and not (types[2] in _NUMBERS and value in _NUMBERS):
        raise KqlTypeError(f"bin_at's fixed point must be {value} like the value, not {types[2]}")
    if value in _NUMBERS and size in _NUMBERS:
        return "real" if "real" in (value, size) else value
    if value in ("datetime", "timespan") and size == "timespan":
        return value
    raise KqlTypeError(f"cannot bin a {value} by a {size}: numbers bin by numbers, datetimes and timespans by "
                       "timespans")


scalar("bin", "any any", _bin_type, _bin, aliases=("floor",))


def _bin_at(a: Sequence[Arg]) -> str:
    x, size, origin = a
    if x.type == "datetime":
        return f"kq_bin_datetime_at({x.sql}, CAST(({size.sql}) // 10 AS BIGINT), {origin.sql})"
    return f"(floor((({x.sql}) - ({origin.sql})) / ({size.sql})) * ({size.sql}) + ({origin.sql}))"


scalar("bin_at", "any any any", _bin_type, _bin_at)

# ---------------------------------------------------------------- datetime


def _now(a: Sequence[Arg], now_sql: str = "", **_) -> str:
    if a:
        return f"({now_sql} + to_microseconds(CAST(({a[0].sql}) // 10 AS BIGINT)))"
    return now_sql


scalar("now", "timespan?", "datetime", _now)
scalar("ago", "timespan", "datetime",
       lambda a, now_sql="", **_: f"({now_sql} - to_microseconds(CAST(({a[0].sql}) // 10 AS BIGINT)))")


def _offset(unit: str):
    def build(a: Sequence[Arg]) -> str:
        base = {"day": f"date_trunc('day', {a[0].sql})",
                "week": f"(date_trunc('day', {a[0].sql}) - to_days(CAST(dayofweek({a[0].sql}) AS INTEGER)))",
                "month": f"date_trunc('month', {a[0].sql})",
                "year": f"date_trunc('year', {a[0].sql})"}[unit]
        if len(a) > 1:
            step = {"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}[unit]
            return f"CAST({base} + {step}(CAST({a[1].sql} AS INTEGER)) AS TIMESTAMP)"
        return f"CAST({base} AS TIMESTAMP)"
    return build


def _end(unit: str):
    start = _offset(unit)
    step = {"day": "to_days(1)", "week": "to_days(7)", "month": "to_months(1)", "year": "to_years(1)"}[unit]
    return lambda a: f"CAST({start(a)} + {step} - to_microseconds(1) AS TIMESTAMP)"


for _unit in ("day", "week", "month", "year"):
    scalar(f"startof{_unit}", "datetime integer?", "datetime", _offset(_unit))
    scalar(f"endof{_unit}", "datetime integer?", "datetime", _end(_unit))

scalar("dayofweek", "datetime", "timespan", "CAST(dayofweek({0}) AS BIGINT) * 864000000000")
scalar("dayofmonth", "datetime", "int", "CAST(day({0}) AS INTEGER)")
scalar("dayofyear", "datetime", "int", "CAST(dayofyear({0}) AS INTEGER)")
scalar("hourofday", "datetime", "int", "CAST(hour({0}) AS INTEGER)")
scalar("getyear", "datetime", "int", "CAST(year({0}) AS INTEGER)")
scalar("getmonth", "datetime", "int", "CAST(month({0}) AS INTEGER)", aliases=("monthofyear",))
scalar("weekofyear", "datetime", "int", "CAST(weekofyear({0}) AS INTEGER)", aliases=("week_of_year",))

_PARTS = {
    "year": "year", "quarter": "quarter", "month": "month", "week": "week", "week_of_year": "week", "day": "day",
    "dayofyear": "dayofyear", "hour": "hour", "minute": "minute", "second": "second",
    "millisecond": "millisecond", "microsecond": "microsecond", "nanosecond": "nanosecond",
}


def _part_name(arg: Arg) -> str:
    if not arg.is_const:
        raise KqlTypeError("the date part must be a constant string such as 'day'")
    part = str(arg.value).lower()
    if part not in _PARTS:
        raise KqlTypeError(f"unknown date part '{arg.value}'", hints=["parts: " + ", ".join(_PARTS)])
    return part


def _datetime_part(a: Sequence[Arg]) -> str:
    part = _part_name(a[0])
    if part in ("millisecond", "microsecond", "nanosecond"):
        micros = f"(microsecond({a[1].sql}) % 1000000)"
        return {"millisecond": f"CAST({micros} // 1000 AS INTEGER)", "microsecond": f"CAST({micros} AS INTEGER)",
                "nanosecond": f"CAST({micros} * 1000 AS INTEGER)"}[part]
    return f"CAST(date_part('{_PARTS[part]}', {a[1].sql}) AS INTEGER)"


scalar("datetime_part", "const datetime", "int", _datetime_part)


def _datetime_add(a: Sequence[Arg]) -> str:
    part = _part_name(a[0])
    n = f"CAST({a[1].sql} AS BIGINT)"
    interval = {
        "year": f"to_years(CAST({n} AS INTEGER))", "quarter": f"to_months(CAST({n} * 3 AS INTEGER))",
        "month": f"to_months(CAST({n} AS INTEGER))", "week": f"to_days(CAST({n} * 7 AS INTEGER))",
        "week_of_year": f"to_days(CAST({n} * 7 AS INTEGER))", "day": f"to_days(CAST({n} AS INTEGER))",
        "dayofyear": f"to_days(CAST({n} AS INTEGER))", "hour": f"to_hours({n})", "minute": f"to_minutes({n})",
        "second": f"to_seconds({n})", "millisecond": f"to_milliseconds({n})",
        "microsecond": f"to_microseconds({n})", "nanosecond": f"to_microseconds({n} // 1000)",
    }[part]
    return f"CAST({a[2].sql} + {interval} AS TIMESTAMP)"


scalar("datetime_add", "const integer datetime", "datetime", _datetime_add)


def _datetime_diff(a: Sequence[Arg]) -> str:
    part = _part_name(a[0])
    x, y = a[1].sql, a[2].sql
    if part in ("week", "week_of_year"):
        # Kusto counts Sunday-based week boundaries crossed
        return (f"CAST((epoch_us(date_trunc('day', {x}) - to_days(CAST(dayofweek({x}) AS INTEGER))) - "
                f"epoch_us(date_trunc('day', {y}) - to_days(CAST(dayofweek({y}) AS INTEGER)))) // 604800000000 AS BIGINT)")
    if part in ("millisecond", "microsecond", "nanosecond"):
        if part == "millisecond":
            return f"CAST(floor(epoch_us({x}) / 1000) - floor(epoch_us({y}) / 1000) AS BIGINT)"
        scale = "* 1000" if part == "nanosecond" else ""
        return f"CAST((epoch_us({x}) - epoch_us({y})) {scale} AS BIGINT)"
    return f"CAST(date_diff('{_PARTS[part]}', {y}, {x}) AS BIGINT)"


scalar("datetime_diff", "const datetime datetime", "long", _datetime_diff)
scalar("unixtime_seconds_todatetime", "number", "datetime",
       "make_timestamp(CAST(round(CAST({0} AS DOUBLE) * 1000000) AS BIGINT))")
scalar("unixtime_milliseconds_todatetime", "number", "datetime",
       "make_timestamp(CAST(round(CAST({0} AS DOUBLE) * 1000) AS BIGINT))")
scalar("unixtime_microseconds_todatetime", "number", "datetime", "make_timestamp(CAST({0} AS BIGINT))")
scalar("unixtime_nanoseconds_todatetime", "number", "datetime", "make_timestamp(CAST(({0}) // 1000 AS BIGINT))")
scalar("make_datetime", "integer integer integer integer? integer? number?", "datetime",
       lambda a: "make_timestamp(" + ", ".join([x.sql for x in a[:5]] + ["0"] * (5 - min(len(a), 5)))
       + f", {a[5].sql if len(a) > 5 else 0})")
scalar("make_timespan", "integer integer integer? number?", "timespan",
       lambda a: (f"CAST(({a[0].sql}) * 36000000000 + ({a[1].sql}) * 600000000 AS BIGINT)" if len(a) == 2 else
                  f"CAST(({a[0].sql}) * 864000000000 + ({a[1].sql}) * 36000000000 + ({a[2].sql}) * 600000000"
                  f" + round(({a[3].sql if len(a) > 3 else 0}) * 10000000) AS BIGINT)"))

# .NET custom format specifiers -> strftime, longest first
_DT_FORMAT = [
    ("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("M", "%-m"),
    ("dddd", "%A"), ("ddd", "%a"), ("dd", "%d"), ("d", "%-d"), ("HH", "%H"), ("H", "%-H"), ("hh", "%I"),
    ("h", "%-I"), ("mm", "%M"), ("m", "%-M"), ("ss", "%S"), ("s", "%-S"), ("tt", "%p"),
]


def _format_datetime(a: Sequence[Arg]) -> str:
    if not a[1].is_const:
        raise KqlTypeError("format_datetime() needs a constant format string")
    fmt = str(a[1].value)
    pieces: list[str] = []
    literal = ""
    i = 0
    while i < len(fmt):
        m = re.match(r"f{1,7}|F{1,7}", fmt[i:])
        if m:
            if literal:
                pieces.append(quote_string(literal))
                literal = ""
            n = len(m.group())
            digits = f"lpad(CAST(microsecond({a[0].sql}) % 1000000 AS VARCHAR), 6, '0') || '0'"
            frac = f"substring({digits}, 1, {n})"
            pieces.append(f"rtrim({frac}, '0')" if m.group()[0] == "F" else frac)
            i += n
            continue
        for token, spec in _DT_FORMAT:
            if fmt.startswith(token, i):
                literal += spec
                i += len(token)
                break
        else:
            literal += fmt[i].replace("%", "%%")
            i += 1
    if literal:
        pieces.append(quote_string(literal))
    parts = [p if not p.startswith("'") else f"strftime({a[0].sql}, {p})" for p in pieces]
    return "COALESCE(" + " || ".join(parts) + ", '')" if parts else "''"


scalar("format_datetime", "datetime const", "string", _format_datetime)


def _format_timespan(a: Sequence[Arg]) -> str:
    if not a[1].is_const:
        raise KqlTypeError("format_timespan() needs a constant format string")
    t = f"abs({a[0].sql})"
    fields = {
        "d": f"CAST({t} // 864000000000 AS VARCHAR)",
        "h": f"CAST(({t} // 36000000000) % 24 AS VARCHAR)",
        "m": f"CAST(({t} // 600000000) % 60 AS VARCHAR)",
        "s": f"CAST(({t} // 10000000) % 60 AS VARCHAR)",
        "H": f"CAST(({t} // 36000000000) % 24 AS VARCHAR)",
    }
    fmt = str(a[1].value)
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        j = i
        while j < len(fmt) and fmt[j] == ch:
            j += 1
        run = j - i
        if ch in fields:
            out.append(f"lpad({fields[ch]}, {run}, '0')")
        elif ch in "fF":
            frac = f"substring(lpad(CAST({t} % 10000000 AS VARCHAR), 7, '0'), 1, {run})"
            out.append(frac if ch == "f" else f"rtrim({frac}, '0')")
        elif ch in "'\"":
            end = fmt.find(ch, i + 1)
            end = len(fmt) if end < 0 else end
            out.append(quote_string(fmt[i + 1 : end]))
            j = end + 1
        elif ch == "\\" and i + 1 < len(fmt):
            out.append(quote_string(fmt[i + 1]))
            j = i + 2
        else:
            out.append(quote_string(fmt[i:j]))
        i = j
    sign = f"CASE WHEN {a[0].sql} < 0 THEN '-' ELSE '' END"
    return f"COALESCE({sign} || " + " || ".join(out or ["''"]) + ", '')"


scalar("format_timespan", "timespan const", "string", _format_timespan)

# ---------------------------------------------------------------- dynamic

scalar("array_length", "dynamic", "long",
       "CASE WHEN json_type({0}) = 'ARRAY' THEN CAST(json_array_length({0}) AS BIGINT) END")
scalar("pack_array", "dynamic*", "dynamic",
       lambda a: "CAST(json_array(" + ", ".join(x.sql for x in a) + ") AS JSON)")


def _bag_pack(a: Sequence[Arg]) -> str:
    if len(a) % 2:
        raise KqlTypeError("bag_pack() takes pairs of key and value")
    pairs = [convert.to_string(x.sql, x.type) if i % 2 == 0 else convert.to_dynamic(x.sql, x.type)
             for i, x in enumerate(a)]
    return "CAST(json_object(" + ", ".join(pairs) + ") AS JSON)"


scalar("bag_pack", "any any*", "dynamic", _bag_pack, aliases=("pack", "pack_dictionary"))
scalar("bag_keys", "dynamic", "dynamic",
       "CASE WHEN json_type({0}) = 'OBJECT' THEN CAST(to_json(json_keys({0})) AS JSON) END")
scalar("bag_has_key", "dynamic string", "bool",
       "CASE WHEN json_type({0}) = 'OBJECT' THEN list_contains(json_keys({0}), {1}) ELSE FALSE END")
scalar("set_has_element", "dynamic dynamic", "bool",
       "list_contains(CAST(json_extract({0}, '$[*]') AS VARCHAR[]), CAST({1} AS VARCHAR))")
scalar("array_concat", "dynamic dynamic*", "dynamic",
       lambda a: "CAST(to_json(list_concat(" + ", ".join(f"CAST(json_extract({x.sql}, '$[*]') AS JSON[])" for x in a)
       + ")) AS JSON)")
scalar("array_index_of", "dynamic dynamic", "long",
       "CAST(list_position(CAST(json_extract({0}, '$[*]') AS VARCHAR[]), CAST({1} AS VARCHAR)) AS BIGINT) - 1")
scalar("array_sum", "dynamic", "real",
       "list_sum(list_transform(CAST(json_extract({0}, '$[*]') AS VARCHAR[]), lambda v: TRY_CAST(v AS DOUBLE)))")


def _array_slice(a: Sequence[Arg]) -> str:
    arr = f"CAST(json_extract({a[0].sql}, '$[*]') AS JSON[])"
    n = f"len({arr})"
    start = f"(CASE WHEN ({a[1].sql}) < 0 THEN ({a[1].sql}) + {n} ELSE ({a[1].sql}) END)"
    end = f"(CASE WHEN ({a[2].sql}) < 0 THEN ({a[2].sql}) + {n} ELSE ({a[2].sql}) END)"
    return f"CAST(to_json(list_slice({arr}, {start} + 1, {end} + 1)) AS JSON)"


scalar("array_slice", "dynamic integer integer", "dynamic", _array_slice)
scalar("array_sort_asc", "dynamic", "dynamic",
       "CAST(to_json(list_sort(CAST(json_extract({0}, '$[*]') AS JSON[]))) AS JSON)")
scalar("array_sort_desc", "dynamic", "dynamic",
       "CAST(to_json(list_reverse_sort(CAST(json_extract({0}, '$[*]') AS JSON[]))) AS JSON)")


def _range(a: Sequence[Arg]) -> str:
    step = a[2].sql if len(a) > 2 else "1"
    start, stop = a[0], a[1]
    if start.type == "datetime":
        return (f"CAST(to_json(list_transform(range(0, CAST((epoch_us({stop.sql}) - epoch_us({start.sql})) * 10 // ({step}) AS BIGINT) + 1), "
                f"lambda i: kq_datetime_str({start.sql} + to_microseconds(CAST(i * ({step}) // 10 AS BIGINT))))) AS JSON)")
    return (f"CAST(to_json(list_transform(range(0, CAST(floor((({stop.sql}) - ({start.sql})) / ({step})) AS BIGINT) + 1), "
            f"lambda i: ({start.sql}) + i * ({step}))) AS JSON)")


def _range_type(types: Sequence[str]) -> str:
    start, stop = types[0], types[1]
    step = types[2] if len(types) > 2 else "long"
    same_kind = (start in _NUMBERS and stop in _NUMBERS) or start == stop
    if same_kind and start in _NUMBERS and step in _NUMBERS:
        return "dynamic"
    if same_kind and start in ("datetime", "timespan") and step == "timespan" and len(types) > 2:
        return "dynamic"
    raise KqlTypeError(f"range() needs numeric bounds and step, or datetime/timespan bounds and a timespan step; "
                       f"got {', '.join(types)}")


scalar("range", "any any any?", _range_type, _range)
