"""evaluate ipv4_lookup / ipv6_lookup: a lookup joined on IP prefix ranges.

`T | evaluate ipv4_lookup(LookupTable, SourceKey, LookupKey [, ExtraKey1, ...] [, return_unmatched])`
(ipv4-lookup-plugin, ipv6-lookup-plugin docs). Either key may carry a prefix (`10.1.0.0/16`).
Two CIDR blocks either nest or do not meet, so "in range" (ipv4_is_in_range over the shorter
prefix) is the same as "the address ranges overlap": each side's key is turned once into the
first and last address of its block, and the join is two inequalities, which DuckDB runs as a
range join rather than comparing every pair. IPv6 (and IPv4-mapped) bounds are 128-bit numbers
written as 32 hex digits (functions/ip_ranges.py). An address that does not parse matches nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlNameError, KqlTypeError
from ..sql.quote import quote_ident
from ..syntax import ast as A
from . import naming
from .expressions import Scope
from .operators import coerce
from .plan import BCol, BExpr, BLit, BSql, Col, Projection, Rel, SqlRel
from .plugins_more import _column

if TYPE_CHECKING:
    from .binder import Binder, Env

_LO, _HI, _BLOCK = "__kq_ip_lo", "__kq_ip_hi", "__kq_ip_block"

# IPv4 text -> {lo, hi}: the first and last address of its block, as BIGINTs. Written without kq_ip4's
# subquery (the same pattern and checks), so the join's inputs are plain projections that DuckDB plans as
# a range join (a correlated subquery there gave a quadratic join: 37 s at 300k x 30k rows).
_IP4_PATTERN = r"'^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(\d{1,2}))?$'"
_IP4_OCTETS = ("a", "b", "c", "d")
_IP4_VALID = " AND ".join([f"TRY_CAST(kq_p['{o}'] AS BIGINT) <= 255" for o in _IP4_OCTETS]
                          + ["(kq_p['m'] = '' OR TRY_CAST(kq_p['m'] AS BIGINT) <= 32)"])
_IP4_NUM = ("(((TRY_CAST(kq_p['a'] AS BIGINT) * 256 + TRY_CAST(kq_p['b'] AS BIGINT)) * 256 "
            "+ TRY_CAST(kq_p['c'] AS BIGINT)) * 256 + TRY_CAST(kq_p['d'] AS BIGINT))")
_IP4_SIZE = "CAST(pow(2, 32 - CASE WHEN kq_p['m'] = '' THEN 32 ELSE TRY_CAST(kq_p['m'] AS BIGINT) END) AS BIGINT)"


def _ip4_block(s: str) -> str:
    parts = f"regexp_extract(trim({s}), {_IP4_PATTERN}, ['a', 'b', 'c', 'd', 'm'])"
    lo = f"{_IP4_NUM} // {_IP4_SIZE} * {_IP4_SIZE}"
    return (f"list_transform([{parts}], lambda kq_p: CASE WHEN {_IP4_VALID} THEN "
            f"{{'lo': {lo}, 'hi': {lo} + {_IP4_SIZE} - 1}} END)[1]")


def ip_lookup(b: Binder, op: A.Evaluate, rel: Rel, env: Env, version: int) -> Rel:
    name = op.call.name
    positional = [a for a in op.call.args if not isinstance(a, A.Assign)]
    unmatched_node: A.Node | None = None
    for a in op.call.args:
        if isinstance(a, A.Assign):
            if a.names[0].lower() != "return_unmatched":
                raise KqlNameError(f"{name}() has no parameter '{a.names[0]}'", a.span, ["return_unmatched = true"],
                                   code="KQ210")
            unmatched_node = a.expr
    if unmatched_node is None and len(positional) > 3 and not isinstance(positional[-1], A.Name):
        unmatched_node = positional.pop()
    if version == 6 and len(positional) > 3:  # ipv6_lookup has no extra keys (Kusto's signature)
        raise KqlTypeError("ipv6_lookup() takes a lookup table, two IP columns and return_unmatched", positional[3].span,
                           ["T | evaluate ipv6_lookup(LookupTable, SourceKey, LookupKey [, return_unmatched])"],
                           code="KQ309")
    if len(positional) < 3:
        raise KqlTypeError(f"{name}() needs a lookup table, the source IP column and the lookup IP column",
                           op.call.span, [f"T | evaluate {name}(LookupTable, SourceKey, LookupKey)"], code="KQ309")
    lookup = b.tabular(positional[0], env)
    source_key = _column(rel, positional[1], name, "the source IP column")
    lookup_key = _column(lookup, positional[2], name, "the lookup IP column")
    extra = []
    for node in positional[3:]:
        extra.append((_column(rel, node, name, "an extra key"), _column(lookup, node, name, "an extra key")))
    return_unmatched = False
    if unmatched_node is not None:
        value = b.exprs.bind(unmatched_node, Scope(env))
        if not isinstance(value, BLit) or value.type != "bool":
            raise KqlTypeError("return_unmatched must be a constant bool", unmatched_node.span, code="KQ353")
        return_unmatched = bool(value.value)

    left = _with_range(rel, source_key, version)
    right = _with_range(lookup, lookup_key, version)
    extra_right = {r.name for _, r in extra}
    # ipv4_lookup puts the input's columns first, ipv6_lookup the lookup table's (as each docs page shows)
    sides = [("l", rel.columns), ("r", lookup.columns)]
    if version == 6:
        sides.reverse()
    cols: list[Col] = []
    items: list[str] = []
    used: set[str] = set()
    for side, columns in sides:
        for c in columns:
            if side == "r" and c.name in extra_right:
                continue  # an extra key is shown once, from the input
            out = naming.unique(c.name, used)
            used.add(out)
            ref = f"{side}.{quote_ident(c.name)}"
            if side == "r" and return_unmatched and c.type == "string":
                ref = f"COALESCE({ref}, '')"  # strings are never null in KQL
            cols.append(Col(out, c.type))
            items.append(f"{ref} AS {quote_ident(out)}")
    conds = [f"l.{_LO} <= r.{_HI}", f"r.{_LO} <= l.{_HI}"]
    conds += [f"l.{quote_ident(lc.name)} = r.{quote_ident(rc.name)}" for lc, rc in extra]
    how = "LEFT JOIN" if return_unmatched else "JOIN"

    def build(c) -> str:
        return (f"SELECT {', '.join(items)} FROM {c.rel(left)} AS l {how} {c.rel(right)} AS r "
                f"ON {' AND '.join(conds)}")

    return SqlRel(tuple(cols), inputs=(left, right), build=build)


def _with_range(rel: Rel, key: Col, version: int) -> Rel:
    """The relation with its key's first and last address as two hidden columns (BIGINT for IPv4,
    32 hex digits for IPv6: both compare in address order)."""
    text = coerce(BCol(key.type, key.name), "string")
    if version == 4:
        block: BExpr = BSql("dynamic", _ip4_block, (text,))
        bounds = [BSql("long", lambda b, f=f: f"{b}['{f}']", (BCol("dynamic", _BLOCK),)) for f in ("lo", "hi")]
    else:
        block = BSql("string", lambda s: f"kq_py_ip6_block({s})", (text,))
        bounds = [BSql("string", lambda b, i=i: f"substr({b}, {i}, 32)", (BCol("string", _BLOCK),)) for i in (1, 33)]
    passthrough = tuple(BCol(c.type, c.name) for c in rel.columns)
    staged = Projection(rel.columns + (Col(_BLOCK, block.type),), input=rel, items=passthrough + (block,))
    return Projection(rel.columns + (Col(_LO, bounds[0].type), Col(_HI, bounds[1].type)), input=staged,
                      items=passthrough + tuple(bounds))
