"""The collective project as a cooperative sees it: chart, map, another key, the key file.

Starts its own app server (module-scoped fixtures in conftest.py) and drives
Debian's Chromium with Playwright.
"""

import io
import time

import pytest

from planner.allocation import read_key_csv
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


def _settled(page):
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(1_000)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=120_000)


def _metric(page, label):
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text()


def test_collective_page_changes_key_and_downloads_it(app_url, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 2000})
    page.goto(f"{app_url}/projet-collectif", wait_until="domcontentloaded")
    page.get_by_role(
        "heading", name="Projet collectif : partager la production des toits"
    ).wait_for(timeout=120_000)
    page.get_by_text("consommations sont des ESTIMATIONS").wait_for(timeout=120_000)
    _settled(page)

    # The flows chart and the map with the producer roofs and the perimeter.
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 3
    deadline = time.monotonic() + 120
    frame = None
    while time.monotonic() < deadline and frame is None:
        frame = next((f for f in page.frames if "st_folium" in f.url), None)
        if frame is None:
            page.wait_for_timeout(500)
    assert frame is not None, "the map frame never appeared"
    paths = frame.locator("path.leaflet-interactive")
    paths.first.wait_for(state="attached", timeout=60_000)
    assert paths.count() >= 150
    frame.locator("path.leaflet-interactive[stroke='#dc2626']").first.wait_for(
        state="attached", timeout=30_000
    )  # the perimeter's segment
    page.screenshot(path=str(ROOT / ".pytest_cache" / "collective_top.png"))

    # Another key: the figures follow.
    before = _metric(page, "Taux d'autoconsommation")
    page.get_by_label("Clé de répartition", exact=True).click()
    page.get_by_role("option", name="Statique").click()
    _settled(page)
    page.get_by_text("une part fixe de la production").wait_for(timeout=60_000)
    assert _metric(page, "Taux d'autoconsommation") != before

    # The key file for Enedis: one line per 15-min step, read back by our reader.
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Clé de répartition pour Enedis (CSV)").click()
    text = open(download.value.path(), encoding="utf-8").read()
    coefficients = read_key_csv(io.StringIO(text))
    assert len(coefficients) == 35_040
    assert list(coefficients.columns)[:2] == ["P01", "P02"]
    assert (coefficients.sum(axis=1) <= 1 + 1e-9).all()
    page.screenshot(path=str(ROOT / ".pytest_cache" / "collective.png"), full_page=True)
    page.close()
