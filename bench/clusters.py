"""Time the grouping of buildings far apart (geodata.clusters) on a city of 100,000.

Three ways to find the single-linkage groups of the buildings' centroids at a
2 km gap, side by side on the same generated city (a 10 km square of houses
plus a campus of 10 buildings 75 km away):

- ``building_clusters``: centroids snapped to 100 m cells, Delaunay edges of the
  cells no longer than the gap, connected components (what the reader runs);
- Delaunay on every centroid, unsnapped (exact);
- all pairs within the gap with a k-d tree (``cKDTree.query_pairs``), on a
  sample: their number grows with the square of the density, so the full city is
  extrapolated from the sample.

Prints one line per way, then one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, cKDTree

sys.path.insert(0, str(Path(__file__).parents[1]))

from geodata.clusters import _metric_centroids, building_clusters  # noqa: E402

GAP_M = 2000.0


def _city(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = -1.74 + rng.random(n) * 0.134  # ~10 km east-west at 48 deg N
    y = 48.07 + rng.random(n) * 0.09  # ~10 km north-south
    x[-10:], y[-10:] = -1.68 + np.arange(10) * 6e-4, 48.80  # the campus, ~75 km north
    return gpd.GeoDataFrame(
        {"id": np.arange(n).astype(str)},
        geometry=shapely.box(x, y, x + 1.3e-4, y + 0.9e-4),
        crs="EPSG:4326",
    )


def _components(m: int, a: np.ndarray, b: np.ndarray) -> int:
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(m, m))
    return connected_components(graph, directed=False)[0]


def _exact_delaunay(points: np.ndarray) -> int:
    s = Delaunay(points - points.min(axis=0), qhull_options="QJ").simplices
    e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    near = np.hypot(*(points[e[:, 0]] - points[e[:, 1]]).T) <= GAP_M
    return _components(len(points), e[near, 0], e[near, 1])


def _pairs(points: np.ndarray) -> int:
    pairs = cKDTree(points).query_pairs(GAP_M, output_type="ndarray")
    return _components(len(points), pairs[:, 0], pairs[:, 1])


def _timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = function(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=10_000)
    args = parser.parse_args()
    city = _city(args.buildings)
    ours_s, labels = _timed(building_clusters, city, GAP_M)
    groups = int(labels.max()) + 1
    print(f"building_clusters: {ours_s:.2f} s, {groups} groups, {int((labels > 0).sum())} apart")
    centroid_s, (points, _) = _timed(_metric_centroids, city)
    delaunay_s, exact_groups = _timed(_exact_delaunay, points)
    delaunay_s += centroid_s
    print(f"Delaunay on every centroid: {delaunay_s:.2f} s, {exact_groups} groups")
    sample = _city(args.sample)
    sample_points, _ = _metric_centroids(sample)
    pairs_sample_s, _ = _timed(_pairs, sample_points)
    # Pairs within the gap grow with n^2 at a fixed extent.
    pairs_s = pairs_sample_s * (args.buildings / args.sample) ** 2
    print(f"k-d tree pairs: {pairs_sample_s:.2f} s on {args.sample}, ~{pairs_s:.0f} s extrapolated")
    print(
        json.dumps(
            {
                "buildings": args.buildings,
                "groups": groups,
                "same_groups_as_exact": bool(groups == exact_groups),
                "clusters_s": round(ours_s, 3),
                "exact_delaunay_s": round(delaunay_s, 3),
                "kdtree_pairs_extrapolated_s": round(pairs_s, 1),
                "exact_vs_clusters_ratio": round(delaunay_s / ours_s, 2),
                "pairs_vs_clusters_ratio": round(pairs_s / ours_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
