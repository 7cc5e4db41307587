"""The map as a person sees it: Leaflet from the app itself, buildings drawn, a click shows details.

Starts the app with `streamlit run` on a free port and drives Debian's Chromium
with Playwright. The machine has no internet: this also proves the map works
offline.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    port = _free_port()
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quartier_solaire.cli",
            "run",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def test_map_renders_offline_and_a_click_shows_details(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    cdn_requests = []
    page.on(
        "request",
        lambda r: cdn_requests.append(r.url) if "leaflet" in r.url and "/app/static/" not in r.url else None,
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
    paths = frame.locator("path.leaflet-interactive")
    paths.first.wait_for(state="attached", timeout=60_000)
    assert paths.count() >= 150
    assert frame.evaluate("typeof L !== 'undefined' && L.version") == "1.9.4"
    assert cdn_requests == [], f"Leaflet was requested from outside the app: {cdn_requests}"

    # Click the middle of the largest building in view; the details panel names it.
    page.get_by_text("Cliquez sur un bâtiment").wait_for(timeout=30_000)
    target = max(
        (paths.nth(i) for i in range(paths.count())),
        key=lambda p: (lambda b: b["width"] * b["height"] if b else 0)(p.bounding_box()),
    )
    target.click(force=True)
    page.get_by_role("heading", name=re.compile(r"^Bâtiment \S+")).wait_for(timeout=30_000)
    page.get_by_text("Production mensuelle des pans adaptés").wait_for(timeout=30_000)
    page.screenshot(path=str(ROOT / ".pytest_cache" / "rooftop_map.png"))
