"""Scalar calls the registry cannot bind alone, because they need more than their arguments' values:

- bin_auto(value) reads the query's `set query_bin_auto_size=...; set query_bin_auto_at=...;`
  options and binds as bin(value, size) or bin_at(value, size, at);
- bag_pack_columns(c1, c2, ...) needs its arguments' column names as the bag's keys.

ExpressionBinder's `call_bin_auto` / `call_bag_pack_columns` hand over to these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlTypeError
from ..functions.registry import lookup
from ..syntax import ast as A
from .plan import BCol, BExpr, BLit, BSql

if TYPE_CHECKING:
    from .expressions import ExpressionBinder, Scope

_BIN_AUTO_DOC = "https://learn.microsoft.com/kusto/query/bin-auto-function"
_NUMBERS = ("int", "long", "real", "decimal")

# ---------------------------------------------------------------- bin_auto


def bind_bin_auto(exprs: ExpressionBinder, node: A.Call, scope: Scope) -> BExpr:
    """bin_auto(value): bin(value, query_bin_auto_size), shifted so that query_bin_auto_at
    (default 0, and for datetimes Kusto's tick 0, 0001-01-01) is a bin's start."""
    from .expressions import Scope

    if len(node.args) != 1:
        raise KqlTypeError(f"bin_auto() takes one argument, the value to bin, got {len(node.args)}", node.span,
                           [f"set query_bin_auto_size=1h; ... bin_auto(Timestamp)  ({_BIN_AUTO_DOC})"], code="KQ309")
    options = exprs.binder.options
    size_option = options.get("query_bin_auto_size")
    if size_option is None or size_option.value is None:
        raise KqlTypeError("bin_auto() needs the bin size: no `set query_bin_auto_size=...;` before the query",
                           node.span, ["set query_bin_auto_size=1h;  (and optionally set query_bin_auto_at=...;)",
                                       _BIN_AUTO_DOC], code="KQ360")
    at_option = options.get("query_bin_auto_at")
    if at_option is not None and at_option.value is None:
        at_option = None
    value = exprs.bind(node.args[0], scope)
    constants = Scope(scope.env)  # the options are constants: no column is in scope for them
    size = _constant_option(exprs, size_option, constants)
    at = _constant_option(exprs, at_option, constants) if at_option is not None else None
    _check_bin_auto_types(value.type, size, at, node)
    size_node = size_option.value
    assert size_node is not None
    if at_option is None or at_option.value is None:
        call = A.Call(node.span, "bin", (node.args[0], size_node), node.name_span)
    else:
        call = A.Call(node.span, "bin_at", (node.args[0], size_node, at_option.value), node.name_span)
    fn = lookup(call.name)
    assert fn is not None
    return exprs.call(fn, call, scope)


def _constant_option(exprs: ExpressionBinder, option: A.SetOption, scope: Scope) -> BExpr:
    assert option.value is not None
    bound = exprs.bind(option.value, scope)
    if not isinstance(bound, BLit):
        raise KqlTypeError(f"set {option.name} needs a constant value, such as 1h, 10 or datetime(2017-01-01)",
                           option.value.span, code="KQ311")
    return bound


def _check_bin_auto_types(value: str, size: BExpr, at: BExpr | None, node: A.Call) -> None:
    """Numbers bin by numbers, datetimes and timespans by timespans; the fixed point has the
    value's kind (a number, a timespan or a datetime)."""
    if value in _NUMBERS:
        size_ok, at_ok = size.type in _NUMBERS, at is None or at.type in _NUMBERS
    elif value in ("datetime", "timespan"):
        size_ok, at_ok = size.type == "timespan", at is None or at.type == value
    else:
        raise KqlTypeError(f"bin_auto() bins numbers, datetimes and timespans, not {value}", node.args[0].span,
                           code="KQ311")
    if not size_ok:
        raise KqlTypeError(f"bin_auto() of a {value} needs query_bin_auto_size to be "
                           f"{'a number' if value in _NUMBERS else 'a timespan'}, not {size.type}",
                           node.span, code="KQ311")
    if not at_ok:
        assert at is not None
        raise KqlTypeError(f"bin_auto() of a {value} needs query_bin_auto_at to be "
                           f"{'a number' if value in _NUMBERS else 'a ' + value}, not {at.type}",
                           node.span, code="KQ311")


# ---------------------------------------------------------------- bag_pack_columns


def bind_bag_pack_columns(exprs: ExpressionBinder, node: A.Call, scope: Scope) -> BExpr:
    """bag_pack_columns(c1, c2, ...): {"c1": c1, "c2": c2, ...}, null values included."""
    from ..functions.dynamic import pack_all_sql

    if not node.args:
        raise KqlTypeError("bag_pack_columns() takes one or more columns", node.span, code="KQ309")
    columns: list[tuple[str, str]] = []
    for arg in node.args:
        if not (isinstance(arg, A.Name) and arg.name in scope.columns):
            raise KqlTypeError("bag_pack_columns() takes columns of the input, such as bag_pack_columns(Id, Value)",
                               arg.span, ["to pack other values, name them: bag_pack('key', value, ...)"],
                               code="KQ311")
        if all(arg.name != name for name, _ in columns):  # a column listed twice is one key
            columns.append((arg.name, scope.columns[arg.name]))
    return BSql("dynamic", lambda *sqls: pack_all_sql(columns, sqls, False),
                tuple(BCol(t, name) for name, t in columns))
