"""Smoke test of bench/buildings.py on a small neighbourhood (no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "buildings.py"

KEYS = {
    "buildings",
    "planes",
    "load_s",
    "roof_planes_s",
    "horizon_s",
    "simulate_fast_s",
    "simulate_exact_s",
    "exact_vs_fast",
    "simulate_shaded_s",
    "shaded_vs_exact",
    "rooftops_s",
    "summary_s",
    "map_build_s",
    "map_render_s",
    "map_html_mib",
    "pipeline_s",
    "total_s",
    "peak_rss_mib",
}


def _bench():
    spec = importlib.util.spec_from_file_location("bench_buildings", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_neighbourhood_tiles_the_demo_with_unique_ids():
    frame = _bench().neighbourhood(200, seed=0)
    assert len(frame) == 200
    assert frame["id"].is_unique
    assert frame.crs.to_epsg() == 4326
    # Two copies of the demo: the second one is turned, so it is not a translation.
    first = frame[frame["id"].str.startswith("t000-")]
    second = frame[frame["id"].str.startswith("t001-")]
    assert len(first) == 186 and len(second) == 14
    assert not frame.geometry.iloc[:186].intersects(frame.geometry.iloc[186:].union_all()).any()


def test_main_prints_json_figures_last(capsys):
    figures = _bench().main(["--buildings", "200", "--seed", "0"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) > 5
    last = json.loads(lines[-1])
    assert last == figures
    assert KEYS <= set(last)
    assert last["buildings"] == 200
    assert last["planes"] > 200
    assert last["map_html_mib"] > 0
    assert last["exact_vs_fast"] > 0
    assert all(last[k] >= 0 for k in KEYS)
