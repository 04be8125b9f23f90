"""Options at the start of a `%kql` line: `%kql -o df --param n=5 Heartbeat | take n`.

argparse would split the whole line shell-style and eat the quotes of the KQL text
(`where Computer == 'web-01'`), so only the leading tokens that are options are read and
everything after them is the query, byte for byte. `--` ends the options explicitly.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

# A shell-like word: quoted parts and plain characters, as in name='a b'.
_WORD = re.compile(r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s'"])+""")
_TAKES_VALUE = {"-o": "output", "--output": "output", "-p": "param", "--param": "param"}
_FLAGS = {"-q": "quiet", "--quiet": "quiet", "--no-chart": "no_chart"}
USAGE = "%kql [-o NAME] [-p NAME=VALUE ...] [-q] [--no-chart] [--] QUERY"


class OptionError(ValueError):
    pass


@dataclass
class Options:
    output: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    quiet: bool = False
    no_chart: bool = False


def split_options(line: str) -> tuple[Options, str]:
    """(options, the rest of the line as the query text)."""
    opts = Options()
    pos = 0
    while True:
        m = _WORD.match(line, _skip_space(line, pos))
        if not m or not m.group().startswith("-"):
            break
        word, pos = m.group(), m.end()
        if word == "--":
            pos = _skip_space(line, pos)
            break
        name, eq, inline = word.partition("=")
        if name in _FLAGS and not eq:
            setattr(opts, _FLAGS[name], True)
            continue
        if name not in _TAKES_VALUE:
            raise OptionError(f"unknown option '{word}'; usage: {USAGE}")
        if eq:
            value = inline
        else:
            v = _WORD.match(line, _skip_space(line, pos))
            if not v:
                raise OptionError(f"{name} needs a value; usage: {USAGE}")
            value, pos = v.group(), v.end()
        value = _unquote(value)
        if _TAKES_VALUE[name] == "output":
            if not value.isidentifier():
                raise OptionError(f"{name} takes a Python variable name, got '{value}'")
            opts.output = value
        else:
            key, sep, text = value.partition("=")
            if not sep or not key.strip():
                raise OptionError(f"{name} takes NAME=VALUE, got '{value}'")
            opts.params[key.strip()] = text
    return opts, line[_skip_space(line, pos):]


def _skip_space(line: str, pos: int) -> int:
    while pos < len(line) and line[pos].isspace():
        pos += 1
    return pos


def _unquote(word: str) -> str:
    try:
        parts = shlex.split(word)
    except ValueError:
        return word
    return parts[0] if len(parts) == 1 else word
