"""Every page renders without exception, in both languages; the map page's details work."""

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import _state
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120  # first run builds the weather year and simulates every roof


def _app(lang="fr"):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[_state.LANG] = lang
    return at


@pytest.mark.parametrize("page", [p[0] for p in _state.PAGES])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_renders(page, lang):
    at = _app(lang)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


def test_default_page_is_the_rooftop_map_with_its_summary():
    at = _app()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Le potentiel solaire de chaque toit"
    labels = [m.label for m in at.metric]
    assert {"Bâtiments", "Puissance installable", "Production annuelle", "Toits adaptés"} <= set(
        labels
    )
    buildings = next(m for m in at.metric if m.label == "Bâtiments")
    assert int(buildings.value.replace("\u202f", "")) >= 150
    assert any("synthétique" in c.value for c in at.caption)


def test_english_is_one_click_away():
    at = _app()
    at.run()
    at.selectbox(key=_state.LANG).set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "The solar potential of every roof"


def test_selected_building_shows_planes_and_monthly_chart():
    at = _app()
    at.run()
    from geodata.demo import demo_buildings

    building = str(demo_buildings()["id"].iloc[0])
    at.session_state[_state.SELECTED_BUILDING] = building
    at.run()
    assert not at.exception
    from quartier_solaire.i18n import literal

    assert any(literal(building) in h.value for h in at.subheader)
    assert len(at.dataframe) >= 1
    planes = at.dataframe[0].value
    assert len(planes) >= 1
    assert (planes.iloc[:, 0] >= 0).all()  # tilt column
    assert at.get("plotly_chart"), "monthly production chart is drawn"


def test_changing_an_assumption_changes_the_result():
    at = _app()
    at.run()
    before = next(m for m in at.metric if m.label == "Puissance installable").value
    at.number_input(key=_state.MODULE_DENSITY).set_value(0.15).run()
    assert not at.exception
    after = next(m for m in at.metric if m.label == "Puissance installable").value
    assert before != after


def test_upload_source_asks_for_a_file():
    at = _app("en")
    at.run()
    at.radio(key=_state.WEATHER_SOURCE).set_value("upload").run()
    assert not at.exception
    assert any("Drop a weather file" in i.value for i in at.info)


def test_weather_from_another_climate_is_flagged(monkeypatch):
    from pathlib import Path

    import pvlib
    import streamlit as st

    from app_pages import _cache
    from solar.weather_files import read_weather_file

    # A real TMY3 year for Greensboro, NC, shipped with pvlib, stands in for PVGIS.
    greensboro = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
    monkeypatch.setattr(_cache, "weather_for_site", lambda *a, **k: read_weather_file(greensboro))
    st.cache_data.clear()
    at = _app("en")
    at.run()
    at.radio(key=_state.WEATHER_SOURCE).set_value("pvgis").run()
    st.cache_data.clear()
    assert not at.exception
    assert any("km from the neighbourhood" in w.value for w in at.warning)


def _my_home(lang="fr"):
    at = _app(lang)
    at.run()
    at.switch_page("app_pages/my_home.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_my_home_estimate_compares_with_the_roof():
    from geodata.demo import demo_buildings

    at = _my_home()
    at.radio(key=_state.HOME_MODE).set_value("estimate").run()
    at.selectbox(key=_state.HOUSEHOLD["heating"]).set_value("electric_direct").run()
    assert not at.exception, [e.value for e in at.exception]
    markdown = " ".join(m.value for m in at.markdown)
    assert "Estimation" in markdown, "an estimated profile is labelled as such"
    # No building picked yet: the page asks for one instead of inventing a roof.
    assert any("Cliquez sur votre bâtiment" in i.value for i in at.info)

    at.session_state[_state.HOME_BUILDING] = str(demo_buildings()["id"].iloc[0])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = {m.label: m.value for m in at.metric}
    assert "Production de mon toit" in labels
    covered = labels["Ma consommation couverte"]
    assert covered.endswith("%") and 0 < float(covered.split("\u202f")[0].replace(",", ".")) < 100
    assert len(at.get("plotly_chart")) >= 5  # 4 profile views + the roof comparison


def test_my_home_inconsistent_description_is_reported_in_plain_words():
    at = _my_home("en")
    at.radio(key=_state.HOME_MODE).set_value("estimate").run()
    # A bill of 500 kWh/yr cannot hold 20,000 km of electric driving (~3,600 kWh).
    at.number_input(key=_state.HOUSEHOLD["annual_kwh"]).set_value(500.0).run()
    at.number_input(key=_state.HOUSEHOLD["ev_km_per_year"]).set_value(20000.0).run()
    assert not at.exception, [e.value for e in at.exception]
    findings = " ".join(m.value for m in at.markdown)
    assert "below the electric-car charging alone" in findings
    assert any("What we found" in e.label for e in at.expander)


def test_forget_my_data_clears_the_session():
    at = _my_home()
    at.session_state[_state.HOME_BUILDING] = "anything"
    at.session_state[_state.HOME_PROFILE] = {"key": None}
    at.run()
    at.button(key=_state.HOME_FORGET).click().run()
    assert at.session_state[_state.HOME_BUILDING] is None
    assert _state.HOME_PROFILE not in at.session_state


def _bounds(west, south, east, north):
    return {
        "bounds": {
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        }
    }


def test_openstreetmap_area_of_the_map_view_is_loaded(monkeypatch):
    import streamlit as st

    from app_pages import _cache
    from geodata.demo import demo_buildings
    from geodata.io import BuildingReport

    fetched = []

    def fake_fetch(bbox):
        fetched.append(bbox)
        frame = demo_buildings().iloc[:40]
        report = BuildingReport("OpenStreetMap (osmnx)", 40, 2, 1, 10, 5, "EPSG:4326", False)
        return frame, report

    monkeypatch.setattr(_cache, "fetch_osm_buildings", fake_fetch)
    st.cache_data.clear()
    at = _app()
    at.run()
    at.radio(key=_state.BUILDINGS_SOURCE).set_value("osm").run()
    at.session_state[_state.MAP_OSM] = _bounds(-1.600, 47.200, -1.590, 47.206)
    at.run()
    at.button(key=_state.OSM_FETCH).click().run()
    st.cache_data.clear()
    assert not at.exception, [e.value for e in at.exception]
    assert fetched == [(-1.6, 47.2, -1.59, 47.206)]
    assert any("zone OpenStreetMap" in c.value for c in at.caption)
    assert any("Ce que nous avons lu : 40 bâtiments" in e.label for e in at.expander)
    buildings = next(m for m in at.metric if m.label == "Bâtiments")
    assert buildings.value == "40"


def test_openstreetmap_area_too_large_is_refused():
    at = _app()
    at.run()
    at.radio(key=_state.BUILDINGS_SOURCE).set_value("osm").run()
    at.session_state[_state.MAP_OSM] = _bounds(-1.70, 47.15, -1.50, 47.25)
    at.run()
    at.button(key=_state.OSM_FETCH).click().run()
    assert not at.exception
    assert any("zoomez" in e.value for e in at.error)


def test_my_home_offpeak_hours_are_the_residents_to_set():
    def week_chart(at):
        # The charts' specs, in page order: months, week, year, days.
        return at.get("plotly_chart")[1].proto.spec

    at = _my_home()
    at.radio(key=_state.HOME_MODE).set_value("estimate").run()
    before = next(m.value for m in at.markdown if "Consommation sur l'année type" in m.value)
    week_before = week_chart(at)
    at.text_input(key=_state.HOME_OFFPEAK).set_value("22h30-6h30").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    # Same energy over the year, laid in other hours: the total stays, the shape moves.
    after = next(m.value for m in at.markdown if "Consommation sur l'année type" in m.value)
    assert before == after
    assert week_chart(at) != week_before
    at.text_input(key=_state.HOME_OFFPEAK).set_value("la nuit").run()
    assert not at.exception
    assert any("« la nuit » n'est pas lisible" in e.value for e in at.error)


def test_a_building_without_roof_planes_gets_a_message_not_a_crash():
    at = _app()
    at.run()
    at.session_state[_state.SELECTED_BUILDING] = "no-such-building"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("no\\-such\\-building" in w.value for w in at.warning)


def test_pvgis_out_of_reach_falls_back_to_the_embedded_year_and_says_so(monkeypatch, tmp_path):
    import requests
    import streamlit as st

    import solar.pvgis

    def unreachable(*args, **kwargs):
        raise requests.ConnectionError("no route to host")

    monkeypatch.setattr(solar.pvgis, "get_pvgis_tmy", unreachable)
    monkeypatch.setattr(solar.pvgis, "default_cache_dir", lambda: tmp_path)
    st.cache_data.clear()
    at = _app()
    at.run()
    at.radio(key=_state.WEATHER_SOURCE).set_value("pvgis").run()
    st.cache_data.clear()
    assert not at.exception, [e.value for e in at.exception]
    assert any("PVGIS est injoignable" in w.value for w in at.warning)
    assert any("année type synthétique" in c.value for c in at.caption)
    assert next(m for m in at.metric if m.label == "Bâtiments").value == "186"


def _buildings_file(tmp_path, n=40):
    from geodata.demo import demo_buildings

    path = tmp_path / "quartier.geojson"
    demo_buildings(seed=3).iloc[:n].to_file(path, driver="GeoJSON")
    return path


# A real TMY3 year shipped with pvlib (Greensboro, NC): a weather file the app has never seen.
def _weather_file():
    from pathlib import Path

    import pvlib

    return Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_language_files_and_assumptions_survive_a_change_of_page(tmp_path):
    from quartier_solaire.i18n import literal

    at = _app()
    at.run()
    at.selectbox(key=_state.LANG).set_value("en").run()
    at.radio(key=_state.BUILDINGS_SOURCE).set_value("file").run()
    buildings = _buildings_file(tmp_path)
    at.file_uploader(key=_state.BUILDINGS_UPLOAD).upload(
        buildings.name, buildings.read_bytes(), "application/geo+json"
    ).run()
    at.radio(key=_state.WEATHER_SOURCE).set_value("upload").run()
    weather = _weather_file()
    at.file_uploader(key=_state.WEATHER_UPLOAD).upload(
        weather.name, weather.read_bytes(), "text/csv"
    ).run()
    at.number_input(key=_state.MODULE_DENSITY).set_value(0.15).run()
    assert not at.exception, [e.value for e in at.exception]
    before = _metrics(at)
    assert before["Buildings"] == "40"
    assert any(literal("quartier.geojson") in c.value for c in at.caption)

    for page in ("app_pages/method.py", "app_pages/my_home.py", "app_pages/rooftop_map.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.session_state[_state.LANG] == "en", page
        assert at.number_input(key=_state.MODULE_DENSITY).value == 0.15, page
        assert at.radio(key=_state.BUILDINGS_SOURCE).value == "file", page
        assert at.radio(key=_state.WEATHER_SOURCE).value == "upload", page
        assert at.file_uploader(key=_state.BUILDINGS_UPLOAD).value.name == "quartier.geojson"
        assert at.file_uploader(key=_state.WEATHER_UPLOAD).value.name == weather.name
    assert at.title[0].value == "The solar potential of every roof"
    assert any(literal("quartier.geojson") in c.value for c in at.caption)
    assert any("km from the neighbourhood" in w.value for w in at.warning), "weather file read"
    assert _metrics(at) == before, "same buildings, weather and assumptions: same figures"


def test_the_method_page_shows_the_assumptions_set_on_the_map_page():
    at = _app("en")
    at.run()
    at.switch_page("app_pages/method.py").run()
    defaults = at.dataframe[0].value
    at.switch_page("app_pages/rooftop_map.py").run()
    at.number_input(key=_state.LOSSES).set_value(10.0).run()
    at.switch_page("app_pages/method.py").run()
    assert not at.exception, [e.value for e in at.exception]
    changed = at.dataframe[0].value.compare(defaults)
    assert len(changed) == 1, "exactly one assumption differs: the losses"
    assert changed.iloc[0].str.contains("10").iloc[0]


def test_an_unexpected_error_in_a_page_is_a_message_not_a_traceback(monkeypatch, page_errors):
    from app_pages import _map

    def broken(*args, **kwargs):
        raise RuntimeError("/home/resident/conso-secret.csv 7302.6 kWh")

    monkeypatch.setattr(_map, "rooftop_map", broken)
    at = _app("en")
    at.run()
    assert not at.exception, "no traceback reaches the user"
    assert any("unexpected problem" in e.value for e in at.error)
    assert not any("secret" in e.value or "/home" in e.value for e in at.error)
    # The sidebar was drawn before the page and still works.
    at.selectbox(key=_state.LANG).set_value("fr").run()
    assert any("problème inattendu" in e.value for e in at.error)
    # The log says where, never what: no message, no value from the user's data.
    logged = " ".join(r.getMessage() for r in page_errors)
    assert "RuntimeError" in logged and "rooftop_map.py" in logged
    assert "secret" not in logged and "7302" not in logged
    page_errors.clear()  # provoked on purpose


def test_a_read_error_raised_in_a_page_says_what_went_wrong(monkeypatch):
    from app_pages import _map
    from quartier_solaire.errors import ReadError

    def unreadable(*args, **kwargs):
        raise ReadError("boom", code="not_recognised")

    monkeypatch.setattr(_map, "rooftop_map", unreadable)
    at = _app("en")
    at.run()
    assert not at.exception
    assert any("not of a known kind" in e.value for e in at.error)


def test_error_details_are_not_shown_to_users():
    import tomllib

    from streamlit.config import ShowErrorDetailsConfigOptions

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    value = config["client"]["showErrorDetails"]
    assert value == ShowErrorDetailsConfigOptions.NONE.value


@pytest.mark.parametrize(
    "lang, who",
    [
        ("fr", ("Habitant", "coopérative", "commune")),
        ("en", ("Residents", "cooperatives", "cities")),
    ],
)
def test_the_home_page_says_what_the_app_is_for_and_where_to_start(lang, who):
    import re

    from quartier_solaire.i18n import t

    at = _app(lang)
    at.run()
    assert not at.exception
    # Right under the title, before any figure: two lines.
    what, start = (m.value for m in at.main.markdown[:2])
    assert all(word in what for word in who)
    # Every place it sends the newcomer to is a page that exists, named as in the menu.
    titles = {t(title, lang) for _, title, _, _ in _state.PAGES}
    named = set(re.findall(r"\*\*(.+?)\*\*", start))
    assert named == titles - {t("nav.rooftop_map", lang)}


def test_changing_the_language_keeps_the_settings():
    at = _app()
    at.run()
    at.number_input(key=_state.MODULE_DENSITY).set_value(0.15).run()
    at.radio(key=_state.WEATHER_SOURCE).set_value("upload").run()
    at.selectbox(key=_state.LANG).set_value("en").run()
    assert not at.exception
    assert at.number_input(key=_state.MODULE_DENSITY).value == 0.15
    assert at.radio(key=_state.WEATHER_SOURCE).value == "upload"
