"""Groups of buildings far apart in one file, and the point that stands for them.

A file can hold buildings that lie far apart: a university's file with a campus
75 km from the others. Drawn together, the map zooms out until each group is a
dot, and the centre of their bounding box, used as the site of the weather year,
lies in a field between them. :func:`building_clusters` groups buildings by
single linkage on their centroids (two buildings are in one group when a chain
of buildings links them with no step longer than ``gap_m``);
:func:`cluster_summary` says how far the other groups lie from the main one;
:func:`representative_point` is the centre of the main group.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, cKDTree

from geodata.roofs import metric_crs
from geodata.schema import CRS
from quartier_solaire.errors import Problem

if TYPE_CHECKING:  # the readers' report; the readers import this module
    from geodata.io._common import BuildingReport

# Largest step between two buildings of one group [m]. The extended collective
# self-consumption perimeter is 2 km between the two farthest participants
# (arrêté of 19 Sep 2023): buildings farther than that from every other one cannot
# share a standard project with them.
DEFAULT_GAP_M = 2000.0

# Cells per gap when snapping centroids before triangulating (see _single_linkage).
_CELLS_PER_GAP = 20

_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class OtherGroup:
    """A group of buildings apart from the main one.

    Attributes
    ----------
    count : int
        Buildings in the group.
    distance_km : float
        Ground distance from its nearest building to the nearest building of the
        main group, centroid to centroid [km].
    latitude, longitude : float
        Centre of the group (mean of its buildings' centroids) [deg].
    """

    count: int
    distance_km: float
    latitude: float
    longitude: float


@dataclass(frozen=True)
class ClusterSummary:
    """How a file's buildings group.

    Attributes
    ----------
    main_count : int
        Buildings in the main (largest) group.
    others : tuple of OtherGroup
        The other groups, largest first.
    gap_m : float
        Largest step within a group [m].
    latitude, longitude : float
        Centre of the main group [deg] (see :func:`representative_point`).
    """

    main_count: int
    others: tuple[OtherGroup, ...]
    gap_m: float
    latitude: float
    longitude: float

    @property
    def scattered(self) -> bool:
        """True when some buildings lie apart from the main group."""
        return bool(self.others)


def _metric_centroids(buildings: gpd.GeoDataFrame) -> tuple[np.ndarray, pyproj.CRS]:
    """Return the buildings' centroids as an (n, 2) array [m] in a metric CRS, and the CRS."""
    frame = buildings if buildings.crs is not None and buildings.crs.equals(CRS) else None
    frame = frame if frame is not None else buildings.to_crs(CRS)
    # Centroids in degrees, then projected: a footprint is small enough for the
    # difference to be far below a metre, and points project faster than polygons.
    centroids = shapely.centroid(frame.geometry.to_numpy())
    if shapely.is_missing(centroids).any() or shapely.is_empty(centroids).any():
        raise ValueError("every building needs a geometry to be grouped (missing or empty found)")
    lonlat = shapely.get_coordinates(centroids)
    crs = metric_crs(frame)
    to_metric = pyproj.Transformer.from_crs(CRS, crs, always_xy=True)
    x, y = to_metric.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y]), crs


def _single_linkage(points: np.ndarray, gap_m: float) -> np.ndarray:
    """Label points linked by chains of steps no longer than ``gap_m`` [m].

    The Euclidean minimum spanning tree lies within the Delaunay triangulation, so
    the groups of its edges no longer than ``gap_m`` are the single-linkage groups,
    found in O(n log n) even where thousands of buildings lie within the gap. The
    points are first snapped to cells of ``gap_m`` / _CELLS_PER_GAP: a city of
    100,000 buildings becomes some 10,000 cells, and the gap holds to within a
    cell's diagonal (7 % of it), far finer than the question "are they far apart?".
    """
    n = len(points)
    if n <= 1:
        return np.zeros(n, dtype=int)
    cell = gap_m / _CELLS_PER_GAP
    cells, inverse = np.unique(
        np.floor((points - points.min(axis=0)) / cell), axis=0, return_inverse=True
    )
    inverse = inverse.ravel()
    centres = (cells + 0.5) * cell
    m = len(centres)
    if m == 1:
        return np.zeros(n, dtype=int)
    if m <= 3:
        a, b = np.triu_indices(m, k=1)
    else:
        # QJ joggles the input so that collinear or co-circular points triangulate
        # (cell centres are on a grid: always co-circular).
        simplices = Delaunay(centres, qhull_options="QJ").simplices
        edges = np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
        a, b = edges[:, 0], edges[:, 1]
    near = np.hypot(*(centres[a] - centres[b]).T) <= gap_m
    graph = coo_matrix((np.ones(int(near.sum())), (a[near], b[near])), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return labels[inverse]


def building_clusters(buildings: gpd.GeoDataFrame, gap_m: float = DEFAULT_GAP_M) -> np.ndarray:
    """Label each building with its group: 0 for the main (largest) group, then 1, 2, ...

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings with polygon geometries (any CRS; missing geometries not allowed).
    gap_m : float, default 2000
        Largest distance between the centroids of two neighbouring buildings of
        one group [m].

    Returns
    -------
    numpy.ndarray of int
        One label per row; groups numbered by decreasing size (ties: first row first).
    """
    if len(buildings) == 0:
        return np.zeros(0, dtype=int)
    points, _ = _metric_centroids(buildings)
    raw = _single_linkage(points, float(gap_m))
    _, first, counts = np.unique(raw, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))  # biggest first, then by first row
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    return rank[raw]


def cluster_summary(
    buildings: gpd.GeoDataFrame,
    gap_m: float = DEFAULT_GAP_M,
    labels: np.ndarray | None = None,
) -> ClusterSummary:
    """Say how ``buildings`` group: the main group, and how far the others lie from it.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        At least one building.
    gap_m : float, default 2000
        Largest step within a group [m].
    labels : numpy.ndarray, optional
        Labels from :func:`building_clusters`, when already computed.

    Returns
    -------
    ClusterSummary
    """
    if len(buildings) == 0:
        raise ValueError("no building to group")
    labels = building_clusters(buildings, gap_m) if labels is None else np.asarray(labels)
    points, crs = _metric_centroids(buildings)
    to_lonlat = pyproj.Transformer.from_crs(crs, CRS, always_xy=True)
    main = labels == 0
    tree = cKDTree(points[main])
    main_lon, main_lat = to_lonlat.transform(*points[main].mean(axis=0))
    others = []
    for label in range(1, int(labels.max()) + 1):
        members = points[labels == label]
        _, nearest = tree.query(members)
        i = int(np.argmin(np.hypot(*(members - points[main][nearest]).T)))
        (lon1, lon2), (lat1, lat2) = to_lonlat.transform(
            [members[i, 0], points[main][nearest[i], 0]],
            [members[i, 1], points[main][nearest[i], 1]],
        )
        distance = _GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0
        lon, lat = to_lonlat.transform(*members.mean(axis=0))
        others.append(OtherGroup(len(members), float(distance), float(lat), float(lon)))
    return ClusterSummary(
        main_count=int(main.sum()),
        others=tuple(others),
        gap_m=float(gap_m),
        latitude=float(main_lat),
        longitude=float(main_lon),
    )


def representative_point(
    buildings: gpd.GeoDataFrame, gap_m: float = DEFAULT_GAP_M
) -> tuple[float, float]:
    """Return the point that stands for the buildings: the centre of their main group.

    Distances to a weather station or a weather file's site are measured from
    here, never from the centre of the bounding box, which for a scattered file
    lies between its groups, far from any building.

    Returns
    -------
    latitude, longitude : float
        Mean of the centroids of the main group's buildings [deg].
    """
    summary = cluster_summary(buildings, gap_m)
    return summary.latitude, summary.longitude


def scattered_problem(summary: ClusterSummary) -> Problem | None:
    """Return the finding "N buildings lie D km from the other M", or None if grouped."""
    if not summary.scattered:
        return None
    others = sum(g.count for g in summary.others)
    nearest = min(g.distance_km for g in summary.others)
    farthest = max(g.distance_km for g in summary.others)
    return Problem(
        code="buildings_scattered",
        message=(
            f"{others} building(s) in {len(summary.others)} group(s) lie "
            f"{nearest:.0f} to {farthest:.0f} km from the other {summary.main_count}: "
            "keep only the main group?"
        ),
        severity="warning",
        field="geometry",
        count=others,
        params={
            "others": others,
            "groups": len(summary.others),
            "main": summary.main_count,
            "distance_km": round(nearest),
            "distance_max_km": round(farthest),
            "gap_km": summary.gap_m / 1000.0,
        },
    )


def keep_main_group(
    buildings: gpd.GeoDataFrame,
    report: BuildingReport | None = None,
    gap_m: float = DEFAULT_GAP_M,
) -> tuple[gpd.GeoDataFrame, BuildingReport | None]:
    """Keep only the main group of buildings; the report says how many were set aside.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        The main group's rows, in their order, index reset.
    report : BuildingReport or None
        ``report`` with ``kept`` updated, the scattered finding replaced by one
        saying how many buildings were set aside (None if ``report`` is None).
    """
    labels = building_clusters(buildings, gap_m)
    main = labels == 0
    kept = buildings[main].reset_index(drop=True)
    if report is None:
        return kept, None
    aside = int((~main).sum())
    problems = tuple(p for p in report.problems if p.code != "buildings_scattered")
    if aside:
        problems += (
            Problem(
                code="buildings_other_groups_set_aside",
                message=f"only the main group was kept: {aside} building(s) far from it "
                "were set aside",
                severity="info",
                count=aside,
                params={"aside": aside, "main": int(main.sum())},
            ),
        )
    return kept, replace(report, kept=len(kept), problems=problems)
