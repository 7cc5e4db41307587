"""Sizing sweeps: hand-made cases, monotonicity, recommendations and their words."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from planner.economics import EconomicParams, cash_flows, npv
from planner.sizing import SWEEP_COLUMNS, recommend, sweep_planes, sweep_scaling
from quartier_solaire.i18n import has, number, percent, t

INDEX = pd.RangeIndex(4)
# 4 steps: consumption 2 kWh each; 1 kWc of chosen planes produces 0, 1, 2, 1 kWh.
PROD = pd.Series([0.0, 1.0, 2.0, 1.0], index=INDEX)
CONS = pd.Series([2.0, 2.0, 2.0, 2.0], index=INDEX)


def test_scaling_sweep_by_hand():
    sweep = sweep_scaling(PROD, CONS, 1.0, [0.0, 1.0, 2.0, 4.0])
    assert list(sweep.columns) == list(SWEEP_COLUMNS)
    # at 2 kWc: 0, 2, 4, 2 -> AUTOCONS 0 + 2 + 2 + 2 = 6 of 8 produced, of 8 consumed
    # at 4 kWc: 0, 4, 8, 4 -> AUTOCONS 6 of 16
    assert sweep["prod_kwh"].tolist() == pytest.approx([0, 4, 8, 16])
    assert sweep["autocons_kwh"].tolist() == pytest.approx([0, 4, 6, 6])
    assert sweep["surplus_kwh"].tolist() == pytest.approx([0, 0, 2, 10])
    assert sweep["self_consumption_rate"].iloc[1:].tolist() == pytest.approx([1, 0.75, 0.375])
    assert sweep["self_production_rate"].tolist() == pytest.approx([0, 0.5, 0.75, 0.75])
    assert math.isnan(sweep["self_consumption_rate"].iloc[0])


def test_consumption_per_participant_is_summed():
    per_participant = pd.DataFrame({"A": [1.0] * 4, "B": [1.0] * 4}, index=INDEX)
    a = sweep_scaling(PROD, per_participant, 1.0, [2.0])
    b = sweep_scaling(PROD, CONS, 1.0, [2.0])
    pd.testing.assert_frame_equal(a, b)


def test_sweep_npv_is_the_project_npv_at_that_size():
    params = EconomicParams()
    sweep = sweep_scaling(PROD, CONS, [0.5, 0.5], [2.0, 30.0], params)
    # the period is not a year (no time index): its kWh are taken as one year
    expected = npv(
        cash_flows(8.0, 6.0, [1.0, 1.0], params)["net_eur"], params.nominal_discount_rate
    )
    assert sweep["npv_eur"].iloc[0] == pytest.approx(expected)
    # 30 kWc as two installations of 15 kWc, each in the 9-36 kWc band
    assert cash_flows(1.0, 1.0, [15.0, 15.0], params)["capex_eur"].iloc[0] == 30 * 1600


def test_a_year_at_15_min_is_one_year_of_kwh():
    index = pd.date_range("2025-01-01", periods=35040, freq="15min")
    prod = pd.Series(np.tile([0.0, 1.0], 17520), index=index)
    cons = pd.Series(0.5, index=index)
    params = EconomicParams()
    row = sweep_scaling(prod, cons, 1.0, [1.0], params).iloc[0]
    expected = npv(
        cash_flows(17520.0, 8760.0, 1.0, params)["net_eur"], params.nominal_discount_rate
    )
    assert row["npv_eur"] == pytest.approx(expected)


def test_planes_added_best_specific_yield_first():
    planes = pd.DataFrame(
        {"north": [0.0, 0.5, 0.5, 0.0], "south": [0.0, 2.0, 2.0, 0.0], "east": [1.0, 1.0, 0, 0]},
        index=INDEX,
    )
    kwp = pd.Series({"north": 1.0, "south": 2.0, "east": 1.0})
    # specific yields: north 1.0, south 2.0, east 2.0 kWh/kWc; ties keep column order
    sweep = sweep_planes(planes, kwp, CONS)
    assert sweep["added_plane"].tolist() == ["south", "east", "north"]
    assert sweep["planes"].tolist() == [1, 2, 3]
    assert sweep["kwp"].tolist() == [2.0, 3.0, 4.0]
    # south + east: 1, 3, 2, 0 -> AUTOCONS 1 + 2 + 2 + 0 = 5
    assert sweep["autocons_kwh"].tolist() == pytest.approx([4.0, 5.0, 5.0])
    assert sweep["prod_kwh"].tolist() == pytest.approx([4.0, 6.0, 7.0])


def test_bad_inputs_refused():
    with pytest.raises(ValueError):
        sweep_scaling(PROD, CONS.iloc[:3], 1.0, [1.0])
    with pytest.raises(ValueError):
        sweep_scaling(PROD * -1, CONS, 1.0, [1.0])
    with pytest.raises(ValueError):
        sweep_scaling(PROD, CONS, 0.0, [1.0])
    with pytest.raises(ValueError):
        sweep_planes(pd.DataFrame({"a": PROD}), pd.Series({"b": 1.0}), CONS)


@settings(max_examples=50, deadline=None)
@given(
    prod=arrays(np.float64, 24, elements=st.floats(0, 10)),
    cons=arrays(np.float64, 24, elements=st.floats(0, 10)),
    sizes=st.lists(st.floats(0.01, 100), min_size=2, max_size=10),
)
def test_rates_are_monotonic_when_scaling(prod, cons, sizes):
    prod[0] = max(prod[0], 0.1)
    cons[0] = max(cons[0], 0.1)
    sweep = sweep_scaling(pd.Series(prod), pd.Series(cons), 1.0, sorted(sizes))
    scr = sweep["self_consumption_rate"].to_numpy()
    spr = sweep["self_production_rate"].to_numpy()
    assert (np.diff(scr) <= 1e-12).all()
    assert (np.diff(spr) >= -1e-12).all()
    assert (sweep["autocons_kwh"] <= sweep["prod_kwh"] + 1e-9).all()


def _sweep():
    return pd.DataFrame(
        {
            "kwp": [10.0, 20.0, 30.0, 40.0],
            "npv_eur": [100.0, 500.0, 300.0, -50.0],
            "self_consumption_rate": [0.95, 0.85, 0.70, 0.55],
            "self_production_rate": [0.10, 0.20, 0.28, 0.33],
        }
    )


def test_recommend_each_objective():
    best = recommend(_sweep(), "max_npv")
    assert (best.row["kwp"], best.key) == (20.0, "econ.sizing.max_npv")
    reach = recommend(_sweep(), "self_production", target=0.25)
    assert (reach.row["kwp"], reach.key) == (30.0, "econ.sizing.self_production")
    keep = recommend(_sweep(), "self_consumption", target=0.80)
    assert (keep.row["kwp"], keep.key) == (20.0, "econ.sizing.self_consumption")
    assert keep.params["target_rate"] == 0.80


def test_recommend_says_when_no_size_fits():
    assert recommend(_sweep(), "self_production", target=0.5).key == (
        "econ.sizing.self_production_unreachable"
    )
    low = recommend(_sweep(), "self_consumption", target=0.99)
    assert (low.row["kwp"], low.key) == (10.0, "econ.sizing.self_consumption_unreachable")
    losing = _sweep().assign(npv_eur=[-10.0, -5.0, -20.0, -30.0])
    worst = recommend(losing, "max_npv")
    assert (worst.row["kwp"], worst.key) == (20.0, "econ.sizing.max_npv_negative")
    with pytest.raises(ValueError):
        recommend(_sweep(), "self_production")
    with pytest.raises(ValueError):
        recommend(_sweep(), "cheapest")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_explanation_reads_in_both_languages(lang):
    cases = [
        ("max_npv", None, _sweep()),
        ("max_npv", None, _sweep().assign(npv_eur=-1.0)),
        ("self_production", 0.25, _sweep()),
        ("self_production", 0.9, _sweep()),
        ("self_consumption", 0.8, _sweep()),
        ("self_consumption", 0.99, _sweep()),
    ]
    for objective, target, sweep in cases:
        rec = recommend(sweep, objective, target=target)
        assert has(rec.key)
        words = {
            k: percent(v, lang) if k.endswith("_rate") else number(v, lang)
            for k, v in rec.params.items()
        }
        text = t(rec.key, lang, **words)
        assert number(rec.params["kwp"], lang) in text and "{" not in text


def test_planes_are_priced_one_installation_each():
    params = EconomicParams()
    planes = pd.DataFrame({"big": [1.0, 2.0, 1.0, 0.0], "small": [0.5, 1.0, 0.5, 0.0]})
    kwp = pd.Series({"big": 20.0, "small": 5.0})
    sweep = sweep_planes(planes, kwp, CONS, params)
    # both planes: 1.5, 3, 1.5, 0 against 2 a step -> AUTOCONS 1.5 + 2 + 1.5 = 5 of 6
    assert sweep["autocons_kwh"].iloc[1] == pytest.approx(5.0)
    both = npv(cash_flows(6.0, 5.0, [20.0, 5.0], params)["net_eur"], params.nominal_discount_rate)
    assert sweep["npv_eur"].iloc[1] == pytest.approx(both)
    # priced as one 25 kWc installation it would cost less: 25 x 1,600 < 20 x 1,600 + 5 x 2,500
    one = npv(cash_flows(6.0, 5.0, 25.0, params)["net_eur"], params.nominal_discount_rate)
    assert one > both


def test_half_hour_year_is_one_year():
    index = pd.date_range("2025-01-01", periods=17520, freq="30min")
    prod = pd.Series(0.1, index=index)
    cons = pd.Series(0.2, index=index)
    params = EconomicParams()
    row = sweep_scaling(prod, cons, 1.0, [1.0], params).iloc[0]
    expected = npv(cash_flows(1752.0, 1752.0, 1.0, params)["net_eur"], params.nominal_discount_rate)
    assert row["npv_eur"] == pytest.approx(expected)
