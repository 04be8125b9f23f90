"""Distances on Earth: geo_distance_2points and geo_point_in_circle.

Kusto measures on a sphere of radius 6,371,010 m (S2's Earth radius; the reference page's
Seattle-Los Angeles example gives it exactly), along great circles. geo_distance_2points(...,
use_spheroid=true) measures along the WGS-84 ellipsoid instead, here by Vincenty's inverse formula
(sub-millimetre on the ellipsoid, iterated to 1e-12 rad).
"""

from __future__ import annotations

import math

from ..sql.python_functions import python_function
from .geo import checked_point
from .registry import scalar

EARTH_RADIUS = 6371010.0
_WGS84_A = 6378137.0
_WGS84_F = 1 / 298.257223563


def sphere_distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in meters (haversine: accurate for short distances too)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))


def spheroid_distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float | None:
    """Vincenty's inverse formula on WGS-84; None when it does not converge (nearly antipodal points)."""
    a, f = _WGS84_A, _WGS84_F
    b = a * (1 - f)
    u1, u2 = math.atan((1 - f) * math.tan(math.radians(lat1))), math.atan((1 - f) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0  # the same point
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha * sin_alpha
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0  # on the equator
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * f * sin_alpha * (sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm ** 2)))
        if abs(lam - previous) < 1e-12:
            break
    else:
        return None
    u_sq = cos2_alpha * (a * a - b * b) / (b * b)
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = big_b * sin_sigma * (cos_2sm + big_b / 4 * (cos_sigma * (-1 + 2 * cos_2sm ** 2)
                                                       - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma ** 2) * (-3 + 4 * cos_2sm ** 2)))
    return b * big_a * (sigma - delta)


@python_function("kq_py_geo_distance_2points", ["DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "BOOLEAN"], "DOUBLE")
def _distance_2points(lon1: float | None, lat1: float | None, lon2: float | None, lat2: float | None,
                      use_spheroid: bool | None) -> float | None:
    first, second = checked_point(lon1, lat1), checked_point(lon2, lat2)
    if first is None or second is None:
        return None
    if use_spheroid:
        return spheroid_distance(*first, *second)
    return sphere_distance(*first, *second)


@python_function("kq_py_geo_point_in_circle", ["DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE", "DOUBLE"], "BOOLEAN")
def _point_in_circle(lon: float | None, lat: float | None, center_lon: float | None, center_lat: float | None,
                     radius: float | None) -> bool | None:
    """A spherical cap: the radius is measured along the sphere's surface and must be positive."""
    point, center = checked_point(lon, lat), checked_point(center_lon, center_lat)
    if point is None or center is None or radius is None:
        return None
    if not (radius > 0 and math.isfinite(radius)):
        return None
    return sphere_distance(*point, *center) <= radius


def _doubles(args) -> str:
    return ", ".join(f"CAST({a.sql} AS DOUBLE)" for a in args)


scalar("geo_distance_2points", "number number number number bool?", "real",
       lambda a: f"kq_py_geo_distance_2points({_doubles(a[:4])}, {a[4].sql if len(a) > 4 else 'FALSE'})")
scalar("geo_point_in_circle", "number number number number number", "bool",
       lambda a: f"kq_py_geo_point_in_circle({_doubles(a)})")
