"""Shared quality rules and the corpus of bad inputs."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.consumption_io import QualityReport, QualityRules, read_consumption
from planner.consumption_io.quality import infer_steps
from quartier_solaire import i18n
from quartier_solaire.errors import NotRecognised, ReadError

PACKAGE = Path(__file__).parents[2] / "planner" / "consumption_io"

# Every file of the bad-input corpus and what must come of it: an error code,
# or a repair code that the report carries.
CORPUS = {
    "enedis_truncated.csv": ("repair", "consumption_truncated_last_row"),
    "enedis_comma.csv": ("repair", "consumption_separator_comma"),
    "enedis_latin1.csv": ("repair", "consumption_encoding_latin1"),
    "enedis_no_preamble.csv": ("repair", "consumption_preamble_missing"),
    "enedis_extra_preamble.csv": ("repair", "consumption_preamble_extra_lines"),
    "enedis_duplicates_identical.csv": ("repair", "consumption_duplicate_dropped"),
    "enedis_duplicates_conflict.csv": ("error", "consumption_duplicate_conflict"),
    "enedis_gaps.csv": ("repair", "consumption_gaps"),
    "enedis_negative.csv": ("repair", "consumption_negative_values"),
    "enedis_step_change.csv": ("repair", "consumption_step_changed"),
    "enedis_kw_values.csv": ("repair", "consumption_unit_kw_suspected"),
    "enedis_bad_prm.csv": ("repair", "consumption_meter_id_invalid"),
    "enedis_bad_timestamp.csv": ("error", "consumption_bad_timestamp"),
    "enedis_bad_value.csv": ("error", "consumption_bad_value"),
    "empty.csv": ("error", "consumption_empty_file"),
    "binary_renamed.csv": ("error", "consumption_binary_file"),
    "buildings.geojson": ("error", "wrong_place"),
    "weather_pvgis.csv": ("error", "wrong_place"),
}


@pytest.mark.parametrize(("name", "outcome"), sorted(CORPUS.items()))
def test_bad_input_is_named_never_swallowed(data_dir, name, outcome):
    kind, code = outcome
    path = data_dir / "consumption" / name
    if kind == "error":
        with pytest.raises(ReadError) as err:
            read_consumption(path)
        assert err.value.code == code
        assert err.value.path == name
        kind = err.value.params.get("kind")  # wrong_place: one sentence per kind
        assert i18n.has(f"problem.{code}") or i18n.has(f"problem.{code}.{kind}")
    else:
        _, meta = read_consumption(path)
        found = [p for p in meta["report"].problems if p.code == code]
        assert found, [p.code for p in meta["report"].problems]
        assert found[0].line is not None or found[0].field is not None or found[0].count >= 1


def test_not_recognised_is_a_subclass_for_the_command_line(data_dir):
    with pytest.raises(NotRecognised):
        read_consumption(data_dir / "consumption" / "buildings.geojson")


def test_blank_only_file_is_empty():
    with pytest.raises(ReadError) as err:
        read_consumption(io.BytesIO(b"\n \n"), filename="blank.csv")
    assert err.value.code == "consumption_empty_file"
    assert err.value.path == "blank.csv"


def test_every_code_has_a_french_and_english_catalogue_entry():
    source = "\n".join(p.read_text() for p in PACKAGE.glob("*.py"))
    codes = set(re.findall(r'"(consumption_[a-z0-9_]+)"', source))
    assert len(codes) > 30
    catalogue = i18n.catalogue()
    missing = [c for c in codes if f"problem.{c}" not in catalogue]
    assert missing == []
    for code in codes:
        entry = catalogue[f"problem.{code}"]
        assert entry["fr"] and entry["en"], code


def test_describe_renders_counts_without_values(data_dir):
    _, meta = read_consumption(data_dir / "consumption" / "enedis_duplicates_identical.csv")
    problem = next(p for p in meta["report"].problems if p.code == "consumption_duplicate_dropped")
    assert i18n.describe(problem, "fr").startswith("2 ligne(s)")
    assert i18n.describe(problem, "en").startswith("2 row(s)")


def test_report_is_frozen_and_serialisable(data_dir):
    _, meta = read_consumption(data_dir / "consumption" / "enedis_gaps.csv")
    report = meta["report"]
    assert isinstance(report, QualityReport)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.gaps = 0
    assert json.loads(json.dumps(report.to_dict()))["gaps"] == 3
    assert report.repairs == 0


def test_unit_check_can_be_turned_off(data_dir):
    energy, meta = read_consumption(
        data_dir / "consumption" / "enedis_kw_values.csv", rules=QualityRules(check_units=False)
    )
    np.testing.assert_allclose(energy.to_numpy(), [0.25e-3, 0.6e-3, 0.15e-3, 0.2e-3])
    assert meta["report"].problems == ()


def test_values_said_kwh_but_really_wh_are_divided():
    rows = "\n".join(
        f"2025-01-15T0{h}:00:00+01:00,{v}"
        for h, v in zip(range(4), [400, 800, 600, 500], strict=True)
    )
    energy, meta = read_consumption(
        io.StringIO("timestamp,value\n" + rows + "\n"), unit="kWh", timestamp_convention="start"
    )
    np.testing.assert_allclose(energy.to_numpy(), [0.4, 0.8, 0.6, 0.5])
    assert meta["report"].problems[0].code == "consumption_unit_w_suspected"


def _times(minutes):
    return pd.DatetimeIndex(pd.Timestamp("2025-01-15", tz="UTC") + pd.to_timedelta(minutes, "min"))


@pytest.mark.parametrize(
    ("minutes", "steps"),
    [
        ([0, 30, 60, 90], [30, 30, 30, 30]),
        ([0, 30, 120, 150], [30, 30, 30, 30]),  # a missing stretch in the middle
        ([0, 30, 60, 150], [30, 30, 30, 30]),  # a missing stretch before the last row
        ([0, 10, 20, 50, 80], [10, 10, 10, 30, 30]),  # 10 -> 30 min
    ],
)
def test_infer_steps(minutes, steps):
    np.testing.assert_array_equal(infer_steps(_times(minutes)), steps)


def test_single_row_takes_the_declared_step():
    energy, meta = read_consumption(
        io.StringIO(
            "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
            "Grandeur metier;Etape metier;Unite;Pas en minutes\n"
            "12345678901234;Courbe de charge;;;Energie active;Consommation;Comptage Brut;W;30\n"
            "Horodate;Valeur\n2025-01-15T00:30:00+01:00;1000\n"
        )
    )
    assert meta["step_min"] == 30
    assert energy.iloc[0] == pytest.approx(0.5)


def test_off_grid_row_is_an_error():
    text = (
        "timestamp,value\n2025-01-15T00:00:00Z,1\n2025-01-15T00:30:00Z,1\n"
        "2025-01-15T01:00:00Z,1\n2025-01-15T01:40:00Z,1\n2025-01-15T02:10:00Z,1\n"
    )
    with pytest.raises(ReadError) as err:
        read_consumption(io.StringIO(text), unit="kWh", timestamp_convention="start")
    assert err.value.code == "consumption_off_grid"
    assert err.value.line == 5


def _variants(data: bytes, rng: np.random.Generator) -> list[bytes]:
    cuts = np.linspace(0, len(data), 8, endpoint=False).astype(int)[1:]
    out = [data[:c] for c in cuts]
    alphabet = b';,\n0-:T+Z"{}a\xe9'
    for _ in range(4):
        mutated = bytearray(data)
        if mutated:
            mutated[int(rng.integers(len(mutated)))] = alphabet[int(rng.integers(len(alphabet)))]
        out.append(bytes(mutated))
    return out


def test_cut_or_mutated_files_never_raise_anything_but_read_error(data_dir):
    # Bad user input must end in a ReadError or a reported repair, never a crash.
    rng = np.random.default_rng(7)
    tried = 0
    for path in sorted((data_dir / "consumption").iterdir()):
        for variant in _variants(path.read_bytes(), rng):
            tried += 1
            try:
                energy, meta = read_consumption(io.BytesIO(variant), filename=path.name, unit="kWh")
            except ReadError:
                continue
            assert energy.index.freq is not None
            assert meta["report"].expected_intervals == len(energy)
    assert tried > 300
