"""The one catalogue: complete in both languages, and every key the code asks for exists."""

import re
import string

import pytest

from geodata.schema import USAGES
from quartier_solaire.errors import Problem, ReadError
from quartier_solaire.i18n import LANGUAGES, catalogue, describe, t
from tests.conftest import ROOT

SOURCES = [
    p
    for folder in ("app_pages", "quartier_solaire", "solar", "geodata", "planner")
    for p in (ROOT / folder).rglob("*.py")
] + [ROOT / "app.py"]


def _placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_entry_has_every_language_with_the_same_placeholders():
    for key, entry in catalogue().items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key
        assert _placeholders(entry["fr"]) == _placeholders(entry["en"]), key


def test_every_literal_key_used_in_code_exists():
    used = set()
    for path in SOURCES:
        used |= set(re.findall(r"\bt\(\s*\"([a-z0-9_.]+)\"", path.read_text(encoding="utf-8")))
    assert used, "no t(...) calls found: the pattern is stale"
    missing = sorted(k for k in used if k not in catalogue())
    assert missing == []


def test_every_problem_code_raised_by_a_reader_is_translated():
    codes = set()
    for path in SOURCES:
        codes |= set(re.findall(r"\bcode=\"([a-z0-9_.]+)\"", path.read_text(encoding="utf-8")))
    missing = sorted(c for c in codes if f"problem.{c}" not in catalogue())
    assert missing == []


def test_dynamic_keys_exist():
    for usage in USAGES:
        assert f"usage.{usage}" in catalogue()
    for month in range(1, 13):
        assert f"month.{month}" in catalogue()


def test_french_is_the_default_and_english_available():
    assert t("nav.rooftop_map") == "Carte des toits"
    assert t("nav.rooftop_map", "en") == "Rooftop map"


def test_missing_key_is_an_error_not_a_blank():
    with pytest.raises(KeyError):
        t("no.such.key")


def test_describe_names_line_and_field_and_keeps_unknown_messages():
    error = ReadError("bad value", path="x.csv", line=12, field="Valeur", code="unreadable")
    assert describe(error, "fr") == "Le fichier n'a pas pu être lu. (ligne 12, champ « Valeur »)"
    assert describe(error, "en") == "The file could not be read. (line 12, field 'Valeur')"
    unknown = Problem("code_without_entry", "Plain English message.", line=3)
    assert describe(unknown, "en") == "Plain English message. (line 3)"


def test_numbers_follow_each_language():
    from quartier_solaire.i18n import number, percent

    assert number(1234.5, "fr", decimals=1) == "1\u202f234,5"
    assert number(1234.5, "en", decimals=1) == "1,234.5"
    assert percent(0.94, "fr") == "94\u202f%"
    assert percent(0.94, "en") == "94%"


def test_names_from_files_are_shown_as_written():
    from quartier_solaire.i18n import literal

    assert literal("[clic](x)") == "\\[clic\\]\\(x\\)"
    assert literal("**gras**") == "\\*\\*gras\\*\\*"
    assert literal("bat-12") == "bat\\-12"


def test_findings_shown_in_markdown_escape_what_came_from_the_file():
    finding = Problem(
        "household_offpeak_unreadable", "x", field="offpeak_windows", params={"window": "[a](b)"}
    )
    assert "« \\[a\\]\\(b\\) »" in describe(finding, "fr", markdown=True)
    assert "« [a](b) »" in describe(finding, "fr")


# The autolink-literal patterns of Streamlit's Markdown (mdast-util-gfm-autolink-literal,
# as found in streamlit/static/.../StreamlitMarkdown.*.js), applied to text nodes after
# escapes are resolved; the e-mail one without its look-behind, so it matches more.
_GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
_GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")


@pytest.mark.parametrize(
    "name",
    [
        "![t](http://evil.example/x.png)",
        "[clic](https://evil.example)",
        "HTTPS://evil.example/a",
        "voir www.evil.example",
        "contact@evil.example",
    ],
)
def test_literal_names_are_never_autolinked(name):
    from quartier_solaire.i18n import literal

    shown = literal(name)
    unescaped = re.sub(r"\\(.)", r"\1", shown)  # what the Markdown text node holds
    assert not _GFM_URL.search(unescaped) and not _GFM_EMAIL.search(unescaped)
    assert unescaped.replace("\u2060", "") == name  # reads exactly as written
