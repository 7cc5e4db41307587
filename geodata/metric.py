"""The metric CRS in which lengths, areas and azimuths are measured, and bearings in it.

One rule for the whole of :mod:`geodata`: Lambert-93 (EPSG:2154) when every
geometry lies inside its area of use (metropolitan France and Corsica),
otherwise the UTM zone of the centre of the geometries (the zone
:meth:`geopandas.GeoDataFrame.estimate_utm_crs` finds). Geometries that are
missing, empty, or whose coordinates are not finite longitudes and latitudes
once in EPSG:4326 (an ``Infinity`` coordinate, a point at latitude 6e6) take no
part in the choice; with none left, Lambert-93.

Bearings are clockwise from grid north, in degrees, as pvlib's
``surface_azimuth``; :func:`north_bearing` gives the grid bearing of true north
(the meridian convergence, about -2.6 deg at Nantes in Lambert-93), to turn a
grid bearing into a true azimuth: ``azimuth = bearing - north``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from geodata.schema import CRS as WGS84
from geodata.schema import METRIC_CRS_FRANCE

__all__ = ["bearing", "lonlat_bounds", "metric_crs", "north_bearing"]

# A step of 1e-4 deg (about 11 m) due north is straight to well below 1e-6 deg.
_NORTH_STEP_DEG = 1e-4


def lonlat_bounds(*frames: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """Bounds ``(west, south, east, north)`` [deg] of the usable geometries of ``frames``.

    Missing and empty geometries, and geometries with a coordinate that is not
    a finite longitude in [-180, 180] and latitude in [-90, 90] once in
    EPSG:4326, are left out.

    Returns
    -------
    numpy.ndarray
        Four values, all NaN when no geometry is usable.

    Raises
    ------
    ValueError
        If a frame has no CRS.
    """
    parts = []
    for frame in frames:
        if frame.crs is None:
            raise ValueError("geometries have no CRS: set the CRS they are in first")
        geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
        geoms = geometry.to_numpy()
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        geoms = geoms[present]
        if len(geoms) and not CRS(frame.crs).equals(WGS84):
            with np.errstate(invalid="ignore", over="ignore"):
                geoms = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(WGS84).to_numpy()
        parts.append(shapely.bounds(geoms).reshape(-1, 4))
    bounds = np.concatenate(parts) if parts else np.zeros((0, 4))
    finite = np.isfinite(bounds).all(axis=1)
    lon_ok = (bounds[:, 0] >= -180.0) & (bounds[:, 2] <= 180.0)
    lat_ok = (bounds[:, 1] >= -90.0) & (bounds[:, 3] <= 90.0)
    bounds = bounds[finite & lon_ok & lat_ok]
    if len(bounds) == 0:
        return np.full(4, np.nan)
    return np.array([*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0)])


def metric_crs(*frames: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The metric CRS in which to measure the geometries of ``frames``.

    Lambert-93 (EPSG:2154) when every usable geometry (see
    :func:`lonlat_bounds`) lies inside its area of use, or when there is no
    usable geometry; otherwise the UTM zone (WGS 84) of their centre.

    Raises
    ------
    ValueError
        If a frame has no CRS.
    """
    lambert = CRS(METRIC_CRS_FRANCE)
    west, south, east, north = lonlat_bounds(*frames)
    if not np.isfinite(west):
        return lambert
    w, s, e, n = lambert.area_of_use.bounds
    if w <= west and east <= e and s <= south and north <= n:
        return lambert
    lon, lat = (west + east) / 2, (south + north) / 2
    zones = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(
            west_lon_degree=lon, south_lat_degree=lat, east_lon_degree=lon, north_lat_degree=lat
        ),
    )
    return CRS.from_epsg(zones[0].code)


def bearing(dx, dy) -> np.ndarray:
    """Grid bearing [deg, -180..180] of vectors (``dx`` east, ``dy`` north), clockwise from north.

    NaN where a component is not finite; 0 for a null vector.
    """
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(np.asarray(dx, dtype=float), np.asarray(dy, dtype=float)))


def north_bearing(x, y, crs: CRS) -> np.ndarray:
    """Grid bearing [deg] of true north at points ``(x, y)`` of ``crs`` (meridian convergence).

    Found by projecting a short step due north from each point. NaN at points
    whose coordinates are not finite.
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    y = np.atleast_1d(np.asarray(y, dtype=float))
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return out
    to_geo = Transformer.from_crs(crs, WGS84, always_xy=True)
    to_grid = Transformer.from_crs(WGS84, crs, always_xy=True)
    lon, lat = to_geo.transform(x[ok], y[ok])
    nx, ny = to_grid.transform(lon, np.asarray(lat) + _NORTH_STEP_DEG)
    out[ok] = bearing(np.asarray(nx) - x[ok], np.asarray(ny) - y[ok])
    return out
