"""A weather file as a person drops it in the sidebar (issue 8, points 8, 10 and 14).

A consumption curve dropped as weather says where it goes and the page goes on;
a PVGIS file shows what it holds; the text it carries (its footer) is shown as
written, never as Markdown: no image fetched, no live link.
"""

import time

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.browser

HOSTILE_FOOTER = (
    "PVGIS (c) European Union ![pixel](http://127.0.0.1:9/pixel.png) [lien](http://127.0.0.1:9/)"
)


def _sidebar_upload(page, path):
    page.locator("section[data-testid='stSidebar'] input[type=file]").last.set_input_files(
        str(path)
    )


def test_weather_uploads_say_what_the_file_is(app_url, browser, tmp_path):
    from tests.solar.test_weather_files import pvgis_frame, write_pvgis_csv

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)  # the machine may be busy with other tests
    outside = []
    page.on("request", lambda r: outside.append(r.url) if "127.0.0.1:9" in r.url else None)
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_text("Mon fichier (PVGIS, EPW, TMY3)").click(timeout=60_000)
    page.get_by_text("Fichier météo", exact=True).wait_for(timeout=60_000)

    # A load curve dropped as weather: where it goes, and the page goes on.
    _sidebar_upload(page, DATA / "consumption" / "enedis_load_curve_30min.csv")
    page.get_by_text("ressemble à une courbe de consommation", exact=False).wait_for(timeout=60_000)
    page.get_by_text("l'année type intégrée est utilisée", exact=False).wait_for(timeout=60_000)
    page.get_by_text("Puissance installable", exact=False).first.wait_for(timeout=60_000)

    # A PVGIS year with a hostile footer: what it holds, its text as written.
    path = write_pvgis_csv(tmp_path / "tmy_nantes.csv", pvgis_frame())
    path.write_bytes(path.read_bytes().replace(b"PVGIS (c) European Union, 2001-2025",
                                               HOSTILE_FOOTER.encode()))  # fmt: skip
    _sidebar_upload(page, path)
    page.get_by_text("kWh/m² par an au sol", exact=False).wait_for(timeout=60_000)
    page.get_by_text("part diffuse", exact=False).first.wait_for(timeout=60_000)
    # While the page reruns, Streamlit keeps the previous run's expander beside the new one.
    licence = page.get_by_text("Sources et licence de la météo")
    deadline = time.monotonic() + 60
    while licence.count() != 1 and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    licence.click()
    page.get_by_text("![pixel](http://127.0.0.1:9/pixel.png)", exact=False).wait_for(timeout=60_000)
    page.wait_for_timeout(1_000)
    assert page.locator("img[src*='127.0.0.1:9']").count() == 0
    assert page.locator("a[href*='127.0.0.1:9']").count() == 0
    assert outside == []
    page.close()
