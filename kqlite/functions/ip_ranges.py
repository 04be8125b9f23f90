"""IPv6 blocks as address ranges, for the ipv6_lookup plugin (semantic/plugins_lookup.py).

The plugin joins on "the ranges overlap", which DuckDB runs as a fast range join when both
bounds are plain values. A 128-bit bound is written as 32 hex digits, so text order is number
order. Parsing follows kq_ip6 (sql/text_macros.py): an IPv4 address is ::ffff:a.b.c.d and its
prefix counts from bit 96; anything else that is not an address gives null (matches nothing).
"""

from __future__ import annotations

import ipaddress

from ..sql.python_functions import python_function

_MAPPED = 0xFFFF << 32


def ip6_block(text: str) -> tuple[int, int] | None:
    """The first and last address of an IPv6 (or IPv4) address with an optional /prefix."""
    t = text.strip()
    if not t or "%" in t:
        return None
    address, _, prefix_text = t.partition("/")
    if prefix_text and not prefix_text.isdigit():
        return None
    try:
        if ":" in address:
            num, bits = int(ipaddress.IPv6Address(address)), 128
        else:
            num, bits = _MAPPED | int(ipaddress.IPv4Address(address)), 32
    except ValueError:
        return None
    prefix = int(prefix_text) if prefix_text else bits
    if prefix > bits:
        return None
    prefix += 128 - bits
    size = 1 << (128 - prefix)
    lo = num // size * size
    return lo, lo + size - 1


@python_function("kq_py_ip6_block", ["VARCHAR"], "VARCHAR")
def kq_py_ip6_block(text: str | None) -> str | None:
    """'lo hi' as two runs of 32 hex digits (64 characters), or null."""
    if text is None:
        return None
    block = ip6_block(text)
    return None if block is None else f"{block[0]:032x}{block[1]:032x}"
