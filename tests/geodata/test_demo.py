from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata.demo import DEMO_SITE, DEMO_SOURCE, demo_buildings, demo_geojson
from geodata.roofs import roof_planes
from geodata.schema import BUILDING_COLUMNS, BUILDING_DTYPES, USAGES

# Nantes commune, generously (lon, lat).
NANTES = (-1.65, 47.16, -1.47, 47.30)


@pytest.fixture(scope="module")
def demo():
    return demo_buildings()


@pytest.fixture(scope="module")
def planes(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return roof_planes(demo)


def test_schema_and_place(demo):
    assert len(demo) >= 150
    assert list(demo.columns) == list(BUILDING_COLUMNS)
    assert {c: str(t) for c, t in demo.dtypes.items() if c != "geometry"} == BUILDING_DTYPES
    assert demo.crs.equals("EPSG:4326")
    assert demo["id"].is_unique and demo["id"].notna().all()
    west, south, east, north = demo.total_bounds
    assert NANTES[0] < west < east < NANTES[2] and NANTES[1] < south < north < NANTES[3]
    assert west < DEMO_SITE["longitude"] < east and south < DEMO_SITE["latitude"] < north
    assert (demo["source"] == DEMO_SOURCE).all()
    assert set(demo["usage"]) <= set(USAGES)
    assert {"residential", "apartments", "school", "sports", "retail", "parking"} <= set(
        demo["usage"]
    )
    assert demo.geometry.is_valid.all()
    assert (demo["height_m"].dropna() > 0).all() and (demo["levels"] >= 1).all()


def test_buildings_do_not_overlap(demo):
    metric = demo.to_crs(2154)
    pairs = gpd.sjoin(metric, metric, predicate="intersects")
    pairs = pairs[pairs.index < pairs["index_right"]]
    left = metric.geometry.loc[pairs.index].to_numpy()
    right = metric.geometry.loc[pairs["index_right"]].to_numpy()
    assert shapely.area(shapely.intersection(left, right)).max(initial=0.0) < 0.01


def test_realistic_sizes(demo):
    metric = demo.to_crs(2154)
    area = metric.area
    terrace = demo["id"].str.startswith("terrace")
    assert terrace.sum() >= 80
    assert area[terrace].between(45, 80).all()
    assert (demo.loc[terrace, "roof_shape"] == "gabled").all()
    # Ridges parallel to the street: across the long (depth) side of a narrow house.
    assert (demo.loc[terrace, "roof_orientation"] == "across").all()
    blocks = demo["id"].str.fullmatch(r"apartments-\d")
    assert blocks.sum() == 6
    assert_area = area[blocks].to_numpy()
    assert np.allclose(assert_area, 480.0, rtol=1e-6)
    assert demo.loc[blocks, "levels"].between(4, 6).all()
    assert (demo.loc[blocks, "dwellings"] == 480 * demo.loc[blocks, "levels"] // 70).all()
    courtyard = demo["id"] == "apartments-courtyard"
    assert area[courtyard].iloc[0] == pytest.approx(42 * 42 - 20 * 20, rel=1e-6)
    canopies = demo["usage"] == "parking"
    assert canopies.sum() == 4
    assert (demo.loc[canopies, "height_m"] == 3.0).all() and (
        demo.loc[canopies, "roof_shape"] == "flat"
    ).all()
    assert area[demo["id"] == "supermarket"].iloc[0] == pytest.approx(4800, rel=1e-6)
    assert demo.loc[demo["usage"] == "sports", "roof_angle_deg"].iloc[0] < 15
    assert 3 <= demo["existing_pv"].sum() <= 10
    # Some roofs are unknown, as in real data, to exercise inference.
    assert demo["roof_shape"].isna().sum() >= 5
    assert demo["roof_angle_deg"].isna().sum() >= 10


def test_deterministic(demo):
    again = demo_buildings()
    pd.testing.assert_frame_equal(
        pd.DataFrame(again.drop(columns="geometry")), pd.DataFrame(demo.drop(columns="geometry"))
    )
    assert again.geometry.geom_equals_exact(demo.geometry, tolerance=0).all()
    other = demo_buildings(seed=1).set_index("id").geometry
    first = demo.set_index("id").geometry
    common = first.index.intersection(other.index)
    assert len(common) > 100
    assert not other[common].geom_equals_exact(first[common], tolerance=1e-9).all()


def test_geojson_round_trip(tmp_path, demo):
    path = demo_geojson(tmp_path / "demo.geojson")
    back = gpd.read_file(path)
    assert len(back) == len(demo)
    assert list(back["id"]) == list(demo["id"])
    assert back.crs.equals("EPSG:4326")
    assert back.geometry.geom_equals_exact(demo.geometry, tolerance=1e-9).all()
    assert back["existing_pv"].sum() == demo["existing_pv"].sum()


def test_roof_planes_on_demo(demo, planes):
    assert set(planes["building_id"]) == set(demo["id"])
    assert planes["plane_id"].is_unique
    # Plane footprints add up to the building footprints.
    metric_area = demo.to_crs(2154).area.sum()
    assert planes["footprint_area_m2"].sum() == pytest.approx(metric_area, rel=1e-6)
    # Roofs face many directions: pitched planes fill at least 8 of the 12 30-degree sectors.
    pitched = planes[planes["mounting"] == "roof"]
    assert (pitched["surface_azimuth"] // 30).nunique() >= 8
    assert set(planes["roof_shape"]) == {"gabled", "hipped", "skillion", "flat", "canopy"}
    # Existing PV is kept on the map but not counted again.
    existing = demo.loc[demo["existing_pv"], "id"]
    assert (planes.loc[planes["building_id"].isin(existing), "kwp"] == 0).all()
    assert (planes.loc[planes["building_id"].isin(existing), "excluded"] == "existing_pv").all()
    # Total potential: about 190 buildings, 2-6 MWp of module area at 0.2 kWp/m2.
    total = planes["kwp"].sum()
    assert 2000 < total < 6000, total
    by_building = planes.groupby("building_id")["kwp"].sum()
    assert 60 < by_building["supermarket"] < 0.2 * 4800 * 0.7
    assert 5 < by_building["terrace-An-02"] < 25
