"""Skyline (horizon) profiles of roof planes from the surrounding buildings.

For every roof plane, :func:`horizon_profiles` gives the elevation angle of
the obstructing skyline in azimuth sectors (centres ``0, sector_deg, ...``
clockwise from TRUE north), from the footprints and heights of the
neighbouring buildings. :mod:`solar.shading` turns such profiles into beam
visibility and a sky-view fraction for pvlib.

Method
------
Everything is computed in the metric CRS of :func:`geodata.metric.metric_crs`
(Lambert-93, EPSG:2154, when every geometry lies inside its area of use,
otherwise the UTM zone). Azimuths are measured from true north: the grid
bearing of north (meridian convergence, about 3 deg at Nantes in Lambert-93)
is found at each observer by :func:`geodata.metric.north_bearing`, as
:mod:`geodata.roofs` does.

1. Each plane is seen from ONE observation point: the centroid of its
   polygon in plan, at its mid-height (see :func:`observer_heights`).
2. Candidate neighbours are the buildings whose footprint lies within
   ``radius_m`` of the observer, found with a :class:`shapely.STRtree` query
   (``predicate="dwithin"``). The plane's own building (same id) is left out,
   and so are neighbours not taller than the observer (they cannot rise above
   its horizontal) and neighbours whose footprint contains the observer
   (overlapping footprints, e.g. building parts mapped over an outline).
3. Each neighbour is an extruded prism of its full height ``height_m``
   (top of the roof, the schema's definition). ``rays_per_sector`` rays per
   sector are cast from the observer, at azimuths
   ``centre + (j + 1/2) * step - sector_deg / 2`` (``step = sector_deg /
   rays_per_sector``; with an odd count the centre ray is one of them). For
   every edge of every neighbour ring (holes included) only the rays inside
   the edge's angular span are intersected with it, so the work grows with
   the angle neighbours subtend, not with ``neighbours x rays``. A ray that
   meets a neighbour at distance ``d <= radius_m`` sees it at the elevation
   ``atan((height_m - observer_height) / d)``; a ray's elevation is the
   largest over all neighbours (nearest wall of the tallest obstacle), 0 where
   nothing is met.
4. A sector's elevation is the ``statistic`` of its rays: ``"max"`` (default,
   conservative: the skyline's highest point in the sector, as a horizon
   survey traced through peaks) or ``"mean"`` (average skyline elevation in
   the sector).

Approximations and what is out of scope
---------------------------------------
- One observer per plane: a large roof partly in a neighbour's shadow is
  shaded all-or-nothing from its centroid's point of view.
- Neighbours are prisms of their full height: pitched neighbour roofs are
  taken at their ridge height over the whole footprint (overestimates the
  obstruction near gables and eaves).
- Taller parts of the plane's OWN building (a tower on a low wing, a dormer,
  a chimney) are not modelled: a building never shades itself here.
- Terrain is flat (no elevation model), vegetation and street furniture are
  ignored, and buildings farther than ``radius_m`` are ignored: the skyline
  they would add is at most ``atan(height difference / radius_m)``.
- Neighbour heights: ``height_m`` when known, else ``levels *
  storey_height_m``, else ``default_height_m`` (:func:`building_heights`
  reports how many of each).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.metric import bearing, metric_crs, north_bearing
from quartier_solaire.errors import Problem

__all__ = [
    "ShadingParams",
    "STATISTICS",
    "building_heights",
    "horizon_frame",
    "horizon_profiles",
    "observer_heights",
    "sector_centres",
]

STATISTICS: tuple[str, ...] = ("max", "mean")
"""How the rays of one sector are combined into the sector's elevation."""

# Storey height [m] to turn building:levels into a height: the usual rough
# estimate of 3 m per level (OpenStreetMap wiki, Key:building:levels and
# Simple 3D Buildings).
STOREY_HEIGHT_M = 3.0
# Height [m] of a building with neither height nor levels: assumption, a
# two-storey house of STOREY_HEIGHT_M storeys, the common house of Nantes suburbs.
DEFAULT_HEIGHT_M = 6.0
# Roof shapes of geodata.roofs whose modules sit on a flat roof: no roof rise.
_FLAT_SHAPES = ("flat", "canopy")
# (plane, edge) pairs expanded at once: bounds the temporaries (a few tens of
# float64 arrays of this length times the rays each edge spans) to ~100 MiB.
_CHUNK = 250_000
# Cross products below this [m] are edges seen exactly edge-on: the polygon's
# other edges give the intersection.
_EPS = 1e-9


def sector_centres(sector_deg: float = 10.0) -> np.ndarray:
    """Azimuths [deg] of the sector centres, ``0, sector_deg, ..., 360 - sector_deg``.

    Raises
    ------
    ValueError
        If ``sector_deg`` does not divide 360.
    """
    n = _n_sectors(sector_deg)
    return np.arange(n) * float(sector_deg)


def building_heights(
    buildings: pd.DataFrame,
    *,
    storey_height_m: float = STOREY_HEIGHT_M,
    default_height_m: float = DEFAULT_HEIGHT_M,
) -> tuple[np.ndarray, list[Problem]]:
    """Height of every building, estimated where it is missing.

    Parameters
    ----------
    buildings : pandas.DataFrame
        Buildings in the schema of :mod:`geodata.schema` (``height_m``,
        ``levels``; missing columns are treated as unknown).
    storey_height_m : float, default 3
        Height of one storey when only ``levels`` is known. [m]
    default_height_m : float, default 6
        Height when neither ``height_m`` nor ``levels`` is known. [m]

    Returns
    -------
    height_m : numpy.ndarray
        One height per row. [m]
    problems : list of Problem
        ``shading_height_from_levels`` and ``shading_height_default``
        (severity ``"repaired"``) with the number of buildings concerned.
    """
    n = len(buildings)
    height = _column(buildings, "height_m", n)
    levels = _column(buildings, "levels", n)
    # A height of 0 or less is no height (the readers flag such values).
    known = np.isfinite(height) & (height > 0)
    from_levels = ~known & np.isfinite(levels) & (levels > 0)
    default = ~known & ~from_levels
    out = np.where(known, height, np.where(from_levels, levels * storey_height_m, default_height_m))
    problems = []
    if from_levels.any():
        count = int(from_levels.sum())
        problems.append(
            Problem(
                code="shading_height_from_levels",
                message=f"{count} building(s) without height_m: height estimated as "
                f"levels x {storey_height_m:g} m for shading.",
                severity="repaired",
                field="height_m",
                count=count,
                params={"storey_height_m": f"{storey_height_m:g}"},
            )
        )
    if default.any():
        count = int(default.sum())
        problems.append(
            Problem(
                code="shading_height_default",
                message=f"{count} building(s) without height_m or levels: "
                f"{default_height_m:g} m assumed for shading.",
                severity="repaired",
                field="height_m",
                count=count,
                params={"default_height_m": f"{default_height_m:g}"},
            )
        )
    return out, problems


def observer_heights(
    planes: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    storey_height_m: float = STOREY_HEIGHT_M,
    default_height_m: float = DEFAULT_HEIGHT_M,
) -> tuple[np.ndarray, list[Problem]]:
    """Height [m] of each plane's observation point: the plane's mid-height.

    A pitched plane runs from the eaves at ``H - rise`` up to the ridge at
    ``H``, where ``H`` is its building's height (top of the roof, see
    :func:`building_heights`); its mid-height is ``H - rise / 2``. The rise is
    the building's ``roof_height_m`` when known, else ``run *
    tan(surface_tilt)`` with ``run`` the plane's extent in plan along its
    downslope direction ``surface_azimuth``. Planes on flat roofs
    (``roof_shape`` ``"flat"`` or ``"canopy"``, or ``mounting == "rack"``),
    and planes without ``surface_tilt`` (or, when the rise is not known,
    without ``surface_azimuth``) are at ``H``. A finite
    ``observer_height_m`` column of ``planes`` overrides all this.

    Parameters
    ----------
    planes : geopandas.GeoDataFrame
        Roof planes (``building_id``, ``geometry``; optional ``surface_tilt``
        [deg], ``surface_azimuth`` [deg], ``roof_shape``, ``mounting``,
        ``observer_height_m`` [m]).
    buildings : geopandas.GeoDataFrame
        Buildings in the normalised schema.
    storey_height_m, default_height_m : float
        See :func:`building_heights`. [m]

    Returns
    -------
    observer_height_m : numpy.ndarray
        One height per plane, at least 0. [m]
    problems : list of Problem
        Those of :func:`building_heights` for the planes' own buildings, and
        ``shading_plane_building_unknown`` for planes whose ``building_id`` is
        not among ``buildings`` (``default_height_m`` is then used).
    """
    n = len(planes)
    height_b, _ = building_heights(
        buildings, storey_height_m=storey_height_m, default_height_m=default_height_m
    )
    row = _own_rows(planes, buildings)
    found = row >= 0
    h = np.where(found, height_b[np.maximum(row, 0)], default_height_m)
    problems = []
    if (~found).any():
        count = int((~found).sum())
        problems.append(
            Problem(
                code="shading_plane_building_unknown",
                message=f"{count} roof plane(s) refer to no known building: "
                f"{default_height_m:g} m assumed for their height.",
                severity="repaired",
                field="building_id",
                count=count,
                params={"default_height_m": f"{default_height_m:g}"},
            )
        )
    used = np.unique(row[found])
    if len(used):
        problems += building_heights(
            buildings.iloc[used], storey_height_m=storey_height_m, default_height_m=default_height_m
        )[1]

    rise = np.zeros(n)
    if "surface_tilt" in planes and n:
        tilt = pd.to_numeric(planes["surface_tilt"], errors="coerce").to_numpy(float)
        azimuth = _column(planes, "surface_azimuth", n)
        flat = ~np.isfinite(tilt) | (tilt <= 0)
        if "roof_shape" in planes:
            flat |= (
                planes["roof_shape"].astype("string").isin(_FLAT_SHAPES).fillna(False).to_numpy()
            )
        if "mounting" in planes:
            flat |= (planes["mounting"].astype("string") == "rack").fillna(False).to_numpy(bool)
        known_rise = _column(buildings, "roof_height_m", len(buildings))[np.maximum(row, 0)]
        known_rise = np.where(found, known_rise, np.nan)
        pitched = ~flat
        need = pitched & ~(np.isfinite(known_rise) & (known_rise >= 0))
        # Without an azimuth the downslope direction, hence the run, is unknown.
        pitched &= ~need | np.isfinite(azimuth)
        need &= pitched
        geometric = np.zeros(n)
        if need.any():
            sel = np.flatnonzero(need)
            geometric[sel] = _run_m(planes.iloc[sel], azimuth[sel]) * np.tan(np.radians(tilt[sel]))
        rise = np.where(pitched, np.where(need, geometric, known_rise), 0.0)
    out = np.maximum(h - rise / 2.0, 0.0)
    if "observer_height_m" in planes:
        given = pd.to_numeric(planes["observer_height_m"], errors="coerce").to_numpy(float)
        out = np.where(np.isfinite(given), given, out)
    return out, problems


@dataclass(frozen=True)
class ShadingParams:
    """Whether and how far to look for neighbours' shade.

    Parameters
    ----------
    enabled : bool
        Account for shading by neighbouring buildings.
    radius_m : float
        Neighbours farther than this are ignored [m]. At Nantes the winter
        solstice noon sun stands ~19 deg high (90 - 47.2 - 23.4), so a 30 m
        block casts ~85 m of shade: 100 m covers the buildings of a
        neighbourhood (assumption, editable).
    sector_deg : float
        Width of the skyline's azimuth sectors [deg].
    """

    enabled: bool = True
    radius_m: float = 100.0
    sector_deg: float = 10.0


def horizon_profiles(
    planes: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    radius_m: float = 100.0,
    sector_deg: float = 10.0,
    rays_per_sector: int = 5,
    statistic: str = "max",
    storey_height_m: float = STOREY_HEIGHT_M,
    default_height_m: float = DEFAULT_HEIGHT_M,
) -> np.ndarray:
    """Skyline elevation around every roof plane, per azimuth sector.

    See the module docstring for the method and its approximations. The
    heights it assumes are reported by :func:`building_heights` (neighbours)
    and :func:`observer_heights` (observers).

    Parameters
    ----------
    planes : geopandas.GeoDataFrame
        Roof planes, as :func:`geodata.roofs.roof_planes` returns them:
        ``building_id``, ``geometry`` (the plane in plan); optional
        ``surface_tilt``, ``surface_azimuth``, ``roof_shape``, ``mounting``
        and ``observer_height_m`` (see :func:`observer_heights`). Any CRS
        (EPSG:4326 in the project).
    buildings : geopandas.GeoDataFrame
        Buildings in the normalised schema (``id``, ``height_m``, ``levels``,
        ``roof_height_m``, ``geometry``), any CRS.
    radius_m : float, default 100
        Neighbours farther than this from the observer are ignored. [m]
        Assumption: at 100 m a neighbour must be about 35 m taller than the
        roof to reach the noon sun of the December solstice at Nantes
        (19.4 deg), so farther buildings seldom matter.
    sector_deg : float, default 10
        Width of the azimuth sectors; must divide 360. [deg]
    rays_per_sector : int, default 5
        Rays cast per sector (2 deg apart by default, so a 5 m wide
        building is still met at about 140 m). [-]
    statistic : {"max", "mean"}, default "max"
        How a sector's rays are combined.
    storey_height_m, default_height_m : float
        Height estimates where ``height_m`` is missing, see
        :func:`building_heights`. [m]

    Returns
    -------
    numpy.ndarray
        Shape ``(len(planes), 360 / sector_deg)``: skyline elevation [deg,
        0..90) of each plane (rows, in the order of ``planes``) in each
        sector (columns, centres :func:`sector_centres`, clockwise from
        true north). 0 where no neighbour rises above the observer.

    Raises
    ------
    ValueError
        For a frame without CRS, a planes frame without ``building_id``, or
        invalid options.

    See Also
    --------
    horizon_frame : the same skylines as a frame, with the findings.
    """
    return _profiles(
        planes,
        buildings,
        radius_m=radius_m,
        sector_deg=sector_deg,
        rays_per_sector=rays_per_sector,
        statistic=statistic,
        storey_height_m=storey_height_m,
        default_height_m=default_height_m,
    )[0]


def horizon_frame(
    planes: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    radius_m: float = 100.0,
    sector_deg: float = 10.0,
    rays_per_sector: int = 5,
    statistic: str = "max",
    storey_height_m: float = STOREY_HEIGHT_M,
    default_height_m: float = DEFAULT_HEIGHT_M,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Skylines of :func:`horizon_profiles` as a frame, with what was assumed to get them.

    Parameters are those of :func:`horizon_profiles`.

    Returns
    -------
    horizon : pandas.DataFrame
        Skyline elevation [deg], one row per plane indexed by ``plane_id``
        (the index of ``planes`` without that column), one column per sector
        named by its centre azimuth [deg clockwise from true north]
        (:func:`sector_centres`; column index named ``"azimuth"``).
    problems : list of Problem
        ``shading_height_from_levels`` and ``shading_height_default`` over
        all buildings (each is a neighbour of some plane or an observer's
        own), ``shading_plane_building_unknown``, and
        ``shading_plane_no_position`` for planes without a usable position
        (they get no skyline).
    """
    profiles, problems = _profiles(
        planes,
        buildings,
        radius_m=radius_m,
        sector_deg=sector_deg,
        rays_per_sector=rays_per_sector,
        statistic=statistic,
        storey_height_m=storey_height_m,
        default_height_m=default_height_m,
    )
    ids = planes["plane_id"] if "plane_id" in planes else planes.index
    columns = pd.Index(sector_centres(sector_deg), name="azimuth")
    frame = pd.DataFrame(
        profiles, index=pd.Index(np.asarray(ids), name="plane_id"), columns=columns
    )
    return frame, problems


def _profiles(
    planes, buildings, *, radius_m, sector_deg, rays_per_sector, statistic, **heights
) -> tuple[np.ndarray, list[Problem]]:
    """Skylines (plane x sector) [deg] and findings; see :func:`horizon_profiles`."""
    n_sectors = _n_sectors(sector_deg)
    if not radius_m > 0:
        raise ValueError(f"radius_m must be > 0, got {radius_m}")
    if int(rays_per_sector) != rays_per_sector or rays_per_sector < 1:
        raise ValueError(f"rays_per_sector must be a positive integer, got {rays_per_sector}")
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}, got {statistic!r}")
    if "building_id" not in planes:
        raise ValueError("planes need a 'building_id' column")
    for frame, what in ((planes, "planes"), (buildings, "buildings")):
        if frame.crs is None:
            raise ValueError(f"{what} have no CRS: set the CRS they are in first")
    rays_per_sector = int(rays_per_sector)
    n_planes = len(planes)
    n_rays = n_sectors * rays_per_sector
    if n_planes == 0 or len(buildings) == 0:
        return np.zeros((n_planes, n_sectors)), []

    crs = metric_crs(planes, buildings)
    obs_h, found = observer_heights(planes, buildings, **heights)
    nb_h, problems = building_heights(buildings, **heights)
    # The observers' own buildings are among the buildings: their height
    # findings are already counted once above.
    problems += [p for p in found if p.code == "shading_plane_building_unknown"]
    centroids = shapely.centroid(planes.geometry.to_crs(crs).to_numpy())
    x, y = _xy(centroids)
    north = north_bearing(x, y, crs)
    geoms = buildings.geometry.to_crs(crs).to_numpy()
    geoms = np.where(shapely.is_valid(geoms), geoms, shapely.make_valid(geoms))

    # Candidate (plane, neighbour) pairs from the spatial index.
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.all():
        problems.append(_no_position(int((~ok).sum())))
    tree = shapely.STRtree(geoms)
    pi, bi = tree.query(centroids[ok], predicate="dwithin", distance=float(radius_m))
    pi = np.flatnonzero(ok)[pi]
    own = _own_rows(planes, buildings)
    keep = (bi != own[pi]) & (nb_h[bi] > obs_h[pi])
    pi, bi = pi[keep], bi[keep]
    inside = shapely.contains_xy(geoms[bi], x[pi], y[pi])
    pi, bi = pi[~inside], bi[~inside]
    order = np.argsort(pi, kind="stable")
    pi, bi = pi[order], bi[order]

    edges = _edges(geoms)
    count = edges[5]
    ray_elev = np.zeros(n_planes * n_rays)
    step = float(sector_deg) / rays_per_sector
    phi0 = -float(sector_deg) / 2.0 + step / 2.0  # azimuth of ray 0 [deg]
    # Pairs in chunks so that the (pair, edge) temporaries stay bounded.
    edges_per_pair = count[bi]
    cuts = np.arange(_CHUNK, 1 + edges_per_pair.sum(), _CHUNK)
    bounds = np.searchsorted(np.cumsum(edges_per_pair), cuts)
    for sl in np.split(np.arange(len(pi)), np.unique(bounds)):
        if len(sl) == 0:
            continue
        _cast(
            pi[sl],
            bi[sl],
            edges,
            (x, y, north, obs_h),
            nb_h,
            radius_m,
            (n_rays, step, phi0),
            ray_elev,
        )
    ray_elev = ray_elev.reshape(n_planes, n_sectors, rays_per_sector)
    if statistic == "max":
        return ray_elev.max(axis=2), problems
    return ray_elev.mean(axis=2), problems


def _no_position(count: int) -> Problem:
    return Problem(
        code="shading_plane_no_position",
        message=f"{count} roof plane(s) without a usable position: no shading computed for them.",
        severity="warning",
        field="geometry",
        count=count,
    )


def _cast(p, b, edges, observers, nb_h, radius_m, rays, ray_elev) -> None:
    """Intersect the rays of pairs (plane ``p``, neighbour ``b``) with edges.

    The neighbours' elevations go into ``ray_elev`` (plane x ray), in place.
    """
    ax, ay, bx, by, first, count = edges
    x, y, north, obs_h = observers
    n_rays, step, phi0 = rays
    n_e = count[b]
    pair = np.repeat(np.arange(len(p)), n_e)
    # Edge indices: each pair's neighbour's edges, first[b] .. first[b] + n_e - 1.
    offset = np.arange(n_e.sum()) - np.repeat(np.cumsum(n_e) - n_e, n_e)
    e = np.repeat(first[b], n_e) + offset
    p = p[pair]
    # Edge end points relative to the observer [m, grid axes].
    x0, y0 = ax[e] - x[p], ay[e] - y[p]
    x1, y1 = bx[e] - x[p], by[e] - y[p]
    # True azimuths of the end points [deg].
    az0 = bearing(x0, y0) - north[p]
    az1 = bearing(x1, y1) - north[p]
    span = np.mod(az1 - az0, 360.0)
    flip = span > 180.0
    start = np.where(flip, az1, az0)
    span = np.where(flip, 360.0 - span, span)
    k_lo = np.ceil((start - phi0) / step).astype(np.int64)
    k_hi = np.floor((start + span - phi0) / step).astype(np.int64)
    n_k = np.maximum(k_hi - k_lo + 1, 0)
    hit = np.repeat(np.arange(len(e)), n_k)
    k = np.repeat(k_lo, n_k) + (np.arange(n_k.sum()) - np.repeat(np.cumsum(n_k) - n_k, n_k))
    k = np.mod(k, n_rays)
    ph = p[hit]
    grid = np.radians(phi0 + k * step + north[ph])
    ux, uy = np.sin(grid), np.cos(grid)
    ex, ey = x1[hit] - x0[hit], y1[hit] - y0[hit]
    # Observer + t u = A + s (B - A)  =>  t = (a x d) / (u x d), 2-D cross products.
    denom = ux * ey - uy * ex
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (x0[hit] * ey - y0[hit] * ex) / denom
    good = (np.abs(denom) > _EPS) & (t > 0) & (t <= radius_m)
    ph, k, t = ph[good], k[good], t[good]
    dh = nb_h[b[pair[hit[good]]]] - obs_h[ph]
    elev = np.degrees(np.arctan2(dh, t))
    np.maximum.at(ray_elev, ph * n_rays + k, elev)


def _edges(geoms: np.ndarray):
    """Edges of every ring of every geometry, grouped by geometry.

    Returns start x, start y, end x, end y, and per geometry the index of its
    first edge and its number of edges.
    """
    # Polygons of multipolygons and of collections (make_valid may return those).
    parts, owner = shapely.get_parts(geoms, return_index=True)
    parts, sub = shapely.get_parts(parts, return_index=True)
    owner = owner[sub]
    polygon = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    rings, sub = shapely.get_rings(parts[polygon], return_index=True)
    owner = owner[polygon][sub]
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    start = coords[:-1][same]
    end = coords[1:][same]
    edge_owner = owner[ring[:-1][same]]
    count = np.bincount(edge_owner, minlength=len(geoms))
    first = np.cumsum(count) - count
    return start[:, 0], start[:, 1], end[:, 0], end[:, 1], first, count


def _run_m(planes: gpd.GeoDataFrame, azimuth: np.ndarray) -> np.ndarray:
    """Extent [m] of each plane in plan along its downslope direction ``azimuth``."""
    crs = metric_crs(planes)
    geoms = planes.geometry.to_crs(crs).to_numpy()
    north = north_bearing(*_xy(shapely.centroid(geoms)), crs)
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    grid = np.radians(azimuth + north)
    proj = coords[:, 0] * np.sin(grid[idx]) + coords[:, 1] * np.cos(grid[idx])
    hi = np.full(len(planes), -np.inf)
    lo = np.full(len(planes), np.inf)
    np.maximum.at(hi, idx, proj)
    np.minimum.at(lo, idx, proj)
    return np.where(np.isfinite(hi), hi - lo, 0.0)


def _xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of points, NaN for missing or empty ones."""
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    x = np.full(len(points), np.nan)
    y = np.full(len(points), np.nan)
    x[ok] = shapely.get_x(points[ok])
    y[ok] = shapely.get_y(points[ok])
    return x, y


def _own_rows(planes: pd.DataFrame, buildings: pd.DataFrame) -> np.ndarray:
    """Row of each plane's building in ``buildings``, -1 where there is none."""
    if "id" in buildings:
        ids = buildings["id"].astype("string")
    else:
        ids = pd.Series([str(i) for i in buildings.index], dtype="string")
    index = pd.Index(ids.to_numpy(dtype=object))
    if index.has_duplicates:
        raise ValueError("building ids must be unique")
    wanted = planes["building_id"].astype("string").to_numpy(dtype=object)
    return index.get_indexer(wanted)


def _column(frame: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in frame:
        return np.full(n, np.nan)
    return pd.to_numeric(frame[name], errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _n_sectors(sector_deg: float) -> int:
    if not sector_deg > 0:
        raise ValueError(f"sector_deg must be > 0, got {sector_deg}")
    n = round(360.0 / sector_deg)
    if n < 1 or not np.isclose(n * sector_deg, 360.0):
        raise ValueError(f"sector_deg must divide 360, got {sector_deg}")
    return n
