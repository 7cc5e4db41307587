"""The page's caches around the rooftop chain, called as the pages call them."""

from __future__ import annotations

import pytest
import streamlit as st

import planner.rooftops as rooftops
from app_pages import _cache
from geodata.roofs import RoofParams
from geodata.shading import ShadingParams
from planner.rooftops import RooftopRun
from solar.engine import PVParams
from solar.rooftop import SuitabilityParams


@pytest.fixture
def simulations(monkeypatch):
    """Count the shaded simulations the caches run, from empty caches."""
    st.cache_data.clear()
    calls = []
    original = rooftops.simulate_rooftop_planes

    def counted(*args, **kwargs):
        calls.append(kwargs.get("mode"))
        return original(*args, **kwargs)

    monkeypatch.setattr(rooftops, "simulate_rooftop_planes", counted)
    yield calls
    st.cache_data.clear()


def _rooftops(suitability, weather, pv=None):
    return _cache.rooftops(
        _cache.DEMO,
        ("synthetic", None),
        RoofParams(),
        pv or PVParams(),
        suitability,
        ShadingParams(),
        weather,
    )


def test_moving_the_suitability_threshold_does_not_simulate_again(simulations):
    site = _cache.site(_cache.DEMO)
    weather, _ = _cache.weather("synthetic", site.latitude, site.longitude, None, None, None)
    default = _rooftops(SuitabilityParams(), weather)
    strict = _rooftops(SuitabilityParams(min_share_of_reference=0.95), weather)
    assert isinstance(strict, RooftopRun)
    assert simulations == ["exact"]  # the demo: 392 planes, below the fast threshold
    assert strict.summary()["suitable_kwp"] < default.summary()["suitable_kwp"]
    # A PV parameter is another simulation.
    _rooftops(SuitabilityParams(), weather, pv=PVParams(losses_percent=10.0))
    assert len(simulations) == 2


def test_building_energy_comes_from_the_cached_run(simulations):
    site = _cache.site(_cache.DEMO)
    weather, _ = _cache.weather("synthetic", site.latitude, site.longitude, None, None, None)
    run = _rooftops(SuitabilityParams(), weather)
    building = run.buildings["suitable_annual_kwh"].idxmax()
    energy = _cache.building_energy(
        _cache.DEMO,
        ("synthetic", None),
        RoofParams(),
        PVParams(),
        SuitabilityParams(),
        ShadingParams(),
        building,
        weather,
    )
    assert simulations == ["exact"]
    assert energy.sum() == pytest.approx(run.buildings.loc[building, "suitable_annual_kwh"])
    # Horizons travel as a plane x azimuth frame, with their findings.
    horizons, problems = _cache.horizons(_cache.DEMO, RoofParams(), ShadingParams())
    assert horizons.equals(run.horizons)
    assert {p.code for p in problems} <= {p.code for p in run.problems}
