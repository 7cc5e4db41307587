"""Groups of buildings far apart, and the point that stands for a file's buildings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from geodata.clusters import (
    building_clusters,
    cluster_summary,
    keep_main_group,
    representative_point,
    scattered_problem,
)
from geodata.io import read_buildings
from quartier_solaire.i18n import describe

GEOD = pyproj.Geod(ellps="WGS84")
# Rennes, and a campus 75 km due north of its northern edge (as the Rennes campus file).
RENNES = (-1.6800, 48.1100)
AWAY_KM = 75.0


def _north_of(lon: float, lat: float, km: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, 0.0, km * 1000.0)
    return lon2, lat2


def _houses(lon: float, lat: float, n: int, prefix: str, step: float = 0.0006) -> gpd.GeoDataFrame:
    """``n`` 10 m houses on a grid ~50 m apart from (lon, lat) to the north-east."""
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x = lon + (i % side) * step
    y = lat + (i // side) * step
    return gpd.GeoDataFrame(
        {"id": [f"{prefix}{k}" for k in i]},
        geometry=shapely.box(x, y, x + 0.00013, y + 0.00009),
        crs="EPSG:4326",
    )


@pytest.fixture
def rennes_two_groups() -> gpd.GeoDataFrame:
    city = _houses(*RENNES, 40, "r")  # 7 x 6 grid, ~300 m across
    north = city.total_bounds[3]
    campus = _houses(*_north_of(RENNES[0], north, AWAY_KM), 10, "c")
    return gpd.GeoDataFrame(
        gpd.pd.concat([campus, city], ignore_index=True), crs="EPSG:4326"
    )  # the small group first: the main group is the largest, not the first


def test_two_groups_are_found_and_the_main_one_is_the_largest(rennes_two_groups):
    labels = building_clusters(rennes_two_groups)
    assert list(labels) == [1] * 10 + [0] * 40


def test_summary_gives_the_distance_between_the_groups(rennes_two_groups):
    summary = cluster_summary(rennes_two_groups)
    assert summary.main_count == 40 and summary.scattered
    (other,) = summary.others
    assert other.count == 10
    # Nearest centroids: the campus's southern row to the city's northern row.
    assert other.distance_km == pytest.approx(AWAY_KM, abs=0.1)


def test_representative_point_is_in_the_main_group_not_the_bounding_box(rennes_two_groups):
    lat, lon = representative_point(rennes_two_groups)
    west, south, east, north = rennes_two_groups[10:].total_bounds
    assert west <= lon <= east and south <= lat <= north
    box_lat = (rennes_two_groups.total_bounds[1] + rennes_two_groups.total_bounds[3]) / 2
    assert GEOD.inv(lon, lat, lon, box_lat)[2] / 1000 > 35  # the box centre is a field away


def test_scattered_problem_says_how_many_lie_how_far(rennes_two_groups):
    problem = scattered_problem(cluster_summary(rennes_two_groups))
    assert problem.code == "buildings_scattered"
    assert problem.params["others"] == 10 and problem.params["main"] == 40
    assert problem.params["distance_km"] == 75
    for lang in ("fr", "en"):
        text = describe(problem, lang)
        assert "10" in text and "75" in text and "40" in text


def test_reader_report_flags_a_scattered_file(rennes_two_groups):
    _, report = read_buildings(rennes_two_groups.to_json().encode(), filename="campus.geojson")
    scattered = [p for p in report.problems if p.code == "buildings_scattered"]
    assert len(scattered) == 1 and scattered[0].params["others"] == 10


def test_grouped_file_has_no_scattered_finding():
    _, report = read_buildings(_houses(*RENNES, 30, "r").to_json().encode(), filename="a.geojson")
    assert "buildings_scattered" not in {p.code for p in report.problems}


def test_keep_main_group_keeps_the_city_and_says_so(rennes_two_groups):
    buildings, report = read_buildings(
        rennes_two_groups.to_json().encode(), filename="campus.geojson"
    )
    kept, kept_report = keep_main_group(buildings, report)
    assert list(kept["id"]) == [f"r{k}" for k in range(40)]
    assert kept_report.kept == 40
    codes = {p.code for p in kept_report.problems}
    assert "buildings_scattered" not in codes and "buildings_other_groups_set_aside" in codes
    assert cluster_summary(kept).scattered is False


def test_gap_is_the_largest_step_within_a_group():
    # Three houses in a line, 1.5 km then 3 km apart: 2 km splits them 2 + 1.
    lon, lat = RENNES
    points = [(lon, lat), _north_of(lon, lat, 1.5), _north_of(lon, lat, 4.5)]
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=[shapely.box(x, y, x + 1e-4, y + 1e-4) for x, y in points],
        crs="EPSG:4326",
    )
    assert list(building_clusters(frame, gap_m=2000)) == [0, 0, 1]
    assert list(building_clusters(frame, gap_m=3500)) == [0, 0, 0]
    assert list(building_clusters(frame.iloc[:1])) == [0]
    doubled = gpd.GeoDataFrame(
        gpd.pd.concat([frame] * 3, ignore_index=True), crs="EPSG:4326"
    )  # duplicates and collinear points triangulate
    assert list(building_clusters(doubled)) == [0, 0, 1] * 3


def test_a_building_without_geometry_is_refused_with_a_clear_message():
    frame = _houses(*RENNES, 3, "r")
    frame.loc[1, "geometry"] = None
    with pytest.raises(ValueError, match="needs a geometry"):
        building_clusters(frame)
