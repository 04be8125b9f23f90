"""Real queries, mutated: tokens deleted, duplicated, swapped, inserted, text truncated;
and plain random text (KQL punctuation, unicode, control characters, NUL)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# strings, verbatim strings, bracketed names, words (with dashes: project-away), numbers, punctuation
_TOKEN = re.compile(r"""@?"(?:\\.|[^"\\\n])*"|@?'(?:\\.|[^'\\\n])*'|\[\s*'(?:[^'\\]|\\.)*'\s*\]|[A-Za-z_][\w\-]*"""
                    r"""|\d+(?:\.\d+)?[a-z]*|\.\.|[=!<>]=|=~|!~|\S""")

INSERTS = [
    "|", "(", ")", "[", "]", "{", "}", ",", ";", ".", "..", "=", "==", "*", "-", "+", "/", "%", "$left", "$right",
    "by", "on", "with", "kind=", "let", "where", "extend", "summarize", "project", "join", "mv-expand", "parse",
    "make-series", "render", "take", "count", "count()", "dynamic", "datetime(", "datetime(2024-13-45)", "time(", "1h",
    "'", '"', "@'", "\\", "'\\'", "h'x'", "0x", "1e400", "99999999999999999999", "-9223372036854775808", "null",
    "long(null)", "real(nan)", "pack_array(", "tostring(", "bag_pack(", "toscalar(", "range(", "materialize(",
    "arg_max(", "*", "$", "#", "`", "\u00a0", "\u200b", "é", "🙂", "\0", "\x1b", "\r\n", "\n", "//", "/*",
    "Resources", "Heartbeat", "ResourcesHistory", "properties", "TimeGenerated", "Computer", "name", "type",
    "declare query_parameters(p:string);", "set x = 1;", "view", "datatable(a:long)[1]", "print 1", "range x from 1 to 3 step 1",
    "as X", "invoke", "getschema", "serialize", "bin(", "between", "in~", "!has", "matches regex", "has_any",
]
UNICODE = "\u2018\u2019\u201c\u201d\u02bc\uff07\u00a0\u2028\u202e\ufeff\ud7ff\ue000\U0001f600ßİıſK\u0301"


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def mutate(c, text: str) -> str:
    """One to four random edits of a query."""
    toks = tokens(text) or [text]
    for _ in range(c.integer(1, 4)):
        if not toks:
            toks = [""]
        k = c.integer(0, 9)
        i = c.integer(0, len(toks) - 1)
        if k <= 1 and len(toks) > 1:
            del toks[i]
        elif k == 2:
            toks.insert(i, toks[c.integer(0, len(toks) - 1)])
        elif k == 3 and len(toks) > 1:
            j = c.integer(0, len(toks) - 1)
            toks[i], toks[j] = toks[j], toks[i]
        elif k <= 5:
            toks.insert(i, c.choice(INSERTS))
        elif k == 6:
            toks[i] = c.choice(INSERTS)
        elif k == 7 and toks[i]:  # one character changed inside a token (strings, numbers, names)
            s = toks[i]
            p = c.integer(0, len(s) - 1)
            toks[i] = s[:p] + c.choice(UNICODE + "'\"\\0123456789.-_ ()[]|") + s[p + 1:]
        elif k == 8:
            toks = toks[: c.integer(0, len(toks))]
        else:
            toks.append(c.choice(INSERTS))
    sep = " " if c.chance(0.9) else ""
    return sep.join(toks)


def random_text(c) -> str:
    """Text from a mixed alphabet, or random bytes decoded with replacement."""
    if c.chance(0.3):
        raw = bytes(c.integer(0, 255) for _ in range(c.integer(0, 60)))
        return raw.decode(c.choice(["utf-8", "latin-1"]), errors="replace")
    alphabet = c.choice([
        "abcxyz |()[]{},;.=<>!~*/%+-'\"@\\$ \n\t0123456789",
        "where project extend summarize by | ( ) , = == 'a' \"b\" 1 2h datetime dynamic",
        UNICODE + " |'\"",
        "\0\x01\x7f\x1b\u0085\u2028 |'",
    ])
    if " " in alphabet and c.chance(0.5):
        words = alphabet.split(" ")
        return " ".join(c.choice(words) for _ in range(c.integer(0, 25)))
    return "".join(c.choice(alphabet) for _ in range(c.integer(0, 80)))


def seed_queries() -> list[str]:
    """The project's real queries: golden cases, the fleet library, function-test lines, regressions."""
    out: list[str] = []
    for path in sorted((ROOT / "tests" / "golden").glob("**/query.kql")):
        out.append(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "kqlite" / "library").glob("*.kql")):
        text = path.read_text(encoding="utf-8")
        body = text[text.find("{") + 1: text.rfind("}")] if "{" in text else text
        out.append(body)
    for path in sorted((ROOT / "tests" / "functions").glob("*.kqltests")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "=>" in line:
                expr = line.split("=>")[0].strip()
                out.append(expr if "|" in expr or expr.startswith(("print", "range", "datatable", "let"))
                           else f"print {expr}")
    return [q for q in out if q.strip()]
