"""The parse-kv operator: `T | parse-kv Expr as (Key:type, ...) [with (options)]`.

The options pick one of three modes (parse-kv-operator docs): pair_delimiter with kv_delimiter
(optionally quote, escape, greedy), no delimiters (quote and escape only), or regex. They are all
constants, checked here and handed to the `kq_py_parse_kv` scanner (functions/kv_text.py) as JSON;
its JSON object of found keys is computed once into a hidden column, and each key's column reads
and converts its value (a missing key: null, or '' for a string column).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import KqlNameError, KqlTypeError, did_you_mean
from ..functions import convert
from ..functions.kv_text import KvSpec
from ..functions.regex_check import check_regex
from ..sql.quote import quote_string
from ..syntax import ast as A
from ..types import normalize
from .expressions import Scope
from .operators import coerce
from .parse import put_column
from .plan import BCol, BLit, BSql, Col, Rel

if TYPE_CHECKING:
    from .binder import Binder, Env

_FOUND = "__kq_parse_kv"  # the scanner's JSON object, computed once per row
_OPTIONS = ("pair_delimiter", "kv_delimiter", "quote", "escape", "greedy", "regex")
_HELP = ["parse-kv options: pair_delimiter and kv_delimiter (with quote, escape, greedy), "
         "quote and escape alone, or regex"]


def parse_kv_operator(b: Binder, op: A.ParseKv, rel: Rel, env: Env) -> Rel:
    source = coerce(b.exprs.bind(op.expr, b.scope_of(rel, env)), "string")
    keys: list[tuple[str, str]] = []
    for decl in op.keys:
        t = normalize(decl.type)
        if t is None:
            raise KqlTypeError(f"unknown type '{decl.type}'", decl.span, code="KQ312")
        if decl.name in (k for k, _ in keys):
            raise KqlNameError(f"parse-kv: key '{decl.name}' is listed twice", decl.span, code="KQ212")
        keys.append((decl.name, t))
    spec = _spec(b, op, b.scope_of(rel, env), tuple(k for k, _ in keys))
    spec_sql = quote_string(spec.to_json())
    found = BSql("dynamic", lambda s: f"CAST(kq_py_parse_kv({s}, {spec_sql}) AS JSON)", (source,))
    staged = b.project(rel, [*rel.columns, Col(_FOUND, "dynamic")], [*b.passthrough(rel), found])
    cols, items = list(rel.columns), b.passthrough(rel)
    for key, t in keys:
        value = BSql(t, lambda j, k=key, ty=t: _value_sql(j, k, ty), (BCol("dynamic", _FOUND),))
        put_column(cols, items, Col(key, t), value)  # a key named like an input column replaces it
    return b.project(staged, cols, items)


def _value_sql(found: str, key: str, t: str) -> str:
    text = f"json_extract_string({found}, {quote_string('/' + key.replace('~', '~0').replace('/', '~1'))})"
    if t == "string":
        return f"COALESCE({text}, '')"
    return convert.convert(text, "string", t)


def _spec(b: Binder, op: A.ParseKv, scope: Scope, keys: tuple[str, ...]) -> KvSpec:
    values: dict[str, list[tuple[object, A.OpParam]]] = {}
    for option in op.options:
        name = option.name.lower()
        if name not in _OPTIONS:
            raise KqlNameError(f"parse-kv has no option '{option.name}'", option.span,
                               did_you_mean(option.name, list(_OPTIONS)) or _HELP, code="KQ210")
        want = "bool" if name == "greedy" else "string"
        bound = b.exprs.bind(option.value, scope)
        if not isinstance(bound, BLit) or bound.type != want or bound.value is None:
            example = "greedy=true" if want == "bool" else f"{name}='...'"
            raise KqlTypeError(f"parse-kv: {name} must be a constant {want}", option.value.span,
                               [f"options are literals: {example}"], code="KQ353")
        values.setdefault(name, []).append((bound.value, option))
        if name not in ("quote", "escape") and len(values[name]) > 1:
            raise KqlNameError(f"parse-kv: {name} is given twice", option.span, code="KQ212")

    def one(name: str) -> str | None:
        return str(values[name][0][0]) if name in values else None

    regex = one("regex")
    pair, kv = one("pair_delimiter"), one("kv_delimiter")
    if regex is not None:
        if len(values) > 1:
            extra = next(o for n, vs in values.items() if n != "regex" for _, o in vs)
            raise KqlTypeError("parse-kv: regex cannot be combined with other options", extra.span, _HELP,
                               code="KQ353")
        span = values["regex"][0][1].value.span
        check_regex(regex, span, "parse-kv regex")
        import re

        try:
            groups = re.compile(regex).groups
        except re.error:
            groups = 2  # valid RE2 that Python's re reads differently: left to the scanner
        if groups != 2:
            raise KqlTypeError(f"parse-kv: the regex needs exactly two capturing groups (key, value); it has {groups}",
                               span, ["a group for the key and one for the value: regex=@'(\\w+)=(\\w+)'",
                                      "group without capturing with (?:...)"], code="KQ353")
        return KvSpec(keys, regex=regex)
    if (pair is None) != (kv is None):
        missing = "kv_delimiter" if kv is None else "pair_delimiter"
        given = values["pair_delimiter" if kv is None else "kv_delimiter"][0][1]
        raise KqlTypeError(f"parse-kv: pair_delimiter and kv_delimiter go together; {missing} is missing",
                           given.span, _HELP, code="KQ353")
    for name in ("pair_delimiter", "kv_delimiter"):
        if name in values and values[name][0][0] == "":
            raise KqlTypeError(f"parse-kv: {name} cannot be empty", values[name][0][1].value.span, code="KQ353")
    if "greedy" in values and pair is None:
        raise KqlTypeError("parse-kv: greedy needs pair_delimiter and kv_delimiter", values["greedy"][0][1].span,
                           _HELP, code="KQ353")
    quotes = []
    for value, option in values.get("quote", []):
        text = str(value)
        if len(text) not in (1, 2):
            raise KqlTypeError("parse-kv: a quote is one character, or two (opening and closing)",
                               option.value.span, code="KQ353")
        quotes.append((text[0], text[-1]))
    escapes = []
    for value, option in values.get("escape", []):
        if len(str(value)) != 1:
            raise KqlTypeError("parse-kv: an escape is one character", option.value.span, code="KQ353")
        escapes.append(str(value))
    greedy = bool(values["greedy"][0][0]) if "greedy" in values else False
    return KvSpec(keys, pair, kv, tuple(quotes), tuple(escapes), greedy)
