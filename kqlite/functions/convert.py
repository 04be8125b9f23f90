"""Conversions between KQL types, as DuckDB SQL over already-compiled operands.

Shared by the conversion functions (tostring, toint, ...) and by the binder's implicit
coercions (a dynamic value compared with a string, a string argument given a number).
The `kq_*` helpers they call are DuckDB macros defined in kqlite/sql/macros.py.
"""

from __future__ import annotations

from ..sql.quote import quote_string
from ..types import SQL_TYPE


def to_string(sql: str, t: str) -> str:
    """tostring(): never null; dynamic strings lose their quotes; Kusto's text forms."""
    if t == "string":
        return sql
    if t == "dynamic":
        return f"COALESCE(json_extract_string({sql}, '$'), '')"
    if t == "real":
        return f"COALESCE(kq_real_str({sql}), '')"
    if t == "datetime":
        return f"COALESCE(kq_datetime_str({sql}), '')"
    if t == "timespan":
        return f"COALESCE(kq_timespan_str({sql}), '')"
    if t == "bool":
        return f"COALESCE(CASE WHEN {sql} THEN 'true' ELSE 'false' END, '')" if sql else "''"
    return f"COALESCE(CAST({sql} AS VARCHAR), '')"


def to_dynamic(sql: str, t: str) -> str:
    """A scalar as a JSON value; datetimes and timespans as their text forms."""
    if t == "dynamic":
        return sql
    if t == "string":
        return f"CAST(to_json({sql}) AS JSON)"
    if t == "datetime":
        return f"CAST(to_json(kq_datetime_str({sql})) AS JSON)"
    if t == "timespan":
        return f"CAST(to_json(kq_timespan_str({sql})) AS JSON)"
    if t == "guid":
        return f"CAST(to_json(CAST({sql} AS VARCHAR)) AS JSON)"
    return f"CAST(to_json({sql}) AS JSON)"


def dynamic_to(sql: str, t: str) -> str:
    """A dynamic value read as a scalar type (null when it does not convert)."""
    if t == "string":
        return to_string(sql, "dynamic")
    if t == "datetime":
        return f"kq_to_datetime(json_extract_string({sql}, '$'))"
    if t == "timespan":
        return f"kq_to_timespan(json_extract_string({sql}, '$'))"
    if t == "bool":
        return f"TRY_CAST(json_extract_string({sql}, '$') AS BOOLEAN)"
    if t in ("int", "long", "real", "decimal"):
        return convert(f"json_extract_string({sql}, '$')", "string", t)
    if t == "dynamic":
        return sql
    return f"TRY_CAST(json_extract_string({sql}, '$') AS {SQL_TYPE[t]})"


# number text as Kusto's conversions accept it: a sign, digits, a fraction, an exponent; spaces around
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SPECIAL = r"(?i:[+-]?(?:nan|inf|infinity))"


# Text -> number conversions test their operand before casting it, so its SQL appears 3-4 times.
# For a column or a short expression that is the fastest form. A longer operand (a subquery, a
# nested conversion) is read once instead: repeated, nested conversions grew exponentially, and
# DuckDB's binder hung on one WHERE holding 48 copies of a subquery (fuzz: repeat/parse_path).
_CHEAP_SQL_CHARS = 160


def _cheap(sql: str) -> bool:
    return len(sql) <= _CHEAP_SQL_CHARS and "SELECT" not in sql.upper()


def _number_text(sql: str, specials: bool) -> str:
    """The number in text `sql` without its surrounding spaces, or '' when it is not one.

    One use of `sql`, so a conversion never repeats its operand's SQL."""
    number = f"{_SPECIAL}|{_NUMBER}" if specials else _NUMBER
    return f"regexp_extract({sql}, {quote_string('^ *(' + number + ') *$')}, 1)"


def convert(sql: str, src: str, dst: str) -> str:
    """The general conversion used by to<type>() functions."""
    if src == dst:
        return sql
    if dst == "string":
        return to_string(sql, src)
    if dst == "dynamic":
        return to_dynamic(sql, src)
    if src == "dynamic":
        return dynamic_to(sql, dst)
    if dst == "datetime":
        if src == "string":
            return f"kq_to_datetime({sql})"
        if src in ("int", "long", "real", "decimal"):
            return f"make_timestamp(CAST(({sql}) / 10 AS BIGINT) - 62135596800000000)"
        return "CAST(NULL AS TIMESTAMP)"
    if dst == "timespan":
        if src == "string":
            return f"kq_to_timespan({sql})"
        if src in ("int", "long", "real", "decimal"):
            return f"CAST({sql} AS BIGINT)"
        return "CAST(NULL AS BIGINT)"
    if dst in ("int", "long"):
        if src in ("real", "decimal"):
            return f"TRY_CAST(trunc({sql}) AS {SQL_TYPE[dst]})"
        if src == "string":
            # Kusto reads decimal text only (no 0x.., 1_000): whole numbers exactly, others truncated
            if _cheap(sql):
                return (f"CASE WHEN kq_int_text({sql}) THEN TRY_CAST(trim({sql}) AS {SQL_TYPE[dst]}) "
                        f"WHEN kq_num_text({sql}) THEN TRY_CAST(trunc(TRY_CAST(trim({sql}) AS DOUBLE)) "
                        f"AS {SQL_TYPE[dst]}) END")
            # a costly operand is read once and bound to a lambda parameter (about 2.5x slower)
            return (f"list_transform([{_number_text(sql, False)}], lambda kq_num: CASE WHEN "
                    f"regexp_full_match(kq_num, '[+-]?\\d+') THEN TRY_CAST(kq_num AS {SQL_TYPE[dst]}) "
                    f"ELSE TRY_CAST(trunc(TRY_CAST(kq_num AS DOUBLE)) AS {SQL_TYPE[dst]}) END)[1]")
        if src == "bool":
            return f"CAST({sql} AS {SQL_TYPE[dst]})"
        if src == "datetime":
            return f"TRY_CAST(epoch_us({sql}) * 10 + 621355968000000000 AS {SQL_TYPE[dst]})"
        if src == "timespan":
            return f"TRY_CAST({sql} AS {SQL_TYPE[dst]})"
    if dst in ("real", "decimal"):
        if src == "string":
            if _cheap(sql):
                special = f" OR regexp_full_match(trim({sql}), '(?i)[+-]?(nan|inf|infinity)')" if dst == "real" else ""
                return f"CASE WHEN kq_num_text({sql}){special} THEN TRY_CAST(trim({sql}) AS {SQL_TYPE[dst]}) END"
            # read once (no match gives '', which casts to null)
            return f"TRY_CAST({_number_text(sql, dst == 'real')} AS {SQL_TYPE[dst]})"
        if src == "datetime":
            return f"CAST(epoch_us({sql}) * 10 + 621355968000000000 AS {SQL_TYPE[dst]})"
        return f"TRY_CAST({sql} AS {SQL_TYPE[dst]})"
    if dst == "bool":
        if src == "string":
            return f"kq_to_bool({sql})"
        if src in ("int", "long", "real", "decimal"):
            return f"(({sql}) <> 0)"
        return "CAST(NULL AS BOOLEAN)"
    if dst == "guid":
        if src == "string":
            return f"TRY_CAST({sql} AS UUID)"
        return "CAST(NULL AS UUID)"
    return f"TRY_CAST({sql} AS {SQL_TYPE[dst]})"
