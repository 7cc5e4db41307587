"""Economics of a collective project: hand-computed toy project, published IRR, properties."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.economics import (
    EconomicParams,
    bonus_eur,
    capex_eur,
    cash_flows,
    co2_avoided,
    discounted_payback,
    economics,
    household_savings,
    irr,
    irr_with_reason,
    lcoe,
    npv,
    npv_of_sizes,
    simple_payback,
    size_band,
)

# A 3-year toy: 1 kWc at 1,000 EUR, no running cost, no ageing, no inflation, 10 %.
# 5,000 kWh produced, 4,000 shared at 0.10 and 1,000 sold at 0.05: 450 EUR a year.
TOY = EconomicParams(
    capex_eur_per_kwp_by_band=(1000.0, 1000.0, 1000.0, 1000.0),
    opex_share_of_capex_per_yr=0.0,
    degradation_per_yr=0.0,
    lifetime_yr=3,
    discount_rate=0.10,
    inflation=0.0,
    shared_price_eur_per_kwh=0.10,
    surplus_price_eur_per_kwh_by_band=(0.05, 0.05, 0.05, 0.05),
)


def test_toy_project_cash_flows_by_hand():
    flows = cash_flows(5000.0, 4000.0, 1.0, TOY)
    assert flows["net_eur"].tolist() == pytest.approx([-1000.0, 450.0, 450.0, 450.0])
    assert flows["surplus_kwh"].tolist() == pytest.approx([0.0, 1000.0, 1000.0, 1000.0])


def test_toy_project_headline_figures_by_hand():
    result = economics(5000.0, 4000.0, 1.0, TOY)
    annuity = 1 / 1.1 + 1 / 1.1**2 + 1 / 1.1**3  # 2.486852
    assert result.npv_eur == pytest.approx(450 * annuity - 1000)  # 119.08
    assert result.npv_eur == pytest.approx(119.083, abs=1e-3)
    # cumulative -1000, -550, -100, +350: pays back 100/450 into year 3
    assert result.simple_payback_yr == pytest.approx(2 + 100 / 450)
    # discounted cumulative -590.91, -219.01, +119.08
    assert result.discounted_payback_yr == pytest.approx(
        2 + (1000 - 450 / 1.1 - 450 / 1.21) / (450 / 1.331)
    )
    assert result.discounted_payback_yr == pytest.approx(2.6478, abs=1e-4)
    assert result.lcoe_eur_per_kwh == pytest.approx(1000 / (5000 * annuity))  # 0.080423
    # IRR: 450 a(r, 3) = 1000; the polynomial root found independently
    roots = np.roots([-1000.0, 450.0, 450.0, 450.0])  # in x = 1 + r
    real = [x.real - 1 for x in roots if abs(x.imag) < 1e-12 and x.real > 0]
    assert result.irr == pytest.approx(real[0], abs=1e-9)
    assert 0.16 < result.irr < 0.17
    assert result.irr_reason is None


def test_npv_at_irr_is_zero():
    flows = cash_flows(5000.0, 4000.0, 1.0, TOY)["net_eur"].to_numpy()
    assert npv(flows, irr(flows)) == pytest.approx(0.0, abs=1e-6)


def test_published_example_from_numpy_financial():
    # numpy-financial's documented example: irr([-100, 39, 59, 55, 20]) = 0.28095
    # and npv(0.281, same) = -0.0084785916384548798.
    values = [-100, 39, 59, 55, 20]
    assert irr(values) == pytest.approx(0.28095, abs=1e-5)
    assert npv(values, 0.281) == pytest.approx(-0.0084785916384548798, rel=1e-9)


def test_irr_nan_with_a_reason_when_there_is_no_sign_change():
    # -1000 then 10 a year still has an IRR (about -89 %): a real rate, not NaN
    assert irr([-1000.0, 10.0, 10.0]) == pytest.approx(-0.8949, abs=1e-4)
    assert math.isnan(irr([-1000.0, 0.0, 0.0]))
    assert irr_with_reason([-1000.0, 0.0, 0.0])[1] == "econ.irr.never_pays_back"
    assert irr_with_reason([0.0, 0.0])[1] == "econ.irr.no_flows"
    assert irr_with_reason([100.0, 10.0])[1] == "econ.irr.no_investment"
    assert math.isnan(simple_payback([-1000.0, 10.0, 10.0]))
    assert math.isnan(discounted_payback([-1000.0, 600.0, 600.0], 0.5))


def test_degradation_applied_year_after_year():
    params = EconomicParams(degradation_per_yr=0.005, inflation=0.0, lifetime_yr=4)
    flows = cash_flows(1000.0, 600.0, 1.0, params)
    assert flows["prod_kwh"].tolist() == pytest.approx([0, 1000, 995, 990.025, 985.074875])
    assert flows["autocons_kwh"].iloc[3] == pytest.approx(600 * 0.995**2)
    no_ageing = cash_flows(
        1000.0, 600.0, 1.0, EconomicParams(degradation_per_yr=0.0, inflation=0.0)
    )
    assert no_ageing["prod_kwh"].iloc[1:].eq(1000.0).all()


def test_inflation_raises_prices_and_costs_but_not_the_surplus_contract():
    params = EconomicParams(inflation=0.02, degradation_per_yr=0.0, lifetime_yr=3)
    flows = cash_flows(1000.0, 600.0, 2.0, params)
    # 2 kWc at 2,500 EUR/kWc, 1.5 % a year: 75 EUR, then inflation
    assert flows["opex_eur"].tolist() == pytest.approx([0, 75.0, 76.5, 78.03])
    assert flows["shared_revenue_eur"].iloc[2] == pytest.approx(600 * 0.12 * 1.02)
    assert flows["surplus_revenue_eur"].iloc[1] == flows["surplus_revenue_eur"].iloc[3]
    assert params.nominal_discount_rate == pytest.approx(1.045 * 1.02 - 1)


def test_capex_and_bonus_by_size_band():
    params = EconomicParams()
    assert [size_band(k) for k in (3, 9, 9.01, 36, 50, 100, 250)] == [0, 0, 1, 1, 2, 2, 3]
    assert capex_eur(6.0, params) == pytest.approx(6 * 2500)
    assert capex_eur([6.0, 20.0], params) == pytest.approx(6 * 2500 + 20 * 1600)
    assert capex_eur(120.0, params) == pytest.approx(120 * 900)
    assert bonus_eur(6.0, params) == 0.0  # ACC: no bonus by default
    assert bonus_eur(6.0, EconomicParams(self_consumption_bonus_applies=True)) == 480.0
    with pytest.raises(ValueError):
        capex_eur(-1.0, params)


def test_lcoe_includes_running_costs():
    flows = cash_flows(1000.0, 500.0, 1.0, EconomicParams(lifetime_yr=1, inflation=0.0))
    assert lcoe(flows, 0.0) == pytest.approx((2500 + 37.5) / 1000)


def test_household_savings_per_shared_kwh():
    params = EconomicParams()
    per_kwh = 0.1940 - 0.12 - 0.0102 - 0.02998
    assert household_savings(1000.0, params) == pytest.approx(1000 * per_kwh)
    series = pd.Series([0.0, 500.0], index=["A", "B"])
    assert household_savings(series, params).tolist() == pytest.approx([0.0, 500 * per_kwh])


def test_co2_avoided_is_grid_minus_pv_intensity():
    assert co2_avoided(1000.0, EconomicParams(grid_gco2e_per_kwh=80.0)) == pytest.approx(40.0)
    # The defaults (grid 32, PV made in Asia 40) avoid nothing: shown as negative.
    assert co2_avoided(1000.0) == pytest.approx(-8.0)


def test_bad_parameters_refused():
    with pytest.raises(ValueError):
        EconomicParams(lifetime_yr=0)
    with pytest.raises(ValueError):
        EconomicParams(lifetime_yr=500)
    with pytest.raises(ValueError):
        EconomicParams(capex_eur_per_kwp_by_band=(1.0, 2.0))
    with pytest.raises(ValueError):
        cash_flows(100.0, 200.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(
    capex=st.floats(100, 1e6),
    income=st.lists(st.floats(0.0, 1e5), min_size=1, max_size=30),
    r1=st.floats(-0.5, 1.0),
    dr=st.floats(1e-3, 1.0),
)
def test_npv_decreases_with_the_discount_rate_for_a_conventional_project(capex, income, r1, dr):
    values = np.array([-capex, *income])
    assert npv(values, r1 + dr) <= npv(values, r1) + 1e-9 * capex


def test_irr_reasons_and_parameter_sources_are_in_the_catalogue():
    from dataclasses import fields

    from quartier_solaire.i18n import has, parameter_rows

    for values in ([0.0, 0.0], [-1000.0, 0.0], [100.0, 10.0]):
        assert has(irr_with_reason(values)[1])
    for f in fields(EconomicParams):
        assert has(f"econ.source.{f.name}") and has(f"param.{f.name}")
    assert len(parameter_rows(EconomicParams(), "en")) == len(fields(EconomicParams))


@settings(max_examples=40, deadline=None)
@given(
    prod=st.floats(0, 1e6),
    share=st.floats(0, 1),
    sizes=st.lists(st.floats(0, 300), min_size=1, max_size=4),
    inflation=st.floats(-0.02, 0.1),
    degradation=st.floats(0, 0.05),
    bonus=st.booleans(),
)
def test_npv_of_sizes_matches_the_cash_flows(prod, share, sizes, inflation, degradation, bonus):
    params = EconomicParams(
        inflation=inflation, degradation_per_yr=degradation, self_consumption_bonus_applies=bonus
    )
    fast = npv_of_sizes(np.array([prod]), np.array([prod * share]), [sizes], params)[0]
    slow = npv(
        cash_flows(prod, prod * share, sizes, params)["net_eur"], params.nominal_discount_rate
    )
    assert fast == pytest.approx(slow, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    capex=st.floats(100, 1e6),
    income=st.lists(st.floats(0.0, 1e5), min_size=1, max_size=30),
)
def test_npv_is_zero_at_the_irr(capex, income):
    values = np.array([-capex, *income])
    rate, reason = irr_with_reason(values)
    if math.isnan(rate):
        assert reason is not None
    else:
        assert npv(values, rate) == pytest.approx(0.0, abs=1e-6 * capex)
