"""Hostile and misplaced files given to the consumption readers (issue 8, points 8 and 14).

Small files are kept in ``tests/data/hostile/``; large ones are generated here.
"""

from __future__ import annotations

import io
import json
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from planner.consumption_io import _rows, read_consumption
from quartier_solaire import textfiles
from quartier_solaire.errors import NotRecognised, ReadError, ReadReport, WrongPlace
from quartier_solaire.i18n import describe
from tests.conftest import ROOT


def test_json_nested_100000_deep_is_refused_not_a_recursion_error():
    deep = '{"interval_reading": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(deep.encode()), filename="deep.json")
    assert info.value.code == "json_too_deep"
    assert info.value.path == "deep.json"


def test_data_connect_2026_nested_deep_is_refused():
    deep = '{"grandeur": [], "points": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(deep.encode()), filename="deep.json")
    assert info.value.code == "json_too_deep"


def test_utf16_with_bom_is_read_like_its_utf8_original(data_dir):
    utf8, _ = read_consumption(data_dir / "consumption" / "enedis_load_curve_30min.csv")
    utf16, meta = read_consumption(data_dir / "hostile" / "enedis_utf16_bom.csv")
    assert utf16.equals(utf8)
    assert meta["source"] == "enedis_load_curve"
    codes = [p.code for p in meta["report"].problems]
    assert "consumption_encoding_utf16" in codes


@pytest.mark.parametrize("name", ["generic_utf16le_no_bom.txt", "generic_utf16be_no_bom.txt"])
def test_utf16_without_bom_is_found_from_its_nul_bytes(data_dir, name):
    energy, meta = read_consumption(data_dir / "hostile" / name)
    assert meta["source"] == "generic_csv"
    np.testing.assert_allclose(energy.to_numpy(), [0.25, 0.5, 0.75])


def test_binary_is_still_binary():
    # NUL bytes at random places are not UTF-16 text.
    payload = bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8))
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(payload), filename="x.csv")
    assert info.value.code == "consumption_binary_file"


def test_pvgis_file_dropped_as_consumption_says_where_it_goes(tmp_path):
    from tests.solar.test_weather_files import pvgis_frame, write_pvgis_csv

    path = write_pvgis_csv(tmp_path / "tmy.csv", pvgis_frame())
    with pytest.raises(WrongPlace) as info:
        read_consumption(path)
    assert info.value.code == "wrong_place"
    assert info.value.params["kind"] == "weather"
    assert isinstance(info.value, NotRecognised)  # `inspect` moves on to the next reader
    assert "sous Météo" in describe(info.value, "fr")
    assert "under Weather" in describe(info.value, "en")


def test_pvgis_json_dropped_as_consumption_is_weather(tmp_path):
    from tests.solar.test_weather_files import pvgis_frame, write_pvgis_json

    path = write_pvgis_json(tmp_path / "tmy.json", pvgis_frame())
    with pytest.raises(WrongPlace) as info:
        read_consumption(path)
    assert info.value.params["kind"] == "weather"


def test_geojson_dropped_as_consumption_is_buildings(data_dir):
    with pytest.raises(WrongPlace) as info:
        read_consumption(data_dir / "consumption" / "buildings.geojson")
    assert info.value.params["kind"] == "buildings"
    assert "Bâtiments" in describe(info.value, "fr")


def test_unknown_text_is_still_not_recognised_without_a_place():
    with pytest.raises(NotRecognised) as info:
        read_consumption(io.BytesIO(b"hello\nworld\n"), filename="notes.txt")
    assert info.value.code == "not_recognised"


def test_upload_limit_matches_streamlit_config():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == textfiles.MAX_UPLOAD_MB


def test_file_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("timestamp,value_kwh\n" + "2025-01-15T00:00:00Z,0.25\n" * 100)
    monkeypatch.setattr(textfiles, "MAX_UPLOAD_BYTES", 1000)
    read = []
    monkeypatch.setattr(type(path), "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(ReadError) as info:
        read_consumption(path)
    assert info.value.code == "file_too_large"
    assert read == []  # refused from its size alone
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(path.read_text().encode()), filename="big.csv")
    assert info.value.code == "file_too_large"


def test_report_is_a_read_report(data_dir):
    _, meta = read_consumption(data_dir / "consumption" / "enedis_duplicates_identical.csv")
    report = meta["report"]
    assert isinstance(report, ReadReport)
    assert (report.kind, report.format) == ("consumption", "enedis_load_curve")
    assert report.name == "enedis_duplicates_identical.csv"
    assert report.rows_kept == report.intervals
    assert report.rows_dropped == report.duplicates_removed > 0
    plain = json.loads(json.dumps(report.to_dict()))
    assert plain["kind"] == "consumption" and plain["repairs"] == report.repairs


# --------------------------------------------------------------------------- large files


def _enedis_curve(rows: int, *, crlf=False, blank_every=0, naive_from=None) -> bytes:
    """A 10-min Enedis load curve of ``rows`` rows (synthetic values, no personal data)."""
    ends = pd.date_range("2024-01-01T00:10", periods=rows, freq="10min", tz="Europe/Paris")
    stamps = list(ends.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"(\d\d)$", r":\1", regex=True))
    if naive_from is not None:
        stamps[naive_from:] = [s[:19] for s in stamps[naive_from:]]
    watts = np.random.default_rng(0).integers(100, 3000, rows)
    body = [f"{s};{w}" for s, w in zip(stamps, watts, strict=True)]
    if blank_every:
        body = [r + ("\n" if i % blank_every == 0 else "") for i, r in enumerate(body)]
    lines = [
        "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes",
        "12345678901234;Courbe de charge;01/01/2024;31/12/2024;Energie active;"
        "Consommation;Comptage Brut;W;10",
        "Horodate;Valeur",
        *body,
    ]
    text = "\n".join(lines) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return ("\ufeff" + text).encode("utf-8")


@pytest.mark.parametrize("crlf", [False, True])
def test_reading_in_slices_gives_what_one_slice_gives(monkeypatch, crlf):
    payload = _enedis_curve(3000, crlf=crlf, blank_every=97)
    whole, meta_whole = read_consumption(io.BytesIO(payload), filename="c.csv")
    monkeypatch.setattr(_rows, "CHUNK_CHARS", 500)
    sliced, meta_sliced = read_consumption(io.BytesIO(payload), filename="c.csv")
    assert sliced.equals(whole)
    assert meta_sliced["report"] == meta_whole["report"]


def test_a_bad_row_deep_in_a_large_file_names_its_line(monkeypatch):
    text = _enedis_curve(3000).decode("utf-8")
    lines = text.split("\n")
    lines[2500] = lines[2500].replace(";", ";x")  # file line 2501
    monkeypatch.setattr(_rows, "CHUNK_CHARS", 700)
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO("\n".join(lines).encode()), filename="c.csv")
    assert (info.value.code, info.value.line, info.value.field) == (
        "consumption_bad_value",
        2501,
        "Valeur",
    )


def test_offsets_that_stop_in_a_later_slice_are_mixed(monkeypatch):
    monkeypatch.setattr(_rows, "CHUNK_CHARS", 600)
    payload = _enedis_curve(2000, naive_from=1500)
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(payload), filename="c.csv")
    assert info.value.code == "consumption_mixed_timezones"
    assert info.value.line == 1500 + 4  # three header lines, 1-based


def test_a_cut_last_row_is_dropped_only_at_the_end(monkeypatch):
    monkeypatch.setattr(_rows, "CHUNK_CHARS", 600)
    payload = _enedis_curve(2000).rstrip(b"\n")[:-6]  # "...T23:...+01" cut mid-row
    energy, meta = read_consumption(io.BytesIO(payload), filename="c.csv")
    codes = [p.code for p in meta["report"].problems]
    assert "consumption_truncated_last_row" in codes
    assert meta["report"].intervals == 1999


def test_naive_times_across_slices_are_localised_over_the_whole_file(monkeypatch):
    # Wall-clock times through the autumn change: the repeated hour can only be
    # ordered by looking at the rows on both sides of any slice boundary.
    starts = pd.date_range("2024-10-26", "2024-10-28", freq="30min", tz="Europe/Paris")
    rows = [f"{t:%Y-%m-%d %H:%M:%S},0.2" for t in starts[:-1]]
    payload = ("timestamp,value_kwh\n" + "\n".join(rows) + "\n").encode()
    whole, _ = read_consumption(io.BytesIO(payload), filename="n.csv")
    monkeypatch.setattr(_rows, "CHUNK_CHARS", 100)
    sliced, _ = read_consumption(io.BytesIO(payload), filename="n.csv")
    assert sliced.equals(whole) and len(whole) == len(starts) - 1


def test_a_large_curve_is_read_within_three_times_its_size(monkeypatch):
    # Slices proportionate to this 6 MB file, as the default is to 200 MB ones.
    monkeypatch.setattr(_rows, "CHUNK_CHARS", 200_000)
    payload = _enedis_curve(190_000)
    size = len(payload)
    warm = b"timestamp,value_kwh\n2025-01-01T00:00Z,1\n2025-01-01T00:30Z,1\n"
    read_consumption(io.BytesIO(warm), filename="w.csv")  # lazy imports out of the count
    tracemalloc.start()
    try:
        energy, _ = read_consumption(io.BytesIO(payload), filename="big.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(energy) == 190_000
    assert peak < 3 * size, f"peak {peak / size:.2f} x the file"


# --------------------------------------------------------------------------- one rule


@pytest.mark.parametrize("value", ["inf", "-inf", "1e308", "Infinity"])
def test_infinite_or_absurd_reading_is_refused_with_its_line(value):
    text = _enedis_curve(20).decode("utf-8").split("\n")
    text[10] = text[10].split(";")[0] + ";" + value  # file line 11
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO("\n".join(text).encode()), filename="c.csv")
    assert (info.value.code, info.value.line, info.value.field) == (
        "consumption_bad_value",
        11,
        "Valeur",
    )


@pytest.mark.parametrize(
    "reading_type", ['"W"', "[1, 2]", '{"unit": 5}', '{"unit": ["W"]}', "null"]
)
def test_data_connect_with_odd_reading_type_is_a_read_error(reading_type):
    doc = (
        '{"meter_reading": {"reading_type": ' + reading_type + ', "interval_reading": '
        '[{"value": "1", "date": "2024-01-01 00:30:00", "interval_length": "PT30M"}]}}'
    )
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(doc.encode()), filename="dc.json")
    assert info.value.code == "consumption_unit_unknown"


def test_data_connect_with_infinite_value_is_a_read_error():
    doc = (
        '{"meter_reading": {"reading_type": {"unit": "W"}, "interval_reading": ['
        '{"value": "1e400", "date": "2024-01-01 00:30:00", "interval_length": "PT30M"}]}}'
    )
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(doc.encode()), filename="dc.json")
    assert info.value.code == "consumption_bad_value"


@pytest.mark.parametrize("step", ["inf", "nan", "1e400"])
def test_enedis_step_that_is_not_a_number_is_a_read_error(step):
    text = _enedis_curve(20).decode("utf-8").replace("Brut;W;10", f"Brut;W;{step}")
    with pytest.raises(ReadError) as info:
        read_consumption(io.BytesIO(text.encode()), filename="c.csv")
    assert (info.value.code, info.value.field) == ("consumption_bad_value", "Pas en minutes")


def test_home_assistant_infinite_state_is_skipped_like_unavailable():
    rows = [f"sensor.p,1,2024-01-01T00:{m:02d}:00Z" for m in range(0, 60, 5)]
    rows[5] = rows[5].replace(",1,", ",inf,")
    text = "entity_id,state,last_changed\n" + "\n".join(rows) + "\n"
    energy, meta = read_consumption(io.BytesIO(text.encode()), filename="ha.csv", unit="W")
    assert np.isfinite(energy.dropna().to_numpy()).all()
    codes = [p.code for p in meta["report"].problems]
    assert "consumption_states_unavailable" in codes


def test_a_bad_argument_is_a_value_error_not_a_read_error(data_dir):
    path = data_dir / "consumption" / "generic_kwh_utc.csv"
    for kwargs in (
        {"unit": "litres"},
        {"unit": 5},
        {"unit": "kWh", "timestamp_convention": "middle"},
    ):
        with pytest.raises(ValueError) as info:
            read_consumption(path, **kwargs)
        assert not isinstance(info.value, ReadError), kwargs
