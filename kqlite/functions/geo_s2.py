"""S2 cell ids, written from the S2 geometry definition (https://s2geometry.io/devguide/s2cell_hierarchy).

A point on the unit sphere is projected onto one of the six faces of the cube around it (the face of
its largest coordinate), giving face coordinates (u, v) in [-1, 1]. The quadratic transform maps u to
s in [0, 1] so that cells have more even areas; s scaled by 2**30 is the leaf coordinate i (likewise
t and j). A cell id is 64 bits: 3 bits of face, then 2 bits per level for the cell's position along
the face's Hilbert curve, then a 1 followed by zeros marking the level. The token is the id in hex
with its trailing zeros dropped.

Pure Python, no DuckDB: geo.py wraps these in kq_py_* functions.
"""

from __future__ import annotations

import math

MAX_LEVEL = 30
_MAX_SIZE = 1 << MAX_LEVEL  # leaf cells along one face edge
_POS_BITS = 2 * MAX_LEVEL + 1

# The Hilbert curve of one face, per orientation: position (0..3) of the sub-cell at (i bit, j bit),
# indexed by (i_bit << 1) | j_bit. The orientations are: canonical, axes swapped, both bits inverted,
# swapped and inverted. Entering sub-cell 0 swaps the axes, sub-cell 3 swaps and inverts them.
_SWAP, _INVERT = 1, 2
_IJ_TO_POS = ((0, 1, 3, 2), (0, 3, 1, 2), (2, 3, 1, 0), (2, 1, 3, 0))
_POS_TO_IJ = tuple(tuple(row.index(p) for p in range(4)) for row in _IJ_TO_POS)
_POS_TO_ORIENTATION = (_SWAP, 0, 0, _INVERT | _SWAP)


# ---------------------------------------------------------------- sphere <-> face coordinates


def _lonlat_to_xyz(lon: float, lat: float) -> tuple[float, float, float]:
    phi, theta = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(theta), math.cos(phi) * math.sin(theta), math.sin(phi)


def _xyz_to_lonlat(x: float, y: float, z: float) -> tuple[float, float]:
    return math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y)))


def _face(x: float, y: float, z: float) -> int:
    coords = (x, y, z)
    axis = max(range(3), key=lambda k: abs(coords[k]))
    return axis + 3 if coords[axis] < 0 else axis


def _xyz_to_uv(face: int, x: float, y: float, z: float) -> tuple[float, float]:
    if face == 0:
        return y / x, z / x
    if face == 1:
        return -x / y, z / y
    if face == 2:
        return -x / z, -y / z
    if face == 3:
        return z / x, y / x
    if face == 4:
        return z / y, -x / y
    return -y / z, -x / z


def _uv_to_xyz(face: int, u: float, v: float) -> tuple[float, float, float]:
    return ((1.0, u, v), (-u, 1.0, v), (-u, -v, 1.0), (-1.0, -v, -u), (v, -1.0, -u), (v, u, -1.0))[face]


def _uv_to_st(u: float) -> float:
    return 0.5 * math.sqrt(1 + 3 * u) if u >= 0 else 1 - 0.5 * math.sqrt(1 - 3 * u)


def _st_to_uv(s: float) -> float:
    return (4 * s * s - 1) / 3 if s >= 0.5 else (1 - 4 * (1 - s) * (1 - s)) / 3


def _st_to_ij(s: float) -> int:
    return max(0, min(_MAX_SIZE - 1, math.floor(_MAX_SIZE * s)))


# ---------------------------------------------------------------- cell ids


def _from_face_ij(face: int, i: int, j: int) -> int:
    """The leaf cell id at (i, j) of a face: walk the Hilbert curve from the top level down."""
    pos, orientation = 0, face & _SWAP
    for level in range(MAX_LEVEL - 1, -1, -1):
        pos_of = _IJ_TO_POS[orientation][((i >> level) & 1) << 1 | ((j >> level) & 1)]
        pos = pos << 2 | pos_of
        orientation ^= _POS_TO_ORIENTATION[pos_of]
    return face << 61 | pos << 1 | 1


def _to_face_ij(cell: int) -> tuple[int, int, int]:
    """Face and (i, j) of the cell's lower-left leaf: the Hilbert path down to the cell's level,
    the bits below it zero."""
    face = cell >> 61
    pos = (cell >> 1) & ((1 << 60) - 1)
    i = j = 0
    orientation = face & _SWAP
    for bit in range(MAX_LEVEL - 1, MAX_LEVEL - 1 - level(cell), -1):
        p = (pos >> (2 * bit)) & 3
        ij = _POS_TO_IJ[orientation][p]
        i |= (ij >> 1) << bit
        j |= (ij & 1) << bit
        orientation ^= _POS_TO_ORIENTATION[p]
    return face, i, j


def level(cell: int) -> int:
    return MAX_LEVEL - ((cell & -cell).bit_length() - 1) // 2


def parent(cell: int, lvl: int) -> int:
    lsb = 1 << (2 * (MAX_LEVEL - lvl))
    return (cell & -lsb) | lsb


def is_valid(cell: int) -> bool:
    lsb = cell & -cell
    return 0 < cell < (1 << 64) and (cell >> 61) < 6 and (lsb & 0x1555555555555555) != 0


def from_lonlat(lon: float, lat: float, lvl: int) -> int:
    x, y, z = _lonlat_to_xyz(lon, lat)
    face = _face(x, y, z)
    u, v = _xyz_to_uv(face, x, y, z)
    return parent(_from_face_ij(face, _st_to_ij(_uv_to_st(u)), _st_to_ij(_uv_to_st(v))), lvl)


def to_token(cell: int) -> str:
    return f"{cell:016x}".rstrip("0") or "X"


def from_token(token: str) -> int | None:
    """The cell id of a token, or None when it is not a valid cell's token."""
    if not 1 <= len(token) <= 16 or any(c not in "0123456789abcdefABCDEF" for c in token):
        return None
    cell = int(token.ljust(16, "0"), 16)
    return cell if is_valid(cell) else None


# ---------------------------------------------------------------- geometry of a cell


def _bounds(cell: int) -> tuple[int, float, float, float, float]:
    """Face and the (s, t) square of the cell: s0, s1, t0, t1."""
    face, i, j = _to_face_ij(cell)
    size = 1 << (MAX_LEVEL - level(cell))
    return face, i / _MAX_SIZE, (i + size) / _MAX_SIZE, j / _MAX_SIZE, (j + size) / _MAX_SIZE


def _st_point(face: int, s: float, t: float) -> tuple[float, float]:
    x, y, z = _uv_to_xyz(face, _st_to_uv(s), _st_to_uv(t))
    return _xyz_to_lonlat(x, y, z)


def center(cell: int) -> tuple[float, float]:
    """(lon, lat) of the cell's center in (s, t), S2's cell center."""
    face, s0, s1, t0, t1 = _bounds(cell)
    return _st_point(face, (s0 + s1) / 2, (t0 + t1) / 2)


def vertices(cell: int) -> list[tuple[float, float]]:
    """(lon, lat) of the four corners, counterclockwise from (s0, t0) as S2 numbers them."""
    face, s0, s1, t0, t1 = _bounds(cell)
    return [_st_point(face, s, t) for s, t in ((s0, t0), (s1, t0), (s1, t1), (s0, t1))]


def _from_face_ij_wrapped(face: int, i: int, j: int, lvl: int) -> int:
    """The level-`lvl` cell holding leaf (i, j), which may lie just beyond the face's edge: the
    point is taken to the sphere and projected again onto the face it falls on."""
    if 0 <= i < _MAX_SIZE and 0 <= j < _MAX_SIZE:
        return parent(_from_face_ij(face, i, j), lvl)
    # a leaf center just outside the face, in the linear projection (any projection would do)
    limit = 1.0 + 2.0 ** -52
    u = max(-limit, min(limit, (2 * (i - _MAX_SIZE // 2) + 1) / _MAX_SIZE))
    v = max(-limit, min(limit, (2 * (j - _MAX_SIZE // 2) + 1) / _MAX_SIZE))
    x, y, z = _uv_to_xyz(face, u, v)
    new_face = _face(x, y, z)
    u, v = _xyz_to_uv(new_face, x, y, z)
    return parent(_from_face_ij(new_face, _st_to_ij(0.5 * (u + 1)), _st_to_ij(0.5 * (v + 1))), lvl)


# The order Kusto lists a cell's neighbors in, as (i, j) steps: the one on the reference page
# (89c259). Kusto does not document it; S2's own AppendAllNeighbors goes row by row instead.
_AROUND = ((1, 1), (-1, -1), (1, -1), (0, -1), (0, 1), (1, 0), (-1, 0), (-1, 1))


def neighbors(cell: int) -> list[int]:
    """The cells of the same level around a cell (edge and corner neighbors). A corner shared by
    only three cells (a cube corner) gives one neighbor fewer."""
    lvl = level(cell)
    face, i, j = _to_face_ij(cell)
    size = 1 << (MAX_LEVEL - lvl)
    out: list[int] = []
    for di, dj in _AROUND:
        ni = i - 1 if di < 0 else i + size if di > 0 else i
        nj = j - 1 if dj < 0 else j + size if dj > 0 else j
        off_i, off_j = not 0 <= ni < _MAX_SIZE, not 0 <= nj < _MAX_SIZE
        if off_i and off_j:  # a cube corner: the diagonal cell does not exist
            continue
        n = _from_face_ij_wrapped(face, ni, nj, lvl)
        if n != cell and n not in out:
            out.append(n)
    return out
