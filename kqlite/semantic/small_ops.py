"""Two small tabular operators: consume and sample-distinct."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlNameError, KqlTypeError, did_you_mean
from ..syntax import ast as A
from .expressions import Scope
from .operators import coerce
from .plan import BCol, BLit, Distinct, Filter, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env


def consume(b: Binder, op: A.Consume, rel: Rel) -> Rel:
    """T | consume [decodeblocks=true]: the input is read and nothing is returned (Kusto's docs:
    "No rows to show"). The input's columns are kept, so `getschema` after it still answers."""
    for p in op.params:
        if p.name != "decodeblocks":
            raise KqlNameError(f"consume has no parameter '{p.name}'", p.span, ["consume [decodeblocks=true]"],
                               code="KQ210")
        if not isinstance(p.value, bool):
            raise KqlTypeError("decodeblocks must be true or false", p.span, code="KQ353")
    return Filter(rel.columns, input=rel, predicate=BLit("bool", False))


def sample_distinct(b: Binder, op: A.SampleDistinct, rel: Rel, env: Env) -> Rel:
    """T | sample-distinct N of Column: up to N distinct values of Column, in a column of that name.

    Kusto picks whichever values are fastest to reach ("optimized for performance rather than
    fairness"); kqlite returns the first N distinct values DuckDB produces."""
    column = rel.column(op.column.name)
    if column is None:
        raise KqlNameError(f"sample-distinct: unknown column '{op.column.name}'", op.column.span,
                           did_you_mean(op.column.name, rel.column_names(), "columns"), code="KQ201")
    count = b.exprs.bind(op.count, Scope(env))
    if count.type not in ("int", "long", "real"):
        raise KqlTypeError(f"sample-distinct needs a number of values, not {count.type}", op.count.span,
                           code="KQ319")
    values = b.project(rel, [column], [BCol(column.type, column.name)], keep_order=False)
    return b.limit(Distinct(values.columns, input=values), coerce(count, "long"))
