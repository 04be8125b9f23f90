"""`range x from start to stop step s`: the types Kusto accepts and the order of the rows.

Numbers step by numbers (the column takes the widest of the three types: `range x from 1 to 2 step 0.5` is
real); datetimes and timespans step by timespans. A negative step counts down (the rows come out in that
order); a zero step is an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlTypeError
from ..syntax import ast as A
from ..types import common_numeric
from .expressions import Scope
from .operators import coerce
from .plan import BCol, BLit, Col, OrderKey, RangeRel

if TYPE_CHECKING:
    from .binder import Env, ExpressionBinder

_NUMERIC = ("int", "long", "real", "decimal")


def range_relation(exprs: ExpressionBinder, node: A.Range, env: Env) -> RangeRel:
    scope = Scope(env)
    start = exprs.bind(node.start, scope)
    stop = exprs.bind(node.stop, scope)
    step = exprs.bind(node.step, scope)
    t = start.type
    if t in _NUMERIC:
        for what, value, part in (("stop", stop, node.stop), ("step", step, node.step)):
            if value.type not in _NUMERIC:
                raise KqlTypeError(f"range from a number needs a numeric {what}, not {value.type}", part.span,
                                   code="KQ315")
        t = common_numeric(common_numeric(t, stop.type), step.type)
        t = "long" if t == "int" else t
        start, stop = coerce(start, t), coerce(stop, t)
    elif t in ("datetime", "timespan"):
        if stop.type != t:
            raise KqlTypeError(f"range from a {t} needs a {t} stop, not {stop.type}", node.stop.span, code="KQ315")
        if step.type != "timespan":
            raise KqlTypeError(f"range over {t} values needs a timespan step, not {step.type}", node.step.span,
                               ["e.g. step 1h"], code="KQ315")
    else:
        raise KqlTypeError(f"range needs numeric, datetime or timespan bounds, not {t}", node.start.span,
                           code="KQ315")
    descending = False
    if isinstance(step, BLit) and step.value is not None:
        if step.value == 0:
            raise KqlTypeError("the range step must not be zero", node.step.span, code="KQ315")
        descending = step.value < 0
    return RangeRel((Col(node.column, t),), start=start, stop=stop, step=step,
                    order=(OrderKey(BCol(t, node.column), descending, descending),))
