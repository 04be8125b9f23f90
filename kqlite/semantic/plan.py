"""The typed plan: what the binder produces and the SQL generator consumes.

Every relation knows its output columns (name and KQL type) and, when its rows are in
a defined order, the keys of that order. Bound expressions know their KQL type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, eq=False)
class BExpr:
    type: str


@dataclass(frozen=True, eq=False)
class BLit(BExpr):
    value: Any


@dataclass(frozen=True, eq=False)
class BCol(BExpr):
    name: str
    qualifier: str | None = None  # 'l' / 'r' inside join conditions


@dataclass(frozen=True, eq=False)
class BCall(BExpr):
    """A registry function (scalar, aggregate or window) with bound arguments."""

    fn: Any  # functions.registry.Function
    args: tuple[BExpr, ...]
    options: Any = None  # function-specific constant data decided at bind time


@dataclass(frozen=True, eq=False)
class BSql(BExpr):
    """SQL built by the binder from already-bound parts; `build` gets their SQL texts."""

    build: Callable[..., str]
    args: tuple[BExpr, ...]
    aggregate: bool = False


@dataclass(frozen=True, eq=False)
class BScalarQuery(BExpr):
    """toscalar(T | ...): the first column of the first row."""

    rel: Rel


@dataclass(frozen=True, eq=False)
class BInQuery(BExpr):
    """x in (T | project y)"""

    left: BExpr
    rel: Rel
    negated: bool
    case_insensitive: bool


# ---------------------------------------------------------------- relations


@dataclass(frozen=True)
class Col:
    name: str
    type: str


@dataclass(frozen=True)
class OrderKey:
    expr: BExpr
    desc: bool
    nulls_first: bool


@dataclass(frozen=True, eq=False)
class Rel:
    columns: tuple[Col, ...]
    order: tuple[OrderKey, ...] | None = field(default=None, kw_only=True)
    # False marks a relation built from operators that do not keep rows serialized (summarize's
    # arg_max); None lets semantic/windows.py decide from the operator chain
    serialized: bool | None = field(default=None, kw_only=True)

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Col | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    def col(self, name: str) -> Col:
        """A column the caller knows is there (already checked against column_names())."""
        found = self.column(name)
        if found is None:
            raise KeyError(name)
        return found


@dataclass(frozen=True, eq=False)
class Table(Rel):
    name: str  # the DuckDB table or view name


@dataclass(frozen=True, eq=False)
class Values(Rel):
    """datatable and print: constant rows."""

    rows: tuple[tuple[BExpr, ...], ...]


@dataclass(frozen=True, eq=False)
class RangeRel(Rel):
    start: BExpr
    stop: BExpr
    step: BExpr


@dataclass(frozen=True, eq=False)
class Filter(Rel):
    input: Rel
    predicate: BExpr


@dataclass(frozen=True, eq=False)
class Projection(Rel):
    """Output column i is items[i] evaluated over input (project, extend, rename, away...)."""

    input: Rel
    items: tuple[BExpr, ...]


@dataclass(frozen=True, eq=False)
class Aggregate(Rel):
    """Output = keys then aggregates."""

    input: Rel
    keys: tuple[BExpr, ...]
    aggregates: tuple[BExpr, ...]


@dataclass(frozen=True, eq=False)
class Distinct(Rel):
    input: Rel


@dataclass(frozen=True, eq=False)
class Limit(Rel):
    input: Rel
    count: BExpr


@dataclass(frozen=True, eq=False)
class Order(Rel):
    input: Rel
    keys: tuple[OrderKey, ...]


@dataclass(frozen=True, eq=False)
class JoinRel(Rel):
    """kind is Kusto's join kind; outputs are (side, input column name) per output column."""

    left: Rel
    right: Rel
    kind: str
    left_keys: tuple[str, ...]
    right_keys: tuple[str, ...]
    outputs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)
class UnionRel(Rel):
    """Each input is projected onto all output columns; missing ones are null (or '')."""

    inputs: tuple[Rel, ...]
    source_column: str | None
    source_names: tuple[str, ...]
    origins: tuple[tuple[str, str], ...] = ()  # output column -> input column when renamed name_type


@dataclass(frozen=True, eq=False)
class MvExpandRel(Rel):
    input: Rel
    expand: tuple[tuple[str, BExpr, str | None], ...]  # (column, array expr, to-type)
    index_column: str | None
    limit: int | None


@dataclass(frozen=True, eq=False)
class Sample(Rel):
    input: Rel
    count: int


@dataclass(frozen=True, eq=False)
class Serialize(Rel):
    """Fixes the row order so window functions (row_number, prev, next) are defined."""

    input: Rel


@dataclass(frozen=True, eq=False)
class MakeSeriesRel(Rel):
    """make-series (semantic/make_series.py): output = keys, one array per aggregate, the axis array."""

    input: Rel
    keys: tuple[BExpr, ...]
    aggregates: tuple[BExpr, ...]
    defaults: tuple[BExpr, ...]  # one constant per aggregate: the value of an empty bin
    axis: BExpr
    start: BExpr | None  # None: taken from the data
    end: BExpr | None
    step: BExpr
    in_range: bool  # `in range(start, stop, step)`: stop inclusive, start aligned by bin()
    nonempty: bool  # kind=nonempty: a row of defaults when the input is empty


@dataclass(frozen=True, eq=False)
class ScanStepPlan:
    """One step of scan: its condition and assignments bound for Check 1 (the previous step's
    state) and Check 2 (its own state); assignments are (declared column index, value)."""

    name: str
    output: str  # 'all' | 'last' | 'none'
    check1: BExpr | None  # None for the first step
    check2: BExpr
    assigns1: tuple[tuple[int, BExpr], ...]
    assigns2: tuple[tuple[int, BExpr], ...]


@dataclass(frozen=True, eq=False)
class ScanRel(Rel):
    """scan (semantic/scan.py, sql/scan.py): input columns, declared columns, [match id], then
    the hidden __kq_rn, __kq_step that order the output."""

    input: Rel
    declared: tuple[tuple[Col, BExpr], ...]  # column and default
    steps: tuple[ScanStepPlan, ...]
    match_id: str | None


@dataclass(frozen=True, eq=False)
class SqlRel(Rel):
    """A relation whose SELECT a builder writes (evaluate plugins: IP range joins, rolling windows):
    `build(compiler)` names its inputs through compiler.rel() and its expressions through compiler.expr()."""

    inputs: tuple[Rel, ...]
    build: Callable[[Any], str]


@dataclass(frozen=True, eq=False)
class Materialized(Rel):
    """A relation referenced more than once (materialize(), `as`): computed once."""

    input: Rel


@dataclass(frozen=True, eq=False)
class BPath(BExpr):
    """Property/element access into a dynamic value: base.a.b[0] (steps are str keys, int
    indexes, or bound expressions for computed keys)."""

    base: BExpr
    steps: tuple[Any, ...]
    as_text: bool = False  # read the value as text (json_extract_string): tostring(d.a) in one step
