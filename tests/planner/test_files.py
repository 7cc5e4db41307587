"""What a file is, whatever uploader it was dropped on (planner.files)."""

from __future__ import annotations

import pytest

from geodata.io import read_buildings
from planner.files import KINDS, identify_file, kind_message, misplaced
from quartier_solaire.errors import ReadError


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("consumption/weather_pvgis.csv", "weather"),
        ("consumption/data_connect_v5_daily.json", "consumption"),
        ("consumption/data_connect_2026_load_curve.json", "consumption"),
        ("consumption/enedis_load_curve_30min.csv", "consumption"),
        ("consumption/empty.csv", "empty"),
        ("consumption/binary_renamed.csv", "unknown"),
        ("buildings/cadastre_batiments.geojson", "buildings"),
        ("buildings/hostile/empty_collection.geojson", "buildings"),
        ("buildings/hostile/truncated.geojson", "buildings"),
        ("buildings/osm_sample.osm", "buildings"),
    ],
)
def test_identify_file(data_dir, path, kind):
    file = data_dir / path
    assert identify_file(file.read_bytes(), file.name) == kind
    assert identify_file(file) == kind


def test_identify_file_survives_a_long_odd_name():
    assert identify_file(b"   \n", "é" * 300 + ".csv") == "empty"
    assert identify_file(b"bonjour", "../" * 100 + "x.txt") == "unknown"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("consumption/weather_pvgis.csv", "weather"),
        ("consumption/data_connect_v5_daily.json", "consumption"),
        ("consumption/enedis_load_curve_30min.csv", "consumption"),
    ],
)
def test_a_file_dropped_as_buildings_is_named_for_what_it_is(data_dir, path, kind):
    payload = (data_dir / path).read_bytes()
    with pytest.raises(ReadError) as refused:
        read_buildings(payload, filename=(data_dir / path).name)
    error = misplaced(refused.value, payload, (data_dir / path).name, expected="buildings")
    assert error.code == "wrong_place"
    assert error.params == {"kind": kind, "expected": "buildings"}
    assert error.path == (data_dir / path).name


def test_an_empty_file_dropped_as_buildings_says_it_is_empty():
    with pytest.raises(ReadError) as refused:
        read_buildings(b"", filename="batiments.geojson")
    assert misplaced(refused.value, b"", "batiments.geojson", expected="buildings").code == (
        "empty_file"
    )


def test_a_damaged_file_of_the_expected_kind_keeps_its_own_error(data_dir):
    payload = (data_dir / "buildings/hostile/truncated.geojson").read_bytes()
    with pytest.raises(ReadError) as refused:
        read_buildings(payload, filename="t.geojson")
    assert misplaced(refused.value, payload, "t.geojson", expected="buildings") is refused.value


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_kind_has_a_message(kind, lang):
    assert len(kind_message(kind, lang)) > 20
