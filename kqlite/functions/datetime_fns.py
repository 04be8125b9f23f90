"""Datetime and timespan scalar functions.

Storage: datetime is a DuckDB TIMESTAMP (UTC, microseconds), timespan is BIGINT ticks of 100 ns.
Kusto keeps 100 ns ticks in datetimes; here the seventh fractional digit of a datetime is always 0.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from ..errors import KqlTypeError
from ..sql.quote import quote_string
from .registry import Arg, scalar

TICKS_PER_US = 10

# ---------------------------------------------------------------- now / ago


def _micros(ticks_sql: str) -> str:
    """A timespan (ticks) as a DuckDB INTERVAL."""
    return f"to_microseconds(CAST(({ticks_sql}) // {TICKS_PER_US} AS BIGINT))"


def _now(a: Sequence[Arg], now_sql: str = "", **_) -> str:
    return f"({now_sql} + {_micros(a[0].sql)})" if a else now_sql


scalar("now", "timespan?", "datetime", _now)
scalar("ago", "timespan", "datetime", lambda a, now_sql="", **_: f"({now_sql} - {_micros(a[0].sql)})")

# ---------------------------------------------------------------- startof / endof


def _period_start(unit: str, a: Sequence[Arg]) -> str:
    x = a[0].sql
    base = {"day": f"date_trunc('day', {x})",
            # Kusto's weeks start on Sunday; DuckDB's dayofweek counts from Sunday = 0
            "week": f"(date_trunc('day', {x}) - to_days(CAST(dayofweek({x}) AS INTEGER)))",
            "month": f"date_trunc('month', {x})",
            "year": f"date_trunc('year', {x})"}[unit]
    if len(a) > 1:
        step = {"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}[unit]
        return f"CAST({base} + {step}(CAST({a[1].sql} AS INTEGER)) AS TIMESTAMP)"
    return f"CAST({base} AS TIMESTAMP)"


def _startof(unit: str):
    return lambda a: _period_start(unit, a)


def _endof(unit: str):
    step = {"day": "to_days(1)", "week": "to_days(7)", "month": "to_months(1)", "year": "to_years(1)"}[unit]
    # the last representable instant of the period: one microsecond (Kusto: one tick) before the next
    return lambda a: f"CAST({_period_start(unit, a)} + {step} - to_microseconds(1) AS TIMESTAMP)"


for _unit in ("day", "week", "month", "year"):
    scalar(f"startof{_unit}", "datetime integer?", "datetime", _startof(_unit))
    scalar(f"endof{_unit}", "datetime integer?", "datetime", _endof(_unit))

# ---------------------------------------------------------------- parts

scalar("dayofweek", "datetime", "timespan", "CAST(dayofweek({0}) AS BIGINT) * 864000000000")
scalar("dayofmonth", "datetime", "int", "CAST(day({0}) AS INTEGER)")
scalar("dayofyear", "datetime", "int", "CAST(dayofyear({0}) AS INTEGER)")
scalar("hourofday", "datetime", "int", "CAST(hour({0}) AS INTEGER)")
scalar("getyear", "datetime", "int", "CAST(year({0}) AS INTEGER)")
scalar("getmonth", "datetime", "int", "CAST(month({0}) AS INTEGER)")
scalar("monthofyear", "datetime", "int", "CAST(month({0}) AS INTEGER)")
# ISO 8601 weeks (the first week holds the year's first Thursday), as DuckDB's weekofyear
scalar("week_of_year", "datetime", "int", "CAST(weekofyear({0}) AS INTEGER)", aliases=("weekofyear",))

_PART_SQL = {"year": "year", "quarter": "quarter", "month": "month", "week_of_year": "week", "day": "day",
             "dayofyear": "dayofyear", "hour": "hour", "minute": "minute", "second": "second"}
_SUBSECOND = ("millisecond", "microsecond", "nanosecond")


def _part_name(arg: Arg, parts: Sequence[str], fn: str) -> str:
    if not arg.is_const or arg.type != "string":
        raise KqlTypeError(f"{fn}() needs the part as a constant string such as 'day'")
    part = str(arg.value).lower()
    if part not in parts:
        raise KqlTypeError(f"{fn}(): unknown part '{arg.value}'", hints=["parts: " + ", ".join(parts)])
    return part


def _datetime_part(a: Sequence[Arg]) -> str:
    part = _part_name(a[0], (*_PART_SQL, *_SUBSECOND), "datetime_part")
    x = a[1].sql
    if part in _SUBSECOND:
        micros = f"(microsecond({x}) % 1000000)"
        return {"millisecond": f"CAST({micros} // 1000 AS INTEGER)", "microsecond": f"CAST({micros} AS INTEGER)",
                "nanosecond": f"CAST({micros} * 1000 AS INTEGER)"}[part]
    return f"CAST(date_part('{_PART_SQL[part]}', {x}) AS INTEGER)"


scalar("datetime_part", "const datetime", "int", _datetime_part, aliases=("datepart",))

_ADD_PARTS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second", *_SUBSECOND)


def _datetime_add(a: Sequence[Arg]) -> str:
    part = _part_name(a[0], _ADD_PARTS, "datetime_add")
    n = f"CAST({a[1].sql} AS BIGINT)"
    # calendar steps clamp to the month's last day (Jan 31 + 1 month = Feb 28), as .NET's AddMonths
    interval = {
        "year": f"to_years(CAST({n} AS INTEGER))", "quarter": f"to_months(CAST({n} * 3 AS INTEGER))",
        "month": f"to_months(CAST({n} AS INTEGER))", "week": f"to_days(CAST({n} * 7 AS INTEGER))",
        "day": f"to_days(CAST({n} AS INTEGER))", "hour": f"to_hours({n})", "minute": f"to_minutes({n})",
        "second": f"to_seconds({n})", "millisecond": f"to_milliseconds({n})",
        "microsecond": f"to_microseconds({n})", "nanosecond": f"to_microseconds({n} // 1000)",
    }[part]
    return f"try(CAST({a[2].sql} + {interval} AS TIMESTAMP))"


scalar("datetime_add", "const integer datetime", "datetime", _datetime_add,
       notes="nanosecond amounts are truncated to whole microseconds (datetime storage)")


def _week_start_us(x: str) -> str:
    return f"epoch_us(date_trunc('day', {x}) - to_days(CAST(dayofweek({x}) AS INTEGER)))"


def _datetime_diff(a: Sequence[Arg]) -> str:
    part = _part_name(a[0], _ADD_PARTS, "datetime_diff")
    x, y = a[1].sql, a[2].sql
    if part == "week":  # Sunday-based week starts crossed
        return f"CAST(({_week_start_us(x)} - {_week_start_us(y)}) // 604800000000 AS BIGINT)"
    if part == "millisecond":
        return f"CAST(floor(epoch_us({x}) / 1000) - floor(epoch_us({y}) / 1000) AS BIGINT)"
    if part in ("microsecond", "nanosecond"):
        scale = " * 1000" if part == "nanosecond" else ""
        return f"CAST((epoch_us({x}) - epoch_us({y})){scale} AS BIGINT)"
    # DuckDB's date_diff counts the part's boundaries crossed, as Kusto does
    return f"CAST(date_diff('{part}', {y}, {x}) AS BIGINT)"


scalar("datetime_diff", "const datetime datetime", "long", _datetime_diff,
       notes="nanosecond differences have microsecond resolution (datetime storage)")

# ---------------------------------------------------------------- construction

_MIN_US, _MAX_US = -62135596800000000, 253402300799999999  # 0001-01-01 .. 9999-12-31 23:59:59.999999


def _from_epoch_us(us_sql: str) -> str:
    return f"(CASE WHEN ({us_sql}) BETWEEN {_MIN_US} AND {_MAX_US} THEN make_timestamp(CAST({us_sql} AS BIGINT)) END)"


scalar("unixtime_seconds_todatetime", "number", "datetime",
       lambda a: _from_epoch_us(f"round(CAST({a[0].sql} AS DOUBLE) * 1000000)"))
scalar("unixtime_milliseconds_todatetime", "number", "datetime",
       lambda a: _from_epoch_us(f"round(CAST({a[0].sql} AS DOUBLE) * 1000)"))
scalar("unixtime_microseconds_todatetime", "number", "datetime",
       lambda a: _from_epoch_us(f"round(CAST({a[0].sql} AS DOUBLE))"))
scalar("unixtime_nanoseconds_todatetime", "number", "datetime",
       lambda a: _from_epoch_us(f"floor(CAST({a[0].sql} AS DOUBLE) / 1000)"))


def _make_datetime(a: Sequence[Arg]) -> str:
    if len(a) == 4:
        raise KqlTypeError("make_datetime() takes year, month, day, and optionally hour and minute, then second")
    y, mo, d = (x.sql for x in a[:3])
    h, mi = (a[3].sql, a[4].sql) if len(a) > 4 else ("0", "0")
    s = a[5].sql if len(a) > 5 else "0"
    # make_timestamp rolls hour 24 over to the next day; Kusto gives null for any out-of-range part
    valid = (f"({y}) BETWEEN 1 AND 9999 AND ({h}) BETWEEN 0 AND 23 AND ({mi}) BETWEEN 0 AND 59 "
             f"AND ({s}) >= 0 AND ({s}) < 60")
    return f"CASE WHEN {valid} THEN try(make_timestamp({y}, {mo}, {d}, {h}, {mi}, CAST({s} AS DOUBLE))) END"


scalar("make_datetime", "integer integer integer integer? integer? number?", "datetime", _make_datetime)


def _make_timespan(a: Sequence[Arg]) -> str:
    parts = [x.sql for x in a]
    if len(parts) == 2:
        d, h, m, s = "0", parts[0], parts[1], "0"
    elif len(parts) == 3:
        d, h, m, s = "0", *parts
    else:
        d, h, m, s = parts
    return (f"CAST(({d}) * 864000000000 + ({h}) * 36000000000 + ({m}) * 600000000"
            f" + round(CAST({s} AS DOUBLE) * 10000000) AS BIGINT)")


scalar("make_timespan", "integer integer number? number?", "timespan", _make_timespan)

# ---------------------------------------------------------------- time zones


@functools.cache
def _zone_names() -> frozenset[str]:
    """The IANA names DuckDB's ICU knows (pg_timezone_names(), stored with the package)."""
    return frozenset((Path(__file__).parent / "timezones.txt").read_text(encoding="utf-8").split())


def _tz_known(tz: Arg) -> str:
    # DuckDB raises on an unknown zone where Kusto gives null: a constant is checked here, anything
    # else against the zone table (a subquery, which DuckDB refuses inside lambdas)
    if tz.is_const:
        return "TRUE" if tz.value in _zone_names() else "FALSE"
    return f"({tz.sql}) IN (SELECT name FROM pg_timezone_names())"


def _utc_to_local(a: Sequence[Arg]) -> str:
    x, tz = a[0].sql, a[1].sql
    return f"CASE WHEN {_tz_known(a[1])} THEN CAST(timezone({tz}, CAST({x} AS TIMESTAMPTZ)) AS TIMESTAMP) END"


def _local_to_utc(a: Sequence[Arg]) -> str:
    x, tz = a[0].sql, a[1].sql
    utc = f"CAST(timezone({tz}, {x}) AS TIMESTAMP)"
    back = f"CAST(timezone({tz}, CAST({utc} AS TIMESTAMPTZ)) AS TIMESTAMP)"
    # a local time skipped by a DST change: ICU applies the offset from before the change, Kusto
    # the one after it (02:00 Europe/Brussels on 2022-03-27 -> 00:00 UTC); the round trip shows the gap
    return f"CASE WHEN {_tz_known(a[1])} THEN {utc} - ({back} - {x}) END"


scalar("datetime_utc_to_local", "datetime string", "datetime", _utc_to_local,
       notes="IANA names as DuckDB's ICU knows them, matched case-sensitively; unknown names give null")
scalar("datetime_local_to_utc", "datetime string", "datetime", _local_to_utc,
       notes="IANA names as DuckDB's ICU knows them, matched case-sensitively; unknown names give null")

# ---------------------------------------------------------------- formatting


def _const_format(arg: Arg, fn: str) -> str:
    if not arg.is_const or arg.type != "string":
        raise KqlTypeError(f"{fn}() needs the format as a constant string")
    return str(arg.value)


def _fraction(ticks_sql: str, token: str) -> str:
    """f..fffffff (digits of the seconds' fraction) or F..FFFFFFF (the same without trailing zeros)."""
    digits = f"substring(lpad(CAST({ticks_sql} AS VARCHAR), 7, '0'), 1, {len(token)})"
    return digits if token[0] == "f" else f"rtrim({digits}, '0')"


def _padded(number_sql: str, width: int) -> str:
    """At least `width` digits (lpad alone would also cut longer numbers down to width)."""
    text = f"CAST({number_sql} AS VARCHAR)"
    return text if width == 1 else f"lpad({text}, CAST(greatest(length({text}), {width}) AS INTEGER), '0')"


def _quoted_literal(fmt: str, i: int) -> tuple[str, int]:
    """A '...' or "..." run, or a backslash escape, starting at fmt[i]: (text, next index)."""
    if fmt[i] == "\\":
        return fmt[i + 1: i + 2], i + 2
    end = fmt.find(fmt[i], i + 1)
    end = len(fmt) if end < 0 else end
    return fmt[i + 1: end], end + 1


def _format_pieces(fmt: str, field) -> list[str]:
    """Split a .NET-style custom format into SQL pieces: runs of one letter go to field(letter, count)."""
    pieces: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch in "'\"\\":
            text, i = _quoted_literal(fmt, i)
            pieces.append(quote_string(text))
            continue
        j = i
        while j < len(fmt) and fmt[j] == ch:
            j += 1
        sql = field(ch, j - i) if ch.isalpha() else None
        pieces.append(sql if sql is not None else quote_string(fmt[i:j]))
        i = j
    return pieces


def _format_datetime(a: Sequence[Arg]) -> str:
    fmt = _const_format(a[1], "format_datetime")
    x = a[0].sql

    def num(expr: str, width: int) -> str:
        return _padded(expr, width)

    def field(ch: str, n: int) -> str | None:
        if ch in "fF":
            if n > 7:
                raise KqlTypeError(f"format_datetime(): '{ch * n}' has more than 7 digits")
            return _fraction(f"(microsecond({x}) % 1000000) * 10", ch * n)
        simple = {"d": f"day({x})", "H": f"hour({x})", "h": f"((hour({x}) + 11) % 12 + 1)", "m": f"minute({x})",
                  "M": f"month({x})", "s": f"second({x})"}
        if ch in simple and n <= 2:
            return num(simple[ch], n)
        if ch == "y":
            return num(f"year({x}) % 100", n) if n <= 2 else num(f"year({x})", n)
        if ch == "t" and n <= 2:
            meridiem = f"CASE WHEN hour({x}) < 12 THEN 'AM' ELSE 'PM' END"
            return meridiem if n == 2 else f"substring({meridiem}, 1, 1)"
        if ch == "M" and n in (3, 4):  # .NET month names
            return f"strftime({x}, '{'%b' if n == 3 else '%B'}')"
        if ch == "d" and n in (3, 4):  # .NET day names
            return f"strftime({x}, '{'%a' if n == 3 else '%A'}')"
        raise KqlTypeError(f"format_datetime(): unsupported format element '{ch * n}'",
                           hints=["elements: d dd f..fffffff F..FFFFFFF h hh H HH m mm M MM s ss y yy yyyy tt"])

    pieces = _format_pieces(fmt, field)
    return "COALESCE(" + " || ".join(pieces) + ", '')" if pieces else "''"


scalar("format_datetime", "datetime const", "string", _format_datetime)


def _format_timespan(a: Sequence[Arg]) -> str:
    fmt = _const_format(a[1], "format_timespan")
    t = f"abs({a[0].sql})"
    units = {"d": f"{t} // 864000000000", "h": f"({t} // 36000000000) % 24", "H": f"({t} // 36000000000) % 24",
             "m": f"({t} // 600000000) % 60", "s": f"({t} // 10000000) % 60"}

    def field(ch: str, n: int) -> str | None:
        if ch in "fF":
            if n > 7:
                raise KqlTypeError(f"format_timespan(): '{ch * n}' has more than 7 digits")
            return _fraction(f"({t} % 10000000)", ch * n)
        if ch in units and (n <= 2 or ch == "d" and n <= 8):
            return _padded(units[ch], n)
        raise KqlTypeError(f"format_timespan(): unsupported format element '{ch * n}'",
                           hints=["elements: d..dddddddd f..fffffff F..FFFFFFF h hh H HH m mm s ss"])

    pieces = _format_pieces(fmt, field)
    sign = f"CASE WHEN {a[0].sql} < 0 THEN '-' ELSE '' END"
    return f"COALESCE({sign} || " + " || ".join(pieces or ["''"]) + ", '')"


scalar("format_timespan", "timespan const", "string", _format_timespan,
       notes="a negative timespan is written with a leading '-'")
