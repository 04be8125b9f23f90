"""Errors are data: a code, a message, a span into the query text and hints.

Every mistake a user can make surfaces as a `KqlError` subclass. `render()` draws
the caret picture used by the CLI, the REPL and the notebook; `str()` is one line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """Half-open character range [start, end) into the query text."""

    start: int
    end: int

    def __or__(self, other: Span | None) -> Span:
        if other is None:
            return self
        return Span(min(self.start, other.start), max(self.end, other.end))


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


class KqlError(Exception):
    """Base of every error a query, a parameter or a data file can cause."""

    code = "KQ000"
    kind = "error"

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        hints: Sequence[str] = (),
        text: str | None = None,
        source: str = "query",
        code: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hints = list(hints)
        self.text = text
        self.source = source
        if code:
            self.code = code

    def with_text(self, text: str, source: str | None = None) -> KqlError:
        """Attach the query text (done once, where the text is known)."""
        if self.text is None:
            self.text = text
        if source:
            self.source = source
        return self

    @property
    def line(self) -> int | None:
        if self.span is None or self.text is None:
            return None
        return line_col(self.text, self.span.start)[0]

    @property
    def column(self) -> int | None:
        if self.span is None or self.text is None:
            return None
        return line_col(self.text, self.span.start)[1]

    def __str__(self) -> str:
        where = ""
        if self.line is not None:
            where = f"{self.source}:{self.line}:{self.column}: "
        hint = f" (hint: {self.hints[0]})" if self.hints else ""
        return f"{where}{self.kind}[{self.code}]: {self.message}{hint}"

    def render(self) -> str:
        """The caret picture: message, location, the offending line, hints."""
        out = [f"{self.kind}[{self.code}]: {self.message}"]
        if self.span is not None and self.text is not None:
            line, col = line_col(self.text, self.span.start)
            lines = self.text.split("\n")
            src = lines[line - 1] if line - 1 < len(lines) else ""
            width = len(str(line))
            pad = " " * width
            end_line, _ = line_col(self.text, max(self.span.start, self.span.end - 1))
            length = self.span.end - self.span.start
            if end_line != line:
                length = len(src) - (col - 1)
            length = max(1, min(length, max(1, len(src) - (col - 1))))
            out.append(f"{pad}--> {self.source}:{line}:{col}")
            out.append(f"{pad} |")
            out.append(f"{line} | {src}")
            out.append(f"{pad} | {' ' * (col - 1)}{'^' * length}")
        for hint in self.hints:
            out.append(f"{' ' * (len(str(self.line or 1)))} = hint: {hint}")
        return "\n".join(out)


class KqlSyntaxError(KqlError):
    code = "KQ100"


class KqlNameError(KqlError):
    """Unknown table, column, function or parameter."""

    code = "KQ200"


class KqlTypeError(KqlError):
    """Wrong argument count or type, or an operand of the wrong type."""

    code = "KQ300"


class KqlUnsupportedError(KqlError):
    """Valid KQL that kqlite does not implement (yet)."""

    code = "KQ400"


class KqlRuntimeError(KqlError):
    """A query that failed while running: timeout, memory limit, cancellation, bad value."""

    code = "KQ500"


class KqlDataError(KqlError):
    """A data file that cannot be read: names the file and the row or byte position."""

    code = "KQ600"

    def __init__(self, message: str, path: str | None = None, row: int | None = None, **kw):
        where = ""
        if path:
            where = f"{path}" + (f", row {row}" if row is not None else "") + ": "
        super().__init__(where + message, **kw)
        self.path = path
        self.row = row


def did_you_mean(name: str, candidates: Iterable[str], what: str = "") -> list[str]:
    """Hints for a misspelt name: the closest candidates, case-insensitively."""
    candidates = list(dict.fromkeys(candidates))
    by_lower: dict[str, str] = {}
    for c in candidates:
        by_lower.setdefault(c.lower(), c)
    if name.lower() in by_lower and by_lower[name.lower()] != name:
        return [f"did you mean '{by_lower[name.lower()]}'? (names are case-sensitive)"]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    if close:
        return ["did you mean " + " or ".join(f"'{by_lower[c]}'" for c in close) + "?"]
    if what and candidates and len(candidates) <= 12:
        return [f"{what}: " + ", ".join(candidates)]
    return []
