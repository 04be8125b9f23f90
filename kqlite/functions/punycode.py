"""Punycode (RFC 3492) and its per-label use in domain names (IDNA's "xn--" labels).

Written out rather than taken from Python's `punycode` codec because that codec's encoder rescans
the whole text once per distinct code point and its decoder rebuilds the string on every insertion:
a few thousand distinct characters take seconds. Here both directions are O(n log n): a Fenwick
tree over the text's positions counts the characters already handled (encoding) and finds the
final slot of each inserted character (decoding).
"""

from __future__ import annotations

from collections import defaultdict

BASE, TMIN, TMAX, SKEW, DAMP = 36, 1, 26, 38, 700
INITIAL_BIAS, INITIAL_N = 72, 128
DELIMITER = "-"
# RFC 3492 asks decoders to detect overflow; a bound this high never rejects real text and keeps a
# hostile run of digits from growing Python integers without end
_MAX_INT = 2**63
# IDNA's label separators: full stop, ideographic full stop, fullwidth full stop, halfwidth ideographic full stop
_SEPARATORS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


class PunycodeError(ValueError):
    """Text that is not valid punycode."""


class _Fenwick:
    """Counts of marked positions, with prefix sums and 'find the k-th unmarked position'."""

    def __init__(self, size: int, marked: bool = False):
        self.size = size
        self.tree = [0] * (size + 1)
        if marked:  # every position starts marked: build in O(n)
            for i in range(1, size + 1):
                self.tree[i] += 1
                parent = i + (i & -i)
                if parent <= size:
                    self.tree[parent] += self.tree[i]

    def add(self, pos: int, delta: int) -> None:
        i = pos + 1
        while i <= self.size:
            self.tree[i] += delta
            i += i & -i

    def prefix(self, end: int) -> int:
        """Marks in positions [0, end)."""
        total, i = 0, end
        while i > 0:
            total += self.tree[i]
            i -= i & -i
        return total

    def find(self, k: int) -> int:
        """The position of the k-th mark (1-based k)."""
        pos, step = 0, 1 << self.size.bit_length()
        while step:
            nxt = pos + step
            if nxt <= self.size and self.tree[nxt] < k:
                pos = nxt
                k -= self.tree[nxt]
            step >>= 1
        return pos


def _adapt(delta: int, points: int, first: bool) -> int:
    delta = delta // DAMP if first else delta // 2
    delta += delta // points
    k = 0
    while delta > ((BASE - TMIN) * TMAX) // 2:
        delta //= BASE - TMIN
        k += BASE
    return k + (BASE - TMIN + 1) * delta // (delta + SKEW)


def _threshold(k: int, bias: int) -> int:
    return TMIN if k <= bias else TMAX if k >= bias + TMAX else k - bias


def _digit(d: int) -> str:
    return chr(ord("a") + d) if d < 26 else chr(ord("0") + d - 26)


def _digit_value(c: str) -> int:
    if "a" <= c <= "z":
        return ord(c) - ord("a")
    if "A" <= c <= "Z":
        return ord(c) - ord("A")
    if "0" <= c <= "9":
        return ord(c) - ord("0") + 26
    raise PunycodeError(f"not a punycode digit: {c!r}")


def encode(text: str) -> str:
    """The punycode form of text, without the "xn--" prefix ('académie-française' -> 'acadmie-franaise-npb1a')."""
    points = [ord(c) for c in text]
    out = [chr(c) for c in points if c < INITIAL_N]
    basic = handled = len(out)
    if basic:
        out.append(DELIMITER)
    occurrences: dict[int, list[int]] = defaultdict(list)
    below = _Fenwick(len(points))  # positions whose character is below the code point being placed
    for pos, c in enumerate(points):
        if c < INITIAL_N:
            below.add(pos, 1)
        else:
            occurrences[c].append(pos)
    n, delta, bias = INITIAL_N, 0, INITIAL_BIAS
    for m in sorted(occurrences):
        delta += (m - n) * (handled + 1)
        n = m
        previous = 0
        for pos in occurrences[m]:
            delta += below.prefix(pos) - below.prefix(previous)
            q, k = delta, BASE
            while True:
                t = _threshold(k, bias)
                if q < t:
                    break
                out.append(_digit(t + (q - t) % (BASE - t)))
                q = (q - t) // (BASE - t)
                k += BASE
            out.append(_digit(q))
            bias = _adapt(delta, handled + 1, handled == basic)
            delta = 0
            handled += 1
            previous = pos + 1
        delta += below.prefix(len(points)) - below.prefix(previous) + 1
        n += 1
        for pos in occurrences[m]:
            below.add(pos, 1)
    return "".join(out)


def decode(text: str) -> str:
    """The text whose punycode form is `text` (no "xn--" prefix); PunycodeError when it is not punycode."""
    if not text.isascii():
        raise PunycodeError("punycode is ASCII")
    cut = text.rfind(DELIMITER)
    basic, digits = (text[:cut], text[cut + 1:]) if cut >= 0 else ("", text)
    inserts: list[tuple[int, int]] = []  # (index at insertion time, code point)
    n, i, bias, at = INITIAL_N, 0, INITIAL_BIAS, 0
    while at < len(digits):
        old_i, w, k = i, 1, BASE
        while True:
            if at >= len(digits):
                raise PunycodeError("punycode ends inside a number")
            d = _digit_value(digits[at])
            at += 1
            i += d * w
            t = _threshold(k, bias)
            if d < t:
                break
            w *= BASE - t
            k += BASE
            if i > _MAX_INT or w > _MAX_INT:
                raise PunycodeError("punycode number overflows")
        length = len(basic) + len(inserts) + 1
        bias = _adapt(i - old_i, length, old_i == 0)
        n += i // length
        i %= length
        if n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:  # no such character, or a surrogate UTF-8 cannot hold
            raise PunycodeError("punycode decodes past the last code point")
        inserts.append((i, n))
        i += 1
    # each insertion's final slot: walking back from the last, its index counts only the slots
    # not taken by characters inserted after it; the basic characters fill what is left, in order
    total = len(basic) + len(inserts)
    free = _Fenwick(total, marked=True)
    slots = [""] * total
    for index, point in reversed(inserts):
        slot = free.find(index + 1)
        slots[slot] = chr(point)
        free.add(slot, -1)
    rest = iter(basic)
    return "".join(c if c else next(rest) for c in slots)


def encode_domain(domain: str) -> str:
    """Each label holding a non-ASCII character becomes "xn--" + its punycode; IDNA's other full
    stops become '.'; case, spaces and punctuation stay as they are (the docs' examples)."""
    labels = domain.translate(_SEPARATORS).split(".")
    return ".".join(label if label.isascii() else "xn--" + encode(label) for label in labels)


def decode_domain(domain: str) -> str:
    """Each "xn--" label (any case) decoded; PunycodeError for a label that does not decode or
    for text that is not ASCII."""
    if not domain.isascii():
        raise PunycodeError("an encoded domain name is ASCII")
    labels = domain.split(".")
    return ".".join(decode(label[4:]) if label[:4].lower() == "xn--" else label for label in labels)
