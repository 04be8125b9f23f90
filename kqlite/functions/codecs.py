"""Text codecs run in Python: gzip/zlib to and from base64, punycode (text and domain names),
parse_xml and parse_user_agent.

Each is a `kq_py_*` function (sql/python_functions.py) that the SQL calls per value; they give
null on bad input, which the builders turn into Kusto's answer (the empty string for the string
functions, null for the dynamic ones). The algorithms live in punycode.py, xml_to_dynamic.py and
user_agent.py; this module holds the compression and the registry entries.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import zlib
from collections.abc import Callable, Sequence

from ..errors import KqlTypeError, KqlUnsupportedError
from ..sql.python_functions import python_function
from ..sql.quote import quote_string
from . import punycode, user_agent, xml_to_dynamic
from .registry import DOCS, Arg, scalar

# Larger decompressed output gives the empty string: one short base64 string may inflate a
# thousandfold, and a query must not exhaust memory on it
MAX_DECOMPRESSED_BYTES = 128 * 1024 * 1024

# ---------------------------------------------------------------- gzip / zlib
# The docs' examples ("1234567890qwertyuiop") are stored, uncompressed deflate blocks: level 0 gives
# the same bytes. Kusto writes its own gzip header: no flags, mtime 0, XFL 0, OS 255 (unknown).
_LEVEL = 0
_GZIP_HEADER = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
_COMPRESS_NOTES = ("the bytes match the docs' example (deflate level 0, stored blocks); for inputs over 64 KB "
                   "Kusto's block boundaries are unverified; decompressing the result always gives the input back")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _from_b64(text: str | None) -> bytes | None:
    """Base64 as .NET's Convert.FromBase64String reads it: whitespace ignored, padding required. None for
    null, empty or malformed text."""
    if not text:
        return None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _inflate(data: bytes, wbits: int) -> bytes | None:
    """The whole compressed stream's content, or None when it is corrupt, cut short or too large."""
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, MAX_DECOMPRESSED_BYTES)
    if d.unconsumed_tail or not d.eof:
        return None
    return out


def _utf8(data: bytes | None) -> str:
    # bytes that are not UTF-8 give the empty string, as base64_decode_tostring does
    if data is None:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return ""


@python_function("kq_py_gzip_compress", ["VARCHAR"], "VARCHAR")
def gzip_compress(text: str | None) -> str:
    if not text:
        return ""
    data = text.encode("utf-8")
    deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return _b64(_GZIP_HEADER + body + trailer)


@python_function("kq_py_gzip_decompress", ["VARCHAR"], "VARCHAR")
def gzip_decompress(text: str | None) -> str:
    data = _from_b64(text)
    # the page: ID1, ID2 and CM are checked, FLG must be zero (no optional header fields)
    if data is None or len(data) < 10 or data[:3] != _GZIP_HEADER[:3] or data[3] != 0:
        return ""
    return _utf8(_inflate(data[10:], -15))


@python_function("kq_py_zlib_compress", ["VARCHAR"], "VARCHAR")
def zlib_compress(text: str | None) -> str:
    if not text:
        return ""
    return _b64(zlib.compress(text.encode("utf-8"), _LEVEL))


@python_function("kq_py_zlib_decompress", ["VARCHAR"], "VARCHAR")
def zlib_decompress(text: str | None) -> str:
    data = _from_b64(text)
    return "" if data is None else _utf8(_inflate(data, 15))  # the page: window size 15 only


def _string_call(py_name: str) -> Callable[[Sequence[Arg]], str]:
    """A builder calling a kq_py_ string function; its null (bad input) is Kusto's empty string."""
    return lambda a: f"COALESCE({py_name}({a[0].sql}), '')"


scalar("gzip_compress_to_base64_string", "string", "string", _string_call("kq_py_gzip_compress"),
       doc=f"{DOCS}gzip-base64-compress", notes=_COMPRESS_NOTES + "; the empty string gives the empty string")
scalar("gzip_decompress_from_base64_string", "string", "string", _string_call("kq_py_gzip_decompress"),
       doc=f"{DOCS}gzip-base64-decompress",
       notes="the trailer's CRC is not checked; output that is not UTF-8, or over 128 MB, gives the empty string")
scalar("zlib_compress_to_base64_string", "string", "string", _string_call("kq_py_zlib_compress"),
       doc=f"{DOCS}zlib-base64-compress-function", notes=_COMPRESS_NOTES + "; the empty string gives the empty string")
scalar("zlib_decompress_from_base64_string", "string", "string", _string_call("kq_py_zlib_decompress"),
       doc=f"{DOCS}zlib-base64-decompress-function",
       notes="output that is not UTF-8, or over 128 MB, gives the empty string")

# ---------------------------------------------------------------- punycode


def _punycode(convert: Callable[[str], str]) -> Callable[[str | None], str]:
    def run(text: str | None) -> str:
        if text is None:
            return ""
        try:
            return convert(text)
        except punycode.PunycodeError:
            return ""

    return run


python_function("kq_py_punycode_from_string", ["VARCHAR"], "VARCHAR")(_punycode(punycode.encode))
python_function("kq_py_punycode_to_string", ["VARCHAR"], "VARCHAR")(_punycode(punycode.decode))
# the names are Kusto's: domain_from_string decodes an "xn--" name, domain_to_string encodes one
python_function("kq_py_punycode_domain_from_string", ["VARCHAR"], "VARCHAR")(_punycode(punycode.decode_domain))
python_function("kq_py_punycode_domain_to_string", ["VARCHAR"], "VARCHAR")(_punycode(punycode.encode_domain))

for _name in ("punycode_from_string", "punycode_to_string", "punycode_domain_from_string", "punycode_domain_to_string"):
    scalar(_name, "string", "string", _string_call(f"kq_py_{_name}"))

# ---------------------------------------------------------------- parse_xml

python_function("kq_py_parse_xml", ["VARCHAR"], "VARCHAR")(xml_to_dynamic.xml_to_json)
scalar("parse_xml", "string", "dynamic", lambda a: f"CAST(kq_py_parse_xml({a[0].sql}) AS JSON)",
       notes="text that reads as a JSON number becomes a number, as in the page's example; text is trimmed as in "
             "the page's table; documents declaring entities give null")

# ---------------------------------------------------------------- parse_user_agent

python_function("kq_py_parse_user_agent", ["VARCHAR", "VARCHAR"], "VARCHAR")(user_agent.parse_user_agent_json)


def _parse_user_agent(a: Sequence[Arg]) -> str:
    ua, look_for = a
    if not user_agent.available():
        raise KqlUnsupportedError("parse_user_agent() needs the ua-parser package (pip install ua-parser)",
                                  hints=[f"{DOCS}parse-user-agent-function"])
    if look_for.type not in ("string", "dynamic"):
        raise KqlTypeError(f"parse_user_agent(): look-for must be a string or a dynamic array, not {look_for.type}")
    if look_for.is_const:
        bags = user_agent.targets_from(look_for.value)
        if bags is None:
            raise KqlTypeError('parse_user_agent(): look-for must be "browser", "os" or "device", '
                               "or a dynamic array of them")
        targets = quote_string(json.dumps(look_for.value))
    else:  # checked per row: names that are not look-for targets give null
        targets = f"CAST(to_json({look_for.sql}) AS VARCHAR)" if look_for.type == "string" else f"CAST({look_for.sql} AS VARCHAR)"
    return f"CAST(kq_py_parse_user_agent({ua.sql}, {targets}) AS JSON)"


scalar("parse_user_agent", "string any", "dynamic", _parse_user_agent,
       notes="uap-core's patterns (the ua-parser package), whose version may differ from Kusto's")
