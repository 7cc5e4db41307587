"""The one rule for the metric CRS and for bearings, on awkward geometries."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Proj

from geodata.metric import bearing, lonlat_bounds, metric_crs, north_bearing
from geodata.roofs import roof_planes
from geodata.shading import horizon_frame

NANTES = shapely.box(-1.56, 47.20, -1.559, 47.201)
RECIFE = shapely.box(-34.90, -8.06, -34.899, -8.059)  # UTM zone 25S


def _frame(*geoms, crs="EPSG:4326"):
    return gpd.GeoDataFrame(
        {"id": [str(k) for k in range(len(geoms))]}, geometry=list(geoms), crs=crs
    )


def test_lambert93_in_france_utm_elsewhere():
    assert metric_crs(_frame(NANTES)).to_epsg() == 2154
    assert metric_crs(_frame(RECIFE)).to_epsg() == 32725
    # Across frames: one building abroad is enough to leave Lambert-93.
    assert metric_crs(_frame(NANTES), _frame(RECIFE)).to_epsg() != 2154


@pytest.mark.parametrize(
    "awkward",
    [
        None,
        shapely.Polygon(),
        shapely.Point(np.nan, np.nan),
        shapely.box(-1.56, 47.2, np.inf, 47.201),
        shapely.Point(-1.56, 6e6),  # a Lambert-93 northing labelled as a latitude
    ],
    ids=["missing", "empty", "nan", "infinity", "latitude-6e6"],
)
def test_missing_empty_and_non_finite_geometries_take_no_part(awkward):
    assert metric_crs(_frame(NANTES, awkward)).to_epsg() == 2154
    assert metric_crs(_frame(RECIFE, awkward)).to_epsg() == 32725
    assert np.allclose(lonlat_bounds(_frame(RECIFE, awkward)), RECIFE.bounds)


def test_nothing_usable_gives_lambert93_and_nan_bounds():
    assert metric_crs(_frame()).to_epsg() == 2154
    assert metric_crs(_frame(None, shapely.Polygon())).to_epsg() == 2154
    assert np.isnan(lonlat_bounds(_frame())).all()


def test_frames_in_a_metric_crs_are_placed_by_their_lon_lat():
    lambert = _frame(NANTES).to_crs("EPSG:2154")
    assert metric_crs(lambert).to_epsg() == 2154
    assert metric_crs(lambert.geometry).to_epsg() == 2154


def test_no_crs_is_an_error():
    with pytest.raises(ValueError, match="no CRS"):
        metric_crs(gpd.GeoDataFrame(geometry=[NANTES]))


def test_bearing_clockwise_from_north_in_degrees():
    dx = np.array([0.0, 1.0, 0.0, -1.0, np.nan])
    dy = np.array([1.0, 0.0, -1.0, 0.0, 1.0])
    out = bearing(dx, dy)
    assert np.allclose(out[:4], [0.0, 90.0, 180.0, -90.0])
    assert np.isnan(out[4])


def test_north_bearing_is_the_meridian_convergence_and_nan_without_position():
    crs = CRS("EPSG:2154")
    x, y = Proj(crs)(-1.5536, 47.2184)
    out = north_bearing([x, np.nan, x], [y, y, np.inf], crs)
    expected = -Proj(crs).get_factors(-1.5536, 47.2184).meridian_convergence
    assert out[0] == pytest.approx(expected, abs=1e-4)
    assert np.isnan(out[1:]).all()


def test_roofs_and_shading_agree_on_a_frame_with_an_empty_geometry():
    # Before: roofs skipped empty geometries, shading did not (NaN bounds), so the
    # two steps could measure the same buildings in different CRSs.
    buildings = _frame(RECIFE, shapely.Polygon())
    buildings["height_m"] = [6.0, 6.0]
    planes = roof_planes(buildings)
    assert len(planes) > 0
    horizon, problems = horizon_frame(planes, buildings)
    assert horizon.shape == (len(planes), 36)
    assert (horizon.to_numpy() == 0).all()
