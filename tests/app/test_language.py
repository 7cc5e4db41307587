"""French means French, English means English: every page, every text a person reads.

Each page is rendered with AppTest in both languages, in the states a user
meets (a building selected on the map; Mon foyer with an estimate and with an
uploaded curve; the method page), every text element is collected (titles,
Markdown, captions, metric labels and values, table headers and cells, widget
labels, options and help, expanders, tabs, alerts, chart titles and ticks) and
each is checked for a raw identifier (``specific_kwh_per_year``), a ``None``
or ``nan``, and for words of the other language.
"""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _state
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120
CURVE = ROOT / "tests" / "data" / "consumption" / "enedis_load_curve_30min.csv"

# Words that only the other language uses, and that our own strings would
# contain if they leaked (short lists: precise, so that a hit is a real leak).
ENGLISH_WORDS = (
    "the",
    "of",
    "and",
    "with",
    "assumed",
    "roof",
    "roofs",
    "building",
    "per year",
    "yield",
    "missing",
    "not modelled",
    "footprint",
    "default",
    "assumption",
)
FRENCH_WORDS = (
    "le",
    "les",
    "des",
    "du",
    "avec",
    "toit",
    "toits",
    "bâtiment",
    "par an",
    "supposé",
    "supposée",
    "hypothèse",
    "pente",
    "emprise",
    "année",
)
# snake_case identifiers: word_word; file paths and URLs are cut out first.
IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")
# Quoted names (a tag, a column, a value from the file) are shown as written.
PATH_OR_URL = re.compile(
    r"\S*[/\\]\S*|\S+\.(toml|csv|json|py|geojson)\b|«[^»]*»|(?<!\w)'[^'\s][^']*'(?!\w)"
)
MISSING = re.compile(r"\b(None|nan|NaN|NaT)\b")


def _plotly_texts(spec: dict) -> list[str]:
    out = []
    for trace in spec.get("data", []):
        if isinstance(trace.get("name"), str):
            out.append(trace["name"])
    layout = spec.get("layout", {})
    for key, value in layout.items():
        if not isinstance(value, dict):
            continue
        title = value.get("text") if key == "title" else (value.get("title") or {}).get("text")
        if isinstance(title, str):
            out.append(title)
        out += [str(v) for v in value.get("ticktext", [])]
    return out


def _dataframe_texts(element) -> list[str]:
    out = []
    config = json.loads(element.proto.columns or "{}")
    frame = element.value
    for column in frame.columns:
        label = (config.get(f"name:{column}") or config.get(str(column)) or {}).get("label")
        out.append(label or str(column))
    for column in frame.columns:
        cells = frame[column]
        if cells.dtype == object or str(cells.dtype) in ("string", "str"):
            out += [str(v) for v in cells if isinstance(v, str)]
        else:
            out += [str(v) for v in cells if str(v) in ("None", "nan", "NaN")]
    return out


def texts(at: AppTest) -> list[str]:
    """Every text a person reads on the rendered page (sidebar included)."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code"):
        out += [e.value for e in at.get(kind)]
    for kind in ("info", "warning", "error", "success"):
        out += [e.value for e in at.get(kind)]
    for metric in at.metric:
        out += [metric.label, metric.value]
    for element in at.dataframe:
        out += _dataframe_texts(element)
    for kind in ("selectbox", "radio", "multiselect"):
        for widget in at.get(kind):
            out += [widget.label, *map(str, widget.options)]
    for kind in (
        "button",
        "number_input",
        "text_input",
        "toggle",
        "slider",
        "checkbox",
        "file_uploader",
    ):
        for widget in at.get(kind):
            out += [widget.label, widget.help or ""]
    out += [e.label for e in at.expander]
    out += [tab.label for tab in at.tabs]
    for chart in at.get("plotly_chart"):
        out += _plotly_texts(json.loads(chart.proto.spec))
    return [text for text in out if text]


def leaks(at: AppTest, lang: str) -> list[str]:
    """Texts with a raw identifier, a missing value, or a word of the other language."""
    other = ENGLISH_WORDS if lang == "fr" else FRENCH_WORDS
    words = re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, other)) + r")(?![\w'’-])", re.I)
    found = []
    for text in texts(at):
        plain = PATH_OR_URL.sub(" ", text)
        for pattern in (IDENTIFIER, MISSING, words):
            match = pattern.search(plain)
            if match:
                found.append(f"{match.group(0)!r} in {text[:160]!r}")
                break
    return found


def _app(lang):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    at.run()
    return at


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def calendar_axes(at: AppTest) -> list[str]:
    """Charts whose x axis holds dates: on a typical year they show a year it does not have."""
    found = []
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec).get("data", []):
            x = trace.get("x") or []
            if isinstance(x, list) and x and isinstance(x[0], str) and DATE.match(x[0]):
                found.append(f"{trace.get('type')} starting {x[0]}")
    return found


def _check(at, lang):
    assert not at.exception, [e.value for e in at.exception]
    problems = leaks(at, lang) + calendar_axes(at)
    assert problems == [], "\n".join(problems)


def _some_building():
    from geodata.demo import demo_buildings

    return str(demo_buildings()["id"].iloc[0])


LANGS = pytest.mark.parametrize("lang", ["fr", "en"])


@LANGS
def test_rooftop_map_with_a_building_selected(lang):
    at = _app(lang)
    _check(at, lang)
    at.session_state[_state.SELECTED_BUILDING] = _some_building()
    at.run()
    assert at.dataframe, "the plane table is drawn"
    _check(at, lang)


@LANGS
def test_method_page(lang):
    at = _app(lang)
    at.switch_page("app_pages/method.py").run()
    assert at.dataframe, "the assumptions in force are drawn"
    _check(at, lang)


@LANGS
def test_collective_project(lang):
    at = _app(lang)
    at.switch_page("app_pages/collective.py").run()
    _check(at, lang)
    at.selectbox(key="coll_key").set_value("priority").run()
    at.checkbox(key="coll_battery").check().run()
    _check(at, lang)


def _my_home(lang):
    at = _app(lang)
    at.switch_page("app_pages/my_home.py").run()
    _check(at, lang)
    return at


@LANGS
def test_my_home_with_an_estimate(lang):
    at = _my_home(lang)
    at.radio(key=_state.HOME_MODE).set_value("estimate").run()
    at.number_input(key=_state.HOUSEHOLD["annual_kwh"]).set_value(4200.0).run()
    at.number_input(key=_state.HOUSEHOLD["floor_area_m2"]).set_value(90.0).run()
    at.number_input(key=_state.HOUSEHOLD["occupants"]).set_value(3).run()
    at.selectbox(key=_state.HOUSEHOLD["heating"]).set_value("heat_pump").run()
    at.session_state[_state.HOME_BUILDING] = _some_building()
    at.run()
    assert at.data_editor, "the estimate's assumptions are drawn"
    assert at.metric, "the roof comparison is drawn"
    _check(at, lang)


@LANGS
def test_my_home_with_an_uploaded_curve(lang):
    at = _my_home(lang)
    at.file_uploader(key=_state.home_upload_key()).set_value(
        (CURVE.name, CURVE.read_bytes(), "text/csv")
    ).run()
    at.session_state[_state.HOME_BUILDING] = _some_building()
    at.run()
    assert at.session_state[_state.HOME_PROFILE] is not None, "the curve was read"
    assert at.metric, "the roof comparison is drawn"
    _check(at, lang)


def test_the_checker_finds_what_it_looks_for():
    # Each pattern catches the leak it is meant for, on texts of the other language.
    class Page:
        def __init__(self, value):
            self.value = value

    class Fake:
        def __init__(self, strings):
            self.strings = strings

        def get(self, kind):
            return [Page(s) for s in self.strings] if kind == "markdown" else []

        metric = expander = tabs = dataframe = ()

    assert leaks(Fake(["roof_shape=flat assumed"]), "fr")
    assert leaks(Fake(["Valeur : None"]), "fr")
    assert leaks(Fake(["Production par an"]), "en")
    assert leaks(Fake(["pente de 35° supposée"]), "en")
    assert not leaks(Fake(["Pente de 35° (voir solar/data/climate_normals.toml)"]), "fr")
    assert not leaks(Fake(["4 200 kWh/an, l'offre de base"]), "fr")
    assert not leaks(Fake(["1 objet sans étiquette « building »"]), "fr")
    assert leaks(Fake(["the roof's 'flat' part, isn't it"]), "fr")


BUILDINGS_FILE = ROOT / "tests" / "data" / "buildings" / "osm_ogr2ogr.geojson"


@LANGS
def test_rooftop_map_with_an_uploaded_building_file_and_weather_file(lang, tmp_path):
    from tests.solar.test_weather_files import pvgis_frame, write_pvgis_csv

    weather = write_pvgis_csv(tmp_path / "pvgis.csv", pvgis_frame())
    at = _app(lang)
    at.radio(key=_state.BUILDINGS_SOURCE).set_value("file").run()
    at.file_uploader(key=_state.BUILDINGS_UPLOAD).set_value(
        (BUILDINGS_FILE.name, BUILDINGS_FILE.read_bytes(), "application/geo+json")
    ).run()
    at.radio(key=_state.WEATHER_SOURCE).set_value("upload").run()
    at.file_uploader(key=_state.WEATHER_UPLOAD).set_value(
        (weather.name, weather.read_bytes(), "text/csv")
    ).run()
    assert at.metric, "the map's summary is drawn"
    _check(at, lang)


@LANGS
def test_rooftop_map_when_pvgis_is_out_of_reach(lang, monkeypatch, tmp_path):
    import requests
    import streamlit as st

    import solar.pvgis

    def unreachable(*args, **kwargs):
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(solar.pvgis, "get_pvgis_tmy", unreachable)
    monkeypatch.setattr(solar.pvgis, "default_cache_dir", lambda: tmp_path)
    st.cache_data.clear()
    at = _app(lang)
    at.radio(key=_state.WEATHER_SOURCE).set_value("pvgis").run()
    st.cache_data.clear()
    assert at.warning, "the fallback is said"
    _check(at, lang)
