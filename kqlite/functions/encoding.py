"""Encodings and hashes: base64_*, url_encode/url_decode, unicode code points, hash_md5/sha1/sha256,
tohex, string_size, isascii, isutf8.

Text is UTF-8 (DuckDB VARCHAR), as Kusto encodes strings for base64 and the hashes. Non-string
arguments are hashed or encoded through tostring(), which is what Kusto does
(hash_md5(datetime(2020-01-01)) is the MD5 of "2020-01-01T00:00:00.0000000Z").
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import KqlUnsupportedError
from .registry import DOCS, Arg, scalar


def _once(body: str):
    """A builder for `body` over the argument as `kq_once`, evaluated once. DuckDB refuses try() around
    a subquery or a volatile function (url_decode(new_guid())); a lambda's parameter is neither."""
    return lambda a: f"list_transform([{a[0].sql}], lambda kq_once: {body})[1]"


# ---------------------------------------------------------------- base64

scalar("base64_encode_tostring", "string", "string", "to_base64(encode({0}))", aliases=("base64_encodestring",))
# text that is not base64, or whose bytes are not UTF-8, decodes to the empty string
scalar("base64_decode_tostring", "string", "string", _once("COALESCE(try(decode(from_base64(kq_once))), '')"),
       aliases=("base64_decodestring",))
scalar("base64_decode_toarray", "string", "dynamic",
       _once("CAST(to_json(kq_blob_bytes(try(from_base64(kq_once)))) AS JSON)"))


def _encode_fromarray(a: Sequence[Arg]) -> str:
    items = f"TRY_CAST(json_extract_string({a[0].sql}, '$[*]') AS BIGINT[])"
    hex_text = f"array_to_string(list_transform({items}, lambda v: CASE WHEN v BETWEEN 0 AND 255 THEN lpad(hex(v), 2, '0') END), '')"
    valid = f"(json_type({a[0].sql}) = 'ARRAY' AND NOT list_bool_or(list_transform({items}, lambda v: v IS NULL OR v < 0 OR v > 255)))"
    return f"COALESCE(CASE WHEN {valid} THEN to_base64(unhex({hex_text})) END, '')"


scalar("base64_encode_fromarray", "dynamic", "string", _encode_fromarray,
       notes="an array holding anything but integers 0..255 gives the empty string")
scalar("base64_encode_fromguid", "guid", "string",
       "to_base64(unhex(kq_guid_hex_le(replace(CAST({0} AS VARCHAR), '-', ''))))")
scalar("base64_decode_toguid", "string", "guid",
       _once("list_transform([try(from_base64(kq_once))], lambda kq_b: CASE WHEN octet_length(kq_b) = 16 "
             "THEN CAST(kq_guid_hex_le(lower(hex(kq_b))) AS UUID) END)[1]"),
       notes="bytes in .NET Guid order (first three fields little-endian), the inverse of base64_encode_fromguid; "
             "the docs page prints 754c for the third group of its example where .NET gives 4c75")

# ---------------------------------------------------------------- URLs

scalar("url_encode", "string", "string", "kq_url_encode({0}, '+')")
scalar("url_encode_component", "string", "string", "kq_url_encode({0}, '%20')")
# '+' is a space (form encoding); an escape that does not decode to UTF-8 leaves the text as it is
scalar("url_decode", "string", "string", _once("COALESCE(try(url_decode(replace(kq_once, '+', ' '))), kq_once)"))

# ---------------------------------------------------------------- code points and bytes

scalar("unicode_codepoints_from_string", "string", "dynamic",
       "CAST(to_json(CASE WHEN {0} = '' THEN [] ELSE list_transform(string_split({0}, ''), lambda c: CAST(unicode(c) AS BIGINT)) END) AS JSON)",
       aliases=("to_utf8",))


def _codepoints(x: Arg) -> str:
    """A code-point argument as a BIGINT[]: an array's items, or the number itself."""
    if x.type == "dynamic":
        return (f"CASE WHEN json_type({x.sql}) = 'ARRAY' THEN TRY_CAST(json_extract_string({x.sql}, '$[*]') AS BIGINT[]) "
                f"ELSE [TRY_CAST(json_extract_string({x.sql}, '$') AS BIGINT)] END")
    return f"[CAST({x.sql} AS BIGINT)]"


def _chars(points: str) -> str:
    return f"array_to_string(list_transform({points}, lambda v: try(chr(CAST(v AS INTEGER)))), '')"


scalar("unicode_codepoints_to_string", "dynamic", "string",
       lambda a: f"COALESCE({_chars(_codepoints(a[0]))}, '')")


def _make_string(a: Sequence[Arg]) -> str:
    for x in a:
        if x.type not in ("int", "long", "dynamic"):
            from ..errors import KqlTypeError

            raise KqlTypeError(f"make_string() takes integers or dynamic arrays of integers, not {x.type}")
    points = _codepoints(a[0]) if len(a) == 1 else "list_concat(" + ", ".join(_codepoints(x) for x in a) + ")"
    return f"COALESCE({_chars(points)}, '')"


scalar("make_string", "any any*", "string", _make_string)
scalar("string_size", "string", "long", "CAST(octet_length(encode({0})) AS BIGINT)")
scalar("isascii", "string", "bool", "regexp_full_match({0}, '[\\x00-\\x7F]*')")
scalar("isutf8", "string", "bool", "({0} IS NOT NULL)",
       notes="kqlite strings are always valid UTF-8, so this is true for every string")


def _tohex(a: Sequence[Arg]) -> str:
    x = a[0]
    digits = f"lower(hex(CAST({x.sql} AS BIGINT)))"
    if x.type == "int":  # a negative int is its 32-bit two's complement
        digits = f"CASE WHEN {x.sql} < 0 THEN right({digits}, 8) ELSE {digits} END"
    if len(a) > 1:
        width = f"least(greatest(CAST({a[1].sql} AS BIGINT), 0), 16)"
        digits = f"lpad({digits}, CAST(greatest({width}, length({digits})) AS INTEGER), '0')"
    return f"COALESCE({digits}, '')"


scalar("tohex", "integer integer?", "string", _tohex)

# ---------------------------------------------------------------- cryptographic hashes (of tostring(x))

scalar("hash_md5", "string", "string", "md5({0})")
scalar("hash_sha1", "string", "string", "sha1({0})")
scalar("hash_sha256", "string", "string", "sha256({0})")

# ---------------------------------------------------------------- xxhash64


def _xxhash64(a: Sequence[Arg]) -> str:
    """hash(x[, mod]): XXH64 (seed 0) of the value's bytes, as a signed long."""
    x = a[0]
    if x.type == "string":
        value = f"kq_xxh64(hex(encode({x.sql})))"
    elif x.type == "datetime":  # the 8 little-endian bytes of its ticks (checked against the docs' example)
        ticks = f"lpad(hex(CAST(epoch_us({x.sql}) * 10 + 621355968000000000 AS BIGINT)), 16, '0')"
        value = f"kq_xxh64(array_to_string(list_reverse(regexp_extract_all({ticks}, '..')), ''))"
    else:
        raise KqlUnsupportedError(
            f"hash() of a {x.type} value is not supported: kqlite reproduces Kusto's xxhash64 exactly only for "
            "string and datetime values", hints=[f"{DOCS}hash-function", "hash(tostring(x)) hashes the text form"])
    if len(a) > 1:  # the remainder of the unsigned 64-bit hash
        unsigned = f"(CAST({value} AS HUGEINT) + CASE WHEN {value} < 0 THEN CAST('18446744073709551616' AS HUGEINT) ELSE 0 END)"
        return f"CAST({unsigned} % CAST({a[1].sql} AS HUGEINT) AS BIGINT)"
    return value


scalar("hash", "any integer?", "long", _xxhash64,
       notes="string and datetime arguments only (other types are unsupported); with mod, the unsigned hash's remainder")
scalar("hash_xxhash64", "any integer?", "long", _xxhash64, notes="as hash()")
