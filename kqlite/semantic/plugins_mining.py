"""`evaluate` plugins preview and basket.

preview(N) returns two results, as fork does (Binder.forked): `T | take N` and `T | count`.
basket(Threshold, WeightColumn, MaxDimensions, CustomWildcard, ...) checks its arguments into a
BasketSpec; sql/basket.py and functions/basket_mining.py find the frequent patterns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlTypeError
from ..functions import basket_mining
from ..sql.basket import BasketSpec, basket_sql
from ..sql.quote import quote_literal
from ..syntax import ast as A
from .expressions import Scope
from .plan import BLit, Col, Rel, SqlRel
from .plugins_activity import column, positional
from .summarize import count_rows

if TYPE_CHECKING:
    from .binder import Binder, Env

BASKET_DOCS = "https://learn.microsoft.com/kusto/query/basket-plugin"
_BASKET_HELP = ["T | evaluate basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, ...]); "
                "'~' keeps an argument's default", f"see {BASKET_DOCS}"]
_NUMBERS = ("int", "long", "real", "decimal")
# how kqlite documents what it infers beyond the page (functions/catalog.py shows it as a partial note)
NOTES = {"basket": "reports the closed frequent patterns (no pattern with one more column has the same count); "
                   "the page does not define Kusto's pruning, this matches its example. Patterns are exact, "
                   "not sampled"}


def evaluate(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    if op.call.name == "preview":
        return preview(b, op, rel, env)
    return basket(b, op, rel, env)


def preview(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate preview(NumberOfRows): the first rows, then a table holding the row count (Count)."""
    args = positional(op)
    if len(args) != 1:
        raise KqlTypeError("preview() takes one argument, the number of rows", op.call.span,
                           ["T | evaluate preview(50)"], code="KQ309")
    n = b.exprs.bind(args[0], Scope(env))
    if not isinstance(n, BLit) or n.type not in ("int", "long") or n.value is None or n.value < 0:
        raise KqlTypeError("preview(): the number of rows must be a constant int, zero or more", args[0].span,
                           ["T | evaluate preview(50)"], code="KQ353")
    first = b.limit(rel, n)
    b.forked = [(None, first), (None, count_rows(rel))]
    return first


def _default(node: A.Node) -> bool:
    """'~': the argument's default."""
    return isinstance(node, A.Literal) and node.value == "~"


def _constant(b: Binder, env: Env, node: A.Node, what: str, types: tuple[str, ...]) -> BLit:
    value = b.exprs.bind(node, Scope(env))
    if not isinstance(value, BLit) or value.type not in types or value.value is None:
        raise KqlTypeError(f"basket(): {what} must be a constant {' or '.join(types)}", node.span,
                           _BASKET_HELP, code="KQ353")
    return value


def basket(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """T | evaluate basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, CustomWildcard, ...])"""
    args = positional(op)
    threshold, weight, max_dimensions = 0.05, None, 5
    wildcards: dict[str, BLit] = {}
    for k, node in enumerate(args):
        if _default(node):
            continue
        if k == 0:
            threshold = float(_constant(b, env, node, "Threshold", _NUMBERS).value)
            if not 0.015 <= threshold <= 1:
                raise KqlTypeError(f"basket(): Threshold must be between 0.015 and 1, not {threshold:g}", node.span,
                                   _BASKET_HELP, code="KQ353")
        elif k == 1:
            weight = column(rel, node, "basket", "WeightColumn", _NUMBERS)
        elif k == 2:
            max_dimensions = int(_constant(b, env, node, "MaxDimensions", ("int", "long")).value)
            if max_dimensions < 1:
                raise KqlTypeError("basket(): MaxDimensions must be 1 or more", node.span, _BASKET_HELP,
                                   code="KQ353")
        else:
            value = b.exprs.bind(node, Scope(env))
            if not isinstance(value, BLit) or value.type == "dynamic":
                raise KqlTypeError("basket(): a CustomWildcard must be a constant scalar, e.g. '*' or int(-1)",
                                   node.span, _BASKET_HELP, code="KQ353")
            wildcards.setdefault(value.type, value)  # the first wildcard of each type applies
    dims = [c for c in rel.columns if weight is None or c.name != weight.name]
    if not dims:
        raise KqlTypeError("basket() needs a column besides the weight column", op.call.span, _BASKET_HELP,
                           code="KQ353")
    wildcard_sql = tuple(quote_literal(wildcards[c.type].value, c.type) if c.type in wildcards
                         else quote_literal(None, c.type) for c in dims)
    spec = BasketSpec(tuple(c.name for c in dims), weight.name if weight else None, threshold, max_dimensions,
                      wildcard_sql, integral_count=weight is None or weight.type in ("int", "long"))
    assert basket_mining.RESULT_TYPE  # the module registers kq_py_basket
    cols = (Col("SegmentId", "long"), Col("Count", "long" if spec.integral_count else "real"),
            Col("Percent", "real")) + tuple(dims)

    def build(c) -> str:
        return basket_sql(spec, c.rel(rel))

    return SqlRel(cols, inputs=(rel,), build=build, serialized=False)
