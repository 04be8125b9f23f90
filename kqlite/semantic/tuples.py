"""Functions that return several values, in extend and project: one column per value.

`extend series_stats(x)` adds series_stats_x_min, series_stats_x_min_idx, ...; `extend (a, b) = series_fit_line(y)`
names the first values and shows only those; `project (a, b) = ...` shows the rest under default names. The function's value (a JSON
object, see functions/series.py) is computed once into a hidden column, then unpacked.

`array_sort_asc(a1, a2, ...)` with several arrays is one too: its value is the array of the sorted
arrays, unpacked into a1_sorted, a2_sorted... (array-sort-asc docs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlNameError, KqlTypeError
from ..functions.series import MULTI_VALUE
from ..sql.quote import quote_string
from ..syntax import ast as A
from . import naming
from .plan import BCall, BCol, BExpr, BSql, Col, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env
    from .expressions import Scope
    from .tabular_ops import TabularOps

_SQL_OF = {"real": "DOUBLE", "long": "BIGINT"}


def has_tuples(items: tuple[A.Assign, ...]) -> bool:
    return any(_is_tuple(i) for i in items)


_SORTS_TOGETHER = ("array_sort_asc", "array_sort_desc")
# (JSON path in the call's value, KQL type, default column name) of each value
Fields = list[tuple[str, str, str]]


def _is_tuple(item: A.Assign) -> bool:
    return len(item.names) > 1 or (isinstance(item.expr, A.Call) and _returns_several(item.expr))


def _returns_several(call: A.Call) -> bool:
    if call.name in MULTI_VALUE:
        return True
    # array_sort_asc(a, false) sorts one array; array_sort_asc(a, b [, nulls_last]) sorts several
    if call.name in _SORTS_TOGETHER and len(call.args) > 1:
        return not (len(call.args) == 2 and isinstance(call.args[1], A.Literal) and call.args[1].type == "bool")
    return False


def _fields(call: A.Call, value: BExpr) -> Fields:
    """(JSON path in the call's value, KQL type, default column name) of each value the bound call returns."""
    if call.name in MULTI_VALUE:
        arg = naming.derive(call.args[0]) if call.args else None
        prefix = f"{call.name}_{arg}" if arg else call.name
        return [(f"$.{f}", t, f"{prefix}_{f}") for f, t in MULTI_VALUE[call.name]]
    assert isinstance(value, BCall)
    arrays = [a for a, b in zip(call.args, value.args) if b.type == "dynamic"]
    if len(arrays) == 1:  # a non-constant nulls_last: one sorted array after all
        return [("$", "dynamic", f"{naming.derive(arrays[0]) or 'array1'}_sorted")]
    return [(f"$[{k}]", "dynamic", f"{naming.derive(a) or f'array{k + 1}'}_sorted") for k, a in enumerate(arrays)]


def extend(ops: TabularOps, op: A.Extend, rel: Rel, env: Env) -> Rel:
    """Each assignment sees the columns made by the ones before it, as in a plain extend."""
    current = rel
    for item in op.items:
        if not _is_tuple(item):
            current = ops.visit_Extend(A.Extend(item.span, (item,)), current, env)
            continue
        hidden = naming.unique("__kq_tuple", set(current.column_names()))
        with_value, fields_of = _with_hidden(ops.b, current, env, [(item, hidden)])
        cols = list(current.columns)
        exprs: list[BExpr] = ops.b.passthrough(current)
        for col, value in _unpacked(item, BCol("dynamic", hidden), fields_of[hidden]):
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
    with_values, fields_of = _with_hidden(ops.b, rel, env, [(op.items[i], h) for i, h in hidden_of.items()])
    scope = ops.b.scope_of(rel, env)
    cols: list[Col] = []
    exprs: list[BExpr] = []
    counter = [0]
    for i, item in enumerate(op.items):
        if i in hidden_of:
            pairs = _unpacked(item, BCol("dynamic", hidden_of[i]), fields_of[hidden_of[i]],
                              all_values=True)
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


def print_values(binder: Binder, item: A.Assign, scope: Scope) -> list[tuple[Col, BExpr]] | None:
    """`print array_sort_asc(a, b)`: one column per value (print has one row, so the call's value is
    read in place, with no hidden column); None for an item that is not a multi-value call."""
    if not _is_tuple(item):
        return None
    value, fields = _bound_values(binder, item, scope)
    return _unpacked(item, value, fields, all_values=True)


def _bound_values(binder: Binder, item: A.Assign, scope: Scope) -> tuple[BExpr, Fields]:
    """The item's multi-value call, bound, and the values it holds; KQ341 when the item is not such a
    call or names more values than the call returns."""
    call = item.expr
    if not (isinstance(call, A.Call) and _returns_several(call)):
        raise KqlTypeError("(a, b, ...) = needs a function that returns several values, such as "
                           "series_stats() or series_fit_line()", item.expr.span, code="KQ341")
    value = binder.exprs.bind(call, scope)
    fields = _fields(call, value)
    if len(item.names) > len(fields):
        raise KqlTypeError(f"{call.name}() returns {len(fields)} values, but {len(item.names)} names are given",
                           item.span, [f"values: {', '.join(name for _, _, name in fields)}"], code="KQ341")
    return value, fields


def _with_hidden(binder: Binder, rel: Rel, env: Env,
                 items: list[tuple[A.Assign, str]]) -> tuple[Rel, dict[str, Fields]]:
    """rel with each call's value in its hidden column, and the values each hidden column holds."""
    scope = binder.scope_of(rel, env)
    fields_of: dict[str, Fields] = {}
    cols = list(rel.columns)
    exprs = binder.passthrough(rel)
    for item, hidden in items:
        value, fields_of[hidden] = _bound_values(binder, item, scope)
        cols.append(Col(hidden, "dynamic"))
        exprs.append(value)
    return binder.project(rel, cols, exprs), fields_of


def _unpacked(item: A.Assign, source: BExpr, fields: Fields, all_values: bool = False) -> list[tuple[Col, BExpr]]:
    """The columns of one multi-value call: the names given, else series_stats_x_min, ...

    extend shows only as many values as names are given; project (all_values) shows the rest too,
    under their default names (series-fit-2lines docs)."""
    names = list(item.names) or [default for _, _, default in fields]
    if all_values:
        names += [default for _, _, default in fields[len(names):]]
    out: list[tuple[Col, BExpr]] = []
    for name, (json_path, kql_type, _) in zip(names, fields):
        path = quote_string(json_path)
        if kql_type == "dynamic":
            # a JSON null value is a null dynamic, as when the function returns null
            value = BSql("dynamic", lambda h, p=path: f"nullif(json_extract({h}, {p}), CAST('null' AS JSON))",
                         (source,))
        else:
            sql_type = _SQL_OF[kql_type]
            value = BSql(kql_type, lambda h, p=path, t=sql_type: f"TRY_CAST(json_extract_string({h}, {p}) AS {t})",
                         (source,))
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
