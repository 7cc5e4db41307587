"""The sizing sweep of a collective project: every size at once against a per-step loop.

A community of 200 households over a year at 15 min (35,040 steps) is swept over
40 installed powers by scaling the chosen planes (``planner.sizing.sweep_scaling``:
collective flows on a 2-D array sizes x steps, then the economics of every
size). The competitor is a straightforward Python loop over steps, one size at
a time, given the same total consumption per step; it is timed on a subset of
the sizes (``--loop-sizes``) and extrapolated to all of them, which is said in
the output. The plane-by-plane sweep (``sweep_planes``) over 40 candidate planes
is timed too. Target: the sweep under 2 s.

Profiles are generated, not measured: a seeded random community whose
households use about 4.4 MWh a year (CRE, January 2025, see DESIGN.md) with
morning and evening peaks, and a clear-sky-like production bell whose length
and height follow the season. They exercise the code; they are not a forecast.

Usage: ``.venv/bin/python bench/sizing.py [--households 200] [--sizes 40]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _community(households: int, steps: int, seed: int) -> tuple[pd.Series, pd.DataFrame]:
    """Production of 1 kWc per step [kWh] and consumption per household per step [kWh]."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-01-01", periods=steps, freq="15min")
    hour = (index.hour + index.minute / 60).to_numpy()
    day = index.day_of_year.to_numpy()
    season = np.cos(2 * np.pi * (day - 172) / 365)  # 1 at midsummer
    half_day = 4.5 + 3.0 * season  # hours from solar noon to sunset
    bell = np.clip(np.cos(np.pi / 2 * (hour - 13.5) / half_day), 0, None) ** 1.5
    prod = pd.Series(0.25 * (0.55 + 0.45 * season) * bell, index=index)  # ~1,100 kWh/kWc
    shape = (
        0.6
        + 0.8 * np.exp(-(((hour - 7.5) / 1.2) ** 2))
        + 1.2 * np.exp(-(((hour - 19.5) / 1.8) ** 2))
    ) * (1.25 - 0.35 * season)
    scale = rng.uniform(0.5, 1.6, households)
    noise = rng.gamma(4.0, 0.25, (steps, households))
    cons = shape[:, None] * scale[None, :] * noise
    cons *= 4400.0 * steps / 35040 / cons.sum(axis=0).mean()
    columns = [f"H{k:03d}" for k in range(households)]
    return prod, pd.DataFrame(cons, index=index, columns=columns)


def _loop_autocons(prod: list[float], cons: list[float], factor: float) -> float:
    total = 0.0
    for p, c in zip(prod, cons, strict=True):
        produced = p * factor
        total += produced if produced < c else c
    return total


def _best(repeat: int, run):
    """Best time [s] of ``repeat`` runs (the machine is shared), and the last result."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; return its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--sizes", type=int, default=40)
    parser.add_argument("--steps", type=int, default=35040)
    parser.add_argument("--loop-sizes", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for every timing")
    args = parser.parse_args(argv)

    from planner.economics import EconomicParams
    from planner.sizing import sweep_planes, sweep_scaling

    params = EconomicParams()
    prod_1kwp, cons = _community(args.households, args.steps, args.seed)
    annual_cons = cons.to_numpy().sum() * 35040 / args.steps
    sizes = np.linspace(0.0, 1.5 * annual_cons / 1100.0, args.sizes + 1)[1:]

    seconds, sweep = _best(
        args.repeat, lambda: sweep_scaling(prod_1kwp * 10.0, cons, [5.0, 5.0], sizes, params)
    )

    total = cons.sum(axis=1).to_numpy().tolist()
    prod_list = (prod_1kwp * 10.0).to_numpy().tolist()
    loop_sizes = sizes[:: max(1, len(sizes) // max(1, args.loop_sizes))][: args.loop_sizes]
    loop_seconds_subset, looped = _best(
        args.repeat, lambda: [_loop_autocons(prod_list, total, s / 10.0) for s in loop_sizes]
    )
    loop_per_size = loop_seconds_subset / len(loop_sizes)
    loop_seconds = loop_per_size * len(sizes)
    expected = sweep.set_index("kwp").loc[loop_sizes, "autocons_kwh"].to_numpy()
    assert np.allclose(looped, expected, rtol=1e-9), "loop and sweep disagree"

    # The flows alone, as the loop computes them (the sweep above adds the economics).
    from planner.sizing import _autocons_per_row

    p = (prod_1kwp * 10.0).to_numpy()
    flows_seconds, _ = _best(
        args.repeat,
        lambda: _autocons_per_row(
            (sizes / 10.0)[:, None] * p[None, :], cons.sum(axis=1).to_numpy()
        ),
    )

    rng = np.random.default_rng(args.seed + 1)
    plane_kwp = pd.Series(rng.uniform(3.0, 36.0, args.sizes), index=range(args.sizes))
    yields = rng.uniform(0.6, 1.05, args.sizes)
    plane_prod = pd.DataFrame(
        np.outer(prod_1kwp.to_numpy(), plane_kwp.to_numpy() * yields), index=cons.index
    )
    planes_seconds, _ = _best(
        args.repeat, lambda: sweep_planes(plane_prod, plane_kwp, cons, params)
    )

    figures = {
        "seconds": round(seconds, 4),
        "loop_seconds": round(loop_seconds, 3),
        "loop_sizes_timed": len(loop_sizes),
        "ratio": round(loop_seconds / seconds, 2),
        "flows_seconds": round(flows_seconds, 4),
        "flows_ratio": round(loop_seconds / flows_seconds, 2),
        "planes_seconds": round(planes_seconds, 4),
        "sizes": len(sizes),
        "households": args.households,
        "repeat": args.repeat,
        "steps": args.steps,
    }
    print(
        f"sweep_scaling, {len(sizes)} sizes x {args.steps} steps, "
        f"{args.households} households: {seconds:.3f} s best of {args.repeat} (target < 2 s)"
    )
    print(
        f"per-step Python loop: {loop_per_size:.3f} s per size, timed on "
        f"{len(loop_sizes)} of {len(sizes)} sizes and extrapolated: {loop_seconds:.2f} s"
    )
    print(f"sweep (flows and economics) vs loop (flows only): {figures['ratio']}x")
    print(f"flows alone: {flows_seconds:.4f} s, {figures['flows_ratio']}x the loop")
    print(f"sweep_planes, {args.sizes} planes: {planes_seconds:.3f} s")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
