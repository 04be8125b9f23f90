"""Window functions over serialized rows; `over` is the ORDER BY the binder derived."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import KqlTypeError
from .registry import Arg, window


def _shift_type(types: Sequence[str]) -> str:
    """prev/next: the column's type; a default must have it too."""
    numbers = ("int", "long", "real", "decimal")
    if len(types) > 2 and types[2] != types[0] and not (types[2] in numbers and types[0] in numbers):
        raise KqlTypeError(f"the default of prev()/next() must be {types[0]} like the value, not {types[2]}")
    return types[0]


def _row_number(a: Sequence[Arg], over: str = "", **_) -> str:
    start = a[0].sql if a else "1"
    return f"CAST(row_number() OVER ({over}) + ({start}) - 1 AS BIGINT)"


def _shift(fn: str):
    def build(a: Sequence[Arg], over: str = "", **_) -> str:
        offset = a[1].sql if len(a) > 1 else "1"
        default = f", {a[2].sql}" if len(a) > 2 else ""
        value = f"{fn}({a[0].sql}, {offset}{default}) OVER ({over})"
        return value if a[0].type != "string" or default else f"COALESCE({value}, '')"
    return build


window("row_number", "integer? bool?", "long", _row_number)
window("prev", "any integer? any?", _shift_type, _shift("lag"))
window("next", "any integer? any?", _shift_type, _shift("lead"))
window("row_cumsum", "number bool?", lambda t: t[0],
       lambda a, over="", **_: f"sum({a[0].sql}) OVER ({over} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)")
