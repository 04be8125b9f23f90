"""IPv4 and IPv6 functions: parse_ipv4, ipv4_compare, ipv4_is_in_range, parse_ipv6, ipv6_is_match ...

Addresses are parsed by the kq_ip4 / kq_ip6 macros (kqlite/sql/text_macros.py) into a number
(IPv4) or eight 16-bit groups (IPv6) plus the prefix written after '/'. Two addresses are compared
over the shortest of their prefixes and the optional prefix argument, as Kusto does. An IPv4
address given to an ipv6_* function is the IPv4-mapped address ::ffff:a.b.c.d, and its prefix
counts from bit 96.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import convert
from .registry import Arg, scalar

_NUMBERS = ("int", "long", "real", "decimal")


def _bits(a: Sequence[Arg], i: int, default: int) -> str:
    return f"CAST({a[i].sql} AS BIGINT)" if len(a) > i else str(default)


# ---------------------------------------------------------------- IPv4

scalar("parse_ipv4", "string", "long", "(SELECT kq_ip4_mask(__kq_v.num, __kq_v.prefix) FROM (SELECT kq_ip4({0}) AS __kq_v))")
scalar("parse_ipv4_mask", "string integer", "long",
       "(SELECT CASE WHEN __kq_m BETWEEN 0 AND 32 THEN kq_ip4_mask(__kq_v.num, least(__kq_v.prefix, __kq_m)) END "
       "FROM (SELECT kq_ip4({0}) AS __kq_v, CAST({1} AS BIGINT) AS __kq_m))")
scalar("ipv4_netmask_suffix", "string", "int", "CAST(kq_ip4({0}).prefix AS INTEGER)")
scalar("ipv4_compare", "string string integer?", "long",
       lambda a: f"CAST(kq_ip4_cmp(kq_ip4({a[0].sql}), kq_ip4({a[1].sql}), {_bits(a, 2, 32)}) AS BIGINT)",
       notes="returns long")
scalar("ipv4_is_match", "string string integer?", "bool",
       lambda a: f"(kq_ip4_cmp(kq_ip4({a[0].sql}), kq_ip4({a[1].sql}), {_bits(a, 2, 32)}) = 0)")
scalar("ipv4_is_in_range", "string string", "bool", "kq_ip4_in_range(kq_ip4({0}), kq_ip4({1}))")
scalar("ipv4_is_private", "string", "bool",
       "(SELECT kq_ip4_in_range(__kq_v, kq_ip4('10.0.0.0/8')) OR kq_ip4_in_range(__kq_v, kq_ip4('172.16.0.0/12'))"
       " OR kq_ip4_in_range(__kq_v, kq_ip4('192.168.0.0/16')) FROM (SELECT kq_ip4({0}) AS __kq_v))")


def _range_list(args: Sequence[Arg]) -> str:
    """The ranges of ipv*_is_in_any_range(ip, r1, r2, ...) or (ip, dynamic([r1, r2])) as a VARCHAR[]."""
    parts = [f"CAST(json_extract_string({x.sql}, '$[*]') AS VARCHAR[])" if x.type == "dynamic"
             else f"[{convert.to_string(x.sql, x.type)}]" for x in args]
    return parts[0] if len(parts) == 1 else f"list_concat({', '.join(parts)})"


def _in_any_range(family: str):
    def build(a: Sequence[Arg]) -> str:
        ip = f"kq_{family}({convert.to_string(a[0].sql, a[0].type)})"
        ranges = f"(SELECT kq_{family}(__kq_r) AS __kq_rr FROM unnest({_range_list(a[1:])}) AS __kq_u(__kq_r))"
        hits = f"(SELECT bool_or(kq_{family}_in_range(__kq_x, __kq_rr)) FROM {ranges})"
        return f"(SELECT CASE WHEN __kq_x IS NULL THEN NULL ELSE COALESCE({hits}, FALSE) END FROM (SELECT {ip} AS __kq_x))"
    return build


scalar("ipv4_is_in_any_range", "any any any*", "bool", _in_any_range("ip4"))


def _format_ipv4(with_mask: bool):
    def build(a: Sequence[Arg]) -> str:
        x = a[0]
        if x.type in _NUMBERS:
            parsed = (f"CASE WHEN CAST({x.sql} AS HUGEINT) BETWEEN 0 AND 4294967295 "
                      f"THEN {{'num': CAST({x.sql} AS BIGINT), 'prefix': 32}} END")
        else:
            parsed = f"kq_ip4({convert.to_string(x.sql, x.type)})"
        bits = "least(__kq_v.prefix, __kq_m)"
        text = f"kq_ip4_text(kq_ip4_mask(__kq_v.num, {bits}))" + (f" || '/' || CAST({bits} AS VARCHAR)" if with_mask else "")
        return (f"COALESCE((SELECT CASE WHEN __kq_m BETWEEN 0 AND 32 THEN {text} END "
                f"FROM (SELECT {parsed} AS __kq_v, {_bits(a, 1, 32)} AS __kq_m)), '')")
    return build


scalar("format_ipv4", "any integer?", "string", _format_ipv4(False))
scalar("format_ipv4_mask", "any integer?", "string", _format_ipv4(True))

# ---------------------------------------------------------------- IPv6
# kq_ip6 is a subquery, and DuckDB allows no subquery inside the lambdas that mask the groups:
# each builder parses its addresses once, as columns of a one-row subquery, and masks those


def _ip6_pair(test: str):
    """ipv6_compare / ipv6_is_match: `test` over kq_ip6_cmp of the two parsed addresses and the bits."""
    def build(a: Sequence[Arg]) -> str:
        return (f"(SELECT {test.format('kq_ip6_cmp(__kq_x, __kq_y, __kq_bits)')} FROM (SELECT kq_ip6({a[0].sql}) AS __kq_x, "
                f"kq_ip6({a[1].sql}) AS __kq_y, {_bits(a, 2, 128)} AS __kq_bits))")
    return build


scalar("parse_ipv6", "string", "string",
       "COALESCE((SELECT kq_ip6_text(kq_ip6_mask(__kq_v.groups, __kq_v.prefix)) FROM (SELECT kq_ip6({0}) AS __kq_v)), '')")
scalar("parse_ipv6_mask", "string integer", "string",
       "COALESCE((SELECT CASE WHEN __kq_m BETWEEN 0 AND 128 THEN kq_ip6_text(kq_ip6_mask(__kq_v.groups, least(__kq_v.prefix, __kq_m))) END "
       "FROM (SELECT kq_ip6({0}) AS __kq_v, CAST({1} AS BIGINT) AS __kq_m)), '')")
scalar("ipv6_compare", "string string integer?", "long", _ip6_pair("CAST({} AS BIGINT)"), notes="returns long")
scalar("ipv6_is_match", "string string integer?", "bool", _ip6_pair("({} = 0)"))
scalar("ipv6_is_in_range", "string string", "bool",
       "(SELECT kq_ip6_in_range(__kq_x, __kq_r) FROM (SELECT kq_ip6({0}) AS __kq_x, kq_ip6({1}) AS __kq_r))")
scalar("ipv6_is_in_any_range", "any any any*", "bool", _in_any_range("ip6"))


def _range_to_cidr_list(a: Sequence[Arg]) -> str:
    # greedy: from the start, the largest aligned block that does not pass the end, until the end
    block = "CAST(least(CASE WHEN st['pos'] = 0 THEN 32 ELSE CAST(log2(st['pos'] & -st['pos']) AS BIGINT) END, " \
            "CAST(floor(log2(__kq_hi - st['pos'] + 1)) AS BIGINT)) AS BIGINT)"
    step = (f"lambda st, i: CASE WHEN st['pos'] > __kq_hi THEN st ELSE {{'pos': st['pos'] + CAST(pow(2, {block}) AS BIGINT), "
            f"'out': list_append(st['out'], kq_ip4_text(st['pos']) || '/' || CAST(32 - {block} AS VARCHAR))}} END")
    blocks = f"list_reduce(range(64), {step}, {{'pos': __kq_lo, 'out': CAST([] AS VARCHAR[])}}).out"
    return (f"(SELECT CASE WHEN __kq_lo IS NOT NULL AND __kq_hi IS NOT NULL THEN CAST(to_json({blocks}) AS JSON) END "
            f"FROM (SELECT kq_ip4({a[0].sql}).num AS __kq_lo, kq_ip4({a[1].sql}).num AS __kq_hi))")


scalar("ipv4_range_to_cidr_list", "string string", "dynamic", _range_to_cidr_list,
       notes="the addresses' own /prefix suffixes are ignored")

# ---------------------------------------------------------------- has_ipv4 and friends
# An address in the text is a term: a run of letters, digits and dots between other characters,
# with its outer dots dropped ("... and 10.1.1.201."). Only a term that is a whole valid address
# counts, so '54127.0.0.1' holds no address and '127.0.0.256' holds none either.

_QUAD = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"
_PREFIX = r"(?:\d{1,3}\.){1,3}|\d{1,3}(?:\.\d{1,3}){3}"  # '192.', '192.168.', '192.168.1.' or a whole address


def _octets_ok(x: str) -> str:
    return f"list_max(list_transform(string_split({x}, '.'), lambda o: TRY_CAST(o AS INTEGER))) <= 255"


def _octet_key(x: str) -> str:
    """'010.1.' -> '10.1.': each octet as a number, ending with a dot, so a prefix test is starts_with."""
    dotted = f"string_split(rtrim({x}, '.'), '.')"
    return f"array_to_string(list_transform({dotted}, lambda o: CAST(TRY_CAST(o AS INTEGER) AS VARCHAR)), '.') || '.'"


def _has_ipv4(prefix: bool):
    wanted_shape = _PREFIX if prefix else _QUAD

    def build(a: Sequence[Arg]) -> str:
        terms = f"list_transform(string_split_regex({a[0].sql}, '[^A-Za-z0-9.]+'), lambda w: trim(w, '.'))"
        found = (f"list_transform(list_filter({terms}, lambda w: regexp_full_match(w, '{_QUAD}') AND {_octets_ok('w')}), "
                 f"lambda w: {_octet_key('w')})")
        targets = f"list_transform({_range_list(a[1:])}, lambda p: trim(p))"
        keys = (f"list_transform(list_filter({targets}, lambda p: regexp_full_match(p, '{wanted_shape}') "
                f"AND {_octets_ok('rtrim(p, ' + chr(39) + '.' + chr(39) + ')')}), lambda p: {_octet_key('p')})")
        return (f"(SELECT COALESCE(len(list_filter(__kq_found, lambda f: list_bool_or(list_transform(__kq_keys, "
                f"lambda k: starts_with(f, k))))) > 0, FALSE) FROM (SELECT {found} AS __kq_found, {keys} AS __kq_keys))")
    return build


scalar("has_ipv4", "string string", "bool", _has_ipv4(False))
scalar("has_ipv4_prefix", "string string", "bool", _has_ipv4(True))
scalar("has_any_ipv4", "string any any*", "bool", _has_ipv4(False))
scalar("has_any_ipv4_prefix", "string any any*", "bool", _has_ipv4(True))
