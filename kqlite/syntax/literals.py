"""Decoding KQL literal spellings into Python values.

Values: long/int -> int, real -> float, string -> str, bool -> bool,
datetime -> naive UTC `datetime.datetime`, timespan -> int ticks (100 ns),
guid -> lowercase str, dynamic -> JSON-compatible Python value, decimal -> Decimal.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import uuid

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND

_UNIT_TICKS = {
    "d": TICKS_PER_DAY, "day": TICKS_PER_DAY, "days": TICKS_PER_DAY,
    "h": 3600 * TICKS_PER_SECOND, "hr": 3600 * TICKS_PER_SECOND, "hrs": 3600 * TICKS_PER_SECOND,
    "hour": 3600 * TICKS_PER_SECOND, "hours": 3600 * TICKS_PER_SECOND,
    "m": 60 * TICKS_PER_SECOND, "min": 60 * TICKS_PER_SECOND,
    "minute": 60 * TICKS_PER_SECOND, "minutes": 60 * TICKS_PER_SECOND,
    "s": TICKS_PER_SECOND, "sec": TICKS_PER_SECOND, "second": TICKS_PER_SECOND, "seconds": TICKS_PER_SECOND,
    "ms": 10_000, "milli": 10_000, "millis": 10_000, "millisecond": 10_000, "milliseconds": 10_000,
    "micro": 10, "micros": 10, "microsecond": 10, "microseconds": 10,
    "tick": 1, "ticks": 1,
    "nanosecond": 0.01, "nanoseconds": 0.01,
}
_TIMESPAN_RE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*$")
_CLOCK_RE = re.compile(r"^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*$")

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v"}


class LiteralError(ValueError):
    """A literal whose text cannot be decoded; the parser attaches the span."""


def decode_string(token: str) -> str:
    """One string token: '..', "..", @'..', h'..', ```..```. NUL is refused: SQL text cannot hold it."""
    text = _decode_string(token)
    if "\0" in text:
        raise LiteralError("strings and names cannot contain the NUL character")
    return text


def _decode_string(token: str) -> str:
    text = token
    if text[:1] in "hH" and len(text) > 1 and text[1] in "'\"@":
        text = text[1:]
    if text.startswith("```") or text.startswith("~~~"):
        return text[3:-3]
    if text.startswith("@"):
        quote = text[1]
        return text[2:-1].replace(quote * 2, quote)
    body = text[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 5 < len(body) + 1:
                try:
                    out.append(chr(int(body[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            if nxt == "x":
                try:
                    out.append(chr(int(body[i + 2 : i + 4], 16)))
                    i += 4
                    continue
                except ValueError:
                    pass
            if nxt not in _ESCAPES:
                raise LiteralError(f"unknown escape sequence '\\{nxt}' in string literal")
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def timespan_ticks(text: str) -> int:
    """`1d`, `1.5h`, `10microsecond`, `1tick` -> ticks."""
    m = _TIMESPAN_RE.match(text)
    if not m or m.group(2) not in _UNIT_TICKS:
        raise LiteralError(f"'{text}' is not a timespan")
    return round(float(m.group(1)) * _UNIT_TICKS[m.group(2)])


def parse_timespan_text(text: str) -> int | None:
    """The inside of time(...)/timespan(...), or a string given to totimespan()."""
    text = text.strip()
    if text == "null":
        return None
    m = _CLOCK_RE.match(text)
    if m:
        neg, days, h, mi, s, frac = m.groups()
        ticks = (int(days or 0) * 86400 + int(h) * 3600 + int(mi) * 60 + int(s or 0)) * TICKS_PER_SECOND
        if frac:
            ticks += int(frac.ljust(7, "0"))
        return -ticks if neg else ticks
    sign = 1
    if text.startswith("-"):
        sign, text = -1, text[1:]
    if re.fullmatch(r"\d+(\.\d+)?", text):  # a bare number means days
        return sign * round(float(text) * TICKS_PER_DAY)
    return sign * timespan_ticks(text)


_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y%m%d",
    "%Y-%m", "%Y",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%Y, %I:%M:%S.%f %p", "%m/%d/%Y, %I:%M:%S %p",
)


def parse_datetime_text(text: str) -> dt.datetime | None:
    """Datetime spellings Kusto accepts (ISO 8601, RFC 822/850/1123, a few US forms) -> naive UTC."""
    s = text.strip()
    if s == "null" or s == "":
        return None
    iso = s
    frac7 = re.match(r"^(.*\.\d{6})\d+(.*)$", iso)  # Python keeps microseconds; Kusto has ticks
    if frac7:
        iso = frac7.group(1) + frac7.group(2)
    try:
        value = dt.datetime.fromisoformat(iso.replace("z", "Z"))
        return _to_naive_utc(value)
    except ValueError:
        pass
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(iso, fmt)
        except ValueError:
            continue
    try:
        return _to_naive_utc(email.utils.parsedate_to_datetime(s))
    except (TypeError, ValueError, IndexError):
        pass
    raise LiteralError(f"'{text}' is not a datetime Kusto accepts")


def _to_naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def parse_guid_text(text: str) -> str | None:
    s = text.strip()
    if s == "null":
        return None
    try:
        return str(uuid.UUID(s))
    except ValueError:
        raise LiteralError(f"'{text}' is not a guid") from None


def inner_text(token: str) -> str:
    """The text between the parentheses of `datetime( ... )`."""
    return token[token.index("(") + 1 : token.rindex(")")]


def format_timespan(ticks: int) -> str:
    """Kusto's text form: [-][d.]hh:mm:ss[.fffffff]."""
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    days, rem = divmod(ticks, TICKS_PER_DAY)
    secs, frac = divmod(rem, TICKS_PER_SECOND)
    h, rem_s = divmod(secs, 3600)
    m, s = divmod(rem_s, 60)
    out = f"{sign}{str(days) + '.' if days else ''}{h:02d}:{m:02d}:{s:02d}"
    if frac:
        out += f".{frac:07d}"
    return out


def format_datetime_iso(value: dt.datetime) -> str:
    """ISO 8601 UTC with Z; fraction only when non-zero, trailing zeros dropped."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    out = f"{value.year:04d}" + value.strftime("-%m-%dT%H:%M:%S")
    if value.microsecond:
        out += ("." + f"{value.microsecond:06d}").rstrip("0")
    return out + "Z"
