"""Binding: AST + catalog -> typed plan. Statements, let, user functions and the
tabular operators live here; scalar expressions are bound by expressions.py,
summarize by summarize.py, and the less common operators by operators_tabular.py."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    KqlError,
    KqlNameError,
    KqlSyntaxError,
    KqlTypeError,
    KqlUnsupportedError,
    Span,
    did_you_mean,
)
from ..syntax import ast as A
from ..types import normalize
from . import naming, tuples
from .expressions import ExpressionBinder, Scope
from .plan import (
    BCol,
    BExpr,
    BLit,
    Col,
    Filter,
    Limit,
    Materialized,
    Order,
    OrderKey,
    Projection,
    Rel,
    Table,
    Values,
)
from .windows import filter_with_windows, has_window, is_serialized, order_with_windows, split_windows

TABULAR_FUNCTIONS = ("materialize", "view", "table")


class Env:
    """Let-bound names: ('scalar', BExpr) | ('table', Rel) | ('function', FunctionValue)."""

    def __init__(self, parent: Env | None = None):
        self.parent = parent
        self.names: dict[str, tuple[str, Any]] = {}

    def lookup(self, name: str) -> tuple[str, Any] | None:
        env: Env | None = self
        while env is not None:
            if name in env.names:
                return env.names[name]
            env = env.parent
        return None

    def define(self, name: str, kind: str, value: Any) -> None:
        self.names[name] = (kind, value)

    def _all(self) -> dict[str, tuple[str, Any]]:
        out: dict[str, tuple[str, Any]] = {}
        env: Env | None = self
        while env is not None:
            for k, v in env.names.items():
                out.setdefault(k, v)
            env = env.parent
        return out

    def scalar_names(self) -> list[str]:
        return [k for k, v in self._all().items() if v[0] == "scalar"]

    def table_names(self) -> list[str]:
        return [k for k, v in self._all().items() if v[0] == "table"]

    def function_names(self) -> list[str]:
        return [k for k, v in self._all().items() if v[0] == "function"]


@dataclass(frozen=True)
class FunctionValue:
    definition: A.FunctionDef
    env: Env
    name: str
    source: str | None = None  # a stored function's file text, for drawing errors inside its body
    path: str = "query"


@dataclass
class BoundQuery:
    """One query statement's plan plus its render request."""

    rel: Rel
    render: tuple[str, dict[str, Any]] | None = None
    name: str | None = None  # a result's name: `fork` legs (name = (...) or `as`)


@dataclass
class Catalog:
    """Tables the binder can see: name -> Table plan node."""

    tables: dict[str, Table] = field(default_factory=dict)
    default_table: str = "Resources"
    functions: dict[str, Any] = field(default_factory=dict)  # name -> stored_functions.StoredFunction
    # runs a plan while binding, for operators whose output columns depend on the data
    # (evaluate bag_unpack/pivot, partition by X { ... }): (rel, now) -> pyarrow Table. Set by the engine.
    run: Any = None
    allow_files: bool = False  # externaldata may read local files (Database(allow_files=True))

    def find(self, name: str) -> Table | None:
        if name in self.tables:
            return self.tables[name]
        lowered = {k.lower(): v for k, v in self.tables.items()}
        return lowered.get(name.lower())


class Binder:
    def __init__(self, catalog: Catalog, params: Mapping[str, Any] | None = None, now: dt.datetime | None = None):
        self.catalog = catalog
        self.params = dict(params or {})
        self.now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self.exprs = ExpressionBinder(self)
        self.render: tuple[str, dict[str, Any]] | None = None
        self._calls: list[str] = []  # the user functions being expanded, outermost first
        self.labels: dict[int, str] = {}  # relation -> the name `as` gave it (union withsource)
        self.forked: list[tuple[str | None, Rel]] = []  # results of a `fork`, one per leg
        # `set name = value;` statements so far, by lowercased name (bin_auto reads query_bin_auto_*;
        # the truncation options are read by limits.script_limits before binding)
        self.options: dict[str, A.SetOption] = {}
        from .tabular_ops import TabularOps

        self.ops = TabularOps(self)

    # ------------------------------------------------------------ statements
    def bind_script(self, script: A.Script) -> list[BoundQuery]:
        env = Env()
        for name, stored in self.catalog.functions.items():
            env.define(name, "function", FunctionValue(stored.definition, env, name, stored.source, stored.path))
        results: list[BoundQuery] = []
        declared: set[str] = set()
        for stmt in script.statements:
            if isinstance(stmt, A.Let):
                self.bind_let(stmt, env)
            elif isinstance(stmt, A.DeclareParams):
                self.bind_declare(stmt, env, declared)
            elif isinstance(stmt, A.SetOption):
                self.options[stmt.name.lower()] = stmt
            elif isinstance(stmt, A.QueryStatement):
                self.render = None
                self.forked = []
                rel = self.tabular(stmt.body, env)
                if type(rel).__name__ == "GraphRel":  # make-graph's result is not a table (semantic/graph.py)
                    last = getattr(stmt.body, "ops", None)
                    raise KqlTypeError("a graph is not a table: the query must not end with make-graph",
                                       last[-1].span if last else stmt.body.span, ["follow make-graph with graph-match, graph-shortest-paths "
                                                        "or graph-to-table"], code="KQ370")
                if self.forked and rel is not self.forked[0][1]:
                    ops = getattr(stmt.body, "ops", ())
                    several = [p for p in ops[:-1] if isinstance(p, A.Evaluate)
                               and p.call.name in ("funnel_sequence", "preview")]
                    if several:  # a plugin with several results (funnel_sequence, preview)
                        raise KqlSyntaxError(f"{several[0].call.name}() returns several tables: it must be the last "
                                             "operator of a query", ops[ops.index(several[0]) + 1].span,
                                             ["end the query with the plugin, or take its results with let"],
                                             code="KQ119")
                    after = [o for prev, o in zip(ops, ops[1:]) if isinstance(prev, (A.Fork, A.Facet))]
                    raise KqlSyntaxError("fork and facet must be the last operator of a query",
                                         after[0].span if after else stmt.body.span,
                                         ["apply the operators inside each leg: fork (where ... | count)"],
                                         code="KQ119")
                if self.forked:  # fork and facet: one result per leg (semantic/more_ops.py)
                    results.extend(BoundQuery(r, None, name) for name, r in self.forked)
                    continue
                results.append(BoundQuery(rel, self.render))
        if not results:
            last = script.statements[-1] if script.statements else None
            span = last.span if last is not None else Span(0, 1)
            raise KqlSyntaxError("the query has no tabular statement to run", span,
                                 ["end the query with an expression such as a table name or print ..."], code="KQ108")
        return results

    def bind_let(self, stmt: A.Let, env: Env) -> None:
        value = stmt.value
        if isinstance(value, A.FunctionDef):
            env.define(stmt.name, "function", FunctionValue(value, env, stmt.name))
            return
        rel = self.try_tabular(value, env)
        if rel is not None:
            env.define(stmt.name, "table", rel)
            return
        env.define(stmt.name, "scalar", self.exprs.bind(value, Scope(env)))

    def bind_declare(self, stmt: A.DeclareParams, env: Env, declared: set[str]) -> None:
        from .parameters import bind_parameter

        missing = []
        for p in stmt.params:
            declared.add(p.name)
            if p.name in self.params:
                env.define(p.name, "scalar", bind_parameter(p, self.params[p.name]))
            elif p.default is not None:
                env.define(p.name, "scalar", self.exprs.bind(p.default, Scope(env)))
            else:
                missing.append(p)
        if missing:
            names = ", ".join(f"{p.name}:{p.type}" for p in missing)
            raise KqlNameError(f"missing query parameter{'s' if len(missing) > 1 else ''}: {names}",
                               missing[0].span, ["pass them with --param name=value or params={...}"], code="KQ204")

    # ------------------------------------------------------------ tabular expressions
    def try_tabular(self, node: A.Node, env: Env) -> Rel | None:
        """Bind node as a table if it is one; None if it is a scalar expression."""
        if isinstance(node, (A.Pipe, A.Datatable, A.Print, A.Range, A.ExternalData)):
            return self.tabular(node, env)
        if isinstance(node, A.Name):
            binding = env.lookup(node.name)
            if binding is not None:
                return binding[1] if binding[0] == "table" else None
            return self.catalog.find(node.name)
        if isinstance(node, A.Call):
            if node.name in TABULAR_FUNCTIONS:
                return self.tabular(node, env)
            binding = env.lookup(node.name)
            if binding is not None and binding[0] == "function":
                result = self.expand_function(node, binding[1], env, None)
                return result if isinstance(result, Rel) else None
        return None

    def tabular(self, node: A.Node, env: Env) -> Rel:
        if isinstance(node, A.Pipe):
            rel = self.source(node.source, env) if node.source is not None else self.headless_source(node, env)
            for op in node.ops:
                rel = self.ops.apply(op, rel, env)
                if not rel.columns:  # SQL has no table without columns (project-away of every column)
                    # a bare `summarize` has no children to take a span from: point at the pipeline
                    span = next((sp for sp in (op.span, node.span) if sp.start >= 0), Span(0, 0))
                    raise KqlTypeError("this operator leaves no columns", span, code="KQ305")
            return rel
        return self.source(node, env)

    def headless_source(self, node: A.Pipe, env: Env) -> Rel:
        first = node.ops[0]
        if isinstance(first, (A.Union, A.Search, A.Find)):
            return Values((), rows=())  # a leading union has no input of its own
        table = self.catalog.find(self.catalog.default_table)
        if table is None:
            raise KqlNameError(f"the query has no input table and the default table '{self.catalog.default_table}'"
                               " is not loaded", first.span, ["start the query with a table name"], code="KQ205")
        return table

    def source(self, node: A.Node, env: Env) -> Rel:
        if isinstance(node, A.Name):
            return self.table_ref(node, env)
        if isinstance(node, A.Datatable):
            return self.datatable(node, env)
        if isinstance(node, A.Print):
            return self.print_(node, env)
        if isinstance(node, A.Range):
            return self.range_(node, env)
        if isinstance(node, A.ExternalData):
            from .external_data import external_data

            return external_data(self, node)
        if isinstance(node, A.Pipe):
            return self.tabular(node, env)
        if isinstance(node, A.Call):
            if node.name in ("materialize", "view"):
                if len(node.args) != 1:
                    raise KqlTypeError(f"{node.name}() takes one tabular argument", node.span, code="KQ309")
                inner = self.tabular(node.args[0], env)
                if node.name == "materialize":
                    return Materialized(inner.columns, input=inner, order=inner.order)
                return inner
            if node.name == "table" and node.args and isinstance(node.args[0], A.Literal):
                return self.table_ref(A.Name(node.args[0].span, str(node.args[0].value)), env)
            binding = env.lookup(node.name)
            if binding is not None and binding[0] == "function":
                result = self.expand_function(node, binding[1], env, None)
                if isinstance(result, Rel):
                    return result
                raise KqlTypeError(f"'{node.name}' returns a scalar, not a table", node.span,
                                   ["use print to show a scalar value"], code="KQ302")
            raise KqlNameError(f"unknown tabular function '{node.name}'", node.name_span,
                               did_you_mean(node.name, env.function_names()), code="KQ206")
        if isinstance(node, A.Literal) or isinstance(node, (A.BinaryOp, A.UnaryOp, A.Member)):
            raise KqlTypeError("a query must produce a table; this is a scalar expression", node.span,
                               ["use print to show a scalar value: print <expression>"], code="KQ302")
        raise KqlUnsupportedError(f"{type(node).__name__} cannot start a query", node.span)

    def table_ref(self, node: A.Name, env: Env) -> Rel:
        binding = env.lookup(node.name)
        if binding is not None:
            kind, value = binding
            if kind == "table":
                return value
            if kind == "function":
                fv: FunctionValue = value
                if not fv.definition.params:
                    result = self.expand_function(A.Call(node.span, node.name, (), node.span), fv, env, None)
                    if isinstance(result, Rel):
                        return result
                raise KqlTypeError(f"'{node.name}' is a function; call it with ()", node.span, code="KQ302")
            raise KqlTypeError(f"'{node.name}' is a scalar, not a table", node.span,
                               ["use print to show a scalar value"], code="KQ302")
        table = self.catalog.find(node.name)
        if table is None:
            hints = did_you_mean(node.name, list(self.catalog.tables) + env.table_names(), "tables")
            raise KqlNameError(f"unknown table '{node.name}'", node.span, hints, code="KQ207")
        return table

    def datatable(self, node: A.Datatable, env: Env) -> Rel:
        cols = []
        for decl in node.columns:
            t = normalize(decl.type)
            if t is None:
                raise KqlTypeError(f"unknown type '{decl.type}'", decl.span, [_TYPE_HINT], code="KQ312")
            cols.append(Col(decl.name, t))
        n = len(cols)
        if n == 0 or len(node.values) % n:
            raise KqlTypeError(f"datatable has {len(node.values)} values for {n} columns: "
                               "the count must be a multiple of the column count", node.span, code="KQ313")
        rows = []
        scope = Scope(env)
        for r in range(0, len(node.values), n):
            row = []
            for col, value_node in zip(cols, node.values[r : r + n]):
                value = self.exprs.bind(value_node, scope)
                row.append(self._constant_of_type(value, col.type, value_node))
            rows.append(tuple(row))
        return Values(tuple(cols), rows=tuple(rows))

    def _constant_of_type(self, value: BExpr, t: str, node: A.Node) -> BExpr:
        from .operators import coerce

        if value.type == t:
            return value
        if isinstance(value, BLit) and value.value is None:
            return BLit(t, None)
        if value.type in ("int", "long", "real", "decimal") and t in ("int", "long", "real", "decimal"):
            return coerce(value, t)
        if t == "dynamic":
            return coerce(value, "dynamic")
        raise KqlTypeError(f"value of type {value.type} in a {t} column", node.span, code="KQ314")

    def print_(self, node: A.Print, env: Env) -> Rel:
        scope = Scope(env, windows=False)
        cols, exprs = [], []
        used: set[str] = set()
        for i, item in enumerate(node.items):
            several = tuples.print_values(self, item, scope)  # print array_sort_asc(a, b): a column per value
            if several is None:
                value = self.exprs.bind(item.expr, scope)
                name = item.names[0] if item.names else naming.derive(item.expr, set()) or f"print_{i}"
                several = [(Col(name, value.type), value)]
            for col, value in several:
                name = naming.unique(col.name, used)
                used.add(name)
                cols.append(Col(name, col.type))
                exprs.append(value)
        return Values(tuple(cols), rows=(tuple(exprs),))

    def range_(self, node: A.Range, env: Env) -> Rel:
        from .range_source import range_relation

        return range_relation(self.exprs, node, env)

    # ------------------------------------------------------------ user functions
    def expand_function(self, call: A.Call, fv: FunctionValue, env: Env, scope: Scope | None) -> BExpr | Rel:
        """Inline a let-defined or stored function: bind its body with the arguments."""
        if fv.name in self._calls:
            cycle = " -> ".join(self._calls[self._calls.index(fv.name):] + [fv.name])
            raise KqlTypeError(f"functions call each other in a cycle: {cycle}", call.span,
                               ["a function cannot call itself, directly or through others"], code="KQ316")
        local, defaults = self._bind_arguments(call, fv, env, scope)  # errors here point into the caller's text
        fdef = fv.definition
        self._calls.append(fv.name)
        try:
            for p in defaults:
                assert p.default is not None
                local.define(p.name, "scalar", self._param_value(p, self.exprs.bind(p.default, Scope(fv.env)), p))
            for let in fdef.lets:
                self.bind_let(let, local)
            rel = self.try_tabular(fdef.body, local)
            if rel is not None:
                return rel
            body_scope = Scope(local, scope.columns if scope else {}, windows=scope.windows if scope else True)
            return self.exprs.bind(fdef.body, body_scope)
        except KqlError as e:
            if fv.source is not None and e.text is None:  # the span points into the function's own file
                e.with_text(fv.source, fv.path)
                e.hints.append(f"in stored function {fv.name}, called from the query")
            raise
        finally:
            self._calls.pop()

    def _bind_arguments(self, call: A.Call, fv: FunctionValue, env: Env, scope: Scope | None
                        ) -> tuple[Env, list[A.Param]]:
        """The function's parameters bound to the call's arguments; also the ones left to their defaults."""
        params = fv.definition.params
        positional = [a for a in call.args if not isinstance(a, A.Assign)]
        named = {a.names[0]: a.expr for a in call.args if isinstance(a, A.Assign)}
        for name, value in named.items():
            if name not in [p.name for p in params]:
                raise KqlNameError(f"{fv.name}() has no parameter '{name}'", value.span, [_signature(fv)],
                                   code="KQ210")
        if len(positional) > len(params) - len(named):
            raise KqlTypeError(f"{fv.name}() takes at most {len(params)} arguments, got {len(call.args)}",
                               call.span, [_signature(fv)], code="KQ309")
        local = Env(fv.env)
        defaults = []
        arg_scope = scope or Scope(env)
        # named arguments take their parameters; positional ones fill the rest in order, as in
        # the assert() docs' `checkLength(len=1, input)`
        unnamed = iter(positional)
        for p in params:
            arg = named[p.name] if p.name in named else next(unnamed, None)
            if arg is not None:
                if p.type == "table":
                    local.define(p.name, "table", self.tabular(arg, env))
                else:
                    local.define(p.name, "scalar", self._param_value(p, self.exprs.bind(arg, arg_scope), arg))
            elif p.default is not None:
                defaults.append(p)
            else:
                raise KqlTypeError(f"{fv.name}() is missing argument '{p.name}'", call.span, [_signature(fv)],
                                   code="KQ309")
        return local, defaults

    def _param_value(self, p: A.Param, value: BExpr, node: A.Node) -> BExpr:
        from .operators import coerce

        t = normalize(p.type)
        if t is None:
            raise KqlTypeError(f"unknown parameter type '{p.type}'", p.span, [_TYPE_HINT], code="KQ312")
        numeric = ("int", "long", "real", "decimal")
        if (isinstance(value, BLit) and value.type in numeric and t in numeric and value.value is not None
                and math.isfinite(value.value)):  # nan/inf to an integer: left to coerce, as at run time
            return BLit(t, float(value.value) if t == "real" else (int(value.value) if t in ("int", "long") else value.value))
        if value.type == t or (value.type in numeric and t in numeric):
            return coerce(value, t)
        if value.type == "dynamic":
            return coerce(value, t)
        raise KqlTypeError(f"argument '{p.name}' must be {t}, not {value.type}", node.span, code="KQ311")

    # ------------------------------------------------------------ helpers shared by operators
    def scope_of(self, rel: Rel, env: Env, **kw: Any) -> Scope:
        kw.setdefault("windows", is_serialized(rel))  # window functions need a serialized row set
        return Scope(env, {c.name: c.type for c in rel.columns}, **kw)

    def passthrough(self, rel: Rel) -> list[BExpr]:
        return [BCol(c.type, c.name) for c in rel.columns]

    def project(self, rel: Rel, cols: list[Col], items: list[BExpr], keep_order: bool = True) -> Projection:
        order = carry_order(rel, cols, items) if keep_order else None
        source, items = split_windows(rel, items)  # nested or restart window calls need extra SELECTs
        return Projection(tuple(cols), input=source, items=tuple(items), order=order)

    def filter(self, rel: Rel, predicate: BExpr) -> Rel:
        if has_window(predicate):
            return filter_with_windows(self, rel, predicate)
        return Filter(rel.columns, input=rel, predicate=predicate, order=rel.order)

    def limit(self, rel: Rel, count: BExpr) -> Rel:
        return Limit(rel.columns, input=rel, count=count, order=rel.order)

    def order(self, rel: Rel, keys: list[OrderKey], count: BExpr | None = None) -> Rel:
        """The rows sorted by `keys` (and the first `count` of them, for top)."""
        if any(has_window(k.expr) for k in keys):
            return order_with_windows(self, rel, keys, count)
        ordered = Order(rel.columns, input=rel, keys=tuple(keys), order=tuple(keys))
        return ordered if count is None else self.limit(ordered, count)


def carry_order(rel: Rel, cols: list[Col], items: list[BExpr]) -> tuple[OrderKey, ...] | None:
    """A projection keeps the input's order keys when every column they use passes through."""
    if not rel.order:
        return None
    passed = {it.name: c.name for c, it in zip(cols, items) if isinstance(it, BCol) and it.name == c.name}
    for key in rel.order:
        if not isinstance(key.expr, BCol) or key.expr.name not in passed:
            return None
    return rel.order


def _signature(fv: FunctionValue) -> str:
    ps = ", ".join(f"{p.name}:{p.type}" + ("=..." if p.default is not None else "") for p in fv.definition.params)
    return f"signature: {fv.name}({ps})"


_TYPE_HINT = "types: bool, int, long, real, decimal, string, datetime, timespan, guid, dynamic"
