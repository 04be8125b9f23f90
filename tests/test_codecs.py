"""The Python halves of the text codecs (kqlite/functions/codecs.py, punycode.py, xml_to_dynamic.py):
properties the one-line checks in tests/functions/codecs.kqltests cannot state."""

from __future__ import annotations

import base64
import random
import zlib

import pytest

import kqlite
from kqlite.functions import codecs, punycode
from kqlite.functions.xml_to_dynamic import xml_to_json


def _random_text(rng: random.Random, size: int) -> str:
    alphabet = "abcXYZ-09 .\u00e9\u20ac\u827a\u672f\U0001f600\u00ff\u0100"
    chars = [rng.choice(alphabet) if rng.random() < 0.8 else chr(rng.randint(128, 0x2FFFF)) for _ in range(size)]
    return "".join(c for c in chars if not 0xD800 <= ord(c) <= 0xDFFF)


def test_punycode_agrees_with_pythons_codec():
    rng = random.Random(7)
    for _ in range(2000):
        text = _random_text(rng, rng.randint(0, 30))
        encoded = punycode.encode(text)
        assert encoded == text.encode("punycode").decode("ascii")
        assert punycode.decode(encoded) == text


def test_punycode_decoder_accepts_what_pythons_codec_accepts():
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice("abz09-AZ") for _ in range(rng.randint(0, 12)))
        try:
            expected = text.encode("ascii").decode("punycode")
        except UnicodeError:
            expected = None
        if expected is not None and any(0xD800 <= ord(c) <= 0xDFFF for c in expected):
            expected = None  # a surrogate is no text DuckDB can hold: kqlite calls it invalid
        try:
            actual = punycode.decode(text)
        except punycode.PunycodeError:
            actual = None
        assert actual == expected, text


def test_punycode_round_trips_many_distinct_characters():
    # Python's own codec is quadratic here (about 20 s); bench/bench_python_functions.py times ours
    text = "".join(chr(0x4E00 + i) for i in range(10_000))
    assert punycode.decode(punycode.encode(text)) == text


def test_punycode_decoder_refuses_endless_numbers():
    with pytest.raises(punycode.PunycodeError):
        punycode.decode("a-" + "9" * 100_000)


@pytest.mark.parametrize("compress,decompress", [
    (codecs.gzip_compress, codecs.gzip_decompress),
    (codecs.zlib_compress, codecs.zlib_decompress),
])
def test_decompress_inverts_compress(compress, decompress):
    rng = random.Random(3)
    for size in (1, 10, 1000, 65_535, 65_536, 200_000):
        text = _random_text(rng, size)
        assert decompress(compress(text)) == text


def test_decompression_bombs_give_the_empty_string(monkeypatch):
    monkeypatch.setattr(codecs, "MAX_DECOMPRESSED_BYTES", 1000)
    bomb = base64.b64encode(zlib.compress(b"0" * 1001, 9)).decode()
    assert codecs.zlib_decompress(bomb) == ""
    fits = base64.b64encode(zlib.compress(b"0" * 1000, 9)).decode()
    assert codecs.zlib_decompress(fits) == "0" * 1000


def test_xml_nested_too_deep_is_null_not_an_error():
    depth = 100_000
    assert xml_to_json("<a>" * depth + "</a>" * depth) is None
    assert xml_to_json("<a>" * 50 + "x" + "</a>" * 50) is not None


def test_xml_billion_laughs_is_refused():
    # expanded, this is 10^9 copies of 'lol': refused at the entity declarations, before any expansion
    entities = "".join(f"<!ENTITY e{i} '{('&e' + str(i - 1) + ';') * 10}'>" for i in range(1, 10))
    text = f"<!DOCTYPE a [<!ENTITY e0 'lol'>{entities}]><a>&e9;</a>"
    assert xml_to_json(text) is None


def test_python_functions_run_in_queries_over_columns():
    db = kqlite.connect(library=False)
    table = db.query('range i from 1 to 300 step 1 | extend s = strcat("é", i) '
                     "| extend z = zlib_decompress_from_base64_string(zlib_compress_to_base64_string(s)), "
                     "p = punycode_to_string(punycode_from_string(s)) "
                     "| summarize same = countif(z == s and p == s)")
    assert table.column("same").to_pylist() == [300]
