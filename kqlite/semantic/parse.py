"""The parse and parse-where operators: a pattern of literals, `*` and typed columns
becomes one regular expression; each column is a capture group."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import KqlSyntaxError, KqlTypeError
from ..functions import convert
from ..functions.regex_check import check_parse_pattern
from ..sql.quote import quote_string
from ..syntax import ast as A
from ..types import normalize
from .operators import coerce
from .plan import BCol, BExpr, BSql, Col, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env

_SOURCE = "__kq_parse_source"  # the parsed text, computed once; dropped again by the operator's last projection

_TYPE_PATTERN = {
    "long": r"(\-?\d+)", "int": r"(\-?\d+)", "real": r"(\-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)",
    "decimal": r"(\-?\d+(?:\.\d*)?)", "bool": r"(true|false|True|False|TRUE|FALSE|1|0)",
}


def put_column(cols: list[Col], items: list[BExpr], col: Col, value: BExpr) -> None:
    """A column the operator extracts (parse, parse-kv): it replaces the input column of its name, as in
    Kusto, or else goes last."""
    for i, c in enumerate(cols):
        if c.name == col.name:
            cols[i], items[i] = col, value
            return
    cols.append(col)
    items.append(value)


def parse_operator(binder: Binder, op: A.Parse, rel: Rel, env: Env) -> Rel:
    source = coerce(binder.exprs.bind(op.expr, binder.scope_of(rel, env)), "string")
    kind = str(op.param("kind", "simple"))
    if kind not in ("simple", "regex", "relaxed"):
        raise KqlSyntaxError(f"unknown parse kind '{kind}'", op.span, ["kinds: simple, regex, relaxed"],
                             code="KQ112")
    flags = str(op.param("flags", "")) if kind == "regex" else ""
    greedy = "U" not in flags
    pieces: list[str] = []
    columns: list[tuple[str, str]] = []
    parts = op.pattern
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.kind == "literal":
            pieces.append(part.text if kind == "regex" else re.escape(part.text))
        elif part.kind == "star":
            pieces.append(("(?:.*)" if greedy else "(?:.*?)") if kind == "regex" else (".*" if last else ".*?"))
        else:
            t = normalize(part.type) if part.type else "string"
            if t is None:
                raise KqlTypeError(f"unknown type '{part.type}'", part.span, code="KQ312")
            if t in _TYPE_PATTERN:
                pieces.append(_TYPE_PATTERN[t])
            elif kind == "regex":
                pieces.append("(.*)" if greedy else "(.*?)")
            else:
                pieces.append("(.*)" if last else "(.*?)")
            columns.append((part.text, t))
    regex_flags = ""
    if "i" in flags:
        regex_flags += "i"
    if "s" in flags:
        regex_flags += "s"
    if "m" in flags:
        regex_flags += "m"
    pattern = ("(?" + regex_flags + ")" if regex_flags else "") + ("^" if kind != "regex" else "") + "".join(pieces)
    if kind != "regex" and parts and parts[-1].kind == "column":
        pattern += "$"
    if kind == "regex":
        check_parse_pattern(pattern, [(p.text, p.span) for p in parts if p.kind == "literal"], op.span)
    quoted = quote_string(pattern)

    def converted(s: str, group: int, ty: str) -> str:
        return convert.convert(f"regexp_extract({s}, {quoted}, {group})", "string", ty)

    def matched(s: str) -> str:
        """The pattern matches and every typed capture converts: otherwise the row fails whole."""
        checks = [f"regexp_matches({s}, {quoted})"]
        checks += [f"{converted(s, g, ty)} IS NOT NULL" for g, (_, ty) in enumerate(columns, start=1) if ty != "string"]
        return "(" + " AND ".join(checks) + ")"

    # The source is evaluated once, into a hidden column, and each new column reads that column:
    # written inline, its SQL would repeat once per capture and check, and nested parses (or a
    # heavy source such as ipv6_compare's address macros) grew past what DuckDB's binder can finish.
    staged = binder.project(rel, [*rel.columns, Col(_SOURCE, "string")], [*binder.passthrough(rel), source])
    text = BCol("string", _SOURCE)
    cols = list(rel.columns)
    items: list[BExpr] = binder.passthrough(rel)
    for group, (name, t) in enumerate(columns, start=1):
        def build(s: str, g=group, ty=t) -> str:
            if ty == "string":
                return f"CASE WHEN {matched(s)} THEN regexp_extract({s}, {quoted}, {g}) ELSE '' END"
            return f"CASE WHEN {matched(s)} THEN {converted(s, g, ty)} END"
        put_column(cols, items, Col(name, t), BSql(t, build, (text,)))
    out: Rel = staged
    if op.drop_unmatched:
        out = binder.filter(staged, BSql("bool", matched, (text,)))
    return binder.project(out, cols, items)
