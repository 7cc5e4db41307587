"""The batch engine with the skyline of neighbouring buildings (horizon profiles)."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pvlib
import pytest
import shapely
from pvlib import inverter, irradiance, pvsystem, temperature
from pvlib.location import Location

from geodata.shading import horizon_profiles
from solar.engine import PVParams, _ac_per_kwp_lit, _prepare_sky, simulate_planes
from solar.shading import beam_visible, sky_view_fraction
from solar.synthetic_weather import synthetic_year
from tests.conftest import assert_rel_close

N_SECTORS = 36  # 10 deg sectors
PLANES = pd.DataFrame(
    {
        "surface_tilt": [35.0, 20.0, 60.0, 0.0, 48.0, 35.0],
        "surface_azimuth": [180.0, 90.0, 265.0, 0.0, 331.0, 180.0],
        "kwp": [3.0, 6.0, 2.5, 9.0, 0.7, 0.0],
        "mounting": ["roof", "rack", "roof", "rack", "roof", "roof"],
    },
    index=pd.Index(["south", "east", "west", "flat", "nnw", "no_power"], name="plane"),
)
# A skyline with some structure: a 30 deg block from SE to SW, 8 deg elsewhere.
SKYLINE = np.where((np.arange(N_SECTORS) >= 13) & (np.arange(N_SECTORS) <= 23), 30.0, 8.0)


@cache
def _nantes() -> tuple[pd.DataFrame, Location]:
    weather, meta = synthetic_year(47.2, -1.55, seed=0)
    return weather, Location(meta["latitude"], meta["longitude"], altitude=meta["altitude"])


def _independent_ac_kw(
    plane: pd.Series,
    horizon: np.ndarray,
    weather: pd.DataFrame,
    location: Location,
    transposition_model: str = "haydavies",
    albedo: float = 0.2,
) -> pd.Series:
    """Shaded PVWatts chain of one plane from pvlib functions, with PVParams' defaults."""
    tilt, azimuth = float(plane["surface_tilt"]), float(plane["surface_azimuth"])
    mid = weather.index + pd.Timedelta("30min")  # hourly means: the sun at mid-hour
    solpos = location.get_solarposition(
        mid, pressure=weather["pressure"].to_numpy(), temperature=weather["temp_air"].to_numpy()
    )
    zenith, sun_azimuth = solpos["apparent_zenith"], solpos["azimuth"]
    dni, dhi, ghi = (weather[c].to_numpy() for c in ("dni", "dhi", "ghi"))
    dni_extra = irradiance.get_extra_radiation(mid.tz_convert("UTC").day_of_year.to_numpy())
    args = (tilt, azimuth, dhi, dni, dni_extra, zenith.to_numpy(), sun_azimuth.to_numpy())
    if transposition_model == "haydavies":
        parts = irradiance.haydavies(*args, return_components=True)
    else:
        airmass = location.get_airmass(solar_position=solpos, model="kastenyoung1989")
        parts = irradiance.perez(
            *args, airmass["airmass_relative"].to_numpy(), return_components=True
        )
    visible = beam_visible(zenith.to_numpy(), sun_azimuth.to_numpy(), horizon)[:, 0]
    svf = sky_view_fraction(horizon, tilt, azimuth)[0]
    direct = irradiance.beam_component(tilt, azimuth, zenith, sun_azimuth, dni).to_numpy()
    direct = direct * visible
    # Hay & Davies has no horizon band; Perez's is scaled with the isotropic sky.
    sky = (parts["poa_isotropic"] + parts.get("poa_horizon", 0.0)) * svf
    sky = sky + parts["poa_circumsolar"] * visible
    ground = irradiance.get_ground_diffuse(tilt, ghi, albedo=albedo)
    aoi = irradiance.aoi(tilt, azimuth, zenith, sun_azimuth).to_numpy()
    effective = direct * pvlib.iam.physical(aoi) + sky + ground
    mount = "close_mount_glass_glass" if plane["mounting"] == "roof" else "open_rack_glass_polymer"
    temp_cell = temperature.sapm_cell(
        direct + sky + ground,
        weather["temp_air"].to_numpy(),
        weather["wind_speed"].to_numpy(),
        **temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][mount],
    )
    pdc0 = float(plane["kwp"]) * 1000.0
    dc = pvsystem.pvwatts_dc(effective, temp_cell, pdc0, -0.004, temp_ref=25.0)
    zero = dict.fromkeys(
        ["shading", "snow", "mismatch", "wiring", "connections", "lid", "nameplate_rating"], 0.0
    )
    losses = pvsystem.pvwatts_losses(soiling=14.0, age=0.0, availability=0.0, **zero)
    dc = dc * (1.0 - losses / 100.0)
    ac = inverter.pvwatts(dc, pdc0 / (1.1 * 0.96), eta_inv_nom=0.96, eta_inv_ref=0.9637)
    return pd.Series(np.nan_to_num(ac) / 1000.0, index=weather.index)


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_zero_horizon_gives_the_unshaded_run_exactly(mode):
    weather, location = _nantes()
    base = simulate_planes(PLANES, weather, location, mode=mode, hourly=True)
    # Rows at or below 0 deg hide nothing and take the shared orientation path.
    horizon = np.zeros((len(PLANES), N_SECTORS))
    horizon[1] = -5.0
    shaded = simulate_planes(PLANES, weather, location, mode=mode, hourly=True, horizon=horizon)
    pd.testing.assert_series_equal(shaded.annual_kwh, base.annual_kwh)
    pd.testing.assert_frame_equal(shaded.monthly_kwh, base.monthly_kwh)
    pd.testing.assert_frame_equal(shaded.ac_kw, base.ac_kw)
    pd.testing.assert_frame_equal(shaded.orientations, base.orientations)
    # Without horizon, unshaded == shaded and the loss is 0 (NaN without power).
    for result in (base, shaded):
        np.testing.assert_array_equal(result.unshaded_annual_kwh, result.annual_kwh)
        loss = result.shading_loss_percent
        assert (loss.drop("no_power") == 0.0).all()
        assert np.isnan(loss["no_power"])
    assert base.annual_kwh["south"] > 1000.0


def test_full_horizon_leaves_only_ground_reflected_light():
    weather, location = _nantes()
    walls = np.full((len(PLANES), N_SECTORS), 90.0)
    result = simulate_planes(PLANES, weather, location, horizon=walls, hourly=True)
    # Beam and sky diffuse are gone: what is left is below the ground-reflected share.
    share = result.annual_kwh / result.unshaded_annual_kwh
    assert (share.drop(["no_power", "flat"]) < 0.06).all()
    assert share["south"] < 0.025  # (1 - cos 35) / 2 * albedo = 1.8 % of GHI
    # A flat plane sees no ground at all: nothing left.
    assert result.annual_kwh["flat"] == 0.0
    assert result.shading_loss_percent["flat"] == 100.0
    # What is left is the chain fed with the ground-reflected irradiance alone.
    for plane_id in ["south", "west"]:
        reference = _independent_ac_kw(PLANES.loc[plane_id], walls[0], weather, location)
        assert reference.sum() > 0
        assert_rel_close(result.annual_kwh[plane_id], reference.sum(), 1e-3, plane_id)
    # Without albedo nothing at all reaches the planes.
    dark = simulate_planes(PLANES, weather, location, PVParams(albedo=0.0), horizon=walls)
    assert (dark.annual_kwh == 0.0).all()


@pytest.mark.parametrize("model", ["haydavies", "perez"])
def test_shaded_plane_matches_an_independent_pvlib_chain(model):
    weather, location = _nantes()
    horizon = np.tile(SKYLINE, (len(PLANES), 1))
    params = PVParams(transposition_model=model)
    result = simulate_planes(PLANES, weather, location, params, horizon=horizon)
    for plane_id in ["south", "east", "nnw"]:
        reference = _independent_ac_kw(PLANES.loc[plane_id], SKYLINE, weather, location, model)
        assert_rel_close(result.annual_kwh[plane_id], reference.sum(), 1e-3, plane_id)
        ours = result.ac_kw_for([plane_id])[plane_id]
        big = reference > 0.05 * reference.max()
        assert big.sum() > 100
        assert_rel_close(ours[big], reference[big], 1e-2, f"hourly {plane_id}")
    loss = result.shading_loss_percent
    # The SE-SW block hides the south plane's midday sun most of the year.
    assert loss["south"] > 20.0
    assert 0.0 < loss["nnw"] < loss["south"]


@pytest.mark.parametrize(
    "model", ["haydavies", "isotropic", "klucher", "reindl", "perez", "perez-driesse"]
)
def test_shaded_path_with_a_clear_view_is_the_unshaded_path(model):
    # Every transposition model splits its sky diffuse into parts that add up.
    weather, location = _nantes()
    sky = _prepare_sky(weather, location, PVParams(transposition_model=model))
    tilt = PLANES["surface_tilt"].to_numpy()
    azimuth = PLANES["surface_azimuth"].to_numpy()
    mounting = PLANES["mounting"].to_numpy(object)
    plain = _ac_per_kwp_lit(sky, tilt, azimuth, mounting)
    clear = _ac_per_kwp_lit(sky, tilt, azimuth, mounting, np.ones_like(plain), np.ones(len(PLANES)))
    np.testing.assert_allclose(clear, plain, rtol=1e-9, atol=1e-12)
    # And a hidden sun takes the beam (and circumsolar light) away under every model.
    hidden = _ac_per_kwp_lit(
        sky, tilt, azimuth, mounting, np.zeros_like(plain), np.ones(len(PLANES))
    )
    assert (hidden.sum(axis=0) < 0.8 * plain.sum(axis=0)).all()


# --- A constructed neighbourhood at Nantes, through geodata.shading -------------

X0, Y0 = 355_000.0, 6_689_000.0  # Nantes in Lambert-93 [m]
SPACING = 400.0  # [m] between test sites: farther than the 100 m search radius


def _box(site: int, x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    dx = X0 + site * SPACING
    return shapely.box(dx + x0, Y0 + y0, dx + x1, Y0 + y1)


def _neighbourhood():
    """One low house per site (south-facing 35 deg plane at 5 m), each with other neighbours.

    Sites: 0 none; 1-3 a 40 m long block 10 m south of the house, 12 / 15 /
    21 m high; 4 a 20 m block 10 m north.
    """
    blocks = {1: (12.0, -1), 2: (15.0, -1), 3: (21.0, -1), 4: (20.0, 1)}
    ids, heights, geoms = [], [], []
    for site in range(5):
        ids.append(f"house{site}")
        heights.append(6.0)
        geoms.append(_box(site, -5, -8, 5, 0))
    for site, (height, side) in blocks.items():
        ids.append(f"block{site}")
        heights.append(height)
        near, far = (-8 - 10, -8 - 16) if side < 0 else (10, 16)
        geoms.append(_box(site, -20, min(near, far), 20, max(near, far)))
    buildings = gpd.GeoDataFrame({"id": ids, "height_m": heights}, geometry=geoms, crs=2154)
    planes = gpd.GeoDataFrame(
        {
            "building_id": [f"house{s}" for s in range(5)],
            "surface_tilt": 35.0,
            "surface_azimuth": 180.0,
            "kwp": 3.0,
            "mounting": "roof",
            "observer_height_m": 5.0,
        },
        geometry=[_box(s, -5, -4, 5, 0) for s in range(5)],
        crs=2154,
        index=pd.Index(["none", "south12", "south15", "south21", "north20"], name="plane"),
    )
    return planes, buildings


def test_neighbouring_blocks_through_horizon_profiles():
    weather, location = _nantes()
    planes, buildings = _neighbourhood()
    horizon = horizon_profiles(planes, buildings)
    # The 21 m block rises 16 m above the observer 16 m away: atan(16 / 16) = 45 deg.
    assert np.all(horizon[0] == 0.0)
    assert horizon[3][18] == pytest.approx(45.0, abs=0.5)
    columns = ["surface_tilt", "surface_azimuth", "kwp", "mounting"]
    result = simulate_planes(planes[columns], weather, location, horizon=horizon)

    loss = result.shading_loss_percent
    assert loss.index.equals(planes.index) and loss.notna().all()
    assert loss["none"] == 0.0
    # The taller the block, the larger the loss.
    assert 0.0 < loss["south12"] < loss["south15"] < loss["south21"]
    # The block costs the low winter sun much more than the high summer sun.
    shaded, unshaded = result.monthly_kwh, result.unshaded_monthly_kwh
    winter = 1.0 - shaded[[12, 1]].sum(axis=1) / unshaded[[12, 1]].sum(axis=1)
    summer = 1.0 - shaded[[6, 7]].sum(axis=1) / unshaded[[6, 7]].sum(axis=1)
    for plane_id in ["south12", "south15", "south21"]:
        assert winter[plane_id] > 5.0 * summer[plane_id] > 0.0
    assert winter["south12"] > 0.5
    # A block to the north hides only a little of the sky behind the plane.
    assert 0.0 < loss["north20"] < 1.0
    # The unshaded energy is the same for identical planes; the loss is consistent.
    assert result.unshaded_annual_kwh.nunique() == 1
    assert_rel_close(
        result.annual_kwh,
        result.unshaded_annual_kwh * (1.0 - loss / 100.0),
        1e-12,
        "loss",
    )


def test_shaded_hourly_rebuild_and_modes_agree():
    weather, location = _nantes()
    planes, buildings = _neighbourhood()
    horizon = horizon_profiles(planes, buildings)
    columns = ["surface_tilt", "surface_azimuth", "kwp", "mounting"]
    frame = pd.concat(
        [planes[columns], PLANES.drop(index="no_power").rename(index=lambda i: f"x_{i}")]
    )
    full = np.vstack([horizon, np.zeros((len(PLANES) - 1, N_SECTORS))])
    hourly = simulate_planes(frame, weather, location, hourly=True, horizon=full)
    exact = simulate_planes(frame, weather, location, horizon=full)
    fast = simulate_planes(frame, weather, location, mode="fast", horizon=full)
    assert exact.ac_kw is None
    # Rebuilding shaded and unshaded planes after an aggregates-only run.
    ids = ["south15", "x_east", "north20", "none"]
    rebuilt = exact.ac_kw_for(ids)
    pd.testing.assert_frame_equal(rebuilt, hourly.ac_kw[ids], check_names=False)
    assert_rel_close(hourly.ac_kw.sum(), exact.annual_kwh, 1e-12, "hourly sums")
    assert hourly.ac_kw["south21"].sum() < hourly.ac_kw["none"].sum()
    # These planes lie on grid nodes: the fast shaded chain (float32, nodes'
    # components) gives the exact shaded chain's numbers.
    shaded = ["south12", "south15", "south21", "north20"]
    assert_rel_close(fast.annual_kwh[shaded], exact.annual_kwh[shaded], 1e-6, "fast shaded")
    assert_rel_close(fast.shading_loss_percent[shaded], exact.shading_loss_percent[shaded], 1e-4)
    assert_rel_close(fast.ac_kw_for(shaded).sum(), fast.annual_kwh[shaded], 1e-9, "fast rebuild")
    fast_hourly = simulate_planes(frame, weather, location, mode="fast", horizon=full, hourly=True)
    assert_rel_close(fast_hourly.ac_kw.sum(), fast.annual_kwh, 1e-9, "fast hourly")
    pd.testing.assert_frame_equal(
        fast_hourly.ac_kw[shaded], fast.ac_kw_for(shaded), check_names=False
    )
    # Unshaded planes keep the grid of the fast mode (within 1 % of exact).
    assert_rel_close(fast.annual_kwh, exact.annual_kwh, 1e-2, "fast vs exact")
    # A small chunk budget gives the same numbers.
    small = simulate_planes(frame, weather, location, horizon=full, chunk_mib=0.1)
    assert_rel_close(small.annual_kwh, exact.annual_kwh, 1e-12, "chunks")


def test_bad_horizons_are_named():
    weather, location = _nantes()
    good = np.zeros((len(PLANES), N_SECTORS))
    with pytest.raises(ValueError, match="one row per plane"):
        simulate_planes(PLANES, weather, location, horizon=good[:-1])
    with pytest.raises(ValueError, match="do not cover 360"):
        simulate_planes(PLANES, weather, location, horizon=good, sector_deg=5.0)
    with pytest.raises(ValueError, match="outside"):
        simulate_planes(PLANES, weather, location, horizon=np.where(good == 0, np.nan, 0.0))
    with pytest.raises(ValueError, match=r"1 plane\(s\)"):
        bad = good.copy()
        bad[2, 4] = 95.0
        simulate_planes(PLANES, weather, location, horizon=bad)
    # 72 sectors of 5 deg are accepted.
    fine = simulate_planes(
        PLANES, weather, location, horizon=np.full((len(PLANES), 72), 10.0), sector_deg=5.0
    )
    assert (fine.shading_loss_percent.drop("no_power") > 0).all()
    assert fine.annual_kwh["no_power"] == 0.0 and np.isnan(fine.shading_loss_percent["no_power"])


def _random_planes_and_skylines(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Random orientations (north-facing and vertical included) and skylines, tall ones too."""
    rng = np.random.default_rng(seed)
    tilt = rng.uniform(0.0, 90.0, n)
    planes = pd.DataFrame(
        {
            "surface_tilt": tilt,
            "surface_azimuth": rng.uniform(0.0, 360.0, n),
            "kwp": rng.uniform(0.5, 30.0, n),
            "mounting": np.where(tilt < 10.0, "rack", "roof"),
        },
        index=pd.Index([f"p{i}" for i in range(n)], name="plane"),
    )
    horizon = np.clip(rng.normal(8.0, 12.0, (n, N_SECTORS)), -5.0, 85.0)
    tall = rng.random(n) < 0.3
    horizon[tall] = rng.uniform(0.0, 80.0, (int(tall.sum()), N_SECTORS))
    # Blocks: a wall of 30 to 70 deg over a random span of sectors, low elsewhere.
    block = rng.random(n) < 0.3
    for i in np.flatnonzero(block):
        start, width = rng.integers(0, N_SECTORS), rng.integers(3, 18)
        horizon[i] = rng.uniform(0.0, 5.0)
        horizon[i, (start + np.arange(width)) % N_SECTORS] = rng.uniform(30.0, 70.0)
    return planes, horizon


def test_fast_shaded_planes_within_one_percent_of_exact_on_every_plane():
    weather, location = _nantes()
    planes, horizon = _random_planes_and_skylines(400, seed=12)
    exact = simulate_planes(planes, weather, location, horizon=horizon)
    fast = simulate_planes(planes, weather, location, mode="fast", horizon=horizon)
    assert (exact.shading_loss_percent > 20.0).sum() > 50  # tall skylines are in
    assert_rel_close(fast.annual_kwh, exact.annual_kwh, 1e-2, "fast shaded annual")
    assert_rel_close(fast.monthly_kwh.sum(axis=1), fast.annual_kwh, 1e-12, "months")
    # The loss compares the plane's shaded and unshaded energies from the same
    # grid nodes: its interpolation error cancels out.
    loss_gap = (fast.shading_loss_percent - exact.shading_loss_percent).abs()
    assert loss_gap.max() < 0.5, loss_gap.max()
    # The loss basis is the fast grid's unshaded energy, as without horizons.
    plain = simulate_planes(planes, weather, location, mode="fast")
    assert_rel_close(fast.unshaded_annual_kwh, plain.annual_kwh, 1e-6, "unshaded basis")
    # Hourly output and the rebuild of a few planes agree with the aggregates.
    hourly = simulate_planes(
        planes.iloc[:40], weather, location, mode="fast", horizon=horizon[:40], hourly=True
    )
    assert_rel_close(hourly.ac_kw.sum(), fast.annual_kwh.iloc[:40], 1e-6, "hourly subset")
    ids = ["p3", "p17", "p250"]
    assert_rel_close(fast.ac_kw_for(ids).sum(), fast.annual_kwh[ids], 1e-9, "rebuild")


def test_fast_shaded_with_the_perez_model_and_a_small_chunk():
    weather, location = _nantes()
    planes, horizon = _random_planes_and_skylines(60, seed=5)
    params = PVParams(transposition_model="perez")
    exact = simulate_planes(planes, weather, location, params, horizon=horizon)
    fast = simulate_planes(planes, weather, location, params, mode="fast", horizon=horizon)
    assert_rel_close(fast.annual_kwh, exact.annual_kwh, 1e-2, "perez fast shaded")
    small = simulate_planes(
        planes, weather, location, params, mode="fast", horizon=horizon, chunk_mib=0.2
    )
    assert_rel_close(small.annual_kwh, fast.annual_kwh, 1e-9, "chunks")


def test_fast_shaded_demo_neighbourhood_through_the_chain():
    from geodata.demo import DEMO_SITE, demo_buildings
    from planner.rooftops import RooftopChain, RooftopConfig
    from solar.typical_year import TIMEZONE

    site = Location(
        DEMO_SITE["latitude"], DEMO_SITE["longitude"], tz=TIMEZONE, altitude=DEMO_SITE["altitude"]
    )
    exact = RooftopChain(demo_buildings(), site, RooftopConfig(mode="exact"))
    fast = exact.with_config(RooftopConfig(mode="fast"))
    planes_exact, planes_fast = exact.run_model().planes, fast.run_model().planes
    shaded = planes_exact["shading_loss_percent"] > 0
    assert shaded.sum() > 20
    assert_rel_close(planes_fast["annual_kwh"], planes_exact["annual_kwh"], 1e-2, "demo fast")
    gap = (planes_fast["shading_loss_percent"] - planes_exact["shading_loss_percent"]).abs()
    assert gap[shaded].max() < 0.5
