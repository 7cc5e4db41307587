"""Smoke test of bench/allocation.py on a tiny community (no timing assertions)."""

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "allocation.py"


def test_allocation_bench_prints_its_figures_last(capsys):
    spec = importlib.util.spec_from_file_location("bench_allocation", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(
        ["--participants", "20", "--steps", "960", "--loop-steps", "20", "--repeat", "1"]
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == figures
    assert set(figures["keys"]) == {"static", "dynamic_default", "priority", "custom"}
    for key in figures["keys"].values():
        assert key["seconds"] > 0 and key["ratio"] > 0
    # Rounding from the exact allocation never loses more than flooring.
    assert -1e-9 <= figures["rounding_loss_percent"] <= figures["flooring_loss_percent"] + 1e-9
