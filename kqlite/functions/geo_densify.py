"""geo_line_densify and geo_polygon_densify: planar (lon/lat) edges turned into chains of geodesics.

The reference pages define the tolerance as the largest distance allowed between the planar edge
and the geodesic chain that replaces it. Kusto (S2's edge tessellator) halves an edge at its planar
midpoint until the chain is close enough, so added points lie on the planar edge at dyadic fractions
(the pages' [50,50]-[51,51] becomes eighths). The error of one geodesic is estimated by comparing
the planar and geodesic points at the fractions t0 and 1 - t0, scaled by a constant: the cubic error
model that also catches edges whose planar and geodesic midpoints coincide (an edge symmetric about
the equator). Edges longer than 90 degrees on the sphere are always halved.
"""

from __future__ import annotations

import json
import math

from ..sql.python_functions import python_function
from .geo_measure import EARTH_RADIUS
from .geo_shapes import Vec, _cross, _dot, _line_shape, _ring, _shape, _xyz
from .registry import scalar

# Where the planar and geodesic edges are compared, and the factor relating the larger of the two
# errors there to the largest error anywhere on the edge (the cubic error model's constants).
_FRACTION = 0.31215691082248312
_SCALE = 0.83829992569888509
_MIN_TOLERANCE, _MAX_TOLERANCE = 0.1, 10000.0  # meters, the reference pages' range
_MAX_POINTS = 10485760  # the pages' limit on the densified shape's points

Point = tuple[float, float]


def _slerp(a: Vec, b: Vec, t: float) -> Vec:
    """The point a fraction t of the way along the geodesic from a to b."""
    angle = math.atan2(math.sqrt(_dot(_cross(a, b), _cross(a, b))), _dot(a, b))
    if angle == 0:
        return a
    s = math.sin(angle)
    wa, wb = math.sin((1 - t) * angle) / s, math.sin(t * angle) / s
    return wa * a[0] + wb * b[0], wa * a[1] + wb * b[1], wa * a[2] + wb * b[2]


def _lerp(a: Point, b: Point, t: float) -> Point:
    return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])


def _chord(a: Vec, b: Vec) -> float:
    return math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2)


class _TooManyPoints(Exception):
    pass


def _densify_edge(a: Point, b: Point, max_chord: float, out: list[Point]) -> None:
    """Append the planar edge a-b's points after a, halving it until each part is close enough to
    its geodesic. b's longitude is already taken the short way round (it may lie beyond +-180)."""
    stack = [(a, b)]
    while stack:
        p, q = stack.pop()
        va, vb = _xyz(p), _xyz(q)
        close = _dot(va, vb) >= -1e-14 and all(
            _chord(_slerp(va, vb, t), _xyz(_lerp(p, q, t))) <= max_chord for t in (_FRACTION, 1 - _FRACTION))
        if close:
            out.append(q)
            if len(out) > _MAX_POINTS:
                raise _TooManyPoints
        else:
            mid = _lerp(p, q, 0.5)
            stack.append((mid, q))  # the first half is handled first
            stack.append((p, mid))


def _wrapped(lon: float) -> float:
    return lon - 360 if lon > 180 else lon + 360 if lon < -180 else lon


def _densify_path(points: list[Point], max_chord: float, preserve_crossing: bool) -> list[list[float]]:
    """A path's densified points. Each edge goes the short way round; unless preserve_crossing, the
    longitudes of points past the antimeridian are brought back into [-180, 180]."""
    out: list[Point] = [points[0]]
    for q in points[1:]:
        p = out[-1]
        dlon = q[0] - p[0]
        target = (q[0] - 360 if dlon > 180 else q[0] + 360 if dlon < -180 else q[0], q[1])
        _densify_edge(p, target, max_chord, out)
    if not preserve_crossing:
        out = [(_wrapped(x), y) for x, y in out]
    return [[_number(x), _number(y)] for x, y in out]


def _number(x: float) -> float | int:
    """Kusto writes a whole double without a fraction ([50,50], not [50.0,50.0])."""
    return int(x) if x.is_integer() else x


def _max_chord(tolerance: float | None) -> float | None:
    """The tolerance in meters as the chord of the scaled angle, or None when out of range."""
    if tolerance is None or not _MIN_TOLERANCE <= tolerance <= _MAX_TOLERANCE:
        return None
    return 2 * math.sin(_SCALE * tolerance / EARTH_RADIUS / 2)


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


@python_function("kq_py_geo_line_densify", ["VARCHAR", "DOUBLE", "BOOLEAN"], "VARCHAR")
def _line_densify(text: str | None, tolerance: float | None, preserve_crossing: bool | None) -> str | None:
    max_chord = _max_chord(tolerance)
    shape = _line_shape(text)
    if max_chord is None or shape is None:
        return None
    kind, lines = shape
    try:
        dense = [_densify_path(line, max_chord, bool(preserve_crossing)) for line in lines]
    except _TooManyPoints:
        return None
    return _json({"type": kind, "coordinates": dense[0] if kind == "LineString" else dense})


def _densify_ring(ring: list[Point], max_chord: float, preserve_crossing: bool) -> list[list[float]]:
    return _densify_path([*ring, ring[0]], max_chord, preserve_crossing)


@python_function("kq_py_geo_polygon_densify", ["VARCHAR", "DOUBLE", "BOOLEAN"], "VARCHAR")
def _polygon_densify(text: str | None, tolerance: float | None, preserve_crossing: bool | None) -> str | None:
    max_chord = _max_chord(tolerance)
    shape = _shape(text, ("Polygon", "MultiPolygon"))
    if max_chord is None or shape is None:
        return None
    kind, coordinates = shape
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        return None
    out = []
    try:
        for polygon in polygons:
            if not isinstance(polygon, list) or not polygon:
                return None
            rings = [_ring(r) for r in polygon]
            if any(r is None for r in rings):
                return None
            out.append([_densify_ring(r, max_chord, bool(preserve_crossing)) for r in rings if r is not None])
    except _TooManyPoints:
        return None
    return _json({"type": kind, "coordinates": out[0] if kind == "Polygon" else out})


def _densify_sql(py_name: str):
    def build(a) -> str:
        tolerance = f"CAST({a[1].sql} AS DOUBLE)" if len(a) > 1 else "10.0"
        crossing = f"CAST({a[2].sql} AS BOOLEAN)" if len(a) > 2 else "FALSE"
        return f"CAST({py_name}(CAST({a[0].sql} AS VARCHAR), {tolerance}, {crossing}) AS JSON)"
    return build


scalar("geo_line_densify", "dynamic number? bool?", "dynamic", _densify_sql("kq_py_geo_line_densify"))
scalar("geo_polygon_densify", "dynamic number? bool?", "dynamic", _densify_sql("kq_py_geo_polygon_densify"))
