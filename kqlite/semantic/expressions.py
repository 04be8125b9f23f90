"""Binding scalar expressions: names to columns or let-values, calls to the registry or
user functions, operators to typed SQL. Produces plan expressions (kqlite.semantic.plan)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import KqlNameError, KqlSyntaxError, KqlTypeError, KqlUnsupportedError, Span, did_you_mean
from ..functions import catalog
from ..functions.regex_check import check_call, check_regex
from ..functions.registry import Function, all_functions, lookup
from ..syntax import ast as A
from ..types import INTEGER, NUMERIC
from . import operators
from .plan import BCall, BCol, BExpr, BInQuery, BLit, BPath, BScalarQuery, BSql, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env


@dataclass
class Scope:
    """What an expression can see: the current row's columns and the let-bound names."""

    env: Env
    columns: dict[str, str] = field(default_factory=dict)
    aggregates: bool = False  # inside summarize
    windows: bool = True
    sides: dict[str, dict[str, str]] | None = None  # join conditions: {'left': cols, 'right': cols}
    uses_window: bool = False


class ExpressionBinder:
    def __init__(self, binder: Binder):
        self.binder = binder

    # ------------------------------------------------------------ entry
    def bind(self, node: A.Node, scope: Scope) -> BExpr:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            if isinstance(node, (A.Pipe, A.Datatable, A.Print, A.Range)):
                raise KqlTypeError("a tabular expression cannot be used as a scalar value", node.span,
                                   ["wrap it in toscalar(...) to use its first value"], code="KQ302")
            raise KqlUnsupportedError(f"{type(node).__name__} is not supported here", node.span)
        return method(node, scope)

    # ------------------------------------------------------------ leaves
    def visit_Literal(self, node: A.Literal, scope: Scope) -> BExpr:
        return BLit(node.type, node.value)

    def visit_Name(self, node: A.Name, scope: Scope) -> BExpr:
        if node.name in scope.columns:
            return BCol(scope.columns[node.name], node.name)
        binding = scope.env.lookup(node.name)
        if binding is not None:
            kind, value = binding
            if kind == "scalar":
                return value
            if kind == "table":
                raise KqlTypeError(f"'{node.name}' is a table, not a scalar value", node.span,
                                   ["use toscalar(...) for a single value, or 'in (T)' to test membership"],
                                   code="KQ302")
            if kind == "function":
                raise KqlTypeError(f"'{node.name}' is a function; call it with ()", node.span, code="KQ302")
        candidates = list(scope.columns) + scope.env.scalar_names()
        hints = did_you_mean(node.name, candidates, "columns in scope")
        if scope.sides:
            hints = hints or ["in a join condition use a column both sides have, or $left.a == $right.b"]
        raise KqlNameError(f"unknown column or variable '{node.name}'", node.span, hints, code="KQ201")

    def visit_Side(self, node: A.Side, scope: Scope) -> BExpr:
        raise KqlSyntaxError(f"${node.side} can only be used as ${node.side}.column in a join condition",
                             node.span, code="KQ105")

    def visit_Assign(self, node: A.Assign, scope: Scope) -> BExpr:
        raise KqlSyntaxError("named arguments (name = value) are only accepted by user-defined functions",
                             node.span, code="KQ113")

    def visit_Star(self, node: A.Star, scope: Scope) -> BExpr:
        raise KqlSyntaxError("'*' is not allowed here", node.span, code="KQ106")

    # ------------------------------------------------------------ dynamic access
    def visit_Member(self, node: A.Member, scope: Scope) -> BExpr:
        if isinstance(node.target, A.Side):
            return self._side_column(node.target, node.name, node.span, scope)
        base = self.bind(node.target, scope)
        return self._path(base, node.name, node.span, node.target)

    def visit_Index(self, node: A.Index, scope: Scope) -> BExpr:
        base = self.bind(node.target, scope)
        index = node.index
        if isinstance(index, A.Literal) and index.type in ("string", "long", "int"):
            return self._path(base, index.value, node.span, node.target)
        idx = self.bind(index, scope)
        if idx.type not in ("string", "long", "int"):
            raise KqlTypeError(f"an index must be a string or an integer, not {idx.type}", index.span, code="KQ303")
        return self._path(base, idx, node.span, node.target)

    def _path(self, base: BExpr, step: Any, span: Span, target: A.Node) -> BExpr:
        if base.type != "dynamic":
            raise KqlTypeError(f"'{_describe(target)}' is {base.type}, not dynamic: it has no properties", span,
                               ["parse JSON text first: parse_json(Column).property"], code="KQ304")
        if isinstance(base, BPath):
            return BPath("dynamic", base.base, base.steps + (step,))
        if isinstance(base, BCall) and base.fn.name.startswith("series_"):
            from .tuples import field_access

            direct = field_access(base, step)  # series_stats_dynamic(x).max: that statistic alone
            if direct is not None:
                return direct
        return BPath("dynamic", base, (step,))

    def _side_column(self, side: A.Side, name: str, span: Span, scope: Scope) -> BExpr:
        if not scope.sides:
            raise KqlSyntaxError(f"${side.side} is only valid in a join condition", side.span, code="KQ105")
        cols = scope.sides[side.side]
        if name not in cols:
            hints = did_you_mean(name, cols, f"columns of the {side.side} side")
            raise KqlNameError(f"the {side.side} side has no column '{name}'", span, hints, code="KQ202")
        return BCol(cols[name], name, qualifier=side.side)

    # ------------------------------------------------------------ operators
    def visit_BinaryOp(self, node: A.BinaryOp, scope: Scope) -> BExpr:
        left = self.bind(node.left, scope)
        right = self.bind(node.right, scope)
        if node.op == "matches regex" and isinstance(right, BLit):
            check_regex(right.value, node.right.span, "matches regex")
        return operators.binary(node.op, left, right, node.op_span)

    def visit_UnaryOp(self, node: A.UnaryOp, scope: Scope) -> BExpr:
        return operators.negate(self.bind(node.operand, scope), node.span)

    def visit_Between(self, node: A.Between, scope: Scope) -> BExpr:
        left = self.bind(node.left, scope)
        low = self.bind(node.low, scope)
        high = self.bind(node.high, scope)
        if left.type == "datetime" and high.type == "timespan":
            high = operators.arithmetic("+", low, high, node.span)
        lo = operators.comparison(">=", left, low, node.span)
        hi = operators.comparison("<=", left, high, node.span)
        neg = "NOT " if node.negated else ""
        return BSql("bool", lambda a, b: f"({neg}({a} AND {b}))", (lo, hi))

    def visit_InList(self, node: A.InList, scope: Scope) -> BExpr:
        op = node.op
        left = self.bind(node.left, scope)
        if op.startswith("has_"):
            return self._has_set(op, left, node, scope)
        negated, ci = op.startswith("!"), op.endswith("~")
        if len(node.items) == 1:
            rel = self.binder.try_tabular(node.items[0], scope.env)
            if rel is not None:
                if not rel.columns:
                    raise KqlTypeError("the subquery has no columns", node.items[0].span, code="KQ305")
                return BInQuery("bool", left, rel, negated, ci)
        items = [self.bind(item, scope) for item in node.items]
        if left.type == "dynamic" or (ci and left.type != "string"):  # in~ compares text: 7 in~ ("7")
            left = operators.coerce(left, "string")
        target = "string" if ci else left.type
        values: list[BExpr] = []
        arrays: list[BExpr] = []
        for item, ast_item in zip(items, node.items):
            if item.type == "dynamic":
                arrays.append(item)
                continue
            if ci or target == "string":
                item = operators.coerce(item, "string")
            elif not (item.type == target or (item.type in NUMERIC and target in NUMERIC)):
                raise KqlTypeError(f"'in' list item is {item.type} but the value is {left.type}", ast_item.span,
                                   code="KQ306")
            values.append(item)
        lower = (lambda s: f"lower({s})") if ci else (lambda s: s)
        not_ = "NOT " if negated else ""
        n_values = len(values)
        left_to_string = operators.coerce(left, "string") if arrays else left

        def build(a: str, *rest: str) -> str:
            parts = []
            if n_values:
                parts.append(f"{lower(a)} IN ({', '.join(lower(v) for v in rest[:n_values])})")
            for arr in rest[n_values + 1:]:
                elems = f"CAST(json_extract({arr}, '$[*]') AS JSON[])"
                parts.append(f"list_contains(list_transform({elems}, lambda e: {lower('json_extract_string(e, ' + repr('$') + ')')}), "
                             f"{lower(rest[n_values])})")
            inner = " OR ".join(parts) if parts else "FALSE"
            return f"({not_}COALESCE({inner}, FALSE))" if negated else f"({inner})"

        return BSql("bool", build, (left, *values, left_to_string, *arrays))

    def _has_set(self, op: str, left: BExpr, node: A.InList, scope: Scope) -> BExpr:
        bound = [self.bind(i, scope) for i in node.items]
        terms: list[BExpr] = []
        for b in bound:
            if isinstance(b, BLit) and b.type == "dynamic" and isinstance(b.value, list):
                terms.extend(BLit("string", "" if v is None else str(v)) for v in b.value)
            elif b.type == "dynamic":
                # terms known only at run time: count the terms that match as whole terms
                match_any = op == "has_any"

                def build(s: str, arr: str, match_any: bool = match_any) -> str:
                    terms_sql = f"CAST(json_extract({arr}, '$[*]') AS JSON[])"
                    term = "regexp_escape(json_extract_string(t, '$'))"
                    hits = (f"len(list_filter({terms_sql}, lambda t: regexp_matches({s}, "
                            f"'(?i)(?:^|[^0-9A-Za-z])' || {term} || '(?:$|[^0-9A-Za-z])')))")
                    return f"({hits} > 0)" if match_any else f"({hits} = len({terms_sql}))"

                return BSql("bool", build, (operators.coerce(left, "string"), b))
            else:
                terms.append(operators.coerce(b, "string"))
        if not terms:
            return BLit("bool", False)
        parts = [operators.string_match("has", left, t, node.op_span) for t in terms]
        joiner = " OR " if op == "has_any" else " AND "
        return BSql("bool", lambda *sqls: "(" + joiner.join(sqls) + ")", tuple(parts))

    # ------------------------------------------------------------ calls
    def visit_Call(self, node: A.Call, scope: Scope) -> BExpr:
        name = node.name
        special = getattr(self, f"call_{name}", None)
        if special is not None:
            return special(node, scope)
        binding = scope.env.lookup(name)
        if binding is not None and binding[0] == "function":
            result = self.binder.expand_function(node, binding[1], scope.env, scope)
            if isinstance(result, Rel):
                raise KqlTypeError(f"'{name}' returns a table, not a scalar", node.span, code="KQ302")
            return result
        fn = lookup(name)
        if fn is not None and name == "tostring" and len(node.args) == 1:
            arg = self.bind(node.args[0], scope)
            if isinstance(arg, BPath):
                return operators.coerce(arg, "string")
        if fn is None:
            known = catalog.FUNCTIONS.get(name)
            if known is not None:  # valid KQL that kqlite does not run: say why, point at its page
                raise catalog.unsupported_error(known, node.name_span)
            names = list(all_functions()) + scope.env.function_names()
            hints = did_you_mean(name, names)
            raise KqlNameError(f"unknown function '{name}'", node.name_span, hints, code="KQ203")
        if fn.kind == "aggregate" and not scope.aggregates:
            raise KqlTypeError(f"'{name}' is an aggregation function: use it in summarize", node.name_span,
                               [f"... | summarize {name}(...) by ..."], code="KQ307")
        if fn.kind == "window":
            if not scope.windows:
                raise KqlTypeError(f"'{name}' is a window function: it needs a serialized row set here",
                                   node.name_span, ["serialize the rows first: ... | serialize | extend ..., "
                                                    "or sort them: ... | sort by ... | extend ..."], code="KQ308")
            scope.uses_window = True
        return self.call(fn, node, scope)

    def call(self, fn: Function, node: A.Call, scope: Scope) -> BExpr:
        n = len(node.args)
        if n < fn.min_args or (fn.max_args is not None and n > fn.max_args):
            expected = str(fn.min_args) if fn.min_args == fn.max_args else (
                f"{fn.min_args} to {fn.max_args}" if fn.max_args is not None else f"at least {fn.min_args}")
            raise KqlTypeError(f"{fn.name}() takes {expected} argument{'s' if expected != '1' else ''}, got {n}",
                               node.span, [f"signature: {fn.signature()}"], code="KQ309")
        inner = Scope(scope.env, scope.columns, aggregates=False, windows=scope.windows, sides=scope.sides)
        args = []
        for i, arg_node in enumerate(node.args):
            arg = self.bind(arg_node, inner if fn.kind == "aggregate" else scope)
            args.append(self._coerce_arg(fn, i, arg, arg_node))
        if inner.uses_window:
            scope.uses_window = True
        check_call(fn.name, [(isinstance(a, BLit), a.value if isinstance(a, BLit) else None) for a in args],
                   [a.span for a in node.args])
        try:
            typed_at = {"extract": 3, "extract_json": 2, "percentile_tdigest": 2}.get(fn.name)  # the optional typeof(T) argument
            if typed_at is not None and len(args) == typed_at + 1:
                from ..types import normalize

                typed = args[typed_at]
                rtype = normalize(str(typed.value)) if isinstance(typed, BLit) else None
                if rtype is None:
                    raise KqlTypeError(f"argument {typed_at + 1} of {fn.name}() is a type: typeof(long), "
                                       "typeof(datetime) ...", node.args[typed_at].span, code="KQ311")
            else:
                rtype = fn.result_type([a.type for a in args])
            # builders check constant arguments (date parts, formats, patterns): run one now so that
            # their errors point at this call instead of surfacing later without a position
            from ..functions.registry import Arg

            fn.build([Arg("x", a.type, a.value if isinstance(a, BLit) else None, isinstance(a, BLit)) for a in args],
                     now_sql="now", over="")
        except (KqlTypeError, KqlUnsupportedError) as e:
            e.span = e.span or node.span
            raise
        return BCall(rtype, fn, tuple(args))

    def _coerce_arg(self, fn: Function, i: int, arg: BExpr, node: A.Node) -> BExpr:
        kind = fn.param_kind(i)
        t = arg.type
        if kind in ("any", "const"):
            if kind == "const" and not isinstance(arg, BLit):
                raise KqlTypeError(f"argument {i + 1} of {fn.name}() must be a constant", node.span, code="KQ310")
            return arg
        if kind == "string":
            return operators.coerce(arg, "string")
        if kind == "dynamic":
            return operators.coerce(arg, "dynamic")
        if kind == "quantity":
            if t in NUMERIC or t == "timespan":
                return arg
            if t == "dynamic":
                return operators.coerce(arg, "real")
        elif kind in ("number", "integer"):
            if t == "dynamic":
                return operators.coerce(arg, "real" if kind == "number" else "long")
            if t in NUMERIC:
                if kind == "integer" and t not in INTEGER:
                    return operators.coerce(arg, "long")
                return arg
        elif t == kind:
            return arg
        elif t == "dynamic":
            return operators.coerce(arg, kind)
        raise KqlTypeError(f"argument {i + 1} of {fn.name}() must be {_kind_text(kind)}, not {t}", node.span,
                           [f"signature: {fn.signature()}"], code="KQ311")

    # ------------------------------------------------------------ special forms
    def call_toscalar(self, node: A.Call, scope: Scope) -> BExpr:
        if len(node.args) != 1:
            raise KqlTypeError("toscalar() takes one tabular argument", node.span, code="KQ309")
        rel = self.binder.try_tabular(node.args[0], scope.env)
        if rel is None:  # toscalar(2) is just 2
            return self.bind(node.args[0], scope)
        if not rel.columns:
            raise KqlTypeError("toscalar() needs a table with at least one column", node.span, code="KQ305")
        return BScalarQuery(rel.columns[0].type, rel)

    def call_pack_all(self, node: A.Call, scope: Scope) -> BExpr:
        """pack_all([ignore_null_empty]): a bag of the row's columns, so it needs the scope, not the registry."""
        from ..functions.dynamic import pack_all_sql

        flag = node.args[0] if len(node.args) == 1 else None
        if len(node.args) > 1 or (flag is not None and not (isinstance(flag, A.Literal) and isinstance(flag.value, bool))):
            raise KqlTypeError("pack_all() takes at most one argument, a constant bool (ignore_null_empty)", node.span,
                               code="KQ309")
        columns = list(scope.columns.items())
        ignore = bool(flag.value) if flag is not None else False
        return BSql("dynamic", lambda *sqls: pack_all_sql(columns, sqls, ignore),
                    tuple(BCol(t, name) for name, t in columns))

    def call_column_ifexists(self, node: A.Call, scope: Scope) -> BExpr:
        if len(node.args) != 2 or not isinstance(node.args[0], A.Literal):
            raise KqlTypeError("column_ifexists() takes a column name (a string) and a default", node.span,
                               code="KQ309")
        name = str(node.args[0].value)
        if name in scope.columns:
            return BCol(scope.columns[name], name)
        return self.bind(node.args[1], scope)

    call_columnifexists = call_column_ifexists  # the deprecated spelling

    def call_bin_auto(self, node: A.Call, scope: Scope) -> BExpr:
        """bin_auto(x): reads the query's `set query_bin_auto_size/at` options (special_forms.py)."""
        from .special_forms import bind_bin_auto

        return bind_bin_auto(self, node, scope)

    def call_bag_pack_columns(self, node: A.Call, scope: Scope) -> BExpr:
        """bag_pack_columns(c1, ...): the columns' names are the keys (special_forms.py)."""
        from .special_forms import bind_bag_pack_columns

        return bind_bag_pack_columns(self, node, scope)

    def call_estimate_data_size(self, node: A.Call, scope: Scope) -> BExpr:
        """estimate_data_size(*) or estimate_data_size(col, ...): the row's size in bytes."""
        from ..functions.strings import data_size_sql

        if not node.args:
            raise KqlTypeError("estimate_data_size() takes columns or *", node.span, code="KQ309")
        parts: list[BExpr] = []
        for arg in node.args:
            if isinstance(arg, A.Star):
                parts.extend(BCol(t, name) for name, t in scope.columns.items())
            else:
                parts.append(self.bind(arg, scope))
        types = [p.type for p in parts]
        return BSql("long", lambda *sqls: data_size_sql(list(zip(sqls, types))), tuple(parts))

    def call_typeof(self, node: A.Call, scope: Scope) -> BExpr:
        """typeof(long) as an argument (extract's result type): a constant naming the type."""
        from ..types import normalize

        arg = node.args[0] if len(node.args) == 1 else None
        t = normalize(arg.name) if isinstance(arg, A.Name) else None
        if t is None:
            raise KqlSyntaxError("typeof() takes a type name such as long or string", node.span, code="KQ107")
        return BLit("string", t)


def _describe(node: A.Node) -> str:
    if isinstance(node, A.Name):
        return node.name
    if isinstance(node, A.Member):
        return f"{_describe(node.target)}.{node.name}"
    return "the value"


def _kind_text(kind: str) -> str:
    return {"number": "a number", "integer": "an integer", "quantity": "a number or a timespan", "datetime": "a datetime", "timespan": "a timespan",
            "bool": "a bool", "string": "a string", "dynamic": "dynamic"}.get(kind, kind)
