"""Window functions over serialized rows; `over` is the ORDER BY the binder derived."""

from __future__ import annotations

from typing import Sequence

from .registry import Arg, same, window


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
window("prev", "any integer? any?", same(0), _shift("lag"))
window("next", "any integer? any?", same(0), _shift("lead"))
window("row_cumsum", "number bool?", same(0),
       lambda a, over="", **_: f"sum({a[0].sql}) OVER ({over} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)")
