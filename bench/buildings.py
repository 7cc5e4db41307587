"""A 5,000-building neighbourhood, from file to drawn map: the time of each stage.

The demo neighbourhood (:func:`geodata.demo.demo_buildings`, 186 buildings
with seed 0, about 420 x 410 m) is tiled in a grid of translated copies in
Lambert-93 (EPSG:2154), each turned by a small seeded random angle so that
roofs of different copies face different azimuths; ids are made unique, the
frame cut to ``--buildings`` and written to a GeoJSON file (EPSG:4326) in a
temporary folder. Then what the page runs on an uploaded file, through the
rooftop chain (:class:`planner.rooftops.RooftopChain`) with the page's default
configuration (``RooftopConfig()``: shading on, ``mode="auto"``, i.e. the
engine's fast mode above 2,000 planes), in the page's order:

* ``load``: :func:`geodata.io.read_buildings` on that file (the real reader);
* ``site``: :meth:`RooftopChain.for_buildings` (centre and altitude);
* ``roof_planes``: :meth:`RooftopChain.roof_planes`;
* ``horizon``: :meth:`RooftopChain.horizons` (100 m radius);
* ``weather``: the embedded synthetic year of the site;
* ``rooftops``: :meth:`RooftopChain.run_model` on a chain that already holds
  the planes and horizons, as the page's cache hands them over: the shaded
  simulation in the page's mode (``page_mode``) and the suitability step;
* ``summary``: :meth:`planner.rooftops.RooftopRun.with_suitability`, what a
  move of the suitability slider costs once the simulation is cached;
* ``map_build``: :func:`app_pages._map.rooftop_map` (no basemap), and
  ``map_render``: ``fmap.get_root().render()``, which is what streamlit-folium
  does before sending the map to the browser; ``map_html_mib`` is the size of
  that HTML.

Side by side, to explain the ``rooftops`` figure, the engine
(:func:`solar.engine.simulate_planes`) on the same planes and weather, after a
warm-up on a few planes: ``fast`` and ``exact`` modes without horizons
(``exact_vs_fast`` = exact time / fast time), the exact mode with the horizons
(``shaded_vs_exact``: shading's cost, with the neighbourhood's shading loss),
and ``page_vs_unshaded_exact``: the page's run against the exact run without
shading that this bench used to time as "the page". Last, the map from
footprints whose coordinates are rounded to 6 decimals (1e-6 deg is about 0.1 m
at Nantes), a candidate to shrink the HTML: its render time, size and the ratio
of sizes.

Each stage is timed with ``time.perf_counter``, best of ``--repeat`` runs
(default 1: one run per stage, so the figures carry the noise of a shared
machine). ``pipeline_s`` adds the stages a page runs once (load, site, roof
planes, horizon, weather, rooftops, map build and render); ``total_s`` is the wall time of the
whole bench; ``peak_rss_mib`` the process peak RSS (``resource.getrusage``).

Usage: ``.venv/bin/python bench/buildings.py [--buildings 5000] [--seed 0] [--repeat 1]``.
Prints one line per stage; the last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app_pages._map import rooftop_map  # noqa: E402
from geodata.demo import demo_buildings  # noqa: E402
from geodata.io import read_buildings  # noqa: E402
from geodata.schema import CRS, METRIC_CRS_FRANCE  # noqa: E402
from planner.rooftops import RooftopChain, RooftopConfig  # noqa: E402
from solar.engine import simulate_planes  # noqa: E402
from solar.rooftop import SuitabilityParams  # noqa: E402

# Gap between two copies of the demo [m]: a street's width (assumption), so
# that tiles shade each other at their edges as real blocks would.
TILE_GAP_M = 20.0
# Each copy is turned by a random angle within +/- this [deg]: in a real town
# no two roofs face exactly the same way, and identical copies would flatter
# the exact mode (one profile per distinct orientation). Assumption.
TILE_TURN_DEG = 10.0
# The page's assumptions before the user changes any: shading on (100 m, 10 deg
# sectors), mode "auto" (fast above 2,000 planes).
PAGE_CONFIG = RooftopConfig()
# Decimals kept in the rounded-coordinates map: 1e-6 deg is about 0.11 m of
# latitude and 0.08 m of longitude at 47 deg N, below footprint accuracy.
ROUND_DECIMALS = 6
MIB = 2**20


def neighbourhood(n_buildings: int, seed: int = 0) -> gpd.GeoDataFrame:
    """Tile the demo neighbourhood into ``n_buildings`` buildings.

    Parameters
    ----------
    n_buildings : int
        Buildings wanted; the last copy of the demo is cut short.
    seed : int, default 0
        Seed of :func:`geodata.demo.demo_buildings` (the same for every copy).

    Returns
    -------
    geopandas.GeoDataFrame
        Buildings in EPSG:4326, ids ``t<copy>-<demo id>``, copies laid in a
        near-square grid centred on the demo site, each turned about its
        centre by a seeded random angle within :data:`TILE_TURN_DEG`, their
        bounding boxes at least :data:`TILE_GAP_M` apart.
    """
    rng = np.random.default_rng(seed)
    demo = demo_buildings(seed).to_crs(METRIC_CRS_FRANCE)
    west, south, east, north = demo.total_bounds
    centre = ((west + east) / 2, (south + north) / 2)
    width, height = east - west, north - south
    # Room for a copy turned by the largest angle.
    turn = math.radians(TILE_TURN_DEG)
    step_x = width * math.cos(turn) + height * math.sin(turn) + TILE_GAP_M
    step_y = height * math.cos(turn) + width * math.sin(turn) + TILE_GAP_M
    n_tiles = math.ceil(n_buildings / len(demo))
    cols = math.ceil(math.sqrt(n_tiles))
    rows = math.ceil(n_tiles / cols)
    copies = []
    for k in range(n_tiles):
        row, col = divmod(k, cols)
        dx = (col - (cols - 1) / 2) * step_x
        dy = (row - (rows - 1) / 2) * step_y
        tile = demo.copy()
        tile["id"] = [f"t{k:03d}-{i}" for i in demo["id"]]
        angle = rng.uniform(-TILE_TURN_DEG, TILE_TURN_DEG)
        tile.geometry = demo.geometry.rotate(angle, origin=centre).translate(dx, dy)
        copies.append(tile)
    grid = pd.concat(copies, ignore_index=True).iloc[:n_buildings]
    return gpd.GeoDataFrame(grid, geometry="geometry", crs=METRIC_CRS_FRANCE).to_crs(CRS)


def _best(fn, repeat: int):
    """Return the last result of ``fn()`` and its best time over ``repeat`` runs [s]."""
    best = math.inf
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def _fresh(chain: RooftopChain, **steps) -> RooftopChain:
    """A chain on the same buildings and site with an empty memo, given ``steps``."""
    return RooftopChain(chain.buildings, chain.location, chain.config, **steps)


def _rounded(buildings: gpd.GeoDataFrame, decimals: int) -> gpd.GeoDataFrame:
    """Return a copy whose vertex coordinates are rounded to ``decimals``."""
    out = buildings.copy()
    out.geometry = shapely.transform(
        buildings.geometry.to_numpy(), lambda xy: np.round(xy, decimals)
    )
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the bench, print one line per stage and the JSON figures; return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs per stage")
    args = parser.parse_args(argv)
    if args.buildings < 1 or args.repeat < 1:
        parser.error("--buildings and --repeat must be at least 1")
    t0 = time.perf_counter()
    s: dict[str, float] = {}

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "neighbourhood.geojson"
        (_, s["prepare"]) = _best(
            lambda: neighbourhood(args.buildings, args.seed).to_file(path, driver="GeoJSON"), 1
        )
        file_mib = path.stat().st_size / MIB
        print(f"prepare    : {s['prepare']:7.2f} s  tiled demo written, {file_mib:.1f} MiB GeoJSON")
        (buildings, report), s["load"] = _best(lambda: read_buildings(path), args.repeat)
    print(
        f"load       : {s['load']:7.2f} s  {report.kept} buildings kept, {report.dropped} dropped "
        f"({report.format})"
    )

    chain, s["site"] = _best(lambda: RooftopChain.for_buildings(buildings, PAGE_CONFIG), 1)
    location = chain.location
    print(f"site       : {s['site']:7.2f} s  {location.latitude:.4f}, {location.longitude:.4f}")
    planes, s["roof_planes"] = _best(lambda: _fresh(chain).roof_planes(), args.repeat)
    print(f"roof planes: {s['roof_planes']:7.2f} s  {len(planes)} planes")

    def skylines():
        fresh = _fresh(chain, roof_planes=planes)
        return fresh.horizons(), fresh.horizon_problems()

    (horizon, horizon_problems), s["horizon"] = _best(skylines, args.repeat)
    print(
        f"horizon    : {s['horizon']:7.2f} s  skylines {horizon.shape[0]} x {horizon.shape[1]}, "
        f"mean skyline {horizon.to_numpy().mean():.1f} deg"
    )

    (weather, _), s["weather"] = _best(lambda: _fresh(chain).weather(), args.repeat)
    print(f"weather    : {s['weather']:7.2f} s  embedded synthetic year, {len(weather)} hours")

    page_mode = PAGE_CONFIG.engine_mode(len(planes))
    warm = pd.DataFrame(planes.drop(columns="geometry")).set_index("plane_id")
    # Warm-up on a few planes so that first-call costs are not timed.
    simulate_planes(warm.iloc[:5], weather, location)

    def page_run():
        steps = dict(roof_planes=planes, horizons=horizon, horizon_problems=horizon_problems)
        return _fresh(chain, **steps).run_model(weather)

    run, s["rooftops"] = _best(page_run, args.repeat)
    per_building = run.buildings
    loss_pct = 100 * (1 - run.planes["annual_kwh"].sum() / run.planes["unshaded_annual_kwh"].sum())
    print(
        f"rooftops   : {s['rooftops']:7.2f} s  the page's run: {run.mode} mode with horizons, "
        f"{len(per_building)} buildings, {int(per_building['suitable'].sum())} suitable, "
        f"neighbourhood shading loss {loss_pct:.1f} %"
    )
    stricter = SuitabilityParams(min_share_of_reference=0.85)
    _, s["summary"] = _best(lambda: run.with_suitability(stricter), args.repeat)
    print(f"suitability: {s['summary']:7.2f} s  a move of the slider, simulation cached")

    frame = warm
    fast, s["simulate_fast"] = _best(
        lambda: simulate_planes(frame, weather, location, mode="fast"), args.repeat
    )
    exact, s["simulate_exact"] = _best(
        lambda: simulate_planes(frame, weather, location, mode="exact"), args.repeat
    )
    exact_vs_fast = s["simulate_exact"] / s["simulate_fast"]
    fast_err = float((fast.annual_kwh.sum() / exact.annual_kwh.sum()) - 1)
    print(
        f"engine     : {s['simulate_fast']:7.2f} s fast ({len(fast.orientations)} grid profiles), "
        f"{s['simulate_exact']:.2f} s exact ({len(exact.orientations)} orientations), no "
        f"horizons; exact/fast {exact_vs_fast:.2f}x; fast total energy {fast_err:+.2%} vs exact"
    )
    shaded, s["simulate_shaded"] = _best(
        lambda: simulate_planes(frame, weather, location, horizon=horizon), args.repeat
    )
    shaded_vs_exact = s["simulate_shaded"] / s["simulate_exact"]
    n_shaded = int(((horizon.to_numpy() > 0).any(axis=1) & (frame["kwp"].to_numpy() > 0)).sum())
    page_vs_exact = s["rooftops"] / s["simulate_exact"]
    print(
        f"shaded     : {s['simulate_shaded']:7.2f} s exact with horizons, {n_shaded} planes "
        f"shaded ({shaded_vs_exact:.2f}x the unshaded exact run); the page's run is "
        f"{page_vs_exact:.2f}x the unshaded exact run"
    )

    reference = run.reference_specific_yield_kwh_kwp

    def draw(frame_buildings):
        fmap, build_s = _best(
            lambda: rooftop_map(frame_buildings, per_building, reference, "fr", basemap=False),
            args.repeat,
        )
        page, render_s = _best(lambda: fmap.get_root().render(), args.repeat)
        return build_s, render_s, len(page.encode()) / MIB

    s["map_build"], s["map_render"], html_mib = draw(buildings)
    print(
        f"map        : {s['map_build']:7.2f} s build, {s['map_render']:.2f} s render, "
        f"{html_mib:.2f} MiB HTML"
    )
    rounded_build_s, rounded_render_s, rounded_mib = draw(_rounded(buildings, ROUND_DECIMALS))
    print(
        f"map 1e-{ROUND_DECIMALS}   : {rounded_build_s:7.2f} s build, {rounded_render_s:.2f} s "
        f"render, {rounded_mib:.2f} MiB HTML ({rounded_mib / html_mib:.0%} of the size)"
    )

    pipeline = (
        "load",
        "site",
        "roof_planes",
        "horizon",
        "weather",
        "rooftops",
        "map_build",
        "map_render",
    )
    pipeline_s = sum(s[k] for k in pipeline)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    total_s = time.perf_counter() - t0
    print(
        f"pipeline   : {pipeline_s:7.2f} s  ({' + '.join(pipeline)}); bench {total_s:.1f} s, "
        f"peak RSS {peak_rss:.0f} MiB"
    )
    figures = {
        "buildings": int(len(buildings)),
        "planes": int(len(planes)),
        "repeat": args.repeat,
        "geojson_mib": round(file_mib, 2),
        "load_s": round(s["load"], 3),
        "roof_planes_s": round(s["roof_planes"], 3),
        "site_s": round(s["site"], 3),
        "horizon_s": round(s["horizon"], 3),
        "weather_s": round(s["weather"], 3),
        "page_mode": page_mode,
        "rooftops_s": round(s["rooftops"], 3),
        "summary_s": round(s["summary"], 3),
        "shading_loss_pct": round(float(loss_pct), 2),
        "simulate_fast_s": round(s["simulate_fast"], 3),
        "simulate_exact_s": round(s["simulate_exact"], 3),
        "exact_vs_fast": round(exact_vs_fast, 2),
        "fast_total_energy_rel_error": float(f"{fast_err:.3g}"),
        "simulate_shaded_s": round(s["simulate_shaded"], 3),
        "shaded_vs_exact": round(shaded_vs_exact, 2),
        "shaded_planes": n_shaded,
        "page_vs_unshaded_exact": round(page_vs_exact, 2),
        "map_build_s": round(s["map_build"], 3),
        "map_render_s": round(s["map_render"], 3),
        "map_html_mib": round(html_mib, 2),
        "map_rounded_render_s": round(rounded_render_s, 3),
        "map_rounded_html_mib": round(rounded_mib, 2),
        "rounded_vs_full_html": round(rounded_mib / html_mib, 3),
        "pipeline_s": round(pipeline_s, 2),
        "total_s": round(total_s, 2),
        "peak_rss_mib": round(peak_rss, 1),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
