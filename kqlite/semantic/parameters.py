"""Query parameters (declare query_parameters): Python or text values -> typed literals."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from ..errors import KqlTypeError
from ..syntax import ast as A
from ..syntax.literals import LiteralError, parse_datetime_text, parse_guid_text, parse_timespan_text
from ..types import normalize
from .plan import BExpr, BLit


def parameter_value(name: str, kql_type: str, value: Any) -> Any:
    """Convert a parameter given from Python or the command line (text) to a KQL value."""
    t = normalize(kql_type) or kql_type
    try:
        if value is None:
            return None
        if t == "string":
            if "\0" in str(value):  # SQL text cannot hold NUL: refused here, where the declare gives a position
                raise KqlTypeError(f"parameter '{name}' cannot contain the NUL character", code="KQ317")
            return str(value)
        if t == "bool":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                return value.lower() in ("true", "1")
            return bool(value)
        if t in ("int", "long"):
            return int(value)
        if t == "real":
            return float(value)
        if t == "decimal":
            return decimal.Decimal(str(value))
        if t == "datetime":
            if isinstance(value, dt.datetime):
                return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
            if isinstance(value, dt.date):
                return dt.datetime(value.year, value.month, value.day)
            return parse_datetime_text(str(value))
        if t == "timespan":
            if isinstance(value, dt.timedelta):
                return (value.days * 86400 + value.seconds) * 10_000_000 + value.microseconds * 10
            return parse_timespan_text(str(value))
        if t == "guid":
            return parse_guid_text(str(value))
        if t == "dynamic":
            return json.loads(value) if isinstance(value, str) else value
    except (ValueError, LiteralError, json.JSONDecodeError):
        pass
    raise KqlTypeError(f"parameter '{name}' must be {t}: cannot read {value!r}", code="KQ317")


def bind_parameter(param: A.Param, value: Any) -> BExpr:
    t = normalize(param.type)
    if t is None:
        raise KqlTypeError(f"unknown parameter type '{param.type}'", param.span, code="KQ312")
    try:
        return BLit(t, parameter_value(param.name, t, value))
    except KqlTypeError as e:
        e.span = param.span
        raise
