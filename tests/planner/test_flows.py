import numpy as np
import pandas as pd
import pytest

from planner.flows import flows


def _series(values):
    index = pd.date_range("2025-06-01", periods=len(values), freq="30min", tz="Europe/Paris")
    return pd.Series(values, index=index, dtype=float)


def test_flows_obey_the_enedis_identities():
    rng = np.random.default_rng(1)
    prod = _series(rng.uniform(0, 2, 96))
    cons = _series(rng.uniform(0, 1, 96))
    totals, steps = flows(prod, cons)
    assert np.allclose(steps["PROD"], steps["AUTOCONS"] + steps["SURPLUS"])
    assert np.allclose(steps["CONS"], steps["AUTOCONS"] + steps["COMPLEMENT"])
    assert (steps["AUTOCONS"] <= steps["CONS"] + 1e-12).all()
    assert (steps["AUTOCONS"] <= steps["PROD"] + 1e-12).all()
    assert totals.autocons_kwh == pytest.approx(steps["AUTOCONS"].sum())


def test_rates_on_a_hand_computed_case():
    totals, _ = flows(_series([0, 2, 3, 0]), _series([1, 1, 1, 1]))
    # AUTOCONS = 0 + 1 + 1 + 0 = 2; PROD = 5; CONS = 4.
    assert totals.self_consumption_rate == pytest.approx(2 / 5)
    assert totals.self_production_rate == pytest.approx(2 / 4)
    assert totals.surplus_kwh == pytest.approx(3)
    assert totals.complement_kwh == pytest.approx(2)


def test_rates_without_production_are_undefined_not_zero():
    totals, _ = flows(_series([0, 0]), _series([1, 1]))
    assert np.isnan(totals.self_consumption_rate)
    assert totals.self_production_rate == 0


@pytest.mark.parametrize(
    "prod, cons",
    [([1, np.nan], [1, 1]), ([1, -1], [1, 1])],
)
def test_bad_values_are_refused(prod, cons):
    with pytest.raises(ValueError):
        flows(_series(prod), _series(cons))


def test_grids_must_match():
    with pytest.raises(ValueError, match="one time grid"):
        flows(_series([1, 2]), _series([1, 2, 3]))
