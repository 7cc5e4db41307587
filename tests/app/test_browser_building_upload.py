"""In the browser: a weather file dropped as buildings is named, and the map stays drawn."""

import time

import pytest

from planner.files import kind_message
from tests.app.test_browser import _building_paths
from tests.conftest import DATA

pytestmark = pytest.mark.browser


def test_a_weather_file_dropped_as_buildings_is_redirected_and_the_map_stays(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Mon fichier de bâtiments").click(timeout=60_000)
    page.locator("section[data-testid='stSidebar'] input[type=file]").first.set_input_files(
        str(DATA / "consumption" / "weather_pvgis.csv")
    )
    page.get_by_text(kind_message("weather", "fr")).wait_for(timeout=60_000)
    assert page.get_by_text("Le fichier n'a pas pu être lu").count() == 0
    # The demo neighbourhood is still drawn, and the sidebar still answers.
    deadline = time.monotonic() + 60
    while _building_paths(page) < 150 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert _building_paths(page) >= 150
    page.get_by_text("Hypothèses (modifiables)").first.click(timeout=10_000)
    page.get_by_text("Pertes du système").first.wait_for(timeout=10_000)
    page.close()
