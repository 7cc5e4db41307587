"""Data Connect v5 and 2026 JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from planner.consumption_io import read_consumption, read_data_connect_2026, read_data_connect_v5
from planner.consumption_io.data_connect import parse_duration_min
from quartier_solaire.errors import ReadError

VALUES_W = np.array([300, 420, 380, 510, 640, 700, 260, 330])


@pytest.fixture
def cons(data_dir):
    return data_dir / "consumption"


def test_fixture_values_are_strings(cons):
    doc = json.loads((cons / "data_connect_v5_load_curve.json").read_text())
    reading = doc["meter_reading"]["interval_reading"][0]
    assert isinstance(reading["value"], str)
    assert reading["date"] == "2025-10-26 00:30:00"
    doc = json.loads((cons / "data_connect_2026_load_curve.json").read_text())
    assert isinstance(doc["grandeur"][0]["points"][0]["v"], str)


def test_v5_load_curve_energy_labels_and_autumn_clock_change(cons):
    energy, meta = read_data_connect_v5(cons / "data_connect_v5_load_curve.json")
    np.testing.assert_allclose(energy.to_numpy(), VALUES_W * 0.5 / 1000)
    assert meta["source"] == "data_connect_v5"
    assert meta["meter_id"] == "12345678901234"
    assert meta["step_min"] == 30
    # Local end 00:30 -> start 00:00+02:00; the repeated 02:00-03:00 hour keeps
    # every half-hour distinct and regular.
    assert energy.index[0] == pd.Timestamp("2025-10-26T00:00:00+02:00")
    assert energy.index.freq == pd.Timedelta(minutes=30)
    assert energy.index.is_unique
    assert (energy.index.tz_convert("UTC")[-1] - energy.index.tz_convert("UTC")[0]) == pd.Timedelta(
        hours=3, minutes=30
    )


def test_v5_and_2026_give_identical_profiles(cons):
    a, meta_a = read_data_connect_v5(cons / "data_connect_v5_load_curve.json")
    b, meta_b = read_data_connect_2026(cons / "data_connect_2026_load_curve.json")
    pd.testing.assert_series_equal(a, b)
    assert meta_b["source"] == "data_connect_2026"
    assert meta_a["meter_id"] == meta_b["meter_id"]
    da, _ = read_data_connect_v5(cons / "data_connect_v5_daily.json")
    db, meta_db = read_data_connect_2026(cons / "data_connect_2026_daily.json")
    pd.testing.assert_series_equal(da, db)
    assert [p.code for p in meta_db["report"].problems] == ["consumption_estimated_points"]


def test_daily_consumption_in_wh_across_spring_change(cons):
    energy, meta = read_consumption(cons / "data_connect_v5_daily.json")
    assert meta["step_min"] == 1440
    np.testing.assert_allclose(energy.to_numpy(), [9.1, 8.4, 10.25])
    assert list(energy.index) == list(
        pd.date_range("2025-03-29", periods=3, freq="D", tz="Europe/Paris")
    )


def test_2026_with_production_only_is_refused(tmp_path):
    doc = {"grandeur": [{"grandeurMetier": "PROD", "unite": "W", "points": []}]}
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ReadError) as err:
        read_consumption(path)
    assert err.value.code == "consumption_not_consumption"


def test_v5_unknown_unit_is_an_error(tmp_path):
    doc = {"meter_reading": {"reading_type": {"unit": "VA"}, "interval_reading": []}}
    path = tmp_path / "va.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ReadError) as err:
        read_consumption(path)
    assert err.value.field == "reading_type.unit"


def test_malformed_json_names_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"meter_reading": {\n "interval_reading": [\n}')
    with pytest.raises(ReadError) as err:
        read_consumption(path)
    assert err.value.code == "consumption_bad_json"
    assert err.value.line == 3


@pytest.mark.parametrize(
    ("text", "minutes"), [("PT30M", 30), ("PT10M", 10), ("PT1H", 60), ("P1D", 1440), ("x", None)]
)
def test_parse_duration(text, minutes):
    assert parse_duration_min(text) == minutes
