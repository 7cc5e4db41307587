"""A building upload that cannot be used says why and where it goes; the page stays usable.

And a file whose buildings lie in groups far apart says so and offers to keep the main one.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from app_pages import _state
from planner.files import kind_message
from tests.conftest import DATA, ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 120
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _upload(lang: str, name: str, payload: bytes, at: AppTest | None = None) -> AppTest:
    if at is None:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.session_state[_state.LANG] = lang
        at.run()
        at.radio(key=_state.BUILDINGS_SOURCE).set_value("file").run()
    at.file_uploader(key=_state.BUILDINGS_UPLOAD).set_value((name, payload, "application/json"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _buildings_shown(at: AppTest, lang: str = "fr") -> str:
    label = "Bâtiments" if lang == "fr" else "Buildings"
    return next(m for m in at.metric if m.label == label).value


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("consumption/weather_pvgis.csv", "weather"),
        ("consumption/data_connect_v5_daily.json", "consumption"),
        ("consumption/empty.csv", "empty"),
    ],
)
def test_a_file_of_another_kind_says_where_to_drop_it_and_the_map_stays(path, kind):
    file = DATA / path
    at = _upload("fr", file.name, file.read_bytes())
    assert any(kind_message(kind, "fr") in e.value for e in at.error), [e.value for e in at.error]
    assert not any("n'a pas pu être lu" in e.value for e in at.error)
    # The page goes on with the demo: title, summary, sidebar.
    assert at.title and _buildings_shown(at)
    assert at.radio(key=_state.BUILDINGS_SOURCE).value == "file"


def test_an_empty_collection_says_there_is_no_building_in_english():
    file = DATA / "buildings" / "hostile" / "empty_collection.geojson"
    at = _upload("en", file.name, file.read_bytes())
    assert any("no building in this file" in e.value for e in at.error)
    assert at.title and _buildings_shown(at, "en")


def test_slivers_only_say_why_each_was_dropped():
    file = DATA / "buildings" / "hostile" / "only_slivers.geojson"
    at = _upload("en", file.name, file.read_bytes())
    (error,) = [e.value for e in at.error]
    assert "all 2 feature(s)" in error and "smaller than 2" in error


def test_a_failed_upload_keeps_the_previous_buildings_on_the_map():
    good = DATA / "buildings" / "cadastre_batiments.geojson"
    at = _upload("fr", good.name, good.read_bytes())
    assert _buildings_shown(at) == "3"
    weather = DATA / "consumption" / "weather_pvgis.csv"
    at = _upload("fr", weather.name, weather.read_bytes(), at)
    assert any(kind_message("weather", "fr") in e.value for e in at.error)
    assert _buildings_shown(at) == "3"


def _two_groups() -> bytes:
    """40 houses in Rennes and 10 on a campus 75 km to the north (the Rennes campus file)."""

    def houses(lon, lat, n, prefix):
        x = lon + (pd.RangeIndex(n) % 7).to_numpy() * 0.0006
        y = lat + (pd.RangeIndex(n) // 7).to_numpy() * 0.0006
        return gpd.GeoDataFrame(
            {"id": [f"{prefix}{i}" for i in range(n)], "height": 9.0},
            geometry=shapely.box(x, y, x + 0.00013, y + 0.00009),
            crs="EPSG:4326",
        )

    lon, lat, _ = GEOD.fwd(-1.68, 48.11, 0.0, 75_000.0)
    both = pd.concat([houses(-1.68, 48.11, 40, "r"), houses(lon, lat, 10, "c")])
    return gpd.GeoDataFrame(both, crs="EPSG:4326").to_json().encode()


def test_a_scattered_file_is_flagged_and_its_main_group_can_be_kept():
    from app_pages import _cache

    at = _upload("en", "campus.geojson", _two_groups())
    assert any("10 building(s)" in w.value and "75 km" in w.value for w in at.sidebar.warning)
    assert _buildings_shown(at, "en") == "50"
    at.checkbox(key=_state.KEEP_MAIN_GROUP).check().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _buildings_shown(at, "en") == "40"
    # The site is the main group's centre, not the bounding box's (37 km north of it).
    dataset = _cache.Dataset("file:x", "campus.geojson", _two_groups())
    site = _cache.site(dataset)
    assert GEOD.inv(site.longitude, site.latitude, -1.678, 48.111)[2] < 500
