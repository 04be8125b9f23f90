"""String functions beyond scalar.py's basics: translate, indexof_regex, has_any_index,
extract_json, parse_csv, parse_url, parse_urlquery, parse_path, format_bytes, new_guid and
the current_*() session functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..errors import KqlTypeError
from ..sql.quote import quote_string
from . import convert
from .registry import Arg, scalar

# ---------------------------------------------------------------- characters


def _translate(a: Sequence[Arg]) -> str:
    search, repl, text = a[0].sql, a[1].sql, a[2].sql
    # Kusto repeats the last replacement character when the list is shorter; an empty list deletes
    padded = f"rpad({repl}, CAST(greatest(length({search}), length({repl})) AS INTEGER), right({repl}, 1))"
    return f"CASE WHEN {repl} = '' THEN translate({text}, {search}, '') ELSE translate({text}, {search}, {padded}) END"


scalar("translate", "string string string", "string", _translate)

# ---------------------------------------------------------------- searching


def _indexof_regex(a: Sequence[Arg]) -> str:
    s, pattern = a[0].sql, a[1].sql
    start = f"CAST({a[2].sql} AS BIGINT)" if len(a) > 2 else "0"
    length = f"CAST({a[3].sql} AS BIGINT)" if len(a) > 3 else "-1"
    occurrence = f"CAST({a[4].sql} AS BIGINT)" if len(a) > 4 else "1"
    window = f"CASE WHEN {length} = -1 THEN substring({s}, {start} + 1) ELSE substring({s}, {start} + 1, {length}) END"
    # the text before the n-th non-overlapping match: n-1 lazy skips over earlier matches
    before = (f"'^((?s:.*?(?:' || {pattern} || ')){{' || CAST({occurrence} - 1 AS VARCHAR) || '}}(?s:.*?))(?:' "
              f"|| {pattern} || ')'")
    found = f"regexp_matches({window}, {before})"
    return (f"CAST(CASE WHEN {start} < 0 OR {length} < -1 OR {occurrence} < 0 THEN NULL "
            f"WHEN {occurrence} = 0 OR {start} > length({s}) OR NOT {found} THEN -1 "
            f"ELSE length(regexp_extract({window}, {before}, 1)) + {start} END AS BIGINT)")


scalar("indexof_regex", "string string integer? integer? integer?", "long", _indexof_regex)


def _has_any_index(a: Sequence[Arg]) -> str:
    terms = f"COALESCE(CAST(json_extract_string({a[1].sql}, '$[*]') AS VARCHAR[]), [])"
    # `has`: the term appears with no letter or digit on either side, ignoring case
    hit = (f"list_transform({terms}, lambda t: t <> '' AND regexp_matches({a[0].sql}, "
           f"'(?i)(?:^|[^0-9A-Za-z])' || regexp_escape(t) || '(?:$|[^0-9A-Za-z])'))")
    return f"CAST(COALESCE(NULLIF(list_position({hit}, TRUE), 0), 0) - 1 AS BIGINT)"


scalar("has_any_index", "string dynamic", "long", _has_any_index)

# ---------------------------------------------------------------- JSON text

_PATH_STEP = re.compile(r"\.([A-Za-z_$@][\w$@-]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*\"((?:[^\"\\]|\\.)*)\"\s*\]|\[\s*(\d+)\s*\]")


def duckdb_json_path(path: str) -> str:
    """Kusto's JSONPath ($.a.b, $['a b'], $[0]) in DuckDB's spelling ($."a"."a b"[0])."""
    text = path.strip()
    if not text.startswith("$"):
        raise KqlTypeError(f"a JSON path starts with $: '{path}'")
    out, i = ["$"], 1
    while i < len(text):
        m = _PATH_STEP.match(text, i)
        if m is None:
            raise KqlTypeError(f"unsupported JSON path '{path}'", hints=["use $.name, $['name'] and $[index] steps"])
        if m.group(4) is not None:
            out.append(f"[{m.group(4)}]")
        else:
            key = next(g for g in m.groups()[:3] if g is not None)
            out.append('."' + key.replace('"', '\\"') + '"')
        i = m.end()
    return "".join(out)


def _extract_json(a: Sequence[Arg], **_) -> str:
    path, text = a[0], a[1]
    if not (path.is_const and path.type == "string"):
        raise KqlTypeError("extract_json() needs the JSON path as a constant string such as '$.name'")
    value = f"COALESCE(try(json_extract_string({text.sql}, {quote_string(duckdb_json_path(str(path.value)))})), '')"
    if len(a) > 2:
        target = str(a[2].value) if a[2].is_const else "string"
        if target != "string":
            return convert.convert(f"NULLIF({value}, '')", "string", target)
    return value


scalar("extract_json", "string string const?", "string", _extract_json, aliases=("extractjson",))

# ---------------------------------------------------------------- records and URLs


def _parse_csv(a: Sequence[Arg]) -> str:
    s = a[0].sql
    # the first record: quoted fields may hold line breaks, an unquoted line break ends it
    record = f"regexp_extract({s}, '^(?:\"(?:[^\"]|\"\")*\"|[^\"\\r\\n])*')"
    fields = f"regexp_extract_all(',' || {record}, ',(\"(?:[^\"]|\"\")*\"|[^,\"]*)', 1)"
    unquoted = ("list_transform(" + fields + ", lambda f: CASE WHEN f LIKE '\"%' "
                "THEN replace(substr(f, 2, length(f) - 2), '\"\"', '\"') ELSE f END)")
    return f"CAST(to_json({unquoted}) AS JSON)"


scalar("parse_csv", "string", "dynamic", _parse_csv)


def _query_object(query: str) -> str:
    """k1=v1&k2=v2 -> a JSON object of the decoded names and values."""
    pairs = f"list_filter(string_split({query}, '&'), lambda p: p <> '')"
    decode = "COALESCE(try(url_decode(replace({}, '+', ' '))), {})"
    member = ("to_json(" + decode.format("split_part(p, '=', 1)", "split_part(p, '=', 1)") + ") || ':' || to_json("
              + decode.format("CASE WHEN contains(p, '=') THEN substr(p, strpos(p, '=') + 1) ELSE '' END",
                              "CASE WHEN contains(p, '=') THEN substr(p, strpos(p, '=') + 1) ELSE '' END") + ")")
    return f"('{{' || array_to_string(list_transform({pairs}, lambda p: {member}), ',') || '}}')"


scalar("parse_urlquery", "string", "dynamic",
       lambda a: f"CAST('{{\"Query Parameters\":' || {_query_object(f'ltrim({a[0].sql}, chr(63))')} || '}}' AS JSON)",
       aliases=("parseurlquery",))

_URL = (r"^([A-Za-z][A-Za-z0-9+.\-]*)://(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?"
        r"([^?#]*)(?:\?([^#]*))?(?:#(.*))?$")
_URL_PARTS = ["scheme", "user", "password", "host", "port", "path", "query", "fragment"]


def _parse_url(a: Sequence[Arg]) -> str:
    parts = f"regexp_extract({a[0].sql}, {quote_string(_URL)}, {_URL_PARTS!r})"
    fields = [("Scheme", "__kq_p.scheme"), ("Host", "__kq_p.host"), ("Port", "__kq_p.port"), ("Path", "__kq_p.path"),
              ("Username", "__kq_p.user"), ("Password", "__kq_p.password")]
    text = " || ',' || ".join(f"'\"{k}\":' || to_json({v})" for k, v in fields)
    obj = (f"'{{' || {text} || ',\"Query Parameters\":' || {_query_object('__kq_p.query')} "
           f"|| ',\"Fragment\":' || to_json(__kq_p['fragment']) || '}}'")
    return f"(SELECT CAST({obj} AS JSON) FROM (SELECT {parts} AS __kq_p))"


scalar("parse_url", "string", "dynamic", _parse_url, aliases=("parseurl",),
       notes="Path keeps its leading '/' (as .NET's Uri.AbsolutePath; the docs page's example prints it without); "
             "text that is not an absolute URL gives every part empty")


def _parse_path(a: Sequence[Arg]) -> str:
    s = a[0].sql
    scheme = f"regexp_extract({s}, '^([A-Za-z][A-Za-z0-9+.-]+)://', 1)"
    rest = f"regexp_replace({s}, '^[A-Za-z][A-Za-z0-9+.-]+://', '')"
    sql = f"""(SELECT CAST(json_object('Scheme', __kq_scheme, 'RootPath', __kq_root, 'DirectoryPath', __kq_dir,
            'DirectoryName', regexp_extract(__kq_dir, '([^/\\\\]*)$', 1), 'Filename', __kq_filename,
            'Extension', CASE WHEN contains(__kq_filename, '.') THEN regexp_extract(__kq_filename, '\\.([^.]*)$', 1) ELSE '' END,
            'AlternateDataStreamName', __kq_stream) AS JSON)
        FROM (SELECT __kq_scheme, __kq_root, __kq_dir, split_part(__kq_leaf, ':', 1) AS __kq_filename,
                     CASE WHEN contains(__kq_leaf, ':') THEN substr(__kq_leaf, strpos(__kq_leaf, ':') + 1) ELSE '' END AS __kq_stream
              FROM (SELECT __kq_scheme, regexp_extract(__kq_rest, '^(?:\\\\\\\\\\?\\\\)?([A-Za-z]:)', 1) AS __kq_root,
                           regexp_extract(__kq_rest, '^(.*)[/\\\\]', 1) AS __kq_dir, regexp_extract(__kq_rest, '([^/\\\\]*)$', 1) AS __kq_leaf
                    FROM (SELECT {scheme} AS __kq_scheme, {rest} AS __kq_rest))))"""
    return sql


scalar("parse_path", "string", "dynamic", _parse_path)

# ---------------------------------------------------------------- numbers as text

_BYTE_UNITS = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"]


def _format_bytes(a: Sequence[Arg]) -> str:
    size = f"CAST({a[0].sql} AS DOUBLE)"
    digits = f"CAST({a[1].sql} AS INTEGER)" if len(a) > 1 else "0"
    units = "[" + ", ".join(quote_string(u) for u in _BYTE_UNITS) + "]"
    auto = "len(list_filter(range(1, 7), lambda e: abs(__kq_v) >= pow(1024, e)))"
    if len(a) > 2:
        unit = f"COALESCE(list_position(list_transform({units}, lambda u: lower(u)), lower(trim({a[2].sql}))), 0) - 1"
        exponent = f"CASE WHEN trim({a[2].sql}) = '' THEN {auto} WHEN {unit} >= 0 THEN {unit} END"
    else:
        exponent = auto
    return (f"COALESCE((SELECT kq_real_str(round(__kq_v / pow(1024, __kq_e), __kq_d)) || ' ' || {units}[__kq_e + 1] "
            f"FROM (SELECT __kq_v, __kq_d, {exponent} AS __kq_e FROM (SELECT {size} AS __kq_v, {digits} AS __kq_d))), '')")


scalar("format_bytes", "number integer? string?", "string", _format_bytes)

# ---------------------------------------------------------------- identity of the session

scalar("new_guid", "", "guid", "gen_random_uuid()")
scalar("current_principal", "", "string", "'kqlite:local'",
       notes="kqlite has no accounts: the principal is always 'kqlite:local'")
scalar("current_principal_details", "", "dynamic",
       lambda a: """CAST('{"Type":"local","DisplayName":"kqlite","FQN":"kqlite:local"}' AS JSON)""",
       notes="kqlite has no accounts: a fixed local identity")
scalar("current_cluster_endpoint", "", "string", "'localhost'",
       notes="kqlite runs in-process: the endpoint is always 'localhost'")
scalar("current_database", "", "string", "'kqlite'", notes="the in-process database is named 'kqlite'")

# ---------------------------------------------------------------- estimate_data_size (a binder special form)

_FIXED_SIZE = {"bool": 1, "int": 4, "long": 8, "real": 8, "datetime": 8, "timespan": 8, "decimal": 16, "guid": 16}


def data_size_sql(columns: list[tuple[str, str]]) -> str:
    """The estimated bytes of one row's values: fixed sizes by type, UTF-8 length for text."""
    terms = []
    for sql, kql_type in columns:
        if kql_type in _FIXED_SIZE:
            terms.append(str(_FIXED_SIZE[kql_type]))
        elif kql_type == "string":
            terms.append(f"octet_length(encode({sql}))")
        else:  # dynamic: its JSON text
            terms.append(f"COALESCE(octet_length(encode(CAST({sql} AS VARCHAR))), 0)")
    return "CAST(" + (" + ".join(terms) or "0") + " AS BIGINT)"

# ---------------------------------------------------------------- regex_quote, replace_strings

# Kusto's regexes are RE2, whose QuoteMeta escapes every ASCII character but letters, digits and
# '_' (non-ASCII characters stay as they are)
scalar("regex_quote", "string", "string",
       lambda a: rf"regexp_replace({a[0].sql}, '([^A-Za-z0-9_\x{{80}}-\x{{10FFFF}}])', '\\\1', 'g')")


def _string_items(array: str) -> str:
    """The elements of a dynamic array as VARCHAR[], NULL for each element that is not a string."""
    return (f"COALESCE(list_transform(CAST(json_extract({array}, '$[*]') AS JSON[]), "
            f"lambda e: CASE WHEN json_type(e) = 'VARCHAR' THEN json_extract_string(e, '$') END), [])")


def _replace_strings(a: Sequence[Arg]) -> str:
    # The reference page: matches do not overlap and an earlier lookup takes precedence over a
    # later one wherever they overlap, even when the later one starts first ('is' before 'This'
    # turns "This" into "Thwas"). So the lookups claim text one after another: each takes its
    # left-to-right occurrences that overlap nothing claimed before. A claimed match whose rewrite
    # is not a string keeps its text.
    match = "STRUCT(s BIGINT, e BIGINT, r VARCHAR)"
    claim = ("lambda st, p: CASE WHEN p >= st['nxt'] AND substring(__kq_t, p, length(__kq_lk[k])) = __kq_lk[k] "
             "AND len(list_filter(st['ms'], lambda m: m['s'] < p + length(__kq_lk[k]) AND p < m['e'])) = 0 "
             "THEN {'nxt': p + length(__kq_lk[k]), 'ms': list_append(st['ms'], {'s': p, 'e': p + length(__kq_lk[k]), 'r': __kq_rw[k]})} "
             "ELSE st END")
    per_lookup = (f"lambda acc, k: CASE WHEN __kq_lk[k] IS NULL OR __kq_lk[k] = '' THEN acc ELSE "
                  f"list_reduce(range(1, length(__kq_t) + 1), {claim}, {{'nxt': 1, 'ms': acc}}).ms END")
    claimed = f"list_sort(list_reduce(range(1, len(__kq_lk) + 1), {per_lookup}, CAST([] AS {match}[])))"
    splice = ("lambda st, m: {'pos': m['e'], 'out': st['out'] || substring(__kq_t, st['pos'], m['s'] - st['pos']) "
              "|| COALESCE(m['r'], substring(__kq_t, m['s'], m['e'] - m['s']))}")
    spliced = f"list_reduce({claimed}, {splice}, {{'pos': CAST(1 AS BIGINT), 'out': ''}})"
    return (f"(SELECT __kq_sp.out || substring(__kq_t, __kq_sp.pos) FROM (SELECT {spliced} AS __kq_sp, __kq_t FROM "
            f"(SELECT {a[0].sql} AS __kq_t, {_string_items(a[1].sql)} AS __kq_lk, {_string_items(a[2].sql)} AS __kq_rw)))")


scalar("replace_strings", "string dynamic dynamic", "string", _replace_strings)

# ---------------------------------------------------------------- parse_command_line
# The page: the "windows" parser splits the way CommandLineToArgvW does. The program name (the
# first argument) ends at the first space or tab, or at its closing quote when it starts with one,
# and takes backslashes and quotes as they are. Later arguments: 2n backslashes and a quote give n
# backslashes and open or close quoting; 2n+1 backslashes and a quote give n backslashes and a
# literal quote; other backslashes are literal; inside quotes "" gives a literal quote, and three
# quotes in a run give one quote and close quoting. One character at a time, as a list_reduce over
# a state: the arguments so far, the current one, whether it has started, the quote count, the
# backslashes just before, whether the last character was a quote (a run of quotes), and whether
# the program name is being read (quoted or not).

_STATE_FIELDS = ("args", "cur", "st", "q", "b", "run", "first", "fq")
_BLANK = "(c = ' ' OR c = chr(9))"
_APPEND_C = "s['cur'] || c"  # the current argument with this character added
_NEXT_Q = "s['q'] + 1"


def _state(**changes: str) -> str:
    return "{" + ", ".join(f"'{f}': " + changes.get(f, "s['" + f + "']") for f in _STATE_FIELDS) + "}"


def _command_line_step() -> str:
    q0 = "(CASE WHEN s['run'] AND s['q'] = 2 THEN 0 ELSE s['q'] END)"  # a run of quotes that ended on two closes quoting
    end_name = _state(args="list_append(s['args'], s['cur'])", cur="''", st="false", first="false")
    close_run = _state(cur="s['cur'] || '\"'", q="0")  # the third quote in a run: a literal quote, quoting closed
    branches = [
        ("s['first'] AND NOT s['st'] AND c = '\"'", _state(st="true", fq="true")),
        ("s['first'] AND s['fq']", f"CASE WHEN c = '\"' THEN {end_name} ELSE {_state(cur=_APPEND_C)} END"),
        ("s['first']", f"CASE WHEN {_BLANK} THEN {end_name} ELSE {_state(cur=_APPEND_C, st='true')} END"),
        ("s['run'] AND c = '\"'", f"CASE WHEN s['q'] + 1 = 3 THEN {close_run} "
                               f"ELSE {_state(q=_NEXT_Q)} END"),
        (f"{_BLANK} AND {q0} = 0", _state(args="CASE WHEN s['st'] THEN list_append(s['args'], s['cur']) ELSE s['args'] END",
                                          cur="''", st="false", q="0", b="0", run="false")),
        ("c = '\\'", _state(cur="s['cur'] || c", b="s['b'] + 1", st="true", q=q0, run="false")),
        ("c = '\"' AND s['b'] % 2 = 0", _state(cur="left(s['cur'], length(s['cur']) - s['b'] // 2)", q="s['q'] + 1", b="0",
                                            run="true", st="true")),
        ("c = '\"'", _state(cur="left(s['cur'], length(s['cur']) - s['b'] // 2 - 1) || '\"'", b="0", run="true", st="true")),
    ]
    cases = " ".join(f"WHEN {cond} THEN {value}" for cond, value in branches)
    return f"lambda s, c: CASE {cases} ELSE {_state(cur=_APPEND_C, b='0', st='true', q=q0, run='false')} END"


def _parse_command_line(a: Sequence[Arg]) -> str:
    text, parser = a
    if parser.is_const and str(parser.value).lower() != "windows":
        raise KqlTypeError(f"parse_command_line() knows the parser type 'windows' only, not '{parser.value}'")
    chars = "list_transform(range(1, length(__kq_t) + 1), lambda i: substring(__kq_t, i, 1))"
    start = ("{'args': CAST([] AS VARCHAR[]), 'cur': '', 'st': false, 'q': CAST(0 AS INTEGER), "
             "'b': CAST(0 AS INTEGER), 'run': false, 'first': true, 'fq': false}")
    return (f"(SELECT CASE WHEN lower(__kq_p) = 'windows' THEN CAST(to_json(CASE WHEN __kq_r.st THEN list_append(__kq_r.args, __kq_r.cur) "
            f"ELSE __kq_r.args END) AS JSON) END FROM (SELECT list_reduce({chars}, {_command_line_step()}, {start}) AS __kq_r, __kq_p "
            f"FROM (SELECT {text.sql} AS __kq_t, {parser.sql} AS __kq_p)))")


scalar("parse_command_line", "string string", "dynamic", _parse_command_line)
