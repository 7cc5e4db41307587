"""Smoke test of bench/rerun.py with one rerun (no timing assertions)."""

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "rerun.py"


def test_rerun_bench_prints_its_figures_last(capsys):
    spec = importlib.util.spec_from_file_location("bench_rerun", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(["--reruns", "1"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == figures
    assert figures["cold_run_s"] > 0 and figures["click_rerun_median_s"] > 0
