"""Functions that return several values, in extend and project: one column per value.

`extend series_stats(x)` adds series_stats_x_min, series_stats_x_min_idx, ...; `extend (a, b) = series_fit_line(y)`
names the first values and shows only those; `project (a, b) = ...` shows the rest under default names. The function's value (a JSON
object, see functions/series.py) is computed once into a hidden column, then unpacked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlNameError, KqlTypeError
from ..functions.series import MULTI_VALUE
from ..sql.quote import quote_string
from ..syntax import ast as A
from . import naming
from .plan import BCol, BExpr, BSql, Col, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env
    from .tabular_ops import TabularOps

_SQL_OF = {"real": "DOUBLE", "long": "BIGINT"}


def has_tuples(items: tuple[A.Assign, ...]) -> bool:
    return any(_is_tuple(i) for i in items)


def _is_tuple(item: A.Assign) -> bool:
    return len(item.names) > 1 or (isinstance(item.expr, A.Call) and item.expr.name in MULTI_VALUE)


def extend(ops: TabularOps, op: A.Extend, rel: Rel, env: Env) -> Rel:
    """Each assignment sees the columns made by the ones before it, as in a plain extend."""
    current = rel
    for item in op.items:
        if not _is_tuple(item):
            current = ops.visit_Extend(A.Extend(item.span, (item,)), current, env)
            continue
        hidden = naming.unique("__kq_tuple", set(current.column_names()))
        with_value = _with_hidden(ops.b, current, env, [(item, hidden)])
        cols = list(current.columns)
        exprs: list[BExpr] = ops.b.passthrough(current)
        for col, value in _unpacked(item, hidden):
            names = [c.name for c in cols]
            if col.name in names:
                i = names.index(col.name)
                cols[i], exprs[i] = col, value
            else:
                cols.append(col)
                exprs.append(value)
        current = ops.b.project(with_value, cols, exprs)
    return current


def project(ops: TabularOps, op: A.Project, rel: Rel, env: Env) -> Rel:
    used = set(rel.column_names())
    hidden_of: dict[int, str] = {}
    for i, item in enumerate(op.items):
        if _is_tuple(item):
            hidden_of[i] = naming.unique(f"__kq_tuple{i}", used)
            used.add(hidden_of[i])
    with_values = _with_hidden(ops.b, rel, env, [(op.items[i], h) for i, h in hidden_of.items()])
    scope = ops.b.scope_of(rel, env)
    cols: list[Col] = []
    exprs: list[BExpr] = []
    counter = [0]
    for i, item in enumerate(op.items):
        if i in hidden_of:
            pairs = _unpacked(item, hidden_of[i], all_values=True)
        else:
            value = ops.b.exprs.bind(item.expr, scope)
            name = item.names[0] if item.names else naming.derive(item.expr) or naming.next_column(used, counter)
            pairs = [(Col(name, value.type), value)]
        for col, value in pairs:
            if col.name in [c.name for c in cols]:
                raise KqlNameError(f"column '{col.name}' is projected twice", item.span,
                                   ["give one of them another name: project new_name = ..."], code="KQ208")
            cols.append(col)
            exprs.append(value)
    return ops.b.project(with_values, cols, exprs)


def _with_hidden(binder: Binder, rel: Rel, env: Env, items: list[tuple[A.Assign, str]]) -> Rel:
    scope = binder.scope_of(rel, env)
    cols = list(rel.columns)
    exprs = binder.passthrough(rel)
    for item, hidden in items:
        call = item.expr
        if not (isinstance(call, A.Call) and call.name in MULTI_VALUE):
            raise KqlTypeError("(a, b, ...) = needs a function that returns several values, such as "
                               "series_stats() or series_fit_line()", item.expr.span, code="KQ341")
        fields = MULTI_VALUE[call.name]
        if len(item.names) > len(fields):
            raise KqlTypeError(f"{call.name}() returns {len(fields)} values, but {len(item.names)} names are given",
                               item.span, [f"values: {', '.join(f for f, _ in fields)}"], code="KQ341")
        value = binder.exprs.bind(call, scope)
        cols.append(Col(hidden, "dynamic"))
        exprs.append(value)
    return binder.project(rel, cols, exprs)


def _unpacked(item: A.Assign, hidden: str, all_values: bool = False) -> list[tuple[Col, BExpr]]:
    """The columns of one multi-value call: the names given, else series_stats_x_min, ...

    extend shows only as many values as names are given; project (all_values) shows the rest too,
    under their default names (series-fit-2lines docs)."""
    call = item.expr
    assert isinstance(call, A.Call)
    fields = MULTI_VALUE[call.name]
    arg = naming.derive(call.args[0]) if call.args else None
    prefix = f"{call.name}_{arg}" if arg else call.name
    names = list(item.names) or [f"{prefix}_{f}" for f, _ in fields]
    if all_values:
        names += [f"{prefix}_{f}" for f, _ in fields[len(names):]]
    out: list[tuple[Col, BExpr]] = []
    for name, (field, kql_type) in zip(names, fields):
        path = quote_string(f"$.{field}")
        if kql_type == "dynamic":
            value = BSql("dynamic", lambda h, p=path: f"json_extract({h}, {p})", (BCol("dynamic", hidden),))
        else:
            sql_type = _SQL_OF[kql_type]
            value = BSql(kql_type, lambda h, p=path, t=sql_type: f"TRY_CAST(json_extract_string({h}, {p}) AS {t})",
                         (BCol("dynamic", hidden),))
        out.append((Col(name, kql_type), value))
    return out


def field_access(base: BExpr, key: object) -> BExpr | None:
    """`series_stats_dynamic(x).max`: only that statistic, instead of building the object to read one key."""
    from ..functions.registry import Arg
    from ..functions.series import field_sql
    from .plan import BCall, BLit

    if not (isinstance(base, BCall) and isinstance(key, str)):
        return None
    consts = [(a.type, a.value if isinstance(a, BLit) else None, isinstance(a, BLit)) for a in base.args]
    name = base.fn.name
    if field_sql(name, [Arg("x", t, v, c) for t, v, c in consts], key) is None:
        return None

    def build(*sqls: str) -> str:
        sql = field_sql(name, [Arg(s, t, v, c) for s, (t, v, c) in zip(sqls, consts)], key)
        assert sql is not None
        return sql

    return BSql("dynamic", build, base.args)
