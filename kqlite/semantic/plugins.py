"""`evaluate` plugins: bag_unpack, pivot and narrow.

bag_unpack and pivot make one column per distinct property name or value, so their output
columns depend on the data. Kusto users call them without an output schema, so kqlite does
what Kusto does: it reads the data first. The binder runs a small discovery query (the
catalog's `run`, set by the engine) for the distinct bag shapes (json_structure) or the
distinct pivot values, then binds the rest of the query against the columns found. With an
output schema (`evaluate bag_unpack(d) : (*, a:long)`) no discovery query runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlTypeError, KqlUnsupportedError, Span, did_you_mean
from ..functions import catalog
from ..syntax import ast as A
from ..types import normalize
from .more_ops import _extend, literal_of, row_number
from .operators import coerce
from .plan import (
    Aggregate,
    BCol,
    BExpr,
    BLit,
    BPath,
    BSql,
    Col,
    Distinct,
    Order,
    OrderKey,
    Projection,
    Rel,
    UnionRel,
)

if TYPE_CHECKING:
    from .binder import Binder, Env

# bound in plugins_more.py
MORE_PLUGINS = ("ipv4_lookup", "ipv6_lookup", "dcount_intersect", "rolling_percentile", "rows_near", "schema_merge")
# bound in plugins_activity.py (user analytics) and plugins_sequence.py
ACTIVITY_PLUGINS = ("active_users_count", "activity_counts_metrics", "activity_engagement", "activity_metrics",
                    "new_activity_metrics", "session_count", "sliding_window_counts", "funnel_sequence",
                    "funnel_sequence_completion", "sequence_detect")
# bound in plugins_mining.py
MINING_PLUGINS = ("preview", "basket")
SUPPORTED = ("bag_unpack", "pivot", "narrow") + MORE_PLUGINS + ACTIVITY_PLUGINS + MINING_PLUGINS  # the other plugins are in functions/catalog.py, with reasons

# JSON value types (DuckDB's json_structure) -> KQL column types
_JSON_TYPES = {"VARCHAR": "string", "UBIGINT": "long", "BIGINT": "long", "DOUBLE": "real", "BOOLEAN": "bool"}
# pivot's aggregations and the conditional form that restricts each to one pivot value
_PIVOT_AGGREGATES = {"count": "countif", "sum": "sumif", "min": "minif", "max": "maxif", "avg": "avgif",
                     "dcount": "dcountif", "take_any": "take_anyif", "any": "anyif", "make_list": "make_list_if",
                     "make_set": "make_set_if", "stdev": "stdevif", "variance": "varianceif"}
_ZERO_WHEN_EMPTY = ("count", "sum", "dcount")


def evaluate(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    name = op.call.name
    if name == "bag_unpack":
        return bag_unpack(b, op, rel, env)
    if name == "pivot":
        return pivot(b, op, rel, env)
    if name == "narrow":
        return narrow(b, op, rel)
    if name in MORE_PLUGINS:
        from .plugins_more import evaluate_more

        return evaluate_more(b, op, rel, env)
    if name in ACTIVITY_PLUGINS:
        from .plugins_activity import evaluate as evaluate_activity

        return evaluate_activity(b, op, rel, env)
    if name in MINING_PLUGINS:
        from .plugins_mining import evaluate as evaluate_mining

        return evaluate_mining(b, op, rel, env)
    known = catalog.PLUGINS.get(name)
    if known is not None:  # a Kusto plugin kqlite does not run: say why, point at its page
        raise catalog.unsupported_error(known, op.call.name_span)
    raise KqlNameError(f"unknown plugin '{name}'", op.call.name_span,
                       did_you_mean(name, sorted(catalog.PLUGINS), "plugins")
                       or ["plugins: " + ", ".join(SUPPORTED)], code="KQ211")


def _discover(b: Binder, rel: Rel, span: Span) -> list[Any]:
    if b.catalog.run is None:
        raise KqlUnsupportedError("this plugin reads the data to find its output columns; give an output schema "
                                  "(evaluate plugin(...) : (name:type, ...))", span)
    return b.catalog.run(rel, b.now).column(0).to_pylist()


def _schema(op: A.Evaluate) -> tuple[bool, list[Col]] | None:
    """The output schema: whether it has `*`, and its typed columns."""
    if op.schema is None:
        return None
    star, cols = False, []
    for item in op.schema:
        if isinstance(item, A.Star):
            star = True
            continue
        assert isinstance(item, A.ColumnDecl)
        t = normalize(item.type)
        if t is None:
            raise KqlTypeError(f"unknown type '{item.type}'", item.span, code="KQ312")
        cols.append(Col(item.name, t))
    return star, cols


def _arguments(op: A.Evaluate, names: tuple[str, ...]) -> dict[str, A.Node]:
    """Positional and named arguments by parameter name (names compared case-insensitively)."""
    out: dict[str, A.Node] = {}
    positional = [a for a in op.call.args if not isinstance(a, A.Assign)]
    for name, arg in zip(names, positional):
        out[name] = arg
    lowered = {n.lower(): n for n in names}
    for a in op.call.args:
        if isinstance(a, A.Assign):
            key = lowered.get(a.names[0].lower())
            if key is None:
                raise KqlNameError(f"{op.call.name}() has no parameter '{a.names[0]}'", a.span,
                                   did_you_mean(a.names[0], list(names)), code="KQ210")
            out[key] = a.expr
    if len(positional) > len(names):
        raise KqlTypeError(f"{op.call.name}() takes at most {len(names)} arguments", op.call.span, code="KQ309")
    return out


def _constant(b: Binder, node: A.Node, env: Env, t: str, what: str) -> Any:
    from .expressions import Scope

    value = b.exprs.bind(node, Scope(env))
    if not isinstance(value, BLit) or (value.type != t and not (t == "dynamic")):
        raise KqlTypeError(f"{what} must be a constant {t}", node.span, code="KQ353")
    return value.value


# ---------------------------------------------------------------- bag_unpack


def bag_unpack(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    args = _arguments(op, ("Column", "OutputColumnPrefix", "columnsConflict", "ignoredProperties"))
    column = args.get("Column")
    if not isinstance(column, A.Name) or rel.column(column.name) is None:
        span = column.span if column is not None else op.call.span
        hint = did_you_mean(column.name, rel.column_names(), "columns") if isinstance(column, A.Name) else []
        raise KqlNameError("bag_unpack() needs a dynamic column of its input as its first argument", span, hint,
                           code="KQ201")
    source = rel.col(column.name)
    if source.type != "dynamic":
        raise KqlTypeError(f"bag_unpack() unpacks a dynamic column; '{source.name}' is {source.type}", column.span,
                           code="KQ311")
    prefix = _constant(b, args["OutputColumnPrefix"], env, "string", "the column prefix") \
        if "OutputColumnPrefix" in args else ""
    conflict = _constant(b, args["columnsConflict"], env, "string", "columnsConflict") \
        if "columnsConflict" in args else "error"
    if conflict not in ("error", "replace_source", "keep_source"):
        raise KqlTypeError(f"columnsConflict must be 'error', 'replace_source' or 'keep_source', not '{conflict}'",
                           args["columnsConflict"].span, code="KQ353")
    ignored: set[str] = set()
    if "ignoredProperties" in args:
        value = _constant(b, args["ignoredProperties"], env, "dynamic", "ignoredProperties")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise KqlTypeError("ignoredProperties must be a dynamic array of property names",
                               args["ignoredProperties"].span, code="KQ353")
        ignored = set(value)
    bag = BCol("dynamic", source.name)
    others = [c for c in rel.columns if c.name != source.name]
    schema = _schema(op)
    if schema is not None:
        star, declared = schema
        slots = [(c.name[len(prefix):] if prefix and c.name.startswith(prefix) else c.name, c) for c in declared]
        kept = others if star else []
        kept = [c for c in kept if c.name not in {d.name for d in declared}]
    else:
        slots = [(key, Col(prefix + key, t)) for key, t in _bag_slots(b, rel, bag, op.span) if key not in ignored]
        taken = {c.name for c in others}
        clashes = [col.name for _, col in slots if col.name in taken]
        if clashes and conflict == "error":
            raise KqlNameError(f"bag_unpack: property '{clashes[0]}' clashes with an input column", op.call.span,
                               ["pass columnsConflict='replace_source' or 'keep_source', or an OutputColumnPrefix"],
                               code="KQ212")
        if conflict == "replace_source":
            others = [c for c in others if c.name not in clashes]
        else:
            slots = [(k, col) for k, col in slots if col.name not in clashes]
        kept = others
    cols = list(kept) + [col for _, col in slots]
    items: list[BExpr] = [BCol(c.type, c.name) for c in kept]
    for key, col in slots:
        member: BExpr = BPath("dynamic", bag, (key,))
        items.append(member if col.type == "dynamic" else coerce(member, col.type))
    return Projection(tuple(cols), input=rel, items=tuple(items), order=None)


def _bag_slots(b: Binder, rel: Rel, bag: BCol, span: Span) -> list[tuple[str, str]]:
    """The distinct top-level property names of the bags, sorted, with the KQL type of their values."""
    shape = BSql("string", lambda d: f"CAST(json_structure(CASE WHEN json_type({d}) = 'OBJECT' THEN {d} END) AS VARCHAR)",
                 (bag,))
    shapes = Projection((Col("shape", "string"),), input=rel, items=(shape,))
    types: dict[str, set[str]] = {}
    for text in _discover(b, Distinct(shapes.columns, input=shapes), span):
        if not text:
            continue
        structure = json.loads(text)
        if not isinstance(structure, dict):
            continue
        for key, t in structure.items():
            kinds = types.setdefault(key, set())
            if t != "NULL":  # the plugin ignores null values
                kinds.add(_JSON_TYPES.get(t, "dynamic") if isinstance(t, str) else "dynamic")
    out = []
    for key in sorted(types):
        kinds = types[key]
        out.append((key, kinds.pop() if len(kinds) == 1 else "dynamic"))
    return out


# ---------------------------------------------------------------- pivot


def pivot(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    from .summarize import summarize

    args = [a for a in op.call.args if not isinstance(a, A.Assign)]
    if not args or not isinstance(args[0], A.Name):
        raise KqlTypeError("pivot() needs the column to pivot as its first argument", op.call.span, code="KQ309")
    pivot_name = args[0]
    if rel.column(pivot_name.name) is None:
        raise KqlNameError(f"pivot: unknown column '{pivot_name.name}'", pivot_name.span,
                           did_you_mean(pivot_name.name, rel.column_names(), "columns"), code="KQ201")
    agg: A.Call = A.Call(op.call.span, "count", (), op.call.span)
    rest = args[1:]
    if rest and isinstance(rest[0], A.Call):
        agg, rest = rest[0], rest[1:]
        if agg.name not in _PIVOT_AGGREGATES:
            raise KqlTypeError(f"pivot() cannot aggregate with {agg.name}()", agg.name_span,
                               ["aggregations: " + ", ".join(_PIVOT_AGGREGATES)], code="KQ354")
    for r in rest:
        if not isinstance(r, A.Name) or rel.column(r.name) is None:
            raise KqlNameError("pivot: the columns to keep must be columns of the input", r.span,
                               did_you_mean(getattr(r, "name", ""), rel.column_names(), "columns"), code="KQ201")
    used = {getattr(n, "name", "") for n in _names_in(agg)} | {pivot_name.name}
    group = [r.name for r in rest if isinstance(r, A.Name)] if rest else [c for c in rel.column_names() if c not in used]
    pcol = rel.col(pivot_name.name)
    schema = _schema(op)
    if schema is not None:
        _, declared = schema
        values = [BLit("string", c.name) for c in declared if c.name not in group]
        value_type = "string"
    else:
        values, value_type = _pivot_values(b, rel, pcol, op.span), pcol.type
    aggs = []
    for value in values:
        test: A.Node
        if value.value is None:
            test = A.Call(pivot_name.span, "isnull", (pivot_name,), pivot_name.span)
        else:
            lhs: A.Node = pivot_name if value_type == pcol.type else A.Call(pivot_name.span, "tostring", (pivot_name,),
                                                                              pivot_name.span)
            test = A.BinaryOp(pivot_name.span, "==", lhs, _ast_literal(value, pivot_name.span), pivot_name.span)
        call = A.Call(agg.span, _PIVOT_AGGREGATES[agg.name], agg.args + (test,), agg.name_span)
        aggs.append(A.Assign(agg.span, (_column_name(value.value),), call))
    by = tuple(A.Assign(op.span, (g,), A.Name(op.span, g)) for g in group)
    out = summarize(b, tuple(aggs), by, rel, env, op.span)
    if agg.name in _ZERO_WHEN_EMPTY:  # a combination with no rows shows 0, as in Kusto's examples
        items: list[BExpr] = []
        for i, c in enumerate(out.columns):
            ref = BCol(c.type, c.name)
            items.append(ref if i < len(group) else BSql(c.type, lambda s: f"COALESCE({s}, 0)", (ref,)))
        out = Projection(out.columns, input=out, items=tuple(items))
    if schema is not None:
        _, declared = schema
        names = out.column_names()
        return Projection(tuple(declared), input=out, items=tuple(
            coerce(BCol(out.col(c.name).type, c.name), c.type) if c.name in names else BLit(c.type, None)
            for c in declared))
    return out


def _pivot_values(b: Binder, rel: Rel, pcol: Col, span: Span) -> list[BLit]:
    """The pivot column's distinct values, in the order they first appear."""
    numbered = _extend(rel, "__kq_rn", row_number([], list(rel.order or ())), order=None)
    first = Aggregate((Col("value", pcol.type), Col("first", "long")), input=numbered,
                      keys=(BCol(pcol.type, pcol.name),),
                      aggregates=(BSql("long", lambda r: f"min({r})", (BCol("long", "__kq_rn"),), aggregate=True),))
    ordered = Order(first.columns, input=first, keys=(OrderKey(BCol("long", "first"), False, False),),
                    order=(OrderKey(BCol("long", "first"), False, False),))
    return [literal_of(v, pcol.type) for v in _discover(b, ordered, span)]


def _column_name(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ast_literal(value: BLit, span: Span) -> A.Literal:
    return A.Literal(span, value.value, value.type)


def _names_in(node: A.Node) -> list[A.Name]:
    out: list[A.Name] = []
    if isinstance(node, A.Name):
        out.append(node)
    for v in vars(node).values():
        if isinstance(v, A.Node):
            out.extend(_names_in(v))
        elif isinstance(v, tuple):
            out.extend(n for x in v if isinstance(x, A.Node) for n in _names_in(x))
    return out


# ---------------------------------------------------------------- narrow


def narrow(b: Binder, op: A.Evaluate, rel: Rel) -> Rel:
    """One row per cell: Row (the row's position), Column (its name), Value (the cell as text)."""
    if op.call.args:
        raise KqlTypeError("narrow() takes no arguments", op.call.span, code="KQ309")
    numbered = _extend(rel, "__kq_row", BSql("int", lambda r: f"CAST({r} - 1 AS INTEGER)",
                                             (row_number([], list(rel.order or ())),)), order=None)
    cols = (Col("Row", "int"), Col("Column", "string"), Col("Value", "string"))
    parts: list[Rel] = []
    for i, c in enumerate(rel.columns):
        cell = coerce(BCol(c.type, c.name), "string")
        parts.append(Projection(cols + (Col("__kq_col", "int"),), input=numbered, items=(
            BCol("int", "__kq_row"), BLit("string", c.name), cell, BLit("int", i))))
    if not parts:
        from .plan import Values

        return Values(cols, rows=())
    union = UnionRel(parts[0].columns, inputs=tuple(parts), source_column=None,
                     source_names=tuple(c.name for c in rel.columns)) if len(parts) > 1 else parts[0]
    keys = (OrderKey(BCol("int", "Row"), False, False), OrderKey(BCol("int", "__kq_col"), False, False))
    ordered = Order(union.columns, input=union, keys=keys, order=keys)
    return Projection(cols, input=ordered, items=tuple(BCol(c.type, c.name) for c in cols))
