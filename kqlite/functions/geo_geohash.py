"""Geohash (https://en.wikipedia.org/wiki/Geohash): the longitude and latitude ranges halved in turn,
longitude first, five bits per base-32 character. Pure Python: geo.py wraps these in kq_py_* functions.
"""

from __future__ import annotations

ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
_VALUE = {c: n for n, c in enumerate(ALPHABET)}
MAX_LENGTH = 18


def encode(lon: float, lat: float, length: int) -> str:
    lon_lo, lon_hi, lat_lo, lat_hi = -180.0, 180.0, -90.0, 90.0
    chars = []
    even = True  # even bits split longitude
    for _ in range(length):
        n = 0
        for _ in range(5):
            if even:
                mid = (lon_lo + lon_hi) / 2
                bit = lon >= mid
                lon_lo, lon_hi = (mid, lon_hi) if bit else (lon_lo, mid)
            else:
                mid = (lat_lo + lat_hi) / 2
                bit = lat >= mid
                lat_lo, lat_hi = (mid, lat_hi) if bit else (lat_lo, mid)
            n = n << 1 | bit
            even = not even
        chars.append(ALPHABET[n])
    return "".join(chars)


def bounds(geohash: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a geohash's rectangle, or None when it is not a geohash."""
    if not 1 <= len(geohash) <= MAX_LENGTH or any(c not in _VALUE for c in geohash):
        return None
    lon_lo, lon_hi, lat_lo, lat_hi = -180.0, 180.0, -90.0, 90.0
    even = True
    for c in geohash:
        n = _VALUE[c]
        for shift in range(4, -1, -1):
            bit = n >> shift & 1
            if even:
                mid = (lon_lo + lon_hi) / 2
                lon_lo, lon_hi = (mid, lon_hi) if bit else (lon_lo, mid)
            else:
                mid = (lat_lo + lat_hi) / 2
                lat_lo, lat_hi = (mid, lat_hi) if bit else (lat_lo, mid)
            even = not even
    return lon_lo, lat_lo, lon_hi, lat_hi


# The order Kusto lists a geohash's neighbors in, as (east, north) steps: the one on the reference
# page ('sunny': SW, NW, SE, N, W, NE, E, S). Kusto does not document it.
_AROUND = ((-1, -1), (-1, 1), (1, -1), (0, 1), (-1, 0), (1, 1), (1, 0), (0, -1))


def neighbors(geohash: str) -> list[str] | None:
    """The eight geohashes of the same length around one; longitude wraps at the antimeridian,
    and there is nothing beyond a pole."""
    box = bounds(geohash)
    if box is None:
        return None
    west, south, east, north = box
    width, height = east - west, north - south
    lon, lat = (west + east) / 2, (south + north) / 2
    out = []
    for dx, dy in _AROUND:
        y = lat + dy * height
        if not -90 < y < 90:
            continue
        x = lon + dx * width
        x = x - 360 if x > 180 else x + 360 if x < -180 else x
        out.append(encode(x, y, len(geohash)))
    return out
