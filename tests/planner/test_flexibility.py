import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.estimate import Household, estimate_profile
from planner.flexibility import (
    SHARED_KWH_COST_EUR,
    FlexibilityRules,
    FlexibleLoad,
    Tariff,
    collective_gestes,
    detect_ev,
    detect_loads,
    detect_water_heater,
    everyone,
    flexible_loads,
    geste,
    grid_prices,
    shift_load,
    solar_window,
)
from planner.flows import flows
from quartier_solaire.i18n import has, t
from solar.typical_year import typical_year_index
from tests.conftest import assert_rel_close
from tests.planner.test_estimate import TEMP

TZ = "Europe/Paris"


def _index(days: int, step: int = 30, start: str = "2025-04-07") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=days * 1440 // step, freq=f"{step}min", tz=TZ)


def _minute(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(index.hour * 60 + index.minute)


def _kwh(index, kw, step=30) -> pd.Series:
    return pd.Series(np.asarray(kw, dtype=float) * step / 60.0, index=index)


def _base_kw(index, seed=0, evening_kw=0.4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    minute = _minute(index)
    evening = ((minute >= 18 * 60) & (minute < 22 * 60)) * evening_kw
    return 0.25 + 0.15 * rng.random(len(index)) + evening


def _water_heater_kw(index, start_min, hours, power=2.4, nights=None):
    """A block from ``start_min`` (local) for ``hours[d]`` on night d; returns kW per step."""
    kw = np.zeros(len(index))
    dates = index.normalize()
    day = np.asarray((dates - dates[0]).days)
    minute = _minute(index)
    for d, h in enumerate(hours):
        if nights is not None and not nights[d]:
            continue
        lo, hi = start_min, start_min + h * 60
        # a step is on for the part of its 30 min inside [lo, hi) (last step partial)
        for offset in (0, 1440):  # the block may cross midnight into day d+1
            in_day = day == d + offset // 1440
            t0 = minute + offset
            part = np.clip(np.minimum(t0 + 30, hi) - np.maximum(t0, lo), 0, 30) / 30.0
            kw += np.where(in_day, part * power, 0.0)
    return kw


# --- water heater ------------------------------------------------------------------


def test_a_water_heater_block_is_found_with_its_start_power_and_energy():
    index = _index(60)
    rng = np.random.default_rng(3)
    hours = rng.uniform(1.6, 3.2, 60)  # draws vary: the block ends mid-step
    nights = rng.random(60) < 0.9
    block = _water_heater_kw(index, 22 * 60 + 30, hours, nights=nights)
    curve = _kwh(index, _base_kw(index) + block)
    truth = float(block.sum() * 0.5)
    for windows in ((("22:30", "06:30"),), None):
        load = detect_water_heater(curve, windows)
        assert load is not None
        assert load.kind == "water_heater" and load.origin == "detected"
        assert load.start == "22:30"
        assert_rel_close(load.power_kw, 2.4, 0.05, "power")
        # the last night's block runs past the curve's end
        assert abs(load.days - nights.sum()) <= 1
        assert_rel_close(load.energy.sum(), truth, 0.04, "energy")
        assert_rel_close(load.daily_energy_kwh, truth / nights.sum(), 0.04, "daily energy")
        assert 0.8 < load.confidence <= 1.0
        # the block sits where the heater ran, nowhere else
        assert (load.energy[block == 0] == 0).all()


def test_a_block_after_midnight_is_found_when_the_windows_are_unknown():
    index = _index(40)
    block = _water_heater_kw(index, 60, np.full(40, 2.0), power=3.0)
    load = detect_water_heater(_kwh(index, _base_kw(index, 1) + block))
    assert load is not None and load.start == "01:00"
    assert_rel_close(load.power_kw, 3.0, 0.05, "power")
    assert_rel_close(load.daily_energy_kwh, 6.0, 0.05, "daily energy")


def test_a_block_on_too_few_nights_is_not_a_water_heater():
    index = _index(60)
    nights = np.arange(60) % 3 == 0  # one night in three
    block = _water_heater_kw(index, 22 * 60 + 30, np.full(60, 2.0), nights=nights)
    curve = _kwh(index, _base_kw(index) + block)
    assert detect_water_heater(curve, (("22:30", "06:30"),)) is None
    looser = FlexibilityRules(wh_min_share_of_nights=0.3)
    assert detect_water_heater(curve, (("22:30", "06:30"),), looser) is not None


def test_a_block_too_late_after_the_off_peak_start_is_not_the_water_heater():
    index = _index(40)
    late = _water_heater_kw(index, 23 * 60 + 30, np.full(40, 2.0))
    curve = _kwh(index, _base_kw(index) + late)
    assert detect_water_heater(curve, (("23:00", "07:00"),)) is not None  # 30 min: a step
    assert detect_water_heater(curve, (("22:00", "06:00"),)) is None  # 90 min later


@pytest.mark.parametrize("step", ["15min", "30min"])
def test_a_whole_year_across_both_clock_changes(step):
    index = typical_year_index(step)
    minutes = int(step[:2])
    minute = _minute(index.tz_convert(TZ))
    kw = 0.3 + np.where((minute >= 60) & (minute < 60 + 150), 2.4, 0.0)  # 01:00-03:30
    curve = _kwh(index, kw, minutes)
    load = detect_water_heater(curve, (("01:00", "06:00"), ("12:00", "15:00")))
    assert load is not None and load.start == "01:00"
    # the spring-forward night has no 02:00-03:00: that night's block is shorter
    assert_rel_close(load.annual_kwh, 6.0 * 365, 0.01, "annual energy")
    assert load.days >= 364
    shifted, window = shift_load(curve, load, _sun(index))
    assert window[0] == "12:00"
    assert_rel_close(shifted.sum(), curve.sum(), 1e-12, "energy kept")
    per_day = np.bincount(_served_day(index) % 365, (shifted - curve).to_numpy(), minlength=365)
    np.testing.assert_allclose(per_day, 0.0, atol=1e-9)


@pytest.mark.parametrize("level", [0.0, 0.5, 3.0])
def test_nothing_is_found_on_a_flat_curve(level):
    index = _index(30)
    assert detect_loads(_kwh(index, np.full(len(index), level))) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    days=st.integers(14, 90),
    step=st.sampled_from([15, 30, 60]),
    amplitude=st.floats(0.01, 12.0),
    law=st.sampled_from(["uniform", "exponential", "normal", "lognormal"]),
)
def test_nothing_is_found_on_random_noise(seed, days, step, amplitude, law):
    rng = np.random.default_rng(seed)
    index = _index(days, step)
    n = len(index)
    kw = {
        "uniform": lambda: rng.uniform(0, amplitude, n),
        "exponential": lambda: rng.exponential(amplitude, n),
        "normal": lambda: np.abs(rng.normal(amplitude, amplitude / 2, n)),
        "lognormal": lambda: amplitude * rng.lognormal(0, 0.8, n),
    }[law]()
    assert detect_loads(_kwh(index, kw, step)) == []


# --- electric car --------------------------------------------------------------------


def _ev_kw(index, weekdays=(0, 2, 4), start_min=19 * 60, hours=3.0, power=7.4):
    minute = _minute(index)
    on = np.isin(index.day_of_week, weekdays) & (minute >= start_min)
    on &= minute < start_min + hours * 60
    return on * power


def test_an_ev_plateau_is_found_with_its_sessions():
    index = _index(56)
    car = _ev_kw(index)
    # no evening load beneath it: its level would count in the car's power
    load = detect_ev(_kwh(index, _base_kw(index, evening_kw=0.0) + car))
    assert load is not None and load.kind == "ev" and load.origin == "detected"
    assert load.days == 24 and load.start == "19:00"
    assert_rel_close(load.power_kw, 7.4, 0.03, "power")
    assert_rel_close(load.daily_energy_kwh, 7.4 * 3, 0.03, "energy per session")


def test_a_water_heater_and_a_car_are_told_apart():
    index = _index(56)
    block = _water_heater_kw(index, 23 * 60, np.full(56, 2.5))
    car = _ev_kw(index, weekdays=(1, 3), start_min=18 * 60 + 30, hours=4.0, power=3.7)
    loads = detect_loads(_kwh(index, _base_kw(index, 2, 0.0) + block + car), (("23:00", "07:00"),))
    assert [x.kind for x in loads] == ["water_heater", "ev"]
    assert_rel_close(loads[0].daily_energy_kwh, 2.4 * 2.5, 0.05, "water heater")
    assert_rel_close(loads[1].power_kw, 3.7, 0.05, "car power")
    assert loads[1].days == 16


def test_a_plateau_in_the_middle_of_the_day_is_not_home_charging():
    index = _index(56)
    oven_and_more = _ev_kw(index, weekdays=(0, 2, 4, 6), start_min=10 * 60, hours=3.0)
    assert detect_ev(_kwh(index, _base_kw(index, evening_kw=0.0) + oven_and_more)) is None


def test_one_long_charge_a_month_is_not_several_a_week():
    index = _index(56)
    car = _ev_kw(index, weekdays=(5,)) * (index.day <= 7)
    assert detect_ev(_kwh(index, _base_kw(index) + car)) is None


# --- moving a load -------------------------------------------------------------------


def _sun(index, peak_kwh=1.0):
    hour = _minute(index) / 60.0
    return pd.Series(peak_kwh * np.clip(np.sin((hour - 7) / 12 * np.pi), 0, None), index=index)


def _served_day(index):
    local = index.tz_convert(TZ)
    return np.asarray(((local + pd.Timedelta(hours=4)).normalize() - local[0].normalize()).days)


def test_shifting_keeps_each_days_energy_and_lands_in_the_solar_window():
    index = _index(30)
    block = _water_heater_kw(index, 22 * 60, np.linspace(1.2, 3.8, 30))
    curve = _kwh(index, _base_kw(index) + block)
    load = detect_water_heater(curve, (("22:00", "06:00"),))
    shifted, window = shift_load(curve, load, _sun(index))
    assert window[0] == "12:00"  # the tariff's midday off-peak window, sun at its peak
    delta = (shifted - curve).to_numpy()
    served = _served_day(index) % 30
    per_day = np.bincount(served, delta, minlength=30)
    np.testing.assert_allclose(per_day, 0.0, atol=1e-12)
    minute = _minute(index)
    added = delta > 0
    assert (minute[added] >= 12 * 60).all() and (minute[added] < 16 * 60).all()
    assert (shifted >= 0).all()


def test_the_window_is_the_midday_off_peak_one_or_the_solar_window():
    assert solar_window(Tariff()) == (12 * 60, 15 * 60)
    assert solar_window(Tariff(option="base")) == (11 * 60, 17 * 60)
    night_only = Tariff(offpeak_windows=(("22:00", "06:00"),))
    assert solar_window(night_only) == (11 * 60, 17 * 60)


def test_a_move_is_worth_what_flows_say_by_hand():
    # Two days, hourly: 0.2 kWh an hour, a 2 kW heater at 01:00-03:00, sun 1 kWh/h 10:00-16:00.
    index = pd.date_range("2025-06-02", periods=48, freq="h", tz=TZ)
    hour = np.asarray(index.hour)
    heater = np.where((hour >= 1) & (hour < 3), 2.0, 0.0)
    curve = pd.Series(0.2 + heater, index=index)
    sun = pd.Series(np.where((hour >= 10) & (hour < 16), 1.0, 0.0), index=index)
    load = FlexibleLoad(
        "water_heater", "detected", 4.0, 2.0, "01:00", 2, 730.0, 1.0, pd.Series(heater, index)
    )
    shifted, window = shift_load(curve, load, sun)
    assert window == ("12:00", "14:00")
    expected = 0.2 + np.where((hour >= 12) & (hour < 14), 2.0, 0.0)
    np.testing.assert_allclose(shifted.to_numpy(), expected, atol=1e-15)
    # by hand: before 6 h x 0.2 = 1.2 kWh/day self-consumed; after 4 x 0.2 + 2 x 1 = 2.8
    others = pd.Series(0.5, index=index)
    result = geste(
        curve,
        load,
        sun,
        collective_production=3 * sun,
        collective_consumption=curve + others,
        participant="A",
    )
    year = 365 / 2  # the curve holds two days
    assert_rel_close(result.extra_autocons_kwh, 2 * 1.6 * year, 1e-12, "extra")
    before, _ = flows(sun, curve)
    after, _ = flows(sun, shifted)
    assert_rel_close(
        result.extra_autocons_kwh, (after.autocons_kwh - before.autocons_kwh) * year, 1e-12
    )
    assert_rel_close(result.moved_kwh, 4.0 * 2 * year, 1e-12, "moved")
    # night and midday both off-peak: each extra kWh saves off-peak price less the shared cost
    assert_rel_close(result.savings_eur, 2 * 1.6 * year * (0.1579 - SHARED_KWH_COST_EUR), 1e-9)
    base = geste(curve, load, sun, tariff=Tariff(option="base"))
    assert_rel_close(base.savings_eur, 2 * 1.6 * year * (0.1940 - SHARED_KWH_COST_EUR), 1e-9)
    assert base.savings_eur > 0 > result.savings_eur
    # collective: P = 3 at 10-16 h, T = 0.7 + block; before 6 x 0.7, after 4 x 0.7 + 2 x 2.7
    gain = (4 * 0.7 + 2 * 2.7) - 6 * 0.7
    assert_rel_close(result.collective_extra_autocons_kwh, 2 * gain * year, 1e-12)
    assert_rel_close(result.delta_collective_self_consumption, 100 * 2 * gain / 36, 1e-12)


def test_moving_into_peak_hours_is_priced_at_the_peak():
    index = pd.date_range("2025-06-02", periods=48, freq="h", tz=TZ)
    tariff = Tariff(offpeak_windows=(("22:00", "06:00"),))  # old scheme: no midday off-peak
    prices = grid_prices(index, tariff)
    assert prices[np.asarray(index.hour) == 12][0] == tariff.peak_eur_per_kwh
    assert prices[np.asarray(index.hour) == 2][0] == tariff.offpeak_eur_per_kwh
    hour = np.asarray(index.hour)
    heater = np.where((hour >= 1) & (hour < 3), 2.0, 0.0)
    curve = pd.Series(0.2 + heater, index=index)
    dim_sun = pd.Series(np.where((hour >= 10) & (hour < 16), 0.5, 0.0), index=index)
    load = FlexibleLoad(
        "water_heater", "detected", 4.0, 2.0, "01:00", 2, 730.0, 1.0, pd.Series(heater, index)
    )
    result = geste(curve, load, dim_sun, tariff=tariff)
    # per day: 2 x 0.3 kWh more from the sun; 2 x 1.7 kWh now bought at peak, not off-peak
    per_day = 0.6 * (tariff.offpeak_eur_per_kwh - SHARED_KWH_COST_EUR) - 3.4 * (
        tariff.peak_eur_per_kwh - tariff.offpeak_eur_per_kwh
    )
    assert_rel_close(result.savings_eur, per_day * 365, 1e-9)
    assert result.savings_eur < 0 and result.advice()[0].endswith("no_saving")


def test_extra_self_consumption_is_never_negative_for_night_loads():
    index = _index(45)
    rng = np.random.default_rng(5)
    for seed in range(5):
        block = _water_heater_kw(index, 22 * 60 + 30, rng.uniform(1.2, 3.5, 45))
        curve = _kwh(index, _base_kw(index, seed) + block)
        load = detect_water_heater(curve, (("22:30", "06:30"),))
        result = geste(curve, load, _sun(index, rng.uniform(0.1, 3.0)))
        assert result.extra_autocons_kwh >= 0


# --- estimated profiles ---------------------------------------------------------------


def test_the_estimates_water_heater_and_car_are_the_modelled_loads():
    energy, meta = estimate_profile(Household(ev_km_per_year=12000), TEMP, step="30min")
    components = meta["components"]
    assert list(components) == ["baseline", "heating", "water_heater", "ev"]
    np.testing.assert_allclose(components.sum(axis=1).to_numpy(), energy.to_numpy(), rtol=1e-12)
    loads = flexible_loads(energy, meta)
    assert [x.kind for x in loads] == ["water_heater", "ev"]
    assert all(x.origin == "modelled" and x.confidence == 1.0 for x in loads)
    water, car = loads
    assert_rel_close(water.energy.sum(), meta["components_kwh"]["water_heater"], 1e-12)
    assert_rel_close(car.annual_kwh, 12000 * 0.18, 1e-9, "car")
    assert car.power_kw == pytest.approx(7.4)
    assert water.power_kw == pytest.approx(2.4)
    sun = _sun(energy.index)
    for load in loads:
        shifted, _ = shift_load(energy, load, sun)
        assert_rel_close(shifted.sum(), energy.sum(), 1e-12, "energy kept")
        assert geste(energy, load, sun).extra_autocons_kwh > 0


def test_an_estimate_without_movable_loads_proposes_nothing():
    household = Household(water_heater="daytime")
    energy, meta = estimate_profile(household, TEMP, step="30min")
    assert flexible_loads(energy, meta) == []


# --- everyone together ------------------------------------------------------------------


def _neighbourhood(n=4, days=28):
    index = _index(days)
    columns = {}
    for k in range(n):
        block = _water_heater_kw(index, 22 * 60 + 30 * (k % 3), np.full(days, 2.0 + 0.3 * k))
        columns[f"H{k}"] = _kwh(index, _base_kw(index, k) + block)
    return pd.DataFrame(columns), index


@pytest.mark.parametrize("peak", [1.5, 4.0, 40.0])
def test_the_joint_gain_is_not_the_sum_of_individual_gains(peak):
    consumption, index = _neighbourhood()
    production = _sun(index, peak)
    total = consumption.sum(axis=1)
    share = production / len(consumption.columns)
    moves = []
    for name in consumption.columns:
        found = detect_loads(consumption[name])
        assert [x.kind for x in found] == ["water_heater"]
        moves += [
            geste(
                consumption[name],
                load,
                share,
                collective_production=production,
                collective_consumption=total,
                participant=name,
            )
            for load in found
        ]
    joint = everyone(consumption, production, moves)
    summed = sum(m.collective_extra_autocons_kwh for m in moves)
    assert_rel_close(joint.sum_of_individual_kwh, summed, 1e-9)
    assert joint.extra_autocons_kwh <= summed + 1e-9
    assert joint.extra_autocons_kwh >= 0
    if peak == 1.5:  # a small roof: the households compete for the same midday surplus
        assert joint.extra_autocons_kwh < 0.8 * summed
    if peak == 40.0:  # a large one: every kWh moved finds sun, nothing is double counted
        assert_rel_close(joint.extra_autocons_kwh, summed, 1e-9)
    # by hand
    shifted_total = total + sum(m.shift for m in moves)
    year = 365 / 28
    extra = (np.minimum(production, shifted_total) - np.minimum(production, total)).sum()
    assert_rel_close(joint.extra_autocons_kwh, extra * year, 1e-9)
    assert joint.self_consumption_rate_after >= joint.self_consumption_rate_before
    assert_rel_close(joint.cons_kwh, consumption.to_numpy().sum() * year, 1e-12)
    assert joint.households == 4


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    peak=st.floats(0.05, 30.0),
    households=st.integers(2, 5),
)
def test_joint_gain_at_most_sum_for_random_night_to_noon_moves(seed, peak, households):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-06-02", periods=72, freq="h", tz=TZ)
    hour = np.asarray(index.hour)
    production = pd.Series(
        np.where((hour >= 9) & (hour < 18), peak * rng.random(72), 0.0), index=index
    )
    consumption = pd.DataFrame(
        {f"H{k}": 0.1 + rng.random(72) for k in range(households)}, index=index
    )
    moves = []
    for name in consumption.columns:
        night = np.where(hour < 6, rng.random(72), 0.0)  # no production at night
        block = pd.Series(np.minimum(night, consumption[name].to_numpy()), index=index)
        load = FlexibleLoad("water_heater", "detected", 1.0, 2.0, "00:00", 3, 1.0, 1.0, block)
        moves.append(
            geste(
                consumption[name],
                load,
                production / households,
                collective_production=production,
                collective_consumption=consumption.sum(axis=1),
                participant=name,
            )
        )
    joint = everyone(consumption, production, moves)
    assert joint.extra_autocons_kwh <= joint.sum_of_individual_kwh + 1e-9
    assert joint.extra_autocons_kwh >= -1e-9


def test_everyone_counts_the_households_euros_under_the_default_key():
    consumption, index = _neighbourhood(n=2)
    production = _sun(index, 5.0)
    moves = [
        m
        for name in consumption.columns
        for m in [
            geste(
                consumption[name],
                detect_water_heater(consumption[name]),
                production / 2,
                participant=name,
            )
        ]
    ]
    base = everyone(consumption, production, moves, tariffs=Tariff(option="base"))
    windows = (("22:00", "06:00"), ("12:00", "15:00"))  # the blocks start at 22:30-23:30
    hphc = everyone(
        consumption, production, moves, {n: Tariff(offpeak_windows=windows) for n in consumption}
    )
    # the same kWh move; a Base household saves more per kWh than an off-peak one
    assert_rel_close(base.extra_autocons_kwh, hphc.extra_autocons_kwh, 1e-12)
    assert base.savings_eur > hphc.savings_eur
    assert_rel_close(
        base.savings_eur - hphc.savings_eur,
        (0.1940 - 0.1579) * base.extra_autocons_kwh,
        1e-6,
    )


# --- words and rules -----------------------------------------------------------------------


def test_every_advice_is_in_the_catalogue_in_both_languages():
    for kind in ("water_heater", "ev"):
        for suffix in ("saves", "no_saving"):
            assert has(f"gestes.advice.{kind}.{suffix}")
        assert has(f"gestes.kind.{kind}")
    index = pd.date_range("2025-06-02", periods=48, freq="h", tz=TZ)
    hour = np.asarray(index.hour)
    heater = np.where((hour >= 1) & (hour < 3), 2.0, 0.0)
    load = FlexibleLoad(
        "water_heater", "detected", 4.0, 2.0, "01:00", 2, 730.0, 1.0, pd.Series(heater, index)
    )
    curve = pd.Series(0.2 + heater, index=index)
    sun = pd.Series(np.where((hour >= 10) & (hour < 16), 1.0, 0.0), index=index)
    move = geste(curve, load, sun, tariff=Tariff(option="base"))
    key, params = move.advice("fr")
    assert key == "gestes.advice.water_heater.saves"
    text = t(key, "fr", **params)
    assert "entre 11 h et 13 h" in text and "+584 kWh" in text  # 1.6 kWh a day
    assert f"~{round(584 * (0.1940 - SHARED_KWH_COST_EUR))} €" in text
    key, params = move.advice("en")
    assert "between 11:00 and 13:00" in t(key, "en", **params)
    later = dataclasses.replace(move, window=("12:30", "15:00"), extra_autocons_kwh=1234.4)
    key, params = later.advice("fr")
    assert "entre 12 h 30 et 15 h : +1\u202f234 kWh" in t(key, "fr", **params)
    key, params = later.advice("en")
    assert "between 12:30 and 15:00: +1,234 kWh" in t(key, "en", **params)


def test_rules_and_tariffs_are_frozen_and_checked():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FlexibilityRules().min_days = 1
    with pytest.raises(ValueError):
        Tariff(option="tempo")
    assert math.isclose(SHARED_KWH_COST_EUR, 0.12 + 0.0102 + 0.02998)


def test_curves_on_another_grid_are_refused_not_misread():
    consumption, index = _neighbourhood(n=2, days=14)
    production = _sun(index)
    name = consumption.columns[0]
    load = detect_water_heater(consumption[name])
    coarse = production.resample("1h").sum()
    with pytest.raises(ValueError):
        geste(consumption[name], load, coarse)
    with pytest.raises(ValueError):
        geste(
            consumption[name],
            load,
            production,
            collective_production=coarse,
            collective_consumption=consumption.sum(axis=1).resample("1h").sum(),
        )
    move = geste(consumption[name], load, production / 2, participant=name)
    hourly = consumption.resample("1h").sum()
    with pytest.raises(ValueError):
        everyone(hourly, hourly.sum(axis=1) * 0 + 1.0, [move])
    with pytest.raises(ValueError):
        detect_loads(consumption[name].tz_localize(None))


def test_a_collectives_gestes_in_one_call_measured_and_estimated():
    energy, meta = estimate_profile(Household(ev_km_per_year=8000), TEMP, step="30min")
    index = energy.index
    measured = _kwh(index, _base_kw(index) + _water_heater_kw(index, 22 * 60, np.full(365, 2.5)))
    consumption = pd.DataFrame({"estimated": energy, "measured": measured})
    production = _sun(index, 1.5)
    moves = collective_gestes(consumption, production, metas={"estimated": meta})
    assert [(m.participant, m.kind, m.origin) for m in moves] == [
        ("estimated", "water_heater", "modelled"),
        ("estimated", "ev", "modelled"),
        ("measured", "water_heater", "detected"),
    ]
    assert all(m.extra_autocons_kwh > 0 and m.collective_extra_autocons_kwh > 0 for m in moves)
    joint = everyone(consumption, production, moves)
    assert joint.households == 2
    assert 0 < joint.extra_autocons_kwh <= joint.sum_of_individual_kwh + 1e-9


def test_the_new_off_peak_scheme_changes_what_the_move_is_worth():
    energy, meta = estimate_profile(Household(), TEMP, step="30min")
    (water,) = flexible_loads(energy, meta)
    share = _sun(energy.index, 1.0)
    new = geste(energy, water, share)  # 01:00-06:00 + 12:00-15:00, the estimate's own
    old = geste(energy, water, share, tariff=Tariff(offpeak_windows=(("01:00", "06:00"),)))
    base = geste(energy, water, share, tariff=Tariff(option="base"))
    assert new.extra_autocons_kwh == pytest.approx(base.extra_autocons_kwh)
    # night off-peak to midday off-peak: only the sun's part changes price, but on
    # days of large draws the heater runs past 15:00, into peak hours
    at_most = new.extra_autocons_kwh * (0.1579 - SHARED_KWH_COST_EUR)
    assert at_most - 0.1 * abs(at_most) < new.savings_eur <= at_most
    assert_rel_close(
        base.savings_eur, base.extra_autocons_kwh * (0.1940 - SHARED_KWH_COST_EUR), 1e-9
    )
    # without a midday off-peak window, what the sun misses is bought at the peak
    assert old.savings_eur < new.savings_eur < 0 < base.savings_eur


def test_the_midday_top_up_of_the_new_scheme_belongs_to_the_heater():
    index = _index(40)
    night = _water_heater_kw(index, 60, np.full(40, 2.0))  # 01:00-03:00
    noon = _water_heater_kw(index, 12 * 60, np.full(40, 0.5))  # 12:00-12:30 top-up
    curve = _kwh(index, _base_kw(index, 4, 0.0) + night + noon)
    windows = (("01:00", "06:00"), ("12:00", "15:00"))
    load = detect_water_heater(curve, windows)
    assert load.start == "01:00"
    assert_rel_close(load.daily_energy_kwh, 2.4 * 2.5, 0.03, "night and noon")
    # on nights without a block, the top-up alone is that day's energy
    skip = (np.arange(40) % 4 == 0) & (np.arange(40) > 0)
    sparse = _water_heater_kw(index, 60, np.full(40, 2.0), nights=~skip)
    some = detect_water_heater(_kwh(index, _base_kw(index, 4, 0.0) + sparse + noon), windows)
    assert some.days == 40
    expected = (2.4 * 2.0 * (~skip).sum() + 2.4 * 0.5 * 40) / 40
    assert_rel_close(some.daily_energy_kwh, expected, 0.03, "per day served")
    assert (load.energy[noon > 0] > 0).all()
    night_only = detect_water_heater(curve, windows[:1])
    assert_rel_close(night_only.daily_energy_kwh, 2.4 * 2.0, 0.03, "night only")
    # moved whole, the heater never draws twice its power at noon
    shifted, window = shift_load(curve, load, _sun(index))
    assert window[0] == "12:00"
    assert (shifted.to_numpy() * 2 - _base_kw(index, 4, 0.0)).max() < 2.4 * 1.05
