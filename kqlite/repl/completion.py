"""Completion that knows where the cursor is: tables where a pipeline starts, operators after
`|`, the columns in scope at that step, functions with their signatures, `kind=` values,
property paths inside dynamic columns, dot commands and their arguments. Fuzzy matched.

`candidates()` decides *what* fits (from context.analyze); `KqlCompleter` ranks and yields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from . import fuzzy
from . import vocabulary as V
from .context import OPERATOR_SET, Context, Tok, analyze, tokenize
from .scope import Scope, kql_name

_IDENT = re.compile(r"[A-Za-z_]\w*\Z")


@dataclass(frozen=True)
class Candidate:
    text: str  # what is inserted
    display: str = ""
    meta: str = ""
    priority: int = 5  # lower first among equally good matches
    replace_before: int = 0  # extra characters before the word to replace (the '.' before ['key'])
    match_on: str = ""  # matched against the typed word; defaults to text


class KqlCompleter(Completer):
    def __init__(self, db, scope: Scope, saved_queries: Callable[[], Iterable[str]] = tuple):
        self.db = db
        self.scope = scope
        self.saved_queries = saved_queries
        self._paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        stripped = text.lstrip()
        if stripped.startswith("."):
            yield from self._dot(stripped, document, complete_event)
            return
        yield from self._kql(text, document.text_after_cursor, complete_event.completion_requested)

    def _kql(self, text: str, after: str, explicit: bool) -> Iterator[Completion]:
        ctx = analyze(text)
        cands = candidates(ctx, self.db, self.scope, explicit, next_char=after[:1])
        yield from rank(ctx.word, cands)

    def _dot(self, text: str, document: Document, event: CompleteEvent) -> Iterator[Completion]:
        name, space, arg = text.partition(" ")
        if not space:
            cands = [Candidate(c, c, V.DOT_COMMANDS[c][1]) for c in V.DOT_COMMANDS]
            yield from rank(name, cands)
            return
        kind = V.DOT_COMMANDS.get(name, ("", "", None))[2]
        arg = arg.lstrip()
        if kind == "query":
            yield from self._kql(arg, document.text_after_cursor, event.completion_requested)
        elif kind == "path":
            yield from self._paths.get_completions(Document(arg, len(arg)), event)
        elif kind == "table":
            yield from rank(arg, [Candidate(kql_name(t), t, "table") for t in self.db.tables])
        elif kind == "saved":
            yield from rank(arg, [Candidate(q, q, "saved query") for q in self.saved_queries()])
        elif isinstance(kind, tuple):
            yield from rank(arg, [Candidate(v, v) for v in kind])


def rank(word: str, cands: Iterable[Candidate]) -> Iterator[Completion]:
    scored = []
    seen: set[str] = set()
    for c in cands:
        if c.text in seen:
            continue
        m = fuzzy.match(word, c.match_on or c.text)
        if m is not None:
            seen.add(c.text)
            scored.append(((m[0], m[1], c.priority, c.text.lower()), c))
    scored.sort(key=lambda s: s[0])
    for _, c in scored:
        yield Completion(c.text, start_position=-(len(word) + c.replace_before), display=c.display or c.text,
                         display_meta=c.meta)


# ---------------------------------------------------------------- what fits where
def candidates(ctx: Context, db, scope: Scope, explicit: bool = False, next_char: str = "") -> list[Candidate]:
    """Everything that may stand at the cursor, before matching against the typed word."""
    if ctx.kind == "none":
        return []
    if ctx.kind == "operator":
        return [Candidate(op, op, doc, i) for i, (op, doc) in enumerate(V.OPERATORS.items())]
    strong = explicit or bool(ctx.word) or bool(ctx.path)
    if ctx.kind == "source":
        return _sources(ctx, db, top_level=not ctx.in_subexpression and not ctx.source) if strong else []

    op, prev, local_prev = ctx.operator, ctx.prev, (ctx.local[-1] if ctx.local else None)
    value_for = _param_being_set(ctx.local)
    if value_for is not None:
        return [Candidate(v, v, f"{value_for}=") for v in V.PARAM_VALUES.get((op or "", value_for), ())]
    if op == "render" and not ctx.in_subexpression:
        if prev is None:
            return [Candidate(c, c, doc) for c, doc in V.CHARTS.items()]
        return [Candidate("with", "with (...)", "chart properties")] if strong else []
    if op == "render" and ctx.enclosing_opener is not None and ctx.enclosing_opener.text == "with":
        if local_prev is None or local_prev.text == ",":
            return [Candidate(p, p, doc) for p, doc in V.RENDER_PROPERTIES.items()]

    columns = scope.columns(ctx)
    if ctx.path:
        return _path_candidates(ctx, scope, columns)
    if not strong:
        return []
    if ctx.enclosing_opener is not None and ctx.enclosing_opener.text == "typeof":
        return [Candidate(t, t, "type") for t in V.TYPES]
    if _after_operand(local_prev):
        return _infix(op, ctx)

    out: list[Candidate] = []
    if op in ("join", "lookup", "union") and not any(t.text == "on" for t in ctx.tokens):
        out += [Candidate(f"{p}=", f"{p}=", "parameter", 1) for p in V.OPERATOR_PARAMS.get(op, ())]
        return out + _sources(ctx, db, top_level=False)
    if op in ("join", "lookup"):
        out += [Candidate("$left", "$left", "left side", 2), Candidate("$right", "$right", "right side", 2)]
        right = _right_side(ctx, scope)
        out += _columns(columns + [c for c in right if c not in columns])
        return out
    if op in ("mv-expand", "mvexpand") and not ctx.in_subexpression:
        out += [Candidate(f"{p}=", f"{p}=", "parameter", 6) for p in V.OPERATOR_PARAMS[op]]
    if op in ("parse", "parse-where") and not ctx.in_subexpression:
        out += [Candidate("kind=", "kind=", "parameter", 6)]
    if op == "invoke":
        return [Candidate(n, n, "let function") for n in _let_names(ctx)]
    if op in ("take", "limit", "sample", "count", "getschema", "as"):
        return out
    if op in ("sort", "order") and not any(t.text == "by" for t in ctx.tokens):
        return [Candidate("by", "by", "keyword")]
    if op == "top" and not any(t.text == "by" for t in ctx.tokens):
        return [Candidate("by", "by", "keyword")] if ctx.tokens else []

    new_names = _assigned_names(ctx.tokens) if op in ("extend", "summarize", "project", "serialize") else []
    out += _columns(columns, new_names)
    if op in V.COLUMNS_ONLY:
        return out
    if op == "project-rename":
        return out if local_prev is not None and local_prev.text == "=" else []
    by_seen = any(t.text == "by" for t in ctx.tokens)
    out += _functions(aggregates=op == "summarize" and not by_seen, next_char=next_char)
    out += [Candidate(n, n, "let", 3) for n in _let_names(ctx)]
    out += _stored_functions(db, 5)
    out += [Candidate(w, w, "literal", 8) for w in V.LITERALS]
    if ctx.first_in_parens and ctx.enclosing_opener is not None and ctx.enclosing_opener.text in ("in", "!in"):
        out += _sources(ctx, db, top_level=False)
    return out


def _sources(ctx: Context, db, top_level: bool) -> list[Candidate]:
    out = [Candidate(kql_name(t), t, f"table · {len(db.catalog.tables[t].columns)} columns", 0) for t in db.tables]
    out += [Candidate(n, n, "let", 1) for n in _let_names(ctx)]
    out += _stored_functions(db, 2)
    if top_level:
        out += [Candidate(k, k, doc, 4) for k, doc in V.STATEMENT_STARTS.items()]
        out += [Candidate(op, op, f"on {db.catalog.default_table}", 6) for op in V.HEADLESS_OPERATORS]
    return out


def _columns(columns: list[tuple[str, str]], new_names: Iterable[str] = ()) -> list[Candidate]:
    out = [Candidate(kql_name(n), n, t, 0) for n, t in columns]
    known = {n for n, _ in columns}
    return out + [Candidate(kql_name(n), n, "new column", 0) for n in new_names if n not in known]


def _functions(aggregates: bool, next_char: str) -> list[Candidate]:
    from ..functions.registry import all_functions

    paren = "" if next_char == "(" else "("
    out = []
    for name, fn in all_functions().items():
        if fn.kind == "aggregate" and not aggregates:
            continue
        sig = f"{name}({', '.join(fn.params)})"
        priority = 1 if (fn.kind == "aggregate") == aggregates else 4
        out.append(Candidate(name + paren, sig, fn.kind if fn.kind != "scalar" else "function", priority,
                             match_on=name))
    return out


def _stored_functions(db, priority: int) -> list[Candidate]:
    """Functions stored in the database (the shipped library, --functions): Name() when it takes nothing."""
    out = []
    for name, fn in getattr(db.catalog, "functions", {}).items():
        definition = getattr(fn, "definition", fn)
        takes_nothing = not getattr(definition, "params", ())
        sig = fn.signature() if hasattr(fn, "signature") else name + "(...)"
        out.append(Candidate(name + ("()" if takes_nothing else "("), sig, "stored function", priority, match_on=name))
    return out


def _path_candidates(ctx: Context, scope: Scope, columns: list[tuple[str, str]]) -> list[Candidate]:
    if ctx.path[0] in ("$left", "$right") and len(ctx.path) == 1:
        side = columns if ctx.path[0] == "$left" else _right_side(ctx, scope)
        return _columns(side)
    out = []
    for rel, kind in scope.paths(ctx, columns):
        parts = [p if _IDENT.match(p) else kql_name(p) for p in rel]
        text = parts[0] + "".join(p if p.startswith("[") else "." + p for p in parts[1:])
        back = 1 if text.startswith("[") else 0  # ['odd-key'] replaces the '.' typed before it
        out.append(Candidate(text, ".".join(rel), f"dynamic {kind}", len(rel), back, match_on=".".join(rel)))
    return out


def _right_side(ctx: Context, scope: Scope) -> list[tuple[str, str]]:
    """The columns of a join's right side: a table name or a parenthesised pipeline."""
    for tok in ctx.tokens:
        if tok.kind == "group" and tok.text.startswith("("):
            return scope.columns(Context("", 0, "clause", scope_text=tok.text[1:-1].strip() or None,
                                         prelude=ctx.prelude))
        if tok.kind in ("word", "bracket") and scope.db.catalog.find(tok.text.strip("[]'\" ")) is not None:
            return scope.table_columns(tok.text.strip("[]'\" "))
    return []


def _param_being_set(local: list[Tok]) -> str | None:
    """`kind=` just typed: the parameter name."""
    if len(local) >= 2 and local[-1].text == "=" and local[-2].text in V.PARAM_NAMES:
        return local[-2].text
    return None


def _after_operand(prev: Tok | None) -> bool:
    if prev is None:
        return False
    if prev.kind in ("string", "number", "bracket", "group"):
        return True
    return prev.kind == "word" and prev.text not in V.NOT_OPERANDS and prev.text not in OPERATOR_SET


def _infix(op: str | None, ctx: Context) -> list[Candidate]:
    words = list(V.INFIX)
    by_seen = any(t.text == "by" for t in ctx.tokens)
    if op in ("summarize", "top") and not by_seen and not ctx.in_subexpression:
        words.insert(0, "by")
    if op in ("sort", "order", "top", "project-reorder") and (by_seen or op == "project-reorder"):
        words[:0] = ["asc", "desc", "nulls first", "nulls last"]
    if op in ("parse", "parse-where") and not ctx.in_subexpression:
        words.insert(0, "with")
    if op in ("join", "lookup") and not any(t.text == "on" for t in ctx.tokens):
        words.insert(0, "on")
    if op in ("mv-expand", "mvexpand"):
        words[:0] = ["to typeof(", "limit"]
    return [Candidate(w, w, "operator" if w in V.INFIX else "keyword", i) for i, w in enumerate(words)]


def _assigned_names(tokens: list[Tok]) -> list[str]:
    """`extend a = 1, b = ...`: names assigned earlier in the same operator."""
    return [tokens[i].text for i in range(len(tokens) - 1)
            if tokens[i].kind == "word" and tokens[i + 1].text == "=" and (i == 0 or tokens[i - 1].text == ",")]


def _let_names(ctx: Context) -> list[str]:
    toks = tokenize(ctx.prelude)
    return [toks[i + 1].text for i in range(len(toks) - 2) if toks[i].text == "let" and toks[i + 2].text == "="]
