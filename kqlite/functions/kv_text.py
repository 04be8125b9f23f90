"""The text scanning behind the parse-kv operator (semantic/parse_kv.py binds it).

parse-kv reads key/value pairs in three modes (parse-kv-operator docs): with a pair delimiter and a
key/value delimiter (quotes and escapes optional, `greedy` values running up to the next key), with
no delimiters (any character that is not a letter or digit separates), or with a regex whose two
groups are a key and its value. Quotes, escapes and greedy values need a scanner, which SQL does
badly, so it is one Python function. It returns a JSON object of the requested keys found (first
appearance wins, whitespace trimmed) as text; the operator converts each value to its column type.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from ..sql.python_functions import python_function


@dataclass(frozen=True)
class KvSpec:
    """parse-kv's options, decided at bind time and passed to SQL as JSON text."""

    keys: tuple[str, ...]
    pair_delimiter: str | None = None
    kv_delimiter: str | None = None
    quotes: tuple[tuple[str, str], ...] = ()  # (open, close)
    escapes: tuple[str, ...] = ()
    greedy: bool = False
    regex: str | None = None

    def to_json(self) -> str:
        return json.dumps({"keys": list(self.keys), "pair": self.pair_delimiter, "kv": self.kv_delimiter,
                           "quotes": [list(q) for q in self.quotes], "escapes": list(self.escapes),
                           "greedy": self.greedy, "regex": self.regex})

    @staticmethod
    @lru_cache(maxsize=64)  # the spec is one constant per query: decode it once, not once per row
    def from_json(text: str) -> KvSpec:
        d = json.loads(text)
        return KvSpec(tuple(d["keys"]), d["pair"], d["kv"], tuple((q[0], q[1]) for q in d["quotes"]),
                      tuple(d["escapes"]), bool(d["greedy"]), d["regex"])


# ---------------------------------------------------------------- tokens

_TEXT, _QUOTED, _PAIR, _KV = "text", "quoted", "pair", "kv"


@lru_cache(maxsize=64)
def _separators(quotes: tuple[tuple[str, str], ...], escapes: tuple[str, ...], delimiters: tuple[str, ...]
                ) -> re.Pattern[str] | None:
    """What re.split cuts at: a closed quote (its inside captured), then each delimiter (captured).
    An unclosed quote does not match, so it stays in the text around it."""
    esc = "".join(re.escape(e) for e in escapes)
    parts = []
    for open_, close in quotes:
        body = f"(?:[{esc}][\\s\\S]|[^{re.escape(close)}{esc}])*" if esc else f"[^{re.escape(close)}]*"
        parts.append(f"{re.escape(open_)}({body}){re.escape(close)}")
    parts += [f"({re.escape(d)})" for d in delimiters]
    return re.compile("|".join(parts)) if parts else None


@lru_cache(maxsize=64)
def _unescape_regex(escapes: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(f"[{''.join(re.escape(e) for e in escapes)}]([\\s\\S])")


def _tokens(text: str, spec: KvSpec, delimiters: bool) -> list[tuple[str, str]]:
    """The text cut into runs of plain text, quoted values (unescaped, without their quotes) and,
    with delimiters, the pair and key/value delimiters found outside quotes."""
    kinds = [(_PAIR, spec.pair_delimiter), (_KV, spec.kv_delimiter)] if delimiters else []
    kinds = [(k, d) for k, d in kinds if d]
    regex = _separators(spec.quotes, spec.escapes, tuple(d for _, d in kinds))
    if regex is None:
        return [(_TEXT, text)] if text else []
    unescape = _unescape_regex(spec.escapes) if spec.escapes else None
    nq = len(spec.quotes)
    step = 1 + nq + len(kinds)
    pieces = regex.split(text)  # text, then each separator's groups (None when not its alternative), text...
    out: list[tuple[str, str]] = []
    for i in range(0, len(pieces), step):
        if pieces[i]:
            out.append((_TEXT, pieces[i]))
        for j in range(1, step):
            if i + j < len(pieces) and pieces[i + j] is not None:
                g = pieces[i + j]
                if j <= nq:
                    out.append((_QUOTED, unescape.sub(r"\1", g) if unescape else g))
                else:
                    out.append((kinds[j - 1 - nq][0], g))
                break
    return out


def _joined(tokens: list[tuple[str, str]]) -> str:
    """A key or value from its tokens: a single quoted token keeps its spaces, text is trimmed."""
    if len(tokens) == 1 and tokens[0][0] == _QUOTED:
        return tokens[0][1]
    stripped = [t for t in tokens if not (t[0] == _TEXT and not t[1].strip())]
    if len(stripped) == 1 and stripped[0][0] == _QUOTED:
        return stripped[0][1]
    return "".join(v for _, v in tokens).strip()


# ---------------------------------------------------------------- modes


def _with_delimiters(text: str, spec: KvSpec) -> dict[str, str]:
    if not any(q[0] in text for q in spec.quotes):  # no quote in the text: plain splits, several times faster
        return _split_pairs(text, spec)
    pairs: list[list[tuple[str, str]]] = [[]]
    for tok in _tokens(text, spec, delimiters=True):
        if tok[0] == _PAIR:
            pairs.append([])
        else:
            pairs[-1].append(tok)
    found: list[tuple[str, list[tuple[str, str]]]] = []  # (key, value tokens) in text order
    for pair in pairs:
        pair = _without_leading_space(pair)
        kv = next((i for i, t in enumerate(pair) if t[0] == _KV), None)
        if kv is None:
            if spec.greedy and found:  # a piece with no key: the previous value goes on through it
                found[-1][1].extend([(_TEXT, spec.pair_delimiter or ""), *pair])
            continue
        found.append((_joined(pair[:kv]), list(pair[kv + 1:])))
    out: dict[str, str] = {}
    for key, value in found:
        if key in spec.keys and key not in out:
            out[key] = _joined(value)
    return out


def _without_leading_space(pair: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A pair's tokens from its first non-space one: keys are trimmed, and a space kv_delimiter
    before the key is only the space after the pair delimiter."""
    i = 0
    while i < len(pair) and pair[i][0] in (_TEXT, _KV) and not pair[i][1].strip():
        i += 1
    rest = pair[i:]
    if rest and rest[0][0] == _TEXT:
        rest = [(_TEXT, rest[0][1].lstrip()), *rest[1:]]
    return rest


def _split_pairs(text: str, spec: KvSpec) -> dict[str, str]:
    pair, kv = spec.pair_delimiter or "", spec.kv_delimiter or ""
    found: list[list[str]] = []
    for piece in text.split(pair):
        key, sep, value = piece.lstrip().partition(kv)  # lstrip: a space kv_delimiter is not before the key
        if not sep:
            if spec.greedy and found:
                found[-1][1] += pair + piece
            continue
        found.append([key.strip(), value])
    out: dict[str, str] = {}
    for key, value in found:
        if key in spec.keys and key not in out:
            out[key] = value.strip()
    return out


def _without_delimiters(text: str, spec: KvSpec) -> dict[str, str]:
    """Words are runs of letters and digits (or quoted values); a wanted key is followed by its value."""
    words: list[str] = []
    for kind, value in _tokens(text, spec, delimiters=False):
        if kind == _QUOTED:
            words.append(value)
        else:
            words.extend(w for w in re.split(r"[^0-9A-Za-z_]+", value) if w)
    out: dict[str, str] = {}
    i = 0
    while i < len(words) - 1:
        if words[i] in spec.keys and words[i] not in out:
            out[words[i]] = words[i + 1].strip()
            i += 2
            continue
        i += 1
    return out


def _with_regex(text: str, spec: KvSpec) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in re.finditer(spec.regex or "", text):
        key, value = (m.group(1) or "").strip(), (m.group(2) or "").strip()
        if key in spec.keys and key not in out:
            out[key] = value
    return out


def parse_kv(text: str, spec: KvSpec) -> dict[str, str]:
    if spec.regex is not None:
        return _with_regex(text, spec)
    if spec.pair_delimiter is not None and spec.kv_delimiter is not None:
        return _with_delimiters(text, spec)
    return _without_delimiters(text, spec)


@python_function("kq_py_parse_kv", ["VARCHAR", "VARCHAR"], "VARCHAR")
def kq_py_parse_kv(text: str | None, spec: str | None) -> str | None:
    if text is None or spec is None:
        return None
    return json.dumps(parse_kv(text, KvSpec.from_json(spec)))
