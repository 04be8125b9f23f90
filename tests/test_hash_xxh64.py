"""hash() is XXH64 (seed 0) computed in SQL macros (kqlite/sql/text_macros.py): checked against an
independent Python XXH64 over every tail length and several stripes, ASCII and multi-byte UTF-8."""

from __future__ import annotations

import pytest

import kqlite

M = 2**64
P1, P2, P3, P4, P5 = (11400714785074694791, 14029467366897019727, 1609587929392839161,
                      9650029242287828579, 2870177450012600261)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) % M


def _round(acc: int, lane: int) -> int:
    return _rotl((acc + lane * P2) % M, 31) * P1 % M


def _merge(acc: int, v: int) -> int:
    return ((acc ^ _round(0, v)) * P1 + P4) % M


def xxh64(data: bytes) -> int:
    """XXH64 with seed 0, as a signed 64-bit integer (Kusto's long)."""
    n, i = len(data), 0
    word = lambda at, size: int.from_bytes(data[at:at + size], "little")  # noqa: E731
    if n >= 32:
        v = [(P1 + P2) % M, P2, 0, (M - P1) % M]
        while i + 32 <= n:
            v = [_round(v[k], word(i + 8 * k, 8)) for k in range(4)]
            i += 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) % M
        for lane in v:
            h = _merge(h, lane)
    else:
        h = P5
    h = (h + n) % M
    while i + 8 <= n:
        h = (_rotl(h ^ _round(0, word(i, 8)), 27) * P1 + P4) % M
        i += 8
    if i + 4 <= n:
        h = (_rotl(h ^ (word(i, 4) * P1 % M), 23) * P2 + P3) % M
        i += 4
    while i < n:
        h = _rotl(h ^ (data[i] * P5 % M), 11) * P1 % M
        i += 1
    h = (h ^ (h >> 33)) * P2 % M
    h = (h ^ (h >> 29)) * P3 % M
    h ^= h >> 32
    return h - M if h >= 2**63 else h


def test_reference_matches_the_docs():
    assert xxh64(b"World") == 1846988464401551951
    assert xxh64(b"") == -1205034819632174695


TEXTS = ["abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"[:n] for n in range(0, 66)] + [
    "é", "日本語のテキスト", "naïve café " * 5, "😀" * 9, "machine-42.contoso.com"]


@pytest.mark.parametrize("chunk", range(0, len(TEXTS), 24))
def test_hash_matches_reference(chunk):
    texts = TEXTS[chunk:chunk + 24]
    db = kqlite.connect()
    query = "print " + ", ".join(f"h{i} = hash({_kql(t)})"
                                 for i, t in enumerate(texts))
    row = db.query(query).to_pylist()[0]
    assert [row[f"h{i}"] for i in range(len(texts))] == [xxh64(t.encode()) for t in texts]


def _kql(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
