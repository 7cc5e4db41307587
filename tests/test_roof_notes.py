"""What the roof model assumed reads as a sentence in the reader's language."""

import pytest

from geodata.roofs import _NOTE_TEXT, SHAPE_MODELS, RoofNote
from quartier_solaire.i18n import has, roof_notes


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
