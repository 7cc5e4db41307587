"""A screened city in the browser: hexagons, then the buildings in view, a click, the view kept."""

import os
import time

import pytest

from app_pages import _city
from bench.screening_demo import write_screening
from tests.app import leaflet_js
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

HEXAGONS = """() => {
    let n = 0;
    window.map.eachLayer(l => { if (l.feature && l.feature.properties.label) { n++; } });
    return n;
}"""


@pytest.fixture(scope="module")
def screenings_env(tmp_path_factory):
    """A screenings folder with 'ville' (4,000 buildings), named to the app's server."""
    base = tmp_path_factory.mktemp("screenings")
    write_screening(base / "ville", 4_000)
    before = os.environ.get(_city.SCREENINGS_ENV)
    os.environ[_city.SCREENINGS_ENV] = str(base)
    yield base
    if before is None:
        del os.environ[_city.SCREENINGS_ENV]
    else:
        os.environ[_city.SCREENINGS_ENV] = before


@pytest.fixture(scope="module")
def app_url(screenings_env, app_url):
    """The app's server, started once the screenings folder is in its environment."""
    return app_url


def _map_frame(page, timeout_s=90):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "st_folium" in frame.url and not frame.is_detached():
                try:
                    if frame.evaluate("!!window.map"):
                        return frame
                except Exception:  # the frame went away while we looked
                    pass
        page.wait_for_timeout(300)
    raise AssertionError("the map never appeared")


def test_hexagons_then_buildings_in_view_a_click_selects_and_the_view_stays(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.goto(app_url, wait_until="domcontentloaded")
    side = page.locator("section[data-testid='stSidebar']")
    side.get_by_text("Un résultat de criblage (dossier GeoParquet)").click()
    field = side.get_by_label("Dossier du criblage")
    field.fill("ville")
    field.press("Enter")
    page.get_by_text("Toits adaptés").first.wait_for(timeout=60_000)
    frame = _map_frame(page)
    # Zoomed out over 4,000 buildings: hexagons, not buildings, even once the
    # map has told the server its view.
    frame.wait_for_function(HEXAGONS, timeout=60_000)
    page.wait_for_timeout(2_000)
    assert frame.evaluate(HEXAGONS) > 0
    assert frame.evaluate(leaflet_js.COUNT) == 0
    # Zoom in on the middle: the buildings in view are drawn, and only those.
    frame.evaluate("window.map.setZoom(17, {animate: false}); true")
    frame.wait_for_function(leaflet_js.COUNT, timeout=60_000)
    drawn = frame.evaluate(leaflet_js.COUNT)
    assert 0 < drawn < 4_000
    assert frame.evaluate(HEXAGONS) == 0
    zoom = frame.evaluate("window.map.getZoom()")
    clicked = leaflet_js.click_largest(page, frame)
    page.get_by_role("heading", name=f"Bâtiment {clicked}").wait_for(timeout=30_000)
    page.wait_for_timeout(1_000)
    frame = _map_frame(page)
    assert frame.evaluate("window.map.getZoom()") == zoom, "the click moved the map"
    assert frame.evaluate(leaflet_js.OUTLINED) == 1
    page.screenshot(path=str(ROOT / ".pytest_cache" / "city_map.png"))
    page.close()
