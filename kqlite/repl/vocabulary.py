"""The words the REPL offers, with the one-line descriptions shown in the completion menu.
Data only: completion.py decides where each list applies, commands.py runs the dot commands."""

from __future__ import annotations

# Tabular operators, most used first (the order of the menu after `|`).
OPERATORS = {
    "where": "filter rows", "project": "choose and compute columns", "extend": "add computed columns",
    "summarize": "aggregate by groups", "count": "number of rows", "take": "any N rows", "top": "first N by keys",
    "sort": "order rows (sort by x desc)", "order": "alias of sort", "distinct": "unique combinations",
    "join": "combine with another table", "lookup": "add columns from a dimension table",
    "union": "rows of several tables", "mv-expand": "one row per array element",
    "project-away": "drop columns", "project-keep": "keep columns", "project-rename": "rename columns",
    "project-reorder": "move columns first", "parse": "extract columns from text", "parse-where": "parse, drop non-matches",
    "limit": "alias of take", "filter": "alias of where", "render": "draw a chart", "as": "name the result",
    "serialize": "mark rows ordered", "sample": "N random rows", "getschema": "the columns and types",
    "invoke": "call a tabular function", "mvexpand": "alias of mv-expand",
    "mv-apply": "a subquery per array", "top-nested": "top values in levels", "top-hitters": "most frequent values",
    "facet": "a count table per column", "fork": "several results", "partition": "a subquery per key",
    "evaluate": "run a plugin (bag_unpack, pivot, narrow)", "search": "find a term in tables",
    "scan": "match sequences of rows",
    "parse-kv": "extract key=value pairs", "sample-distinct": "N distinct values of a column",
    "consume": "read the input, return nothing", "reduce": "group strings by pattern",
}
# Operators offered at the start of a query, which then reads the default table (Resource Graph style).
HEADLESS_OPERATORS = ("where", "project", "extend", "summarize", "count", "take", "distinct", "top", "sort")
STATEMENT_STARTS = {
    "let": "name a value, table or function", "print": "one row of values", "range": "a column of numbers",
    "datatable": "an inline table", "union": "rows of several tables", "declare query_parameters": "typed parameters",
}

JOIN_KINDS = ("innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftanti", "rightanti",
              "leftsemi", "rightsemi")
OPERATOR_PARAMS = {
    "join": ("kind",), "lookup": ("kind",), "union": ("kind", "withsource", "isfuzzy"),
    "mv-expand": ("bagexpansion", "with_itemindex"), "mvexpand": ("bagexpansion", "with_itemindex"),
    "mv-apply": ("with_itemindex",), "partition": ("hint.strategy",), "search": ("kind",), "scan": ("with_match_id",),
}
PARAM_VALUES = {
    ("join", "kind"): JOIN_KINDS, ("lookup", "kind"): ("leftouter", "inner"), ("union", "kind"): ("outer", "inner"),
    ("union", "isfuzzy"): ("true", "false"), ("mv-expand", "bagexpansion"): ("bag", "array"),
    ("mvexpand", "bagexpansion"): ("bag", "array"), ("parse", "kind"): ("simple", "regex", "relaxed"),
    ("parse-where", "kind"): ("simple", "regex"), ("partition", "hint.strategy"): ("native", "shuffle", "legacy"),
    ("search", "kind"): ("default", "case_insensitive", "case_sensitive"), ("render", "kind"): ("default", "stacked", "stacked100", "unstacked"),
}
PARAM_NAMES = frozenset(p for _, p in PARAM_VALUES)

CHARTS = {
    "timechart": "values over time (drawn)", "barchart": "horizontal bars (drawn)",
    "columnchart": "vertical bars (drawn as bars)", "piechart": "shares of a whole (drawn as bars)",
    "linechart": "lines over x (drawn)", "areachart": "areas over x (drawn as lines)", "table": "just the table",
    "scatterchart": "points (table)", "stackedareachart": "stacked areas (drawn as lines)",
    "anomalychart": "anomalies (table)", "card": "one value", "pivotchart": "pivot (table)",
    "treemap": "hierarchy (table)", "ladderchart": "intervals (table)", "timepivot": "events over time (table)",
}
RENDER_PROPERTIES = {
    "title": "chart title", "xcolumn": "x-axis column", "ycolumns": "y-axis columns", "series": "series columns",
    "kind": "stacked, unstacked, stacked100", "xtitle": "x-axis title", "ytitle": "y-axis title",
    "legend": "visible or hidden", "ymin": "y-axis minimum", "ymax": "y-axis maximum",
}

# Operators whose arguments are column names only (no expressions, no functions).
COLUMNS_ONLY = frozenset({"project-away", "project-keep", "project-reorder", "distinct", "mv-expand", "mvexpand"})

# Infix operators offered after a complete operand (`Computer h` -> has).
INFIX = ("and", "or", "has", "!has", "contains", "!contains", "startswith", "!startswith", "endswith",
         "!endswith", "has_cs", "contains_cs", "hasprefix", "hassuffix", "in", "!in", "in~", "!in~", "has_any",
         "has_all", "between", "!between", "matches regex", "like", "!like")
# Words after which the cursor does not follow an operand.
NOT_OPERANDS = frozenset(INFIX) | {"by", "on", "with", "kind", "let", "to", "from", "step", "not", "asc", "desc",
                                   "typeof", "matches", "regex", "nulls", "first", "last", "limit"}
LITERALS = ("true", "false", "datetime(", "timespan(", "dynamic(", "guid(", "long(null)", "real(null)")
TYPES = ("string", "long", "int", "real", "decimal", "bool", "datetime", "timespan", "dynamic", "guid")

# Dot commands: name -> (arguments, description, what completes the argument).
# The argument kind is 'table', 'path', 'query', 'saved', a tuple of choices, or None.
DOT_COMMANDS: dict[str, tuple[str, str, object]] = {
    ".help": ("[FUNCTION]", "this list, or a function's signature and docstring", None),
    ".tables": ("", "tables with their row and column counts", None),
    ".schema": ("[TABLE]", "columns and KQL types of a table (all tables without one)", "table"),
    ".functions": ("[WORD]", "functions with their signatures (those matching WORD)", None),
    ".load": ("PATH", "register a data file (table = file name) or every data file in a folder", "path"),
    ".explain": ("QUERY", "the DuckDB SQL the query compiles to", "query"),
    ".timing": ("on|off", "show the elapsed time after each result", ("on", "off")),
    ".format": ("table|csv|json|jsonl", "how results are printed", ("table", "csv", "json", "jsonl")),
    ".output": ("[FILE]", "write results to FILE (no FILE: back to the screen)", "path"),
    ".pager": ("on|off", "page long results through $PAGER (less) instead of cutting them", ("on", "off")),
    ".param": ("[NAME=VALUE | unset NAME | clear]", "values for `declare query_parameters`", None),
    ".save": ("NAME [QUERY]", "save the last query (or QUERY) under NAME", "saved"),
    ".run": ("[NAME]", "run a saved query (no NAME: list them)", "saved"),
    ".keys": ("emacs|vi", "editing mode (F4 toggles; remembered)", ("emacs", "vi")),
    ".quit": ("", "leave (also .exit, Ctrl-D)", None),
    ".exit": ("", "leave", None),
}
