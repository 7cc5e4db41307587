"""The map as a person sees it: Leaflet from the app itself, buildings drawn, a click shows details.

Starts the app with `streamlit run` on a free port and drives Debian's Chromium
with Playwright. The machine has no internet: this also proves the map works
offline.
"""

import time

import pytest

from tests.app import leaflet_js
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


def test_a_page_opened_by_its_url_on_a_fresh_server_is_found(app_url, browser):
    # Runs first in this module: the server has had no session yet. A pages/
    # folder beside app.py made Streamlit answer "Page not found" here.
    page = browser.new_page()
    page.goto(f"{app_url}/methode", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Méthode et sources").wait_for(timeout=60_000)
    page.wait_for_timeout(1_000)
    assert page.get_by_text("Page not found").count() == 0
    page.close()


def test_map_renders_offline_and_a_click_shows_details(app_url, browser):
    # Tall enough for the whole map under the welcome: Playwright's scroll into view
    # between mouse down and up would read as a drag, not a click.
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    cdn_requests = []
    page.on(
        "request",
        lambda r: (
            cdn_requests.append(r.url)
            if "leaflet" in r.url and "/app/static/" not in r.url
            else None
        ),
    )
    page.goto(app_url, wait_until="domcontentloaded")

    # The map is in streamlit-folium's iframe; its buildings are Leaflet paths.
    deadline = time.monotonic() + 120
    frame = None
    while time.monotonic() < deadline and frame is None:
        frame = next((f for f in page.frames if "st_folium" in f.url), None)
        if frame is None:
            page.wait_for_timeout(500)
    assert frame is not None, "the map frame never appeared"
    frame.wait_for_function(leaflet_js.COUNT, timeout=60_000)
    assert leaflet_js.count(frame) >= 150
    # Drawn on a canvas: no SVG path per building.
    assert frame.locator("canvas.leaflet-interactive, .leaflet-overlay-pane canvas").count() >= 1
    assert frame.locator("path.leaflet-interactive").count() == 0
    assert frame.evaluate("typeof L !== 'undefined' && L.version") == "1.9.4"
    assert cdn_requests == [], f"Leaflet was requested from outside the app: {cdn_requests}"

    # Click the middle of the largest building in view; the details panel names it.
    page.get_by_text("Cliquez sur un bâtiment").wait_for(timeout=30_000)
    # A mark on the drawn layer: a map sent again would draw a new layer without it.
    frame.evaluate("window.qsBuildings.qsMark = 1")
    clicked = leaflet_js.click_largest(page, frame)
    page.get_by_role("heading", name=f"Bâtiment {clicked}").wait_for(timeout=30_000)
    # The outline came as a layer of its own: the map itself was not sent again.
    page.wait_for_timeout(1_000)
    assert not frame.is_detached()
    assert frame.evaluate("window.qsBuildings.qsMark") == 1, "the whole map was sent again"
    # And the outline of the clicked building is drawn.
    assert frame.evaluate(leaflet_js.OUTLINED) == 1
    page.get_by_text("Production mensuelle des pans adaptés").wait_for(timeout=30_000)
    page.screenshot(path=str(ROOT / ".pytest_cache" / "rooftop_map.png"))


def _enedis_year(path):
    """Write a full year of 30-min load curve in the Enedis customer-space layout."""
    import numpy as np
    import pandas as pd

    ends = pd.date_range("2024-01-01 00:30", "2025-01-01 00:00", freq="30min", tz="Europe/Paris")
    watts = 400 + 300 * np.sin(np.arange(len(ends)) / 48 * 2 * np.pi) ** 2
    lines = [
        "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;"
        "Grandeur metier;Etape metier;Unite;Pas en minutes",
        "12345678901234;Courbe de charge;01/01/2024;01/01/2025;Energie active;Consommation;"
        "Comptage Brut;W;30",
        "Horodate;Valeur",
    ]
    lines += [f"{t.isoformat()};{w:.0f}" for t, w in zip(ends, watts, strict=True)]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_resident_uploads_a_meter_file(app_url, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{app_url}/mon-foyer", wait_until="domcontentloaded")
    page.get_by_text("Vos données restent à vous", exact=False).wait_for(timeout=60_000)
    upload = page.locator("input[type=file]").first
    upload.set_input_files(str(_enedis_year(tmp_path / "conso.csv")))
    page.get_by_text("Mesuré par votre fichier", exact=False).wait_for(timeout=60_000)
    assert page.get_by_text("Mesuré", exact=True).count() >= 1
    page.get_by_text("Sur l'année type", exact=False).wait_for(timeout=10_000)
    assert page.get_by_text("conso.csv").count() == 1

    # "Forget my data": the profile and the file itself are gone from the page.
    page.get_by_role("button", name="Effacer mes données").click()
    measured = page.get_by_text("Mesuré par votre fichier", exact=False)
    measured.wait_for(state="detached", timeout=30_000)
    page.wait_for_timeout(1_000)
    assert page.get_by_text("conso.csv").count() == 0


def test_a_cooperative_opens_its_own_buildings_file(app_url, browser, tmp_path):
    from geodata.demo import demo_buildings

    # A city export in Lambert-93: the reader must reproject it, not relabel it.
    path = tmp_path / "batiments_lambert93.geojson"
    demo_buildings(seed=3).iloc[:60].to_crs(2154).to_file(path, driver="GeoJSON")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Mon fichier de bâtiments").click(timeout=60_000)
    page.locator("section[data-testid='stSidebar'] input[type=file]").first.set_input_files(
        str(path)
    )
    page.get_by_text("Ce que nous avons lu : 60 bâtiments").wait_for(timeout=60_000)
    page.get_by_text("batiments_lambert93.geojson", exact=False).first.wait_for(timeout=10_000)
    deadline = time.monotonic() + 60
    while _building_paths(page) != 60 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert _building_paths(page) == 60


def _building_paths(page):
    """Count the buildings drawn on the map; the map's frame is remounted when data change."""
    for frame in page.frames:
        if "st_folium" in frame.url:
            try:
                return leaflet_js.count(frame)
            except Exception:  # the frame went away while counting: look again
                return -1
    return -1
