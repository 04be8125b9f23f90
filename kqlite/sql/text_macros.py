"""DuckDB macros for Kusto's string, encoding and IP-address functions (kqlite/functions/strings.py,
encoding.py, network.py). Installed next to kqlite/sql/macros.py's on every connection.

A macro argument is re-evaluated at each use, so macros that use a value many times take it
through a one-row subquery (`SELECT ... FROM (SELECT f(x) AS __kq_v)`) to compute it once. The
subquery's columns are named __kq_*: a FROM-less SELECT resolves a user column named like one of its
own aliases to that alias (tests/test_internal_aliases.py).
"""

from __future__ import annotations

# .NET's HttpUtility.UrlEncode keeps letters, digits and -_.!*() and writes other bytes as
# lowercase %xx of their UTF-8 encoding; `space` is '+' (url_encode) or '%20' (url_encode_component)
_URL_ENCODE = """kq_url_encode(s, space) AS array_to_string(list_transform(string_split(s, ''), lambda c:
        CASE WHEN regexp_full_match(c, '[A-Za-z0-9_.!*()-]') THEN c WHEN c = ' ' THEN space
             ELSE regexp_replace(lower(hex(encode(c))), '(..)', '%\\1', 'g') END), '')"""

# bytes of a BLOB as a list of 0..255 integers
_BLOB_BYTES = """kq_blob_bytes(b) AS list_transform(range(octet_length(b)),
        lambda i: CAST(('0x' || substr(hex(b), CAST(2 * i + 1 AS BIGINT), 2)) AS BIGINT))"""

# a GUID's 16 bytes in .NET's order (Guid.ToByteArray: the first three fields little-endian), as hex
_GUID_HEX_LE = """kq_guid_hex_le(h) AS substr(h, 7, 2) || substr(h, 5, 2) || substr(h, 3, 2) || substr(h, 1, 2)
        || substr(h, 11, 2) || substr(h, 9, 2) || substr(h, 15, 2) || substr(h, 13, 2) || substr(h, 17)"""

# the first `needle` in `len` characters of s from position pos (zero-based; len -1: to the end), or -1
_INDEXOF_FROM = """kq_indexof_from(s, needle, pos, len) AS CASE
        WHEN pos > length(s) OR strpos(kq_window(s, pos, len), needle) = 0 THEN -1
        ELSE strpos(kq_window(s, pos, len), needle) - 1 + pos END"""
_WINDOW = """kq_window(s, pos, len) AS CASE WHEN len = -1 THEN substring(s, pos + 1) ELSE substring(s, pos + 1, len) END"""

# number text as Kusto's conversions accept it (a sign, digits, a fraction, an exponent; spaces around)
_NUMBER_TEXT = (
    """kq_int_text(s) AS regexp_full_match(trim(s), '[+-]?\\d+')""",
    """kq_num_text(s) AS regexp_full_match(trim(s), '[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?')""",
)

_IPV4 = (
    # an IPv4 address with an optional /prefix -> {num, prefix} (num not masked), NULL when invalid
    """kq_ip4_parts(p) AS CASE WHEN p.a <> '' AND TRY_CAST(p.a AS BIGINT) <= 255 AND TRY_CAST(p.b AS BIGINT) <= 255
            AND TRY_CAST(p.c AS BIGINT) <= 255 AND TRY_CAST(p.d AS BIGINT) <= 255
            AND (p.m = '' OR TRY_CAST(p.m AS BIGINT) <= 32)
        THEN {'num': ((TRY_CAST(p.a AS BIGINT) * 256 + TRY_CAST(p.b AS BIGINT)) * 256 + TRY_CAST(p.c AS BIGINT)) * 256
                     + TRY_CAST(p.d AS BIGINT),
              'prefix': CASE WHEN p.m = '' THEN 32 ELSE TRY_CAST(p.m AS BIGINT) END} END""",
    """kq_ip4(s) AS (SELECT kq_ip4_parts(__kq_p) FROM (SELECT regexp_extract(trim(s),
        '^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?$', ['a', 'b', 'c', 'd', 'm']) AS __kq_p))""",
    # the address with all but its `bits` high bits cleared
    """kq_ip4_mask(num, bits) AS (num // CAST(pow(2, 32 - bits) AS BIGINT)) * CAST(pow(2, 32 - bits) AS BIGINT)""",
    """kq_ip4_text(num) AS CAST(num // 16777216 AS VARCHAR) || '.' || CAST((num // 65536) % 256 AS VARCHAR) || '.'
        || CAST((num // 256) % 256 AS VARCHAR) || '.' || CAST(num % 256 AS VARCHAR)""",
    # compare two parsed addresses over the shortest of their prefixes and `bits`: -1, 0, 1
    """kq_ip4_cmp(x, y, bits) AS CASE WHEN x IS NULL OR y IS NULL OR bits IS NULL OR bits < 0 OR bits > 32 THEN NULL
        ELSE sign(kq_ip4_mask(x.num, least(x.prefix, y.prefix, bits))
                  - kq_ip4_mask(y.num, least(x.prefix, y.prefix, bits))) END""",
    """kq_ip4_in_range(x, r) AS CASE WHEN x IS NULL OR r IS NULL THEN NULL
        ELSE kq_ip4_mask(x.num, least(x.prefix, r.prefix)) = kq_ip4_mask(r.num, least(x.prefix, r.prefix)) END""",
)

_IPV6 = (
    # IPv6 text (optionally with an embedded IPv4 tail and a /prefix) -> {groups: 8 x 0..65535, prefix}.
    # '::' is expanded by counting the groups on each side; an IPv4 tail counts as two groups.
    """kq_ip6_groups(h) AS list_transform(h, lambda g: TRY_CAST(('0x' || g) AS BIGINT))""",
    """kq_ip6_v4tail(t) AS CASE WHEN t = '' THEN [] ELSE (SELECT CASE WHEN __kq_v IS NULL THEN [-1]
        ELSE [__kq_v.num // 65536, __kq_v.num % 65536] END FROM (SELECT kq_ip4(t) AS __kq_v)) END""",
    """kq_ip6_side(s) AS CASE WHEN s = '' THEN [] ELSE string_split(s, ':') END""",
    """kq_ip6_from(addr, m) AS (SELECT CASE
            WHEN list_bool_or(list_transform(__kq_nums, lambda g: g IS NULL OR g < 0 OR g > 65535)) THEN NULL
            WHEN NOT regexp_full_match(m, '\\d{0,3}') OR (m <> '' AND TRY_CAST(m AS BIGINT) > 128) THEN NULL
            WHEN (__kq_has_gap AND len(__kq_nums) < 8) OR (NOT __kq_has_gap AND len(__kq_nums) = 8)
            THEN {'groups': CASE WHEN __kq_has_gap THEN list_concat(__kq_left_nums, list_transform(range(8 - len(__kq_nums)), lambda i: 0),
                                                               __kq_right_nums) ELSE __kq_nums END,
                  'prefix': CASE WHEN m = '' THEN 128 ELSE TRY_CAST(m AS BIGINT) END} END
        FROM (SELECT __kq_has_gap, __kq_left_nums, __kq_right_nums, list_concat(__kq_left_nums, __kq_right_nums) AS __kq_nums FROM (
            SELECT __kq_has_gap, kq_ip6_groups(kq_ip6_side(CASE WHEN __kq_has_gap THEN split_part(__kq_hex, '::', 1) ELSE '' END)) AS __kq_left_nums,
                   list_concat(kq_ip6_groups(kq_ip6_side(CASE WHEN __kq_has_gap THEN split_part(__kq_hex, '::', 2) ELSE __kq_hex END)),
                               kq_ip6_v4tail(__kq_tail)) AS __kq_right_nums
            FROM (SELECT __kq_tail, contains(__kq_hex, '::') AS __kq_has_gap, __kq_hex FROM (
                SELECT __kq_tail, CASE WHEN __kq_tail <> '' AND suffix(__kq_hexcolon, ':') AND NOT suffix(__kq_hexcolon, '::')
                                  THEN left(__kq_hexcolon, length(__kq_hexcolon) - 1) ELSE __kq_hexcolon END AS __kq_hex
                FROM (SELECT __kq_tail, left(addr, length(addr) - length(__kq_tail)) AS __kq_hexcolon FROM (
                    SELECT regexp_extract(addr, '(\\d+\\.\\d+\\.\\d+\\.\\d+)$', 1) AS __kq_tail)))))))""",
    """kq_ip6(s) AS (SELECT CASE
            WHEN __kq_v4 IS NULL AND regexp_full_match(__kq_t, '[0-9A-Fa-f:.]+(/\\d+)?') AND contains(__kq_t, ':')
                 AND NOT regexp_matches(__kq_t, ':::|[0-9A-Fa-f]{5}') AND length(__kq_t) - length(replace(__kq_t, '::', '')) <= 2
                 AND NOT regexp_matches(__kq_t, '^:[^:]|[^:]:$|^:$')
            THEN kq_ip6_from(split_part(__kq_t, '/', 1), CASE WHEN contains(__kq_t, '/') THEN split_part(__kq_t, '/', 2) ELSE '' END)
            WHEN __kq_v4 IS NOT NULL
            THEN {'groups': [0, 0, 0, 0, 0, 65535, __kq_v4.num // 65536, __kq_v4.num % 65536], 'prefix': 96 + __kq_v4.prefix}
            END FROM (SELECT __kq_t, kq_ip4(regexp_replace(__kq_t, '^::(?:[fF]{4}:)?', '')) AS __kq_v4 FROM (SELECT trim(s) AS __kq_t)))""",
    # the groups with all but the `bits` high bits cleared
    """kq_ip6_mask(groups, bits) AS list_transform(range(8), lambda i: CASE
        WHEN bits >= (i + 1) * 16 THEN groups[i + 1]
        WHEN bits <= i * 16 THEN 0
        ELSE (groups[i + 1] // CAST(pow(2, (i + 1) * 16 - bits) AS BIGINT)) * CAST(pow(2, (i + 1) * 16 - bits) AS BIGINT)
        END)""",
    """kq_ip6_text(groups) AS array_to_string(list_transform(groups, lambda g: lpad(lower(hex(g)), 4, '0')), ':')""",
    """kq_ip6_cmp(x, y, bits) AS CASE WHEN x IS NULL OR y IS NULL OR bits IS NULL OR bits < 0 OR bits > 128 THEN NULL
        WHEN kq_ip6_mask(x.groups, least(x.prefix, y.prefix, bits)) < kq_ip6_mask(y.groups, least(x.prefix, y.prefix, bits))
        THEN -1
        WHEN kq_ip6_mask(x.groups, least(x.prefix, y.prefix, bits)) > kq_ip6_mask(y.groups, least(x.prefix, y.prefix, bits))
        THEN 1 ELSE 0 END""",
    """kq_ip6_in_range(x, r) AS CASE WHEN x IS NULL OR r IS NULL THEN NULL
        ELSE kq_ip6_mask(x.groups, least(x.prefix, r.prefix)) = kq_ip6_mask(r.groups, least(x.prefix, r.prefix)) END""",
)

# XXH64 (seed 0) over bytes given as hex text, in UBIGINT arithmetic: products and sums are taken
# in UHUGEINT and masked to 64 bits, as the algorithm's wrap-around needs (a mask, not % 2^64: 128-bit
# division is ~10x slower). A macro argument is repeated at every use, so a value used twice is bound
# by a one-element lambda (`_let`; correlated subqueries were ~100x slower), and the input's 8-byte
# words are read once into a list. Lambda parameter names are unique because nested macros share
# one scope, and struct fields are read as s['f'] (a column named like the parameter would shadow s.f).
_P1, _P2, _P3, _P4, _P5 = (11400714785074694791, 14029467366897019727, 1609587929392839161,
                           9650029242287828579, 2870177450012600261)


def _let(value: str, name: str, body: str) -> str:
    return f"list_transform([{value}], lambda {name}: {body})[1]"


def _le_bytes(count: int) -> str:
    """kq_le<count>(h, o): the little-endian word of `count` bytes at byte offset o of the hex text h
    (read big-endian as one number, then byte-swapped: ~2x faster than joining the bytes as text)."""
    big_endian = f"CAST('0x' || substr(h, CAST(2 * o + 1 AS BIGINT), {2 * count}) AS UBIGINT)"
    if count == 1:
        return f"kq_le1(h, o) AS {big_endian}"
    swapped = " | ".join(f"(((xl_x >> {8 * k}) & 255) << {8 * (count - 1 - k)})" for k in range(count))
    return f"kq_le{count}(h, o) AS " + _let(big_endian, "xl_x", swapped)


# the four lanes over each 32-byte stripe of the words w, then merged into one value
_STRIPES = _let(
    f"""list_reduce(range(n // 32), lambda xs_acc, xs_i: {{
        'v1': kq_xxh_round(xs_acc['v1'], w[xs_i * 4 + 1]), 'v2': kq_xxh_round(xs_acc['v2'], w[xs_i * 4 + 2]),
        'v3': kq_xxh_round(xs_acc['v3'], w[xs_i * 4 + 3]), 'v4': kq_xxh_round(xs_acc['v4'], w[xs_i * 4 + 4])}},
        {{'v1': CAST({(_P1 + _P2) % 2**64} AS UBIGINT), 'v2': CAST({_P2} AS UBIGINT), 'v3': CAST(0 AS UBIGINT),
          'v4': CAST({2**64 - _P1} AS UBIGINT)}})""",
    "xs_v",
    """kq_xxh_merge(kq_xxh_merge(kq_xxh_merge(kq_xxh_merge(
        kq_add64(kq_add64(kq_rotl64(xs_v['v1'], 1), kq_rotl64(xs_v['v2'], 7)),
                 kq_add64(kq_rotl64(xs_v['v3'], 12), kq_rotl64(xs_v['v4'], 18))),
        xs_v['v1']), xs_v['v2']), xs_v['v3']), xs_v['v4'])""")

_AVALANCHE = _let(f"kq_mul64(xor(xa_x, xa_x >> 33), {_P2})", "xa_b",
                  _let(f"kq_mul64(xor(xa_b, xa_b >> 29), {_P3})", "xa_c", "xor(xa_c, xa_c >> 32)"))

_XXH64 = (
    "kq_u64(x) AS CAST(x & CAST('18446744073709551615' AS UHUGEINT) AS UBIGINT)",
    "kq_mul64(a, b) AS kq_u64(CAST(a AS UHUGEINT) * CAST(b AS UHUGEINT))",
    "kq_add64(a, b) AS kq_u64(CAST(a AS UHUGEINT) + CAST(b AS UHUGEINT))",
    "kq_rotl64(x, r) AS kq_u64(CAST(x AS UHUGEINT) << r) | (CAST(x AS UBIGINT) >> (64 - r))",
    f"kq_xxh_round(acc, v) AS kq_mul64(kq_rotl64(kq_add64(acc, kq_mul64(v, {_P2})), 31), {_P1})",
    f"kq_xxh_merge(acc, v) AS kq_add64(kq_mul64(xor(acc, kq_xxh_round(0, v)), {_P1}), {_P4})",
    _le_bytes(4), _le_bytes(1),
    f"kq_xxh_stripes(w, n) AS CASE WHEN n < 32 THEN CAST({_P5} AS UBIGINT) ELSE {_STRIPES} END",
    # the 8-byte words after the last whole stripe
    f"""kq_xxh_words(w, n, acc) AS list_reduce(list_slice(w, (n // 32) * 4 + 1, n // 8), lambda xw_h, xw_v:
        kq_add64(kq_mul64(kq_rotl64(xor(xw_h, kq_xxh_round(0, xw_v)), 27), {_P1}), {_P4}), acc)""",
    "kq_xxh_half(h, n, acc) AS CASE WHEN n % 8 >= 4 THEN " + _let(
        f"xor(acc, kq_mul64(kq_le4(h, (n // 8) * 8), {_P1}))", "xh_x",
        f"kq_add64(kq_mul64(kq_rotl64(xh_x, 23), {_P2}), {_P3})") + " ELSE acc END",
    f"""kq_xxh_bytes(h, n, acc) AS list_reduce(list_transform(range(n % 4), lambda xb_k: kq_le1(h, (n // 4) * 4 + xb_k)),
        lambda xb_h, xb_v: kq_mul64(kq_rotl64(xor(xb_h, kq_mul64(xb_v, {_P5})), 11), {_P1}), acc)""",
    "kq_xxh_avalanche(x) AS " + _let("x", "xa_x", _AVALANCHE),
    "kq_xxh_hex(h, n, w) AS kq_xxh_avalanche(kq_xxh_bytes(h, n, kq_xxh_half(h, n, kq_xxh_words(w, n, "
    "kq_add64(kq_xxh_stripes(w, n), n)))))",
    # the hash of the bytes written as hex text, as Kusto shows it: a signed long
    "kq_xxh64(hex_bytes) AS " + _let(
        "{'h': hex_bytes, 'n': length(hex_bytes) // 2}", "xr_in",
        _let("kq_xxh_hex(xr_in['h'], xr_in['n'], list_transform(list_transform(range(xr_in['n'] // 8), "
             "lambda xr_i: CAST('0x' || substr(xr_in['h'], xr_i * 16 + 1, 16) AS UBIGINT)), lambda xr_x: "
             + " | ".join(f"(((xr_x >> {8 * k}) & 255) << {8 * (7 - k)})" for k in range(8)) + "))",
             "xr", """CASE WHEN xr >= CAST('9223372036854775808' AS UBIGINT)
            THEN CAST(CAST(xr AS HUGEINT) - CAST('18446744073709551616' AS HUGEINT) AS BIGINT) ELSE CAST(xr AS BIGINT) END""")),
)

MACROS: tuple[str, ...] = (*_NUMBER_TEXT, _URL_ENCODE, _WINDOW, _INDEXOF_FROM, _BLOB_BYTES, _GUID_HEX_LE, *_IPV4, *_IPV6, *_XXH64)
