"""Mon foyer as a resident sees it: what they type is forgotten when they ask.

Starts its own app server (module-scoped fixtures in conftest.py) and drives
Debian's Chromium with Playwright.
"""

import pytest

from tests.app import leaflet_js
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

TYPED = {
    "Consommation annuelle (kWh/an, sur la facture)": "12345",
    "Surface chauffée (m²)": "87",
    "Nombre d'occupants": "4",
    "Voiture électrique rechargée à domicile (km/an)": "7000",
}


def _field(page, label):
    return page.get_by_label(label, exact=True)


def _type(page, label, value):
    field = _field(page, label)
    field.fill(value)
    field.press("Enter")
    page.wait_for_timeout(1_500)


def _settled(page):
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(1_000)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)


def _annual_total(page):
    """The 'Consommation sur l'année type' sentence as shown now."""
    return page.get_by_text("Consommation sur l'année type", exact=False).first.inner_text()


def _wait_until(page, condition, timeout_s=60):
    for _ in range(int(timeout_s * 4)):
        if condition():
            return
        page.wait_for_timeout(250)
    raise AssertionError("the page did not reach the expected state")


def test_forget_my_data_forgets_what_was_typed(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(f"{app_url}/mon-foyer", wait_until="domcontentloaded")
    page.get_by_text("Vos données restent à vous", exact=False).wait_for(timeout=60_000)
    page.get_by_text("Je décris mon logement").click()
    _field(page, "Nombre d'occupants").wait_for(timeout=60_000)
    for label, value in TYPED.items():
        _type(page, label, value)
        _settled(page)
    page.get_by_text("Consommation sur l'année type : 12\u202f345 kWh").wait_for(timeout=60_000)
    for label, value in TYPED.items():
        assert float(_field(page, label).input_value()) == float(value)

    page.get_by_role("button", name="Effacer mes données").click()
    _wait_until(page, lambda: "12\u202f345" not in _annual_total(page))
    _settled(page)
    forgotten = _annual_total(page)
    # Interact again elsewhere: a widget that kept its value would send it back now.
    # An apartment has other defaults, so the total changes once this run is done.
    page.get_by_label("Type de logement").click()
    page.get_by_role("option", name="Appartement").click()
    _wait_until(page, lambda: _annual_total(page) != forgotten)
    _settled(page)
    page.screenshot(path=str(ROOT / ".pytest_cache" / "my_home_forgotten.png"), full_page=True)

    assert _field(page, "Consommation annuelle (kWh/an, sur la facture)").input_value() == ""
    assert _field(page, "Surface chauffée (m²)").input_value() == ""
    assert _field(page, "Nombre d'occupants").input_value() == ""
    assert _field(page, "Voiture électrique rechargée à domicile (km/an)").input_value() == "0"
    body = page.locator("body").inner_text()
    assert "12\u202f345" not in body and "12345" not in body
    assert "7\u202f000" not in body and "7000" not in body
    assert "Consommation sur l'année type" in body  # the page did run on the defaults


def test_a_measured_year_shows_the_measured_total_first(app_url, browser, tmp_path):
    from planner.consumption_io import read_consumption
    from quartier_solaire.i18n import number
    from tests.app.home_files import enedis_year_with_gap

    path = enedis_year_with_gap(tmp_path / "conso_2023.csv")
    measured = number(float(read_consumption(path)[0].sum()), "fr", decimals=1)
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{app_url}/mon-foyer", wait_until="domcontentloaded")
    page.get_by_text("Vos données restent à vous", exact=False).wait_for(timeout=60_000)
    page.get_by_text("J'ai un fichier de mon compteur").click()
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.get_by_text(f"Mesuré par votre fichier : {measured} kWh").wait_for(timeout=60_000)
    _settled(page)
    how = page.get_by_text("Comment l'année type est construite", exact=False)
    how.scroll_into_view_if_needed()
    page.screenshot(path=str(ROOT / ".pytest_cache" / "my_home_measured.png"))
    body = page.locator("body").inner_text()
    assert "du 01/01/2023 au 31/12/2023 (350 jours avec des mesures" in body
    assert "15 jours d'une semaine voisine" in body


def test_two_days_of_data_connect_are_called_an_extrapolation(app_url, browser):
    from tests.app.home_files import TWO_DAYS_DATA_CONNECT

    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{app_url}/mon-foyer", wait_until="domcontentloaded")
    page.get_by_text("Vos données restent à vous", exact=False).wait_for(timeout=60_000)
    page.get_by_text("J'ai un fichier de mon compteur").click()
    page.locator("input[type=file]").first.set_input_files(str(TWO_DAYS_DATA_CONNECT))
    page.get_by_text("Mesuré par votre fichier : 71,5 kWh").wait_for(timeout=60_000)
    _settled(page)
    warning = page.get_by_text("extrapolation à partir de 2 jour(s) mesuré(s)", exact=False)
    warning.scroll_into_view_if_needed()
    page.screenshot(path=str(ROOT / ".pytest_cache" / "my_home_two_days.png"))
    assert "du 14/01/2025 au 15/01/2025" in page.locator("body").inner_text()


def test_a_resident_looking_at_a_large_roof_gets_a_share_of_it(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{app_url}/mon-foyer", wait_until="domcontentloaded")
    page.get_by_text("Vos données restent à vous", exact=False).wait_for(timeout=60_000)
    page.get_by_text("Je décris mon logement").click()
    _settled(page)
    frame = None
    for _ in range(120):
        frame = next((f for f in page.frames if "st_folium" in f.url), None)
        if frame is not None:
            break
        page.wait_for_timeout(500)
    frame.wait_for_function(leaflet_js.COUNT, timeout=60_000)
    # The largest footprint of the demo is the supermarket: not a home, so a share.
    leaflet_js.click_largest(page, frame)
    field = _field(page, "Foyers qui se partagent ce toit")
    field.wait_for(timeout=60_000)
    _settled(page)
    households = int(field.input_value())
    assert households > 1
    page.get_by_text("votre part est de", exact=False).wait_for(timeout=30_000)
    page.get_by_text("Ma part de la production du toit").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ROOT / ".pytest_cache" / "my_home_share.png"), full_page=True)
    body = page.locator("body").inner_text()
    assert f"partagés entre {households} foyers" in body
    assert "n'est pas un logement (commerce)" in body
