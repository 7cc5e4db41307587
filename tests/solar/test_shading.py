import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pvlib import irradiance
from pvlib.bifacial.utils import vf_row_sky_2d
from pvlib.location import Location
from pvlib.shading import masking_angle, sky_diffuse_passias

from geodata.shading import horizon_profiles
from solar.shading import (
    apply_horizon,
    beam_visible,
    horizon_at,
    shading_loss_percent,
    sky_view_fraction,
)
from solar.typical_year import typical_year_index

# Nantes (Lambert-93 coordinates of a point near 47.2 N, 1.56 W).
NANTES = Location(47.2184, -1.5536, tz="Europe/Paris", altitude=20, name="Nantes")
X0, Y0 = 355_000.0, 6_689_000.0
TILT, AZIMUTH = 35.0, 180.0
WINTER, SUMMER = (12, 1), (6, 7)


# --- array functions ---------------------------------------------------------


def test_horizon_at_interpolates_between_sector_centres():
    horizon = np.zeros((2, 36))
    horizon[0, 18] = 30.0  # 180 deg
    horizon[1] = 10.0
    az = np.array([180.0, 184.0, 176.0, 190.0, 0.0, 355.0])
    lin = horizon_at(horizon, az, 10.0)
    np.testing.assert_allclose(lin[:, 0], [30.0, 18.0, 18.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(lin[:, 1], 10.0)
    step = horizon_at(horizon, az, 10.0, interpolate=False)
    np.testing.assert_allclose(step[:, 0], [30.0, 30.0, 30.0, 0.0, 0.0, 0.0])
    # Wrap-around: 355 deg lies between the 350 and 0 sectors.
    horizon[0, 35], horizon[0, 0] = 20.0, 40.0
    assert horizon_at(horizon, [355.0], 10.0)[0, 0] == pytest.approx(30.0)
    with pytest.raises(ValueError):
        horizon_at(np.zeros((1, 36)), [0.0], 5.0)


def test_beam_visible_cuts_the_sun_behind_the_skyline():
    horizon = np.zeros((2, 36))
    horizon[1, 18] = 30.0
    zenith = np.array([50.0, 70.0, 95.0, 50.0, 65.0])  # elevations 40, 20, -5, 40, 25
    azimuth = np.array([180.0, 180.0, 180.0, 90.0, 178.0])
    vis = beam_visible(zenith, azimuth, horizon)
    assert vis.shape == (5, 2)
    np.testing.assert_array_equal(vis[:, 0], [1, 1, 0, 1, 1])
    # Skyline at 178 deg: 0.8 of the way from 0 (170) to 30 (180) is 24 deg < 25.
    np.testing.assert_array_equal(vis[:, 1], [1, 0, 0, 1, 1])
    ramp = beam_visible(zenith, azimuth, horizon, edge_deg=10.0)
    np.testing.assert_allclose(ramp[:, 1], [1.0, 0.0, 0.0, 1.0, 0.6])
    with pytest.raises(ValueError):
        beam_visible(zenith, azimuth, horizon, edge_deg=-1.0)


def test_sky_view_fraction_of_a_horizontal_plane_is_cos2_of_a_uniform_skyline():
    h = np.array([0.0, 5.0, 15.0, 30.0, 45.0, 60.0, 80.0])
    horizon = np.repeat(h[:, None], 36, axis=1)
    svf = sky_view_fraction(horizon, 0.0, 180.0)
    np.testing.assert_allclose(svf, np.cos(np.radians(h)) ** 2, atol=1e-9)
    assert svf[0] == 1.0
    # Tilted planes: 1 without a skyline, decreasing with a uniform one.
    for tilt in (20.0, 45.0, 90.0):
        tilted = sky_view_fraction(horizon, tilt, 180.0)
        assert tilted[0] == pytest.approx(1.0, abs=1e-12)
        assert np.all(np.diff(tilted) < 0)
    # The same skyline hides a larger share of a steeper plane's (lower) sky.
    assert sky_view_fraction(horizon[3], 60.0, 180.0)[0] < sky_view_fraction(horizon[3], 0, 0)[0]


def _wall(masking_deg, facing=180.0, sector_deg=1.0):
    """Skyline of an infinitely long wall in front of the plane: tan(e) = tan(psi) cos(a - a_s)."""
    az = np.arange(0.0, 360.0, sector_deg)
    c = np.clip(np.cos(np.radians(az - facing)), 0.0, None)
    return np.degrees(np.arctan(np.tan(np.radians(masking_deg)) * c))


@pytest.mark.parametrize("masking_deg", [10.0, 25.0, 40.0])
def test_sky_view_fraction_matches_passias_for_a_horizontal_plane(masking_deg):
    svf = sky_view_fraction(_wall(masking_deg), 0.0, 180.0, sector_deg=1.0)[0]
    assert 1.0 - svf == pytest.approx(sky_diffuse_passias(masking_deg), rel=1e-3)


@pytest.mark.parametrize(
    ("tilt", "gcr", "x"), [(20.0, 0.4, 0.0), (35.0, 0.5, 0.3), (60.0, 0.3, 0.0)]
)
def test_sky_view_fraction_matches_pvlib_2d_row_view_factor(tilt, gcr, x):
    # Point x up a row, the next row in front masks the sky below psi: pvlib's
    # 2-D view factor to the sky equals ours times the unobstructed (1 + cos b) / 2.
    psi = masking_angle(tilt, gcr, x)
    svf = sky_view_fraction(_wall(psi), tilt, 180.0, sector_deg=1.0)[0]
    expected = vf_row_sky_2d(tilt, gcr, x) / ((1 + np.cos(np.radians(tilt))) / 2)
    assert svf == pytest.approx(expected, rel=2e-3)


def test_apply_horizon_combines_components():
    direct = np.array([[500.0, 400.0], [100.0, 0.0]])
    sky = np.array([[100.0, 80.0], [60.0, 50.0]])
    circ = np.array([[40.0, 30.0], [10.0, 0.0]])
    ground = np.array([[10.0, 10.0], [5.0, 5.0]])
    visible = np.array([[1.0, 0.0], [0.0, 1.0]])
    svf = np.array([0.5, 0.8])
    out = apply_horizon(direct, sky, ground, visible, svf, poa_circumsolar=circ)
    np.testing.assert_allclose(out["poa_direct"], [[500, 0], [0, 0]])
    np.testing.assert_allclose(out["poa_sky_diffuse"], [[30 + 40, 40 + 0], [25 + 0, 40 + 0]])
    np.testing.assert_allclose(out["poa_global"], out["poa_direct"] + out["poa_diffuse"])
    np.testing.assert_allclose(out["poa_diffuse"], out["poa_sky_diffuse"] + ground)
    # Without circumsolar split, the whole sky diffuse scales with the sky view.
    iso = apply_horizon(direct, sky, ground, visible, svf)
    np.testing.assert_allclose(iso["poa_sky_diffuse"], sky * svf)


def test_shading_loss_percent():
    assert shading_loss_percent(100.0, 75.0) == pytest.approx(25.0)
    out = shading_loss_percent(np.array([200.0, 0.0]), np.array([200.0, 0.0]))
    assert out[0] == 0.0 and np.isnan(out[1])
    series = shading_loss_percent(pd.Series([10.0, 20.0], index=["a", "b"]), pd.Series([9.0, 5.0]))
    assert list(series.index) == ["a", "b"]
    np.testing.assert_allclose(series, [10.0, 75.0])


# --- constructed neighbourhood at Nantes --------------------------------------


@pytest.fixture(scope="module")
def clear_sky_year():
    """pvlib clear-sky (Ineichen) year at Nantes, hourly, sun at mid-hour."""
    index = typical_year_index("h")
    mid = index + pd.Timedelta(minutes=30)
    solpos = NANTES.get_solarposition(mid)
    sky = NANTES.get_clearsky(mid, model="ineichen", solar_position=solpos)
    sky["dni_extra"] = irradiance.get_extra_radiation(mid).to_numpy()
    sky["zenith"] = solpos["apparent_zenith"].to_numpy()
    sky["azimuth"] = solpos["azimuth"].to_numpy()
    sky.index = index
    return sky


def _poa(sky, horizon):
    """Hourly POA global [W/m2] on the test plane, with and without the skyline."""
    zen, az = sky["zenith"], sky["azimuth"]
    aoi = irradiance.aoi(TILT, AZIMUTH, zen, az)
    direct = irradiance.beam_component(TILT, AZIMUTH, zen, az, sky["dni"])
    diffuse = irradiance.haydavies(
        TILT, AZIMUTH, sky["dhi"], sky["dni"], sky["dni_extra"], zen, az, return_components=True
    )
    ground = irradiance.get_ground_diffuse(TILT, sky["ghi"], albedo=0.2)
    unshaded = irradiance.poa_components(aoi, sky["dni"], diffuse["poa_sky_diffuse"], ground)
    shaded = apply_horizon(
        direct.to_numpy()[:, None],
        diffuse["poa_sky_diffuse"].to_numpy()[:, None],
        ground.to_numpy()[:, None],
        beam_visible(zen, az, horizon),
        sky_view_fraction(horizon, TILT, AZIMUTH),
        poa_circumsolar=diffuse["poa_circumsolar"].to_numpy()[:, None],
    )
    return unshaded["poa_global"], pd.Series(shaded["poa_global"][:, 0], index=sky.index)


def _losses(sky, horizon):
    """Loss [%] over the year, Dec-Jan and Jun-Jul."""
    unshaded, shaded = _poa(sky, horizon)
    month = sky.index.month
    out = {"year": shading_loss_percent(unshaded.sum(), shaded.sum())}
    for name, months in (("winter", WINTER), ("summer", SUMMER)):
        sel = month.isin(months)
        out[name] = shading_loss_percent(unshaded[sel].sum(), shaded[sel].sum())
    return out


def _box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _site(block=None, block_height=0.0):
    """A 6 m house (10 m x 10 m) with one 35 deg south plane, and maybe a block."""
    rows = [("house", 6.0, _box(-5, -5, 5, 5))]
    if block is not None:
        rows.append(("block", block_height, block))
    ids, heights, geoms = zip(*rows, strict=True)
    buildings = gpd.GeoDataFrame(
        {"id": list(ids), "height_m": list(heights)}, geometry=list(geoms), crs=2154
    ).to_crs(4326)
    plane = gpd.GeoDataFrame(
        {
            "building_id": ["house"],
            "plane_id": ["house-1"],
            "surface_tilt": [TILT],
            "surface_azimuth": [AZIMUTH],
            "roof_shape": ["skillion"],
        },
        geometry=[_box(-5, -5, 5, 0)],
        crs=2154,
    ).to_crs(4326)
    return horizon_profiles(plane, buildings)


SOUTH_BLOCK = _box(-15, -23, 15, -13)  # 30 m wide, its north wall 8 m south of the house
NORTH_BLOCK = _box(-15, 13, 15, 23)


def test_no_neighbour_no_loss(clear_sky_year):
    horizon = _site()
    assert np.all(horizon == 0.0)
    unshaded, shaded = _poa(clear_sky_year, horizon)
    np.testing.assert_allclose(shaded, unshaded, rtol=1e-12, atol=1e-9)


def test_south_block_costs_winter_far_more_than_summer_and_grows_with_height(clear_sky_year):
    losses = [_losses(clear_sky_year, _site(SOUTH_BLOCK, h)) for h in (8.0, 12.0, 18.0)]
    for loss in losses:
        # In relative terms: the low winter sun passes behind the block.
        assert loss["winter"] > 3.0 * loss["summer"]
        assert loss["summer"] > 0.0
    for name in ("year", "winter", "summer"):
        values = [loss[name] for loss in losses]
        assert np.all(np.diff(values) > 0), (name, values)
    # The tallest block hides most of the winter sun from the roof.
    assert losses[-1]["winter"] > 50.0


def test_north_block_costs_almost_nothing(clear_sky_year):
    loss = _losses(clear_sky_year, _site(NORTH_BLOCK, 18.0))
    assert 0.0 < loss["year"] < 1.0
    assert loss["winter"] < 1.0
