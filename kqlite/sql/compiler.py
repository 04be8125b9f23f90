"""Plan -> DuckDB SQL text: a chain of CTEs, one per relation, each a small SELECT.

Identifiers go through quote_ident and values through quote_literal, nothing else.
DuckDB inlines single-use CTEs, so the chain costs nothing at run time.
"""

from __future__ import annotations

import datetime as dt
import re

from ..functions.registry import Arg
from ..semantic import plan as P
from ..types import SQL_TYPE
from .macros import subquery_macros
from .quote import quote_ident, quote_literal, quote_string

# SQL that is one literal: a string, a number, TRUE / FALSE / NULL (a constant function's SQL can be one)
_BARE_LITERAL = re.compile(r"\s*(?:'(?:[^']|'')*'|[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|TRUE|FALSE|NULL)\s*",
                           re.IGNORECASE)


class SqlCompiler:
    def __init__(self, now: dt.datetime):
        self.now_sql = quote_literal(now, "datetime")
        self.ctes: list[tuple[str, str, bool]] = []  # (name, SQL, materialized)
        self.names: dict[int, str] = {}

    # ------------------------------------------------------------ entry
    def compile(self, rel: P.Rel) -> str:
        name = self.rel(rel)
        order = f"\nORDER BY {self.order_by(rel.order)}" if rel.order else ""
        cols = ", ".join(quote_ident(c.name) for c in rel.columns) or "*"
        body = f"SELECT {cols} FROM {name}{order}"
        if not self.ctes:
            return body
        ctes = [f"{n} AS {'MATERIALIZED ' if materialized else ''}(\n  {sql}\n)" for n, sql, materialized in self.ctes]
        return "WITH " + ",\n".join(ctes) + "\n" + body

    def rel(self, rel: P.Rel) -> str:
        key = id(rel)
        if key in self.names:
            return self.names[key]
        if isinstance(rel, P.Table):
            name = quote_ident(rel.name)
        else:
            sql = getattr(self, f"rel_{type(rel).__name__}")(rel)
            name = f"_q{len(self.ctes)}"
            # materialize(): computed once even when referenced twice (rand(), costly scans)
            self.ctes.append((name, sql, isinstance(rel, P.Materialized)))
        self.names[key] = name
        return name

    # ------------------------------------------------------------ expressions
    def arg(self, e: P.BExpr, over: str = "") -> Arg:
        """What a function's SQL builder sees of one argument."""
        if isinstance(e, P.BCall):
            inner = tuple(self.arg(a, over) for a in e.args)
            return Arg(self.call(e, inner, over), e.type, call=(e.fn.name, inner))
        return Arg(self.expr(e, over), e.type, e.value if isinstance(e, P.BLit) else None, isinstance(e, P.BLit))

    def call(self, e: P.BCall, args: tuple[Arg, ...], over: str) -> str:
        """A registry function's SQL. Many builders put their arguments inside SQL lambdas, where DuckDB
        refuses a subquery (parse_path(), parse_url() compile to one): an argument holding one is
        evaluated once, outside, as a field of the struct the lambda `kq_args` gets."""
        held = [i for i, a in enumerate(args) if e.fn.kind == "scalar" and not a.is_const and _has_subquery(a.sql)]
        if not held:
            return e.fn.build(list(args), now_sql=self.now_sql, over=over)
        inner = [Arg(f"kq_args['a{i}']", a.type, call=a.call) if i in held else a for i, a in enumerate(args)]
        body = e.fn.build(inner, now_sql=self.now_sql, over=over)
        if _has_subquery(body):  # the builder's own subquery would then sit in the lambda
            return e.fn.build(list(args), now_sql=self.now_sql, over=over)
        fields = ", ".join(f"'a{i}': {args[i].sql}" for i in held)
        return f"list_transform([{{{fields}}}], lambda kq_args: {body})[1]"

    def expr(self, e: P.BExpr, over: str = "") -> str:
        if isinstance(e, P.BLit):
            return quote_literal(e.value, e.type)
        if isinstance(e, P.BCol):
            col = quote_ident(e.name)
            return f"{e.qualifier[0]}.{col}" if e.qualifier else col
        if isinstance(e, P.BCall):
            return self.call(e, tuple(self.arg(a, over) for a in e.args), over)
        if isinstance(e, P.BSql):
            return e.build(*[self.expr(a, over) for a in e.args])
        if isinstance(e, P.BPath):
            return self.path(e, over)
        if isinstance(e, P.BScalarQuery):
            name = self.rel(e.rel)
            return f"(SELECT {quote_ident(e.rel.columns[0].name)} FROM {name} LIMIT 1)"
        if isinstance(e, P.BInQuery):
            name = self.rel(e.rel)
            col = quote_ident(e.rel.columns[0].name)
            left = self.expr(e.left, over)
            if e.case_insensitive:
                left, col = f"lower(CAST({left} AS VARCHAR))", f"lower(CAST({col} AS VARCHAR))"
            test = f"{left} IN (SELECT {col} FROM {name})"
            return f"(NOT COALESCE({test}, FALSE))" if e.negated else f"({test})"
        raise TypeError(f"cannot compile {type(e).__name__}")

    def path(self, e: P.BPath, over: str) -> str:
        sql = self.expr(e.base, over)
        const = ""
        for step in e.steps:
            if isinstance(step, str) and step in ("", "*"):
                # DuckDB's JSONPath cannot name these keys ($."*" is a wildcard, $."" an error): a JSON pointer can
                if const:
                    sql, const = f"json_extract({sql}, {quote_string('$' + const)})", ""
                sql = f"json_extract({sql}, {quote_string('/' + step)})"
            elif isinstance(step, str):
                const += "." + _json_key(step)
            elif isinstance(step, int) and not isinstance(step, bool):
                const += f"[#{step}]" if step < 0 else f"[{step}]"
            else:
                if const:
                    sql, const = f"json_extract({sql}, {quote_string('$' + const)})", ""
                idx = self.expr(step, over)
                if step.type == "string":  # a JSON pointer names any key exactly: only ~ and / are escaped
                    sql = f"json_extract({sql}, '/' || replace(replace({idx}, '~', '~0'), '/', '~1'))"
                else:
                    sql = (f"json_extract({sql}, CASE WHEN {idx} < 0 THEN '$[#' || CAST({idx} AS VARCHAR) || ']' "
                           f"ELSE '$[' || CAST({idx} AS VARCHAR) || ']' END)")
        if const:
            fn = "json_extract_string" if e.as_text else "json_extract"
            return f"{fn}({sql}, {quote_string('$' + const)})"
        return f"json_extract_string({sql}, '$')" if e.as_text else sql

    def order_by(self, keys: tuple[P.OrderKey, ...] | None, qualifier: str = "") -> str:
        parts = []
        for k in keys or ():
            key = self.expr(k.expr)
            # `sort by true`, `sort by current_principal()`: DuckDB refuses a bare literal key, not a cast one
            if isinstance(k.expr, P.BLit) or _BARE_LITERAL.fullmatch(key):
                key = f"CAST({key} AS {SQL_TYPE[k.expr.type]})"
            parts.append(f"{key} {'DESC' if k.desc else 'ASC'} NULLS {'FIRST' if k.nulls_first else 'LAST'}")
        return ", ".join(parts)

    def _over(self, rel: P.Rel) -> str:
        return f"ORDER BY {self.order_by(rel.order)}" if rel.order else ""

    # ------------------------------------------------------------ relations
    def rel_Values(self, rel: P.Values) -> str:
        cols = rel.columns
        if not cols:
            return "SELECT 1 AS __kq_empty WHERE FALSE"
        aliases = [f"c{i}" for i in range(len(cols))]
        select = ", ".join(f"CAST({a} AS {SQL_TYPE[c.type]}) AS {quote_ident(c.name)}" for a, c in zip(aliases, cols))
        if not rel.rows:
            nulls = ", ".join(f"CAST(NULL AS {SQL_TYPE[c.type]}) AS {quote_ident(c.name)}" for c in cols)
            return f"SELECT {nulls} WHERE FALSE"
        rows = ", ".join("(" + ", ".join(self.expr(v) for v in row) + ")" for row in rel.rows)
        return f"SELECT {select} FROM (VALUES {rows}) AS v({', '.join(aliases)})"

    def rel_RangeRel(self, rel: P.RangeRel) -> str:
        col = rel.columns[0]
        start, stop = self.expr(rel.start), self.expr(rel.stop)
        step = f"NULLIF({self.expr(rel.step)}, 0)"  # a zero step known only at run time gives no rows
        if col.type == "datetime":
            count = f"CAST(floor((epoch_us({stop}) - epoch_us({start})) * 10 / ({step})) AS BIGINT)"
            value = f"{start} + to_microseconds(CAST(i * ({step}) // 10 AS BIGINT))"
        else:
            count = f"CAST(floor((({stop}) - ({start})) / ({step})) AS BIGINT)"
            value = f"({start}) + i * ({step})"
        return (f"SELECT CAST({value} AS {SQL_TYPE[col.type]}) AS {quote_ident(col.name)} "
                f"FROM range(0, greatest({count} + 1, 0)) AS r(i)")

    def rel_Filter(self, rel: P.Filter) -> str:
        return f"SELECT * FROM {self.rel(rel.input)} WHERE {self.expr(rel.predicate)}"

    def rel_Projection(self, rel: P.Projection) -> str:
        over = self._over(rel.input)
        pairs = list(zip(rel.columns, rel.items))
        head = ""
        inputs = rel.input.columns
        if inputs and len(pairs) > len(inputs) and all(
                isinstance(e, P.BCol) and e.qualifier is None and e.name == c.name == i.name
                for (c, e), i in zip(pairs, inputs)):
            head, pairs = "*, ", pairs[len(inputs):]  # extend: every input column passes through unchanged
        items = ", ".join(f"{self.expr(e, over)} AS {quote_ident(c.name)}" for c, e in pairs)
        return f"SELECT {head}{items} FROM {self.rel(rel.input)}"

    def rel_Aggregate(self, rel: P.Aggregate) -> str:
        exprs = list(rel.keys) + list(rel.aggregates)
        items = ", ".join(f"{self.expr(e)} AS {quote_ident(c.name)}" for c, e in zip(rel.columns, exprs))
        group = ""
        if rel.keys:
            group = " GROUP BY " + ", ".join(str(i + 1) for i in range(len(rel.keys)))
        return f"SELECT {items} FROM {self.rel(rel.input)}{group}"

    def rel_Distinct(self, rel: P.Distinct) -> str:
        return f"SELECT DISTINCT * FROM {self.rel(rel.input)}"

    def rel_Limit(self, rel: P.Limit) -> str:
        order = f" ORDER BY {self.order_by(rel.input.order)}" if rel.input.order else ""
        return f"SELECT * FROM {self.rel(rel.input)}{order} LIMIT greatest({self.expr(rel.count)}, 0)"

    def rel_Order(self, rel: P.Order) -> str:
        return f"SELECT * FROM {self.rel(rel.input)} ORDER BY {self.order_by(rel.keys)}"

    def rel_Sample(self, rel: P.Sample) -> str:
        return f"SELECT * FROM {self.rel(rel.input)} USING SAMPLE {max(rel.count, 0)} ROWS"

    def rel_Serialize(self, rel: P.Serialize) -> str:
        return f"SELECT * FROM {self.rel(rel.input)}"

    def rel_SqlRel(self, rel: P.SqlRel) -> str:
        return rel.build(self)

    def rel_Materialized(self, rel: P.Materialized) -> str:
        return f"SELECT * FROM {self.rel(rel.input)}"

    def rel_JoinRel(self, rel: P.JoinRel) -> str:
        left, right = self.rel(rel.left), self.rel(rel.right)
        if rel.kind == "innerunique":
            keys = ", ".join(quote_ident(k) for k in rel.left_keys)
            left = f"(SELECT * FROM {left} QUALIFY row_number() OVER (PARTITION BY {keys}) = 1)"
        cond = " AND ".join(f"l.{quote_ident(a)} = r.{quote_ident(b)}" for a, b in zip(rel.left_keys, rel.right_keys))
        nullable = {"leftouter": {"right"}, "rightouter": {"left"}, "fullouter": {"left", "right"}}.get(rel.kind, set())
        items = []
        for col, (side, src) in zip(rel.columns, rel.outputs):
            ref = f"{side[0]}.{quote_ident(src)}"
            if side in nullable and col.type == "string":
                ref = f"COALESCE({ref}, '')"
            items.append(f"{ref} AS {quote_ident(col.name)}")
        select = ", ".join(items)
        if rel.kind in ("rightsemi", "rightanti"):
            how = "SEMI" if rel.kind == "rightsemi" else "ANTI"
            return f"SELECT {select} FROM {right} AS r {how} JOIN {left} AS l ON {cond}"
        how = {"innerunique": "INNER JOIN", "inner": "INNER JOIN", "leftouter": "LEFT JOIN",
               "rightouter": "RIGHT JOIN", "fullouter": "FULL JOIN", "leftsemi": "SEMI JOIN",
               "leftanti": "ANTI JOIN"}[rel.kind]
        return f"SELECT {select} FROM {left} AS l {how} {right} AS r ON {cond}"

    def rel_UnionRel(self, rel: P.UnionRel) -> str:
        parts = []
        data_cols = [c for c in rel.columns if c.name != rel.source_column]
        for name, inp in zip(rel.source_names, rel.inputs):
            items = []
            if rel.source_column:
                items.append(f"{quote_string(name)} AS {quote_ident(rel.source_column)}")
            origins = dict(rel.origins)
            for c in data_cols:
                src = inp.column(origins.get(c.name, c.name))
                if c.name in origins and src is not None and src.type != c.type:
                    src = None  # a type-split column (x_long, x_int) takes only values of its own type
                if src is not None and src.type == c.type:
                    items.append(f"{quote_ident(src.name)} AS {quote_ident(c.name)}")
                elif src is not None and {src.type, c.type} <= {"int", "long", "real", "decimal"}:
                    items.append(f"CAST({quote_ident(src.name)} AS {SQL_TYPE[c.type]}) AS {quote_ident(c.name)}")
                else:
                    items.append(f"{quote_literal(None, c.type)} AS {quote_ident(c.name)}")
            parts.append(f"SELECT {', '.join(items)} FROM {self.rel(inp)}")
        return "\nUNION ALL\n".join(parts)

    def rel_ScanRel(self, rel: P.ScanRel) -> str:
        from .scan import scan_sql

        return scan_sql(self, rel)

    def rel_GraphNodesRel(self, rel) -> str:
        from .graph import graph_nodes_sql

        return graph_nodes_sql(self, rel)

    def rel_GraphRel(self, rel) -> str:
        from ..errors import KqlTypeError

        raise KqlTypeError("a graph is not a table: use graph-to-table or graph-match to read it", None,
                           ["T | make-graph a --> b | graph-to-table edges"], code="KQ370")

    def rel_GraphComponentsRel(self, rel) -> str:
        from .graph import graph_components_sql

        return graph_components_sql(self, rel)

    def rel_GraphMatchRel(self, rel) -> str:
        from .graph import graph_match_sql

        return graph_match_sql(self, rel)

    def rel_MakeSeriesRel(self, rel: P.MakeSeriesRel) -> str:
        from .make_series import make_series_sql

        return make_series_sql(self, rel)

    def rel_MvExpandRel(self, rel: P.MvExpandRel) -> str:
        inner = self.rel(rel.input)
        arrays = ", ".join(f"kq_json_items({self.expr(e)}) AS __kq_items{i}" for i, (_, e, _) in enumerate(rel.expand))
        lengths = [f"len(__kq_items{i})" for i in range(len(rel.expand))]
        n = lengths[0] if len(lengths) == 1 else f"greatest({', '.join(lengths)})"
        if rel.limit is not None:
            n = f"least({n}, {rel.limit})"
        expanded = {name: i for i, (name, _, _) in enumerate(rel.expand)}
        types = {name: t for name, _, t in rel.expand}
        items = []
        for c in rel.columns:
            if c.name in expanded:
                elem = f"__kq_items{expanded[c.name]}[__kq_idx + 1]"
                to_type = types[c.name]
                if to_type:
                    from ..functions.convert import dynamic_to

                    elem = dynamic_to(elem, to_type)
                items.append(f"{elem} AS {quote_ident(c.name)}")
            elif c.name == rel.index_column:
                items.append(f"CAST(__kq_idx AS BIGINT) AS {quote_ident(c.name)}")
            else:
                items.append(quote_ident(c.name))
        return (f"SELECT {', '.join(items)} FROM (SELECT *, unnest(range(0, {n})) AS __kq_idx "
                f"FROM (SELECT *, {arrays} FROM {inner}))")


def _json_key(key: str) -> str:
    if key.isidentifier() and key.isascii():
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def compile_query(rel: P.Rel, now: dt.datetime) -> str:
    return SqlCompiler(now).compile(rel)



_SUBQUERY_MACROS = re.compile(r"\(SELECT |\b(?:" + "|".join(sorted(subquery_macros())) + r")\(")


def _has_subquery(sql: str) -> bool:
    return _SUBQUERY_MACROS.search(sql) is not None
