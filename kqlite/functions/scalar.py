"""Scalar functions: name -> parameter kinds, result type, DuckDB SQL.

Templates use {0}, {1}... for the compiled arguments; callables get the `Arg` list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import KqlTypeError
from ..sql.quote import quote_string
from . import convert
from .registry import Arg, numeric_result, scalar

# ---------------------------------------------------------------- conversion


def _conv(dst: str):
    return lambda a: convert.convert(a[0].sql, a[0].type, dst)


# functions (dynamic.py) whose value is JSON text written by DuckDB's json_object()/to_json(): minified
MINIFIED_JSON = frozenset({"bag_pack", "bag_keys"})


def _tostring(a: Sequence[Arg]) -> str:
    x = a[0]
    if x.type == "dynamic" and x.call is not None and x.call[0] in MINIFIED_JSON:
        # a bag or array DuckDB's JSON functions wrote is already in Kusto's text form
        return f"COALESCE(CAST({x.sql} AS VARCHAR), '')"
    return convert.to_string(x.sql, x.type)


scalar("tostring", "any", "string", _tostring)
scalar("toint", "any", "int", _conv("int"))
scalar("tolong", "any", "long", _conv("long"))
scalar("todouble", "any", "real", _conv("real"), aliases=("toreal",))
scalar("todecimal", "any", "decimal", _conv("decimal"))
scalar("tobool", "any", "bool", _conv("bool"), aliases=("toboolean",))
scalar("todatetime", "any", "datetime", _conv("datetime"))
scalar("totimespan", "any", "timespan", _conv("timespan"), aliases=("totime",))
scalar("toguid", "any", "guid", _conv("guid"))


def _parse_json(a: Sequence[Arg]) -> str:
    x = a[0]
    if x.type == "dynamic":
        return x.sql
    if x.type != "string":
        return convert.to_dynamic(x.sql, x.type)
    return (f"CASE WHEN {x.sql} = '' THEN CAST(NULL AS JSON) WHEN json_valid({x.sql}) THEN CAST({x.sql} AS JSON)"
            f" ELSE CAST(to_json({x.sql}) AS JSON) END")


scalar("parse_json", "any", "dynamic", _parse_json, aliases=("todynamic", "toobject", "parsejson"))

# ---------------------------------------------------------------- logic and nulls


def _unify(types: Sequence[str]) -> str:
    """The common type of the branches of iff/case/coalesce."""
    known = [t for t in types if t]
    if not known:
        return "string"
    if all(t == known[0] for t in known):
        return known[0]
    nums = [t for t in known if t in ("int", "long", "real", "decimal")]
    if len(nums) == len(known):
        return numeric_result(nums)
    raise KqlTypeError("the branches have different types: " + ", ".join(dict.fromkeys(known)))


def _iff(a: Sequence[Arg]) -> str:
    return f"CASE WHEN {a[0].sql} THEN {a[1].sql} ELSE {a[2].sql} END"


scalar("iff", "bool any any", lambda t: _unify(t[1:]), _iff, aliases=("iif",))


def _case(a: Sequence[Arg]) -> str:
    if len(a) % 2 == 0:
        raise KqlTypeError("case() takes pairs of predicate and value, then an else value")
    whens = " ".join(f"WHEN {a[i].sql} THEN {a[i + 1].sql}" for i in range(0, len(a) - 1, 2))
    return f"CASE {whens} ELSE {a[-1].sql} END"


scalar("case", "bool any any*", lambda t: _unify([t[i] for i in range(1, len(t) - 1, 2)] + [t[-1]]), _case)
scalar("coalesce", "any any*", lambda t: _unify(t),
       lambda a: "COALESCE(" + ", ".join(f"NULLIF({x.sql}, '')" if x.type == "string" else x.sql
                                         for x in a) + (", '')" if a[0].type == "string" else ")"))


def _isnull(a: Sequence[Arg]) -> str:
    return "FALSE" if a[0].type == "string" else f"({a[0].sql} IS NULL)"


def _isempty(a: Sequence[Arg]) -> str:
    x = a[0]
    if x.type == "string":
        return f"({x.sql} = '')"
    if x.type == "dynamic":
        return f"({x.sql} IS NULL OR json_type({x.sql}) = 'NULL' OR json_extract_string({x.sql}, '$') = '')"
    return f"({x.sql} IS NULL)"


scalar("isnull", "any", "bool", _isnull)
scalar("isnotnull", "any", "bool", lambda a: f"(NOT {_isnull(a)})", aliases=("notnull",))
scalar("isempty", "any", "bool", _isempty)
scalar("isnotempty", "any", "bool", lambda a: f"(NOT {_isempty(a)})", aliases=("notempty",))
scalar("not", "bool", "bool", "(NOT {0})")

# ---------------------------------------------------------------- strings

scalar("strcat", "string string*", "string", lambda a: "concat(" + ", ".join(x.sql for x in a) + ")")
scalar("strcat_delim", "string string string*", "string",
       lambda a: "concat_ws(" + ", ".join(x.sql for x in a) + ")")
scalar("strlen", "string", "long", "CAST(length({0}) AS BIGINT)")
scalar("tolower", "string", "string", "lower({0})")
scalar("toupper", "string", "string", "upper({0})")
scalar("reverse", "string", "string", "reverse({0})")
scalar("strcmp", "string string", "int", "CAST(sign(CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 ELSE 0 END) AS INTEGER)")


def _substring(a: Sequence[Arg]) -> str:
    s = a[0].sql
    start = f"(CASE WHEN ({a[1].sql}) < 0 THEN greatest(length({s}) + ({a[1].sql}), 0) ELSE ({a[1].sql}) END)"
    begin = f"{start} + 1"
    if len(a) > 2:
        return f"COALESCE(substring({s}, {begin}, greatest({a[2].sql}, 0)), '')"
    return f"COALESCE(substring({s}, {begin}), '')"


scalar("substring", "string integer integer?", "string", _substring)


def _trim_regex(side: str):
    def build(a: Sequence[Arg]) -> str:
        pattern = a[0].sql
        lead = f"'^(?:' || {pattern} || ')+'"
        trail = f"'(?:' || {pattern} || ')+$'"
        if side == "start":
            return f"regexp_replace({a[1].sql}, {lead}, '')"
        if side == "end":
            return f"regexp_replace({a[1].sql}, {trail}, '')"
        return f"regexp_replace(regexp_replace({a[1].sql}, {lead}, ''), {trail}, '')"
    return build


scalar("trim", "string string", "string", _trim_regex("both"))
scalar("trim_start", "string string", "string", _trim_regex("start"))
scalar("trim_end", "string string", "string", _trim_regex("end"))


def _split(a: Sequence[Arg]) -> str:
    parts = f"string_split({a[0].sql}, {a[1].sql})"
    if len(a) > 2:
        return (f"CASE WHEN ({a[2].sql}) >= 0 AND ({a[2].sql}) < len({parts}) "
                f"THEN CAST(to_json([{parts}[({a[2].sql}) + 1]]) AS JSON) ELSE CAST('[]' AS JSON) END")
    return f"CAST(to_json({parts}) AS JSON)"


scalar("split", "string string integer?", "dynamic", _split)
scalar("replace_string", "string string string", "string", "replace({0}, {1}, {2})")
scalar("replace", "string string string", "string", "regexp_replace({2}, {0}, {1}, 'g')",
       notes="legacy form replace(regex, rewrite, text)")


# RE2 rewrite syntax (\1) is the same in Kusto and DuckDB, so the rewrite passes through as it is
scalar("replace_regex", "string string string", "string",
       lambda a: f"regexp_replace({a[0].sql}, {a[1].sql}, {a[2].sql}, 'g')")


def _regex_groups(pattern: Arg) -> int:
    if not pattern.is_const:
        return 1
    try:
        return re.compile(str(pattern.value)).groups
    except re.error:
        return 1


def _extract(a: Sequence[Arg], **_) -> str:
    group = a[1]
    if group.is_const and isinstance(group.value, int) and 0 <= group.value <= 9:
        text = f"regexp_extract({a[2].sql}, {a[0].sql}, {group.value})"
    else:
        # DuckDB takes only a constant group number, 0 to 9: pick from all of them (none: empty)
        count = min(_regex_groups(a[0]), 9)
        each = ", ".join(f"regexp_extract({a[2].sql}, {a[0].sql}, {g})" for g in range(count + 1))
        text = (f"CASE WHEN CAST({group.sql} AS BIGINT) BETWEEN 0 AND {count} "
                f"THEN [{each}][CAST({group.sql} AS BIGINT) + 1] ELSE '' END")
    matched = f"regexp_matches({a[2].sql}, {a[0].sql})"
    if len(a) > 3:
        target = a[3].value if a[3].is_const else "string"
        if target != "string":
            return convert.convert(f"CASE WHEN {matched} THEN {text} END", "string", target)
    # regexp_extract gives '' when nothing matches, which is the string result then
    return text


scalar("extract", "string integer string const?", "string", _extract)


def _capture_groups(pattern: Arg, selector: Arg) -> list[int]:
    """extract_all's captureGroups: group numbers or names (a dynamic constant) -> group numbers."""
    if not (selector.is_const and isinstance(selector.value, list) and selector.value):
        raise KqlTypeError("extract_all()'s capture groups are a non-empty constant array: dynamic([1, 3])")
    try:
        names = re.compile(str(pattern.value)).groupindex
    except re.error:
        names = {}
    groups = []
    for item in selector.value:
        number = names.get(item) if isinstance(item, str) else item
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= _regex_groups(pattern):
            raise KqlTypeError(f"extract_all(): no capture group {item!r} in the regular expression")
        groups.append(number)
    return groups


def _extract_all(a: Sequence[Arg], **_) -> str:
    """extract_all(regex, [captureGroups,] text): the matches, or per match the chosen groups."""
    pattern, text = a[0], a[-1]
    if not (pattern.is_const and pattern.type == "string"):
        raise KqlTypeError("extract_all() needs the regular expression as a constant string")
    source = convert.to_string(text.sql, text.type)
    if len(a) > 2:
        groups = _capture_groups(pattern, a[1])
    else:
        count = _regex_groups(pattern)
        groups = list(range(1, count + 1)) if count > 1 else [1 if count == 1 else 0]
    lists = [f"regexp_extract_all({source}, {pattern.sql}, {g})" for g in groups]
    # one group gives a flat array of strings; several give an array per match
    items = ", ".join(f"{x}[i + 1]" for x in lists)
    value = lists[0] if len(lists) == 1 else f"list_transform(range(len({lists[0]})), lambda i: [{items}])"
    return (f"CASE WHEN len(regexp_extract_all({source}, {pattern.sql})) = 0 THEN CAST(NULL AS JSON) "
            f"ELSE CAST(to_json({value}) AS JSON) END")


scalar("extract_all", "string any string?", "dynamic", _extract_all, aliases=("extractall",))


def _indexof(a: Sequence[Arg]) -> str:
    """indexof(text, match[, start[, length[, occurrence]]]), as Kusto's examples show it: a negative
    start counts from the end; each further occurrence is searched from one past the previous one,
    over `length` characters from there."""
    s, needle = a[0].sql, a[1].sql
    if len(a) == 2:
        return f"CAST(strpos({s}, {needle}) - 1 AS BIGINT)"
    start = f"CAST({a[2].sql} AS BIGINT)"
    start = f"(CASE WHEN {start} < 0 THEN greatest(length({s}) + {start}, 0) ELSE {start} END)"
    length = f"CAST({a[3].sql} AS BIGINT)" if len(a) > 3 else "-1"
    occurrence = f"CAST({a[4].sql} AS BIGINT)" if len(a) > 4 else "1"
    found = (f"list_reduce(range({occurrence}), lambda prev, k: CASE WHEN k > 0 AND prev < 0 THEN -1 "
             f"ELSE kq_indexof_from({s}, {needle}, CASE WHEN k = 0 THEN {start} ELSE prev + 1 END, {length}) END, "
             f"CAST(-1 AS BIGINT))")
    return (f"CAST(CASE WHEN {length} < -1 OR {occurrence} <= 0 OR {start} IS NULL THEN NULL ELSE {found} END "
            f"AS BIGINT)")


scalar("indexof", "string string integer? integer? integer?", "long", _indexof)


def _countof(a: Sequence[Arg]) -> str:
    s, needle = a[0].sql, a[1].sql
    if len(a) > 2 and a[2].is_const and str(a[2].value) == "regex":
        return f"CAST(len(regexp_extract_all({s}, {needle})) AS BIGINT)"
    return (f"CAST(CASE WHEN length({needle}) = 0 THEN 0 ELSE len(list_filter(range(1, length({s}) - length({needle}) + 2), "
            f"lambda i: substring({s}, i, length({needle})) = {needle})) END AS BIGINT)")


scalar("countof", "string string const?", "long", _countof)


def _strrep(a: Sequence[Arg]) -> str:
    # Kusto repeats at most 1024 times; a count below 1 gives the empty string
    times = f"(CASE WHEN CAST({a[1].sql} AS BIGINT) > 1024 THEN 1024 ELSE CAST({a[1].sql} AS BIGINT) END)"
    if len(a) > 2:
        return (f"COALESCE(CASE WHEN {times} <= 0 THEN '' ELSE repeat({a[0].sql} || {a[2].sql}, {times} - 1) || {a[0].sql} END,"
                " '')")
    return f"COALESCE(repeat({a[0].sql}, greatest({times}, 0)), '')"


scalar("strrep", "string integer string?", "string", _strrep)
scalar("parse_version", "string", "decimal", "kq_parse_version({0})")
scalar("gettype", "any", "string",
       lambda a: f"kq_json_type({a[0].sql})" if a[0].type == "dynamic" else quote_string(a[0].type))
