"""Smoke test of bench/screen.py on a tiny neighbourhood (no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "screen.py"


def test_screen_bench_prints_its_figures_last(capsys):
    spec = importlib.util.spec_from_file_location("bench_screen", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(
        ["--sizes", "120", "--workers", "1,2", "--partition-size", "30", "--no-write"]
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == figures
    assert {"seconds_100k_2_workers", "speedup_2_workers", "peak_worker_rss_mib"} <= set(figures)
    runs = figures["runs"]
    assert [(r["buildings"], r["workers"]) for r in runs] == [(120, 1), (120, 2)]
    # Both runs screen the same roofs, in partitions of at most --partition-size.
    assert runs[0]["planes"] == runs[1]["planes"] > 120 and runs[0]["partitions"] == 4
    assert figures["speedup_2_workers"] > 0 and 50 < figures["peak_worker_rss_mib"] < 4096
    assert figures["machine"]["nproc"] >= 1
