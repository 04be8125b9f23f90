"""Dynamic scalar functions: arrays, property bags and sets over DuckDB JSON.

An array is worked on as a DuckDB list of JSON elements (`_items`), which json_extract gives in
minified text, so element equality is JSON text equality. A function given a value that is not
an array (or not a bag) returns null, as Kusto's do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import KqlTypeError
from ..sql.quote import quote_string
from . import convert
from .registry import Arg, scalar

_NUMBERS = ("int", "long", "real", "decimal")


def _items(j: str) -> str:
    """The elements of a JSON array as a JSON[] list; null when j is not an array."""
    return f"(CASE WHEN json_type({j}) = 'ARRAY' THEN CAST(json_extract({j}, '$[*]') AS JSON[]) END)"


def _json(list_sql: str) -> str:
    return f"CAST(to_json({list_sql}) AS JSON)"


def _norm(j: str) -> str:
    """A JSON value in the minified text that array elements have."""
    return f"json_extract({j}, '$')"


def _is_array(j: str) -> str:
    return f"(json_type({j}) = 'ARRAY')"


def _is_bag(j: str) -> str:
    return f"(json_type({j}) = 'OBJECT')"


_JSON_NULL = "CAST('null' AS JSON)"

# ---------------------------------------------------------------- arrays

scalar("array_length", "dynamic", "long",
       "CASE WHEN json_type({0}) = 'ARRAY' THEN CAST(json_array_length({0}) AS BIGINT) END")
scalar("pack_array", "dynamic*", "dynamic",
       lambda a: "CAST(json_array(" + ", ".join(x.sql for x in a) + ") AS JSON)" if a else "CAST('[]' AS JSON)")


def _array_concat(a: Sequence[Arg]) -> str:
    arrays = [_items(x.sql) for x in a]
    any_null = " OR ".join(f"{x} IS NULL" for x in arrays)
    joined = f"list_concat({', '.join(arrays)})" if len(a) > 1 else arrays[0]
    return f"CASE WHEN {any_null} THEN NULL ELSE {_json(joined)} END"


scalar("array_concat", "dynamic dynamic*", "dynamic", _array_concat)
scalar("array_reverse", "dynamic", "dynamic", lambda a: _json(f"list_reverse({_items(a[0].sql)})"))


def _index_of(a: Sequence[Arg]) -> str:
    arr = _items(a[0].sql)
    n = f"len({arr})"
    value = _norm(a[1].sql)
    start = a[2].sql if len(a) > 2 else "0"
    length = a[3].sql if len(a) > 3 else "-1"
    occurrence = a[4].sql if len(a) > 4 else "1"
    first = f"(CASE WHEN ({start}) < 0 THEN greatest({n} + ({start}), 0) ELSE ({start}) END)"
    stop = f"(CASE WHEN ({length}) = -1 THEN {n} ELSE least({n}, {first} + ({length})) END)"
    hits = f"list_filter(range({first}, greatest({stop}, {first})), lambda i: {arr}[i + 1] = {value})"
    found = f"COALESCE(list_extract({hits}, CAST({occurrence} AS BIGINT)), -1)"
    return (f"CAST(CASE WHEN {arr} IS NULL OR ({length}) < -1 OR ({occurrence}) < 1 THEN NULL "
            f"ELSE {found} END AS BIGINT)")


scalar("array_index_of", "dynamic dynamic integer? integer? integer?", "long", _index_of)


def _array_slice(a: Sequence[Arg]) -> str:
    arr = _items(a[0].sql)
    n = f"len({arr})"
    start = f"greatest(CASE WHEN ({a[1].sql}) < 0 THEN ({a[1].sql}) + {n} ELSE ({a[1].sql}) END, 0)"
    end = f"(CASE WHEN ({a[2].sql}) < 0 THEN ({a[2].sql}) + {n} ELSE ({a[2].sql}) END)"
    return _json(f"CASE WHEN {end} < {start} THEN CAST([] AS JSON[]) ELSE list_slice({arr}, {start} + 1, {end} + 1) END")


scalar("array_slice", "dynamic integer integer", "dynamic", _array_slice)


def _moved(a: Sequence[Arg], direction: int, rotate: bool) -> str:
    """array_shift_* and array_rotate_*: element i of the result is element i + k of the input."""
    arr = _items(a[0].sql)
    n = f"len({arr})"
    k = f"(({a[1].sql}) * {direction})"
    if rotate:
        pick = f"{arr}[((i + {k}) % {n} + {n}) % {n} + 1]"
    else:
        # Kusto's default fill is "" in an array of strings and null otherwise
        all_strings = f"len(list_filter({arr}, lambda __kq_e: json_type(__kq_e) <> 'VARCHAR')) = 0"
        fill = a[2].sql if len(a) > 2 else f"CASE WHEN {all_strings} THEN CAST('\"\"' AS JSON) ELSE {_JSON_NULL} END"
        pick = f"CASE WHEN i + {k} BETWEEN 0 AND {n} - 1 THEN {arr}[i + {k} + 1] ELSE {fill} END"
    return f"CASE WHEN {arr} IS NOT NULL THEN {_json(f'list_transform(range(0, {n}), lambda i: {pick})')} END"


scalar("array_shift_left", "dynamic integer dynamic?", "dynamic", lambda a: _moved(a, 1, False))
scalar("array_shift_right", "dynamic integer dynamic?", "dynamic", lambda a: _moved(a, -1, False))
scalar("array_rotate_left", "dynamic integer", "dynamic", lambda a: _moved(a, 1, True))
scalar("array_rotate_right", "dynamic integer", "dynamic", lambda a: _moved(a, -1, True))


def _array_iff(a: Sequence[Arg]) -> str:
    cond = _items(a[0].sql)

    def branch(x: Arg) -> str:
        if x.type != "dynamic":
            return x.sql
        return (f"CASE WHEN {_is_array(x.sql)} THEN json_extract({x.sql}, '$[' || i || ']') "
                f"ELSE {x.sql} END")

    c = f"{cond}[i + 1]"
    truth = (f"CASE json_type({c}) WHEN 'BOOLEAN' THEN CAST(json_extract_string({c}, '$') AS BOOLEAN) "
             f"WHEN 'BIGINT' THEN CAST({c} AS DOUBLE) <> 0 WHEN 'UBIGINT' THEN CAST({c} AS DOUBLE) <> 0 "
             f"WHEN 'DOUBLE' THEN CAST({c} AS DOUBLE) <> 0 END")
    pick = f"CASE WHEN {truth} THEN {branch(a[1])} WHEN NOT {truth} THEN {branch(a[2])} END"
    return f"CASE WHEN {cond} IS NOT NULL THEN {_json(f'list_transform(range(0, len({cond})), lambda i: {pick})')} END"


scalar("array_iff", "dynamic dynamic dynamic", "dynamic", _array_iff, aliases=("array_iif",))


_SORT_RANK = ("CASE WHEN json_type({e}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN 0 "
              "WHEN json_type({e}) = 'VARCHAR' THEN 1 ELSE 2 END")


def _sort(descending: bool):
    """array_sort_asc/desc(array1 [, array2, ...] [, nulls_last]): Kusto orders numbers, then strings,
    then everything else; nulls go last unless nulls_last is false. With several arrays the first is
    sorted and the others follow its order: the result is then an array of the sorted arrays, which
    extend/project/print unpack into array1_sorted, array2_sorted... (semantic/tuples.py)."""
    order = "'DESC'" if descending else "'ASC'"

    def build(a: Sequence[Arg]) -> str:
        arrays, nulls_last = list(a), "TRUE"
        if len(arrays) > 1 and arrays[-1].type == "bool":
            nulls_last = arrays.pop().sql
        for i, arg in enumerate(arrays[1:], start=2):
            if arg.type != "dynamic":
                raise KqlTypeError(f"argument {i} of array_sort_{'desc' if descending else 'asc'}() must be a "
                                   f"dynamic array (or the last one a bool nulls_last), not {arg.type}")
        if len(arrays) > 1:
            return _sort_together([x.sql for x in arrays], nulls_last, order)
        arr = _items(arrays[0].sql)
        values = f"list_filter({arr}, lambda e: json_type(e) <> 'NULL')"
        key = (f"lambda e: {{'rank': {_SORT_RANK.format(e='e')}, 'num': TRY_CAST(e AS DOUBLE), "
               "'text': json_extract_string(e, '$'), 'e': e}")
        ordered = f"list_transform(list_sort(list_transform({values}, {key}), {order}), lambda s: s['e'])"
        nulls = f"list_transform(range(0, len({arr}) - len({values})), lambda i: {_JSON_NULL})"
        return (f"CASE WHEN {arr} IS NOT NULL THEN {_json(f'CASE WHEN {nulls_last} IS NOT FALSE THEN list_concat({ordered}, {nulls}) ELSE list_concat({nulls}, {ordered}) END')} END")
    return build


def _sort_together(arrays: list[str], nulls_last: str, order: str) -> str:
    """The permutation that sorts the first array, applied to each array; null for an array whose
    length differs from the first one's. Each array is read once (bound in a one-element list)."""
    t, i, s = "__kq_sort", "__kq_i", "__kq_s"
    struct = ", ".join(f"'a{k}': {_items(sql)}" for k, sql in enumerate(arrays))
    first = f"{t}['a0']"
    elem = f"{first}[{i}]"
    indexes = f"range(1, len({first}) + 1)"
    # ties keep their input order in both directions: the index is negated for a descending sort
    tie = f"-{i}" if order == "'DESC'" else i
    key = (f"{{'rank': {_SORT_RANK.format(e=elem)}, 'num': TRY_CAST({elem} AS DOUBLE), "
           f"'text': json_extract_string({elem}, '$'), 'i': {tie}}}")
    present = f"list_filter({indexes}, lambda {i}: json_type({elem}) <> 'NULL')"
    absent = f"list_filter({indexes}, lambda {i}: coalesce(json_type({elem}), 'NULL') = 'NULL')"
    ordered = f"list_transform(list_sort(list_transform({present}, lambda {i}: {key}), {order}), lambda {s}: abs({s}['i']))"
    perm = (f"CASE WHEN {nulls_last} IS NOT FALSE THEN list_concat({ordered}, {absent}) "
            f"ELSE list_concat({absent}, {ordered}) END")
    outs = ", ".join(
        f"CASE WHEN len({t}['a{k}']) = len({first}) THEN to_json(list_transform({t}['p'], lambda {i}: {t}['a{k}'][{i}])) END"
        for k in range(len(arrays)))
    body = f"CASE WHEN {first} IS NOT NULL THEN CAST(to_json([{outs}]) AS JSON) END"
    inner = f"list_transform([{{'a0': {t}['a0'], 'p': {perm}, " + ", ".join(
        f"'a{k}': {t}['a{k}']" for k in range(1, len(arrays))) + f"}}], lambda {t}: {body})[1]"
    return f"list_transform([{{{struct}}}], lambda {t}: {inner})[1]"


scalar("array_sort_asc", "dynamic any*", "dynamic", _sort(False))
scalar("array_sort_desc", "dynamic any*", "dynamic", _sort(True))


def _array_split(a: Sequence[Arg]) -> str:
    arr = _items(a[0].sql)
    n = f"len({arr})"
    ix = a[1].sql
    given = f"(CASE WHEN {_is_array(ix)} THEN CAST(json_extract({ix}, '$[*]') AS BIGINT[]) ELSE [TRY_CAST({ix} AS BIGINT)] END)"
    cuts = f"list_transform({given}, lambda v: least(greatest(CASE WHEN v < 0 THEN v + {n} ELSE v END, 0), {n}))"
    bounds = f"list_concat([0], {cuts}, [{n}])"
    parts = f"list_transform(range(0, len({bounds}) - 1), lambda k: list_slice({arr}, {bounds}[k + 1] + 1, {bounds}[k + 2]))"
    return f"CASE WHEN {arr} IS NOT NULL THEN {_json(parts)} END"


scalar("array_split", "dynamic dynamic", "dynamic", _array_split)
def _array_sum(a: Sequence[Arg]) -> str:
    arr = _items(a[0].sql)
    numeric = f"list_bool_and(list_transform({arr}, lambda v: json_type(v) IN ('BIGINT', 'UBIGINT', 'DOUBLE')))"
    # any element that is not a number makes the sum null
    return (f"CASE WHEN {arr} IS NULL THEN NULL WHEN len({arr}) = 0 THEN 0.0 "
            f"WHEN {numeric} THEN list_sum(list_transform({arr}, lambda v: CAST(v AS DOUBLE))) END")


scalar("array_sum", "dynamic", "real", _array_sum)


def _zip(a: Sequence[Arg]) -> str:
    arrays = [_items(x.sql) for x in a]
    longest = "greatest(" + ", ".join(f"len({x})" for x in arrays) + ")" if len(arrays) > 1 else f"len({arrays[0]})"
    row = "[" + ", ".join(f"COALESCE({x}[i + 1], {_JSON_NULL})" for x in arrays) + "]"
    any_null = " OR ".join(f"{x} IS NULL" for x in arrays)
    return f"CASE WHEN {any_null} THEN NULL ELSE {_json(f'list_transform(range(0, {longest}), lambda i: {row})')} END"


scalar("zip", "dynamic dynamic dynamic*", "dynamic", _zip)


def _repeat(a: Sequence[Arg]) -> str:
    value = convert.to_dynamic(a[0].sql, a[0].type)
    return (f"CASE WHEN ({a[1].sql}) >= 0 THEN "
            f"{_json(f'list_transform(range(0, {a[1].sql}), lambda i: {value})')} END")


scalar("repeat", "any integer", "dynamic", _repeat)
def _strcat_array(a: Sequence[Arg]) -> str:
    texts = f"list_transform({_items(a[0].sql)}, lambda e: COALESCE(json_extract_string(e, '$'), ''))"
    if a[1].is_const:
        return f"COALESCE(array_to_string({texts}, {a[1].sql}), '')"
    # DuckDB's array_to_string takes a constant separator only
    joined = ("CASE WHEN len(kq_join['l']) = 0 THEN '' ELSE "
              "list_reduce(kq_join['l'], lambda kq_a, kq_b: kq_a || kq_join['s'] || kq_b) END")
    return f"COALESCE(list_transform([{{'l': {texts}, 's': {a[1].sql}}}], lambda kq_join: {joined})[1], '')"


scalar("strcat_array", "dynamic string", "string", _strcat_array)

# ---------------------------------------------------------------- sets


def _distinct(list_sql: str) -> str:
    """The list without repeats, in first-seen order (list_distinct does not keep order)."""
    return (f"list_transform(list_filter(list_zip({list_sql}, range(1, len({list_sql}) + 1)), "
            f"lambda p: list_position({list_sql}, p[1]) = p[2]), lambda p: p[1])")


def _set_union(a: Sequence[Arg]) -> str:
    arrays = [_items(x.sql) for x in a]
    any_null = " OR ".join(f"{x} IS NULL" for x in arrays)
    return f"CASE WHEN {any_null} THEN NULL ELSE {_json(_distinct('list_concat(' + ', '.join(arrays) + ')'))} END"


def _set_filter(keep_in_all: bool):
    def build(a: Sequence[Arg]) -> str:
        first, others = _items(a[0].sql), [_items(x.sql) for x in a[1:]]
        tests = [f"list_contains({o}, e)" for o in others]
        cond = " AND ".join(tests) if keep_in_all else "NOT (" + " OR ".join(tests) + ")"
        any_null = " OR ".join(f"{x} IS NULL" for x in [first, *others])
        return f"CASE WHEN {any_null} THEN NULL ELSE {_json(_distinct(f'list_filter({first}, lambda e: {cond})'))} END"
    return build


scalar("set_union", "dynamic dynamic dynamic*", "dynamic", _set_union)
scalar("set_intersect", "dynamic dynamic dynamic*", "dynamic", _set_filter(True))
scalar("set_difference", "dynamic dynamic dynamic*", "dynamic", _set_filter(False))
scalar("set_has_element", "dynamic dynamic", "bool",
       lambda a: f"CASE WHEN {_is_array(a[0].sql)} THEN list_contains({_items(a[0].sql)}, {_norm(a[1].sql)}) END")


def _jaccard(a: Sequence[Arg]) -> str:
    x, y = _items(a[0].sql), _items(a[1].sql)
    both = f"len(list_distinct(list_filter({x}, lambda e: list_contains({y}, e))))"
    either = f"len(list_distinct(list_concat({x}, {y})))"
    return f"CAST({both} AS DOUBLE) / {either}"


scalar("jaccard_index", "dynamic dynamic", "real", _jaccard,
       notes="two empty sets give NaN (0/0)")

# ---------------------------------------------------------------- property bags


def _entries(j: str) -> str:
    """A bag's (key, value) pairs as a list of structs, in the bag's key order."""
    return f"list_transform(json_keys({j}), lambda k: {{'k': k, 'v': json_extract({j}, '$.\"' || replace(k, '\"', '\\\"') || '\"')}})"


def _bag_from(entries: str) -> str:
    return (f"CASE WHEN len({entries}) = 0 THEN CAST('{{}}' AS JSON) "
            f"ELSE CAST(to_json(map_from_entries({entries})) AS JSON) END")


def _json_member(x: Arg) -> str:
    """A value as json_object() embeds it. For these types that is the JSON that to_dynamic() gives,
    without the to_json() round trip."""
    if x.type in ("string", "int", "long", "real", "bool"):
        return x.sql
    return convert.to_dynamic(x.sql, x.type)


def _bag_pack(a: Sequence[Arg]) -> str:
    if len(a) % 2:
        raise KqlTypeError("bag_pack() takes pairs of key and value")
    keys = [convert.to_string(x.sql, x.type) for x in a[0::2]]
    values = [_json_member(x) for x in a[1::2]]
    return "CAST(json_object(" + ", ".join(f"{k}, {v}" for k, v in zip(keys, values, strict=True)) + ") AS JSON)"


def _pack_pairs(x: Arg) -> list[tuple[str, Arg]] | None:
    """The (key, value) pairs of an argument that is a bag_pack() with constant keys, or None."""
    if x.call is None or x.call[0] != "bag_pack" or not all(k.is_const for k in x.call[1][0::2]):
        return None
    args = x.call[1]
    return [(str(k.value), v) for k, v in zip(args[0::2], args[1::2], strict=True)]


scalar("bag_pack", "any any*", "dynamic", _bag_pack, aliases=("pack", "pack_dictionary"))
def pack_all_sql(columns: Sequence[tuple[str, str]], sqls: Sequence[str], ignore_null_empty: bool) -> str:
    """pack_all(): the binder hands over the row's (name, type) columns and their compiled SQL."""
    if not columns:
        return "CAST('{}' AS JSON)"
    values = [convert.to_dynamic(sql, t) for (_, t), sql in zip(columns, sqls, strict=True)]
    if not ignore_null_empty:
        return "CAST(json_object(" + ", ".join(f"{quote_string(n)}, {v}" for (n, _), v in zip(columns, values, strict=True)) + ") AS JSON)"
    entries = "[" + ", ".join(f"{{'k': {quote_string(n)}, 'v': {v}}}" for (n, _), v in zip(columns, values, strict=True)) + "]"
    kept = f"list_filter({entries}, lambda e: e['v'] IS NOT NULL AND json_type(e['v']) <> 'NULL' AND e['v'] <> '\"\"')"
    return _bag_from(kept)


def _bag_keys(a: Sequence[Arg]) -> str:
    j = a[0].sql
    # JSON text that starts with { is a bag: a cheap test that spares most values a parse
    is_bag = f"(prefix(CAST({j} AS VARCHAR), '{{') OR json_type({j}) = 'OBJECT')"
    return f"CASE WHEN {is_bag} THEN CAST(to_json(json_keys({j})) AS JSON) END"


scalar("bag_keys", "dynamic", "dynamic", _bag_keys)


def _json_path(key: Arg, fn: str) -> list[str] | None:
    """A constant JSONPath key ('$.a.b', "$['a']") as its names; None for a plain key name."""
    if not key.is_const:
        return None
    text = str(key.value)
    if not text.startswith("$"):
        return None
    names = re.findall(r"\.([^.\[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]", text[1:])
    rebuilt = "".join(f".{a}" if a else f"['{b}']" if b or not c else f'["{c}"]' for a, b, c in names)
    if not names or rebuilt.replace('"', "'") != text[1:].replace('"', "'").replace(" ", ""):
        raise KqlTypeError(f"{fn}(): '{text}' is not a JSONPath of property names (array indexes are not supported)")
    return [a or b or c for a, b, c in names]


def _duck_path(names: Sequence[str]) -> str:
    return quote_string("$" + "".join('."' + n.replace('"', '\\"') + '"' for n in names))


def _path_safe(name: str) -> bool:
    """A key that a DuckDB JSON path can name in quotes (which cannot hold "", a backslash or *, a wildcard)."""
    return bool(name) and "*" not in name and not _escaped_in_json(name)


def _bag_has_key(a: Sequence[Arg]) -> str:
    bag, key = a[0].sql, a[1]
    names = _json_path(key, "bag_has_key")
    if names is not None and any("*" in n for n in names):
        raise KqlTypeError(f"bag_has_key(): '{key.value}' has a wildcard; name the properties")
    if names is None and key.is_const and _path_safe(str(key.value)):
        names = [str(key.value)]
    if names is not None:  # json_exists is false for a value that is not a bag
        return f"COALESCE(json_exists({bag}, {_duck_path(names)}), FALSE)"
    return f"CASE WHEN {_is_bag(bag)} THEN list_contains(json_keys({bag}), {key.sql}) ELSE FALSE END"


scalar("bag_has_key", "dynamic string", "bool", _bag_has_key)


# SQL that can be repeated at no cost: a column, a literal
_PLAIN_SQL = re.compile(r'"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|\'(?:[^\']|\'\')*\'')


def _let(value: str, name: str, body: str) -> str:
    """body with `name` bound to value, which is evaluated once (a lambda over a one-element list).
    `name` must not be a user column's name: a column shadows a lambda parameter in DuckDB."""
    return f"list_transform([{value}], lambda {name}: {body})[1]"


def _merge_packs(first: str, pairs: Sequence[tuple[str, Arg]]) -> str:
    """bag_merge(first, bag_pack(k1, v1, ...), ...): each key is added where the bag so far lacks it.
    json_merge_patch does that exactly for a value that is not null and not a bag."""
    chain = _merge_chain(first, pairs)
    keys = [key for key, _ in pairs]
    if not _PLAIN_SQL.fullmatch(first) or len(set(keys)) < len(keys):
        return chain
    # the common case in one merge: a bag text without backslashes (so keys are written as they are)
    # and without any of the keys in quotes certainly lacks the keys
    text = f"CAST({first} AS VARCHAR)"
    absent = " AND ".join([f"{first} IS NOT NULL", f"NOT contains({text}, '\\')"]
                          + [f"NOT contains({text}, {quote_string(chr(34) + k + chr(34))})" for k in keys])
    members = ", ".join(f"{quote_string(k)}, {_json_member(v)}" for k, v in pairs)
    return f"CASE WHEN {absent} THEN CAST(json_merge_patch({first}, json_object({members})) AS JSON) ELSE {chain} END"


def _escaped_in_json(text: str) -> bool:
    return any(c in '"\\' or ord(c) < 0x20 for c in text)


def _merge_chain(first: str, pairs: Sequence[tuple[str, Arg]]) -> str:
    """Each key in turn, kept from the bag so far when there (json() minifies a bag kept as it is)."""
    out = f"CASE WHEN json_type({first}) = 'OBJECT' THEN {first} ELSE CAST('{{}}' AS JSON) END"
    if not _PLAIN_SQL.fullmatch(first):
        out = _let(first, "kq_bag", out.replace(first, "kq_bag"))
    for n, (key, value) in enumerate(pairs):
        name = f"kq_merged{n}"
        out = _let(out, name, f"CASE WHEN json_exists({name}, {_duck_path([key])}) THEN json({name}) "
                              f"ELSE json_merge_patch({name}, json_object({quote_string(key)}, {_json_member(value)})) END")
    return f"CAST({out} AS JSON)"


def _addable(key: str, value: Arg) -> bool:
    """A bag_pack() member that _merge_packs can add: a key a JSON path can name, and a value that is
    neither null (never, for a string) nor a bag."""
    never_null = value.type == "string" or (value.is_const and value.value is not None and value.type != "dynamic")
    return _path_safe(key) and never_null


def _bag_merge(a: Sequence[Arg]) -> str:
    packs = [_pack_pairs(x) for x in a[1:]]
    if all(p is not None and all(_addable(k, v) for k, v in p) for p in packs):
        return _merge_packs(a[0].sql, [pair for p in packs for pair in p])  # type: ignore[union-attr]
    # every bag's keys and values (json_keys is empty for a value that is not a bag), then the first
    # entry of each key: Kusto keeps the first bag's value for a repeated key
    keys = ", ".join(f"json_keys(kq_bags[{i}])" for i in range(1, len(a) + 1))
    values = ", ".join(f"CASE WHEN len(json_keys(kq_bags[{i}])) > 0 THEN json_extract(kq_bags[{i}], '$.*') "
                       f"ELSE [] END" for i in range(1, len(a) + 1))
    firsts = "list_filter(range(1, len(kq_kv['k']) + 1), lambda kq_i: list_position(kq_kv['k'], kq_kv['k'][kq_i]) = kq_i)"
    members = f"list_transform({firsts}, lambda kq_i: to_json(kq_kv['k'][kq_i]) || ':' || kq_kv['v'][kq_i])"
    merged = _let(f"{{'k': list_concat({keys}), 'v': list_concat({values})}}", "kq_kv",
                  f"CAST('{{' || array_to_string({members}, ',') || '}}' AS JSON)")
    bags = "[" + ", ".join(f"CAST({x.sql} AS JSON)" for x in a) + "]"
    return f"list_transform([{bags}], lambda kq_bags: {merged})[1]"


scalar("bag_merge", "dynamic dynamic dynamic*", "dynamic", _bag_merge)


def _nested_patch(names: Sequence[str], value_sql: str) -> str:
    patch = value_sql
    for name in reversed(names):
        patch = f"json_object({quote_string(name)}, {patch})"
    return patch


def _bag_remove_keys(a: Sequence[Arg]) -> str:
    bag, keys = a[0].sql, a[1]
    paths: list[list[str]] = []
    if keys.is_const and isinstance(keys.value, list):
        for k in keys.value:
            names = _json_path(Arg(quote_string(str(k)), "string", str(k), True), "bag_remove_keys")
            paths.append(names if names is not None else [str(k)])
    if not paths or not keys.is_const:
        key_names = f"list_transform({_items(keys.sql)}, lambda k: json_extract_string(k, '$'))"
        kept = f"list_filter({_entries(bag)}, lambda e: NOT list_contains({key_names}, e['k']))"
        return f"CASE WHEN {_is_bag(bag)} THEN {_bag_from(kept)} END"
    out = bag
    for names in paths:
        # a JSON merge patch with null deletes the key; only applied where the key exists, since a
        # patch on a missing parent would create it
        patched = f"json_merge_patch({out}, {_nested_patch(names, _JSON_NULL)})"
        out = f"CASE WHEN json_exists({out}, {_duck_path(names)}) THEN {patched} ELSE {out} END"
    return f"CASE WHEN {_is_bag(bag)} THEN CAST({out} AS JSON) END"


scalar("bag_remove_keys", "dynamic dynamic", "dynamic", _bag_remove_keys)


def _bag_set_key(a: Sequence[Arg]) -> str:
    bag, key = a[0].sql, a[1]
    value = convert.to_dynamic(a[2].sql, a[2].type)
    names = _json_path(key, "bag_set_key")
    if names is None:
        cleared = f"json_merge_patch({bag}, json_object({key.sql}, {_JSON_NULL}))"
        patch = f"json_object({key.sql}, {value})"
    else:
        cleared = f"json_merge_patch({bag}, {_nested_patch(names, _JSON_NULL)})"
        patch = _nested_patch(names, value)
    # a bag value would be merged into the old one: clear the key first (which moves it last)
    return (f"CASE WHEN {_is_bag(bag)} THEN CAST(json_merge_patch(CASE WHEN json_type({value}) = 'OBJECT' "
            f"THEN {cleared} ELSE {bag} END, {patch}) AS JSON) END")


scalar("bag_set_key", "dynamic string any", "dynamic", _bag_set_key,
       notes="setting a key to null removes it (JSON merge patch)")


def _bag_zip(a: Sequence[Arg]) -> str:
    keys, values = _items(a[0].sql), a[1].sql
    pairs = (f"list_transform(list_filter(range(0, len({keys})), lambda i: json_type({keys}[i + 1]) = 'VARCHAR'), "
             f"lambda i: {{'k': json_extract_string({keys}[i + 1], '$'), "
             f"'v': COALESCE(CASE WHEN {_is_array(values)} THEN json_extract({values}, '$[' || i || ']') END, {_JSON_NULL})}})")
    distinct = (f"list_filter(list_zip({pairs}, range(1, len({pairs}) + 1)), "
                f"lambda p: list_position(list_transform({pairs}, lambda e: e['k']), p[1]['k']) = p[2])")
    return f"CASE WHEN {keys} IS NOT NULL THEN {_bag_from(f'list_transform({distinct}, lambda p: p[1])')} END"


scalar("bag_zip", "dynamic dynamic", "dynamic", _bag_zip)

# ---------------------------------------------------------------- range()


def _range(a: Sequence[Arg]) -> str:
    step = a[2].sql if len(a) > 2 else "1"
    start, stop = a[0], a[1]
    if start.type == "datetime":
        count = f"CAST((epoch_us({stop.sql}) - epoch_us({start.sql})) * 10 // ({step}) AS BIGINT) + 1"
        item = f"kq_datetime_str({start.sql} + to_microseconds(CAST(i * ({step}) // 10 AS BIGINT)))"
    elif start.type == "timespan":
        count = f"CAST(floor((({stop.sql}) - ({start.sql})) / ({step})) AS BIGINT) + 1"
        item = f"kq_timespan_str(CAST(({start.sql}) + i * ({step}) AS BIGINT))"
    else:
        count = f"CAST(floor((({stop.sql}) - ({start.sql})) / ({step})) AS BIGINT) + 1"
        item = f"({start.sql}) + i * ({step})"
    return (f"CASE WHEN ({step}) <> 0 THEN {_json(f'list_transform(range(0, least(greatest({count}, 0), 1048576)), lambda i: {item})')} END")


def _range_type(types: Sequence[str]) -> str:
    start, stop = types[0], types[1]
    step = types[2] if len(types) > 2 else "long"
    same_kind = (start in _NUMBERS and stop in _NUMBERS) or start == stop
    if same_kind and start in _NUMBERS and step in _NUMBERS:
        return "dynamic"
    if same_kind and start in ("datetime", "timespan") and step == "timespan" and len(types) > 2:
        return "dynamic"
    raise KqlTypeError(f"range() needs numeric bounds and step, or datetime/timespan bounds and a timespan step; "
                       f"got {', '.join(types)}")


scalar("range", "any any any?", _range_type, _range,
       notes="at most 1,048,576 elements, as Kusto")


# ---------------------------------------------------------------- treepath()


def _treepath(a: Sequence[Arg]) -> str:
    j = a[0].sql
    # json_tree's full keys ($.a[4]."b c") in Kusto's spelling (['a'][0]['b c']): every array index is [0]
    spelled = ("regexp_replace(regexp_replace(substring(fullkey, 2), '\\[\\d+\\]', '[0]', 'g'), "
               "'\\.(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^.\\[]+))', '[''\\1\\2'']', 'g')")
    paths = (f"(SELECT list(__kq_p ORDER BY __kq_first) FROM (SELECT {spelled} AS __kq_p, min(id) AS __kq_first "
             f"FROM json_tree({j}) WHERE id > 0 GROUP BY __kq_p))")
    return f"CASE WHEN {j} IS NOT NULL THEN {_json(f'COALESCE({paths}, [])')} END"


scalar("treepath", "dynamic", "dynamic", _treepath)
