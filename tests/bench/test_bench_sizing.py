"""Smoke test of bench/sizing.py on a tiny community (no timing assertions)."""

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sizing.py"


def test_sizing_bench_prints_its_figures_last(capsys):
    spec = importlib.util.spec_from_file_location("bench_sizing", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(["--households", "3", "--sizes", "4", "--steps", "192", "--repeat", "1"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == figures
    assert figures["sizes"] == 4 and figures["households"] == 3
    # On 192 steps the loop can be as quick as the sweep: the ratio may round to 0.
    assert figures["seconds"] > 0 and figures["ratio"] >= 0
