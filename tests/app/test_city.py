"""A screened city on the rooftop page: figures from the domain, hexagons, sites to download."""

import csv
import io
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from app_pages import _city, _state
from bench.screening_demo import demo_run, screened_buildings, write_screening
from planner.city import (
    HOUSEHOLD_KWH_PER_YEAR,
    by_district,
    by_hexagon,
    candidate_sites,
    city_figures,
    hexagon_cells,
    in_view,
    read_screening,
    sites_csv,
    sites_geojson,
)
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import number, percent, t
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def screenings(tmp_path_factory):
    """A folder of screenings: 'ville' has 1,200 tiled demo buildings."""
    base = tmp_path_factory.mktemp("screenings")
    write_screening(base / "ville", 1_200, demo_run())
    return base


def test_read_screening_and_its_figures(screenings):
    buildings = read_screening(screenings / "ville")
    assert len(buildings) == 1_200 and buildings.crs.equals("EPSG:4326")
    figures = city_figures(buildings)
    assert figures.suitable_roofs == int(buildings["suitable"].sum()) > 0
    assert figures.suitable_mwp == pytest.approx(buildings["suitable_kwp"].sum() / 1e3)
    assert figures.annual_gwh == pytest.approx(buildings["suitable_annual_kwh"].sum() / 1e6)
    consumption = buildings["dwellings"].sum() * HOUSEHOLD_KWH_PER_YEAR / 1e6
    assert figures.consumption_gwh == pytest.approx(consumption)
    assert figures.coverage == pytest.approx(figures.annual_gwh / consumption)
    # Without dwellings the share is not guessed.
    assert city_figures(buildings.drop(columns="dwellings")).coverage is None


def test_hexagons_and_districts_add_up_to_the_area(screenings):
    buildings = read_screening(screenings / "ville")
    hexagons = by_hexagon(buildings, hexagon_cells(buildings, 9))
    assert hexagons["buildings"].sum() == len(buildings)
    assert hexagons["annual_gwh"].sum() == pytest.approx(city_figures(buildings).annual_gwh)
    # Every building's point lies in its own hexagon.
    assert all(hexagons.geometry.is_valid)
    districts = by_district(buildings)
    assert districts["suitable_roofs"].sum() == city_figures(buildings).suitable_roofs


def test_in_view_returns_exactly_the_buildings_touching_the_view(screenings):
    buildings = read_screening(screenings / "ville")
    west, south, east, north = buildings.total_bounds
    view = (west, south, (west + east) / 2, (south + north) / 2)
    expected = buildings.geometry.intersects(shapely.box(*view))
    assert set(in_view(buildings, view)["id"]) == set(buildings.loc[expected, "id"])
    assert 0 < expected.sum() < len(buildings)


def test_a_broken_screening_is_a_read_error(tmp_path):
    with pytest.raises(ReadError) as empty:
        read_screening(tmp_path)
    assert empty.value.code == "no_screening"
    (tmp_path / "buildings").mkdir()
    (tmp_path / "buildings" / "part-00000.parquet").write_text("not parquet")
    with pytest.raises(ReadError) as broken:
        read_screening(tmp_path)
    assert broken.value.code == "unreadable"
    frame = screened_buildings(20, demo_run()).drop(columns="kwp")
    frame.to_parquet(tmp_path / "buildings" / "part-00000.parquet")
    with pytest.raises(ReadError) as missing:
        read_screening(tmp_path)
    assert missing.value.code == "screening_column" and missing.value.field == "kwp"


def test_candidate_sites_are_the_largest_suitable_roofs_and_export_safely():
    buildings = gpd.GeoDataFrame(screened_buildings(400, demo_run()))
    buildings["name"] = None
    buildings.loc[buildings.index[buildings["suitable"]][0], "name"] = '=HYPERLINK("x")'
    buildings.loc[buildings["suitable"], "suitable_kwp"] += np.arange(buildings["suitable"].sum())
    sites = candidate_sites(buildings, 10)
    suitable = buildings.loc[buildings["suitable"]]
    assert list(sites["id"]) == list(suitable.nlargest(10, "suitable_kwp")["id"])
    assert bool(sites["suitable_kwp"].is_monotonic_decreasing)
    rows = list(
        csv.DictReader(io.StringIO(sites_csv(candidate_sites(buildings, 400)).decode("utf-8-sig")))
    )
    named = [r for r in rows if r["name"]]
    assert named and all(r["name"] == '\'=HYPERLINK("x")' for r in named)
    collection = json.loads(sites_geojson(sites))
    assert len(collection["features"]) == 10
    assert collection["features"][0]["properties"]["rank"] == 1


def _app(screenings, monkeypatch, lang="fr"):
    monkeypatch.setenv(_city.SCREENINGS_ENV, str(screenings))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[_state.LANG] = lang
    at.run()
    at.radio(key=_state.BUILDINGS_SOURCE).set_value("screening").run()
    return at


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_rooftop_page_shows_a_screened_city(screenings, monkeypatch, lang):
    at = _app(screenings, monkeypatch, lang)
    assert not at.exception
    at.text_input(key=_city.PATH_KEY).set_value("ville").run()
    assert not at.exception, [e.value for e in at.exception]
    figures = city_figures(read_screening(screenings / "ville"))
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("citymap.suitable_roofs", lang)] == number(figures.suitable_roofs, lang)
    assert shown[t("citymap.mwp", lang)] == number(figures.suitable_mwp, lang, decimals=1)
    assert shown[t("citymap.gwh", lang)] == number(figures.annual_gwh, lang, decimals=1)
    assert shown[t("citymap.coverage", lang)] == percent(figures.coverage, lang)
    sites = next(d.value for d in at.dataframe if t("citymap.col.rank", lang) in d.value.columns)
    assert len(sites) == 50
    assert sites.iloc[0][t("citymap.col.kwp", lang)] == pytest.approx(
        candidate_sites(read_screening(screenings / "ville"), 1)["suitable_kwp"].iloc[0], abs=0.05
    )
    assert {b.label for b in at.get("download_button")} == {
        t("citymap.download_csv", lang),
        t("citymap.download_geojson", lang),
    }


def test_a_path_outside_the_screenings_folder_is_refused(screenings, monkeypatch):
    at = _app(screenings, monkeypatch)
    at.text_input(key=_city.PATH_KEY).set_value("../..").run()
    assert not at.exception
    assert not at.metric
    assert any("n'existe pas dans le dossier des criblages" in i.value for i in at.info)


def test_in_view_of_a_point_finds_the_clicked_building(screenings):
    buildings = read_screening(screenings / "ville")
    target = buildings.iloc[7]
    point = target.geometry.representative_point()
    hits = in_view(buildings, (point.x, point.y, point.x, point.y))
    assert target["id"] in set(hits["id"])
