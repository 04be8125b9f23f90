"""Text -> AST. The only module that touches Lark.

The grammar is loaded once per process. The AST is built inline during the LALR
parse (Lark calls `_Builder` as each rule reduces), so no parse tree is materialised.
Lark's exceptions become `KqlSyntaxError` here and nowhere else.
"""

from __future__ import annotations

import decimal
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..errors import KqlError, KqlSyntaxError, Span
from . import ast as A
from .literals import (
    LiteralError,
    decode_string,
    inner_text,
    parse_datetime_text,
    parse_guid_text,
    parse_timespan_text,
    timespan_ticks,
)
from .parser_cache import parser_cache_file

# typed literal spellings that look like calls: long(null), real(nan), int(3), bool(true)
_TYPED_LITERALS = {
    "bool": "bool", "boolean": "bool", "int": "int", "long": "long", "real": "real", "double": "real",
    "decimal": "decimal", "string": "string",
}


def _tok_span(tok: Token) -> Span:
    return Span(tok.start_pos or 0, tok.end_pos or 0)


def _span(*items: Any) -> Span:
    start, end = None, None
    for item in items:
        if item is None:
            continue
        if isinstance(item, Token):
            s = _tok_span(item)
        elif isinstance(item, A.Node):
            s = item.span
        elif isinstance(item, Span):
            s = item
        elif isinstance(item, (tuple, list)):
            if not item:
                continue
            s = _span(*item)
        else:
            continue
        if s.start < 0:  # a part with no position of its own (a bare `summarize`) must not drag the start to -1
            continue
        start = s.start if start is None else min(start, s.start)
        end = s.end if end is None else max(end, s.end)
    return Span(start if start is not None else -1, end if end is not None else -1)


def name_text(tok: Token) -> str:
    """NAME or ['bracketed name'] -> the name."""
    if tok.type == "BRACKET_NAME":
        inner = tok.value.strip()[1:-1].strip()
        return _decode(tok, decode_string, inner)
    return str(tok.value)


@v_args(inline=True)
class _Builder(Transformer):
    """Callbacks named after grammar rules/aliases; each returns an AST node or a plain value."""

    # ------------------------------------------------------------ statements
    def start(self, *stmts):
        return A.Script(_span(*stmts), tuple(stmts))

    def let_stmt(self, name, value):
        return A.Let(_span(name, value), name_text(name), value, _tok_span(name))

    def view_def(self, fdef):
        return fdef

    def function_def(self, *children):
        params = tuple(c for c in children if isinstance(c, A.Param))
        lets = tuple(c for c in children if isinstance(c, A.Let))
        body = children[-1]
        return A.FunctionDef(_span(*children), params, lets, body)

    def param(self, name, type_spec, default):
        if isinstance(type_spec, tuple):
            return A.Param(_span(name, default), name_text(name), "table", default, type_spec[1])
        return A.Param(_span(name, default), name_text(name), type_spec, default)

    def type_name(self, tok=None):
        return "dynamic" if tok is None else str(tok)

    def any_schema(self):
        return ("table", None)

    def table_schema(self, *decls):
        return ("table", tuple(decls))

    def column_decl(self, name, type_name):
        return A.ColumnDecl(_span(name), name_text(name), type_name)

    def declare_stmt(self, *params):
        return A.DeclareParams(_span(*params), tuple(params))

    def set_stmt(self, name, value):
        return A.SetOption(_span(name, value), str(name), value)

    def function_file(self, command, props, name, fdef):
        properties = dict(props or ())
        return A.FunctionFile(_span(name, fdef), name_text(name), fdef, properties)

    def function_props(self, *props):
        return list(props)

    def query_stmt(self, body):
        return A.QueryStatement(body.span, body)

    # ------------------------------------------------------------ tabular
    def pipe(self, source, *ops):
        return A.Pipe(_span(source, *ops), source, tuple(ops))

    def headless_query(self, *ops):
        pipe = A.Pipe(_span(*ops), None, tuple(ops))
        return A.QueryStatement(pipe.span, pipe)

    def datatable(self, *children):
        decls = tuple(c for c in children if isinstance(c, A.ColumnDecl))
        values = tuple(c for c in children[len(decls):] if c is not None)
        return A.Datatable(_span(*children), decls, values)

    def print_source(self, items):
        return A.Print(_span(items), tuple(items))

    def range_source(self, name, start, stop, step):
        return A.Range(_span(name, start, stop, step), name_text(name), start, stop, step)

    def where(self, predicate):
        return A.Where(predicate.span, predicate)

    def project(self, items):
        return A.Project(_span(items), tuple(items))

    def extend(self, items):
        return A.Extend(_span(items), tuple(items))

    def project_away(self, patterns):
        return A.ProjectAway(_span(patterns), tuple(patterns))

    def project_keep(self, patterns):
        return A.ProjectKeep(_span(patterns), tuple(patterns))

    def project_rename(self, *pairs):
        return A.ProjectRename(_span(*[p for pair in pairs for p in pair]), tuple(pairs))

    def project_reorder(self, *items):
        return A.ProjectReorder(_span(*[i[0] for i in items]), tuple(items))

    def summarize(self, *children):
        params = tuple(c for c in children if isinstance(c, A.OpParam))
        aggs, by = children[len(params)], children[len(params) + 1]
        return A.Summarize(_span(*children), tuple(aggs or ()), tuple(by or ()), params=params)

    def count(self, tok):
        return A.Count(_tok_span(tok))

    def distinct(self, items):
        if isinstance(items, Token):
            return A.Distinct(_tok_span(items), None)
        return A.Distinct(_span(items), tuple(items))

    def take(self, count):
        return A.Take(count.span, count)

    def top(self, count, *keys):
        return A.Top(_span(count, *keys), count, tuple(keys))

    def sort(self, *keys):
        return A.Sort(_span(*keys), tuple(keys))

    def _params_then(self, children):
        params = tuple(c for c in children if isinstance(c, A.OpParam))
        return params, children[len(params):]

    def _table_refs(self, items):
        return [A.Name(_tok_span(i), name_text(i)) if isinstance(i, Token) else i for i in items]

    def join(self, *children):
        params, rest = self._params_then(children)
        rest = self._table_refs(rest)
        return A.Join(_span(*children), rest[0], tuple(rest[1:]), params=params)

    def lookup(self, *children):
        params, rest = self._params_then(children)
        rest = self._table_refs(rest)
        return A.Lookup(_span(*children), rest[0], tuple(rest[1:]), params=params)

    def union(self, *children):
        params, rest = self._params_then(children)
        rest = self._table_refs(rest)
        return A.Union(_span(*children), tuple(rest), params=params)

    def mv_expand(self, *children):
        legacy = bool(children) and isinstance(children[0], Token) and children[0].type == "MVEXPAND"
        if legacy:
            children = children[1:]
        params, rest = self._params_then(children)
        items = tuple(c for c in rest if isinstance(c, A.MvExpandItem))
        limit = rest[-1] if rest and not isinstance(rest[-1], A.MvExpandItem) else None
        if legacy and limit is None:  # the legacy mvexpand stops at 128 values per row
            limit = A.Literal(_span(*children), 128, "long")
        return A.MvExpand(_span(*children), items, limit, params=params)

    def parse(self, *children, drop=False):
        params, rest = self._params_then(children)
        expr, pattern = rest
        return A.Parse(_span(*children), expr, tuple(pattern), drop, params=params)

    def parse_where(self, *children):
        return self.parse(*children, drop=True)

    def as_(self, *children):
        params, rest = self._params_then(children)
        return A.As(_span(*children), name_text(rest[0]), params=params)

    def serialize(self, items):
        return A.Serialize(_span(items), tuple(items or ()))

    def sample(self, count):
        return A.Sample(count.span, count)

    def sample_distinct(self, count, column):
        return A.SampleDistinct(_span(count, column), count, self._name_node(column))

    def consume(self, tok, *params):
        return A.Consume(_span(tok, *params), params=tuple(params))

    def parse_kv(self, expr, *children):
        keys = tuple(c for c in children if isinstance(c, A.ColumnDecl))
        options = tuple(c for c in children if isinstance(c, A.OpParam))
        return A.ParseKv(_span(expr, *children), expr, keys, options)

    def reduce(self, *children):
        # kind=... comes before `by`, the `with` options after the expression: both are OpParams
        at = next(i for i, c in enumerate(children) if not isinstance(c, A.OpParam))
        params, expr = tuple(children[:at]), children[at]
        options = tuple(c for c in children[at + 1:] if isinstance(c, A.OpParam))
        return A.Reduce(_span(*children), expr, options, params=params)

    def kv_option(self, name, value):
        return A.OpParam(_span(name, value), str(name), value)

    def getschema(self, tok):
        return A.GetSchema(_tok_span(tok))

    def invoke(self, name, args):
        call = A.Call(_span(name, args), name_text(name), tuple(args or ()), _tok_span(name))
        return A.Invoke(call.span, call)

    def render(self, chart, props):
        return A.Render(_span(chart, props), str(chart), tuple(props or ()))

    # operators with subqueries, several results or plugins
    def _name_node(self, tok):
        return tok if isinstance(tok, A.Name) else A.Name(_tok_span(tok), name_text(tok))

    def subquery(self, *ops):
        return A.Pipe(_span(*ops), None, tuple(ops))

    def mv_apply(self, *children):
        params, rest = self._params_then(children)
        items = tuple(c for c in rest if isinstance(c, A.MvExpandItem))
        limit, body = rest[len(items)], rest[len(items) + 1]
        return A.MvApply(_span(*children), items, limit, body, params=params)

    def nested_level(self, count, of, others, by, direction):
        return A.NestedLevel(_span(count, of, others, by, direction), count, of, others, by,
                             str(direction) if direction else None)

    def top_nested(self, *levels):
        return A.TopNested(_span(*levels), tuple(levels))

    def top_hitters(self, count, of, by):
        return A.TopHitters(_span(count, of, by), count, of, by)

    def facet(self, *children):
        names = tuple(self._name_node(c) for c in children[:-1])
        return A.Facet(_span(*children), names, children[-1])

    def fork_leg(self, name, body):
        return A.ForkLeg(_span(name, body), name_text(name) if name is not None else None, body)

    def fork(self, *legs):
        return A.Fork(_span(*legs), tuple(legs))

    def partition(self, *children, with_source=False):
        params, rest = self._params_then(children)
        column, body = rest
        return A.Partition(_span(*children), self._name_node(column), body, with_source, params=params)

    def partition_source(self, *children):
        return self.partition(*children, with_source=True)

    def evaluate(self, *children):
        params, rest = self._params_then(children)
        name, args = rest[0], rest[1]
        call = A.Call(_span(name, *(args or ())), name_text(name), tuple(args or ()), _tok_span(name))
        items = [c for c in rest[2:] if c is not None]
        schema = tuple(A.Star(_tok_span(c)) if isinstance(c, Token) else c for c in items) if items else None
        return A.Evaluate(_span(*children), call, schema, params=params)

    def _table_list(self, items):
        is_in = [isinstance(i, Token) and i.type == "IN_OP" for i in items]
        tables = [i for i, flag in zip(items, is_in) if i is not None and not flag]
        return tuple(self._table_refs(tables)) if any(is_in) else None

    def _predicate(self, pred):
        return A.Star(_tok_span(pred)) if isinstance(pred, Token) else pred

    def search(self, *children):
        params, rest = self._params_then(children)
        return A.Search(_span(*children), self._table_list(rest[:-1]), self._predicate(rest[-1]), params=params)

    def search_term(self, name, term):
        column = A.Name(_tok_span(name), name_text(name))
        return A.BinaryOp(_span(name, term), ":", column, term, Span(column.span.end, term.span.start))

    def find(self, *children):
        params, rest = self._params_then(children)
        *tables, pred, project = rest
        columns, pack = (None, False) if project is None else project
        return A.Find(_span(*children), self._table_list(tables), self._predicate(pred), columns, pack,
                      params=params)

    def find_smart(self, tok):
        return None

    def find_project(self, *columns):
        decls = tuple(c for c in columns if isinstance(c, A.ColumnDecl))
        return (decls, any(c == "pack_all" for c in columns))

    def find_column(self, name, type_name):
        return A.ColumnDecl(_tok_span(name), name_text(name), type_name or "")

    def find_pack(self, name):
        if name_text(name) != "pack_all":
            raise _LiteralAt("find ... project takes column names and pack_all()", _tok_span(name))
        return "pack_all"

    def scan(self, *children):
        params, rest = self._params_then(children)
        declares = tuple(c for c in rest if isinstance(c, A.Param))
        steps = tuple(c for c in rest if isinstance(c, A.ScanStep))
        return A.Scan(_span(*children), declares, steps, params=params)

    def scan_step(self, name, output, condition, *assigns):
        items = tuple(a for a in assigns if a is not None)
        return A.ScanStep(_span(name, condition, *items), name_text(name), str(output) if output else None,
                          condition, items)

    def scan_assign(self, name, value):
        return A.Assign(_span(name, value), (name_text(name),), value)

    def externaldata(self, *children):
        decls = tuple(c for c in children if isinstance(c, A.ColumnDecl))
        uris = tuple(c.value for c in children if isinstance(c, A.Literal))
        props = next((c for c in children if isinstance(c, list)), None)
        return A.ExternalData(_span(*children), decls, uris, tuple(props or ()))

    def make_series(self, *children):
        params, rest = self._params_then(children)
        aggs = [c for c in rest if isinstance(c, A.MakeSeriesAgg)]
        axis, (start, end, step, in_range), by = rest[len(aggs)], rest[len(aggs) + 1], rest[len(aggs) + 2]
        return A.MakeSeries(_span(*children), tuple(aggs), axis, start, end, step, tuple(by or ()),
                            in_range, params=params)

    def ms_agg(self, item, default):
        return A.MakeSeriesAgg(_span(item, default), item, default)

    def ms_from_to(self, start, end, step):
        return (start, end, step, False)

    def ms_in_range(self, _in, start, stop, step):
        return (start, stop, step, True)

    # graph operators
    def make_graph(self, source, arrow, target, *rest):
        if str(arrow) != "-->":
            raise _LiteralAt("make-graph takes Source --> Target", _tok_span(arrow))
        nodes = tuple(c for c in rest if isinstance(c, A.GraphNodes))
        params = tuple(c for c in rest if isinstance(c, A.OpParam))
        return A.MakeGraph(_span(source, target, *nodes, *params), name_text(source), name_text(target), nodes,
                           params=params)

    def graph_nodes(self, table, key):
        table = self._table_refs([table])[0]
        return A.GraphNodes(_span(table, key), table, name_text(key))

    def graph_param(self, name, value):
        return self.op_param(name, value)

    def graph_table(self, kind, *rest):
        if str(kind) not in ("nodes", "edges"):
            raise _LiteralAt("graph-to-table exports 'nodes' or 'edges'", _tok_span(kind))
        params = tuple(c for c in rest if isinstance(c, A.OpParam))
        name = next((c for c in rest if isinstance(c, Token)), None)
        return A.GraphTable(_span(kind, name, *params), str(kind), name_text(name) if name else None, params=params)

    def graph_to_table(self, *tables):
        return A.GraphToTable(_span(*tables), tuple(tables))

    def graph_node(self, name):
        return A.GraphPatternNode(Span(-1, -1) if name is None else _tok_span(name),
                                  name_text(name) if name is not None else None)

    def graph_anon_edge(self, tok):
        direction = {"-->": "right", "<--": "left", "--": "any"}[str(tok)]
        return A.GraphPatternEdge(_tok_span(tok), None, direction)

    def graph_edge(self, open_, name, star, low, high, close):
        if str(open_) == "<-[" and str(close) == "]->":
            raise _LiteralAt("an edge goes one way (<-[e]- or -[e]->) or any way (-[e]-)", _span(open_, close))
        direction = "left" if str(open_) == "<-[" else ("right" if str(close) == "]->" else "any")
        hops = (int(low), int(high)) if star is not None else None
        return A.GraphPatternEdge(_span(open_, close), name_text(name) if name is not None else None, direction, hops)

    def graph_path(self, *elements):
        return A.GraphPath(_span(*elements), tuple(elements))

    def graph_match(self, *children, node=A.GraphMatch):
        params = tuple(c for c in children if isinstance(c, A.OpParam))
        paths = tuple(c for c in children if isinstance(c, A.GraphPath))
        where, items = children[-2], children[-1]
        return node(_span(*children), paths, where, tuple(items), params=params)

    def graph_shortest_paths(self, *children):
        return self.graph_match(*children, node=A.GraphShortestPaths)

    def graph_merge(self, right, *on):
        right = self._table_refs([right])[0]
        conditions = tuple(c for c in on if c is not None)
        return A.GraphMerge(_span(right, *conditions), right, conditions)

    def graph_mark_components(self, *params):
        return A.GraphMarkComponents(_span(*params), params=tuple(params))

    def op_param(self, name, value):
        if isinstance(value, Token):
            if value.type == "NUMBER":
                v: Any = int(value)
            else:
                v = name_text(value) if value.type in ("NAME", "BRACKET_NAME") else str(value)
        elif isinstance(value, A.Literal):
            v = value.value
        else:
            v = value
        return A.OpParam(_span(name, value), str(name), v)

    def assign_list(self, *items):
        return list(items)

    def assign(self, expr):
        return A.Assign(expr.span, (), expr)

    def named(self, name, expr):
        return A.Assign(_span(name, expr), (name_text(name),), expr)

    def tuple_named(self, *children):
        names, expr = children[:-1], children[-1]
        return A.Assign(_span(*children), tuple(name_text(n) for n in names), expr)

    def rename(self, new, old):
        return (A.Name(_tok_span(new), name_text(new)), A.Name(_tok_span(old), name_text(old)))

    def wild_list(self, *items):
        return [i if isinstance(i, A.Name) else A.Name(_tok_span(i), name_text(i)) for i in items]

    def wild(self, tok):
        return A.Name(_tok_span(tok), str(tok))

    def reorder_item(self, name, direction):
        node = name if isinstance(name, A.Name) else A.Name(_tok_span(name), name_text(name))
        return (node, str(direction) if direction else None)

    def sort_key(self, expr, direction, nulls):
        nulls_pos = str(nulls).split()[-1] if nulls else None
        return A.SortKey(_span(expr, direction, nulls), expr, str(direction) if direction else None, nulls_pos)

    def mv_item(self, expr, to_type):
        return A.MvExpandItem(expr.span, None, expr, to_type)

    def mv_named(self, name, expr, to_type):
        return A.MvExpandItem(_span(name, expr), name_text(name), expr, to_type)

    def parse_pattern(self, *parts):
        return list(parts)

    def parse_literal(self, s):
        return A.ParsePart(s.span, "literal", s.value)

    def parse_star(self, tok):
        return A.ParsePart(_tok_span(tok), "star")

    def parse_column(self, name, type_name):
        return A.ParsePart(_tok_span(name), "column", name_text(name), type_name)

    def render_with(self, *props):
        return list(props)

    def render_prop(self, name, expr):
        value = expr.value if isinstance(expr, A.Literal) else getattr(expr, "name", None)
        return (name_text(name), value)

    def render_prop_list(self, name, *names):
        return (name_text(name), [name_text(n) for n in names])

    # ------------------------------------------------------------ scalar expressions
    def _binary(self, op: str, left, right, op_span: Span):
        return A.BinaryOp(_span(left, right), op, left, right, op_span)

    def or_(self, left, right):
        return self._binary("or", left, right, Span(left.span.end, right.span.start))

    def and_(self, left, right):
        return self._binary("and", left, right, Span(left.span.end, right.span.start))

    def compare(self, left, op, right):
        return self._binary("!=" if op == "<>" else str(op), left, right, _tok_span(op))

    string_op = compare
    arith = compare

    def matches_regex(self, left, right):
        return self._binary("matches regex", left, right, Span(left.span.end, right.span.start))

    def in_(self, left, op, args):
        return A.InList(_span(left, op, args), str(op), left, tuple(args or ()), _tok_span(op))

    has_set = in_

    def between(self, left, op, low, high):
        return A.Between(_span(left, high), str(op).startswith("!"), left, low, high)

    def unary(self, op, operand):
        if str(op) == "+":
            return operand
        if isinstance(operand, A.Literal) and operand.type in ("int", "long", "real", "timespan", "decimal"):
            if operand.value is not None:
                return A.Literal(_span(op, operand), -operand.value, operand.type)
        return A.UnaryOp(_span(op, operand), "-", operand)

    def member(self, target, name):
        return A.Member(_span(target, name), target, name_text(name))

    def index(self, target, index):
        return A.Index(_span(target, index), target, index)

    def column(self, name):
        return A.Name(_tok_span(name), name_text(name))

    def side(self, tok):
        return A.Side(_tok_span(tok), str(tok)[1:])

    def call(self, name, args):
        fname = name_text(name)
        args = tuple(args or ())
        span = _span(name, *args)
        span = Span(span.start, span.end + 1)  # include the closing parenthesis
        if fname in _TYPED_LITERALS and len(args) == 1:
            lit = _typed_literal(_TYPED_LITERALS[fname], args[0], span)
            if lit is not None:
                return lit
        return A.Call(span, fname, args, _tok_span(name))

    def range_call(self, args):
        args = tuple(args or ())
        return A.Call(_span(*args), "range", args, _span(*args))

    def paren(self, inner):
        return inner

    def args(self, *items):
        return list(items)

    def named_arg(self, name, value):
        return A.Assign(_span(name, value), (name_text(name),), value)

    def star(self, tok):
        return A.Star(_tok_span(tok))

    # ------------------------------------------------------------ literals
    def number(self, tok):
        value = int(tok)
        return A.Literal(_tok_span(tok), value, "long")

    def real(self, tok):
        return A.Literal(_tok_span(tok), float(tok), "real")

    def hex(self, tok):
        return A.Literal(_tok_span(tok), int(str(tok), 16), "long")

    def timespan(self, tok):
        return A.Literal(_tok_span(tok), _decode(tok, timespan_ticks, str(tok)), "timespan")

    def datetime(self, tok):
        return A.Literal(_tok_span(tok), _decode(tok, parse_datetime_text, inner_text(tok)), "datetime")

    def time_lit(self, tok):
        return A.Literal(_tok_span(tok), _decode(tok, parse_timespan_text, inner_text(tok)), "timespan")

    def guid(self, tok):
        return A.Literal(_tok_span(tok), _decode(tok, parse_guid_text, inner_text(tok)), "guid")

    def string(self, *toks):
        text = "".join(_decode(t, decode_string, str(t)) for t in toks)
        return A.Literal(_span(*toks), text, "string")

    def true(self, tok=None):
        return A.Literal(_span(tok), True, "bool")

    def false(self, tok=None):
        return A.Literal(_span(tok), False, "bool")

    def dynamic(self, keyword, lpar, value, rpar):
        return A.Literal(_span(keyword, rpar), value.value, "dynamic")

    def dyn_array(self, *items):
        items = tuple(i for i in items if i is not None)
        return A.Literal(_span(*items), [_json_value(i) for i in items], "dynamic")

    def dyn_object(self, *pairs):
        pairs = tuple(p for p in pairs if p is not None)
        return A.Literal(_span(*[p[2] for p in pairs]), {k: v for k, v, _ in pairs}, "dynamic")

    def dyn_pair(self, key, value):
        k = _decode(key, decode_string, str(key)) if key.type == "STRING" else str(key)
        return (k, _json_value(value), _span(key, value))

    def dyn_signed(self, sign, num):
        value = float(num) if "." in str(num) or "e" in str(num).lower() else int(num)
        return A.Literal(_span(sign, num), -value if str(sign) == "-" else value, "dynamic")

    def dyn_word(self, tok):
        words = {"null": None, "true": True, "false": False}
        if str(tok) not in words:
            raise _LiteralAt(f"'{tok}' is not a dynamic value", _tok_span(tok))
        return A.Literal(_tok_span(tok), words[str(tok)], "dynamic")


class _LiteralAt(Exception):
    def __init__(self, message: str, span: Span):
        super().__init__(message)
        self.span = span


def _decode(tok: Token, fn, text):
    try:
        return fn(text)
    except LiteralError as e:
        raise _LiteralAt(str(e), _tok_span(tok)) from None


def _json_value(node: A.Literal) -> Any:
    import datetime as dt

    from .literals import format_datetime_iso, format_timespan

    v = node.value
    if isinstance(v, dt.datetime):
        return format_datetime_iso(v)
    if node.type == "timespan" and v is not None:
        return format_timespan(v)
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def _typed_literal(type_name: str, arg: A.Node, span: Span) -> A.Literal | None:
    """long(null), real(nan), real(-inf), int(3), bool(true), decimal(1.5)."""
    if isinstance(arg, A.Name) and arg.name == "null":
        return A.Literal(span, None, type_name)
    specials = {"nan": math.nan, "inf": math.inf, "+inf": math.inf}
    if type_name == "real":
        if isinstance(arg, A.Name) and arg.name in specials:
            return A.Literal(span, specials[arg.name], "real")
        if isinstance(arg, A.UnaryOp) and isinstance(arg.operand, A.Name) and arg.operand.name == "inf":
            return A.Literal(span, -math.inf, "real")
    if not isinstance(arg, A.Literal):
        return None
    v = arg.value
    try:
        if type_name in ("int", "long") and arg.type in ("int", "long", "real"):
            return A.Literal(span, int(v), type_name)
        if type_name == "real" and arg.type in ("int", "long", "real"):
            return A.Literal(span, float(v), "real")
        if type_name == "decimal" and arg.type in ("int", "long", "real"):
            src = arg.span
            return A.Literal(span, decimal.Decimal(str(v)), "decimal") if src else None
        if type_name == "bool" and arg.type == "bool":
            return arg
        if type_name == "string" and arg.type == "string":
            return arg
    except (ValueError, OverflowError):
        return None
    return None


def _grammar_text() -> str:
    packaged = resources.files("kqlite").joinpath("grammar/kql.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "grammar" / "kql.lark").read_text(encoding="utf-8")


def _build_parser(grammar: str, cache_file: str | None) -> Lark:
    """The LALR parser for `grammar`, loaded from `cache_file` when that holds this exact
    grammar's tables (see parser_cache.py), else built (and written there)."""
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        maybe_placeholders=True,
        start=["start", "function_file"],
        cache=cache_file or False,
    )


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return _build_parser(_grammar_text(), parser_cache_file())


# Friendly names for terminals in "expected ..." hints.
_TERMINAL_NAMES = {
    "NAME": "a name", "BRACKET_NAME": "a name", "NUMBER": "a number", "STRING": "a string",
    "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "VBAR": "'|'", "EQUAL": "'='", "LSQB": "'['", "RSQB": "']'",
    "LBRACE": "'{'", "RBRACE": "'}'", "COLON": "':'", "DOT": "'.'", "_SEP": "';'", "$END": "the end of the query",
    "CMP_OP": "a comparison", "ADD_OP": "'+' or '-'", "MUL_OP": "'*', '/' or '%'", "BY": "'by'", "ON": "'on'",
    "WITH": "'with'", "STAR": "'*'",
}


OPERATORS = (
    "where", "filter", "project", "project-away", "project-keep", "project-rename", "project-reorder", "extend",
    "summarize", "count", "distinct", "take", "limit", "top", "sort", "order", "join", "lookup", "union",
    "mv-expand", "mvexpand", "parse", "parse-where", "as", "serialize", "sample", "getschema", "invoke", "render",
    "mv-apply", "top-nested", "top-hitters", "facet", "fork", "partition", "evaluate", "search", "find", "scan",
    "make-series", "sample-distinct", "consume", "parse-kv", "reduce",
)
_VALUE_TERMINALS = {"NAME", "NUMBER", "STRING", "REAL", "TIMESPAN", "DATETIME_LIT"}


@lru_cache(maxsize=1)
def _terminal_display() -> dict[str, str]:
    """Terminal name -> how to show it in a hint ('where' rather than __ANON_3)."""
    out = dict(_TERMINAL_NAMES)
    for term in _parser().terminals:
        if term.name in out:
            continue
        if term.pattern.type == "str":
            out[term.name] = f"'{term.pattern.value}'"
        else:
            out[term.name] = term.name.lower().replace("_", " ")
    return out


def _expected_hint(expected: set[str]) -> list[str]:
    if _VALUE_TERMINALS <= set(expected):
        return ["expected a value or an expression"]
    display = _terminal_display()
    names = sorted({display.get(e, e) for e in expected})
    if len(names) > 10:
        names = names[:10] + ["..."]
    return ["expected " + ", ".join(names)] if names else []


def _acceptable(e: UnexpectedToken) -> set[str]:
    """The tokens really acceptable where the error is (LALR lookahead sets are merged and wider)."""
    try:
        return set(e.interactive_parser.accepts()) - {"$END"} or set(e.expected)
    except Exception:  # noqa: BLE001 - the precise set is a nicety; fall back to Lark's own
        return set(e.expected)


def _operator_hint(text: str, token) -> list[str] | None:
    """After '|', a word that is not an operator: suggest the operator meant."""
    before = text[: token.start_pos].rstrip()
    if not before.endswith("|") or token.type != "NAME":
        return None
    word = str(token.value)
    if word.lower() in OPERATORS:
        return [f"operator names are case-sensitive: use '{word.lower()}'"]
    from ..errors import did_you_mean

    return did_you_mean(word, OPERATORS) or ["operators: " + ", ".join(OPERATORS[:12]) + ", ..."]


def parse(text: str) -> A.Script:
    """KQL text -> Script AST, or KqlSyntaxError with a span."""
    return cast(A.Script, _parse(text, "start"))


def parse_function_file(text: str) -> A.FunctionFile:
    """A stored function file (`.create-or-alter function ...` or `Name(params) { body }`) -> AST."""
    return cast(A.FunctionFile, _parse(text, "function_file"))


def _end_span(text: str) -> Span:
    """The last visible character, where the query stopped short (empty for an empty text)."""
    pos = len(text.rstrip())
    return Span(max(pos - 1, 0), min(max(pos, 1), len(text)))


def _parse(text: str, start: str) -> A.Node:
    try:
        return cast(A.Node, _parser().parse(text, start=start))
    except UnexpectedCharacters as e:
        pos = e.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        msg = f"unexpected character {ch!r}"
        hints = []
        if ch in ('"', "'"):
            msg, hints = "unterminated string literal", ["close the string on the same line, or use ```...``` for multi-line text"]
        elif ch == "!":
            hints = ["'!' only appears in operators such as !=, !~, !has, !contains, !in; use not(...) to negate"]
        raise KqlSyntaxError(msg, Span(pos, pos + 1), hints, text=text, code="KQ101") from None
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            raise KqlSyntaxError("unexpected end of query", _end_span(text),
                                 _expected_hint(e.expected), text=text, code="KQ102") from None
        span = Span(tok.start_pos, tok.end_pos if tok.end_pos is not None else tok.start_pos + 1)
        operator_hint = _operator_hint(text, tok)
        if operator_hint is not None:
            raise KqlSyntaxError(f"unknown operator '{tok.value}'", span, operator_hint, text=text,
                                 code="KQ114") from None
        raise KqlSyntaxError(f"unexpected '{tok.value}'", span, _expected_hint(_acceptable(e)), text=text,
                             code="KQ103") from None
    except UnexpectedEOF as e:
        raise KqlSyntaxError("unexpected end of query", _end_span(text),
                             _expected_hint(set(e.expected)), text=text, code="KQ102") from None
    except UnexpectedInput as e:  # pragma: no cover - other lark input errors
        raise KqlSyntaxError(str(e).splitlines()[0], Span(0, 1), text=text) from None
    except VisitError as e:
        inner = e.orig_exc
        if isinstance(inner, _LiteralAt):
            raise KqlSyntaxError(str(inner), inner.span, text=text, code="KQ104") from None
        if isinstance(inner, KqlError):
            raise inner.with_text(text) from None
        raise
    except _LiteralAt as e:
        raise KqlSyntaxError(str(e), e.span, text=text, code="KQ104") from None
