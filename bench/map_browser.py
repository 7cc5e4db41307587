"""The rooftop map in a real browser: time to first map, and what a pan or a click costs.

Three measures, in headless Debian Chromium driven by Playwright:

1. side by side, the map alone (an HTML file served locally): folium's
   ``GeoJson(style_function=...)`` with SVG paths and per-feature tooltips,
   as the app drew it before, against the canvas layer styled from feature
   properties; seconds from navigation until every building is drawn, for
   20,000 and 50,000 buildings;
2. the app on a screened city of 100,000 buildings: first map (hexagons), a
   zoom in (the buildings in view), a pan, and a click (details shown);
3. the app on an uploaded file of 20,000 buildings: a click (details shown).

Buildings are the demo neighbourhood tiled (bench.buildings.neighbourhood)
with the demo's rooftop results (bench.screening_demo). The machine is
shared: figures vary from run to run; the ratios are what to read.
Prints a table, then one JSON object on its last line.

    PYTHONPATH=. python bench/map_browser.py [--sizes 20000,50000] [--city 100000]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import folium
import numpy as np

from app_pages import _map
from bench.screening_demo import demo_run, screened_buildings, write_screening
from quartier_solaire.offline_assets import STATIC_DIR, ensure_leaflet

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
# Every layer with a feature, wherever the map's variable is.
DRAWN = """() => {
    if (typeof L === "undefined") { return 0; }
    const m = Object.values(window).find(v => v instanceof L.Map);
    if (!m) { return 0; }
    let n = 0;
    m.eachLayer(l => { if (l.feature) { n++; } });
    return n;
}"""


def _before_map(buildings, per_building, reference, lang):
    """The map as the app drew it before: folium's style_function, SVG, long tooltips."""
    edges = _map.yield_classes(reference)
    best = per_building["best_specific_yield_kwh_kwp"].reindex(buildings["id"]).to_numpy()
    frame = buildings[["id", "geometry"]].copy()
    frame["fill"] = [_map.colour(v, edges) for v in best]
    frame["label"] = [
        f"{u} – {v:.0f} kWh/kWp" for u, v in zip(buildings["usage"], best, strict=True)
    ]
    west, south, east, north = frame.total_bounds
    fmap = _map.OfflineMap(
        location=[(south + north) / 2, (west + east) / 2], tiles=None, prefer_canvas=False
    )
    folium.GeoJson(
        frame.__geo_interface__,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#4b5563",
            "weight": 0.6,
            "fillOpacity": 0.85,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#111827"},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def _first_map(browser, url: str, n: int) -> float:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=300_000)
    page.wait_for_function(f"({DRAWN})() >= {n}", timeout=300_000, polling=100)
    seconds = time.perf_counter() - start
    page.close()
    return seconds


def side_by_side(browser, sizes: list[int], run) -> dict:
    """Time to first map, before and after, for each size."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "app").mkdir()
        (folder / "app" / "static").symlink_to(STATIC_DIR)
        url, server = _serve(folder)
        for n in sizes:
            buildings = screened_buildings(n, run)
            per = buildings.drop(columns="geometry").set_index("id")
            reference = run.reference_specific_yield_kwh_kwp
            for name, build in (
                ("before", functools.partial(_before_map, buildings, per, reference, "fr")),
                ("after", functools.partial(_map.rooftop_map, buildings, per, reference, "fr")),
            ):
                start = time.perf_counter()
                html = build().get_root().render()
                server_s = time.perf_counter() - start
                (folder / f"{name}-{n}.html").write_text(html, encoding="utf-8")
                browser_s = _first_map(browser, f"{url}/{name}-{n}.html", n)
                out[f"{name}_{n}"] = {
                    "server_s": round(server_s, 2),
                    "browser_s": round(browser_s, 2),
                    "mb": round(len(html) / 1e6, 1),
                }
                print(
                    f"{name:>6} {n:>7} buildings: build {server_s:5.1f} s, "
                    f"browser {browser_s:5.1f} s, {len(html) / 1e6:5.1f} MB",
                    flush=True,
                )
        server.shutdown()
    return out


def _app(env: dict) -> tuple[str, subprocess.Popen]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "quartier_solaire.cli", "run", "--port", str(port), "--no-browser"],
        cwd=ROOT,
        env=dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return url, process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the app did not start")


def _frame(page):
    for _ in range(600):
        for frame in page.frames:
            if "st_folium" in frame.url and not frame.is_detached():
                try:
                    if frame.evaluate("!!window.map"):
                        return frame
                except Exception:
                    pass
        page.wait_for_timeout(100)
    raise RuntimeError("no map frame")


LARGEST = """(k) => {
    const view = window.map.getBounds(), found = [];
    window.qsBuildings.eachLayer(l => {
        const b = l.getBounds();
        if (!view.contains(b) || !l.feature.properties.s) { return; }
        found.push([(b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest()), l]);
    });
    found.sort((a, b) => b[0] - a[0]);
    const best = found[k][1];
    const p = window.map.latLngToContainerPoint(best.getBounds().getCenter());
    return {id: best.feature.properties.id, x: p.x, y: p.y};
}"""
HEXAGONS = """() => { let n = 0;
    window.map.eachLayer(l => { if (l.feature && l.feature.properties.label) { n++; } });
    return n; }"""


def _click(page, frame, k: int = 0) -> float:
    """Click the k-th largest suitable building in view; seconds until its details show."""
    frame.frame_element().scroll_into_view_if_needed()
    target = frame.evaluate(LARGEST, k)
    box = frame.frame_element().bounding_box()
    start = time.perf_counter()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.get_by_role("heading", name=f"Bâtiment {target['id']}").wait_for(timeout=120_000)
    return time.perf_counter() - start


def city(browser, n: int, run) -> dict:
    """First map, zoom in, pan and click on a screened city of n buildings."""
    with tempfile.TemporaryDirectory() as tmp:
        write_screening(Path(tmp) / "ville", n, run)
        url, process = _app({"QUARTIER_SOLAIRE_SCREENINGS_DIR": tmp})
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.goto(url, wait_until="domcontentloaded")
            side = page.locator("section[data-testid='stSidebar']")
            side.get_by_text("Un résultat de criblage (dossier GeoParquet)").click(timeout=120_000)
            field = side.get_by_label("Dossier du criblage")
            field.fill("ville")
            start = time.perf_counter()
            field.press("Enter")
            frame = _frame(page)
            frame.wait_for_function(HEXAGONS, timeout=300_000, polling=100)
            first = time.perf_counter() - start
            page.wait_for_timeout(3_000)
            frame.evaluate("window.qsMark = window.qsBuildings; true")
            start = time.perf_counter()
            frame.evaluate("window.map.setZoom(17, {animate: false}); true")
            frame.wait_for_function(
                "window.qsBuildings && window.qsBuildings.getLayers().length > 0",
                timeout=300_000,
                polling=100,
            )
            zoom = time.perf_counter() - start
            drawn = frame.evaluate("window.qsBuildings.getLayers().length")
            page.wait_for_timeout(3_000)
            frame.evaluate("window.qsMark = window.qsBuildings; true")
            start = time.perf_counter()
            frame.evaluate("window.map.panBy([500, 300], {animate: false}); true")
            frame.wait_for_function(
                "window.qsBuildings !== window.qsMark", timeout=300_000, polling=100
            )
            pan = time.perf_counter() - start
            page.wait_for_timeout(3_000)
            click = _click(page, frame)
            page.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(
        f"city {n} buildings: first map {first:.1f} s, zoom in {zoom:.1f} s ({drawn} drawn), "
        f"pan {pan:.1f} s, click {click:.1f} s",
        flush=True,
    )
    return {
        "first_map_s": round(first, 2),
        "zoom_s": round(zoom, 2),
        "drawn": drawn,
        "pan_s": round(pan, 2),
        "click_s": round(click, 2),
    }


def upload(browser, n: int, run) -> dict:
    """A click on the rooftop page with an uploaded file of n buildings."""
    buildings = screened_buildings(n, run)[["id", "usage", "dwellings", "geometry"]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"batiments_{n}.geojson"
        buildings.to_file(path, driver="GeoJSON")
        url, process = _app({})
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.goto(url, wait_until="domcontentloaded")
            side = page.locator("section[data-testid='stSidebar']")
            side.get_by_text("Mon fichier de bâtiments").click(timeout=120_000)
            start = time.perf_counter()
            side.locator("input[type='file']").first.set_input_files(str(path))
            page.get_by_text(re.compile("Cliquez sur un bâtiment")).wait_for(timeout=900_000)
            frame = _frame(page)
            frame.wait_for_function(
                f"window.qsBuildings && window.qsBuildings.getLayers().length >= {n}",
                timeout=900_000,
                polling=100,
            )
            first = time.perf_counter() - start
            page.wait_for_timeout(3_000)
            frame.evaluate("window.map.setZoom(18, {animate: false}); true")
            page.wait_for_timeout(2_000)
            clicks = []
            for k in range(3):
                clicks.append(_click(page, frame, k))
                page.wait_for_timeout(2_000)
            page.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(
        f"upload {n} buildings: simulated and drawn in {first:.1f} s, "
        f"clicks {', '.join(f'{c:.2f}' for c in clicks)} s",
        flush=True,
    )
    return {"first_map_s": round(first, 2), "click_s": round(float(np.median(clicks)), 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,50000")
    parser.add_argument("--city", type=int, default=100_000)
    parser.add_argument("--upload", type=int, default=20_000)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    ensure_leaflet()
    run = demo_run()
    result = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        sizes = [int(s) for s in args.sizes.split(",") if s]
        maps = side_by_side(browser, sizes, run)
        result.update({f"first_map_{k}_s": v["browser_s"] for k, v in maps.items()})
        for n in sizes:
            result[f"speedup_{n}"] = round(
                maps[f"before_{n}"]["browser_s"] / maps[f"after_{n}"]["browser_s"], 2
            )
        if args.city:
            for k, v in city(browser, args.city, run).items():
                result[f"city_{args.city}_{k}"] = v
        if args.upload:
            for k, v in upload(browser, args.upload, run).items():
                result[f"upload_{args.upload}_{k}"] = v
        browser.close()
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
