"""Binary operators: KQL's type rules for arithmetic, comparison and string matching,
producing typed plan expressions whose SQL is built from the operands' SQL."""

from __future__ import annotations

import re

from ..errors import KqlTypeError, Span
from ..functions import convert
from ..sql.quote import quote_string
from ..types import NUMERIC, common_numeric
from .plan import BExpr, BLit, BPath, BSql

TERM_BOUNDARY_START = "(?:^|[^0-9A-Za-z])"
TERM_BOUNDARY_END = "(?:$|[^0-9A-Za-z])"


def _sql(type_: str, build, *args: BExpr) -> BSql:
    return BSql(type_, build, tuple(args), aggregate=False)


def coerce(expr: BExpr, target: str) -> BExpr:
    """An implicit conversion (dynamic -> scalar, scalar -> dynamic, int -> long ...)."""
    if expr.type == target:
        return expr
    if target == "string" and isinstance(expr, BPath) and not expr.as_text:
        text = BPath("string", expr.base, expr.steps, as_text=True)
        return _sql("string", lambda s: f"COALESCE({s}, '')", text)
    src = expr.type
    return _sql(target, lambda s: convert.convert(s, src, target), expr)


def _type_error(msg: str, span: Span, hints=()) -> KqlTypeError:
    return KqlTypeError(msg, span, list(hints), code="KQ301")


def arithmetic(op: str, left: BExpr, right: BExpr, span: Span) -> BExpr:
    lt, rt = left.type, right.type
    if lt == "dynamic" and rt != "dynamic":
        left, lt = coerce(left, "real" if rt in NUMERIC else rt), ("real" if rt in NUMERIC else rt)
    if rt == "dynamic" and lt != "dynamic":
        right, rt = coerce(right, "real" if lt in NUMERIC else lt), ("real" if lt in NUMERIC else lt)
    if lt in NUMERIC and rt in NUMERIC:
        t = common_numeric(lt, rt)
        if op == "/" and t in ("int", "long"):
            return _sql(t, lambda a, b: f"({a} // {b})", left, right)
        if op == "%":
            return _sql(t, lambda a, b: f"({a} % {b})", left, right)
        return _sql(t, lambda a, b: f"({a} {op} {b})", left, right)
    if lt == "datetime" and rt == "datetime" and op == "-":
        return _sql("timespan", lambda a, b: f"((epoch_us({a}) - epoch_us({b})) * 10)", left, right)
    if lt == "datetime" and rt == "timespan" and op in "+-":
        return _sql("datetime", lambda a, b: f"({a} {op} to_microseconds(CAST(({b}) // 10 AS BIGINT)))", left, right)
    if lt == "timespan" and rt == "datetime" and op == "+":
        return _sql("datetime", lambda a, b: f"({b} + to_microseconds(CAST(({a}) // 10 AS BIGINT)))", left, right)
    if lt == "timespan" and rt == "timespan":
        if op in "+-%":
            return _sql("timespan", lambda a, b: f"({a} {op} {b})", left, right)
        if op == "/":
            return _sql("real", lambda a, b: f"(CAST({a} AS DOUBLE) / {b})", left, right)
    if lt == "timespan" and rt in NUMERIC and op in "*/":
        return _sql("timespan", lambda a, b: f"CAST(round(CAST({a} AS DOUBLE) {op} {b}) AS BIGINT)", left, right)
    if lt in NUMERIC and rt == "timespan" and op == "*":
        return _sql("timespan", lambda a, b: f"CAST(round(CAST({b} AS DOUBLE) * {a}) AS BIGINT)", left, right)
    raise _type_error(f"operator '{op}' cannot be applied to {lt} and {rt}", span)


def _comparable(lt: str, rt: str) -> bool:
    if lt == rt:
        return True
    return lt in NUMERIC and rt in NUMERIC


def comparison(op: str, left: BExpr, right: BExpr, span: Span) -> BExpr:
    sql_op = {"==": "=", "!=": "<>"}.get(op, op)
    lt, rt = left.type, right.type
    if lt == "dynamic" and rt != "dynamic":
        left, lt = coerce(left, rt), rt
    elif rt == "dynamic" and lt != "dynamic":
        right, rt = coerce(right, lt), lt
    if op in ("=~", "!~"):
        left, right = coerce(left, "string"), coerce(right, "string")
        neg = "NOT " if op == "!~" else ""
        return _sql("bool", lambda a, b: f"({neg}lower({a}) = lower({b}))", left, right)
    if lt == "guid" and rt == "string":
        right, rt = coerce(right, "guid"), "guid"
    if lt == "string" and rt == "guid":
        left, lt = coerce(left, "guid"), "guid"
    if not _comparable(lt, rt):
        raise _type_error(f"cannot compare {lt} with {rt} using '{op}'", span,
                          [f"convert one side, e.g. to{lt}(...) or to{rt}(...)"])
    if lt == "dynamic":
        left, right = coerce(left, "string"), coerce(right, "string")
        lt = "string"
    return _sql("bool", lambda a, b: f"({a} {sql_op} {b})", left, right)


def logical(op: str, left: BExpr, right: BExpr, span: Span) -> BExpr:
    for side in (left, right):
        if side.type not in ("bool", "dynamic"):
            raise _type_error(f"'{op}' needs bool operands, not {side.type}", span)
    left, right = coerce(left, "bool"), coerce(right, "bool")
    return _sql("bool", lambda a, b: f"({a} {op.upper()} {b})", left, right)


def _regex_escape(text: str) -> str:
    """text as a RE2 pattern that matches it literally. RE2 accepts a backslash only before ASCII
    punctuation (`\\’` is an error), so other characters are written as themselves or as \\x{..}."""
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch == "_"):
            out.append(ch)
        elif ch.isascii() and ch.isprintable() and ch != " ":
            out.append("\\" + ch)
        elif ch.isascii():
            out.append(f"\\x{{{ord(ch):02x}}}")
        else:
            out.append(ch)  # not special to RE2: matched as itself (UTF-8)
    return "".join(out)


def string_match(op: str, left: BExpr, right: BExpr, span: Span) -> BExpr:
    """has, contains, startswith, endswith, hasprefix, hassuffix (and ! / _cs forms), like."""
    negate = op.startswith("!")
    base = op.lstrip("!")
    cs = base.endswith("_cs")
    base = base.removesuffix("_cs")
    left, right = coerce(left, "string"), coerce(right, "string")
    flags = "" if cs else "(?i)"
    const = right.value if isinstance(right, BLit) else None

    def wrap(sql: str) -> str:
        return f"(NOT {sql})" if negate else sql

    if base in ("has", "hasprefix", "hassuffix"):
        if const is not None:
            if const == "":
                return _sql("bool", lambda a: wrap("TRUE"), left)
            start = TERM_BOUNDARY_START if base in ("has", "hasprefix") else ""
            end = TERM_BOUNDARY_END if base in ("has", "hassuffix") else ""
            if not re.match(r"[0-9A-Za-z]", const[0]):
                start = ""
            if not re.match(r"[0-9A-Za-z]", const[-1]):
                end = ""
            pattern = quote_string(flags + start + _regex_escape(const) + end)
            needle = quote_string(const.lower() if not cs else const)
            haystack = (lambda a: a) if cs else (lambda a: f"lower({a})")
            # the substring test is a cheap pre-filter that lets DuckDB skip the regex on most rows
            return _sql("bool", lambda a: wrap(f"(contains({haystack(a)}, {needle}) AND regexp_matches({a}, {pattern}))"),
                        left)
        start = TERM_BOUNDARY_START if base in ("has", "hasprefix") else ""
        end = TERM_BOUNDARY_END if base in ("has", "hassuffix") else ""
        return _sql("bool", lambda a, b: wrap(
            f"regexp_matches({a}, '{flags}{start}' || regexp_escape({b}) || '{end}')"), left, right)
    if base == "contains":
        if cs:
            return _sql("bool", lambda a, b: wrap(f"contains({a}, {b})"), left, right)
        return _sql("bool", lambda a, b: wrap(f"contains(lower({a}), lower({b}))"), left, right)
    if base == "startswith":
        if cs:
            return _sql("bool", lambda a, b: wrap(f"starts_with({a}, {b})"), left, right)
        return _sql("bool", lambda a, b: wrap(f"starts_with(lower({a}), lower({b}))"), left, right)
    if base == "endswith":
        if cs:
            return _sql("bool", lambda a, b: wrap(f"ends_with({a}, {b})"), left, right)
        return _sql("bool", lambda a, b: wrap(f"ends_with(lower({a}), lower({b}))"), left, right)
    if base == "like":
        return _sql("bool", lambda a, b: wrap(f"({a} ILIKE {b})"), left, right)
    raise _type_error(f"unknown string operator '{op}'", span)


def matches_regex(left: BExpr, right: BExpr) -> BExpr:
    left, right = coerce(left, "string"), coerce(right, "string")
    return _sql("bool", lambda a, b: f"regexp_matches({a}, {b})", left, right)


def negate(operand: BExpr, span: Span) -> BExpr:
    if operand.type in NUMERIC or operand.type == "timespan":
        return _sql(operand.type, lambda a: f"(-{a})", operand)
    if operand.type == "dynamic":
        return _sql("real", lambda a: f"(-{a})", coerce(operand, "real"))
    raise _type_error(f"unary '-' cannot be applied to {operand.type}", span)


def binary(op: str, left: BExpr, right: BExpr, span: Span) -> BExpr:
    if op in ("+", "-", "*", "/", "%"):
        return arithmetic(op, left, right, span)
    if op in ("==", "!=", "<", "<=", ">", ">=", "=~", "!~"):
        return comparison(op, left, right, span)
    if op in ("and", "or"):
        return logical(op, left, right, span)
    if op == "matches regex":
        return matches_regex(left, right)
    return string_match(op, left, right, span)
