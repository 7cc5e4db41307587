"""Rectilinear building footprints split into rectangular wings.

An L-, T- or U-shaped house has one ridge per wing, not one ridge on the
rectangle that encloses it. :func:`split_footprint` finds those wings so that
:mod:`geodata.roofs` can roof each of them on its own. Coordinates must be in
a metric CRS [m].

Method
------
1. **Frame.** The rectilinear frame is the dominant edge direction, not the
   axis of the minimum rotated rectangle: the minimum rectangle of an L may
   lie along the diagonal that cuts its notch. Every edge votes with its
   length for its direction modulo 90 deg; the direction gathering most
   length within ``angle_tolerance_deg`` wins, refined by the length-weighted
   circular mean of the edges that agree with it.
2. **Rectilinear or not.** The footprint is rectilinear when the edges within
   ``angle_tolerance_deg`` of the frame's axes make at least
   ``min_aligned_fraction`` of its perimeter. Otherwise (curves, chamfers,
   many angles) it is ``"complex"`` and not split.
3. **Grid.** Rotated into the frame, the axis-parallel edges give the grid
   lines (``x`` of the near-vertical edges, ``y`` of the near-horizontal
   ones); lines closer than ``snap_m`` are merged, which snaps small
   deviations (a wall a few centimetres off, a short jog). A cell of the
   grid belongs to the footprint when at least half of it is inside. The
   snapped shape must match the footprint within ``max_mismatch`` of its
   area (symmetric difference), otherwise the footprint is ``"complex"``;
   so is one needing more than 16 grid lines on an axis.
4. **Rectangles.** The cells are covered by disjoint rectangles of whole
   cells, greedily: each candidate starts with one of the maximal
   rectangles (rectangles of footprint cells that cannot grow in any
   direction), then repeatedly takes the largest rectangle of the cells left.
   The candidate with the fewest parts wins; among equals, the one whose
   smallest part is largest (balanced wings: two 10 x 6 m wings of an L stay
   two 10 x 6 m wings rather than a 16 m bar and a 4 m stub). Exact minimum
   partitions (matching of chords between reflex corners) are not needed for
   the few-wing houses this is for. A footprint needing more than
   ``max_parts`` parts is ``"complex"``.
5. **Small parts.** Rectangles smaller than ``min_part_area_m2`` (porches,
   bay windows) are not wings: their area joins a neighbouring wing.
6. **Tiles.** Each rectangle, extended outwards where it lies on the grid's
   outer lines, is intersected with the real footprint; what no rectangle
   covers (snapping slivers, small parts) joins the tile with which it shares
   the longest boundary (the nearest tile if it touches none). The tiles
   therefore partition the footprint: cut with snap-rounding on a 1e-7 m
   grid (which keeps them valid), their areas add up to its area within
   about 1e-8 of it.
7. **Name.** The notches the shape leaves in its bounding grid name it: one
   corner notch, L; one notch in a side, U; two corner notches on one side,
   T, on opposite corners, Z; two side notches facing each other, H; four
   corner notches, a cross; anything else is ``"rectilinear"``.

Each part also has a **wing**: the largest maximal rectangle that contains it.
It gives the direction of the part's ridge: at the inner corner of an L,
one wing's rectangle is cut short to a stub (6 x 4 m in an L of two 10 x 6 m
wings overlapping at the corner) whose own long axis is across the wing; its
wing still runs the right way.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["FootprintSplit", "decompose_footprint", "split_footprint"]

# At most this many grid lines per axis before a footprint is called complex:
# a rectilinear house of up to ~6 wings has far fewer; bounds the search.
_MAX_GRID_LINES = 16
# Areas [m2] below this are floating-point slivers of an intersection.
_SLIVER_M2 = 1e-6
# Vertices closer than this to the line of their neighbours are dropped [m].
_SIMPLIFY_M = 1e-6
# Tiles are cut with snap-rounding on this grid [m], which keeps them valid; it moves
# their edges by at most this much (a relative area error near 1e-8 for a house).
_GRID_M = 1e-7


@dataclass(frozen=True)
class FootprintSplit:
    """A footprint split into wings, in the footprint's (metric) CRS.

    Attributes
    ----------
    parts : tuple of shapely geometries
        Tiles that partition the footprint (their union is the footprint,
        their areas add up to its area); one element, the footprint itself,
        when it is not split. Largest first.
    rectangles : tuple of shapely.Polygon
        The rectangle of each part, in the rectilinear frame (empty when not
        split). A part differs from its rectangle only by snapped slivers and
        merged small parts.
    wings : tuple of shapely.Polygon
        For each part, the largest rectangle of the footprint that contains
        it: its long axis is the direction of the part's ridge.
    shape : str
        ``"rectangle"`` (one part), ``"L-shape"``, ``"T-shape"``,
        ``"Z-shape"``, ``"U-shape"``, ``"H-shape"``, ``"cross"``,
        ``"rectilinear"`` (other rectilinear shapes, courtyards) or
        ``"complex"`` (not rectilinear, or too many parts: not split).
    axis_deg : float
        Grid bearing of the rectilinear frame's first axis, clockwise from
        grid north [deg], in [0, 90); NaN when there are no edges.
    """

    parts: tuple
    rectangles: tuple
    wings: tuple
    shape: str
    axis_deg: float

    @property
    def split(self) -> bool:
        """True when the footprint is split into two or more parts."""
        return len(self.parts) > 1


def decompose_footprint(
    polygon: BaseGeometry,
    *,
    max_parts: int = 6,
    min_part_area_m2: float = 10.0,
    angle_tolerance_deg: float = 10.0,
    min_aligned_fraction: float = 0.85,
    snap_m: float = 0.5,
    max_mismatch: float = 0.05,
) -> list:
    """Tiles of a footprint, one per rectangular wing (see :func:`split_footprint`).

    Returns
    -------
    list of shapely geometries
        The parts; ``[polygon]`` when the footprint is not split.
    """
    return list(
        split_footprint(
            polygon,
            max_parts=max_parts,
            min_part_area_m2=min_part_area_m2,
            angle_tolerance_deg=angle_tolerance_deg,
            min_aligned_fraction=min_aligned_fraction,
            snap_m=snap_m,
            max_mismatch=max_mismatch,
        ).parts
    )


def split_footprint(
    polygon: BaseGeometry,
    *,
    max_parts: int = 6,
    min_part_area_m2: float = 10.0,
    angle_tolerance_deg: float = 10.0,
    min_aligned_fraction: float = 0.85,
    snap_m: float = 0.5,
    max_mismatch: float = 0.05,
) -> FootprintSplit:
    """Split a rectilinear footprint into rectangular wings (see module notes).

    Parameters
    ----------
    polygon : shapely.Polygon
        Valid footprint in a metric CRS [m]; holes are allowed.
    max_parts : int, default 6
        More parts than this and the footprint is ``"complex"`` (assumption:
        houses have a few wings; beyond that the shape is a block whose roof
        is better approximated as a whole).
    min_part_area_m2 : float, default 10
        Rectangles smaller than this join a neighbouring wing [m2]
        (assumption: porches, bay windows and entrance canopies do not carry
        a roof worth modelling on its own).
    angle_tolerance_deg : float, default 10
        Edges within this angle of the frame's axes count as axis-parallel
        [deg] (assumption: digitised footprints of right-angled houses are
        off by a few degrees).
    min_aligned_fraction : float, default 0.85
        Share of the perimeter that must be axis-parallel for a rectilinear
        footprint [-].
    snap_m : float, default 0.5
        Grid lines closer than this are merged [m] (about a wall's thickness).
    max_mismatch : float, default 0.05
        Largest symmetric difference between the snapped shape and the
        footprint, as a share of its area [-].

    Returns
    -------
    FootprintSplit
    """
    if polygon.is_empty or polygon.area <= 0 or shapely.get_type_id(polygon) != 3:
        return FootprintSplit((polygon,), (), (), "complex", float("nan"))
    # Work next to the origin: Lambert-93 coordinates are ~1e6 m.
    origin = np.asarray(polygon.exterior.coords[0])
    local = shapely.transform(polygon, lambda xy: xy - origin)
    rings = [np.asarray(local.exterior.coords)] + [np.asarray(r.coords) for r in local.interiors]
    edges = np.concatenate([np.diff(r, axis=0) for r in rings])
    length = np.hypot(edges[:, 0], edges[:, 1])
    keep = length > 1e-9
    edges, length = edges[keep], length[keep]
    if not length.size:
        return FootprintSplit((polygon,), (), (), "complex", float("nan"))

    theta, aligned = _frame(edges, length, np.radians(angle_tolerance_deg))
    axis_deg = float(np.mod(90.0 - np.degrees(theta), 90.0))
    if length[aligned].sum() < min_aligned_fraction * length.sum():
        return FootprintSplit((polygon,), (), (), "complex", axis_deg)

    # Rotate by -theta: the frame's axes become x and y.
    c, s = np.cos(theta), np.sin(theta)

    def to_frame(xy):
        return np.column_stack([c * xy[:, 0] + s * xy[:, 1], -s * xy[:, 0] + c * xy[:, 1]])

    def from_frame(xy):
        return np.column_stack([c * xy[:, 0] - s * xy[:, 1], s * xy[:, 0] + c * xy[:, 1]]) + origin

    rotated = shapely.transform(local, to_frame)
    xs, ys = _grid_lines(rotated, snap_m, np.radians(angle_tolerance_deg))
    if len(xs) > _MAX_GRID_LINES or len(ys) > _MAX_GRID_LINES or len(xs) < 2 or len(ys) < 2:
        return FootprintSplit((polygon,), (), (), "complex", axis_deg)

    nx, ny = len(xs) - 1, len(ys) - 1
    gx0, gy0 = np.meshgrid(xs[:-1], ys[:-1], indexing="ij")
    gx1, gy1 = np.meshgrid(xs[1:], ys[1:], indexing="ij")
    cells = shapely.box(gx0, gy0, gx1, gy1)
    cell_area = (gx1 - gx0) * (gy1 - gy0)
    inside = shapely.area(shapely.intersection(cells, rotated))
    filled = inside >= 0.5 * cell_area
    total = rotated.area
    mismatch = (cell_area[filled].sum() - inside[filled].sum()) + (total - inside[filled].sum())
    if mismatch > max_mismatch * total or not filled.any():
        return FootprintSplit((polygon,), (), (), "complex", axis_deg)

    rects = _partition(filled, cell_area)
    areas = np.array([cell_area[i0:i1, j0:j1].sum() for i0, i1, j0, j1 in rects])
    big = areas >= min_part_area_m2
    if not big.any():
        big = areas == areas.max()
    rects = [r for r, b in zip(rects, big, strict=True) if b]
    if len(rects) > max_parts:
        return FootprintSplit((polygon,), (), (), "complex", axis_deg)
    if len(rects) == 1:
        return FootprintSplit((polygon,), (), (), "rectangle", axis_deg)

    mask = np.zeros_like(filled)
    for i0, i1, j0, j1 in rects:
        mask[i0:i1, j0:j1] = True
    wings = [
        shapely.box(xs[w0], ys[w2], xs[w1], ys[w3])
        for w0, w1, w2, w3 in (_wing(mask, cell_area, r) for r in rects)
    ]
    shape = _shape_name(mask)

    # Rectangles stretched beyond the grid's outer lines catch what snapping left outside.
    far = float(np.ptp(xs) + np.ptp(ys)) + 1.0
    boxes, stretched = [], []
    for i0, i1, j0, j1 in rects:
        boxes.append(shapely.box(xs[i0], ys[j0], xs[i1], ys[j1]))
        stretched.append(
            shapely.box(
                xs[i0] - far * (i0 == 0),
                ys[j0] - far * (j0 == 0),
                xs[i1] + far * (i1 == nx),
                ys[j1] + far * (j1 == ny),
            )
        )
    tiles = _polygonal_all(shapely.intersection(np.array(stretched), rotated, grid_size=_GRID_M))
    tiles = _attach_leftovers(rotated, tiles)
    # Drop the near-duplicate vertices that snapping and merging leave (a micrometre apart):
    # they would make the planes invalid once rounded to a geographic CRS.
    tiles = shapely.simplify(tiles, _SIMPLIFY_M)

    order = np.argsort(-shapely.area(tiles), kind="stable")
    back = [shapely.transform(g, from_frame) for g in (tiles[order], boxes, wings)]
    boxes_back = np.asarray(back[1], dtype=object)[order]
    wings_back = np.asarray(back[2], dtype=object)[order]
    return FootprintSplit(
        parts=tuple(back[0]),
        rectangles=tuple(boxes_back),
        wings=tuple(wings_back),
        shape=shape,
        axis_deg=axis_deg,
    )


def _frame(edges: np.ndarray, length: np.ndarray, tol: float) -> tuple[float, np.ndarray]:
    """Angle [rad, counter-clockwise from x] of the dominant direction mod 90 deg, aligned edges."""
    phi = np.mod(np.arctan2(edges[:, 1], edges[:, 0]), np.pi / 2)

    def gap(a, b):
        d = np.abs(np.mod(a - b, np.pi / 2))
        return np.minimum(d, np.pi / 2 - d)

    score = (length[None, :] * (gap(phi[:, None], phi[None, :]) <= tol)).sum(axis=1)
    best = phi[np.argmax(score)]
    aligned = gap(phi, best) <= tol
    # Circular mean with period 90 deg: angles times 4 on the unit circle.
    z = (length[aligned] * np.exp(4j * phi[aligned])).sum()
    theta = float(np.angle(z) / 4.0)
    return theta, gap(phi, theta) <= tol


def _grid_lines(rotated, snap_m: float, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Sorted x and y of the grid lines of a footprint rotated into its frame [m]."""
    rings = [np.asarray(rotated.exterior.coords)] + [
        np.asarray(r.coords) for r in rotated.interiors
    ]
    a = np.concatenate([r[:-1] for r in rings])
    b = np.concatenate([r[1:] for r in rings])
    d = b - a
    angle = np.abs(np.arctan2(d[:, 1], d[:, 0]))  # 0..pi
    horizontal = np.minimum(angle, np.pi - angle) <= tol
    vertical = np.abs(angle - np.pi / 2) <= tol
    mid = (a + b) / 2.0
    weight = np.hypot(d[:, 0], d[:, 1])
    # Edges shorter than a nanometre are rounding debris: no grid line of their own.
    horizontal &= weight > 1e-9
    vertical &= weight > 1e-9
    x0, y0, x1, y1 = rotated.bounds
    xs = _snap(mid[vertical, 0], weight[vertical], x0, x1, snap_m)
    ys = _snap(mid[horizontal, 1], weight[horizontal], y0, y1, snap_m)
    return xs, ys


def _snap(values, weight, low, high, snap_m) -> np.ndarray:
    """Cluster coordinates closer than ``snap_m``: length-weighted mean of each cluster."""
    values = np.concatenate([values, [low, high]])
    weight = np.concatenate([weight, [1e-9, 1e-9]])
    order = np.argsort(values)
    values, weight = values[order], weight[order]
    cluster = np.concatenate([[0], np.cumsum(np.diff(values) > snap_m)])
    sums = np.bincount(cluster, weight * values)
    totals = np.bincount(cluster, weight)
    return sums / totals


def _rect_sums(prefix: np.ndarray, i0, i1, j0, j1):
    return prefix[i1, j1] - prefix[i0, j1] - prefix[i1, j0] + prefix[i0, j0]


def _prefix(grid: np.ndarray) -> np.ndarray:
    out = np.zeros((grid.shape[0] + 1, grid.shape[1] + 1))
    out[1:, 1:] = grid.cumsum(0).cumsum(1)
    return out


@functools.lru_cache(maxsize=_MAX_GRID_LINES**2)
def _all_rectangles(nx: int, ny: int) -> tuple[np.ndarray, ...]:
    """Every rectangle of whole cells of an nx x ny grid: (i0, i1, j0, j1), half-open."""
    i0, i1 = np.triu_indices(nx + 1, k=1)
    j0, j1 = np.triu_indices(ny + 1, k=1)
    m = len(j0)
    out = (np.repeat(i0, m), np.repeat(i1, m), np.tile(j0, len(i0)), np.tile(j1, len(i0)))
    for a in out:
        a.flags.writeable = False  # shared by the cache
    return out


def _full(mask: np.ndarray, rect_index) -> np.ndarray:
    """Which rectangles (cell index ranges) are made of True cells only."""
    i0, i1, j0, j1 = rect_index
    return _rect_sums(_prefix(mask), i0, i1, j0, j1) == (i1 - i0) * (j1 - j0)


def _maximal(mask: np.ndarray, rect_index) -> np.ndarray:
    """Rectangles of True cells that cannot grow by one row or column in any direction."""
    i0, i1, j0, j1 = rect_index
    nx, ny = mask.shape
    prefix = _prefix(mask)
    full = _rect_sums(prefix, i0, i1, j0, j1) == (i1 - i0) * (j1 - j0)
    height, width = j1 - j0, i1 - i0
    left = (i0 > 0) & (_rect_sums(prefix, np.maximum(i0 - 1, 0), i0, j0, j1) == height)
    right = (i1 < nx) & (_rect_sums(prefix, i1, np.minimum(i1 + 1, nx), j0, j1) == height)
    down = (j0 > 0) & (_rect_sums(prefix, i0, i1, np.maximum(j0 - 1, 0), j0) == width)
    up = (j1 < ny) & (_rect_sums(prefix, i0, i1, j1, np.minimum(j1 + 1, ny)) == width)
    return full & ~(left | right | down | up)


def _partition(filled: np.ndarray, cell_area: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Disjoint rectangles of whole cells covering ``filled`` (see module notes, step 4)."""
    index = _all_rectangles(*filled.shape)
    area = _rect_sums(_prefix(cell_area), *index)
    i0, i1, j0, j1 = index
    xlen = np.asarray(i1 - i0, dtype=float)
    ylen = np.asarray(j1 - j0, dtype=float)
    # Ties in area go to the more elongated rectangle (a longer wing).
    rank = area + 1e-9 * np.maximum(xlen, ylen) / np.minimum(xlen, ylen)
    starts = np.flatnonzero(_maximal(filled, index))
    best, best_key = None, None
    limit = filled.sum()
    for first in starts:
        chosen = [first]
        left = filled.copy()
        left[i0[first] : i1[first], j0[first] : j1[first]] = False
        while left.any() and len(chosen) <= limit:
            full = _full(left, index)
            k = int(np.argmax(np.where(full, rank, -np.inf)))
            chosen.append(k)
            left[i0[k] : i1[k], j0[k] : j1[k]] = False
        key = (len(chosen), -min(area[k] for k in chosen))
        if best_key is None or key < best_key:
            best, best_key = chosen, key
    return [(int(i0[k]), int(i1[k]), int(j0[k]), int(j1[k])) for k in best]


def _wing(mask: np.ndarray, cell_area: np.ndarray, rect) -> tuple[int, int, int, int]:
    """Largest rectangle of ``mask`` containing ``rect`` (cell index ranges)."""
    index = _all_rectangles(*mask.shape)
    i0, i1, j0, j1 = index
    a0, a1, b0, b1 = rect
    contains = (i0 <= a0) & (i1 >= a1) & (j0 <= b0) & (j1 >= b1) & _full(mask, index)
    area = np.where(contains, _rect_sums(_prefix(cell_area), *index), -np.inf)
    k = int(np.argmax(area))
    return (int(i0[k]), int(i1[k]), int(j0[k]), int(j1[k]))


def _shape_name(mask: np.ndarray) -> str:
    """Name of a rectilinear shape from the notches its cells leave in their bounding grid.

    Each notch (4-connected group of empty cells) must be a rectangle open to
    the outside. One corner notch: L; one notch in the middle of a side: U;
    two corner notches on one side: T, on opposite corners: Z; two side
    notches on opposite sides: H; four corner notches: cross.
    """
    # Rows and columns emptied by merging small parts are outside the shape.
    mask = mask[mask.any(axis=1)][:, mask.any(axis=0)]
    nx, ny = mask.shape
    seen = mask.copy()
    notches = []
    for start in zip(*np.nonzero(~mask), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        cells, stack = [], [start]
        while stack:
            i, j = stack.pop()
            cells.append((i, j))
            for p, q in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
                if 0 <= p < nx and 0 <= q < ny and not seen[p, q]:
                    seen[p, q] = True
                    stack.append((p, q))
        ii, jj = np.array(cells).T
        if len(cells) != (np.ptp(ii) + 1) * (np.ptp(jj) + 1):
            return "rectilinear"
        sides = frozenset(
            side
            for side, touches in (
                ("w", ii.min() == 0),
                ("e", ii.max() == nx - 1),
                ("s", jj.min() == 0),
                ("n", jj.max() == ny - 1),
            )
            if touches
        )
        notches.append(sides)
    corners = [n for n in notches if len(n) == 2 and not ({"w", "e"} <= n or {"s", "n"} <= n)]
    middles = [n for n in notches if len(n) == 1]
    if len(notches) == 1 and corners:
        return "L-shape"
    if len(notches) == 1 and middles:
        return "U-shape"
    if len(notches) == 2 and len(corners) == 2:
        return "T-shape" if corners[0] & corners[1] else "Z-shape"
    if len(notches) == 2 and len(middles) == 2 and not (middles[0] & middles[1]):
        return "H-shape"
    if len(notches) == 4 and len(corners) == 4:
        return "cross"
    return "rectilinear"


def _polygonal_all(geoms: np.ndarray) -> np.ndarray:
    """Polygonal part of each geometry (intersections may add stray lines and points)."""
    out = np.array(geoms, dtype=object)
    for k in np.flatnonzero(shapely.get_type_id(out) == 7):
        polys = [g for g in shapely.get_parts(out[k]) if shapely.get_type_id(g) in (3, 6)]
        out[k] = shapely.union_all(polys) if polys else shapely.Polygon()
    return out


def _attach_leftovers(footprint, tiles: np.ndarray) -> np.ndarray:
    """Join every piece of the footprint that no tile covers to its best neighbouring tile."""
    rest = shapely.difference(
        footprint, shapely.union_all(tiles, grid_size=_GRID_M), grid_size=_GRID_M
    )
    tiles = tiles.copy()
    for piece in shapely.get_parts(rest):
        if shapely.get_type_id(piece) != 3 or piece.area <= _SLIVER_M2:
            continue
        shared = shapely.length(shapely.intersection(piece.boundary, shapely.boundary(tiles)))
        if shared.max() > 0:
            k = int(np.argmax(shared))
        else:
            k = int(np.argmin(shapely.distance(piece, tiles)))
        tiles[k] = shapely.union(tiles[k], piece, grid_size=_GRID_M)
    return tiles
