"""Geospatial grid functions: geohash, S2 cells and H3 cells (geo_point_to_*, geo_*_to_central_point,
geo_*_to_polygon, geo_*_neighbors, geo_h3cell_parent/children/level/rings).

The cell math runs in Python (`kq_py_geo_*` functions, kqlite/sql/python_functions.py): geohash
and S2 are written here (geo_geohash.py, geo_s2.py), H3 is the `h3` package (Uber's library).
Kusto's rules, from the reference pages: longitude comes before latitude and must lie in
[-180, 180], latitude in [-90, 90]; an invalid coordinate, level or token gives the empty string
for a token result and null for a dynamic one. Points and polygons are GeoJSON, coordinates
[longitude, latitude]; a polygon's ring is closed (its first vertex repeated at the end).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from ..sql.python_functions import python_function
from . import geo_geohash, geo_s2
from .registry import Arg, scalar


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))  # compact, as Kusto writes dynamic values


def checked_point(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    """(lon, lat) when both are given, finite and in range, else None."""
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None


def point_json(lon: float, lat: float) -> str:
    return _json({"type": "Point", "coordinates": [lon, lat]})


def polygon_json(ring: Sequence[tuple[float, float]]) -> str:
    return _json({"type": "Polygon", "coordinates": [[[x, y] for x, y in (*ring, ring[0])]]})


def _real(a: Arg) -> str:
    return f"CAST({a.sql} AS DOUBLE)"


def _int(a: Sequence[Arg], i: int, default: int) -> str:
    return f"CAST({a[i].sql} AS BIGINT)" if len(a) > i else str(default)


def _token_result(py_name: str, default_level: int):
    """A point -> token function: the empty string for invalid input."""
    return lambda a: f"COALESCE({py_name}({_real(a[0])}, {_real(a[1])}, {_int(a, 2, default_level)}), '')"


def _dynamic_result(py_name: str):
    return lambda a: f"CAST({py_name}({', '.join(x.sql for x in a)}) AS JSON)"


# ---------------------------------------------------------------- geohash


@python_function("kq_py_geo_point_to_geohash", ["DOUBLE", "DOUBLE", "BIGINT"], "VARCHAR")
def _point_to_geohash(lon: float | None, lat: float | None, accuracy: int | None) -> str | None:
    point = checked_point(lon, lat)
    if point is None or accuracy is None or not 1 <= accuracy <= geo_geohash.MAX_LENGTH:
        return None
    return geo_geohash.encode(*point, accuracy)


@python_function("kq_py_geo_geohash_to_central_point", ["VARCHAR"], "VARCHAR")
def _geohash_to_central_point(geohash: str | None) -> str | None:
    box = geo_geohash.bounds(geohash or "")
    return None if box is None else point_json((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


@python_function("kq_py_geo_geohash_to_polygon", ["VARCHAR"], "VARCHAR")
def _geohash_to_polygon(geohash: str | None) -> str | None:
    box = geo_geohash.bounds(geohash or "")
    if box is None:
        return None
    west, south, east, north = box
    return polygon_json([(west, south), (east, south), (east, north), (west, north)])


@python_function("kq_py_geo_geohash_neighbors", ["VARCHAR"], "VARCHAR")
def _geohash_neighbors(geohash: str | None) -> str | None:
    cells = geo_geohash.neighbors(geohash or "")
    return None if cells is None else _json(cells)


scalar("geo_point_to_geohash", "number number integer?", "string", _token_result("kq_py_geo_point_to_geohash", 5))
scalar("geo_geohash_to_central_point", "string", "dynamic", _dynamic_result("kq_py_geo_geohash_to_central_point"))
scalar("geo_geohash_to_polygon", "string", "dynamic", _dynamic_result("kq_py_geo_geohash_to_polygon"))
scalar("geo_geohash_neighbors", "string", "dynamic", _dynamic_result("kq_py_geo_geohash_neighbors"))

# ---------------------------------------------------------------- S2


@python_function("kq_py_geo_point_to_s2cell", ["DOUBLE", "DOUBLE", "BIGINT"], "VARCHAR")
def _point_to_s2cell(lon: float | None, lat: float | None, level: int | None) -> str | None:
    point = checked_point(lon, lat)
    if point is None or level is None or not 0 <= level <= geo_s2.MAX_LEVEL:
        return None
    return geo_s2.to_token(geo_s2.from_lonlat(*point, level))


@python_function("kq_py_geo_s2cell_to_central_point", ["VARCHAR"], "VARCHAR")
def _s2cell_to_central_point(token: str | None) -> str | None:
    cell = geo_s2.from_token(token or "")
    return None if cell is None else point_json(*geo_s2.center(cell))


@python_function("kq_py_geo_s2cell_to_polygon", ["VARCHAR"], "VARCHAR")
def _s2cell_to_polygon(token: str | None) -> str | None:
    cell = geo_s2.from_token(token or "")
    return None if cell is None else polygon_json(geo_s2.vertices(cell))


@python_function("kq_py_geo_s2cell_neighbors", ["VARCHAR"], "VARCHAR")
def _s2cell_neighbors(token: str | None) -> str | None:
    cell = geo_s2.from_token(token or "")
    return None if cell is None else _json([geo_s2.to_token(n) for n in geo_s2.neighbors(cell)])


scalar("geo_point_to_s2cell", "number number integer?", "string", _token_result("kq_py_geo_point_to_s2cell", 11))
scalar("geo_s2cell_to_central_point", "string", "dynamic", _dynamic_result("kq_py_geo_s2cell_to_central_point"))
scalar("geo_s2cell_to_polygon", "string", "dynamic", _dynamic_result("kq_py_geo_s2cell_to_polygon"))
scalar("geo_s2cell_neighbors", "string", "dynamic", _dynamic_result("kq_py_geo_s2cell_neighbors"))

# ---------------------------------------------------------------- H3 (the h3 package, imported when first used)

_H3_MAX_RES = 15
_H3_MAX_RING = 142  # the reference page's limit for geo_h3cell_rings
_H3_MAX_CHILD_LEVELS = 5  # geo_h3cell_children: at most 7**5 = 16807 cells


def _h3_cell(token: str | None) -> str | None:
    """The token when it names a valid H3 cell (not an edge or vertex index)."""
    import h3

    return token if token and h3.is_valid_cell(token) else None


@python_function("kq_py_geo_point_to_h3cell", ["DOUBLE", "DOUBLE", "BIGINT"], "VARCHAR")
def _point_to_h3cell(lon: float | None, lat: float | None, res: int | None) -> str | None:
    import h3

    point = checked_point(lon, lat)
    if point is None or res is None or not 0 <= res <= _H3_MAX_RES:
        return None
    return h3.latlng_to_cell(point[1], point[0], res)  # h3 takes latitude first


@python_function("kq_py_geo_h3cell_to_central_point", ["VARCHAR"], "VARCHAR")
def _h3cell_to_central_point(token: str | None) -> str | None:
    import h3

    cell = _h3_cell(token)
    if cell is None:
        return None
    lat, lon = h3.cell_to_latlng(cell)
    return point_json(lon, lat)


@python_function("kq_py_geo_h3cell_to_polygon", ["VARCHAR"], "VARCHAR")
def _h3cell_to_polygon(token: str | None) -> str | None:
    import h3

    cell = _h3_cell(token)
    return None if cell is None else polygon_json([(lon, lat) for lat, lon in h3.cell_to_boundary(cell)])


def _rings(cell: str, distance: int) -> list[list[str]]:
    """Cells by grid distance 0..distance, each ring in the order of h3's grid_disk (Kusto's order).
    A cell whose distance h3 cannot measure (pentagon distortion) is left out, as the page allows."""
    import h3

    rings: list[list[str]] = [[] for _ in range(distance + 1)]
    for c in h3.grid_disk(cell, distance):
        try:
            k = h3.grid_distance(cell, c)
        except Exception:  # noqa: BLE001  (h3 raises when pentagon distortion hides the distance)
            continue
        if 0 <= k <= distance:
            rings[k].append(c)
    return rings


@python_function("kq_py_geo_h3cell_neighbors", ["VARCHAR"], "VARCHAR")
def _h3cell_neighbors(token: str | None) -> str | None:
    cell = _h3_cell(token)
    return None if cell is None else _json(_rings(cell, 1)[1])


@python_function("kq_py_geo_h3cell_rings", ["VARCHAR", "BIGINT"], "VARCHAR")
def _h3cell_rings(token: str | None, distance: int | None) -> str | None:
    cell = _h3_cell(token)
    if cell is None or distance is None or not 0 <= distance <= _H3_MAX_RING:
        return None
    return _json(_rings(cell, distance))


@python_function("kq_py_geo_h3cell_parent", ["VARCHAR", "BIGINT"], "VARCHAR")
def _h3cell_parent(token: str | None, res: int | None) -> str | None:
    import h3

    cell = _h3_cell(token)
    if cell is None:
        return None
    level = h3.get_resolution(cell)
    res = level - 1 if res is None else res
    if not 0 <= res <= min(level, _H3_MAX_RES - 1):
        return None
    return h3.cell_to_parent(cell, res)


@python_function("kq_py_geo_h3cell_children", ["VARCHAR", "BIGINT"], "VARCHAR")
def _h3cell_children(token: str | None, res: int | None) -> str | None:
    import h3

    cell = _h3_cell(token)
    if cell is None:
        return None
    level = h3.get_resolution(cell)
    res = level + 1 if res is None else res
    if not max(level, 1) <= res <= _H3_MAX_RES or res - level > _H3_MAX_CHILD_LEVELS:
        return None
    return _json(h3.cell_to_children(cell, res))


@python_function("kq_py_geo_h3cell_level", ["VARCHAR"], "INTEGER")
def _h3cell_level(token: str | None) -> int | None:
    import h3

    cell = _h3_cell(token)
    return None if cell is None else h3.get_resolution(cell)


def _h3_with_resolution(py_name: str, result: str):
    """parent/children: the resolution argument is optional; absent, the Python function picks the
    next level (a null given by the user stays invalid, hence -1 rather than NULL)."""
    def build(a: Sequence[Arg]) -> str:
        res = f"COALESCE(CAST({a[1].sql} AS BIGINT), -1)" if len(a) > 1 else "NULL"
        call = f"{py_name}({a[0].sql}, {res})"
        return f"COALESCE({call}, '')" if result == "string" else f"CAST({call} AS JSON)"
    return build


scalar("geo_point_to_h3cell", "number number integer?", "string", _token_result("kq_py_geo_point_to_h3cell", 6))
scalar("geo_h3cell_to_central_point", "string", "dynamic", _dynamic_result("kq_py_geo_h3cell_to_central_point"))
scalar("geo_h3cell_to_polygon", "string", "dynamic", _dynamic_result("kq_py_geo_h3cell_to_polygon"))
scalar("geo_h3cell_neighbors", "string", "dynamic", _dynamic_result("kq_py_geo_h3cell_neighbors"))
scalar("geo_h3cell_rings", "string integer", "dynamic",
       lambda a: f"CAST(kq_py_geo_h3cell_rings({a[0].sql}, CAST({a[1].sql} AS BIGINT)) AS JSON)")
scalar("geo_h3cell_parent", "string integer?", "string", _h3_with_resolution("kq_py_geo_h3cell_parent", "string"))
scalar("geo_h3cell_children", "string integer?", "dynamic",
       _h3_with_resolution("kq_py_geo_h3cell_children", "dynamic"))
scalar("geo_h3cell_level", "string", "int", "kq_py_geo_h3cell_level({0})")
