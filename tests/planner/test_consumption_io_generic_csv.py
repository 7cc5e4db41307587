"""Generic timestamp,value CSV."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from planner.consumption_io import QualityRules, read_consumption, read_generic_csv
from quartier_solaire.errors import ReadError


@pytest.fixture
def cons(data_dir):
    return data_dir / "consumption"


def test_kwh_with_utc_z_labelled_at_start(cons):
    energy, meta = read_generic_csv(
        cons / "generic_kwh_utc.csv", unit="kWh", timestamp_convention="start"
    )
    assert energy.index[0] == pd.Timestamp("2025-01-15T01:00:00+01:00")
    np.testing.assert_allclose(energy.to_numpy(), [0.25, 0.5, 0.125])
    assert meta["source"] == "generic_csv"
    assert meta["report"].problems == ()


def test_w_with_plus_zero_offset_labelled_at_end(cons):
    energy, _ = read_generic_csv(
        cons / "generic_w_offset_end.csv", unit="W", timestamp_convention="end"
    )
    # Ends 00:30+00:00 -> start 00:00 UTC = 01:00 Paris; 500 W x 30 min = 0.25 kWh.
    assert energy.index[0] == pd.Timestamp("2025-01-15T01:00:00+01:00")
    np.testing.assert_allclose(energy.to_numpy(), [0.25, 0.5, 0.125])


def test_naive_times_are_paris_and_header_gives_unit_and_convention(cons):
    energy, meta = read_consumption(cons / "generic_naive.csv")
    assert meta["timestamp_convention"] == "end"
    assert meta["unit_in_file"] == "W"
    assert energy.index[0] == pd.Timestamp("2025-07-01T00:00:00+02:00")
    np.testing.assert_allclose(energy.to_numpy(), [0.25, 0.5, 0.125])


@pytest.mark.parametrize(
    ("unit", "factor"), [("W", 0.5e-3), ("kW", 0.5), ("Wh", 1e-3), ("kWh", 1.0)]
)
def test_each_declared_unit(unit, factor):
    text = "timestamp,value\n2025-01-15T00:00:00+01:00,400\n2025-01-15T00:30:00+01:00,800\n"
    rules_off = QualityRules(check_units=False)
    energy, _ = read_generic_csv(
        io.StringIO(text), unit=unit, timestamp_convention="start", rules=rules_off
    )
    np.testing.assert_allclose(energy.to_numpy(), np.array([400, 800]) * factor)


def test_unit_must_be_declared(cons):
    with pytest.raises(ReadError) as err:
        read_consumption(cons / "generic_kwh_utc.csv")
    assert err.value.code == "consumption_unit_missing"
    assert (err.value.line, err.value.field) == (1, "value")


def test_convention_assumed_is_reported(cons):
    _, meta = read_consumption(cons / "generic_kwh_utc.csv", unit="kWh")
    problem = meta["report"].problems[0]
    assert problem.code == "consumption_convention_assumed"
    assert problem.field == "timestamp"


def test_mixed_naive_and_offset_is_an_error():
    text = "timestamp,value\n2025-01-15T00:00:00+01:00,1\n2025-01-15T00:30:00,1\n"
    with pytest.raises(ReadError) as err:
        read_generic_csv(io.StringIO(text), unit="kWh", timestamp_convention="start")
    assert err.value.code == "consumption_mixed_timezones"
    assert err.value.line == 3


def test_naive_end_label_in_the_skipped_spring_hour_is_read_as_summer_time():
    # The half-hour 01:30-02:00 winter time ends at a wall clock reading 02:00,
    # which does not exist: it is 03:00 summer time.
    text = (
        "end,value_kwh\n2025-03-30 01:30:00,0.2\n2025-03-30 02:00:00,0.3\n2025-03-30 03:30:00,0.4\n"
    )
    energy, meta = read_generic_csv(io.StringIO(text))
    assert list(energy.index) == list(
        pd.date_range("2025-03-30 01:00", periods=3, freq="30min", tz="Europe/Paris")
    )
    np.testing.assert_allclose(energy.to_numpy(), [0.2, 0.3, 0.4])
    problem = meta["report"].problems[0]
    assert problem.code == "consumption_nonexistent_local_time"
    assert (problem.line, problem.field) == (3, "end")


def test_naive_autumn_hour_that_cannot_be_ordered_is_an_error():
    text = "timestamp,value_kwh\n2025-10-26 02:30:00,0.2\n2025-10-26 02:30:00,0.3\n"
    text += "2025-10-26 02:00:00,0.3\n"
    with pytest.raises(ReadError) as err:
        read_generic_csv(io.StringIO(text), timestamp_convention="start")
    assert err.value.code == "consumption_ambiguous_local_time"
