"""evaluate plugins: rows_near, dcount_intersect, rolling_percentile, schema_merge, and the
dispatch to ipv4_lookup / ipv6_lookup (plugins_lookup.py). plugins.py hands these names here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlTypeError, KqlUnsupportedError, Span, did_you_mean
from ..functions.aggregate import PERCENTILE_TYPES
from ..sql.quote import quote_ident, quote_literal
from ..syntax import ast as A
from ..types import SQL_TYPE, SYSTEM_TYPE
from .expressions import Scope
from .more_ops import _extend, row_number
from .operators import coerce
from .plan import BCol, BExpr, BLit, BSql, Col, Projection, Rel, SqlRel, Values

if TYPE_CHECKING:
    from .binder import Binder, Env


def evaluate_more(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    name = op.call.name
    if op.schema is not None:
        raise KqlTypeError(f"{name}() has a fixed output schema; remove ': (...)'", op.span, code="KQ353")
    if name in ("ipv4_lookup", "ipv6_lookup"):
        from .plugins_lookup import ip_lookup

        return ip_lookup(b, op, rel, env, 4 if name == "ipv4_lookup" else 6)
    if name == "rows_near":
        return rows_near(b, op, rel, env)
    if name == "dcount_intersect":
        return dcount_intersect(b, op, rel, env)
    if name == "rolling_percentile":
        return rolling_percentile(b, op, rel, env)
    return schema_merge(b, op, rel, env)


def _positional(op: A.Evaluate) -> list[A.Node]:
    for a in op.call.args:
        if isinstance(a, A.Assign):
            raise KqlNameError(f"{op.call.name}() takes no named arguments", a.span, code="KQ210")
    return list(op.call.args)


def _constant(b: Binder, node: A.Node, env: Env, types: tuple[str, ...], what: str) -> BLit:
    value = b.exprs.bind(node, Scope(env))
    if not isinstance(value, BLit) or value.type not in types or value.value is None:
        raise KqlTypeError(f"{what} must be a constant {' or '.join(types)}", node.span, code="KQ353")
    return value


def _column(rel: Rel, node: A.Node, plugin: str, what: str) -> Col:
    if not isinstance(node, A.Name):
        raise KqlTypeError(f"{plugin}(): {what} must be a column name", node.span, code="KQ353")
    col = rel.column(node.name)
    if col is None:
        raise KqlNameError(f"{plugin}(): unknown column '{node.name}' ({what})", node.span,
                           did_you_mean(node.name, rel.column_names(), "columns"), code="KQ201")
    return col


# ---------------------------------------------------------------- rows_near


def rows_near(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """Every row within NumRows before (RowsAfter after) a row where Condition is true, in input order."""
    args = _positional(op)
    if len(args) not in (2, 3):
        raise KqlTypeError("rows_near() takes a condition, the number of rows and optionally the rows after",
                           op.call.span, ["T | evaluate rows_near(Condition, NumRows [, RowsAfter])"], code="KQ309")
    condition = b.exprs.bind(args[0], b.scope_of(rel, env))
    if condition.type != "bool":
        raise KqlTypeError(f"rows_near(): the condition must be bool, not {condition.type}", args[0].span,
                           ["T | evaluate rows_near(State == 'Error', 2)"], code="KQ311")
    counts = []
    for node in args[1:]:
        n = _constant(b, node, env, ("int", "long"), "rows_near()'s row count")
        if n.value < 0:
            raise KqlTypeError("rows_near()'s row count cannot be negative", node.span, code="KQ353")
        counts.append(int(n.value))
    before, after = counts[0], counts[-1]
    numbered = _extend(rel, "__kq_rn", row_number([], list(rel.order or ())), order=None)
    staged = _extend(numbered, "__kq_hit", condition, order=None)
    cols = ", ".join(quote_ident(c.name) for c in rel.columns) or "*"

    def build(c) -> str:
        # a row is kept when a hit lies at most `after` rows before it or `before` rows after it
        near = (f"max(CASE WHEN __kq_hit THEN 1 ELSE 0 END) OVER (ORDER BY __kq_rn "
                f"ROWS BETWEEN {after} PRECEDING AND {before} FOLLOWING)")
        return (f"SELECT {cols} FROM (SELECT *, {near} AS __kq_near FROM {c.rel(staged)}) "
                f"WHERE __kq_near = 1 ORDER BY __kq_rn")

    return SqlRel(rel.columns, inputs=(staged,), build=build, serialized=True)


# ---------------------------------------------------------------- dcount_intersect


def dcount_intersect(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """s0 .. s(n-1): the distinct counts of S1, S1 ∩ S2, ..., S1 ∩ ... ∩ Sn, from hll() values (kqlite's
    hll is the exact array of distinct values, so the counts are exact)."""
    args = _positional(op)
    if not 2 <= len(args) <= 16:
        raise KqlTypeError("dcount_intersect() takes 2 to 16 hll() values", op.call.span, code="KQ309")
    scope = b.scope_of(rel, env)
    sets: list[BExpr] = []
    for node in args:
        value = b.exprs.bind(node, scope)
        if value.type != "dynamic":
            raise KqlTypeError(f"dcount_intersect() takes hll() values (dynamic), not {value.type}", node.span,
                               ["T | summarize h1 = hll(a), h2 = hll(b) | evaluate dcount_intersect(h1, h2)"],
                               code="KQ311")
        sets.append(value)
    items: list[BExpr] = []
    for k in range(1, len(sets) + 1):
        def build(*parts: str) -> str:
            lists = [f"COALESCE(json_extract(CASE WHEN json_type({p}) = 'ARRAY' THEN {p} END, '$[*]'), [])"
                     for p in parts]
            acc = lists[0]
            for other in lists[1:]:
                acc = f"list_intersect({acc}, {other})"
            return f"CAST(len(list_distinct({acc})) AS BIGINT)"
        items.append(BSql("long", build, tuple(sets[:k])))
    cols = list(rel.columns) + [Col(f"s{i}", "long") for i in range(len(sets))]
    return b.project(rel, cols, [*b.passthrough(rel), *items])


# ---------------------------------------------------------------- rolling_percentile


def rolling_percentile(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """One row per bin of IndexColumn (and dimension values): the percentile of the values in the
    BinsPerWindow bins that end at it."""
    args = _positional(op)
    if len(args) < 5:
        raise KqlTypeError("rolling_percentile() needs ValueColumn, Percentile, IndexColumn, BinSize, BinsPerWindow",
                           op.call.span, ["T | evaluate rolling_percentile(val, 50, Timestamp, 1d, 3 [, dim...])"],
                           code="KQ309")
    plugin = op.call.name
    value = _column(rel, args[0], plugin, "the value column")
    pct = _constant(b, args[1], env, ("int", "long", "real"), "the percentile")
    if value.type not in PERCENTILE_TYPES:
        raise KqlTypeError(f"rolling_percentile(): the values must be numbers, timespans or datetimes, not {value.type}",
                           args[0].span, code="KQ311")
    if not 0 <= pct.value <= 100:
        raise KqlTypeError("the percentile must be between 0 and 100", args[1].span, code="KQ353")
    index = _column(rel, args[2], plugin, "the index column")
    bins = _constant(b, args[4], env, ("int", "long"), "the number of bins per window")
    if bins.value < 1:
        raise KqlTypeError("the number of bins per window must be at least 1", args[4].span, code="KQ353")
    dims = [_column(rel, node, plugin, "a dimension") for node in args[5:]]
    for node, d in zip(args[5:], dims):
        if d.type == "dynamic":
            raise KqlTypeError(f"rolling_percentile(): a dimension cannot be dynamic ('{d.name}')", node.span,
                               ["convert it first: extend k = tostring(d)"], code="KQ311")
    span = op.call.span
    # bin(Index, BinSize) and the first bin of its window, bound as KQL so bin()'s rules apply
    binned = A.Call(span, "bin", (A.Name(span, index.name), args[3]), span)
    first = A.BinaryOp(span, "-", A.Name(span, "__kq_bin"),
                       A.BinaryOp(span, "*", args[3], A.Literal(span, int(bins.value) - 1, "long"), span), span)
    keep = [value, *dims]
    staged = b.project(rel, [*keep, Col("__kq_bin", index.type)],
                       [*(BCol(c.type, c.name) for c in keep), b.exprs.bind(binned, b.scope_of(rel, env))],
                       keep_order=False)
    low = b.exprs.bind(first, b.scope_of(staged, env))
    staged = _extend(staged, "__kq_first", coerce(low, index.type), order=None)
    dim_names = [quote_ident(d.name) for d in dims]
    dim_match = "".join(f" AND d.{n} IS NOT DISTINCT FROM k.{n}" for n in dim_names)
    out_name = f"rolling_{int(bins.value)}_percentile_{value.name}_{_number_text(pct.value)}"
    cols = (Col(index.name, index.type), *dims, Col(out_name, value.type))
    percent = quote_literal(pct.value, pct.type)

    def build(c) -> str:
        # each bin's values gathered once; each (bin, dimensions) then takes the lists of its window's bins
        # and the nearest-rank value of them all (percentile()'s rule)
        v = quote_ident(value.name)
        keys = ", ".join(["__kq_bin", "__kq_first", *dim_names])
        per_bin = (f"SELECT {keys}, list({v}) FILTER (WHERE {v} IS NOT NULL) AS __kq_vs FROM {c.rel(staged)} "
                   f"GROUP BY {keys}")
        rank = f"greatest(CAST(ceil({percent} / 100.0 * sum(len(d.__kq_vs))) AS BIGINT), 1)"
        outs = ", ".join([f"k.__kq_bin AS {quote_ident(index.name)}", *(f"k.{n}" for n in dim_names),
                          f"CAST(list_sort(flatten(list(d.__kq_vs)))[{rank}] AS {SQL_TYPE[value.type]}) "
                          f"AS {quote_ident(out_name)}"])
        group = ", ".join(["k.__kq_bin", "k.__kq_first", *(f"k.{n}" for n in dim_names)])
        return (f"WITH __kq_bins AS ({per_bin}) SELECT {outs} FROM __kq_bins AS k JOIN __kq_bins AS d "
                f"ON d.__kq_bin >= k.__kq_first AND d.__kq_bin <= k.__kq_bin{dim_match} GROUP BY {group}")

    return SqlRel(cols, inputs=(staged,), build=build)


def _number_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)  # as the percentile was written: rolling_3_percentile_val_99.5


# ---------------------------------------------------------------- schema_merge

_OUT_OF_ORDER = "columns are out of order"
_WIDER = {frozenset({"int", "long"}): "long", frozenset({"int", "real"}): "real", frozenset({"long", "real"}): "real",
          frozenset({"int", "long", "real"}): "real"}


def schema_merge(b: Binder, op: A.Evaluate, rel: Rel, env: Env) -> Rel:
    """Merges getschema outputs (a new schema starts where ColumnOrdinal goes back to 0). A new column takes
    its ordinal in the schema it first appears in; with PreserveOrder (default true) a column seen again at
    another ordinal is an error row (ColumnOrdinal -1), as Kusto reports it."""
    preserve = True
    args = op.call.args
    if len(args) > 1:
        raise KqlTypeError("schema_merge() takes at most one argument (PreserveOrder)", op.call.span, code="KQ309")
    if args:
        node = args[0]
        if isinstance(node, A.Assign):
            if node.names[0].lower() != "preserveorder":
                raise KqlNameError(f"schema_merge() has no parameter '{node.names[0]}'", node.span,
                                   ["PreserveOrder = false"], code="KQ210")
            node = node.expr
        preserve = bool(_constant(b, node, env, ("bool",), "PreserveOrder").value)
    needed = {"ColumnName": ("string",), "ColumnOrdinal": ("int", "long"), "ColumnType": ("string",)}
    for name, types in needed.items():
        col = rel.column(name)
        if col is None or col.type not in types:
            raise KqlTypeError(f"schema_merge() reads getschema output: its input needs a {types[0]} column "
                               f"'{name}'", op.call.span, ["union (T1 | getschema), (T2 | getschema) | "
                                                           "evaluate schema_merge()"], code="KQ311")
    rows = _read(b, rel, op.call.span)
    merged = merge_schemas(rows, preserve)
    cols = (Col("ColumnName", "string"), Col("ColumnOrdinal", "int"), Col("DataType", "string"),
            Col("ColumnType", "string"))
    out = []
    for name, ordinal, ctype in merged:
        data_type = SYSTEM_TYPE.get(ctype, f"ERROR(unknown CSL type:{ctype})")
        out.append((BLit("string", name), BLit("int", ordinal), BLit("string", data_type), BLit("string", ctype)))
    return Values(cols, rows=tuple(out), serialized=True)


def _read(b: Binder, rel: Rel, span: Span) -> list[tuple[str, int, str]]:
    if b.catalog.run is None:
        raise KqlUnsupportedError("schema_merge() reads its input while the query is bound; it cannot run here",
                                  span)
    keep = Projection((Col("ColumnName", "string"), Col("ColumnOrdinal", rel.col("ColumnOrdinal").type),
                       Col("ColumnType", "string")), input=rel,
                      items=(BCol("string", "ColumnName"), BCol(rel.col("ColumnOrdinal").type, "ColumnOrdinal"),
                             BCol("string", "ColumnType")))
    table = b.catalog.run(keep, b.now)
    names, ordinals, types = (table.column(i).to_pylist() for i in range(3))
    return [(n, int(o) if o is not None else 0, t) for n, o, t in zip(names, ordinals, types)]


def merge_schemas(rows: list[tuple[str, int, str]], preserve: bool) -> list[tuple[str, int, str]]:
    """(name, ordinal, type) rows of several schemas, in order -> the merged (name, ordinal, type) rows."""
    schemas: list[list[tuple[str, int, str]]] = []
    for row in rows:
        if not schemas or row[1] == 0:
            schemas.append([])
        schemas[-1].append(row)
    order: list[str] = []  # merged column names in output order
    first: dict[str, int] = {}  # a column's ordinal in the first schema that has it
    types: dict[str, str] = {}
    errors: dict[str, str] = {}
    for schema in schemas:
        for name, ordinal, ctype in sorted(schema, key=lambda r: r[1]):
            if name not in first:
                first[name] = ordinal
                order.insert(min(ordinal, len(order)), name)
                types[name] = ctype
                continue
            if preserve and ordinal != first[name] and name not in errors:
                errors[name] = _OUT_OF_ORDER
            if ctype != types[name] and name not in errors:
                wider = _WIDER.get(frozenset({ctype, types[name]}))
                if wider is None:
                    errors[name] = f"incompatible types: {types[name]}, {ctype}"
                else:
                    types[name] = wider
    out = []
    for name in [n for n in order if n not in errors] + [n for n in order if n in errors]:
        if name in errors:
            out.append((name, -1, f"ERROR({errors[name]})"))
        else:
            out.append((name, len(out), types[name]))
    return out
