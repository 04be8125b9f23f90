"""Window functions over serialized rows; `over` is the ORDER BY the binder derived.

A form that cannot be one SQL window call (a restart predicate, ranks over runs of equal
terms, sessions) has a `Steps` entry in STEPS: semantic/windows.py then computes it in
three SELECTs over a row index, with the helper columns the entry asks for."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import KqlTypeError
from ..types import SQL_TYPE
from .registry import Arg, window

_UPTO_HERE = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


@dataclass(frozen=True)
class Steps:
    """How a window call is computed from its arguments' SQL and the row index's SQL."""

    applies: Callable[[int], bool]  # given the number of arguments
    helper_types: tuple[str, ...]
    helpers: Callable[[Sequence[str], str], list[str]]  # (arguments, row) -> helper columns' SQL
    final: Callable[[Sequence[str], Sequence[str], str, str], str]  # (arguments, helpers, row, type) -> SQL


STEPS: dict[str, Steps] = {}


def _segment(restart: str | None, row: str) -> str:
    """Rows since the last restart share a segment number (a restart row opens a new one)."""
    if restart is None:
        return "0"
    return f"sum(CASE WHEN {restart} THEN 1 ELSE 0 END) OVER (ORDER BY {row} {_UPTO_HERE})"


def _in_segment(seg: str, row: str) -> str:
    return f"(PARTITION BY {seg} ORDER BY {row} {_UPTO_HERE})"


# ---------------------------------------------------------------- row_number


def _row_number(a: Sequence[Arg], over: str = "", **_) -> str:
    start = a[0].sql if a else "1"
    return f"CAST(row_number() OVER ({over}) + ({start}) - 1 AS BIGINT)"


window("row_number", "integer? bool?", "long", _row_number)
STEPS["row_number"] = Steps(
    applies=lambda n: n >= 2, helper_types=("long",),
    helpers=lambda a, row: [_segment(a[1], row)],
    final=lambda a, h, row, t: f"CAST(row_number() OVER (PARTITION BY {h[0]} ORDER BY {row}) + ({a[0]}) - 1 AS BIGINT)")

# ---------------------------------------------------------------- prev / next


def _shift_type(types: Sequence[str]) -> str:
    """prev/next: the column's type; a default must have it too."""
    numbers = ("int", "long", "real", "decimal")
    if len(types) > 2 and types[2] != types[0] and not (types[2] in numbers and types[0] in numbers):
        raise KqlTypeError(f"the default of prev()/next() must be {types[0]} like the value, not {types[2]}")
    return types[0]


def _shift(fn: str):
    def build(a: Sequence[Arg], over: str = "", **_) -> str:
        offset = a[1].sql if len(a) > 1 else "1"
        default = f", CAST({a[2].sql} AS {SQL_TYPE[a[0].type]})" if len(a) > 2 else ""
        value = f"{fn}({a[0].sql}, {offset}{default}) OVER ({over})"
        return value if a[0].type != "string" or default else f"COALESCE({value}, '')"
    return build


window("prev", "any integer? any?", _shift_type, _shift("lag"))
window("next", "any integer? any?", _shift_type, _shift("lead"))

# ---------------------------------------------------------------- row_cumsum


def _cumsum(value: str, t: str, frame: str) -> str:
    return f"CAST(sum({value}) OVER {frame} AS {SQL_TYPE[t]})"


window("row_cumsum", "number bool?", lambda t: t[0],
       lambda a, over="", **_: _cumsum(a[0].sql, a[0].type, f"({over} {_UPTO_HERE})"),
       notes="with a restart predicate it is computed over a row index in extra steps")
STEPS["row_cumsum"] = Steps(
    applies=lambda n: n >= 2, helper_types=("long",),
    helpers=lambda a, row: [_segment(a[1], row)],
    final=lambda a, h, row, t: _cumsum(a[0], t, _in_segment(h[0], row)))


# ---------------------------------------------------------------- row_rank_dense / row_rank_min


def _rank_helpers(a: Sequence[str], row: str) -> list[str]:
    """The segment, and whether the term differs from the previous row's."""
    return [_segment(a[1] if len(a) > 1 else None, row),
            f"(lag({a[0]}) OVER (ORDER BY {row}) IS DISTINCT FROM {a[0]})"]


def _rank_dense(a: Sequence[str], h: Sequence[str], row: str, t: str) -> str:
    changes = f"CASE WHEN {h[1]} THEN 1 ELSE 0 END"
    w = _in_segment(h[0], row)
    # 1 on a segment's first row, then one more at each change of the term
    return f"CAST(1 + sum({changes}) OVER {w} - first_value({changes}) OVER {w} AS BIGINT)"


def _rank_min(a: Sequence[str], h: Sequence[str], row: str, t: str) -> str:
    w = _in_segment(h[0], row)
    run_start = f"greatest(max(CASE WHEN {h[1]} THEN {row} END) OVER {w}, min({row}) OVER {w})"
    return f"CAST({run_start} - min({row}) OVER {w} + 1 AS BIGINT)"


def _rank_type(types: Sequence[str]) -> str:
    if types[0] == "dynamic":
        raise KqlTypeError("the term of a row rank must be a scalar value, not dynamic")
    return "long"


window("row_rank_dense", "any bool?", _rank_type, lambda a, **_: "")
STEPS["row_rank_dense"] = Steps(applies=lambda n: True, helper_types=("long", "bool"), helpers=_rank_helpers,
                                final=_rank_dense)
window("row_rank_min", "any bool?", _rank_type, lambda a, **_: "",
       notes="the rank restarts at each run of equal terms (the input is expected sorted by the term)")
STEPS["row_rank_min"] = Steps(applies=lambda n: True, helper_types=("long", "bool"), helpers=_rank_helpers,
                              final=_rank_min)

# ---------------------------------------------------------------- row_window_session


def _session_final(a: Sequence[str], h: Sequence[str], row: str, t: str) -> str:
    """A left fold over the segment's values so far: the accumulator is (session start, previous
    value); a value starts a session when it is null, follows a null, or is at least
    MaxDistanceFromFirst past the start or MaxDistanceBetweenNeighbors past the previous value."""
    value, first, neighbors = a[0], a[1], a[2]
    restart = a[3] if len(a) > 3 else "false"
    step_first = f"to_microseconds(CAST(({first}) // 10 AS BIGINT))"
    step_next = f"to_microseconds(CAST(({neighbors}) // 10 AS BIGINT))"
    items = f"list({{'s': {value}, 'p': {value}, 'r': COALESCE({restart}, false)}}) OVER {_in_segment(h[0], row)}"
    starts = (f"CASE WHEN e['r'] OR acc['s'] IS NULL OR e['p'] IS NULL OR e['p'] >= acc['s'] + {step_first} "
              f"OR e['p'] >= acc['p'] + {step_next} THEN e['p'] ELSE acc['s'] END")
    return f"list_reduce({items}, lambda acc, e: {{'s': {starts}, 'p': e['p'], 'r': e['r']}}).s"


window("row_window_session", "datetime timespan timespan bool?", "datetime", lambda a, **_: "",
       notes="a fold over each restart segment's rows so far: quadratic in the length of a segment")
STEPS["row_window_session"] = Steps(
    applies=lambda n: True, helper_types=("long",),
    helpers=lambda a, row: [_segment(a[3] if len(a) > 3 else None, row)], final=_session_final)
