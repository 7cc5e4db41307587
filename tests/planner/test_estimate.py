import datetime as dt
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner.estimate import (
    ASSUMPTION_SOURCES,
    DEFAULT_OFFPEAK_WINDOWS,
    EstimateAssumptions,
    Household,
    estimate_profile,
    french_holidays,
    h25_shape,
)
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import has
from solar.typical_year import typical_year_index
from tests.conftest import assert_rel_close

# Nantes monthly mean temperature [degC] (DESIGN.md reference table).
NANTES_MONTHLY = np.array([5.0, 5.3, 8.4, 10.8, 13.9, 17.2, 18.8, 18.6, 16.4, 12.2, 8.2, 5.5])
MID_MONTH = np.array([15, 45, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349])


def _temp_air() -> pd.Series:
    # Smooth seasonal curve through the monthly means, a +-4 degC daily cycle peaking at 15:00.
    idx = typical_year_index("h")
    doy = idx.day_of_year.to_numpy()
    x = np.r_[MID_MONTH - 365, MID_MONTH, MID_MONTH + 365]
    seasonal = np.interp(doy, x, np.tile(NANTES_MONTHLY, 3))
    daily = 4.0 * np.sin(2 * np.pi * (idx.hour.to_numpy() - 9) / 24)
    return pd.Series(seasonal + daily, index=idx, name="temp_air")


TEMP = _temp_air()


def _window_mask(index: pd.DatetimeIndex, windows) -> np.ndarray:
    minute = np.asarray(index.hour * 60 + index.minute)
    mask = np.zeros(len(index), bool)
    for start, end in windows:
        s = int(start[:2]) * 60 + int(start[3:])
        e = int(end[:2]) * 60 + int(end[3:])
        mask |= (minute >= s) & (minute < e) if s < e else (minute >= s) | (minute < e)
    return mask


@pytest.mark.parametrize("step", ["15min", "30min"])
def test_grid_name_and_units(step):
    energy, meta = estimate_profile(Household(), TEMP, step=step)
    assert energy.index.equals(typical_year_index(step))
    assert energy.index.freq is not None
    assert energy.name == "energy_kwh"
    assert energy.dtype == np.float64
    assert (energy >= 0).all() and energy.notna().all()
    assert meta["step_min"] == int(step[:2])
    assert_rel_close(energy.sum(), meta["annual_kwh"], 1e-9)
    assert_rel_close(sum(meta["components_kwh"].values()), energy.sum(), 1e-9)


def test_labelled_as_estimate_with_sourced_assumptions():
    _, meta = estimate_profile(Household(heating="heat_pump", ev_km_per_year=8000), TEMP)
    assert meta["is_estimate"] is True
    assert meta["source"] == "estimate"
    assumptions = meta["assumptions"]
    for name in ASSUMPTION_SOURCES:
        assert name in assumptions
    for name in ("occupants", "floor_area_m2", "offpeak_windows", "dju_typical_year"):
        assert name in assumptions
    for entry in assumptions.values():
        assert isinstance(entry["source"], str) and entry["source"]
        assert "value" in entry
    assert "aqui.fr" in assumptions["offpeak_windows"]["source"]


@pytest.mark.parametrize(
    "household",
    [
        Household(annual_kwh=4400),
        Household(annual_kwh=2500, dwelling="apartment", water_heater="none", cooking="gas"),
        Household(annual_kwh=15000, heating="electric_direct", ev_km_per_year=15000),
        Household(annual_kwh=7000, heating="heat_pump", water_heater="daytime"),
    ],
)
def test_annual_total_matches_given(household):
    energy, meta = estimate_profile(household, TEMP, seed=3)
    assert_rel_close(energy.sum(), household.annual_kwh, 0.005, "annual")
    assert meta["annual_kwh_derived"] is False


def test_ev_kept_when_annual_given():
    hh = Household(annual_kwh=9000, ev_km_per_year=10000)
    _, meta = estimate_profile(hh, TEMP)
    assert_rel_close(meta["components_kwh"]["ev"], 10000 * 0.18, 1e-9, "ev")


def test_annual_below_ev_reported():
    energy, meta = estimate_profile(Household(annual_kwh=1000, ev_km_per_year=20000), TEMP)
    assert_rel_close(energy.sum(), 1000, 1e-9)
    assert [p.code for p in meta["problems"]] == ["estimate_annual_below_ev"]


def test_derived_annual_defaults():
    house, meta_h = estimate_profile(Household(), TEMP)
    flat, meta_f = estimate_profile(Household(dwelling="apartment"), TEMP)
    assert meta_h["annual_kwh_derived"] is True
    # Without electric heating, near the CRE 4.4 MWh/yr and Elecdom 4.8 MWh/yr averages.
    assert 3500 < house.sum() < 5500
    assert 2500 < flat.sum() < house.sum()
    assert meta_h["components_kwh"]["heating"] == 0.0
    assert meta_h["assumptions"]["occupants"]["value"] == 2.5
    assert meta_f["assumptions"]["floor_area_m2"]["value"] == 63.0


def test_electric_heating_peaks_in_winter():
    energy, meta = estimate_profile(Household(heating="electric_direct"), TEMP)
    monthly = energy.groupby(energy.index.month).sum()
    assert monthly[1] > 2 * monthly[7]
    assert monthly[12] > 2 * monthly[7]
    # Heating follows degree-days: nothing in the warmest month of this weather.
    heating_days = meta["assumptions"]["dju_typical_year"]["value"]
    assert 1800 < heating_days < 2800


def test_heat_pump_divides_heating_by_scop():
    _, direct = estimate_profile(Household(heating="electric_direct"), TEMP)
    _, pump = estimate_profile(Household(heating="heat_pump"), TEMP)
    assert_rel_close(
        pump["components_kwh"]["heating"], direct["components_kwh"]["heating"] / 3.0, 1e-9
    )


def test_assumptions_are_editable():
    hh = Household(heating="electric_direct")
    _, base = estimate_profile(hh, TEMP)
    doubled = replace(EstimateAssumptions(), heating_kwh_per_m2_dju=0.0472)
    _, more = estimate_profile(hh, TEMP, assumptions=doubled)
    assert_rel_close(more["components_kwh"]["heating"], 2 * base["components_kwh"]["heating"], 1e-9)
    assert more["assumptions"]["heating_kwh_per_m2_dju"]["value"] == 0.0472


def test_offpeak_water_heater_runs_only_in_windows():
    with_tank, meta = estimate_profile(Household(water_heater="offpeak"), TEMP, seed=5)
    without, _ = estimate_profile(Household(water_heater="none"), TEMP, seed=5)
    diff = (with_tank - without).to_numpy()
    inside = _window_mask(with_tank.index, DEFAULT_OFFPEAK_WINDOWS)
    assert np.abs(diff[~inside]).max() < 1e-12
    assert diff[inside].sum() > 0
    # 2.5 persons x 50 L x (40-13) K + 1 kWh/day of standing losses.
    expected = (2.5 * 50 * 4.186 / 3600 * 27 + 1.0) * 365
    assert_rel_close(diff.sum(), expected, 1e-9, "water heater")
    assert_rel_close(meta["components_kwh"]["water_heater"], expected, 1e-9)
    # Never more than the element's 2.4 kW in any half-hour.
    assert diff.max() <= 2.4 * 0.5 + 1e-9


def test_custom_windows_and_ev_at_night():
    windows = (("22:00", "06:00"),)
    hh = Household(water_heater="none", offpeak_windows=windows, ev_km_per_year=12000)
    with_ev, meta = estimate_profile(hh, TEMP, seed=2)
    without, _ = estimate_profile(replace(hh, ev_km_per_year=0.0), TEMP, seed=2)
    diff = (with_ev - without).to_numpy()
    inside = _window_mask(with_ev.index, windows)
    assert np.abs(diff[~inside]).max() < 1e-12
    assert_rel_close(diff.sum(), 12000 * 0.18, 1e-9, "ev")
    assert diff.max() <= 7.4 * 0.5 + 1e-9
    assert meta["assumptions"]["offpeak_windows"]["source"] == "household"


def test_same_seed_same_curve_and_forty_distinct_households():
    hh = Household(heating="electric_direct")
    a, _ = estimate_profile(hh, TEMP, seed=7)
    b, _ = estimate_profile(hh, TEMP, seed=7)
    pd.testing.assert_series_equal(a, b)
    curves = np.stack([estimate_profile(hh, TEMP, seed=s)[0].to_numpy() for s in range(40)])
    corr = np.corrcoef(curves)
    off_diagonal = corr[~np.eye(40, dtype=bool)]
    assert off_diagonal.max() < 0.999
    assert len({c.tobytes() for c in curves}) == 40


def test_warning_filters_unchanged():
    h25_shape.cache_clear()  # make demandlib run again inside the call
    before = list(warnings.filters)
    estimate_profile(Household(), TEMP, step="15min")
    assert list(warnings.filters) == before


def test_h25_shape_sums_to_one_with_winter_peak():
    shape = h25_shape("30min")
    assert_rel_close(shape.sum(), 1.0, 1e-12)
    s = pd.Series(shape, index=typical_year_index("30min"))
    monthly = s.groupby(s.index.month).sum()
    assert monthly[1] > monthly[7]
    assert not shape.flags.writeable


def test_french_holidays_2025():
    days = french_holidays(2025)
    assert len(days) == 11
    for day in (dt.date(2025, 4, 21), dt.date(2025, 5, 29), dt.date(2025, 6, 9)):
        assert day in days
    assert dt.date(2024, 4, 1) in french_holidays(2024)  # Easter Monday 2024


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"heating": "gas"}, "heating"),
        ({"dwelling": "castle"}, "dwelling"),
        ({"annual_kwh": -5.0}, "annual_kwh"),
        ({"occupants": 0}, "occupants"),
        ({"ev_km_per_year": float("nan")}, "ev_km_per_year"),
        ({"offpeak_windows": (("25:00", "06:00"),)}, "offpeak_windows"),
        ({"offpeak_windows": (("22:00", "06:00"), ("05:00", "07:00"))}, "offpeak_windows"),
        ({"offpeak_windows": ()}, "offpeak_windows"),
    ],
)
def test_invalid_household(kwargs, field):
    with pytest.raises(ReadError) as err:
        Household(**kwargs)
    assert err.value.code == "household_invalid"
    assert err.value.field == field


def test_no_windows_allowed_without_offpeak_uses():
    hh = Household(water_heater="daytime", offpeak_windows=())
    energy, _ = estimate_profile(hh, TEMP)
    assert energy.sum() > 0


def test_bad_weather_and_step():
    with pytest.raises(ReadError) as err:
        estimate_profile(Household(), TEMP.tz_localize(None))
    assert err.value.code == "estimate_weather_invalid"
    with pytest.raises(ReadError) as err:
        estimate_profile(Household(), TEMP.iloc[:2000])
    assert err.value.code == "estimate_weather_incomplete"
    with pytest.raises(ReadError) as err:
        estimate_profile(Household(), TEMP, step="10min")
    assert err.value.code == "profile_bad_step"


def test_weather_labelled_in_utc_is_accepted():
    utc = pd.Series(
        TEMP.to_numpy(),
        index=pd.date_range("2025-01-01", periods=8760, freq="h", tz="UTC"),
    )
    energy, _ = estimate_profile(Household(heating="electric_direct"), utc)
    assert energy.notna().all()


def test_catalogue_keys():
    for code in (
        "household_invalid",
        "estimate_weather_invalid",
        "estimate_weather_incomplete",
        "estimate_annual_below_ev",
        "profile_bad_step",
    ):
        assert has(f"problem.{code}")
    for key in (
        "profile.estimate_label",
        "household.field.heating",
        "household.heating.electric_direct",
        "household.water_heater.offpeak",
    ):
        assert has(key)


def test_offpeak_windows_read_as_written_on_a_bill():
    from planner.estimate import (
        DEFAULT_OFFPEAK_WINDOWS,
        format_offpeak_windows,
        parse_offpeak_windows,
    )

    assert parse_offpeak_windows("22h30-6h30") == (("22:30", "06:30"),)
    assert parse_offpeak_windows("01:00-06:00; 12:00 - 15:00") == DEFAULT_OFFPEAK_WINDOWS
    assert parse_offpeak_windows(format_offpeak_windows(DEFAULT_OFFPEAK_WINDOWS)) == (
        DEFAULT_OFFPEAK_WINDOWS
    )
    assert parse_offpeak_windows("  ") == ()


@pytest.mark.parametrize("text", ["1am to 6am", "25:00-06:00", "01:00-06:00, 02:00-03:00"])
def test_unreadable_or_overlapping_offpeak_windows_are_named(text):
    from planner.estimate import parse_offpeak_windows
    from quartier_solaire.errors import ReadError

    with pytest.raises(ReadError) as error:
        parse_offpeak_windows(text)
    assert error.value.field == "offpeak_windows"
