"""The collective project: a community of roofs and households, its figures, the key comparator."""

from functools import cache

import numpy as np
import pandas as pd
import pvlib
import pytest

from geodata.demo import DEMO_SITE, demo_buildings
from planner.allocation import Battery, allocate, round_coefficients
from planner.community import (
    COMPARED_KEYS,
    Community,
    Consumer,
    Producer,
    compare_keys,
    demo_community,
    evaluate,
    producer_roofs,
)
from planner.economics import EconomicParams, economics, household_savings
from planner.rooftops import RooftopChain, RooftopConfig
from solar.typical_year import TIMEZONE


def _small(step="15min") -> Community:
    """Two roofs, three households, one day: production peaks at noon."""
    index = pd.date_range(
        "2025-06-01", periods=96 if step == "15min" else 48, freq=step, tz=TIMEZONE
    )
    hours = index.hour + index.minute / 60
    sun = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None)
    production = pd.DataFrame({"roof-a": 2.0 * sun, "roof-b": 1.0 * sun}, index=index)
    rng = np.random.default_rng(1)
    consumption = pd.DataFrame(
        rng.uniform(0.1, 1.5, (len(index), 3)), index=index, columns=["P1", "P2", "P3"]
    )
    return Community(
        production=production,
        consumption=consumption,
        producers=(
            Producer("roof-a", 30.0, -1.59, 47.206),
            Producer("roof-b", 15.0, -1.592, 47.207),
        ),
        consumers=(
            Consumer("P1", "b1", -1.593, 47.206),
            Consumer("P2", "b2", -1.594, 47.207, source="measured"),
            Consumer("P3", "b3", -1.591, 47.205),
        ),
        step=step,
    )


def test_evaluate_gives_the_keys_flows_and_prices_them():
    community = _small()
    params = EconomicParams(shared_price_eur_per_kwh=0.10)
    result = evaluate(community, "dynamic_default", economic_params=params)
    expected = allocate(community.total_production, community.consumption, "dynamic_default")
    assert result.totals.autocons_kwh == pytest.approx(expected.totals.autocons_kwh)
    assert result.totals.prod_kwh == pytest.approx(community.production.to_numpy().sum())
    per_household = expected.autocons.sum()
    pd.testing.assert_series_equal(
        result.households["autocons_kwh"], per_household, check_names=False
    )
    pd.testing.assert_series_equal(
        result.households["savings_eur"],
        household_savings(per_household, params),
        check_names=False,
    )
    assert result.households["estimated"].tolist() == [True, False, True]
    money = economics(result.totals.prod_kwh, result.totals.autocons_kwh, [30.0, 15.0], params)
    assert result.economics.npv_eur == pytest.approx(money.npv_eur)
    assert result.legal.ok  # a few hundred metres, 45 kWc


def test_the_key_changes_who_gets_what():
    community = _small()
    dynamic = evaluate(community, "dynamic_default").households["autocons_kwh"]
    first = evaluate(community, "priority", {"levels": (2, 1, 2), "within": "equal"}).households[
        "autocons_kwh"
    ]
    assert first["P2"] > dynamic["P2"]  # served first
    static = evaluate(community, "static").totals.autocons_kwh
    assert static <= evaluate(community, "dynamic_default").totals.autocons_kwh + 1e-9


def test_a_battery_stores_surplus_for_the_households():
    community = _small()
    without = evaluate(community).totals.autocons_kwh
    with_battery = evaluate(community, battery=Battery(5.0, 2.0, 0.9)).totals
    assert with_battery.autocons_kwh > without
    assert with_battery.autocons_kwh <= with_battery.cons_kwh + 1e-9


def test_compare_keys_runs_every_key_with_the_collective_total():
    community = _small()
    table = compare_keys(community)
    assert list(table.index) == ["P1", "P2", "P3", "total"]
    for key in COMPARED_KEYS:
        result = evaluate(community, key)
        np.testing.assert_allclose(
            table[(key, "autocons_kwh")].iloc[:3], result.households["autocons_kwh"]
        )
        assert table.loc["total", (key, "autocons_kwh")] == pytest.approx(
            result.totals.autocons_kwh
        )
        assert table.loc["total", (key, "savings_eur")] == pytest.approx(
            result.households["savings_eur"].sum()
        )
    # The custom key is the dynamic one as rounded for Enedis: a hair below it, never above.
    exact = allocate(community.total_production, community.consumption)
    applied = table.loc["total", ("custom", "autocons_kwh")]
    assert applied <= exact.totals.autocons_kwh + 1e-9
    assert applied == pytest.approx(
        allocate(
            community.total_production,
            community.consumption,
            "custom",
            coefficients=round_coefficients(exact),
        ).totals.autocons_kwh
    )


def test_community_refuses_misaligned_or_mislabelled_frames():
    community = _small()
    with pytest.raises(ValueError, match="time grid"):
        Community(
            community.production.iloc[1:],
            community.consumption,
            community.producers,
            community.consumers,
        )
    with pytest.raises(ValueError, match="pseudonyms"):
        Community(
            community.production,
            community.consumption,
            community.producers,
            community.consumers[:2],
        )
    with pytest.raises(ValueError, match="step"):
        Community(
            community.production,
            community.consumption,
            community.producers,
            community.consumers,
            step="1h",
        )


@cache
def _demo_run():
    buildings = demo_buildings()
    location = pvlib.location.Location(
        DEMO_SITE["latitude"], DEMO_SITE["longitude"], tz=TIMEZONE, altitude=DEMO_SITE["altitude"]
    )
    chain = RooftopChain(buildings, location, RooftopConfig())
    weather, _ = chain.weather()
    return chain.run_model(weather), buildings, weather


def test_demo_community_is_forty_estimated_households_around_public_roofs():
    run, buildings, weather = _demo_run()
    community = demo_community(run, buildings, weather["temp_air"])
    usages = buildings.set_index("id")["usage"]
    assert len(community.consumers) == 40
    assert all(c.source == "estimated" for c in community.consumers)
    assert community.estimated.all()
    assert [c.name for c in community.consumers][:2] == ["P01", "P02"]
    assert {usages[p.name] for p in community.producers} <= {"school", "sports"}
    assert len(community.producers) == 3
    assert {usages[c.building_id] for c in community.consumers} <= {"residential", "apartments"}
    homes = pd.Series([c.building_id for c in community.consumers]).value_counts()
    assert len(homes) >= 10 and homes.max() <= 4  # several streets, not one block
    assert len(community.consumption.index) == 35_040  # a year at 15 min
    # Production of each roof = its suitable annual kWh from the chain.
    roofs = producer_roofs(run, buildings)
    np.testing.assert_allclose(
        community.production.sum(),
        roofs.loc[list(community.production.columns), "mwh_per_year"] * 1000,
        rtol=1e-3,
    )
    # Varied households: not forty copies of one curve.
    annual = community.consumption.sum()
    assert annual.std() / annual.mean() > 0.2
    again = demo_community(run, buildings, weather["temp_air"], step="30min")
    assert len(again.consumption.index) == 17_520
    np.testing.assert_allclose(again.consumption.sum(), annual, rtol=0.02)
    assert evaluate(again).legal.ok
