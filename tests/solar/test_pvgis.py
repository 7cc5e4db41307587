"""PVGIS typical year: fetch, disk cache, and the synthetic fallback.

Offline: ``get_pvgis_tmy`` is replaced by a function that returns what pvlib
returns for a PVGIS JSON answer (a generated one, parsed by pvlib itself), or
raises what ``requests`` raises without a network. One network test fetches
Nantes for real (``-m network``).
"""

from __future__ import annotations

import io
import json
import sys
import types

import numpy as np
import pandas as pd
import pytest
import requests
from pvlib.iotools import read_pvgis_tmy

import solar.pvgis as pvgis
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import describe, has
from solar.pvgis import (
    WeatherUnavailable,
    cache_path,
    get_pvgis_weather,
    weather_for_site,
)
from solar.typical_year import TIMEZONE, typical_year_index
from solar.weather_files import read_weather_file
from tests.solar.test_weather_files import pvgis_frame, pvgis_json_document

NANTES = (47.218, -1.554)


@pytest.fixture(scope="module")
def document() -> dict:
    return pvgis_json_document(pvgis_frame())


class FakePVGIS:
    """Stands in for pvlib's get_pvgis_tmy: answers from a document, counts calls."""

    def __init__(self, document=None, error=None):
        self.document = document
        self.error = error
        self.calls = []

    def __call__(self, latitude, longitude, **kwargs):
        self.calls.append((latitude, longitude, kwargs))
        if self.error is not None:
            raise self.error
        text = io.StringIO(json.dumps(self.document))
        return read_pvgis_tmy(text, pvgis_format="json", map_variables=kwargs["map_variables"])


def _offline(monkeypatch, error=None):
    fake = FakePVGIS(
        error=error or requests.ConnectionError("Failed to resolve 're.jrc.ec.europa.eu'")
    )
    monkeypatch.setattr(pvgis, "get_pvgis_tmy", fake)
    return fake


def test_fetch_writes_the_cache_then_reads_it_offline(tmp_path, monkeypatch, document):
    online = FakePVGIS(document)
    monkeypatch.setattr(pvgis, "get_pvgis_tmy", online)
    data, meta = get_pvgis_weather(*NANTES, cache_dir=tmp_path, timeout=7)
    # One request, horizon on, rounded coordinates, raw PVGIS columns.
    [(lat, lon, kwargs)] = online.calls
    assert (lat, lon) == (47.22, -1.55)
    assert kwargs["usehorizon"] is True and kwargs["timeout"] == 7
    assert kwargs["outputformat"] == "json"
    assert data.index.equals(typical_year_index()) and len(data) == 8760
    assert meta["source"] == "PVGIS TMY" and meta["from_cache"] is False
    assert "European Union" in meta["attribution"]
    # The cache entry is a PVGIS TMY JSON file, readable as an upload.
    entry = cache_path(*NANTES, cache_dir=tmp_path)
    assert meta["cache_file"] == str(entry) and entry.is_file()
    assert entry.name == "tmy_47.22_-1.55_horizon_v1.json"
    assert json.loads(entry.read_text())["outputs"]["months_selected"][0] == {
        "month": 1,
        "year": 2018,
    }
    assert list(tmp_path.iterdir()) == [entry]  # no temporary file left behind

    offline = _offline(monkeypatch)
    again, meta_again = get_pvgis_weather(47.2209, -1.5511, cache_dir=tmp_path)
    assert offline.calls == []  # a neighbour within the rounding shares the entry
    assert meta_again["from_cache"] is True
    pd.testing.assert_frame_equal(again, data)
    expected, _ = read_weather_file(io.StringIO(json.dumps(document)))
    pd.testing.assert_frame_equal(again, expected)


def test_cache_key_rounding_can_be_chosen(tmp_path):
    assert cache_path(47.218, -1.554, tmp_path).name == "tmy_47.22_-1.55_horizon_v1.json"
    coarse = cache_path(47.218, -1.554, tmp_path, resolution_deg=0.1)
    assert coarse.name == "tmy_47.2_-1.6_horizon_v1.json"
    assert cache_path(-0.001, 0.004, tmp_path).name == "tmy_0.00_0.00_horizon_v1.json"
    with pytest.raises(ValueError):
        cache_path(95.0, 0.0, tmp_path)


def test_hand_written_cache_entry_is_read_without_network(tmp_path, monkeypatch, document):
    entry = cache_path(*NANTES, cache_dir=tmp_path)
    entry.write_text(json.dumps(document))
    offline = _offline(monkeypatch)
    data, meta = get_pvgis_weather(*NANTES, cache_dir=tmp_path)
    assert offline.calls == [] and meta["from_cache"] is True
    assert meta["irradiance_time_offset_h"] == pytest.approx(0.1761)
    assert 900 < data["ghi"].sum() / 1000 < 1500


def test_damaged_cache_entry_is_fetched_again(tmp_path, monkeypatch, document):
    entry = cache_path(*NANTES, cache_dir=tmp_path)
    entry.write_text('{"inputs": ')
    online = FakePVGIS(document)
    monkeypatch.setattr(pvgis, "get_pvgis_tmy", online)
    data, meta = get_pvgis_weather(*NANTES, cache_dir=tmp_path)
    assert len(online.calls) == 1 and len(data) == 8760
    assert [p.code for p in meta["problems"]] == ["weather.pvgis_cache_ignored"]
    assert read_weather_file(entry)[0].equals(data)


def test_unwritable_cache_still_answers(tmp_path, monkeypatch, document):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setattr(pvgis, "get_pvgis_tmy", FakePVGIS(document))
    data, meta = get_pvgis_weather(*NANTES, cache_dir=blocker)
    assert len(data) == 8760
    assert [p.code for p in meta["problems"]] == ["weather.pvgis_cache_not_written"]


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (requests.ConnectionError("Max retries exceeded"), "could not be reached"),
        (requests.Timeout("read timed out"), "within 10 s"),
        (requests.HTTPError("Location over the sea. Please, select another location"), "sea"),
    ],
)
def test_unreachable_pvgis_raises_weather_unavailable(tmp_path, monkeypatch, error, words):
    _offline(monkeypatch, error)
    with pytest.raises(WeatherUnavailable) as info:
        get_pvgis_weather(*NANTES, cache_dir=tmp_path)
    assert isinstance(info.value, ReadError)
    assert info.value.code == "weather.pvgis_unavailable"
    assert words in info.value.message
    assert "Traceback" not in str(info.value)
    assert "PVGIS" in describe(info.value, "fr")
    assert list(tmp_path.iterdir()) == []  # nothing cached


def test_unexpected_answer_raises_weather_unavailable(tmp_path, monkeypatch, document):
    broken = json.loads(json.dumps(document))
    broken["outputs"]["tmy_hourly"] = broken["outputs"]["tmy_hourly"][:100]
    monkeypatch.setattr(pvgis, "get_pvgis_tmy", FakePVGIS(broken))
    with pytest.raises(WeatherUnavailable) as info:
        get_pvgis_weather(*NANTES, cache_dir=tmp_path)
    assert "100 hourly rows" in info.value.message
    assert not cache_path(*NANTES, cache_dir=tmp_path).exists()


def _fake_synthetic(monkeypatch):
    """A synthetic_year that records its calls (the real one is another module)."""
    calls = []

    def synthetic_year(latitude, longitude, altitude=None, *, seed=0):
        calls.append((latitude, longitude, seed))
        index = typical_year_index()
        data = pd.DataFrame(
            {c: np.full(len(index), float(seed)) for c in ("ghi", "dni", "dhi", "temp_air")}
            | {"wind_speed": np.ones(len(index))},
            index=index,
        )
        return data, {"source": "synthetic", "warnings": ["synthetic note"]}

    module = types.ModuleType("solar.synthetic_weather")
    module.synthetic_year = synthetic_year
    monkeypatch.setitem(sys.modules, "solar.synthetic_weather", module)
    return calls


def test_weather_for_site_falls_back_to_the_synthetic_year(tmp_path, monkeypatch):
    calls = _fake_synthetic(monkeypatch)
    _offline(monkeypatch)
    data, meta = weather_for_site(*NANTES, "pvgis", cache_dir=tmp_path, seed=3)
    assert calls == [(*NANTES, 3)]
    assert (data["ghi"] == 3.0).all()
    assert meta["source"] == "synthetic" and meta["requested_source"] == "pvgis"
    assert meta["warnings"][0] == "synthetic note"
    assert "PVGIS" in meta["warnings"][-1] and "could not be reached" in meta["warnings"][-1]
    assert meta["problems"][-1].code == "weather.pvgis_unavailable"
    assert has("problem.weather.pvgis_unavailable")
    assert "synthétique" in describe(meta["problems"][-1], "fr")


def test_weather_for_site_uses_pvgis_when_it_answers(tmp_path, monkeypatch, document):
    calls = _fake_synthetic(monkeypatch)
    monkeypatch.setattr(pvgis, "get_pvgis_tmy", FakePVGIS(document))
    data, meta = weather_for_site(*NANTES, "pvgis", cache_dir=tmp_path)
    assert calls == [] and meta["source"] == "PVGIS TMY" and meta["warnings"] == []


def test_weather_for_site_synthetic_never_touches_the_network(tmp_path, monkeypatch):
    calls = _fake_synthetic(monkeypatch)
    offline = _offline(monkeypatch)
    data, meta = weather_for_site(*NANTES, cache_dir=tmp_path, seed=5)
    assert calls == [(*NANTES, 5)] and offline.calls == [] and meta["source"] == "synthetic"


def test_weather_for_site_rejects_an_unknown_source():
    with pytest.raises(ValueError, match="synthetic"):
        weather_for_site(*NANTES, "meteonorm")


def test_real_synthetic_year_as_fallback(tmp_path, monkeypatch):
    pytest.importorskip("solar.synthetic_weather")
    _offline(monkeypatch)
    data, meta = weather_for_site(*NANTES, "pvgis", cache_dir=tmp_path)
    assert len(data) == 8760 and {"ghi", "dni", "dhi", "temp_air", "wind_speed"} <= set(data)
    assert meta["requested_source"] == "pvgis" and "PVGIS" in meta["warnings"][-1]


@pytest.mark.network
def test_real_pvgis_fetch_for_nantes(tmp_path):
    data, meta = get_pvgis_weather(*NANTES, cache_dir=tmp_path, timeout=60)
    assert len(data) == 8760 and str(data.index.tz) == TIMEZONE
    # Nantes: about 1,200-1,300 kWh/m2/yr on the horizontal (PVGIS-SARAH3).
    assert 1050 < data["ghi"].sum() / 1000 < 1450
    assert 10 < data["temp_air"].mean() < 15
    assert meta["horizon"] is True and meta["from_cache"] is False
    again, meta_again = get_pvgis_weather(*NANTES, cache_dir=tmp_path)
    assert meta_again["from_cache"] is True
    pd.testing.assert_frame_equal(again, data)
