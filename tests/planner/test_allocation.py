"""Allocation keys: hand-computed cases (3 households, 4 steps) and invariants for random inputs."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.allocation import (
    Battery,
    allocate,
    custom,
    dynamic_default,
    floor_coefficients,
    priority,
    read_key_csv,
    round_coefficients,
    rounding_loss_percent,
    static,
    water_fill,
    write_key_csv,
)
from quartier_solaire.errors import ReadError

TOL = 1e-9
INDEX = pd.date_range("2025-06-01 12:00", periods=4, freq="15min", tz="Europe/Paris")


def _case(prod=(0, 3, 6, 12)):
    production = pd.Series(prod, index=INDEX, dtype=float)
    consumption = pd.DataFrame(
        {"a": [1, 1, 1, 1], "b": [2, 2, 2, 2], "c": [3, 1, 3, 5]}, index=INDEX, dtype=float
    )
    return production, consumption


def _assert_autocons(result, expected):
    np.testing.assert_allclose(result.autocons.to_numpy(), np.array(expected, dtype=float).T)


# --- hand-computed cases --------------------------------------------------------------


def test_dynamic_default_by_hand():
    # sum C = 6, 4, 6, 8: step 1 shares 3/4 of each consumption, step 3 leaves 4 as surplus.
    result = dynamic_default(*_case())
    _assert_autocons(result, [[0, 0.75, 1, 1], [0, 1.5, 2, 2], [0, 0.75, 3, 5]])
    np.testing.assert_allclose(result.surplus, [0, 0, 0, 4])
    np.testing.assert_allclose(result.complement["c"], [3, 0.25, 0, 0])
    assert result.totals.autocons_kwh == pytest.approx(17)
    assert result.self_consumption_rate == pytest.approx(17 / 21)
    assert result.self_production_rate == pytest.approx(17 / 24)
    table = result.per_participant()
    np.testing.assert_allclose(table["AUTOCONS"], [2.75, 5.5, 8.75])
    np.testing.assert_allclose(table["self_production_rate"], [2.75 / 4, 5.5 / 8, 8.75 / 12])


def test_static_unused_share_goes_to_surplus():
    # Shares 0.5, 0.3, 0.2: a is capped at 1 and its unused share is not passed on.
    result = static(*_case(), shares={"a": 0.5, "b": 0.3, "c": 0.2})
    _assert_autocons(result, [[0, 1, 1, 1], [0, 0.9, 1.8, 2], [0, 0.6, 1.2, 2.4]])
    np.testing.assert_allclose(result.surplus, [0, 0.5, 2, 6.6])
    assert result.self_consumption_rate == pytest.approx((2.5 + 4 + 5.4) / 21)


def test_priority_cascade_with_equal_shares_redistributes():
    # a first; then b and c equally: at step 1, 2 kWh left, c can take only 1, b gets the rest.
    result = priority(*_case(), levels={"a": 1, "b": 2, "c": 2}, within="equal")
    _assert_autocons(result, [[0, 1, 1, 1], [0, 1, 2, 2], [0, 1, 3, 5]])
    np.testing.assert_allclose(result.surplus, [0, 0, 0, 4])


def test_priority_cascade_pro_rata_inside_a_level():
    result = priority(*_case(), levels=[1, 2, 2], within="pro_rata")
    # Step 1: a takes 1; 2 left for b (2) and c (1): 4/3 and 2/3.
    _assert_autocons(result, [[0, 1, 1, 1], [0, 4 / 3, 2, 2], [0, 2 / 3, 3, 5]])


def test_equal_shares_in_one_level_are_water_filling():
    # 4.5 kWh for demands 1, 2, 3 (step 2): a is capped at 1, b and c get 1.75 each.
    result = priority(*_case(prod=(0, 3, 4.5, 12)), within="equal")
    _assert_autocons(result, [[0, 1, 1, 1], [0, 1, 1.75, 2], [0, 1, 1.75, 5]])


def test_weighted_shares_inside_a_level():
    # Weights 2:1:1 at step 1 (3 kWh, demands 1, 2, 1): a capped at 1, 2 left for b and c.
    result = priority(*_case(), weights={"a": 2, "b": 1, "c": 1})
    np.testing.assert_allclose(result.autocons.iloc[1], [1, 1, 1])
    # Step 2, 6 kWh for 1, 2, 3: everyone served.
    np.testing.assert_allclose(result.autocons.iloc[2], [1, 2, 3])


def test_custom_coefficients_capped_at_consumption():
    production, consumption = _case()
    k = pd.DataFrame(
        [[0, 0, 0], [0.5, 0.5, 0], [0.1, 0.2, 0.7], [0.25, 0.25, 0.5]],
        index=INDEX,
        columns=["a", "b", "c"],
    )
    result = custom(production, consumption, k)
    _assert_autocons(result, [[0, 1, 0.6, 1], [0, 1.5, 1.2, 2], [0, 0, 3, 5]])
    np.testing.assert_allclose(result.surplus, [0, 0.5, 1.2, 4])


def test_battery_charges_on_surplus_and_discharges_on_deficit_by_hand():
    production = pd.Series([6, 0, 0, 3], index=INDEX, dtype=float)
    consumption = pd.DataFrame(1.0, index=INDEX, columns=["a", "b", "c"])
    # 8 kW over 15 min = 2 kWh per step; efficiency 0.81 = 0.9 in, 0.9 out.
    battery = Battery(capacity_kwh=2, power_kw=8, round_trip_efficiency=0.81)
    result = allocate(production, consumption, battery=battery)
    np.testing.assert_allclose(result.storage["charge_kwh"], [2, 0, 0, 0])
    np.testing.assert_allclose(result.storage["soc_kwh"], [1.8, 0, 0, 0])
    np.testing.assert_allclose(result.storage["discharge_kwh"], [0, 1.62, 0, 0])
    np.testing.assert_allclose(result.prod, [6, 1.62, 0, 3])
    np.testing.assert_allclose(result.autocons["a"], [1, 0.54, 0, 1])
    np.testing.assert_allclose(result.cons["battery"], [2, 0, 0, 0])
    np.testing.assert_allclose(result.surplus, [1, 0, 0, 0])
    _assert_invariants(result)


def test_unknown_key_and_misaligned_inputs_are_refused():
    production, consumption = _case()
    with pytest.raises(ValueError, match="unknown key"):
        allocate(production, consumption, key="fair")
    with pytest.raises(ValueError, match="time grid"):
        dynamic_default(production.iloc[1:], consumption)
    with pytest.raises(ValueError, match="negative"):
        dynamic_default(-production, consumption)
    with pytest.raises(ValueError, match="exceed 1"):
        static(production, consumption, shares=[0.6, 0.6, 0])


# --- invariants for random inputs -----------------------------------------------------


def _assert_invariants(result):
    prod = result.prod.to_numpy()
    cons = result.cons.to_numpy()
    autocons = result.autocons.to_numpy()
    scale = 1 + np.abs(prod).max(initial=0) + np.abs(cons).max(initial=0)
    tol = TOL * scale
    assert (autocons >= -tol).all()
    assert (autocons <= cons + tol).all(), "AUTOCONS <= CONS"
    assert (autocons.sum(axis=1) <= prod + tol).all(), "sum AUTOCONS <= PROD"
    np.testing.assert_allclose(prod, autocons.sum(axis=1) + result.surplus, atol=tol)
    np.testing.assert_allclose(cons, autocons + result.complement.to_numpy(), atol=tol)
    assert (result.surplus.to_numpy() >= 0).all()


energy = st.floats(0, 10, allow_nan=False).map(lambda x: 0.0 if x < 0.5 else x)


@st.composite
def communities(draw):
    steps = draw(st.integers(2, 10))
    n = draw(st.integers(1, 6))
    index = pd.date_range("2025-06-01", periods=steps, freq="15min", tz="Europe/Paris")
    columns = [f"h{i}" for i in range(n)]
    production = pd.Series(draw(st.lists(energy, min_size=steps, max_size=steps)), index=index)
    cells = draw(st.lists(energy, min_size=steps * n, max_size=steps * n))
    consumption = pd.DataFrame(np.reshape(cells, (steps, n)), index=index, columns=columns)
    return production, consumption


@st.composite
def keys(draw, n, steps):
    key = draw(st.sampled_from(["static", "dynamic_default", "priority", "custom"]))
    unit = st.floats(0, 1, allow_nan=False)
    if key == "static":
        shares = np.array(draw(st.lists(unit, min_size=n, max_size=n)))
        return key, {"shares": shares / max(shares.sum(), 1.0)}
    if key == "priority":
        options = {"levels": draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))}
        if draw(st.booleans()):
            options["weights"] = draw(st.lists(unit, min_size=n, max_size=n))
        else:
            options["within"] = draw(st.sampled_from(["pro_rata", "equal"]))
        return key, options
    if key == "custom":
        k = np.reshape(draw(st.lists(unit, min_size=n * steps, max_size=n * steps)), (steps, n))
        return key, {"coefficients": k / np.maximum(k.sum(axis=1), 1.0)[:, None]}
    return key, {}


@st.composite
def allocations(draw):
    production, consumption = draw(communities())
    key, options = draw(keys(consumption.shape[1], len(production)))
    if key == "custom":
        options["coefficients"] = pd.DataFrame(
            options["coefficients"], index=consumption.index, columns=consumption.columns
        )
    battery = None
    if draw(st.booleans()):
        capacity = draw(st.floats(0, 20))
        battery = Battery(
            capacity_kwh=capacity,
            power_kw=draw(st.floats(0, 40)),
            round_trip_efficiency=draw(st.floats(0.5, 1)),
            initial_soc_kwh=draw(st.floats(0, 1)) * capacity,
        )
    return allocate(production, consumption, key, battery=battery, **options)


@settings(max_examples=300, deadline=None)
@given(allocations())
def test_invariants_hold_for_every_key_with_and_without_storage(result):
    _assert_invariants(result)


@settings(max_examples=200, deadline=None)
@given(allocations(), st.integers(0, 2))
def test_rounded_custom_key_keeps_the_invariants_and_beats_flooring(result, decimals):
    rounded = round_coefficients(result, decimals=decimals)
    units = rounded.to_numpy() * 10 ** (decimals + 2)
    np.testing.assert_allclose(units, np.rint(units), atol=1e-6)
    assert (rounded.sum(axis=1) <= 1 + 1e-12).all()
    applied = custom(result.prod, result.cons, rounded)
    _assert_invariants(applied)
    floored = custom(result.prod, result.cons, floor_coefficients(result, decimals))
    assert applied.totals.autocons_kwh >= floored.totals.autocons_kwh - 1e-9


def _water_fill_by_loop(available, demand, weights):
    """Reference: hand out the remainder to those under their cap until none is left."""
    out = np.zeros_like(demand)
    for t in range(len(available)):
        left, active = available[t], [i for i in range(demand.shape[1]) if weights[i] > 0]
        while left > 1e-12 and active:
            total_w = sum(weights[i] for i in active)
            step = {i: left * weights[i] / total_w for i in active}
            left = 0.0
            for i in list(active):
                take = min(step[i], demand[t, i] - out[t, i])
                out[t, i] += take
                left += step[i] - take
                if demand[t, i] - out[t, i] <= 1e-12:
                    active.remove(i)
    return out


@settings(max_examples=200, deadline=None)
# Weights under 1e-12 of the largest count as 0 by design: keep them clear of it.
@given(
    communities(),
    st.lists(st.floats(0, 3).map(lambda x: x if x > 1e-3 else 0.0), min_size=6, max_size=6),
)
def test_water_fill_matches_the_redistribution_loop(community, weights):
    production, consumption = community
    demand = consumption.to_numpy()
    w = np.array(weights[: demand.shape[1]])
    np.testing.assert_allclose(
        water_fill(production.to_numpy(), demand, w),
        _water_fill_by_loop(production.to_numpy(), demand, w),
        atol=1e-7,
    )


# --- rounding and the key file --------------------------------------------------------


def _community(n, steps=96 * 7, seed=0, ratio=0.6):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-06-01", periods=steps, freq="15min", tz="Europe/Paris")
    cons = rng.gamma(2.0, 0.05, (steps, n))
    sun = np.clip(np.sin(np.linspace(0, 7 * 2 * np.pi, steps) - np.pi / 2), 0, None)
    prod = sun * rng.uniform(0.5, 1.0, steps)
    prod *= ratio * cons.sum() / prod.sum()
    return pd.Series(prod, index=index), pd.DataFrame(cons, index=index)


@pytest.mark.parametrize("n", [50, 500])
def test_rounding_loses_ten_times_less_than_flooring(n):
    exact = dynamic_default(*_community(n, steps=96 * 2))
    rounded = rounding_loss_percent(exact, round_coefficients(exact))
    floored = rounding_loss_percent(exact, floor_coefficients(exact))
    assert floored > 1
    assert rounded * 10 <= floored


def test_key_csv_round_trip():
    production, consumption = _case()
    exact = dynamic_default(production, consumption)
    rounded = round_coefficients(exact)
    text = write_key_csv(rounded)
    lines = text.splitlines()
    assert lines[0] == "Horodate;a;b;c"
    assert lines[2].endswith(";18,8;37,5;18,8") or lines[2].count(",") == 3
    back = read_key_csv(io.StringIO(text))
    np.testing.assert_allclose(back.to_numpy(), rounded.to_numpy(), atol=1e-12)
    assert (back.index == production.index).all()
    again = custom(production, consumption, back)
    _assert_invariants(again)


@pytest.mark.parametrize(
    ("text", "line", "field", "code"),
    [
        ("Horodate;a;b\n2025-06-01T00:00:00+02:00;10,0\n", 2, "b", "alloc_truncated"),
        ("Horodate;a;b\n2025-06-01T00:00:00+02:00;10,0;x\n", 2, "b", "alloc_not_a_number"),
        ("Horodate;a;b\n2025-06-01T00:00:00+02:00;10,0;-1\n", 2, "b", "alloc_negative"),
        ("Horodate;a;b\n2025-06-01T00:00:00+02:00;60;50\n", 2, None, "alloc_key_over_100"),
        ("Horodate;a;b\nhier;10;10\n", 2, "Horodate", "alloc_bad_timestamp"),
        ("Heure;a\n2025-06-01T00:00:00+02:00;10\n", 1, "Heure", "alloc_key_header"),
    ],
)
def test_bad_key_files_name_the_line_and_column(text, line, field, code):
    with pytest.raises(ReadError) as caught:
        read_key_csv(io.StringIO(text))
    assert (caught.value.line, caught.value.field, caught.value.code) == (line, field, code)


def _best_rounding_by_loop(result, decimals):
    """Reference: each free unit, one at a time, to the participant it gains most."""
    n_units = 10 ** (decimals + 2)
    exact = result.coefficients.to_numpy()
    total = 0.0
    for t, prod in enumerate(result.prod.to_numpy()):
        cons = result.cons.to_numpy()[t]
        units = np.floor(exact[t] * n_units + 1e-9)
        unit = prod / n_units
        for _ in range(int(n_units - units.sum())):
            gains = np.minimum(np.maximum(cons - units * unit, 0), unit)
            if prod <= 0 or gains.max() <= 1e-12:
                break
            units[np.argmax(gains)] += 1
        total += np.minimum(units * unit, cons).sum()
    return total


@settings(max_examples=150, deadline=None)
@given(allocations(), st.integers(0, 1))
def test_rounding_is_as_good_as_handing_units_out_one_by_one(result, decimals):
    rounded = custom(result.prod, result.cons, round_coefficients(result, decimals))
    reference = _best_rounding_by_loop(result, decimals)
    assert rounded.totals.autocons_kwh >= reference - 1e-9


@pytest.mark.parametrize("order", [["a", "b", "c"], ["c", "a", "b"], ["b", "c", "a"]])
def test_free_units_go_to_the_largest_remainders_not_the_first_columns(order):
    # 10 kWh for 10, 10 and 10.4 kWh: exact shares 32.89 %, 32.89 %, 34.21 %; floored
    # to 0.1 % they leave 2 units free, which go to a and b (remainders 0.95) whatever
    # the column order, never to c (0.11).
    index = INDEX[:1]
    production = pd.Series([10.0], index=index)
    consumption = pd.DataFrame([[10.0, 10.0, 10.4]], index=index, columns=["a", "b", "c"])
    rounded = round_coefficients(dynamic_default(production, consumption[order]), decimals=1)
    np.testing.assert_allclose(rounded[["a", "b", "c"]].to_numpy()[0], [0.329, 0.329, 0.342])


@settings(max_examples=150, deadline=None)
@given(
    communities(),
    st.floats(0, 20),
    st.floats(0, 40),
    st.floats(0.5, 1),
    st.floats(0, 1),
)
def test_battery_state_of_charge_balances_and_stays_in_bounds(
    community, capacity, power, efficiency, start
):
    battery = Battery(capacity, power, efficiency, initial_soc_kwh=start * capacity)
    plain = dynamic_default(*community)
    result = allocate(*community, battery=battery)
    storage = result.storage
    charge, discharge, soc = (storage[c].to_numpy() for c in storage)
    eta = np.sqrt(efficiency)
    tol = 1e-9 * (1 + capacity)
    assert (soc >= -tol).all() and (soc <= capacity + tol).all()
    assert not ((charge > 0) & (discharge > 0)).any(), "never both in one step"
    assert (charge <= plain.surplus.to_numpy() + tol).all(), "charges from surplus only"
    assert (charge <= power * 0.25 + tol).all() and (discharge <= power * 0.25 + tol).all()
    expected = battery.initial_soc_kwh + np.cumsum(charge * eta - discharge / eta)
    np.testing.assert_allclose(soc, expected, atol=1e-7 * (1 + capacity))
    np.testing.assert_allclose(result.complement["battery"], 0, atol=tol)
