"""search and find: a predicate over several tables (all the loaded ones by default).

`search` is a union (with a `$table` column) filtered by the predicate, where a bare string
is a term looked up in every column (`"err"` is `* has "err"`, `"err*"` hasprefix, `"*err"`
hassuffix, `"*err*"` contains, `"a*b"` a regex) and `Column:"err"` looks in one column.
`find` evaluates the predicate per table (tables with none of its columns are skipped, a
column a table lacks is null) and shapes the rows per its `project` clause (`source_` first;
project-smart packs the columns that are neither referenced nor common into `pack_`).
"""

from __future__ import annotations

import fnmatch
import re
from typing import TYPE_CHECKING

from ..errors import KqlNameError, KqlSyntaxError, KqlTypeError, Span
from ..syntax import ast as A
from ..types import normalize
from .operators import coerce
from .plan import BCol, BExpr, BLit, Col, Filter, Projection, Rel, UnionRel, Values

if TYPE_CHECKING:
    from .binder import Binder, Env

SEARCH_SOURCE = "$table"
FIND_SOURCE = "source_"
FIND_PACK = "pack_"


def _no_input(rel: Rel) -> bool:
    """The binder's marker for a query that starts with search/find/union: no piped input."""
    return isinstance(rel, Values) and not rel.columns and not rel.rows


def _sources(b: Binder, tables: tuple[A.Node, ...] | None, env: Env, span: Span) -> list[tuple[str, Rel]]:
    if tables is None:
        return [(name, b.catalog.tables[name]) for name in sorted(b.catalog.tables)]
    out: list[tuple[str, Rel]] = []
    for item in tables:
        if isinstance(item, A.Name) and "*" in item.name:
            names = [n for n in sorted(b.catalog.tables) if fnmatch.fnmatchcase(n, item.name)]
            out.extend((n, b.catalog.tables[n]) for n in names)
            continue
        rel = b.tabular(item, env)
        label = item.name if isinstance(item, A.Name) else (b.labels.get(id(rel)) or f"union_arg{len(out)}")
        out.append((label, rel))
    if not out:
        raise KqlNameError("no table matches", span, ["load tables first, or name them: in (T1, T2)"], code="KQ209")
    return out


# ---------------------------------------------------------------- terms


def _term_test(column: A.Node, term: A.Literal, case_sensitive: bool) -> A.Node:
    text = str(term.value)
    cs = "_cs" if case_sensitive else ""
    starts, ends = text.startswith("*"), text.endswith("*") and len(text) > 1
    inner = text.strip("*")
    if "*" in inner:
        pattern = r"\b" + ".*".join(re.escape(p) for p in inner.split("*")) + r"\b"
        pattern = pattern if case_sensitive else "(?i)" + pattern
        return A.BinaryOp(term.span, "matches regex", column, A.Literal(term.span, pattern, "string"), term.span)
    op = "contains" if starts and ends else "hassuffix" if starts else "hasprefix" if ends else "has"
    return A.BinaryOp(term.span, op + cs, column, A.Literal(term.span, inner, "string"), term.span)


def _as_text(col: Col, span: Span) -> A.Node:
    ref = A.Name(span, col.name)
    return ref if col.type == "string" else A.Call(span, "tostring", (ref,), span)


def _terms(node: A.Node, columns: list[Col], case_sensitive: bool) -> A.Node:
    """The predicate with its search terms written out as ordinary KQL."""
    if isinstance(node, A.Star):
        return A.Literal(node.span, True, "bool")
    if isinstance(node, A.Literal) and node.type == "string":
        tests = [_term_test(_as_text(c, node.span), node, case_sensitive) for c in columns]
        if not tests:
            return A.Literal(node.span, False, "bool")
        out = tests[0]
        for t in tests[1:]:
            out = A.BinaryOp(node.span, "or", out, t, node.span)
        return out
    if isinstance(node, A.BinaryOp) and node.op == ":":
        if not (isinstance(node.right, A.Literal) and node.right.type == "string"):
            raise KqlSyntaxError("Column:term needs a string term", node.right.span, code="KQ122")
        assert isinstance(node.left, A.Name)
        col = next((c for c in columns if c.name == node.left.name), None)
        if col is None:
            return A.Literal(node.span, False, "bool")
        return _term_test(_as_text(col, node.left.span), node.right, case_sensitive)
    if isinstance(node, A.BinaryOp) and node.op in ("and", "or"):
        return A.BinaryOp(node.span, node.op, _terms(node.left, columns, case_sensitive),
                          _terms(node.right, columns, case_sensitive), node.op_span)
    if isinstance(node, A.Call) and node.name == "not" and len(node.args) == 1:
        return A.Call(node.span, "not", (_terms(node.args[0], columns, case_sensitive),), node.name_span)
    return node


def _case_sensitive(op: A.Operator) -> bool:
    kind = str(op.param("kind", "default")).lower()
    if kind not in ("default", "case_insensitive", "case_sensitive"):
        raise KqlSyntaxError(f"unknown search kind '{kind}'", op.param_span("kind"),
                             ["kinds: default, case_insensitive, case_sensitive"], code="KQ110")
    return kind == "case_sensitive"


# ---------------------------------------------------------------- search


def search(b: Binder, op: A.Search, rel: Rel, env: Env) -> Rel:
    case_sensitive = _case_sensitive(op)
    if not _no_input(rel) and op.tables is not None:
        raise KqlSyntaxError("search takes either a piped input or in (...), not both", op.span, code="KQ123")
    if _no_input(rel):
        sources = _sources(b, op.tables, env, op.span)
        names = [A.Name(op.span, f"__kq_search{i}") for i in range(len(sources))]
        from .binder import Env as _Env

        local = _Env(env)
        for name, (label, source) in zip(names, sources):
            local.define(name.name, "table", source)
            b.labels[id(source)] = label
        union_op = A.Union(op.span, tuple(names),
                           params=(A.OpParam(op.span, "withsource", SEARCH_SOURCE),))
        union = b.ops.visit_Union(union_op, rel, local)
        assert isinstance(union, UnionRel)
        union = UnionRel(union.columns, inputs=union.inputs, source_column=union.source_column,
                         source_names=tuple(label for label, _ in sources), origins=union.origins)
    else:
        label = b.labels.get(id(rel)) or str(getattr(rel, "name", "union_arg0"))
        union = UnionRel((Col(SEARCH_SOURCE, "string"),) + rel.columns, inputs=(rel,), source_column=SEARCH_SOURCE,
                         source_names=(label,))
    columns = [c for c in union.columns if c.name != SEARCH_SOURCE]
    predicate = b.exprs.bind(_terms(op.predicate, columns, case_sensitive), b.scope_of(union, env))
    if predicate.type not in ("bool", "dynamic"):
        raise KqlTypeError(f"search needs a bool predicate, not {predicate.type}", op.predicate.span, code="KQ318")
    return b.filter(union, coerce(predicate, "bool"))


# ---------------------------------------------------------------- find


def _referenced(node: A.Node) -> list[str]:
    """Column names the predicate uses (function names are not columns)."""
    out: list[str] = []
    if isinstance(node, A.Name):
        out.append(node.name)
    elif isinstance(node, A.Call):
        for a in node.args:
            out.extend(_referenced(a))
    elif isinstance(node, A.Node):
        for v in vars(node).values():
            if isinstance(v, A.Node):
                out.extend(_referenced(v))
            elif isinstance(v, tuple):
                for x in v:
                    if isinstance(x, A.Node):
                        out.extend(_referenced(x))
    return list(dict.fromkeys(out))


def find(b: Binder, op: A.Find, rel: Rel, env: Env) -> Rel:
    if not _no_input(rel):
        raise KqlSyntaxError("find starts a query: it takes its tables from in (...), not from a pipe", op.span,
                             ["find in (T) where ..."], code="KQ123")
    case_sensitive = _case_sensitive(op)
    source_col = str(op.param("withsource", FIND_SOURCE))
    referenced = [n for n in _referenced(op.predicate) if env.lookup(n) is None]
    sources = _sources(b, op.tables, env, op.span)
    if referenced:  # tables with none of the predicate's columns take no part
        sources = [(n, r) for n, r in sources if any(r.column(c) is not None for c in referenced)]
    types: dict[str, list[str]] = {}
    for _, r in sources:
        for c in r.columns:
            if c.type not in types.setdefault(c.name, []):
                types[c.name].append(c.type)
    filtered: list[tuple[str, Rel, Rel]] = []  # (label, filtered rows, the table)
    for label, r in sources:
        missing = [c for c in referenced if r.column(c) is None]
        shaped: Rel = r
        if missing:
            extra = tuple(Col(c, types.get(c, ["string"])[0]) for c in missing)
            shaped = Projection(r.columns + extra, input=r,
                                items=tuple(BCol(c.type, c.name) for c in r.columns) + tuple(BLit(c.type, None)
                                                                                            for c in extra))
        predicate = b.exprs.bind(_terms(op.predicate, list(r.columns), case_sensitive), b.scope_of(shaped, env))
        if predicate.type not in ("bool", "dynamic"):
            raise KqlTypeError(f"find needs a bool predicate, not {predicate.type}", op.predicate.span, code="KQ318")
        filtered.append((label, Filter(shaped.columns, input=shaped, predicate=coerce(predicate, "bool")), r))
    if op.project is not None:
        out_cols = []
        for decl in op.project:
            if decl.type:
                t = normalize(decl.type)
                if t is None:
                    raise KqlTypeError(f"unknown type '{decl.type}'", decl.span, code="KQ312")
            else:
                found = types.get(decl.name, ["string"])
                if len(found) > 1:
                    raise KqlTypeError(f"find: column '{decl.name}' has several types ({', '.join(found)}); "
                                       f"give one: project {decl.name}:{found[0]}", decl.span, code="KQ355")
                t = found[0]
            out_cols.append(Col(decl.name, t))
        pack = op.pack_all
    else:  # project-smart: the referenced columns and the common ones, the rest packed
        common = [n for n in types if all(r.column(n) is not None for _, r in sources)] if sources else []
        wanted = [n for n in types if n in referenced or n in common]
        out_cols = []
        for n in wanted:
            ts = types[n]
            out_cols.extend([Col(n, ts[0])] if len(ts) == 1 else [Col(f"{n}_{t}", t) for t in ts])
        pack = True
    columns = [Col(source_col, "string")] + out_cols + ([Col(FIND_PACK, "dynamic")] if pack else [])
    parts: list[Rel] = []
    for label, rows, table in filtered:
        items: list[BExpr] = [BLit("string", label)]
        used: set[str] = set()
        for c in out_cols:
            src = table.column(c.name)
            if src is None and c.name not in types:  # a type-split column: name_type
                base, _, t = c.name.rpartition("_")
                base_col = table.column(base)
                src = base_col if base_col is not None and base_col.type == t else None
            if src is None:
                items.append(BLit(c.type, None))
                continue
            used.add(src.name)
            ref = BCol(src.type, src.name)
            items.append(ref if src.type == c.type else coerce(ref, c.type))
        if pack:
            args: list[A.Node] = []
            for c in table.columns:
                if c.name not in used:
                    args += [A.Literal(op.span, c.name, "string"), A.Name(op.span, c.name)]
            items.append(b.exprs.bind(A.Call(op.span, "bag_pack", tuple(args), op.span), b.scope_of(table, env))
                         if args else BLit("dynamic", {}))
        parts.append(Projection(tuple(columns), input=rows, items=tuple(items)))
    if not parts:
        return Values(tuple(columns), rows=())
    if len(parts) == 1:
        return parts[0]
    return UnionRel(tuple(columns), inputs=tuple(parts), source_column=None,
                    source_names=tuple(f[0] for f in filtered))
