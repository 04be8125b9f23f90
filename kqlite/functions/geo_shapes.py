"""Lines and polygons on Earth: geo_line_length, geo_polygon_area, geo_polygon_perimeter,
geo_point_in_polygon, geo_distance_point_to_line, geo_distance_point_to_polygon, geo_intersects_2lines,
geo_intersects_line_with_polygon, geo_intersects_2polygons, geo_line_centroid, geo_polygon_centroid.

Shapes are GeoJSON (dynamic): LineString/MultiLineString, Polygon/MultiPolygon. As the reference
pages say, measurements are on a sphere (geo_measure.EARTH_RADIUS) and edges are geodesics (great
circle arcs); a ring encloses the smaller of the two regions it divides the sphere into, and holes are
taken out of the shell. An invalid shape (too few vertices, an open ring, repeated vertices, a
coordinate out of range, an edge between antipodal points) gives null.

A MultiPolygon's or MultiLineString's parts are measured one by one and summed: Kusto measures their
union, which differs when parts overlap (registered with a note, so the catalog says "partial").
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from ..sql.python_functions import python_function
from .geo import checked_point, point_json
from .geo_measure import EARTH_RADIUS, sphere_distance
from .registry import scalar

Vec = tuple[float, float, float]
Ring = list[tuple[float, float]]
T = TypeVar("T")


def _xyz(p: tuple[float, float]) -> Vec:
    lon, lat = math.radians(p[0]), math.radians(p[1])
    return math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Vec, b: Vec) -> Vec:
    return a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]


def _scaled(v: Vec, k: float) -> Vec:
    return k * v[0], k * v[1], k * v[2]


def _points(value: Any) -> list[tuple[float, float]] | None:
    """[[lon, lat], ...] as points, or None when a coordinate is not a valid point."""
    if not isinstance(value, list):
        return None
    out = []
    for p in value:
        if (not isinstance(p, list) or len(p) != 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p)):
            return None
        point = checked_point(float(p[0]), float(p[1]))
        if point is None:
            return None
        out.append(point)
    return out


def _edges_ok(points: list[tuple[float, float]]) -> bool:
    """No edge joins antipodal points (its geodesic would not be unique)."""
    return all(_dot(_xyz(a), _xyz(b)) > -1 + 1e-15 for a, b in zip(points, points[1:]))


def _line(value: Any) -> list[tuple[float, float]] | None:
    points = _points(value)
    return points if points is not None and len(points) >= 2 and _edges_ok(points) else None


def _ring(value: Any) -> Ring | None:
    """A closed ring of at least three distinct vertices, returned without its closing vertex."""
    points = _points(value)
    if points is None or len(points) < 4 or points[0] != points[-1]:
        return None
    vertices = points[:-1]
    if len(set(vertices)) != len(vertices) or not _edges_ok(points):
        return None
    return vertices


def _all_valid(parts: list[T | None]) -> list[T] | None:
    """The parts, or None when any is None: one invalid part makes the whole shape invalid."""
    valid = [p for p in parts if p is not None]
    return valid if len(valid) == len(parts) else None


def _shape(text: str | None, kinds: tuple[str, str]) -> tuple[str, Any] | None:
    """(type, coordinates) of a GeoJSON value of one of two types (single, multi)."""
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict) or value.get("type") not in kinds or "coordinates" not in value:
        return None
    return value["type"], value["coordinates"]


def _polygons(text: str | None) -> list[list[Ring]] | None:
    """The polygons (shell, holes...) of a Polygon or MultiPolygon, or None when invalid."""
    shape = _shape(text, ("Polygon", "MultiPolygon"))
    if shape is None:
        return None
    kind, coordinates = shape
    if not isinstance(coordinates, list):
        return None
    polygons = [coordinates] if kind == "Polygon" else coordinates
    out = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return None
        rings = _all_valid([_ring(r) for r in polygon])
        if rings is None:
            return None
        out.append(rings)
    return out or None


def _ring_area(ring: Ring) -> float:
    """Area (steradians) of the smaller region a ring bounds: the signed areas of the triangles of a
    fan from the first vertex add up to the region on the ring's left, up to a multiple of 4 pi."""
    v = [_xyz(p) for p in ring]
    total = 0.0
    for b, c in zip(v[1:], v[2:]):
        a = v[0]
        total += 2 * math.atan2(_dot(a, _cross(b, c)), 1 + _dot(a, b) + _dot(b, c) + _dot(c, a))
    total = abs(math.remainder(total, 4 * math.pi))
    return min(total, 4 * math.pi - total)


def _ring_length(ring: Ring) -> float:
    closed = [*ring, ring[0]]
    return sum(sphere_distance(*a, *b) for a, b in zip(closed, closed[1:]))


@python_function("kq_py_geo_polygon_area", ["VARCHAR"], "DOUBLE")
def _polygon_area(text: str | None) -> float | None:
    polygons = _polygons(text)
    if polygons is None:
        return None
    steradians = sum(_ring_area(shell) - sum(_ring_area(h) for h in holes) for shell, *holes in polygons)
    return steradians * EARTH_RADIUS * EARTH_RADIUS


@python_function("kq_py_geo_polygon_perimeter", ["VARCHAR"], "DOUBLE")
def _polygon_perimeter(text: str | None) -> float | None:
    polygons = _polygons(text)
    return None if polygons is None else sum(_ring_length(r) for rings in polygons for r in rings)


def _line_shape(text: str | None) -> tuple[str, list[list[tuple[float, float]]]] | None:
    """(type, lines) of a LineString or MultiLineString, or None when invalid."""
    shape = _shape(text, ("LineString", "MultiLineString"))
    if shape is None:
        return None
    kind, coordinates = shape
    if kind == "MultiLineString" and not isinstance(coordinates, list):
        return None
    lines = _all_valid([_line(coordinates)] if kind == "LineString" else [_line(x) for x in coordinates or [None]])
    return None if lines is None else (kind, lines)


def _lines(text: str | None) -> list[list[tuple[float, float]]] | None:
    """The lines of a LineString or MultiLineString, or None when invalid."""
    shape = _line_shape(text)
    return None if shape is None else shape[1]


@python_function("kq_py_geo_line_length", ["VARCHAR"], "DOUBLE")
def _line_length(text: str | None) -> float | None:
    lines = _lines(text)
    return None if lines is None else sum(sphere_distance(*a, *b) for line in lines for a, b in zip(line, line[1:]))


def _angle(a: Vec, b: Vec) -> float:
    return math.atan2(math.sqrt(_dot(_cross(a, b), _cross(a, b))), _dot(a, b))


def _arc_distance(p: Vec, a: Vec, b: Vec) -> float:
    """Angle from p to the short great-circle arc ab: to its nearest point when p's foot on the great
    circle lies on the arc, else to the nearer end."""
    n = _cross(a, b)
    if _dot(n, n) > 0:
        n = _norm(n)
        h = _dot(p, n)
        foot = (p[0] - h * n[0], p[1] - h * n[1], p[2] - h * n[2])
        if _dot(foot, foot) > 0 and _on_arc(foot, a, b, n):
            return math.atan2(abs(h), math.sqrt(_dot(foot, foot)))
    return min(_angle(p, a), _angle(p, b))


def _distance_to_edges(p: Vec, paths: list[list[Vec]]) -> float:
    return EARTH_RADIUS * min(_arc_distance(p, a, b) for path in paths for a, b in zip(path, path[1:]))


@python_function("kq_py_geo_distance_point_to_line", ["DOUBLE", "DOUBLE", "VARCHAR"], "DOUBLE")
def _distance_point_to_line(lon: float | None, lat: float | None, text: str | None) -> float | None:
    lines, point = _lines(text), checked_point(lon, lat)
    if lines is None or point is None:
        return None
    return _distance_to_edges(_xyz(point), [[_xyz(q) for q in line] for line in lines])


def _norm(a: Vec) -> Vec:
    n = math.sqrt(_dot(a, a))
    return a[0] / n, a[1] / n, a[2] / n


def _on_arc(y: Vec, a: Vec, b: Vec, n: Vec) -> bool:
    """Whether y, a point on the great circle through a and b (normal n = a x b), lies on the short arc."""
    return _dot(_cross(a, y), n) >= 0 and _dot(_cross(y, b), n) >= 0


def _arcs_cross(a: Vec, b: Vec, c: Vec, d: Vec) -> bool:
    """Whether the short great-circle arcs ab and cd cross (at a point strictly inside ab's sides)."""
    n1, n2 = _cross(a, b), _cross(c, d)
    if (_dot(n1, c) > 0) == (_dot(n1, d) > 0) or (_dot(n2, a) > 0) == (_dot(n2, b) > 0):
        return False
    x = _cross(n1, n2)
    return any(_on_arc(y, a, b, n1) and _on_arc(y, c, d, n2) for y in (x, (-x[0], -x[1], -x[2])))


def _prepared_ring(ring: Ring) -> tuple[Vec, list[Vec]]:
    """A point far outside the ring (opposite the mean of its vertices) and the closed ring's vertices."""
    v = [_xyz(q) for q in ring]
    center = _norm((sum(q[0] for q in v), sum(q[1] for q in v), sum(q[2] for q in v)))
    return (-center[0], -center[1], -center[2]), [*v, v[0]]


def _in_ring(p: Vec, prepared: tuple[Vec, list[Vec]]) -> bool:
    """Point in the smaller region of a ring: the arc from a point far outside the ring to p crosses
    the ring's edges an odd number of times."""
    outside, closed = prepared
    if _dot(outside, p) < -1 + 1e-9:  # p is the center itself: start from a nearby point instead
        outside = _norm((outside[0] + 1e-3, outside[1] + 2e-3, outside[2] + 3e-3))
    return sum(_arcs_cross(outside, p, a, b) for a, b in zip(closed, closed[1:])) % 2 == 1


@lru_cache(maxsize=64)
def _prepared_polygons(text: str) -> list[list[tuple[Vec, list[Vec]]]] | None:
    """A polygon argument is usually one constant for every row: parse and prepare it once."""
    polygons = _polygons(text)
    return None if polygons is None else [[_prepared_ring(r) for r in rings] for rings in polygons]


def _point_and_polygons(lon: float | None, lat: float | None,
                        text: str | None) -> tuple[Vec, list[list[tuple[Vec, list[Vec]]]]] | None:
    """The point and the prepared polygons, or None when either is invalid."""
    polygons = None if text is None else _prepared_polygons(text)
    point = checked_point(lon, lat)
    if polygons is None or point is None:
        return None
    return _xyz(point), polygons


@python_function("kq_py_geo_point_in_polygon", ["DOUBLE", "DOUBLE", "VARCHAR"], "BOOLEAN")
def _point_in_polygon(lon: float | None, lat: float | None, text: str | None) -> bool | None:
    found = _point_and_polygons(lon, lat, text)
    return None if found is None else _in_polygons(*found)


@python_function("kq_py_geo_distance_point_to_polygon", ["DOUBLE", "DOUBLE", "VARCHAR"], "DOUBLE")
def _distance_point_to_polygon(lon: float | None, lat: float | None, text: str | None) -> float | None:
    """0 inside the polygon, else the distance to the nearest edge of any ring."""
    found = _point_and_polygons(lon, lat, text)
    if found is None:
        return None
    p, polygons = found
    return 0.0 if _in_polygons(p, polygons) else _distance_to_edges(p, _boundaries(polygons))


# two arcs touch when an end of one lies within this angle (about 6 microns on Earth) of the other
_TOUCH = 1e-12


def _arcs_intersect(a: Vec, b: Vec, c: Vec, d: Vec) -> bool:
    """Short arcs ab and cd cross or touch (an end of one on the other, a shared vertex)."""
    if _arcs_cross(a, b, c, d):
        return True
    return (min(_arc_distance(c, a, b), _arc_distance(d, a, b), _arc_distance(a, c, d), _arc_distance(b, c, d))
            <= _TOUCH)


def _paths_intersect(first: list[list[Vec]], second: list[list[Vec]]) -> bool:
    return any(_arcs_intersect(a, b, c, d) for p in first for a, b in zip(p, p[1:])
               for q in second for c, d in zip(q, q[1:]))


def _in_polygons(p: Vec, polygons: list[list[tuple[Vec, list[Vec]]]]) -> bool:
    return any(_in_ring(p, shell) and not any(_in_ring(p, h) for h in holes) for shell, *holes in polygons)


def _boundaries(polygons: list[list[tuple[Vec, list[Vec]]]]) -> list[list[Vec]]:
    return [closed for rings in polygons for _, closed in rings]


@python_function("kq_py_geo_intersects_2lines", ["VARCHAR", "VARCHAR"], "BOOLEAN")
def _intersects_2lines(first: str | None, second: str | None) -> bool | None:
    a, b = _lines(first), _lines(second)
    if a is None or b is None:
        return None
    return _paths_intersect([[_xyz(q) for q in line] for line in a], [[_xyz(q) for q in line] for line in b])


@python_function("kq_py_geo_intersects_line_with_polygon", ["VARCHAR", "VARCHAR"], "BOOLEAN")
def _intersects_line_with_polygon(line_text: str | None, polygon_text: str | None) -> bool | None:
    lines = _lines(line_text)
    polygons = None if polygon_text is None else _prepared_polygons(polygon_text)
    if lines is None or polygons is None:
        return None
    paths = [[_xyz(q) for q in line] for line in lines]
    return (any(_in_polygons(p, polygons) for path in paths for p in path)
            or _paths_intersect(paths, _boundaries(polygons)))


@python_function("kq_py_geo_intersects_2polygons", ["VARCHAR", "VARCHAR"], "BOOLEAN")
def _intersects_2polygons(first: str | None, second: str | None) -> bool | None:
    """The boundaries meet, or one polygon holds a vertex of the other (polygons hold their vertices)."""
    a = None if first is None else _prepared_polygons(first)
    b = None if second is None else _prepared_polygons(second)
    if a is None or b is None:
        return None
    edges_a, edges_b = _boundaries(a), _boundaries(b)
    return (_paths_intersect(edges_a, edges_b) or any(_in_polygons(p, b) for path in edges_a for p in path)
            or any(_in_polygons(p, a) for path in edges_b for p in path))


def _to_point_json(v: Vec) -> str | None:
    n = math.sqrt(_dot(v, v))
    if n == 0:
        return None  # no direction (a shape symmetric about the Earth's center)
    x, y, z = v[0] / n, v[1] / n, v[2] / n
    return point_json(math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y))))


def _sum(vectors: list[Vec]) -> Vec:
    return sum(v[0] for v in vectors), sum(v[1] for v in vectors), sum(v[2] for v in vectors)


def _centroid(shapes: list[T] | None, moments: Callable[[T], list[Vec]]) -> str | None:
    """The true centroid of a (multi-)shape, null when it is invalid: the direction of the sum of the
    moments (integrals of their points) of all its parts."""
    if shapes is None:
        return None
    return _to_point_json(_sum([m for shape in shapes for m in moments(shape)]))


def _line_moments(line: list[tuple[float, float]]) -> list[Vec]:
    """Each arc's integral of its points: 2 sin(angle / 2) times its midpoint."""
    v = [_xyz(q) for q in line]
    parts = []
    for a, b in zip(v, v[1:]):
        mid = (a[0] + b[0], a[1] + b[1], a[2] + b[2])
        if _dot(mid, mid) > 0:
            parts.append(_scaled(_norm(mid), 2 * math.sin(_angle(a, b) / 2)))
    return parts


@python_function("kq_py_geo_line_centroid", ["VARCHAR"], "VARCHAR")
def _line_centroid(text: str | None) -> str | None:
    return _centroid(_lines(text), _line_moments)


def _ring_moment(ring: Ring) -> Vec:
    """The integral of the points of the smaller region a ring bounds: half the sum, over its edges, of
    each edge's angle times its unit normal (the region's side chosen toward the vertices' mean)."""
    v = [_xyz(q) for q in ring]
    closed = [*v, v[0]]
    parts = []
    for a, b in zip(closed, closed[1:]):
        n = _cross(a, b)
        length = math.sqrt(_dot(n, n))
        parts.append(_scaled(n, 0.5 * _angle(a, b) / length))
    moment = _sum(parts)
    return moment if _dot(moment, _sum(v)) >= 0 else _scaled(moment, -1.0)


def _polygon_moments(rings: list[Ring]) -> list[Vec]:
    """The shell's moment, then each hole's taken away."""
    shell, *holes = rings
    return [_ring_moment(shell), *(_scaled(_ring_moment(h), -1.0) for h in holes)]


@python_function("kq_py_geo_polygon_centroid", ["VARCHAR"], "VARCHAR")
def _polygon_centroid(text: str | None) -> str | None:
    return _centroid(_polygons(text), _polygon_moments)


_UNION = "a multi-shape's parts are summed; Kusto measures their union, which differs when parts overlap"

scalar("geo_line_length", "dynamic", "real", "kq_py_geo_line_length(CAST({0} AS VARCHAR))", notes=_UNION)
scalar("geo_polygon_area", "dynamic", "real", "kq_py_geo_polygon_area(CAST({0} AS VARCHAR))", notes=_UNION)
scalar("geo_point_in_polygon", "number number dynamic", "bool",
       "kq_py_geo_point_in_polygon(CAST({0} AS DOUBLE), CAST({1} AS DOUBLE), CAST({2} AS VARCHAR))")
scalar("geo_distance_point_to_line", "number number dynamic", "real",
       "kq_py_geo_distance_point_to_line(CAST({0} AS DOUBLE), CAST({1} AS DOUBLE), CAST({2} AS VARCHAR))")
scalar("geo_distance_point_to_polygon", "number number dynamic", "real",
       "kq_py_geo_distance_point_to_polygon(CAST({0} AS DOUBLE), CAST({1} AS DOUBLE), CAST({2} AS VARCHAR))")
scalar("geo_intersects_2lines", "dynamic dynamic", "bool",
       "kq_py_geo_intersects_2lines(CAST({0} AS VARCHAR), CAST({1} AS VARCHAR))")
scalar("geo_intersects_line_with_polygon", "dynamic dynamic", "bool",
       "kq_py_geo_intersects_line_with_polygon(CAST({0} AS VARCHAR), CAST({1} AS VARCHAR))")
scalar("geo_intersects_2polygons", "dynamic dynamic", "bool",
       "kq_py_geo_intersects_2polygons(CAST({0} AS VARCHAR), CAST({1} AS VARCHAR))")
scalar("geo_line_centroid", "dynamic", "dynamic", "CAST(kq_py_geo_line_centroid(CAST({0} AS VARCHAR)) AS JSON)",
       notes=_UNION)
scalar("geo_polygon_centroid", "dynamic", "dynamic", "CAST(kq_py_geo_polygon_centroid(CAST({0} AS VARCHAR)) AS JSON)",
       notes=_UNION)
scalar("geo_polygon_perimeter", "dynamic", "real", "kq_py_geo_polygon_perimeter(CAST({0} AS VARCHAR))",
       notes=_UNION)
