"""geo_line_simplify, geo_polygon_simplify, geo_simplify_polygons_array: shapes with vertices closer
than the tolerance merged, and nearly straight chains of edges replaced by one geodesic.

The reference pages describe S2's builder with a snap radius of `tolerance` meters: the result has no
two vertices closer than the tolerance, and a small shape can disappear (null). Here:
1. Sites: the input vertices in S2 cell order (S2's deterministic order), each kept as a site unless
   an earlier site lies within the tolerance; every vertex moves to its nearest site.
2. Each path becomes its chain of sites, repeated sites removed; a line left with one site, or a ring
   with fewer than three, disappears.
3. Chains are simplified greedily from their first vertex: an edge is extended over the next vertices
   while every input vertex it replaces stays within the tolerance of the new geodesic.
S2 also bends edges through sites they pass near and unions overlapping parts; that is not done
here (registered with a note, so the catalog says "partial").
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..sql.python_functions import python_function
from . import geo_s2
from .geo_measure import EARTH_RADIUS
from .geo_shapes import Vec, _angle, _cross, _dot, _line_shape, _norm, _ring, _xyz
from .registry import scalar

Point = tuple[float, float]
# S2's largest snap radius, 70 degrees: the pages' "~7,800,000 meters"
_MAX_RADIUS = math.radians(70)


def _radius(tolerance: float | None) -> float | None:
    """The tolerance in meters as an angle on the sphere, or None when out of range."""
    if tolerance is None or not math.isfinite(tolerance) or tolerance < 0:
        return None
    radius = tolerance / EARTH_RADIUS
    return radius if radius < _MAX_RADIUS else None


class _Sites:
    """The merged vertices of every path of one call, so shared borders merge alike. Sites are
    bucketed in a grid of cubes as wide as the tolerance's chord, so a vertex looks only at the
    sites of the 27 cubes around it."""

    def __init__(self, paths: list[list[Point]], radius: float) -> None:
        points = sorted({p for path in paths for p in path}, key=lambda p: geo_s2.from_lonlat(p[0], p[1], 30))
        self.radius = radius
        self.side = max(2 * math.sin(radius / 2), 1e-12)
        self.grid: dict[tuple[int, int, int], list[int]] = {}
        self.points: list[Point] = []
        self.vectors: list[Vec] = []
        for p in points:
            v = _xyz(p)
            if all(_angle(v, self.vectors[i]) > radius for i in self._near(v)):
                self.grid.setdefault(self._cube(v), []).append(len(self.vectors))
                self.points.append(p)
                self.vectors.append(v)

    def _cube(self, v: Vec) -> tuple[int, int, int]:
        return math.floor(v[0] / self.side), math.floor(v[1] / self.side), math.floor(v[2] / self.side)

    def _near(self, v: Vec) -> list[int]:
        x, y, z = self._cube(v)
        return [i for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)
                for i in self.grid.get((x + dx, y + dy, z + dz), ())]

    def nearest(self, p: Point) -> int:
        """The nearest site: every vertex has one within the tolerance, so in the cubes around it."""
        v = _xyz(p)
        return min(self._near(v), key=lambda i: _angle(v, self.vectors[i]))


def _chain(path: list[Point], sites: _Sites, closed: bool) -> list[tuple[int, list[Vec]]]:
    """The path as (site, input vertices moved to it) with repeats merged (around the ring too)."""
    chain: list[tuple[int, list[Vec]]] = []
    for p in path:
        site = sites.nearest(p)
        if chain and chain[-1][0] == site:
            chain[-1][1].append(_xyz(p))
        else:
            chain.append((site, [_xyz(p)]))
    if closed and len(chain) > 1 and chain[0][0] == chain[-1][0]:
        site, moved = chain.pop()
        chain[0] = (site, moved + chain[0][1])
    return chain


class _Directions:
    """The directions from a source vertex along which a geodesic passes within the tolerance of every
    target added so far (S2's polyline simplifier): each target farther than the tolerance allows the
    directions within asin(sin r / sin d) of its own, and the allowed range is their intersection.
    Angles are offsets from the first target's direction, in the tangent plane at the source."""

    def __init__(self, source: Vec, radius: float) -> None:
        self.source, self.radius = source, radius
        helper = (1.0, 0.0, 0.0) if abs(source[0]) < 0.9 else (0.0, 1.0, 0.0)
        self.e1 = _norm(_cross(source, helper))
        self.e2 = _cross(source, self.e1)
        self.reference: float | None = None
        self.low, self.high = -math.pi, math.pi
        self.reach = 0.0  # the farthest target, so the edge does not stop short of one

    def _direction(self, v: Vec) -> float:
        theta = math.atan2(_dot(v, self.e2), _dot(v, self.e1))
        if self.reference is None:
            self.reference = theta
        return math.remainder(theta - self.reference, 2 * math.pi)

    def add_target(self, v: Vec) -> None:
        d = _angle(self.source, v)
        self.reach = max(self.reach, d)
        if d <= self.radius or d >= math.pi - self.radius:
            return  # every direction passes close enough
        half = math.asin(min(1.0, math.sin(self.radius) / math.sin(d)))
        center = self._direction(v)
        self.low, self.high = max(self.low, center - half), min(self.high, center + half)

    def allows(self, v: Vec) -> bool:
        d = _angle(self.source, v)
        if d == 0 or d < self.reach - self.radius:
            return False
        if self.reference is None:
            return True
        return self.low <= self._direction(v) <= self.high


def _simplified(chain: list[tuple[int, list[Vec]]], sites: _Sites, radius: float, closed: bool) -> list[int]:
    """The sites kept: from each kept vertex the edge reaches as far along the chain as it can while
    passing within the tolerance of the sites it skips and of the input vertices merged into them."""
    items = [*chain, chain[0]] if closed else chain
    kept = [0]
    i = 0
    while i < len(items) - 1:
        j = i + 1
        directions = _Directions(sites.vectors[items[i][0]], radius)
        while j + 1 < len(items):
            site, moved = items[j]
            for v in (sites.vectors[site], *moved):
                directions.add_target(v)
            if not directions.allows(sites.vectors[items[j + 1][0]]):
                break
            j += 1
        kept.append(j)
        i = j
    if closed:
        kept.pop()  # the ring's closing vertex is its first
    return [items[k][0] for k in kept]


def _simplify_path(path: list[Point], sites: _Sites, radius: float, closed: bool) -> list[list[float]] | None:
    """The simplified path's coordinates (a ring closed again), or None when it disappears."""
    chain = _chain(path, sites, closed)
    if len(chain) < (3 if closed else 2):
        return None
    kept = _simplified(chain, sites, radius, closed)
    if len(kept) < (3 if closed else 2):
        return None
    if closed:
        kept.append(kept[0])
    return [list(sites.points[k]) for k in kept]


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _number(x: float) -> float | int:
    return int(x) if x.is_integer() else x


def _coordinates(value: Any) -> Any:
    """Whole doubles without a fraction, as Kusto writes them."""
    return [_coordinates(v) for v in value] if isinstance(value, list) else _number(value)


@python_function("kq_py_geo_line_simplify", ["VARCHAR", "DOUBLE"], "VARCHAR")
def _line_simplify(text: str | None, tolerance: float | None) -> str | None:
    radius = _radius(tolerance)
    shape = _line_shape(text)
    if radius is None or shape is None:
        return None
    kind, valid = shape
    sites = _Sites(valid, radius)
    out = [x for x in (_simplify_path(line, sites, radius, False) for line in valid) if x is not None]
    if not out:
        return None
    if kind == "LineString":
        return _json({"type": kind, "coordinates": _coordinates(out[0])})
    return _json({"type": kind, "coordinates": _coordinates(out)})


def _polygon_rings(value: Any) -> list[list[Point]] | None:
    if not isinstance(value, list) or not value:
        return None
    rings = [_ring(r) for r in value]
    valid = [r for r in rings if r is not None]
    return valid if len(valid) == len(rings) else None


def _shape_polygons(value: Any) -> list[list[list[Point]]] | None:
    """The polygons (rings each) of a Polygon or MultiPolygon value, or None when it is invalid."""
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    coordinates = value.get("coordinates")
    raw = [coordinates] if value["type"] == "Polygon" else coordinates
    if not isinstance(raw, list) or not raw:
        return None
    polygons = [_polygon_rings(p) for p in raw]
    valid = [p for p in polygons if p is not None]
    return valid if len(valid) == len(polygons) else None


def _simplify_polygons(polygons: list[list[list[Point]]], radius: float) -> list[list[list[list[float]]]]:
    """The polygons that survive: a polygon whose shell disappears goes, and so does a hole."""
    sites = _Sites([ring for rings in polygons for ring in rings], radius)
    out = []
    for shell, *holes in polygons:
        simple_shell = _simplify_path(shell, sites, radius, True)
        if simple_shell is not None:
            simple_holes = (_simplify_path(h, sites, radius, True) for h in holes)
            out.append([simple_shell, *(h for h in simple_holes if h is not None)])
    return out


def _polygons_json(polygons: list[list[list[list[float]]]], kind: str) -> str | None:
    if not polygons:
        return None
    if kind == "Polygon":
        return _json({"type": "Polygon", "coordinates": _coordinates(polygons[0])})
    return _json({"type": "MultiPolygon", "coordinates": _coordinates(polygons)})


@python_function("kq_py_geo_polygon_simplify", ["VARCHAR", "DOUBLE"], "VARCHAR")
def _polygon_simplify(text: str | None, tolerance: float | None) -> str | None:
    radius = _radius(tolerance)
    value: Any = None if text is None else json.loads(text)
    polygons = _shape_polygons(value)
    if radius is None or polygons is None:
        return None
    return _polygons_json(_simplify_polygons(polygons, radius), value["type"])


@python_function("kq_py_geo_simplify_polygons_array", ["VARCHAR", "DOUBLE"], "VARCHAR")
def _simplify_polygons_array(text: str | None, tolerance: float | None) -> str | None:
    """Every polygon of the array simplified together (shared borders merge alike): one Polygon, or a
    MultiPolygon of all that survive."""
    radius = _radius(tolerance)
    values = None if text is None else json.loads(text)
    if radius is None or not isinstance(values, list) or not values:
        return None
    polygons: list[list[list[Point]]] = []
    for value in values:
        parts = _shape_polygons(value)
        if parts is None:
            return None
        polygons.extend(parts)
    simple = _simplify_polygons(polygons, radius)
    return _polygons_json(simple, "Polygon" if len(simple) == 1 else "MultiPolygon")


_NOTE = ("S2's snapping approximated: close vertices merge and straight chains are simplified, but edges "
         "are not bent through sites they pass near and overlapping parts are not unioned")


def _simplify_sql(py_name: str):
    def build(a) -> str:
        tolerance = f"CAST({a[1].sql} AS DOUBLE)" if len(a) > 1 else "10.0"
        return f"CAST({py_name}(CAST({a[0].sql} AS VARCHAR), {tolerance}) AS JSON)"
    return build


scalar("geo_line_simplify", "dynamic number?", "dynamic", _simplify_sql("kq_py_geo_line_simplify"), notes=_NOTE)
scalar("geo_polygon_simplify", "dynamic number?", "dynamic", _simplify_sql("kq_py_geo_polygon_simplify"),
       notes=_NOTE)
scalar("geo_simplify_polygons_array", "dynamic number?", "dynamic",
       _simplify_sql("kq_py_geo_simplify_polygons_array"), notes=_NOTE)
