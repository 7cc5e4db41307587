"""The rooftop chain, run on real building files without Streamlit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import planner.rooftops as rooftops
from geodata.io import read_buildings
from geodata.shading import ShadingParams, horizon_profiles
from planner.rooftops import (
    FAST_MODE_PLANES,
    RooftopChain,
    RooftopConfig,
    RooftopRun,
    building_energy,
    site_of,
)
from quartier_solaire.i18n import has
from solar.pvgis import weather_for_site
from solar.rooftop import SuitabilityParams
from solar.typical_year import TIMEZONE

DATA = Path(__file__).resolve().parents[1] / "data" / "buildings"


@pytest.fixture(scope="module")
def osm():
    """Four OpenStreetMap buildings in Nantes: heights, levels only, neither."""
    return read_buildings(DATA / "osm_ogr2ogr.geojson")[0]


@pytest.fixture(scope="module")
def run(osm) -> RooftopRun:
    return RooftopChain.for_buildings(osm, name="osm").run_model()


@pytest.fixture
def counted(monkeypatch):
    """Count the calls of each step's domain function."""
    calls = {"roof_planes": 0, "horizon_frame": 0, "simulate_rooftop_planes": 0}
    for name in calls:
        original = getattr(rooftops, name)

        def wrapper(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(rooftops, name, wrapper)
    return calls


def test_the_whole_chain_on_a_real_file(osm, run):
    assert run.planes.index.name == "plane_id" and run.planes.index.is_unique
    assert "geometry" not in run.planes
    assert list(run.buildings.index) == list(osm["id"])
    for column in ("annual_kwh", "suitable_kwp", "suitable_annual_kwh", "suitable"):
        assert column in run.buildings
    assert (run.buildings["annual_kwh"] >= run.buildings["suitable_annual_kwh"] - 1e-9).all()
    # Per building, the planes add up.
    by_building = run.planes.groupby("building_id")["annual_kwh"].sum()
    assert np.allclose(by_building.loc[run.buildings.index], run.buildings["annual_kwh"])
    assert run.monthly_kwh.index.equals(run.planes.index)
    assert np.allclose(run.monthly_kwh.sum(axis=1), run.planes["annual_kwh"])
    # Nantes, 30 deg due south: the published 1,000-1,150 kWh/kWp, with margin.
    assert 950 < run.reference_specific_yield_kwh_kwp < 1300
    assert run.mode == "exact" and run.config == RooftopConfig()
    assert run.summary()["buildings"] == len(osm)


def test_the_site_comes_from_the_buildings(osm):
    location = site_of(osm, name="osm")
    west, south, east, north = osm.total_bounds
    assert west < location.longitude < east and south < location.latitude < north
    assert str(location.tz) == TIMEZONE
    assert 0 < location.altitude < 100  # Nantes: 2-52 m
    chain = RooftopChain.for_buildings(osm)
    assert chain.location.latitude == location.latitude


def test_the_site_ignores_geometries_without_a_usable_position(osm):
    broken = osm.iloc[:2].copy()
    broken["id"] = ["inf", "far"]
    broken = broken.set_geometry(
        [shapely.box(-1.55, 47.2, np.inf, 47.3), shapely.Point(-1.55, 6e6)], crs=osm.crs
    )
    location = site_of(pd.concat([osm, broken], ignore_index=True))
    assert location.latitude == pytest.approx(site_of(osm).latitude, abs=1e-9)
    assert location.longitude == pytest.approx(site_of(osm).longitude, abs=1e-9)


def test_no_usable_position_is_a_clear_error():
    empty = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Polygon()], crs="EPSG:4326")
    with pytest.raises(ValueError, match="usable position"):
        site_of(empty)


def test_each_step_runs_once(osm, counted):
    chain = RooftopChain.for_buildings(osm)
    first = chain.run_model()
    chain.roof_planes()
    chain.horizons()
    second = chain.run_model()
    assert counted == {"roof_planes": 1, "horizon_frame": 1, "simulate_rooftop_planes": 1}
    assert second.buildings.equals(first.buildings)


def test_the_same_weather_given_is_the_embedded_year_and_not_simulated_again(osm, counted):
    chain = RooftopChain.for_buildings(osm)
    embedded = chain.run_model()
    weather, _ = weather_for_site(
        round(chain.location.latitude, 4), round(chain.location.longitude, 4)
    )
    given = chain.run_model(weather.copy())
    assert counted["simulate_rooftop_planes"] == 1
    assert given.buildings.equals(embedded.buildings)
    # Another weather year is simulated.
    chain.run_model(weather * 0.9)
    assert counted["simulate_rooftop_planes"] == 2


def test_changing_suitability_does_not_simulate_again(osm, counted):
    chain = RooftopChain.for_buildings(osm)
    weather, _ = chain.weather()
    loose = chain.run_model(weather)
    strict_config = dataclasses.replace(
        chain.config, suitability=SuitabilityParams(min_share_of_reference=0.95)
    )
    strict = chain.with_config(strict_config).run_model(weather)
    again = loose.with_suitability(strict_config.suitability)
    assert counted == {"roof_planes": 1, "horizon_frame": 1, "simulate_rooftop_planes": 1}
    assert strict.planes["suitable"].sum() < loose.planes["suitable"].sum()
    assert again.buildings.equals(strict.buildings)
    assert again.config == strict.config == strict_config
    # The simulation itself is the same.
    assert np.array_equal(strict.planes["annual_kwh"], loose.planes["annual_kwh"])


def test_changing_pv_simulates_again_but_keeps_the_geometry(osm, counted):
    chain = RooftopChain.for_buildings(osm)
    chain.run_model()
    other = dataclasses.replace(chain.config, pv=dataclasses.replace(chain.config.pv, albedo=0.5))
    chain.with_config(other).run_model()
    assert counted == {"roof_planes": 1, "horizon_frame": 1, "simulate_rooftop_planes": 2}


def test_horizons_are_a_frame_of_plane_by_azimuth(osm, run):
    horizons = RooftopChain.for_buildings(osm).horizons()
    assert isinstance(horizons, pd.DataFrame)
    assert horizons.index.equals(run.planes.index)
    assert horizons.columns.name == "azimuth"
    assert np.array_equal(horizons.columns.to_numpy(float), np.arange(0.0, 360.0, 10.0))
    assert run.horizons.equals(horizons)
    wide = RooftopConfig(shading=ShadingParams(sector_deg=20.0))
    columns = RooftopChain.for_buildings(osm, wide).horizons().columns
    assert np.array_equal(columns.to_numpy(float), np.arange(0.0, 360.0, 20.0))
    # The same skylines as the array function.
    planes = RooftopChain.for_buildings(osm).roof_planes()
    assert np.array_equal(horizons.to_numpy(), horizon_profiles(planes, osm))


def test_shading_findings_surface_in_the_run(run, osm):
    codes = {p.code for p in run.problems}
    # One building has levels only, one neither height nor levels.
    assert {"shading_height_from_levels", "shading_height_default"} <= codes
    counts = {p.code: p.count for p in run.problems}
    assert counts["shading_height_default"] == 1
    assert all(has(f"problem.{p.code}") for p in run.problems)
    off = RooftopConfig(shading=ShadingParams(enabled=False))
    unshaded = RooftopChain.for_buildings(osm, off).run_model()
    assert unshaded.horizons is None
    assert not {p.code for p in unshaded.problems} & codes
    assert (unshaded.planes["shading_loss_percent"] == 0).all()


def test_roof_findings_surface_in_the_run(osm):
    # A shed of 1 m2 has a roof plane too small for modules.
    row = osm.iloc[[0]].copy()
    row["id"] = "shed"
    row["height_m"] = 2.5
    centre = osm.to_crs("EPSG:2154").geometry.iloc[0].centroid
    shed = shapely.box(centre.x + 200, centre.y, centre.x + 201, centre.y + 1)
    row = row.set_geometry(gpd.GeoSeries([shed], crs="EPSG:2154").to_crs(osm.crs).to_numpy())
    run = RooftopChain.for_buildings(pd.concat([osm, row], ignore_index=True)).run_model()
    codes = {p.code: p for p in run.problems}
    assert "roof_plane_below_min_area" in codes
    assert run.buildings.loc["shed", "suitable_kwp"] == 0


@pytest.mark.parametrize("step", ["30min", "15min"])
def test_building_energy_sums_to_its_suitable_annual_energy(run, step):
    for building_id, row in run.buildings.iterrows():
        energy = building_energy(run, building_id, step=step)
        assert energy.index.freq == pd.Timedelta(step)
        assert len(energy) == 8760 * pd.Timedelta("1h") // pd.Timedelta(step)
        assert energy.sum() == pytest.approx(row["suitable_annual_kwh"], rel=1e-6)


def test_building_energy_of_a_building_without_suitable_planes_is_zero(run):
    strict = run.with_suitability(SuitabilityParams(min_share_of_reference=2.0))
    energy = building_energy(strict, run.buildings.index[0])
    assert len(energy) == 17520 and (energy == 0).all()
    assert (building_energy(run, "no such building") == 0).all()


def test_auto_mode_switches_to_fast_above_the_plane_count(osm):
    assert RooftopConfig().fast_above_planes == FAST_MODE_PLANES == 2_000
    fast = RooftopChain.for_buildings(osm, RooftopConfig(fast_above_planes=1)).run_model()
    exact = RooftopChain.for_buildings(osm, RooftopConfig(mode="exact")).run_model()
    assert fast.mode == "fast" and exact.mode == "exact"
    # Unshaded planes within the fast grid's 1 %.
    free = exact.planes["shading_loss_percent"].fillna(0) == 0
    ratio = fast.planes.loc[free, "annual_kwh"] / exact.planes.loc[free, "annual_kwh"]
    assert np.allclose(ratio.dropna(), 1.0, atol=0.01)


def test_config_is_frozen_hashable_and_checked():
    config = RooftopConfig()
    assert hash(config) == hash(RooftopConfig())
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.mode = "fast"
    with pytest.raises(ValueError, match="mode"):
        RooftopConfig(mode="quick")
    assert config.engine_mode(2_000) == "exact" and config.engine_mode(2_001) == "fast"


def test_the_chain_runs_on_every_real_building_file():
    for path in sorted(p for p in DATA.iterdir() if p.is_file()):
        buildings = read_buildings(path)[0]
        run = RooftopChain.for_buildings(buildings).run_model()
        assert len(run.buildings) == len(buildings), path.name
        # A roof that already carries panels gets no module, and the run says so.
        excluded = run.planes.groupby("building_id")["kwp"].sum() == 0
        assert run.buildings["annual_kwh"].gt(0).eq(~excluded).all(), path.name
        said = sum(p.count for p in run.problems if p.code.startswith("roof_plane_"))
        assert said == (run.planes["excluded"] != "").sum(), path.name
