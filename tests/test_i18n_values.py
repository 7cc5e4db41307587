"""Values the domain hands to the pages read as sentences and figures in the reader's language."""

import pytest

from geodata.roofs import _NOTE_TEXT, SHAPE_MODELS, RoofNote, RoofParams
from geodata.shading import ShadingParams
from quartier_solaire.i18n import has, parameter_rows, roof_notes
from solar.engine import PVParams
from solar.rooftop import SuitabilityParams


def test_every_roof_note_code_and_shape_is_in_the_catalogue():
    for code in _NOTE_TEXT:
        assert has(f"roof_note.{code}"), code
    for shape in {*SHAPE_MODELS, *SHAPE_MODELS.values(), "canopy"}:
        assert has(f"roof_shape.{shape}"), shape


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("fr", "toit plat supposé (école, emprise de 4\u202f896 m²) ; pente de 30,5° déduite"),
        ("en", "flat roof assumed (school, 4,896 m² footprint); pitch of 30.5° derived"),
    ],
)
def test_notes_are_translated_with_numbers_written_the_readers_way(lang, expected):
    notes = (
        RoofNote.of("shape_assumed", shape="flat", usage="school", area_m2=4896),
        RoofNote.of("angle_from_height", angle=30.5, roof_height_m=2.5),
    )
    assert roof_notes(notes, lang).startswith(expected)


def test_a_missing_usage_and_a_shape_from_the_file_are_said_plainly():
    notes = (
        RoofNote.of("shape_not_modelled", shape="onion"),
        RoofNote.of("shape_assumed", shape="gabled", usage="", area_m2=80),
    )
    assert roof_notes(notes, "fr") == (
        "forme de toit « onion » non modélisée ; "
        "toit à deux pans supposé (usage non renseigné, emprise de 80 m²)"
    )
    assert roof_notes((), "en") == ""


@pytest.mark.parametrize("params", [RoofParams(), PVParams(), SuitabilityParams(), ShadingParams()])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_assumption_has_a_label_and_a_readable_value(params, lang):
    rows = parameter_rows(params, lang)
    assert rows
    for label, value in rows:
        assert "_" not in label and "_" not in value, (label, value)
        assert value not in ("None", "", "nan")


def test_assumption_values_are_written_the_french_way():
    rows = dict(parameter_rows(RoofParams(flat_rack_gcr=0.45), "fr"))
    assert rows["Retrait en bord de toit [m]"] == "0,5"
    assert rows["Taux de couverture des rangées (imposé) [-]"] == "0,45"
    assert rows["Hauteur du soleil sans ombre entre rangées [°]"].startswith("midi")
    fit = dict(parameter_rows(SuitabilityParams(), "fr"))
    assert fit["Part minimale du productible de référence [%]"] == "80"
    shade = dict(parameter_rows(ShadingParams(), "en"))
    assert shade["Shade from neighbouring buildings"] == "yes"


def test_every_estimate_assumption_has_a_label_a_unit_and_a_source():
    from planner.estimate import ASSUMPTION_SOURCES

    for name, (unit, _) in ASSUMPTION_SOURCES.items():
        for key in (f"estimate_assumption.{name}", f"estimate_assumption.{name}.source"):
            assert has(key), key
        assert has(f"estimate_unit.{unit}"), unit


@pytest.mark.parametrize("kind", ["pvgis-csv", "pvgis-json", "epw"])
def test_weather_licences_are_ours_translated_and_the_files_words_verbatim(tmp_path, kind):
    from quartier_solaire.i18n import weather_licence
    from solar.weather_files import read_weather_file
    from tests.solar.test_weather_files import (
        pvgis_frame,
        write_epw,
        write_pvgis_csv,
        write_pvgis_json,
    )

    write = {"pvgis-csv": write_pvgis_csv, "pvgis-json": write_pvgis_json, "epw": write_epw}
    _, meta = read_weather_file(write[kind](tmp_path / f"w.{kind[-4:]}", pvgis_frame()))
    french, english = weather_licence(meta, "fr"), weather_licence(meta, "en")
    assert french != english
    if kind == "epw":
        assert french.startswith("Fichier météo EPW")
        assert "Generated for tests" in meta["attribution_file_text"]
    else:
        assert french.startswith("PVGIS © Union européenne")
    assert "Generated for tests" not in french  # the file's words are shown apart, as written


def test_the_synthetic_years_licence_is_in_the_readers_language():
    from quartier_solaire.i18n import weather_licence
    from solar.pvgis import weather_for_site

    _, meta = weather_for_site(47.2, -1.55, "synthetic")
    assert weather_licence(meta, "fr").startswith("Année type synthétique")
    assert "Nantes-Bouguenais" in weather_licence(meta, "fr")
    assert weather_licence(meta, "en").startswith("Synthetic typical year")
