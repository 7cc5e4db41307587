"""Smoke test of bench/pv_engine.py on a few planes (no timing assertions)."""

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "pv_engine.py"


def test_speed_up_is_stated_per_batch_size_with_the_fixed_cost(capsys):
    spec = importlib.util.spec_from_file_location("bench_pv_engine", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.main(["--planes", "40", "--sample", "2", "--batches", "5,20,400"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == figures
    # 400 is above --planes: skipped; the whole set (40) is always a batch.
    for mode in ("exact", "fast"):
        for n in (5, 20, 40):
            assert figures[f"{mode}_{n}_planes_seconds"] > 0
            assert figures[f"{mode}_vs_modelchain_at_{n}_planes"] > 0
        assert f"{mode}_400_planes_seconds" not in figures
        assert f"{mode}_fixed_seconds_per_call" in figures
        assert f"{mode}_marginal_ms_per_plane" in figures
    # No single speed-up figure any more.
    assert "exact_vs_modelchain" not in figures and "fast_vs_modelchain" not in figures
    assert figures["modelchain_seconds_per_plane"] > 0
