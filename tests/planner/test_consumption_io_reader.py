"""Format detection, the single entry point and the command-line summary."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from planner.consumption_io import FORMATS, detect_format, inspect_consumption, read_consumption
from planner.consumption_io._source import load
from quartier_solaire.errors import NotRecognised

FILES = {
    "enedis_load_curve_30min.csv": "enedis_load_curve",
    "enedis_daily_index.csv": "enedis_daily_index",
    "data_connect_v5_load_curve.json": "data_connect_v5",
    "data_connect_2026_load_curve.json": "data_connect_2026",
    "generic_naive.csv": "generic_csv",
    "home_assistant_power.csv": "home_assistant",
}


@pytest.mark.parametrize(("name", "fmt"), sorted(FILES.items()))
def test_format_is_detected_from_content(data_dir, name, fmt):
    data = (data_dir / "consumption" / name).read_bytes()
    # No file name: detection must not depend on the extension.
    source = load(io.BytesIO(data))
    assert detect_format(source) == fmt
    assert fmt in FORMATS


@pytest.mark.parametrize(("name", "fmt"), sorted(FILES.items()))
def test_every_reader_keeps_the_output_contract(data_dir, name, fmt):
    energy, meta = read_consumption(data_dir / "consumption" / name, unit=None)
    assert energy.name == "energy_kwh"
    assert energy.dtype == "float64"
    assert str(energy.index.tz) == "Europe/Paris"
    assert energy.index.freq is not None
    assert energy.index.is_monotonic_increasing
    assert set(meta) >= {"source", "meter_id", "step_min", "start", "end", "unit_in_file", "report"}
    assert meta["source"] == fmt
    assert meta["start"] == energy.index[0]
    assert meta["report"].expected_intervals == len(energy)


def test_buffer_upload_with_filename(data_dir):
    data = (data_dir / "consumption" / "enedis_load_curve_30min.csv").read_bytes()
    energy, meta = read_consumption(io.BytesIO(data), filename="mes-donnees.csv")
    assert meta["meter_id"] == "12345678901234"
    assert energy.sum() == pytest.approx(1.85)


def test_inspect_summary_is_json(data_dir):
    summary = inspect_consumption(data_dir / "consumption" / "enedis_gaps.csv")
    assert json.loads(json.dumps(summary)) == summary
    assert summary["kind"] == "consumption"
    assert summary["format"] == "enedis_load_curve"
    assert summary["intervals"] == 3
    assert summary["step_min"] == 30
    assert summary["energy_kwh"] == pytest.approx(1.35)
    assert summary["coverage"] == pytest.approx(0.5)
    assert pd.Timestamp(summary["start"]) == pd.Timestamp("2025-01-15T00:00:00+01:00")
    assert pd.Timestamp(summary["end"]) == pd.Timestamp("2025-01-15T03:00:00+01:00")
    assert [p["code"] for p in summary["problems"]] == ["consumption_gaps"]


@pytest.mark.parametrize("name", ["buildings.geojson", "weather_pvgis.csv"])
def test_inspect_refuses_other_kinds(data_dir, name):
    with pytest.raises(NotRecognised):
        inspect_consumption(data_dir / "consumption" / name)
