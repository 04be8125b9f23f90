"""Grammar-aware random KQL over the sample fleet's real tables and columns.

A pipeline is a source (a table, `print`, `range`, `datatable`, a `let`) and one to six
operators. The generator tracks the columns each operator leaves in scope and their KQL
types, so most queries bind and reach DuckDB; on purpose, a small share uses a wrong
column, a wrong argument count or a wrong type, to exercise the error paths too.
Functions come from the registry (`kqlite.functions.registry.all_functions()`), so a newly
registered function is fuzzed without touching this file.
"""

from __future__ import annotations

from collections.abc import Mapping

from kqlite.functions.registry import Function, all_functions

Columns = dict[str, str]  # name -> KQL type

NUMERIC = ("int", "long", "real", "decimal")
TYPES = ("string", "long", "int", "real", "decimal", "bool", "datetime", "timespan", "dynamic", "guid")

STRINGS = ["", "a", "web-01", "Microsoft.HybridCompute/machines", "o'brien", 'q"uote', "ünïcødé", "1.2.3.4",
           "10.0.0.0/8", "2024-01-01", "eastus", "%", "_", "\\", "*", "a b c", "  ", "1.30.0", "true", "NaN",
           "[1,2]", '{"a":1}', "\t", "🙂", "x" * 40]
REGEXES = [r"(\d+)", r"^w", r"(a|b)+", r"[a-z]+-(\d+)", r".*", r"(?i)WEB", r"\.", r"([a-z]+)=([0-9]+)", r"[", r"("]
DATETIMES = ["datetime(2024-01-01)", "datetime(2023-12-31 23:59:59.999)", "datetime(null)", "now()", "ago(7d)",
             "datetime(1970-01-01)", "datetime(9999-12-31)", "datetime(0001-01-01)"]
TIMESPANS = ["1h", "1d", "0s", "30m", "1.5h", "-1d", "1tick", "time(null)", "timespan(2.03:04:05)", "365d", "1ms"]
DYNAMICS = ["dynamic([])", "dynamic([1, 2, 3])", "dynamic({'a': 1, 'b': [1, 'x']})", "dynamic(null)",
            "dynamic(['a', 'b'])", "dynamic({'k': {'n': 2.5}})", "dynamic('s')", "dynamic([null, 1])"]
NUMBERS = ["0", "1", "-1", "2", "7", "100", "1.5", "-0.5", "1e3", "9223372036854775807", "0x1F", "real(nan)",
           "real(+inf)", "long(null)", "int(null)", "3.0", "decimal(1.25)"]
BIN_SIZES = {"datetime": ["1h", "1d", "7d", "15m"], "timespan": ["1h", "1d"], "long": ["10", "1", "3"],
             "int": ["2"], "real": ["0.5", "10.0"], "decimal": ["1"]}
FORMATS_DT = ["'yyyy-MM-dd'", "'HH:mm:ss.fff'", "'yy-M-d h:m:s tt'", "'dddd'", "'x'", "''"]
FORMATS_TS = ["'d.hh:mm:ss'", "'hh:mm'", "'fffffff'", "'x'"]
DT_PARTS = ["'year'", "'Month'", "'day'", "'hour'", "'week'", "'quarter'", "'dayOfYear'", "'nope'", "'minute'"]
RENDER_KINDS = ["table", "timechart", "barchart", "columnchart", "piechart", "linechart", "areachart", "scatterchart",
                "card", "nonsense"]


class QueryGen:
    """`QueryGen(chooser, schemas).query()` -> one KQL text."""

    def __init__(self, chooser, schemas: Mapping[str, Columns], functions: Mapping[str, Function] | None = None):
        self.c = chooser
        self.schemas = dict(schemas)
        fns = functions if functions is not None else all_functions()
        unique = {f.name: f for f in fns.values()}
        self.scalars = sorted((f for f in unique.values() if f.kind == "scalar"), key=lambda f: f.name)
        self.aggregates = sorted((f for f in unique.values() if f.kind == "aggregate"), key=lambda f: f.name)
        self.windows = sorted((f for f in unique.values() if f.kind == "window"), key=lambda f: f.name)
        self.fresh = 0

    # ------------------------------------------------------------ helpers
    def name(self, prefix: str = "c") -> str:
        self.fresh += 1
        if self.c.chance(0.05):
            return self.c.choice(["['a b']", "['x\\'y']", "['with-dash']", "['ünï']", "['Count']", "['count_']"])
        return f"{prefix}{self.fresh}"

    def col_of(self, cols: Columns, types: tuple[str, ...] | None = None) -> str | None:
        names = [n for n, t in cols.items() if types is None or t in types]
        if not names:
            return None
        return ident(self.c.choice(names))

    # ------------------------------------------------------------ scalar expressions
    def literal(self, t: str) -> str:
        c = self.c
        if t == "string":
            s = c.choice(STRINGS)
            return kql_string(s, verbatim=c.chance(0.15))
        if t in NUMERIC:
            return c.choice(NUMBERS) if t != "int" or c.chance(0.3) else str(c.integer(-5, 20))
        if t == "bool":
            return c.choice(["true", "false", "bool(null)"])
        if t == "datetime":
            return c.choice(DATETIMES)
        if t == "timespan":
            return c.choice(TIMESPANS)
        if t == "dynamic":
            return c.choice(DYNAMICS)
        if t == "guid":
            return c.choice(["guid(74be27de-1e4e-49d9-b579-fe0b331d3642)", "guid(null)"])
        return self.literal(c.choice(TYPES))

    def expr(self, cols: Columns, t: str | None = None, depth: int = 0) -> str:
        """An expression, of type t when t is given (a best effort: functions' result rules vary)."""
        c = self.c
        t = t or c.choice(TYPES)
        if depth > 3 or c.chance(0.25):
            return self.atom(cols, t)
        k = c.integer(0, 9)
        if k <= 3:
            return self.call(cols, t, depth)
        if t == "bool":
            return self.predicate(cols, depth + 1)
        if t in NUMERIC and k <= 6:
            op = c.choice(["+", "-", "*", "/", "%"])
            return f"({self.expr(cols, c.choice(NUMERIC), depth + 1)} {op} {self.expr(cols, t, depth + 1)})"
        if t == "datetime" and k <= 6:
            return f"({self.expr(cols, 'datetime', depth + 1)} {c.choice(['+', '-'])} {self.literal('timespan')})"
        if t == "timespan" and k <= 6:
            return f"({self.expr(cols, 'datetime', depth + 1)} - {self.expr(cols, 'datetime', depth + 1)})"
        if t == "dynamic" and k <= 6:
            base = self.col_of(cols, ("dynamic",)) or self.literal("dynamic")
            return base + self.path()
        if k == 7:
            return (f"iff({self.predicate(cols, depth + 1)}, {self.expr(cols, t, depth + 1)}, "
                    f"{self.expr(cols, t, depth + 1)})")
        if k == 8:
            return (f"case({self.predicate(cols, depth + 1)}, {self.expr(cols, t, depth + 1)}, "
                    f"{self.expr(cols, t, depth + 1)})")
        return self.atom(cols, t)

    def path(self) -> str:
        c = self.c
        out = ""
        for _ in range(c.integer(1, 3)):
            out += c.choice([".properties", ".a", ".agentVersion", ".status", "['osName']", "[0]", "[-1]", ".k.n",
                             "['a b']", "[1]"])
        return out

    def atom(self, cols: Columns, t: str) -> str:
        c = self.c
        if c.chance(0.6):
            col = self.col_of(cols, NUMERIC if t in NUMERIC else (t,))
            if col is not None:
                return col
        if c.chance(0.02):
            return c.choice(["NoSuchColumn", "computer", "$left.x", "Name"])  # error paths
        return self.literal(t)

    def predicate(self, cols: Columns, depth: int = 0) -> str:
        c = self.c
        k = c.integer(0, 9)
        if depth > 3:
            k = 0
        if k <= 2:
            t = c.choice(TYPES)
            op = c.choice(["==", "!=", "<", ">", "<=", ">=", "<>"] if t != "string" else ["==", "!=", "=~", "!~", "<"])
            return f"{self.expr(cols, t, depth + 1)} {op} {self.expr(cols, t, depth + 1)}"
        if k <= 4:
            op = c.choice(["has", "!has", "contains", "!contains", "startswith", "endswith", "has_cs", "contains_cs",
                           "hasprefix", "hassuffix", "!startswith_cs", "like", "!endswith"])
            return f"{self.expr(cols, 'string', depth + 1)} {op} {self.literal('string')}"
        if k == 5:
            op = c.choice(["in", "!in", "in~", "!in~", "has_any", "has_all"])
            t = c.choice(["string", "long", "string"])
            items = ", ".join(self.literal(t) for _ in range(c.integer(0 if op != "in" else 1, 3)))
            if c.chance(0.1):
                items = "dynamic(['a', 1])"
            return f"{self.expr(cols, t, depth + 1)} {op} ({items})"
        if k == 6:
            t = c.choice(["long", "real", "datetime"])
            lo, hi = (self.literal("datetime"), self.literal("datetime")) if t == "datetime" else ("1", "10")
            if t == "datetime" and c.chance(0.5):
                hi = f"{lo} + 1d"
            return f"{self.expr(cols, t, depth + 1)} {c.choice(['between', '!between'])} ({lo} .. {hi})"
        if k == 7:
            return f"{self.expr(cols, 'string', depth + 1)} matches regex {kql_string(c.choice(REGEXES))}"
        if k == 8:
            return (f"({self.predicate(cols, depth + 1)} {c.choice(['and', 'or'])} "
                    f"{self.predicate(cols, depth + 1)})")
        return f"not({self.predicate(cols, depth + 1)})" if c.chance(0.5) else self.expr(cols, "bool", depth + 1)

    def call(self, cols: Columns, t: str | None, depth: int) -> str:
        c = self.c
        fn = c.choice(self.scalars)
        return f"{fn.name}({', '.join(self.args(fn, cols, depth))})"

    def args(self, fn: Function, cols: Columns, depth: int, skip_first: bool = False) -> list[str]:
        c = self.c
        kinds = list(fn.params)
        n = fn.min_args
        extra = (fn.max_args if fn.max_args is not None else fn.min_args + 3) - fn.min_args
        n += c.integer(0, extra)
        if c.chance(0.03):
            n = max(0, n + c.choice([-1, 1]))  # a wrong argument count: an error path
        out = []
        for i in range(n):
            kind = fn.param_kind(i) if kinds else "any"
            out.append(self.arg(fn, i, kind, cols, depth))
        return out

    def arg(self, fn: Function, i: int, kind: str, cols: Columns, depth: int) -> str:
        c = self.c
        if c.chance(0.04):
            return self.expr(cols, None, depth + 1)  # a wrong type: an error path
        if kind == "const":
            if fn.name in ("format_datetime",):
                return c.choice(FORMATS_DT)
            if fn.name in ("format_timespan",):
                return c.choice(FORMATS_TS)
            if fn.name.startswith("datetime_"):
                return c.choice(DT_PARTS)
            return c.choice(["50", "95", "1", "0", "99.9", "100", "-1", "3", "'x'", "1000000"])
        if fn.name in ("extract", "extract_all", "replace_regex", "countof") and kind == "string" and i in (0, 1):
            if (fn.name == "extract" and i == 0) or (fn.name != "extract" and i == 1 and fn.name != "countof") or \
                    (fn.name == "countof" and i == 1):
                return kql_string(c.choice(REGEXES))
        if fn.name in ("bin", "bin_at", "range") and i == 1:
            return c.choice(["1h", "1d", "10", "0.5", "0", "-1h"])
        t = {"string": "string", "number": c.choice(NUMERIC), "integer": c.choice(["long", "int"]),
             "datetime": "datetime", "timespan": "timespan", "bool": "bool", "dynamic": c.choice(["dynamic", "string",
                                                                                                "long"]),
             "quantity": c.choice(["long", "real", "timespan"]), "any": c.choice(TYPES)}.get(kind, None)
        return self.expr(cols, t, depth + 1)

    # ------------------------------------------------------------ tabular
    def source(self) -> tuple[str, Columns]:
        c = self.c
        k = c.integer(0, 9)
        if k <= 5 and self.schemas:
            table = c.choice(sorted(self.schemas))
            cols = dict(self.schemas[table])
            if table == "Heartbeat":  # half a million rows: keep joins and mv-expands small
                return f"{table} | take {c.integer(0, 2000)}", cols
            return table, cols
        if k == 6:
            n = c.integer(1, 3)
            assigns = [f"{self.name('p')} = {self.expr({}, None, 1)}" for _ in range(n)]
            return "print " + ", ".join(assigns), {unident(a.split(" = ")[0]): "dynamic" for a in assigns}
        if k == 7:
            return (f"range x from {c.choice(['1', '0', '-5'])} to {c.choice(['10', '0', '100', '3'])} step "
                    f"{c.choice(['1', '2', '7'])}", {"x": "long"})
        if k == 8:
            return (f"range t from datetime(2024-01-01) to datetime(2024-01-03) step {c.choice(['1h', '6h', '1d'])}",
                    {"t": "datetime"})
        rows = []
        for _ in range(c.integer(0, 4)):
            rows += [self.literal("long"), self.literal("string"), self.literal("dynamic"), self.literal("datetime")]
        return (f"datatable(n:long, s:string, d:dynamic, t:datetime) [{', '.join(rows)}]",
                {"n": "long", "s": "string", "d": "dynamic", "t": "datetime"})

    def operator(self, cols: Columns) -> tuple[str, Columns]:
        c = self.c
        kind = c.choice(["where", "where", "extend", "extend", "project", "summarize", "summarize", "sort", "top",
                         "take", "distinct", "count", "project-away", "project-rename", "project-keep",
                         "project-reorder", "join", "lookup", "union", "mv-expand", "parse", "parse-where",
                         "make-series", "serialize", "as", "getschema", "render", "top-nested", "sample"])
        names = list(cols)
        if kind == "where":
            return f"where {self.predicate(cols)}", cols
        if kind == "extend":
            new = dict(cols)
            parts = []
            for _ in range(c.integer(1, 3)):
                t = c.choice(TYPES)
                n = self.name("e")
                parts.append(f"{n} = {self.expr(cols, t)}")
                new[unident(n)] = t
            return "extend " + ", ".join(parts), new
        if kind == "project":
            if not names:
                return "project x = 1", {"x": "long"}
            keep = [c.choice(names) for _ in range(c.integer(1, 3))]
            keep = list(dict.fromkeys(keep))
            new = {k: cols[k] for k in keep}
            items = [ident(k) for k in keep]
            if c.chance(0.4):
                n = self.name("p")
                t = c.choice(TYPES)
                items.append(f"{n} = {self.expr(cols, t)}")
                new[unident(n)] = t
            return "project " + ", ".join(items), new
        if kind == "summarize":
            return self.summarize(cols)
        if kind == "sort":
            keys = [f"{self.expr(cols) if c.chance(0.2) else (self.col_of(cols) or '1')} "
                    f"{c.choice(['', 'asc', 'desc'])} {c.choice(['', 'nulls first', 'nulls last'])}".strip()
                    for _ in range(c.integer(1, 2))]
            return f"{c.choice(['sort', 'order'])} by " + ", ".join(keys), cols
        if kind == "top":
            return f"top {c.integer(0, 20)} by {self.col_of(cols) or self.expr(cols)} {c.choice(['', 'asc', 'desc'])}", cols
        if kind == "take":
            return f"{c.choice(['take', 'limit'])} {c.choice(['0', '1', '5', '100', '-1', '1.5'])}", cols
        if kind == "distinct":
            if c.chance(0.2) or not names:
                return "distinct *", cols
            keep = list(dict.fromkeys(c.choice(names) for _ in range(c.integer(1, 2))))
            return "distinct " + ", ".join(ident(k) for k in keep), {k: cols[k] for k in keep}
        if kind == "count":
            return "count", {"Count": "long"}
        if kind == "project-away" and names:
            drop = c.choice(names)
            pattern = ident(drop) if c.chance(0.7) else (drop[:2] + "*" if drop[:2].isidentifier() else "*")
            return f"project-away {pattern}", {k: v for k, v in cols.items() if k != drop}
        if kind == "project-keep" and names:
            keep = c.choice(names)
            return f"project-keep {ident(keep)}", {keep: cols[keep]}
        if kind == "project-rename" and names:
            old = c.choice(names)
            new_name = self.name("r")
            out = {(unident(new_name) if k == old else k): v for k, v in cols.items()}
            return f"project-rename {new_name} = {ident(old)}", out
        if kind == "project-reorder" and names:
            return f"project-reorder {ident(c.choice(names))} {c.choice(['', 'asc', 'desc'])}".strip(), cols
        if kind in ("join", "lookup"):
            return self.join(cols, kind)
        if kind == "union":
            other, ocols = self.source()
            merged = dict(ocols)
            merged.update(cols)
            params = c.choice(["", "kind=outer ", "kind=inner ", "withsource=Src ", "isfuzzy=true "])
            if "withsource" in params:
                merged["Src"] = "string"
            if "inner" in params:
                merged = {k: v for k, v in cols.items() if ocols.get(k) == v}
            return f"union {params}({other})", merged
        if kind == "mv-expand":
            dyn = self.col_of(cols, ("dynamic",))
            item = dyn if dyn is not None else f"{self.name('m')} = {self.literal('dynamic')}"
            if dyn is not None and c.chance(0.4):
                item = dyn + self.path()
            typed = f" to typeof({c.choice(['long', 'string', 'dynamic', 'real', 'bool', 'datetime'])})" \
                if c.chance(0.3) else ""
            params = c.choice(["", "with_itemindex=ix ", "bagexpansion=array ", "kind=bag "])
            new = dict(cols)
            if "with_itemindex" in params:
                new["ix"] = "long"
            return f"mv-expand {params}{item}{typed} limit {c.integer(0, 20)}", new
        if kind in ("parse", "parse-where"):
            src = self.col_of(cols, ("string",)) or self.expr(cols, "string")
            pat, new_cols = self.parse_pattern()
            out = dict(cols)
            out.update(new_cols)
            flags = c.choice(["", "kind=regex ", "kind=simple ", "kind=relaxed ", "kind=regex flags=Ui "])
            return f"{kind} {flags}{src} with {pat}", out
        if kind == "make-series":
            num = self.col_of(cols, NUMERIC)
            time = self.col_of(cols, ("datetime",))
            if time is None:
                return "make-series c = count() on t from datetime(2024-01-01) to datetime(2024-01-02) step 1h", cols
            agg = c.choice(["count()", f"avg({num})" if num else "count()", f"sum({num})" if num else "count()"])
            by = self.col_of(cols, ("string",))
            tail = f" by {by}" if by and c.chance(0.5) else ""
            rng = f" from {self.literal('datetime')} to {self.literal('datetime')}" if c.chance(0.5) else ""
            return (f"make-series s = {agg} default = 0 on {time}{rng} step {c.choice(['1h', '1d', '7d'])}{tail}",
                    {"s": "dynamic", unident(time): "dynamic", **({unident(by): "string"} if tail else {})})
        if kind == "serialize":
            new = dict(cols)
            parts = []
            for _ in range(c.integer(0, 2)):
                fn = c.choice(self.windows)
                n = self.name("w")
                parts.append(f"{n} = {fn.name}({', '.join(self.args(fn, cols, 1))})")
                new[unident(n)] = "long"
            return "serialize " + ", ".join(parts), new
        if kind == "as":
            return "as " + c.choice(["X", "T1", "['a b']"]), cols
        if kind == "getschema":
            return "getschema", {"ColumnName": "string", "ColumnOrdinal": "int", "DataType": "string",
                                 "ColumnType": "string"}
        if kind == "render":
            with_ = ""
            if c.chance(0.5):
                with_ = f" with (title={self.literal('string')}, xtitle='x', legend={c.choice(['visible', 'hidden'])})"
            return f"render {c.choice(RENDER_KINDS)}{with_}", cols
        if kind == "top-nested" and names:
            return (f"top-nested {c.integer(1, 3)} of {ident(c.choice(names))} by count()",
                    {c.choice(names): "string", "aggregated_" + c.choice(names): "long"})
        if kind == "sample":
            return f"sample {c.integer(0, 5)}", cols
        return "take 3", cols

    def summarize(self, cols: Columns) -> tuple[str, Columns]:
        c = self.c
        out: Columns = {}
        aggs = []
        for _ in range(c.integer(0 if cols else 1, 3)):
            fn = c.choice(self.aggregates)
            args = self.args(fn, cols, 2)
            if fn.name in ("arg_max", "arg_min") and c.chance(0.5):
                args = [args[0] if args else "1", "*"]
            n = self.name("a") if c.chance(0.6) else ""
            aggs.append(f"{n} = {fn.name}({', '.join(args)})" if n else f"{fn.name}({', '.join(args)})")
            out[unident(n) if n else f"{fn.name}_"] = "dynamic"
        keys = []
        for _ in range(c.integer(0, 2)):
            col = self.col_of(cols)
            if col is None:
                break
            t = cols[unident(col)]
            if t in BIN_SIZES and c.chance(0.4):
                keys.append(f"bin({col}, {c.choice(BIN_SIZES[t])})")
                out[unident(col)] = t
            elif c.chance(0.2):
                n = self.name("k")
                keys.append(f"{n} = {self.expr(cols, 'string')}")
                out[unident(n)] = "string"
            else:
                keys.append(col)
                out[unident(col)] = t
        if not aggs and not keys:
            aggs.append("count()")
            out["count_"] = "long"
        hint = c.choice(["", "", "hint.shufflekey=x ", "hint.strategy=shuffle "])
        text = f"summarize {hint}{', '.join(aggs)}" + (f" by {', '.join(keys)}" if keys else "")
        return text, out

    def join(self, cols: Columns, kind: str) -> tuple[str, Columns]:
        c = self.c
        table = c.choice(sorted(self.schemas)) if self.schemas else None
        if table is None:
            return "take 1", cols
        right_cols = dict(self.schemas[table])
        common = [n for n in cols if n in right_cols and cols[n] == right_cols[n]]
        right = f"({table} | take {c.integer(0, 50)})"
        if c.chance(0.3) and right_cols:
            keep = list(dict.fromkeys(c.choice(list(right_cols)) for _ in range(3)))
            right = f"({table} | take {c.integer(0, 50)} | project {', '.join(ident(k) for k in keep)})"
            right_cols = {k: right_cols[k] for k in keep}
            common = [n for n in cols if n in right_cols and cols[n] == right_cols[n]]
        if common and c.chance(0.8):
            key = ident(c.choice(common))
            on = key if c.chance(0.6) else f"$left.{key} == $right.{key}"
        else:
            on = self.col_of(cols) or "x"
        kinds = ["inner", "innerunique", "leftouter", "rightouter", "fullouter", "leftanti", "rightanti",
                 "leftsemi", "rightsemi", "anti", "semi"] if kind == "join" else ["leftouter", "inner"]
        kp = f"kind={c.choice(kinds)} " if c.chance(0.7) else ""
        merged = dict(cols)
        if "anti" in kp or "semi" in kp:
            merged = right_cols if "right" in kp else cols
        else:
            for k, v in right_cols.items():
                merged[k + "1" if k in merged and kind == "join" else k] = v
        return f"{kind} {kp}{right} on {on}", merged

    def parse_pattern(self) -> tuple[str, Columns]:
        c = self.c
        parts: list[str] = []
        out: Columns = {}
        if c.chance(0.5):
            parts.append(kql_string(c.choice(["", "id=", "/", "Microsoft.", "a", "(", ".*"])))
        for _ in range(c.integer(1, 3)):
            if c.chance(0.2):
                parts.append("*")
            else:
                n = self.name("v")
                t = c.choice(["", ":long", ":string", ":real", ":datetime", ":int", ":timespan", ":dynamic"])
                parts.append(n + t)
                out[unident(n)] = {"": "string"}.get(t, t[1:])
            if c.chance(0.7):
                parts.append(kql_string(c.choice(["/", "-", " ", ".", "=", "providers/", "\\d"])))
        return " ".join(parts), out

    def pipeline(self) -> str:
        c = self.c
        src, cols = self.source()
        ops = []
        for _ in range(c.integer(0, 6)):
            op, cols = self.operator(cols)
            ops.append(op)
        text = " | ".join([src, *ops])
        return text

    def query(self) -> str:
        c = self.c
        k = c.integer(0, 9)
        if k <= 6:
            return self.pipeline()
        if k == 7:  # a let of a scalar and of a tabular expression
            return f"let v = {self.literal(c.choice(TYPES))};\nlet T = {self.pipeline()};\nT | extend vv = v | take 5"
        if k == 8:  # a user function
            return (f"let f = (a:{c.choice(['long', 'string', 'dynamic', 'real'])}, b:string = 'd') "
                    f"{{ strcat(tostring(a), b) }};\nprint r = f({self.literal(c.choice(TYPES))})")
        return self.pipeline() + ";\n" + self.pipeline()  # two statements


def ident(name: str) -> str:
    """A column name as KQL text: bare when it is an identifier, bracketed otherwise."""
    if name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit():
        return name
    return "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


def unident(text: str) -> str:
    if text.startswith("['") and text.endswith("']"):
        return text[2:-2].replace("\\\\", "\0").replace("\\'", "'").replace("\0", "\\")
    return text


def kql_string(s: str, verbatim: bool = False) -> str:
    """s as a KQL string literal: regular (backslash escapes) or verbatim @'...' (quotes doubled)."""
    if verbatim and "\n" not in s:
        return "@'" + s.replace("'", "''") + "'"
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + out + '"'
