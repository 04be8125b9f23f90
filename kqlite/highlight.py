"""A Pygments lexer for KQL as kqlite reads it: the REPL highlights with it as you type,
and notebooks and docs can reuse it (`pygmentize -l kqlite query.kql`).

Pygments ships a small `KustoLexer` under the aliases `kql`/`kusto`; built-in lexers win
alias lookups over plugins, so this one registers as `kqlite`. It knows what that one does
not: timespan and datetime literals, verbatim and multi-line strings, string operators
(`has`, `!contains`, `in~`), calls, `$left`/`$right`, and that operator words such as
`count` or `sample` are only keywords where an operator can stand (after `|`).

Token types (styles fall back to the parent type when a style has no rule):
  Keyword            tabular operators, let/by/on/with/asc/desc...   Keyword.Type   long, dynamic...
  Operator.Word      and, or, has, contains, in, between...          Keyword.Constant true, false
  Literal.Date       datetime(2024-01-01)                            Number.Timespan 15m, 1.5d
  Name.Function      any name followed by '('                        Keyword.Pseudo  .help (REPL commands)
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

__all__ = ["KqlLexer", "TABULAR_OPERATORS"]

# Operators that read as words. Dashed ones first so `project-away` is not `project`.
TABULAR_OPERATORS = (
    "project-away", "project-keep", "project-rename", "project-reorder", "mv-expand", "parse-where", "parse-kv",
    "sample-distinct", "consume", "reduce",
    "make-series", "mv-apply", "top-nested", "top-hitters", "make-graph", "graph-match", "graph-to-table",
    "graph-shortest-paths", "graph-mark-components", "graph-merge", "where", "filter", "project", "extend", "summarize",
    "count", "distinct",
    "take", "limit", "top", "sort", "order", "join", "lookup", "union", "mvexpand", "parse", "as",
    "serialize", "sample", "getschema", "invoke", "render", "evaluate", "search", "find", "facet",
    "fork", "partition", "scan",
)
# Operators unambiguous enough to be keywords at the start of a line (headless pipelines).
_LINE_START_OPERATORS = ("where", "project", "extend", "summarize", "distinct", "join", "union",
                         "mv-expand", "parse", "render", "sort", "order", "let", "print", "range",
                         "datatable", "declare")
_KEYWORDS = (
    "let", "declare", "query_parameters", "set", "by", "on", "kind", "with", "withsource", "asc", "desc",
    "nulls", "first", "last", "from", "to", "step", "typeof", "view", "print", "range", "datatable",
    "bagexpansion", "isfuzzy", "with_itemindex", "granny-asc", "granny-desc", "materialize", "toscalar",
)
_WORD_OPERATORS = (
    "and", "or", "not", "has_any", "has_all", "hasprefix_cs", "hasprefix", "hassuffix_cs", "hassuffix",
    "has_cs", "has", "contains_cs", "contains", "startswith_cs", "startswith", "endswith_cs", "endswith",
    "matches regex", "between", "like", "in~", "in",
)
_TYPES = ("bool", "boolean", "int", "long", "real", "double", "decimal", "string", "datetime", "date",
          "timespan", "time", "dynamic", "guid")
_TIMESPAN_UNITS = (r"days|day|d|hours|hour|hrs|hr|h|minutes|minute|min|m|seconds|second|sec|s|"
                   r"milliseconds|millisecond|millis|milli|ms|microseconds|microsecond|micros|micro|"
                   r"ticks|tick|nanoseconds|nanosecond")

Timespan = Number.Timespan  # a custom subtype: Number's style unless a style names it


class KqlLexer(RegexLexer):
    """KQL (Kusto Query Language), as kqlite parses it."""

    name = "KQL (kqlite)"
    aliases = ["kqlite", "kqlite-kql"]
    filenames = ["*.kql", "*.csl"]
    mimetypes = ["text/x-kql"]
    url = "https://learn.microsoft.com/kusto/query/"

    _word_end = r"(?![\w-])"

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"//.*?$", Comment.Single),
            (r"^\.[A-Za-z_]+\b", Keyword.Pseudo),  # REPL dot commands / Kusto management commands
            (r"(\|)(\s*)", bygroups(Punctuation, Whitespace), "operator"),
            (words(_LINE_START_OPERATORS, prefix=r"^", suffix=_word_end), Keyword),
            include("literals"),
            (r"(datetime|date|time|timespan|guid)(\s*)(\()([^)]*)(\)?)",
             bygroups(Literal.Date, Whitespace, Punctuation, Literal.Date, Punctuation)),
            (r"\$(left|right)\b", Name.Builtin.Pseudo),
            (r"\[\s*(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*\]", Name),
            (r"(!?)(in~|in)(?=\s*\()", Operator.Word),
            (r"!(?:has_cs|has|contains_cs|contains|startswith_cs|startswith|endswith_cs|endswith|"
             r"hasprefix_cs|hasprefix|hassuffix_cs|hassuffix|between|like)\b", Operator.Word),
            (words(_WORD_OPERATORS, suffix=r"\b"), Operator.Word),
            (words(("true", "false", "null"), suffix=r"\b"), Keyword.Constant),
            (words(_TYPES, suffix=r"\b(?!\s*\()"), Keyword.Type),
            (words(_KEYWORDS, suffix=_word_end), Keyword),
            (r"([A-Za-z_]\w*)(\s*)(\()", bygroups(Name.Function, Whitespace, Punctuation)),
            (r"[A-Za-z_]\w*", Name),
            (r"==|!=|<>|<=|>=|=~|!~|\.\.|[<>=+\-*/%!]", Operator),
            (r"[,;.:()\[\]{}]", Punctuation),
            (r".", Text),
        ],
        "literals": [
            (r"```(?:.|\n)*?(?:```|\Z)", String),
            (r"~~~(?:.|\n)*?(?:~~~|\Z)", String),
            (r"[hH]?@\"(?:[^\"]|\"\")*\"?", String),
            (r"[hH]?@'(?:[^']|'')*'?", String),
            (r"[hH]?\"", String.Double, "dq"),
            (r"[hH]?'", String.Single, "sq"),
            (rf"(?:\d+(?:\.\d+)?|\.\d+)(?:{_TIMESPAN_UNITS})(?![\w])", Timespan),
            (r"0[xX][0-9a-fA-F]+", Number.Hex),
            (r"(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)(?![A-Za-z_])", Number.Float),
            (r"\d+", Number.Integer),
        ],
        "dq": [
            (r"\\.", String.Escape),
            (r"[^\"\\\n]+", String.Double),
            (r"\"", String.Double, "#pop"),
            (r"\n", Whitespace, "#pop"),  # unterminated while typing: stop at the line end
        ],
        "sq": [
            (r"\\.", String.Escape),
            (r"[^'\\\n]+", String.Single),
            (r"'", String.Single, "#pop"),
            (r"\n", Whitespace, "#pop"),
        ],
        "operator": [
            (words(TABULAR_OPERATORS, suffix=_word_end), Keyword, "#pop"),
            (r"", Text, "#pop"),
        ],
    }
