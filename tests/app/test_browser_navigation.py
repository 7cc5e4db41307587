"""What a user did survives a change of page or a click; the map works offline; the server is local.

Starts the app with `quartier-solaire run` on a free port (tests/app/conftest.py)
and drives Debian's Chromium. The machine has no internet: the background tiles
and OpenStreetMap are out of reach, as they are for a user offline.
"""

import re
import time
from pathlib import Path

import pvlib
import pytest

from tests.app import leaflet_js
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SHOTS = ROOT / ".pytest_cache"
# A real TMY3 year shipped with pvlib (Greensboro, NC): a weather file the app has never seen.
WEATHER = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
TILES = re.compile(r"tile\.openstreetmap\.org")


def _page(browser, app_url, path=""):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    # Deterministic offline tiles, whatever the machine's network.
    page.route(TILES, lambda route: route.abort("internetdisconnected"))
    page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
    return page


def _sidebar(page):
    return page.locator("section[data-testid='stSidebar']")


DRAWN = "!!(window.map && window.qsBuildings && window.qsBuildings.getLayers().length)"
TILE_LAYERS = """() => {
    let n = 0;
    window.map.eachLayer(l => { if (l instanceof L.TileLayer) { n++; } });
    return n;
}"""


def _map_frame(page, timeout_s=90):
    """Return the frame of the map once Leaflet has drawn its buildings in it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "st_folium" not in frame.url or frame.is_detached():
                continue
            try:
                if frame.evaluate(DRAWN):
                    return frame
            except Exception:  # the frame went away while we looked: look again
                pass
        page.wait_for_timeout(300)
    raise AssertionError("the map never appeared")


def _metrics(page):
    page.locator("[data-testid='stMetric']").first.wait_for(timeout=90_000)
    return page.locator("[data-testid='stMetric']").all_inner_texts()


def _wait_for_value(read, expected, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        value = read()
    return value


def test_the_server_answers_this_machine_only(app_url):
    # The fixture starts the app as `make run` does; find its listening socket.
    port = int(app_url.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                listening.append(address)
    if not listening:
        pytest.skip("no /proc/net/tcp on this system")
    assert listening == ["0100007F"], f"listening on {listening}, not 127.0.0.1 only"


def test_language_files_assumption_and_figures_survive_a_change_of_page(app_url, browser, tmp_path):
    from geodata.demo import demo_buildings

    buildings = tmp_path / "mon_quartier.geojson"
    demo_buildings(seed=3).iloc[:40].to_file(buildings, driver="GeoJSON")
    page = _page(browser, app_url)
    side = _sidebar(page)

    # English first.
    side.locator("[data-testid='stSelectbox']").first.click(timeout=90_000)
    page.get_by_role("option", name="English").click()
    page.get_by_role("heading", name="The solar potential of every roof").wait_for(timeout=60_000)
    # Our own buildings and our own weather year.
    side.get_by_text("My buildings file").click()
    side.locator("input[type=file]").first.set_input_files(str(buildings))
    page.get_by_text("What we read: 40 buildings", exact=False).wait_for(timeout=90_000)
    side.get_by_text("My file (PVGIS, EPW, TMY3)").click()
    side.locator("input[type=file]").nth(1).set_input_files(str(WEATHER))
    page.get_by_text("km from the neighbourhood", exact=False).first.wait_for(timeout=90_000)
    # One assumption changed.
    side.get_by_text("Assumptions (editable)").click()
    density = side.get_by_role("spinbutton", name="Module power density [kWp/m²]")
    density.fill("0.15")
    density.press("Enter")
    _wait_for_value(lambda: density.input_value(), "0.15")
    page.wait_for_timeout(1_500)
    _map_frame(page)
    before = _metrics(page)
    assert before[0].endswith("40"), before
    page.screenshot(path=str(SHOTS / "navigation_before.png"), full_page=True)

    # Away and back, through the menu as a user does.
    side.get_by_role("link", name="Method and sources").click()
    page.get_by_role("heading", name="Method and sources").wait_for(timeout=60_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "navigation_method.png"), full_page=True)
    side.get_by_role("link", name="Rooftop map").click()
    page.get_by_role("heading", name="The solar potential of every roof").wait_for(timeout=60_000)
    _map_frame(page)
    page.wait_for_timeout(1_500)
    page.screenshot(path=str(SHOTS / "navigation_after.png"), full_page=True)

    assert side.get_by_role("combobox", name="Langue / Language").input_value() == "English"
    assert side.get_by_text("mon_quartier.geojson").count() == 1
    assert side.get_by_text(WEATHER.name).count() == 1
    assert density.input_value() == "0.15"
    assert page.get_by_text("What we read: 40 buildings", exact=False).count() == 1
    assert _metrics(page) == before
    page.close()


ZOOM_ON_LARGEST = """() => {
    let best = null, area = 0;
    window.map.eachLayer(l => {
        if (!l.feature || !l.getBounds) { return; }
        const b = l.getBounds();
        const a = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
        if (a > area) { area = a; best = l; }
    });
    window.map.setView(best.getBounds().getCenter(), window.map.getZoom() + 2, {animate: false});
}"""


def _zoom(frame):
    return frame.evaluate("window.map.getZoom()")


def test_a_click_on_a_building_keeps_the_map_view(app_url, browser):
    page = _page(browser, app_url)
    frame = _map_frame(page)
    page.get_by_text("Cliquez sur un bâtiment").wait_for(timeout=60_000)
    start = _zoom(frame)
    # Zoom in two levels on the largest building, as a user exploring a street does.
    frame.evaluate(ZOOM_ON_LARGEST)
    page.wait_for_timeout(800)
    zoomed = _zoom(frame)
    assert zoomed == start + 2
    centre = frame.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng]")
    # Click it, in the middle of the map.
    box = page.locator("iframe[title*='st_folium']").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_role("heading", name=re.compile(r"^Bâtiment \S+")).wait_for(timeout=60_000)
    page.wait_for_timeout(1_500)
    after = _map_frame(page)
    assert _zoom(after) == zoomed, "the click zoomed the map back out"
    kept = after.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng]")
    assert kept == pytest.approx(centre, abs=1e-4)
    page.screenshot(path=str(SHOTS / "map_view_after_click.png"))
    page.close()


def test_offline_the_background_switches_off_and_is_not_credited(app_url, browser):
    page = _page(browser, app_url)
    frame = _map_frame(page)
    note = frame.locator(".qs-no-basemap")
    note.wait_for(timeout=30_000)
    assert "Fond de carte indisponible" in note.inner_text()
    assert frame.evaluate(TILE_LAYERS) == 0
    assert "OpenStreetMap" not in frame.locator(".leaflet-control-attribution").inner_text()
    assert leaflet_js.count(frame) >= 150, "buildings still drawn"
    page.screenshot(path=str(SHOTS / "map_offline_background.png"))
    page.close()


def test_openstreetmap_button_follows_the_view_and_fails_fast_offline(app_url, browser):
    page = _page(browser, app_url)
    side = _sidebar(page)
    frame = _map_frame(page)
    side.get_by_text("OpenStreetMap (en ligne)").click()
    button = side.get_by_role("button", name="Charger les bâtiments de la zone affichée")
    # Enabled without a click on the map: the view's bounds came back on their own.
    deadline = time.monotonic() + 60
    while not button.is_enabled() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert button.is_enabled()
    # Zoom far out: the button reads the new view, which is too large to fetch.
    frame = _map_frame(page)
    frame.evaluate("window.map.setZoom(11); true")
    page.wait_for_timeout(2_500)
    button.click()
    side.get_by_text("zoomez jusqu'à", exact=False).wait_for(timeout=30_000)
    # Back in to the neighbourhood: now it asks OpenStreetMap, which is out of reach.
    frame = _map_frame(page)
    frame.evaluate("window.map.setZoom(17); true")
    page.wait_for_timeout(2_500)
    start = time.monotonic()
    button.click()
    side.get_by_text("Le serveur OpenStreetMap est injoignable", exact=False).wait_for(
        timeout=30_000
    )
    assert time.monotonic() - start < 15
    page.screenshot(path=str(SHOTS / "osm_offline.png"))
    page.close()
