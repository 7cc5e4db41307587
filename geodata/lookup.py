"""Find buildings by position."""

from __future__ import annotations

import geopandas as gpd
import shapely


def building_at(buildings: gpd.GeoDataFrame, latitude: float, longitude: float) -> str | None:
    """Return the id of the building under a point, or None.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Normalised buildings in EPSG:4326.
    latitude, longitude : float
        The point [deg].

    Returns
    -------
    str or None
        The id of the smallest building containing the point (a courtyard
        building can enclose a smaller one), None where there is none.
    """
    point = shapely.Point(longitude, latitude)
    hits = buildings.sindex.query(point, predicate="intersects")
    if len(hits) == 0:
        return None
    candidates = buildings.iloc[hits]
    # Areas in degrees only rank candidates against each other: no metric needed.
    smallest = shapely.area(candidates.geometry.to_numpy()).argmin()
    return str(candidates["id"].iloc[smallest])


def bbox_size_km(west: float, south: float, east: float, north: float) -> tuple[float, float]:
    """Return the width and height of a WGS84 bounding box along the ground [km].

    Width is measured along the box's middle latitude.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    middle = (south + north) / 2
    width = geod.line_length([west, east], [middle, middle]) / 1000
    height = geod.line_length([west, west], [south, north]) / 1000
    return width, height
