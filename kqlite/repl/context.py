"""Where is the cursor? A forgiving scan of the (usually incomplete) text before the cursor.

The parser cannot help here: the text is unfinished by definition. This module tokenizes
with a few regular expressions, tracks brackets, `;` and `|`, and reports what the
completer needs: the word being typed, the tabular operator it belongs to, the tokens of
that operator so far, and the text of the pipeline *before* that operator (complete, so the
binder can tell which columns are in scope there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..highlight import TABULAR_OPERATORS

_DASHED = r"project-(?:away|keep|rename|reorder)|mv-expand|mv-apply|parse-where|make-series|top-nested|top-hitters|project-smart|granny-(?:asc|desc)"
_STRING = (r"```(?:.|\n)*?(?:```|\Z)|~~~(?:.|\n)*?(?:~~~|\Z)"
           r"|[hH]?@\"(?:[^\"]|\"\")*\"?|[hH]?@'(?:[^']|'')*'?"
           r"|[hH]?\"(?:\\.|[^\"\\\n])*\"?|[hH]?'(?:\\.|[^'\\\n])*'?")
_TOKEN_RE = re.compile(
    r"(?P<comment>//[^\n]*)"
    rf"|(?P<string>{_STRING})"
    r"|(?P<bracket>\[\s*'(?:[^'\\]|\\.)*'\s*\]|\[\s*\"(?:[^\"\\]|\\.)*\"\s*\])"
    r"|(?P<dollar>\$(?:left|right))"
    rf"|(?P<word>(?:{_DASHED})(?![\w-])|!?[A-Za-z_][A-Za-z0-9_]*~?)"
    r"|(?P<number>\d+(?:\.\d+)?[A-Za-z]*|\.\d+[A-Za-z]*)"
    r"|(?P<op>==|!=|<>|<=|>=|=~|!~|\.\.|[<>=+\-*/%!])"
    r"|(?P<punct>[|,;.()\[\]{}:])"
    r"|(?P<ws>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
# The same strings, closed: a string token that does not match this is still being typed.
_TERMINATED = re.compile(
    r"```(?:.|\n)*?```|~~~(?:.|\n)*?~~~|[hH]?@\"(?:[^\"]|\"\")*\"|[hH]?@'(?:[^']|'')*'"
    r"|[hH]?\"(?:\\.|[^\"\\\n])*\"|[hH]?'(?:\\.|[^'\\\n])*'",
    re.DOTALL,
)
# The word being typed: a name, a dashed operator half typed (`project-a`), `!has`, `$left`.
_WORD_AT_END = re.compile(r"(?<![\w$!-])(?:(?:project|mv|parse|make|granny)-[a-z]*|!?[A-Za-z_]\w*|\$[a-z]*)$")
_PATH_AT_END = re.compile(r"((?:(?:\$left|\$right|[A-Za-z_]\w*|\[\s*'[^']*'\s*\]|\[\s*\"[^\"]*\"\s*\])\.)+)$")
_PATH_SEGMENT = re.compile(r"\$left|\$right|[A-Za-z_]\w*|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]")

OPERATOR_SET = frozenset(TABULAR_OPERATORS)
# Operators that are also sources or common column names: not a headless pipeline's start.
_SOURCE_WORDS = {"count", "as", "sample", "print", "range"}
# The word before '(' that makes the parenthesis hold a pipeline rather than arguments.
_SUBQUERY_OPENERS = {"join", "lookup", "union", "materialize", "toscalar", "view"}


@dataclass(frozen=True)
class Tok:
    kind: str  # string bracket dollar word number op punct other group
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Tok]:
    """Significant tokens (no whitespace or comments). Unterminated strings run to the end."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Tok(kind, m.group(), m.start(), m.end()))
    return out


@dataclass
class _Level:
    """One open bracket (or the statement itself) at the end of the text."""

    opener: str  # '' for the statement, else ( [ {
    opened_at: int
    start: int  # where this level's text begins (after the opener, `;` or `let x =`)
    before: Tok | None  # the token before the opener
    subquery: bool = False  # opened where a pipeline is expected: `join (`, `materialize(`
    pipes: list[int] = field(default_factory=list)  # offsets just after each '|' at this level
    tokens: list[Tok] = field(default_factory=list)  # this level's tokens since the last '|'
    all_tokens: list[Tok] = field(default_factory=list)  # this level's tokens since `start`


@dataclass
class Context:
    """What surrounds the cursor. Offsets are into the text given to `analyze`."""

    word: str  # the partial word being typed ('' right after a space, '|', '.')
    word_start: int
    kind: str  # 'none' (inside a string or comment) | 'source' | 'operator' | 'clause'
    operator: str | None = None  # the tabular operator the cursor is in ('where', 'join', ...)
    tokens: list[Tok] = field(default_factory=list)  # that operator's tokens before the word
    scope_text: str | None = None  # the complete pipeline before the operator, to bind for columns
    headless: bool = False  # the operator starts the pipeline (the default table feeds it)
    source: str | None = None  # the pipeline's first word (a table name, usually)
    path: tuple[str, ...] = ()  # property path typed before the word: properties.detected...
    call: str | None = None  # innermost function call the cursor is inside
    call_arg: int = 0  # which argument of that call (0-based)
    in_subexpression: bool = False  # inside parentheses that are not a pipeline
    enclosing_opener: Tok | None = None  # the token before the innermost '(' (with, in, typeof...)
    first_in_parens: bool = False  # nothing typed yet inside that '('
    prelude: str = ""  # earlier statements (let, declare), kept for binding
    local: list[Tok] = field(default_factory=list)  # tokens of the innermost bracket, or = tokens

    @property
    def prev(self) -> Tok | None:
        """The significant token just before the word, at the operator's level."""
        return self.tokens[-1] if self.tokens else None


def analyze(text: str) -> Context:
    """Scan the text before the cursor."""
    word_m = _WORD_AT_END.search(text[-200:])
    word = word_m.group() if word_m else ""
    word_start = len(text) - len(word)
    if _inside_string_or_comment(text):
        return Context(word, word_start, "none")
    toks = tokenize(text[:word_start])
    path: tuple[str, ...] = ()
    path_m = _PATH_AT_END.search(text[:word_start])
    if path_m:
        path = tuple(_segment(s) for s in _PATH_SEGMENT.finditer(path_m.group()))
        toks = tokenize(text[: path_m.start()])

    stack = _levels(text, toks)
    ctx = Context(word, word_start, "clause", path=path)
    ctx.prelude = text[: stack[0].start] if text[: stack[0].start].rstrip().endswith(";") else ""
    _find_call(ctx, stack)

    # The innermost level that holds a pipeline: the statement, a function body, a subquery.
    level = len(stack) - 1
    while level > 0 and not _is_pipeline(stack[level]):
        level -= 1
    pipe = stack[level]
    ctx.in_subexpression = level < len(stack) - 1
    ctx.local = stack[-1].tokens
    if ctx.in_subexpression:
        ctx.enclosing_opener = stack[-1].before
        ctx.first_in_parens = not stack[-1].all_tokens
    seg = [t for t in pipe.all_tokens if t.kind != "punct" or t.text != "|"]
    ctx.source = seg[0].text if seg and seg[0].kind in ("word", "bracket") else None
    op_tokens = pipe.tokens
    first = op_tokens[0].text if op_tokens else None

    if pipe.pipes:
        ctx.operator, ctx.tokens = first, op_tokens[1:]
        ctx.scope_text = text[pipe.start: pipe.pipes[-1] - 1].strip() or None
        ctx.headless = ctx.scope_text is None
        if not op_tokens and not path:
            ctx.kind = "operator"
    elif not op_tokens and not path:
        ctx.kind = "source"
    elif first in OPERATOR_SET and first not in _SOURCE_WORDS:
        ctx.operator, ctx.tokens, ctx.headless = first, op_tokens[1:], True
    else:
        ctx.tokens = op_tokens
    if not ctx.in_subexpression:
        ctx.local = ctx.tokens
    return ctx


def _levels(text: str, toks: list[Tok]) -> list[_Level]:
    """The brackets still open at the end of the text, outermost (the statement) first."""
    stack = [_Level("", 0, 0, None)]
    for i, tok in enumerate(toks):
        level = stack[-1]
        if tok.kind == "punct" and tok.text in "([{":
            before = toks[i - 1] if i else None
            stack.append(_Level(tok.text, tok.start, tok.end, before, _opens_subquery(tok.text, before, level)))
            continue
        if tok.kind == "punct" and tok.text in ")]}" and len(stack) > 1:
            inner = stack.pop()
            group = Tok("group", text[inner.opened_at: tok.end], inner.opened_at, tok.end)
            stack[-1].tokens.append(group)
            stack[-1].all_tokens.append(group)
            continue
        if tok.kind == "punct" and tok.text == ";":
            level.start, level.pipes, level.tokens, level.all_tokens = tok.end, [], [], []
            continue
        if tok.kind == "punct" and tok.text == "|":
            level.pipes.append(tok.end)
            level.tokens = []
            level.all_tokens.append(tok)
            continue
        level.tokens.append(tok)
        level.all_tokens.append(tok)
        at = level.all_tokens
        if len(at) == 3 and at[0].text == "let" and at[2].text == "=" and not level.pipes:
            # `let name = <pipeline>`: the pipeline starts after '='
            level.start, level.tokens, level.all_tokens = tok.end, [], []
    return stack


def _segment(m: re.Match) -> str:
    return m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group()


def _inside_string_or_comment(text: str) -> bool:
    last = None
    for m in _TOKEN_RE.finditer(text):
        if m.lastgroup != "ws":
            last = m
    if last is None or last.end() != len(text):
        return False
    return last.lastgroup == "comment" or (last.lastgroup == "string" and _TERMINATED.fullmatch(last.group()) is None)


def _opens_subquery(opener: str, before: Tok | None, parent: _Level) -> bool:
    if opener == "{":
        return True  # a function body
    if opener != "(" or before is None:
        return False
    if before.kind == "word" and before.text in _SUBQUERY_OPENERS:
        return True
    # join kind=inner (...) / union (A), (B): the right side, before `on`
    owner = parent.tokens[0].text if parent.tokens else None
    return owner in ("join", "lookup", "union") and not any(t.text == "on" for t in parent.tokens) and (
        before.text in ("join", "lookup", "union", ",") or before.kind in ("word", "number"))


def _is_pipeline(level: _Level) -> bool:
    return level.subquery or bool(level.pipes)


def _find_call(ctx: Context, stack: list[_Level]) -> None:
    """The innermost `name(` the cursor is inside, and which argument."""
    for level in reversed(stack[1:]):
        if _is_pipeline(level):
            return
        if level.opener == "(" and level.before is not None and level.before.kind == "word":
            ctx.call = level.before.text
            ctx.call_arg = sum(1 for t in level.all_tokens if t.kind == "punct" and t.text == ",")
            return


def call_at(text: str) -> tuple[str, int] | None:
    """The function call the cursor is inside and the argument index: for the signature toolbar."""
    ctx = analyze(text)
    return (ctx.call, ctx.call_arg) if ctx.call and ctx.kind != "none" else None
