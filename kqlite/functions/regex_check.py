"""Bind-time checks of constant regular expressions, so that a bad pattern is a positioned KqlError
instead of DuckDB's message when the query runs.

Kusto and DuckDB both use RE2. Python's `re` serves as the validity check: the pattern is first
rewritten so that RE2 syntax Python lacks (\\pL, \\p{Greek}, \\Q...\\E, \\z, \\C, \\x{263a}, (?<name>...),
flags such as (?i) or (?U) in the middle) reaches Python in an equivalent valid form, so that valid
RE2 is never rejected. What Python accepts but RE2 rejects (backreferences, lookaround, atomic
groups, possessive quantifiers) is found by a scan of its own first.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import KqlTypeError

RE2_SYNTAX = "https://github.com/google/re2/wiki/Syntax"

# function name -> position of its regular-expression argument
REGEX_ARGUMENT = {
    "extract": 0, "extract_all": 0, "replace": 0, "replace_regex": 1,
    "trim": 0, "trim_start": 0, "trim_end": 0, "indexof_regex": 1,
}

_FLAG_GROUP = re.compile(r"\(\?([imsU]*(?:-[imsU]*)?)([:)])")
_ESCAPE_WITH_BRACES = re.compile(r"\\([pPx])\{[^}]*\}")


def _for_python(pattern: str) -> str:
    """The pattern with RE2-only syntax replaced by Python syntax that is valid in the same places."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            d = pattern[i + 1]
            braced = _ESCAPE_WITH_BRACES.match(pattern, i)
            if braced:  # \p{Greek}, \P{^L}, \x{263a}: one character (class)
                out.append("a")
                i = braced.end()
            elif d in "pP" and i + 2 < n:  # \pL, \PN
                out.append("a")
                i += 3
            elif d == "Q":  # \Q...\E quotes text literally
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2:end if end >= 0 else n]
                out.append("".join("\\" + ch if not ch.isalnum() else ch for ch in literal))
                i = end + 2 if end >= 0 else n
            elif d == "z":
                out.append("a" if in_class else "\\Z")
                i += 2
            elif d == "C":
                out.append("a" if in_class else ".")
                i += 2
            else:
                out.append(pattern[i:i + 2])
                i += 2
        elif in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):  # a leading ] is a literal
                out.append("]")
                i += 1
        elif c == "(" and pattern.startswith("(?", i):
            flags = _FLAG_GROUP.match(pattern, i)
            if flags:  # RE2 allows flags anywhere, Python only at the start
                out.append("" if flags.group(2) == ")" else "(?:")
                i = flags.end()
            elif pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
                out.append("(?P<")  # RE2's (?<name>...)
                i += 3
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


_RE2_REJECTS = (
    (re.compile(r"\(\?<?[=!]"), "lookaround assertions are not supported"),
    (re.compile(r"\(\?>"), "atomic groups are not supported"),
    (re.compile(r"\(\?\("), "conditional groups are not supported"),
    (re.compile(r"\(\?P="), "backreferences are not supported"),
    (re.compile(r"\\[1-9]"), "backreferences are not supported"),
    (re.compile(r"(?:[*+?]|\{\d+(?:,\d*)?\})\+"), "possessive quantifiers are not supported"),
)


def _re2_only_error(pattern: str) -> str | None:
    """Why RE2 rejects syntax that Python's `re` accepts, or None. Escaped characters and character
    classes are skipped: `\\1` and `[(?=]` are literal text."""
    plain: list[str] = []  # the pattern with escapes and classes blanked out, same length
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("\\Q", i):  # \Q...\E: literal text
            end = pattern.find("\\E", i + 2)
            end = n if end < 0 else end + 2
            plain.append(" " * (end - i))
            i = end
        elif c == "\\" and i + 1 < n:
            keep = pattern[i + 1] in "123456789"
            plain.append(pattern[i:i + 2] if keep else "  ")
            i += 2
        elif c == "[":
            end = i + 1 + pattern.startswith("^", i + 1)
            end += pattern.startswith("]", end)
            while end < n and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            plain.append(" " * (min(end, n - 1) - i + 1))
            i = end + 1
        else:
            plain.append(c)
            i += 1
    text = "".join(plain)
    for construct, reason in _RE2_REJECTS:
        if construct.search(text):
            return f"{reason} by RE2"
    return None


def regex_error(pattern: str) -> str | None:
    """Why `pattern` is not a valid regular expression, or None when it is (or may be)."""
    re2_only = _re2_only_error(pattern)
    if re2_only is not None:
        return re2_only
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set" for POSIX classes such as [[:alpha:]]
            re.compile(_for_python(pattern))
    except re.error as e:
        return e.msg
    except (RecursionError, OverflowError, ValueError):
        return None  # too large for Python to judge: let RE2 decide
    return None


def check_regex(pattern: Any, span, what: str) -> None:
    """Raise a KqlTypeError at `span` when the constant `pattern` is not a valid regular expression."""
    if not isinstance(pattern, str):
        return
    reason = regex_error(pattern)
    if reason is not None:
        raise KqlTypeError(
            f"{what}: {pattern!r} is not a valid regular expression ({reason})", span,
            ["escape a special character with a backslash to match it literally: \\[ \\( \\. \\*",
             f"the syntax is RE2's: {RE2_SYNTAX}"], code="KQ323")


def check_call(name: str, consts: Sequence[tuple[bool, Any]], spans: Sequence) -> None:
    """Check a call's constant regex argument; consts are (is_constant, value) per argument."""
    index = REGEX_ARGUMENT.get(name)
    if name == "countof" and len(consts) > 2 and consts[2] == (True, "regex"):
        index = 1
    if index is None or index >= len(consts) or not consts[index][0]:
        return
    check_regex(consts[index][1], spans[index], f"argument {index + 1} of {name}()")


def check_parse_pattern(pattern: str, literals: Sequence[tuple[str, Any]], span) -> None:
    """parse kind=regex: the assembled pattern; the error points at the first literal piece that is
    not valid by itself (the whole operator when each piece is)."""
    reason = regex_error(pattern)
    if reason is None:
        return
    at = next((piece_span for text, piece_span in literals if regex_error(text) is not None), span)
    raise KqlTypeError(f"parse kind=regex: the pattern {pattern!r} is not a valid regular expression ({reason})",
                       at, ["escape a special character with a backslash to match it literally: \\[ \\( \\. \\*",
                            f"the syntax is RE2's: {RE2_SYNTAX}"], code="KQ323")
