"""The rooftop orchestrator: suitability, per-building totals and shading."""

import numpy as np
import pandas as pd
import pvlib
import pytest

from solar.rooftop import (
    SuitabilityParams,
    apply_suitability,
    planes_energy,
    simulate_rooftop_planes,
    simulate_rooftops,
)
from solar.synthetic_weather import synthetic_year


@pytest.fixture(scope="module")
def nantes():
    weather, _ = synthetic_year(47.2, -1.55, seed=0)
    return weather, pvlib.location.Location(47.2, -1.55, tz="Europe/Paris", altitude=26)


def _planes():
    return pd.DataFrame(
        {
            "building_id": ["a", "a", "b", "c", "d"],
            "surface_tilt": [35.0, 35.0, 15.0, 35.0, 35.0],
            "surface_azimuth": [180.0, 0.0, 180.0, 90.0, 90.0],
            "kwp": [3.0, 3.0, 20.0, 0.0, 2.0],
            "mounting": ["roof", "roof", "rack", "roof", "roof"],
        },
        index=["a-0", "a-1", "b-0", "c-0", "d-0"],
    )


def test_south_plane_is_suitable_north_plane_is_not(nantes):
    result = simulate_rooftops(_planes(), *nantes)
    planes = result.planes
    assert planes.loc["a-0", "suitable"] and not planes.loc["a-1", "suitable"]
    assert 1000 < result.reference_specific_yield_kwh_kwp < 1200
    a = result.buildings.loc["a"]
    # Only the suitable plane counts towards the building's power and energy.
    assert a["suitable_kwp"] == pytest.approx(3.0)
    assert a["suitable_annual_kwh"] == pytest.approx(planes.loc["a-0", "annual_kwh"])
    assert a["kwp"] == pytest.approx(6.0)
    assert not result.buildings.loc["c", "suitable"], "no installable power: not suitable"


def test_threshold_is_the_users_to_change(nantes):
    default = simulate_rooftops(_planes(), *nantes)
    east = default.planes.loc["d-0"]
    share = east["specific_yield_kwh_kwp"] / default.reference_specific_yield_kwh_kwp
    assert 0.65 < share < 0.9, "an east plane keeps most, not all, of the reference yield"
    loose = simulate_rooftops(
        _planes(), *nantes, suitability=SuitabilityParams(min_share_of_reference=share - 0.02)
    )
    strict = simulate_rooftops(
        _planes(), *nantes, suitability=SuitabilityParams(min_share_of_reference=share + 0.02)
    )
    assert loose.planes.loc["d-0", "suitable"] and not strict.planes.loc["d-0", "suitable"]
    summary = strict.summary()
    assert summary["suitable_kwp"] < loose.summary()["suitable_kwp"]


def test_shading_lowers_yield_and_is_reported(nantes):
    horizon = np.zeros((5, 36))
    horizon[0, 12:24] = 40.0  # a wall 40 deg high across the southern sky of a-0
    shaded = simulate_rooftops(_planes(), *nantes, horizon=horizon)
    open_sky = simulate_rooftops(_planes(), *nantes)
    loss = shaded.planes.loc["a-0", "shading_loss_percent"]
    assert 30 < loss < 95
    assert shaded.planes.loc["b-0", "shading_loss_percent"] == pytest.approx(0)
    assert shaded.planes.loc["a-0", "unshaded_annual_kwh"] == pytest.approx(
        open_sky.planes.loc["a-0", "annual_kwh"]
    )
    # The reference plane stays in the open: shading is judged against it.
    assert shaded.reference_specific_yield_kwh_kwp == pytest.approx(
        open_sky.reference_specific_yield_kwh_kwp
    )
    assert not shaded.planes.loc["a-0", "suitable"]
    building = shaded.buildings.loc["a"]
    expected = 100 * (
        1
        - shaded.planes.loc[["a-0", "a-1"], "annual_kwh"].sum()
        / shaded.planes.loc[["a-0", "a-1"], "unshaded_annual_kwh"].sum()
    )
    assert building["shading_loss_percent"] == pytest.approx(expected)


def test_planes_energy_conserves_annual_energy_at_the_settlement_step(nantes):
    planes = _planes().loc[["a-0", "b-0"]]
    result = simulate_rooftops(planes, *nantes)
    energy = planes_energy(planes, *nantes, step="15min")
    assert len(energy) == 4 * 8760
    assert energy.sum() == pytest.approx(result.planes["annual_kwh"].sum(), rel=1e-9)


def test_no_planes_produce_nothing(nantes):
    energy = planes_energy(_planes().iloc[:0], *nantes, step="30min")
    assert len(energy) == 2 * 8760 and energy.sum() == 0


def test_east_and_west_roofs_stay_just_under_the_80_percent_threshold(nantes):
    # Pins the figure the module docstring quotes: on the embedded Nantes year
    # (diffuse share 0.465 of GHI) a 30 deg roof facing due east keeps 79.0 % of
    # the reference plane's yield, due west 78.5 %: both just under 80 %. (They
    # were 77.5 % and 77.0 % when the synthetic sky had no broken-cloud hours
    # and a diffuse share of 0.40: more diffuse light favours east and west.)
    weather, location = nantes
    planes = pd.DataFrame(
        {
            "building_id": ["e", "w"],
            "surface_tilt": [30.0, 30.0],
            "surface_azimuth": [90.0, 270.0],
            "kwp": [3.0, 3.0],
            "mounting": ["roof", "roof"],
        },
        index=["east", "west"],
    )
    result = simulate_rooftops(planes, weather, location)
    share = result.planes["specific_yield_kwh_kwp"] / result.reference_specific_yield_kwh_kwp
    assert weather["dhi"].sum() / weather["ghi"].sum() == pytest.approx(0.465, abs=0.01)
    assert share["east"] == pytest.approx(0.790, abs=0.005)
    assert share["west"] == pytest.approx(0.785, abs=0.005)
    assert not result.planes[["suitable"]].any().any()
    assert SuitabilityParams().min_share_of_reference == 0.80


def test_suitability_is_applied_after_the_simulation(nantes):
    simulation = simulate_rooftop_planes(_planes(), *nantes)
    assert "suitable" not in simulation.planes
    strict = SuitabilityParams(min_share_of_reference=0.95)
    after = apply_suitability(simulation, strict)
    direct = simulate_rooftops(_planes(), *nantes, suitability=strict)
    pd.testing.assert_frame_equal(after.planes, direct.planes)
    pd.testing.assert_frame_equal(after.buildings, direct.buildings)
    # The building's annual energy counts every plane, the suitable one only the suitable.
    a = after.buildings.loc["a"]
    assert a["annual_kwh"] == pytest.approx(
        simulation.planes.loc[["a-0", "a-1"], "annual_kwh"].sum()
    )
    assert a["suitable_annual_kwh"] < a["annual_kwh"]


def test_a_horizon_frame_by_azimuth_is_the_array_in_plane_order(nantes):
    horizon = np.zeros((5, 36))
    horizon[0, 12:24] = 40.0
    frame = pd.DataFrame(horizon, index=_planes().index, columns=np.arange(0.0, 360.0, 10.0))
    # Rows in another order: matched by plane id, not by position.
    by_frame = simulate_rooftops(_planes(), *nantes, horizon=frame.iloc[::-1])
    by_array = simulate_rooftops(_planes(), *nantes, horizon=horizon)
    pd.testing.assert_frame_equal(by_frame.planes, by_array.planes)
    wide = pd.DataFrame(horizon[:, ::2], index=frame.index, columns=np.arange(0.0, 360.0, 20.0))
    assert (
        simulate_rooftops(_planes(), *nantes, horizon=wide).planes.loc[
            "a-0", "shading_loss_percent"
        ]
        > 10
    )
    with pytest.raises(ValueError, match="no row"):
        simulate_rooftops(_planes(), *nantes, horizon=frame.iloc[1:])
    with pytest.raises(ValueError, match="sector centre"):
        simulate_rooftops(_planes(), *nantes, horizon=frame.set_axis(range(5, 365, 10), axis=1))
    with pytest.raises(ValueError, match="apart"):
        simulate_rooftops(_planes(), *nantes, horizon=frame, sector_deg=5.0)


def test_energy_rebuilt_from_the_simulation_matches_its_annual_figure(nantes):
    for mode in ("exact", "fast"):
        horizon = np.zeros((5, 36))
        horizon[0, 12:24] = 30.0
        simulation = simulate_rooftop_planes(_planes(), *nantes, mode=mode, horizon=horizon)
        energy = simulation.energy(["a-0", "b-0"], step="30min")
        assert len(energy) == 2 * 8760
        expected = simulation.planes.loc[["a-0", "b-0"], "annual_kwh"].sum()
        assert energy.sum() == pytest.approx(expected, rel=1e-9)
        assert simulation.energy([]).sum() == 0
