"""AST -> canonical KQL text. parse(format(ast)) gives back the same tree (tested as a
property), which makes it the reference for what each node means."""

from __future__ import annotations

import json
import math
from typing import Any

from . import ast as A
from .literals import format_datetime_iso, format_timespan

_IDENT_OK = __import__("re").compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYWORDS = frozenset({
    "and", "or", "by", "on", "with", "let", "where", "project", "extend", "summarize", "true", "false", "count",
    "datatable", "print", "range", "from", "to", "step", "in", "has", "contains", "between", "dynamic", "kind",
    "typeof", "limit", "asc", "desc", "nulls", "first", "last", "declare", "set", "view", "getschema", "matches",
    "regex", "like", "not", "join", "union", "take", "top", "sort", "order", "as", "sample", "serialize", "render",
    "of", "others", "fork", "facet", "evaluate", "search", "find", "partition", "externaldata", "scan", "output",
    "consume",
})


def name(text: str) -> str:
    """A column or table name, bracketed when it is not a plain identifier."""
    if _IDENT_OK.match(text) and text not in _KEYWORDS:
        return text
    return "['" + text.replace("\\", "\\\\").replace("'", "\\'") + "']"


def string(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return '"' + out + '"'


def literal(node: A.Literal) -> str:
    v, t = node.value, node.type
    if t == "string":
        return string(v)
    if v is None:
        return f"{t}(null)"
    if t == "bool":
        return "true" if v else "false"
    if t == "long":
        return str(v) if v >= 0 else f"({v})"
    if t == "int":
        return f"int({v})"
    if t == "real":
        if math.isnan(v):
            return "real(nan)"
        if math.isinf(v):
            return "real(+inf)" if v > 0 else "real(-inf)"
        text = repr(float(v))
        return text if v >= 0 else f"({text})"
    if t == "decimal":
        return f"decimal({v})"
    if t == "timespan":
        return f"time({format_timespan(v)})"
    if t == "datetime":
        return f"datetime({format_datetime_iso(v)})"
    if t == "guid":
        return f"guid({v})"
    if t == "dynamic":
        return "dynamic(" + json.dumps(v, separators=(",", ":")) + ")"
    raise ValueError(f"cannot format a {t} literal")


def expr(node: A.Node) -> str:
    if isinstance(node, A.Literal):
        return literal(node)
    if isinstance(node, A.Name):
        return name(node.name)
    if isinstance(node, A.Side):
        return f"${node.side}"
    if isinstance(node, A.Member):
        return f"{expr(node.target)}.{name(node.name)}"
    if isinstance(node, A.Index):
        return f"{expr(node.target)}[{expr(node.index)}]"
    if isinstance(node, A.Star):
        return "*"
    if isinstance(node, A.Call):
        return f"{name(node.name)}({', '.join(arg(a) for a in node.args)})"
    if isinstance(node, A.BinaryOp) and node.op == ":":  # search Column:"term"
        return f"({expr(node.left)}:{expr(node.right)})"
    if isinstance(node, A.BinaryOp):
        return f"({expr(node.left)} {node.op} {expr(node.right)})"
    if isinstance(node, A.UnaryOp):
        return f"(-{expr(node.operand)})"
    if isinstance(node, A.InList):
        return f"({expr(node.left)} {node.op} ({', '.join(arg(i) for i in node.items)}))"
    if isinstance(node, A.Between):
        op = "!between" if node.negated else "between"
        return f"({expr(node.left)} {op} ({expr(node.low)} .. {expr(node.high)}))"
    return "(" + tabular(node) + ")"


def arg(node: A.Node) -> str:
    if isinstance(node, A.Assign):
        return f"{node.names[0]} = {expr(node.expr)}"
    return expr(node)


def assign(item: A.Assign) -> str:
    if not item.names:
        return expr(item.expr)
    if len(item.names) == 1:
        return f"{name(item.names[0])} = {expr(item.expr)}"
    return "(" + ", ".join(name(n) for n in item.names) + f") = {expr(item.expr)}"


def _params(op: A.Operator) -> str:
    out = []
    for p in op.params:
        v = p.value
        text = ("true" if v else "false") if isinstance(v, bool) else (str(v) if isinstance(v, (int, float)) else
                                                                     (v if _IDENT_OK.match(str(v)) else string(str(v))))
        out.append(f"{p.name}={text} ")
    return "".join(out)


def _sort_key(k: A.SortKey) -> str:
    out = expr(k.expr)
    if k.direction:
        out += f" {k.direction}"
    if k.nulls:
        out += f" nulls {k.nulls}"
    return out


def operator(op: A.Operator) -> str:
    p = _params(op)
    if isinstance(op, A.Where):
        return f"where {expr(op.predicate)}"
    if isinstance(op, A.Project):
        return "project " + ", ".join(assign(i) for i in op.items)
    if isinstance(op, A.Extend):
        return "extend " + ", ".join(assign(i) for i in op.items)
    if isinstance(op, A.ProjectAway):
        return "project-away " + ", ".join(n.name if "*" in n.name else name(n.name) for n in op.patterns)
    if isinstance(op, A.ProjectKeep):
        return "project-keep " + ", ".join(n.name if "*" in n.name else name(n.name) for n in op.patterns)
    if isinstance(op, A.ProjectRename):
        return "project-rename " + ", ".join(f"{name(a.name)} = {name(b.name)}" for a, b in op.pairs)
    if isinstance(op, A.ProjectReorder):
        return "project-reorder " + ", ".join(
            (n.name if "*" in n.name else name(n.name)) + (f" {d}" if d else "") for n, d in op.items)
    if isinstance(op, A.Summarize):
        out = f"summarize {p}" + ", ".join(assign(i) for i in op.aggregates)
        if op.by:
            out += " by " + ", ".join(assign(i) for i in op.by)
        return out
    if isinstance(op, A.Count):
        return "count"
    if isinstance(op, A.Distinct):
        return "distinct " + ("*" if op.items is None else ", ".join(assign(i) for i in op.items))
    if isinstance(op, A.Take):
        return f"take {expr(op.count)}"
    if isinstance(op, A.Top):
        return f"top {expr(op.count)} by " + ", ".join(_sort_key(k) for k in op.keys)
    if isinstance(op, A.Sort):
        return "sort by " + ", ".join(_sort_key(k) for k in op.keys)
    if isinstance(op, (A.Join, A.Lookup)):
        word = "join" if isinstance(op, A.Join) else "lookup"
        return f"{word} {p}({tabular(op.right)}) on " + ", ".join(expr(o) for o in op.on)
    if isinstance(op, A.Union):
        return f"union {p}" + ", ".join(f"({tabular(t)})" for t in op.tables)
    if isinstance(op, A.MvExpand):
        items = []
        for it in op.items:
            text = (f"{name(it.name)} = " if it.name else "") + expr(it.expr)
            if it.to_type:
                text += f" to typeof({it.to_type})"
            items.append(text)
        out = f"mv-expand {p}" + ", ".join(items)
        return out + (f" limit {expr(op.limit)}" if op.limit is not None else "")
    if isinstance(op, A.Parse):
        parts = []
        for part in op.pattern:
            if part.kind == "literal":
                parts.append(string(part.text))
            elif part.kind == "star":
                parts.append("*")
            else:
                parts.append(name(part.text) + (f":{part.type}" if part.type else ""))
        word = "parse-where" if op.drop_unmatched else "parse"
        return f"{word} {p}{expr(op.expr)} with " + " ".join(parts)
    if isinstance(op, A.As):
        return f"as {p}{name(op.name)}"
    if isinstance(op, A.Serialize):
        return "serialize " + ", ".join(assign(i) for i in op.items)
    if isinstance(op, A.Sample):
        return f"sample {expr(op.count)}"
    if isinstance(op, A.SampleDistinct):
        return f"sample-distinct {expr(op.count)} of {name(op.column.name)}"
    if isinstance(op, A.Consume):
        return f"consume {p}".rstrip()
    if isinstance(op, A.ParseKv):
        keys = ", ".join(f"{name(k.name)}:{k.type}" for k in op.keys)
        options = ", ".join(f"{o.name}={expr(o.value)}" for o in op.options)
        return f"parse-kv {expr(op.expr)} as ({keys})" + (f" with ({options})" if options else "")
    if isinstance(op, A.Reduce):
        options = ", ".join(f"{o.name}={expr(o.value)}" for o in op.options)
        return f"reduce {p}by {expr(op.expr)}" + (f" with {options}" if options else "")
    if isinstance(op, A.GetSchema):
        return "getschema"
    if isinstance(op, A.Invoke):
        return "invoke " + expr(op.call)
    if isinstance(op, A.Render):
        props = ", ".join(f"{k} = {_render_value(v)}" for k, v in op.properties)
        return f"render {op.chart}" + (f" with ({props})" if props else "")
    if isinstance(op, A.MakeSeries):
        return _make_series(op, p)
    more = _more_operator(op, p)
    if more is not None:
        return more
    raise ValueError(f"cannot format {type(op).__name__}")


def _make_series(op: A.MakeSeries, params: str) -> str:
    aggs = ", ".join(assign(a.item) + (f" default = {expr(a.default)}" if a.default is not None else "")
                     for a in op.aggregates)
    if op.in_range:
        assert op.start is not None and op.end is not None
        axis = f"in range({expr(op.start)}, {expr(op.end)}, {expr(op.step)})"
    else:
        bounds = (f"from {expr(op.start)} " if op.start is not None else "") + (
            f"to {expr(op.end)} " if op.end is not None else "")
        axis = f"{bounds}step {expr(op.step)}"
    out = f"make-series {params}{aggs} on {expr(op.axis)} {axis}"
    return out + (" by " + ", ".join(assign(i) for i in op.by) if op.by else "")


def _render_value(v: Any) -> str:
    if isinstance(v, list):
        return "(" + ", ".join(name(x) for x in v) + ")"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return string(str(v))


def tabular(node: A.Node) -> str:
    if isinstance(node, A.Pipe):
        head = tabular(node.source) if node.source is not None else ""
        if not node.ops:
            return head
        ops = " | ".join(operator(o) for o in node.ops)
        return f"{head} | {ops}" if head else f"| {ops}"
    if isinstance(node, A.Datatable):
        cols = ", ".join(f"{name(c.name)}:{c.type}" for c in node.columns)
        return f"datatable({cols}) [" + ", ".join(expr(v) for v in node.values) + "]"
    if isinstance(node, A.Print):
        return "print " + ", ".join(assign(i) for i in node.items)
    if isinstance(node, A.Range):
        return f"range {name(node.column)} from {expr(node.start)} to {expr(node.stop)} step {expr(node.step)}"
    if isinstance(node, A.ExternalData):
        return _external_data(node)
    return expr(node)


def _param(p: A.Param) -> str:
    if p.type == "table":
        t = "(*)" if p.columns is None else "(" + ", ".join(f"{name(c.name)}:{c.type}" for c in p.columns) + ")"
    else:
        t = p.type
    return f"{name(p.name)}:{t}" + (f" = {expr(p.default)}" if p.default is not None else "")


def statement(node: A.Node) -> str:
    if isinstance(node, A.Let):
        if isinstance(node.value, A.FunctionDef):
            f = node.value
            lets = "".join(statement(let) + "; " for let in f.lets)
            return f"let {name(node.name)} = ({', '.join(_param(p) for p in f.params)}) {{ {lets}{tabular(f.body)} }}"
        return f"let {name(node.name)} = {tabular(node.value)}"
    if isinstance(node, A.DeclareParams):
        return "declare query_parameters(" + ", ".join(_param(p) for p in node.params) + ")"
    if isinstance(node, A.SetOption):
        return f"set {node.name}" + (f" = {expr(node.value)}" if node.value is not None else "")
    if isinstance(node, A.QueryStatement):
        return tabular(node.body)
    raise ValueError(f"cannot format {type(node).__name__}")


def format_script(script: A.Script) -> str:
    return ";\n".join(statement(s) for s in script.statements)


# ---------------------------------------------------------------- subqueries, several results, plugins


def _subquery(pipe: A.Pipe) -> str:
    return "(" + " | ".join(operator(o) for o in pipe.ops) + ")"


def _mv_items(items: tuple[A.MvExpandItem, ...]) -> str:
    out = []
    for it in items:
        text = (f"{name(it.name)} = " if it.name else "") + expr(it.expr)
        if it.to_type:
            text += f" to typeof({it.to_type})"
        out.append(text)
    return ", ".join(out)


def _names(names: tuple[A.Name, ...]) -> str:
    return ", ".join(name(n.name) for n in names)


def _sources(tables: tuple[A.Node, ...]) -> str:
    return ", ".join((n.name if "*" in n.name else name(n.name)) if isinstance(n, A.Name) else f"({tabular(n)})"
                     for n in tables)


def _search_predicate(node: A.Node) -> str:
    return "*" if isinstance(node, A.Star) else expr(node)


def _more_operator(op: A.Operator, p: str) -> str | None:
    if isinstance(op, (A.MakeGraph, A.GraphToTable, A.GraphMatch, A.GraphMarkComponents, A.GraphMerge)):
        from .graph_format import graph_operator

        return graph_operator(op)
    if isinstance(op, A.MvApply):
        limit = f" limit {expr(op.limit)}" if op.limit is not None else ""
        return f"mv-apply {p}{_mv_items(op.items)}{limit} on {_subquery(op.body)}"
    if isinstance(op, A.TopNested):
        levels = []
        for lv in op.levels:
            text = "top-nested " + (f"{expr(lv.count)} " if lv.count is not None else "") + "of " + assign(lv.of)
            if lv.others is not None:
                text += f" with others = {expr(lv.others)}"
            text += " by " + assign(lv.by) + (f" {lv.direction}" if lv.direction else "")
            levels.append(text)
        return ", ".join(levels)
    if isinstance(op, A.TopHitters):
        return f"top-hitters {expr(op.count)} of {expr(op.of)}" + (f" by {expr(op.by)}" if op.by is not None else "")
    if isinstance(op, A.Facet):
        return f"facet by {_names(op.columns)}" + (f" with {_subquery(op.body)}" if op.body is not None else "")
    if isinstance(op, A.Fork):
        return "fork " + " ".join((f"{name(leg.name)} = " if leg.name else "") + _subquery(leg.body) for leg in op.legs)
    if isinstance(op, A.Partition):
        body = "{ " + tabular(op.body) + " }" if op.with_source else _subquery(op.body)  # type: ignore[arg-type]
        return f"partition {p}by {name(op.column.name)} {body}"
    if isinstance(op, A.Evaluate):
        out = f"evaluate {p}{expr(op.call)}"
        if op.schema is not None:
            items = ["*" if isinstance(i, A.Star) else f"{name(i.name)}:{i.type}" for i in op.schema]  # type: ignore[attr-defined]
            out += " : (" + ", ".join(items) + ")"
        return out
    if isinstance(op, A.Scan):
        declares = f"declare ({', '.join(_param(d) for d in op.declares)}) " if op.declares else ""
        steps = []
        for s in op.steps:
            text = f"step {name(s.name)}" + (f" output = {s.output}" if s.output else "") + f": {expr(s.condition)}"
            if s.assigns:
                text += " => " + ", ".join(assign(a) for a in s.assigns)
            steps.append(text + ";")
        return f"scan {p}{declares}with (" + " ".join(steps) + ")"
    if isinstance(op, A.Search):
        tables = f"in ({_sources(op.tables)}) " if op.tables is not None else ""
        return f"search {p}{tables}{_search_predicate(op.predicate)}"
    if isinstance(op, A.Find):
        tables = f"in ({_sources(op.tables)}) " if op.tables is not None else ""
        out = f"find {p}{tables}where {_search_predicate(op.predicate)}"
        if op.project is not None:
            items = [name(c.name) + (f":{c.type}" if c.type else "") for c in op.project]
            out += " project " + ", ".join(items + (["pack_all()"] if op.pack_all else []))
        return out
    return None


def _external_data(node: A.ExternalData) -> str:
    cols = ", ".join(f"{name(c.name)}:{c.type}" for c in node.columns)
    out = f"externaldata({cols}) [" + ", ".join(string(u) for u in node.uris) + "]"
    if node.properties:
        out += " with (" + ", ".join(f"{k} = {_render_value(v)}" for k, v in node.properties) + ")"
    return out
