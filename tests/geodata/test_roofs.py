from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Proj, Transformer

from geodata.roofs import (
    PLANE_COLUMNS,
    RoofNote,
    RoofParams,
    rack_ground_coverage_ratio,
    roof_planes,
)
from tests.conftest import assert_rel_close

# A point in Nantes (Chantenay), in Lambert-93.
LON, LAT = -1.585, 47.205
X0, Y0 = Transformer.from_crs(4326, 2154, always_xy=True).transform(LON, LAT)
# Grid bearing of true north in Lambert-93 here: PROJ's meridian convergence is
# the opposite angle (about -3.33 deg at Nantes).
CONVERGENCE = -Proj("EPSG:2154").get_factors(LON, LAT).meridian_convergence
GCR_NANTES = 1 / (
    math.cos(math.radians(15))
    + math.sin(math.radians(15)) / math.tan(math.radians(90 - LAT - 23.44))
)


def rectangle(length, width, axis_azimuth=90.0, dx=0.0, dy=0.0, true_north=True):
    """Rectangle in Lambert-93 whose `length` side points to `axis_azimuth` (true north)."""
    bearing = math.radians(axis_azimuth + (CONVERGENCE if true_north else 0.0))
    u = np.array([math.sin(bearing), math.cos(bearing)])
    v = np.array([-u[1], u[0]])
    c = np.array([X0 + dx, Y0 + dy])
    corners = [
        c + sx * length / 2 * u + sy * width / 2 * v
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    return shapely.Polygon(corners)


def frame(geoms, **columns):
    n = len(geoms)
    data = {"id": [f"b{k}" for k in range(n)]}
    data.update({k: (v if np.ndim(v) else [v] * n) for k, v in columns.items()})
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:2154").to_crs(4326)


def _said(planes):
    """What the model assumed for each plane, in English."""
    return planes["inferred_from"].map(lambda notes: "; ".join(map(str, notes))).astype(str)


def assert_azimuths(actual, expected, tol=1e-3):
    """Same multiset of azimuths [deg], compared on the circle.

    Buildings placed off the reference point turn with the meridian
    convergence (about 0.2e-3 deg per 20 m east at Nantes), hence the tolerance.
    """
    actual = np.sort(np.mod(np.asarray(actual, dtype=float) + tol, 360.0)) - tol
    assert np.allclose(actual, np.sort(expected), atol=tol), (actual, expected)


def sloped(area, tilt):
    return area / math.cos(math.radians(tilt))


def test_gabled_east_west_faces_north_and_south():
    planes = roof_planes(frame([rectangle(10, 6)], roof_shape="gabled", roof_angle_deg=35.0))
    assert list(planes.columns) == list(PLANE_COLUMNS)
    assert planes.crs.equals("EPSG:4326")
    assert_azimuths(planes["surface_azimuth"], [0.0, 180.0])
    assert_rel_close(planes["footprint_area_m2"], [30, 30], 1e-6)
    assert_rel_close(planes["area_m2"], [sloped(30, 35)] * 2, 1e-6)
    # Setback of 0.5 m on the roof surface: (10 - 1) x (3 / cos 35 - 1).
    assert_rel_close(planes["usable_area_m2"], [9 * (sloped(3, 35) - 1)] * 2, 1e-6)
    assert_rel_close(planes["kwp"], planes["usable_area_m2"] * 0.2, 1e-12)
    assert (planes["surface_tilt"] == 35).all()
    assert (planes["mounting"] == "roof").all()
    assert list(planes["plane_id"]) == ["b0-1", "b0-2"]
    assert (_said(planes).str.contains("roof_orientation=along assumed")).all()


def test_gabled_north_south_faces_east_and_west():
    planes = roof_planes(
        frame(
            [rectangle(10, 6, axis_azimuth=0)],
            roof_shape="gabled",
            roof_angle_deg=35.0,
            roof_orientation="along",
        )
    )
    assert_azimuths(planes["surface_azimuth"], [90.0, 270.0])
    assert (_said(planes) == "").all()


def test_gabled_rotated_30_degrees():
    planes = roof_planes(
        frame([rectangle(12, 7, axis_azimuth=30)], roof_shape="gabled", roof_angle_deg=40.0)
    )
    assert_azimuths(planes["surface_azimuth"], [120.0, 300.0])
    assert_rel_close(planes["footprint_area_m2"], [42, 42], 1e-6)
    assert_rel_close(planes["area_m2"], [sloped(42, 40)] * 2, 1e-6)


def test_grid_aligned_house_is_corrected_for_meridian_convergence():
    # A rectangle drawn along Lambert-93 grid axes is turned by the convergence from true north.
    planes = roof_planes(frame([rectangle(10, 6, true_north=False)], roof_shape="gabled"))
    south = planes["surface_azimuth"][planes["surface_azimuth"].between(90, 270)].iloc[0]
    assert abs(CONVERGENCE - 3.33) < 0.01
    assert south == pytest.approx(180 - CONVERGENCE, abs=1e-6)
    assert_azimuths(planes["surface_azimuth"], [180 - CONVERGENCE, 360 - CONVERGENCE], tol=1e-6)


def test_gabled_across_and_stated_direction():
    planes = roof_planes(
        frame(
            [rectangle(10, 6), rectangle(10, 6, dx=30)],
            roof_shape="gabled",
            roof_angle_deg=35.0,
            roof_orientation=["across", "along"],
            roof_direction_deg=[np.nan, 200.0],
        )
    )
    across = planes[planes["building_id"] == "b0"]
    assert_azimuths(across["surface_azimuth"], [90.0, 270.0])
    assert_rel_close(across["footprint_area_m2"], [30, 30], 1e-6)
    stated = planes[planes["building_id"] == "b1"]
    assert_azimuths(stated["surface_azimuth"], [20.0, 200.0])


def test_pitch_from_roof_height_and_default():
    planes = roof_planes(
        frame(
            [rectangle(10, 6), rectangle(10, 6, dx=30)],
            roof_shape="gabled",
            roof_height_m=[3.0, np.nan],
        )
    )
    tilts = planes.groupby("building_id")["surface_tilt"].first()
    assert tilts["b0"] == pytest.approx(45.0)  # rise 3 m over a half-span of 3 m
    assert tilts["b1"] == 35.0
    assert _said(planes.loc[planes["building_id"] == "b0"]).str.contains("from roof_height_m").all()
    assert (
        _said(planes.loc[planes["building_id"] == "b1"])
        .str.contains("roof_angle_deg=35 assumed")
        .all()
    )


def test_flat_roof_gives_one_south_rack_plane():
    planes = roof_planes(frame([rectangle(30, 20)], roof_shape="flat", usage="school"))
    assert len(planes) == 1
    plane = planes.iloc[0]
    assert plane["mounting"] == "rack"
    assert plane["surface_tilt"] == 15.0
    assert plane["surface_azimuth"] == 180.0
    assert plane["footprint_area_m2"] == pytest.approx(600, rel=1e-6)
    assert plane["area_m2"] == pytest.approx(600, rel=1e-6)
    # Rows at 15 deg spaced for the December-solstice noon sun (19.4 deg at Nantes).
    assert 0.55 < GCR_NANTES < 0.62
    assert plane["usable_area_m2"] == pytest.approx(29 * 19 * GCR_NANTES, rel=1e-4)
    assert plane["usable_area_m2"] < plane["footprint_area_m2"]
    assert plane["inferred_from"] == ()


def test_flat_roof_parameters():
    geoms = [rectangle(30, 20)]
    fixed = roof_planes(frame(geoms, roof_shape="flat"), RoofParams(flat_rack_gcr=0.5)).iloc[0]
    assert fixed["usable_area_m2"] == pytest.approx(29 * 19 * 0.5, rel=1e-6)
    east = roof_planes(
        frame(geoms, roof_shape="flat"), RoofParams(flat_rack_azimuth_deg=90, flat_rack_tilt_deg=10)
    )
    assert east["surface_azimuth"].iloc[0] == 90.0
    assert east["surface_tilt"].iloc[0] == 10.0


def test_rack_ground_coverage_ratio():
    assert rack_ground_coverage_ratio(0.0, 20.0) == pytest.approx(1.0)
    # 30 deg tilt, 30 deg sun: pitch = L (cos 30 + sin 30 / tan 30) = L (0.866 + 0.866)
    assert rack_ground_coverage_ratio(30.0, 30.0) == pytest.approx(
        1 / (2 * math.cos(math.radians(30)))
    )
    steeper = rack_ground_coverage_ratio(np.array([10.0, 20.0, 30.0]), 19.4)
    assert np.all(np.diff(steeper) < 0)


def test_hipped_four_planes_sum_to_footprint():
    a, b = 12.0, 8.0
    planes = roof_planes(frame([rectangle(a, b)], roof_shape="hipped", roof_angle_deg=30.0))
    assert len(planes) == 4
    by_az = planes.set_index(np.mod(np.round(planes["surface_azimuth"], 3), 360))
    assert sorted(by_az.index) == [0.0, 90.0, 180.0, 270.0]
    # Ends: triangles of base b and height b/2, b**2/4; sides: trapezoids (2a - b) b / 4.
    assert_rel_close(by_az.loc[[90.0, 270.0], "footprint_area_m2"], [b**2 / 4] * 2, 1e-3)
    assert_rel_close(by_az.loc[[0.0, 180.0], "footprint_area_m2"], [(2 * a - b) * b / 4] * 2, 1e-3)
    assert planes["footprint_area_m2"].sum() == pytest.approx(a * b, rel=1e-6)
    assert_rel_close(
        planes["area_m2"], planes["footprint_area_m2"] / math.cos(math.radians(30)), 1e-9
    )
    assert (planes["usable_area_m2"] < planes["area_m2"]).all()


def test_square_hipped_is_a_pyramid():
    planes = roof_planes(
        frame([rectangle(9, 9, axis_azimuth=0)], roof_shape="pyramidal", roof_angle_deg=30.0)
    )
    assert len(planes) == 4
    assert_rel_close(planes["footprint_area_m2"], [81 / 4] * 4, 1e-3)
    assert _said(planes).str.contains("pyramidal modelled as hipped").all()


def test_setbacks_reduce_area_by_expected_amount():
    geoms = [rectangle(10, 6)]
    usable = {}
    for setback in (0.0, 0.5, 1.0):
        planes = roof_planes(
            frame(geoms, roof_shape="gabled", roof_angle_deg=35.0),
            RoofParams(edge_setback_m=setback),
        )
        usable[setback] = planes["usable_area_m2"].sum()
    half = sloped(3, 35)
    assert usable[0.0] == pytest.approx(2 * 10 * half, rel=1e-6)
    assert usable[0.5] == pytest.approx(2 * 9 * (half - 1), rel=1e-6)
    assert usable[1.0] == pytest.approx(2 * 8 * (half - 2), rel=1e-6)
    flat = roof_planes(
        frame([rectangle(20, 10)], roof_shape="flat"),
        RoofParams(edge_setback_m=1.0, flat_rack_gcr=1.0),
    )
    assert flat["usable_area_m2"].iloc[0] == pytest.approx(18 * 8, rel=1e-6)


def test_skillion_faces_its_direction():
    planes = roof_planes(
        frame(
            [rectangle(8, 4), rectangle(8, 4, dx=20)],
            roof_shape="skillion",
            roof_direction_deg=[170.0, np.nan],
            roof_height_m=[np.nan, 1.0],
        )
    )
    assert len(planes) == 2
    first, second = planes.iloc[0], planes.iloc[1]
    assert first["surface_azimuth"] == pytest.approx(170.0)
    assert first["surface_tilt"] == 15.0
    assert first["area_m2"] == pytest.approx(sloped(32, 15), rel=1e-6)
    # No direction: the short side nearest the south; rise 1 m over the 4 m run.
    assert second["surface_azimuth"] == pytest.approx(180.0, abs=1e-3)
    assert second["surface_tilt"] == pytest.approx(math.degrees(math.atan(1 / 4)))
    assert "roof_direction_deg=180 assumed" in "; ".join(map(str, second["inferred_from"]))


def test_canopy_is_the_panel_surface():
    planes = roof_planes(
        frame([rectangle(40, 5)], usage="parking", roof_shape="flat", height_m=3.0)
    )
    plane = planes.iloc[0]
    assert plane["roof_shape"] == "canopy"
    assert plane["mounting"] == "rack"
    assert plane["surface_tilt"] == 7.0
    assert plane["surface_azimuth"] == pytest.approx(180.0)
    assert plane["usable_area_m2"] == pytest.approx(sloped(200, 7), rel=1e-6)
    assert plane["kwp"] == pytest.approx(0.2 * sloped(200, 7), rel=1e-6)


def test_unknown_shape_is_inferred_from_usage_and_size():
    planes = roof_planes(
        frame(
            [rectangle(10, 7), rectangle(40, 12, dx=50), rectangle(30, 20, dx=120)],
            usage=["residential", "apartments", "residential"],
        )
    )
    shapes = planes.groupby("building_id")["roof_shape"].unique().map(set)
    assert shapes["b0"] == {"gabled"}
    assert shapes["b1"] == {"flat"}
    assert shapes["b2"] == {"flat"}  # 600 m2 is no house
    house = planes[planes["building_id"] == "b0"]
    assert (house["surface_tilt"] == 35).all()
    assert _said(house).str.contains("roof_shape=gabled assumed").all()
    assert _said(house).str.contains("roof_angle_deg=35 assumed").all()
    assert (
        _said(planes.loc[planes["building_id"] == "b1"])
        .str.contains("roof_shape=flat assumed")
        .all()
    )


def test_existing_pv_and_small_planes_are_kept_with_zero_kwp():
    planes = roof_planes(
        frame(
            [rectangle(10, 6), rectangle(3, 2, dx=30), rectangle(10, 6, dx=60)],
            roof_shape="gabled",
            existing_pv=pd.array([True, False, pd.NA], dtype="boolean"),
        )
    )
    by_building = planes.groupby("building_id")
    assert (by_building.get_group("b0")["excluded"] == "existing_pv").all()
    assert (by_building.get_group("b0")["kwp"] == 0).all()
    assert (by_building.get_group("b0")["usable_area_m2"] > 20).all()
    assert (by_building.get_group("b1")["excluded"] == "below_min_area").all()
    assert (by_building.get_group("b1")["kwp"] == 0).all()
    assert (by_building.get_group("b2")["excluded"] == "").all()
    assert (by_building.get_group("b2")["kwp"] > 4).all()


def test_holes_and_multipolygons():
    outer = rectangle(40, 40, axis_azimuth=0)
    inner = rectangle(20, 20, axis_azimuth=0)
    courtyard = shapely.Polygon(outer.exterior.coords, [inner.exterior.coords])
    pair = shapely.MultiPolygon([rectangle(10, 6, dx=100), rectangle(10, 6, dx=130)])
    planes = roof_planes(
        frame([courtyard, pair], roof_shape=["flat", "gabled"], roof_angle_deg=35.0)
    )
    flat = planes[planes["building_id"] == "b0"]
    assert len(flat) == 1
    assert flat["footprint_area_m2"].iloc[0] == pytest.approx(1600 - 400, rel=1e-6)
    gabled = planes[planes["building_id"] == "b1"]
    assert len(gabled) == 4
    assert gabled["plane_id"].is_unique
    assert_rel_close(gabled["footprint_area_m2"], [30] * 4, 1e-6)


def test_l_shaped_gabled_keeps_real_area():
    l_shape = shapely.union_all([rectangle(12, 6), rectangle(6, 12, dx=3, dy=-3)])
    planes = roof_planes(frame([l_shape], roof_shape="gabled"))
    assert planes["footprint_area_m2"].sum() == pytest.approx(l_shape.area, rel=1e-6)


def test_planes_cover_the_footprint_in_wgs84():
    gdf = frame([rectangle(12, 8, axis_azimuth=25)], roof_shape="hipped")
    planes = roof_planes(gdf)
    union = shapely.union_all(planes.to_crs(2154).geometry.to_numpy())
    assert union.symmetric_difference(gdf.to_crs(2154).geometry.iloc[0]).area < 1e-3


def test_outside_france_uses_utm():
    # A house in Montreal, built in a local true-north frame.
    local = "+proj=aeqd +lat_0=45.5 +lon_0=-73.57 +units=m"
    house = gpd.GeoDataFrame(
        {"id": ["q"], "roof_shape": ["gabled"], "roof_angle_deg": [30.0]},
        geometry=[shapely.box(-5, -3, 5, 3)],
        crs=local,
    ).to_crs(4326)
    planes = roof_planes(house)
    assert_azimuths(planes["surface_azimuth"], [0.0, 180.0])
    assert_rel_close(planes["footprint_area_m2"], [30, 30], 1e-3)


def test_bad_inputs():
    with pytest.raises(ValueError, match="no CRS"):
        roof_planes(gpd.GeoDataFrame({"id": ["x"]}, geometry=[rectangle(10, 6)]))
    empty = roof_planes(frame([shapely.Polygon()], roof_shape="gabled"))
    assert len(empty) == 0 and list(empty.columns) == list(PLANE_COLUMNS)
    # A self-intersecting bow-tie is repaired into its two triangles.
    x, y = X0, Y0
    bowtie = shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10)])
    planes = roof_planes(frame([bowtie], roof_shape="flat"))
    assert planes["footprint_area_m2"].sum() == pytest.approx(50, rel=1e-6)
    # Out-of-range pitch falls back to the default and says so.
    bad = roof_planes(frame([rectangle(10, 6)], roof_shape="gabled", roof_angle_deg=95.0))
    assert (bad["surface_tilt"] == 35).all()
    assert _said(bad).str.contains("roof_angle_deg=95 out of range").all()


def test_any_input_crs_and_missing_columns():
    house = rectangle(10, 6, axis_azimuth=20)
    in_wgs84 = roof_planes(frame([house], roof_shape="hipped"))
    in_lambert = roof_planes(
        gpd.GeoDataFrame({"id": ["b0"], "roof_shape": ["hipped"]}, geometry=[house], crs=2154)
    )
    assert_rel_close(in_lambert["usable_area_m2"], in_wgs84["usable_area_m2"], 1e-7)
    assert_rel_close(in_lambert["surface_azimuth"], in_wgs84["surface_azimuth"], 1e-7)
    # No id column and no attributes: the index names the building, everything is inferred.
    bare = gpd.GeoDataFrame(geometry=[house], index=[7], crs=2154)
    planes = roof_planes(bare)
    assert list(planes["plane_id"]) == ["7-1", "7-2"]
    assert _said(planes).str.contains("usage missing").all()


def test_missing_geometry_and_unknown_vocabulary():
    planes = roof_planes(
        frame(
            [None, rectangle(10, 6, dx=30), rectangle(10, 6, dx=60)],
            roof_shape=[None, "onion", "half-hipped"],
            usage="residential",
        )
    )
    assert set(planes["building_id"]) == {"b1", "b2"}
    assert (
        _said(planes.loc[planes["building_id"] == "b1"])
        .str.contains("roof_shape=onion not modelled; roof_shape=gabled assumed")
        .all()
    )
    assert (
        _said(planes.loc[planes["building_id"] == "b2"])
        .str.contains("half-hipped modelled as gabled")
        .all()
    )


def test_rack_design_sun_elevation():
    geoms = [rectangle(30, 20)]
    low_sun = roof_planes(
        frame(geoms, roof_shape="flat"), RoofParams(rack_design_sun_elevation_deg=10)
    )
    high_sun = roof_planes(
        frame(geoms, roof_shape="flat"), RoofParams(rack_design_sun_elevation_deg=40)
    )
    expected = 29 * 19 * rack_ground_coverage_ratio(15.0, np.array([10.0, 40.0]))
    assert low_sun["usable_area_m2"].iloc[0] == pytest.approx(expected[0], rel=1e-6)
    assert high_sun["usable_area_m2"].iloc[0] == pytest.approx(expected[1], rel=1e-6)


def test_power_density_is_a_parameter():
    geoms = [rectangle(10, 6)]
    default = roof_planes(frame(geoms, roof_shape="gabled"))
    denser = roof_planes(
        frame(geoms, roof_shape="gabled"), RoofParams(module_power_density_kwp_m2=0.22)
    )
    assert_rel_close(denser["kwp"], default["kwp"] * 1.1, 1e-12)


@settings(max_examples=40, deadline=None)
@given(
    length=st.floats(4.0, 60.0),
    width=st.floats(3.0, 40.0),
    axis=st.floats(0.0, 180.0),
    shape=st.sampled_from(["gabled", "hipped", "skillion", "flat", None]),
    usage=st.sampled_from(["residential", "apartments", "parking", "school"]),
)
def test_planes_partition_any_rectangle(length, width, axis, shape, usage):
    house = rectangle(length, width, axis_azimuth=axis)
    planes = roof_planes(frame([house], roof_shape=shape, usage=usage, height_m=3.0))
    assert len(planes) >= 1
    assert planes["footprint_area_m2"].sum() == pytest.approx(length * width, rel=1e-6)
    assert ((planes["surface_azimuth"] >= 0) & (planes["surface_azimuth"] < 360)).all()
    assert (planes["area_m2"] >= planes["footprint_area_m2"] - 1e-9).all()
    assert (planes["usable_area_m2"] <= planes["area_m2"] + 1e-9).all()
    assert (planes["kwp"] >= 0).all() and planes["plane_id"].is_unique


# --- wings of L-, T- and U-shaped footprints ----------------------------------------

BEFORE_SPLIT = Path(__file__).parents[1] / "data" / "roofs" / "rectangles_before_split.csv"


def footprint(boxes, turn_deg=0.0, dx=0.0, dy=0.0):
    """Union of local boxes (x east, y north [m]) turned clockwise by `turn_deg`, in Lambert-93.

    The local frame is in true-north bearings at the reference point, so an
    edge along local x faces azimuths `turn_deg` + 0 / 180 after turning.
    """
    bearing = math.radians(90.0 + turn_deg + CONVERGENCE)
    u = np.array([math.sin(bearing), math.cos(bearing)])
    v = np.array([-u[1], u[0]])
    c = np.array([X0 + dx, Y0 + dy])
    local = shapely.union_all([shapely.box(*b) for b in boxes])
    return shapely.transform(local, lambda xy: c + xy[:, :1] * u + xy[:, 1:] * v)


# Two 10 x 6 m wings at right angles, overlapping at the corner (84 m2) or end to end (120 m2).
L_CORNER = [(0, 0, 10, 6), (0, 0, 6, 10)]
L_END = [(0, 0, 10, 6), (0, 6, 6, 16)]
T_SHAPE = [(0, 8, 14, 14), (4, 0, 10, 8)]
U_SHAPE = [(0, 0, 16, 6), (0, 6, 6, 14), (10, 6, 16, 14)]


def assert_circular_close(actual, expected, tol):
    diff = np.abs(np.mod(np.asarray(actual) - np.asarray(expected) + 180.0, 360.0) - 180.0)
    assert (diff <= tol).all(), (actual, expected)


@pytest.mark.parametrize("boxes", [L_CORNER, L_END], ids=["corner", "end"])
@pytest.mark.parametrize("turn", [0.0, 30.0])
def test_l_shaped_gabled_has_one_ridge_per_wing(boxes, turn):
    house = footprint(boxes, turn)
    planes = roof_planes(frame([house], roof_shape="gabled", roof_angle_deg=35.0))
    assert len(planes) == 4
    assert list(planes["plane_id"]) == ["b0-1", "b0-2", "b0-3", "b0-4"]
    assert _said(planes).str.contains("footprint split into 2 wings (L-shape)", regex=False).all()
    az = np.mod(planes["surface_azimuth"].to_numpy() - turn, 360.0)
    # Each wing's two planes face opposite ways: one wing 0/180, the other 90/270 (+ turn).
    first, second = az[:2], az[2:]
    assert_circular_close(first[0] - first[1], 180.0, 1.0)
    assert_circular_close(second[0] - second[1], 180.0, 1.0)
    axes = sorted([np.mod(first[0] + 1.0, 180.0) - 1.0, np.mod(second[0] + 1.0, 180.0) - 1.0])
    assert_circular_close(axes, [0.0, 90.0], 1.0)
    assert planes["footprint_area_m2"].sum() == pytest.approx(house.area, rel=1e-6)
    # Back from WGS84 the planes' shared edges are no longer noded: snap to 0.1 mm.
    union = shapely.union_all(planes.to_crs(2154).geometry.to_numpy(), grid_size=1e-4)
    assert union.symmetric_difference(house, grid_size=1e-4).area < 1e-3
    assert (planes["usable_area_m2"] > 0).all()


def test_l_corner_wing_stub_keeps_its_wing_ridge():
    # The stub left at the inner corner (6 x 4 m, its long side across its wing) keeps
    # its wing's ridge: every plane runs 3 m (half a 6 m wing) from ridge to eave,
    # where a ridge on the stub's own long axis would give 2 m.
    house = footprint(L_CORNER, 30.0)
    planes = roof_planes(frame([house], roof_shape="gabled", roof_angle_deg=35.0))
    assert_rel_close(sorted(planes["footprint_area_m2"]), [12, 12, 30, 30], 1e-6)
    metric = planes.to_crs(2154)
    for plane, azimuth in zip(metric.geometry, metric["surface_azimuth"], strict=True):
        bearing = math.radians(azimuth + CONVERGENCE)
        xy = shapely.get_coordinates(plane)
        depth = np.ptp(xy @ np.array([math.sin(bearing), math.cos(bearing)]))
        assert depth == pytest.approx(3.0, abs=1e-3)


def test_hipped_l_gives_eight_planes():
    house = footprint(L_END, 30.0)
    planes = roof_planes(frame([house], roof_shape="hipped", roof_angle_deg=30.0))
    assert len(planes) == 8
    assert planes["footprint_area_m2"].sum() == pytest.approx(120.0, rel=1e-6)
    # Each 10 x 6 m wing: two trapezoids (2a - b) b / 4 = 21 and two triangles b**2 / 4 = 9.
    assert_rel_close(sorted(planes["footprint_area_m2"]), [9] * 4 + [21] * 4, 1e-6)
    az = np.mod(planes["surface_azimuth"].to_numpy() - 30.0, 90.0)
    assert_circular_close(np.minimum(az, 90.0 - az), np.zeros(8), 1e-3)
    assert _said(planes).str.contains("footprint split into 2 wings").all()


@pytest.mark.parametrize(
    ("boxes", "shape", "wings"),
    [(T_SHAPE, "T-shape", 2), (U_SHAPE, "U-shape", 3)],
)
def test_t_and_u_shapes(boxes, shape, wings):
    house = footprint(boxes, 12.0)
    planes = roof_planes(frame([house], roof_shape="gabled"))
    assert len(planes) == 2 * wings
    assert _said(planes).str.contains(f"split into {wings} wings ({shape})", regex=False).all()
    assert planes["footprint_area_m2"].sum() == pytest.approx(house.area, rel=1e-6)
    az = np.mod(planes["surface_azimuth"].to_numpy() - 12.0, 90.0)
    assert_circular_close(np.minimum(az, 90.0 - az), np.zeros(len(planes)), 1e-3)
    # The U's arms run north-south, its base east-west: 2 planes face 0/180, 4 face 90/270.
    facing_ns = np.isclose(np.mod(planes["surface_azimuth"] - 12.0, 180.0), 0.0, atol=1e-3)
    assert facing_ns.sum() == 2
    # Ridges from the same wing frame: each part's two planes have equal area.
    pairs = planes["footprint_area_m2"].to_numpy().reshape(-1, 2)
    assert_rel_close(pairs[:, 0], pairs[:, 1], 1e-6)


def test_rectangles_are_unchanged():
    """Planes of rectangles (and a rectangle with a porch) as roofs.py gave them before wings.

    The fixture was written by geodata/roofs.py at commit 723b24e, before footprints
    were split, for the same frame as below.
    """
    porch = shapely.union_all([rectangle(10, 8, dx=200), rectangle(2, 1.5, dx=200, dy=4.7)])
    geoms = [
        rectangle(10, 6),
        rectangle(12, 8, axis_azimuth=25, dx=40),
        rectangle(14, 9, axis_azimuth=-40, dx=80),
        rectangle(9, 7, axis_azimuth=10, dx=120),
        rectangle(11, 7, axis_azimuth=70, dx=160),
        porch,
    ]
    gdf = frame(
        geoms,
        roof_shape=["gabled", "hipped", "gabled", "skillion", "gabled", "gabled"],
        roof_direction_deg=[np.nan, np.nan, 200.0, 170.0, np.nan, np.nan],
        roof_orientation=["", "", "", "", "across", ""],
    )
    planes = roof_planes(gdf)
    before = pd.read_csv(BEFORE_SPLIT, keep_default_na=False)
    assert list(planes["plane_id"]) == list(before["plane_id"])
    assert list(_said(planes)) == list(before["inferred_from"])
    for column in ("surface_tilt", "footprint_area_m2", "area_m2", "usable_area_m2", "kwp"):
        assert_rel_close(planes[column], before[column], 1e-7, column)
    assert_circular_close(planes["surface_azimuth"], before["surface_azimuth"], 1e-6)


def test_complex_footprint_is_not_split_and_is_flagged():
    # A round house (a 24-gon) and a chevron whose wings meet at 45 deg.
    disc = shapely.Point(X0, Y0).buffer(7.0, quad_segs=6)
    chevron = footprint([(0, 0, 12, 5)], 0.0, dx=60).union(footprint([(0, 0, 12, 5)], 45.0, dx=60))
    planes = roof_planes(frame([disc, chevron], roof_shape="gabled"))
    assert (planes.groupby("building_id").size() == 2).all()
    assert _said(planes).str.contains("complex footprint: one ridge").all()
    assert not _said(planes).str.contains("split into").any()
    areas = planes.groupby("building_id")["footprint_area_m2"].sum()
    assert_rel_close(areas, [disc.area, chevron.area], 1e-6)


def test_flat_l_is_not_split():
    planes = roof_planes(frame([footprint(L_END)], roof_shape="flat"))
    assert len(planes) == 1
    assert planes["footprint_area_m2"].iloc[0] == pytest.approx(120.0, rel=1e-6)
    assert planes["inferred_from"].iloc[0] == ()


def test_stated_direction_applies_to_the_main_wing():
    # End-to-end L whose wings are 10 x 6 m (east-west) and 6 x 12 m (north-south, larger).
    house = footprint([(0, 0, 10, 6), (0, 6, 6, 18)])
    planes = roof_planes(
        frame([house], roof_shape="gabled", roof_angle_deg=35.0, roof_direction_deg=100.0)
    )
    assert len(planes) == 4
    main, other = planes.iloc[:2], planes.iloc[2:]
    assert_rel_close(main["footprint_area_m2"], [36, 36], 1e-6)
    assert_azimuths(main["surface_azimuth"], [100.0, 280.0])
    assert_azimuths(other["surface_azimuth"], [0.0, 180.0])
    assert _said(other).str.contains("apply to the main wing only").all()
    assert not _said(main).str.contains("main wing only").any()


def test_split_parameters():
    house = footprint(L_END)
    whole = roof_planes(frame([house], roof_shape="gabled"), RoofParams(split_fill_ratio=0.5))
    assert len(whole) == 2  # 120 / 160 = 0.75 fill: not split below a 0.5 threshold
    assert not _said(whole).str.contains("split").any()
    one = roof_planes(frame([house], roof_shape="gabled"), RoofParams(split_max_parts=1))
    assert len(one) == 2
    assert _said(one).str.contains("complex footprint").all()


def test_demo_neighbourhood_planes_cover_the_buildings():
    from geodata.demo import demo_buildings

    buildings = demo_buildings()
    planes = roof_planes(buildings)
    assert planes["building_id"].nunique() == len(buildings)
    footprints = buildings.to_crs(2154).area.sum()
    assert planes["footprint_area_m2"].sum() == pytest.approx(footprints, rel=5e-3)
    # Give every other terrace-less house an L: the totals still match.
    houses = buildings.index[buildings["roof_shape"].isin(["gabled", "hipped"])][::2]
    metric = buildings.to_crs(2154)
    centres = metric.loc[houses].centroid
    ells = [
        shapely.affinity.translate(
            shapely.union_all([shapely.box(0, 0, 10, 6), shapely.box(0, 6, 6, 14)]), p.x, p.y
        )
        for p in centres
    ]
    metric.loc[houses, "geometry"] = ells
    planes = roof_planes(metric)
    assert planes.groupby("building_id").size().loc[metric.loc[houses, "id"]].ge(4).all()
    assert planes["footprint_area_m2"].sum() == pytest.approx(metric.area.sum(), rel=5e-3)


def test_assumptions_are_codes_with_values_not_sentences():
    planes = roof_planes(frame([rectangle(80, 60)], usage="school"))
    notes = planes["inferred_from"].iloc[0]
    assert all(isinstance(n, RoofNote) for n in notes)
    shape = next(n for n in notes if n.code == "shape_assumed")
    assert dict(shape.params) == {"shape": "flat", "usage": "school", "area_m2": 4800}
    assert str(shape) == "roof_shape=flat assumed (usage school, 4800 m2 footprint)"
