"""Home Assistant history export, resampled conserving energy."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from planner.consumption_io import read_consumption, read_home_assistant
from quartier_solaire.errors import ReadError


@pytest.fixture
def cons(data_dir):
    return data_dir / "consumption"


def test_energy_counter_with_reset_and_unavailable(cons):
    energy, meta = read_home_assistant(cons / "home_assistant_energy.csv", unit="kWh")
    # Increments 0.5 (00:00-00:30 UTC), 0.75 (00:30-01:15), reset to 0.25
    # (01:15-01:45), 0.5 (01:45-02:00); spread linearly in time.
    np.testing.assert_allclose(energy.to_numpy(), [0.5, 0.5, 0.375, 0.625])
    assert energy.sum() == pytest.approx(2.0)
    assert energy.index[0] == pd.Timestamp("2025-01-15T01:00:00+01:00")
    assert meta["sensor_kind"] == "energy_counter"
    codes = [p.code for p in meta["report"].problems]
    assert codes == ["consumption_states_unavailable", "consumption_counter_reset"]


def test_power_is_integrated_with_zero_order_hold(cons):
    energy, meta = read_consumption(cons / "home_assistant_power.csv", unit="W")
    # 1000 W for 15 min + 2000 W for 15 min = 0.75 kWh; then 2000 W 15 min + 500 W 15 min.
    np.testing.assert_allclose(energy.to_numpy(), [0.75, 0.625, 0.25])
    assert meta["sensor_kind"] == "power"
    assert meta["step_min"] == 30


def test_unit_is_inferred_and_reported(cons):
    _, meta = read_consumption(cons / "home_assistant_power.csv")
    problem = meta["report"].problems[0]
    assert problem.code == "consumption_unit_inferred"
    assert problem.params == {"unit": "W"}


def test_long_silence_is_a_gap_not_an_interpolation():
    text = (
        "entity_id,state,last_changed\n"
        "sensor.e,10.0,2025-01-15T00:00:00Z\n"
        "sensor.e,10.5,2025-01-15T00:30:00Z\n"
        "sensor.e,20.5,2025-01-15T08:30:00Z\n"
        "sensor.e,21.0,2025-01-15T09:00:00Z\n"
    )
    energy, meta = read_home_assistant(io.StringIO(text), unit="kWh", max_gap_h=6.0)
    assert energy.iloc[0] == pytest.approx(0.5)
    assert energy.iloc[-1] == pytest.approx(0.5)
    assert energy.iloc[1:-1].isna().all()
    assert "consumption_gap_not_interpolated" in [p.code for p in meta["report"].problems]


def test_several_entities_need_a_choice():
    text = (
        "entity_id,state,last_changed\n"
        "sensor.a,1,2025-01-15T00:00:00Z\nsensor.b,2,2025-01-15T00:00:00Z\n"
        "sensor.a,2,2025-01-15T01:00:00Z\nsensor.b,3,2025-01-15T01:00:00Z\n"
    )
    with pytest.raises(ReadError) as err:
        read_home_assistant(io.StringIO(text), unit="kWh")
    assert err.value.code == "consumption_several_entities"
    energy, meta = read_home_assistant(io.StringIO(text), unit="kWh", entity_id="sensor.b")
    assert meta["entity_id"] == "sensor.b"
    assert energy.sum() == pytest.approx(1.0)
