"""T | reduce [kind=source] by Expr [with threshold=T, characters="..."]

The options are checked here; the patterns are mined by the Python functions of
functions/reduce_patterns.py over the distinct values of Expr (with their row counts, in order of
first appearance), which sql/reduce.py calls once per query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlNameError, KqlTypeError, did_you_mean
from ..functions import reduce_patterns
from ..sql.reduce import ReduceSpec, reduce_sql
from ..syntax import ast as A
from .more_ops import _extend, row_number
from .naming import unique
from .plan import BLit, Col, Rel, SqlRel

if TYPE_CHECKING:
    from .binder import Binder, Env

DOCS = "https://learn.microsoft.com/kusto/query/reduce-operator"
_HELP = ["T | reduce [kind=source] by Expr [with threshold=0.1, characters=\" \"]", f"see {DOCS}"]
_DEFAULT_THRESHOLD = 0.1


def reduce_operator(b: Binder, op: A.Reduce, rel: Rel, env: Env) -> Rel:
    assert reduce_patterns.OTHERS  # the module registers the Python functions the SQL calls
    kind = op.param("kind")
    if kind is not None and str(kind).lower() != "source":
        raise KqlTypeError(f"reduce: unknown kind '{kind}'; the only kind is source", op.param_span("kind"),
                           _HELP, code="KQ353")
    for p in op.params:
        if p.name != "kind":
            raise KqlNameError(f"reduce has no parameter '{p.name}'", p.span, _HELP, code="KQ210")
    scope = b.scope_of(rel, env)
    value = b.exprs.bind(op.expr, scope)
    if value.type != "string":
        raise KqlTypeError(f"reduce: the value to reduce must be a string, not {value.type}", op.expr.span,
                           ["convert it: reduce by tostring(...)"], code="KQ311")
    threshold, characters = _options(b, op, scope)
    numbered = _extend(rel, "__kq_rn", row_number([], list(rel.order or ())), order=None)
    staged = _extend(numbered, "__kq_rv", value, order=None)
    spec = ReduceSpec(threshold, characters, source=kind is not None,
                      columns=tuple(c.name for c in rel.columns))
    cols: tuple[Col, ...]
    if kind is None:
        cols = (Col("Pattern", "string"), Col("Count", "long"), Col("Representative", "string"))
    else:
        pattern = unique("Pattern", {c.name for c in rel.columns})
        cols = rel.columns + (Col(pattern, "string"),)

    def build(c) -> str:
        return reduce_sql(spec, c.rel(staged), cols[-1].name)

    # kind=source keeps the input's row order; the pattern rows come Count descending, `others` last
    return SqlRel(cols, inputs=(staged,), build=build, serialized=kind is not None)


def _options(b: Binder, op: A.Reduce, scope) -> tuple[float, str | None]:
    threshold = _DEFAULT_THRESHOLD
    characters: str | None = None
    found: set[str] = set()
    for option in op.options:
        name = option.name.lower()
        if name not in ("threshold", "characters"):
            raise KqlNameError(f"reduce has no option '{option.name}'", option.span,
                               did_you_mean(option.name, ["threshold", "characters"]) or _HELP, code="KQ210")
        if name in found:
            raise KqlNameError(f"reduce: {name} is given twice", option.span, code="KQ212")
        found.add(name)
        bound = b.exprs.bind(option.value, scope)
        if name == "threshold":
            if not (isinstance(bound, BLit) and bound.type in ("real", "int", "long", "decimal")
                    and bound.value is not None and 0 <= float(bound.value) <= 1):
                raise KqlTypeError("reduce: threshold must be a constant real between 0 and 1", option.value.span,
                                   ["with threshold=0.1 (the default)"], code="KQ353")
            threshold = float(bound.value)
        else:
            if not isinstance(bound, BLit) or bound.type != "string" or bound.value is None:
                raise KqlTypeError("reduce: characters must be a constant string of separator characters",
                                   option.value.span, ["with characters=\"-_\""], code="KQ353")
            characters = str(bound.value)
    return threshold, characters
