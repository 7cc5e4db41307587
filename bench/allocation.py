"""Every allocation key for 500 participants over a year at 15 min, against a per-step Python loop.

Generates a community (consumption drawn per participant and step, a solar
production at ``--ratio`` of the consumption), then times each key of
``planner.allocation`` on the whole year, best of ``--repeat``, and the same
key written as a straightforward per-step, per-participant Python loop. The
loop is timed on ``--loop-steps`` steps spread over the year and extrapolated
to the year (it would take minutes otherwise); the figures say so. Also times
the battery dispatch and the rounding of the custom key, and reports what
rounding the exported key costs in self-consumed energy against the exact
allocation (the dynamic default key's), beside plain flooring to the same
precision, at 500 and at 50 participants, and at 500 with one more decimal.
Last line: one JSON object.

Usage: ``.venv/bin/python bench/allocation.py [--participants 500] [--steps 35040]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.allocation import (  # noqa: E402
    DECIMALS,
    Battery,
    custom,
    dispatch_battery,
    dynamic_default,
    floor_coefficients,
    priority,
    round_coefficients,
    rounding_loss_percent,
    static,
)


def community(participants: int, steps: int, ratio: float, seed: int = 0):
    """Production [kWh] as a Series and consumption [kWh] as a DataFrame, 15-min steps."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-01-01", periods=steps, freq="15min", tz="Europe/Paris")
    hours = (np.arange(steps) % 96) / 4
    daily = (
        0.6
        + 0.4 * np.exp(-(((hours - 19.5) / 2.5) ** 2))
        + 0.3 * np.exp(-(((hours - 8) / 1.5) ** 2))
    )
    cons = rng.gamma(2.0, 0.5, (steps, participants)).astype(float) * daily[:, None] * 0.06
    day = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None)
    season = 0.7 + 0.3 * np.cos((np.arange(steps) / 96 - 172) / 365 * 2 * np.pi)
    prod = day * season * rng.uniform(0.4, 1.0, steps)
    prod *= ratio * cons.sum() / prod.sum()
    columns = [f"p{i:03d}" for i in range(participants)]
    return pd.Series(prod, index=index), pd.DataFrame(cons, index=index, columns=columns)


# --- the straightforward loops ---------------------------------------------------------


def loop_dynamic_default(p, c, _):
    out = []
    for t in range(len(p)):
        row = c[t]
        total = sum(row)
        factor = min(1.0, p[t] / total) if total > 0 else 0.0
        out.append([x * factor for x in row])
    return out


def loop_static(p, c, shares):
    return [[min(s * p[t], x) for s, x in zip(shares, c[t], strict=True)] for t in range(len(p))]


def loop_custom(p, c, k):
    return [[min(s * p[t], x) for s, x in zip(k[t], c[t], strict=True)] for t in range(len(p))]


def loop_priority(p, c, levels):
    out = []
    for t in range(len(p)):
        left, row, got = p[t], c[t], [0.0] * len(c[t])
        for level in sorted(set(levels)):
            active = [i for i, lv in enumerate(levels) if lv == level and row[i] > 0]
            while left > 1e-12 and active:  # equal shares, redistributed until exhausted
                share = left / len(active)
                left = 0.0
                for i in list(active):
                    take = min(share, row[i] - got[i])
                    got[i] += take
                    left += share - take
                    if row[i] - got[i] <= 1e-12:
                        active.remove(i)
        out.append(got)
    return out


def _best(fn, repeat):
    """Best wall-clock and best CPU time of ``repeat`` runs [s], and the result.

    The machine may be shared: CPU time (this process only) is what the ratios
    use, on both sides, so that waiting for a core counts for neither.
    """
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return wall, max(cpu, 1e-6), result


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; return its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--steps", type=int, default=35040)
    parser.add_argument("--loop-steps", type=int, default=200)
    parser.add_argument("--ratio", type=float, default=0.6, help="production / consumption")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    production, consumption = community(args.participants, args.steps, args.ratio)
    n = args.participants
    rng = np.random.default_rng(1)
    shares = np.full(n, 1.0 / n)
    levels = rng.integers(1, 4, n)
    exact = dynamic_default(production, consumption)
    round_s, round_cpu, coefficients = _best(lambda: round_coefficients(exact), args.repeat)
    runs = {
        "static": (lambda: static(production, consumption, shares), loop_static, shares),
        "dynamic_default": (
            lambda: dynamic_default(production, consumption),
            loop_dynamic_default,
            None,
        ),
        "priority": (
            lambda: priority(production, consumption, levels, within="equal"),
            loop_priority,
            levels.tolist(),
        ),
        "custom": (lambda: custom(production, consumption, coefficients), loop_custom, None),
    }
    sample = np.linspace(0, args.steps - 1, min(args.loop_steps, args.steps)).astype(int)
    p_sample = production.to_numpy()[sample].tolist()
    c_sample = consumption.to_numpy()[sample].tolist()
    k_sample = coefficients.to_numpy()[sample].tolist()
    keys = {}
    for name, (ours, loop, extra) in runs.items():
        seconds, cpu, result = _best(ours, args.repeat)
        loop_wall, loop_cpu, looped = _best(
            lambda loop=loop, extra=extra, name=name: loop(
                p_sample, c_sample, k_sample if name == "custom" else extra
            ),
            1,
        )
        scale = args.steps / len(sample)
        # Same numbers, or the comparison means nothing.
        np.testing.assert_allclose(result.autocons.to_numpy()[sample], looped, atol=1e-9)
        keys[name] = {
            "seconds": round(seconds, 4),
            "cpu_seconds": round(cpu, 4),
            "loop_cpu_seconds_extrapolated": round(loop_cpu * scale, 2),
            "ratio": round(loop_cpu * scale / cpu, 1),
        }
        print(
            f"{name:16s} {seconds:7.3f} s ({cpu:.3f} s CPU)   loop {loop_cpu * scale:6.1f} s CPU "
            f"(timed on {len(sample)} steps, extrapolated)   {loop_cpu * scale / cpu:5.0f}x"
        )
    battery = Battery(capacity_kwh=0.5 * n, power_kw=0.25 * n, round_trip_efficiency=0.9)
    battery_s, battery_cpu, _ = _best(lambda: dispatch_battery(exact, battery), args.repeat)
    print(
        f"battery dispatch {battery_s:7.3f} s ({battery_cpu:.3f} s CPU), sequential state of charge"
    )
    print(f"rounding the key {round_s:7.3f} s ({round_cpu:.3f} s CPU)")
    loss = rounding_loss_percent(exact, coefficients)
    floor_loss = rounding_loss_percent(exact, floor_coefficients(exact))
    # Were Enedis to take 0.01 %, what would rounding and flooring cost?
    fine = rounding_loss_percent(exact, round_coefficients(exact, decimals=DECIMALS + 1))
    fine_floor = rounding_loss_percent(exact, floor_coefficients(exact, decimals=DECIMALS + 1))
    small = dynamic_default(*community(50, args.steps, args.ratio, seed=2))
    loss_50 = rounding_loss_percent(small, round_coefficients(small))
    floor_50 = rounding_loss_percent(small, floor_coefficients(small))
    precision = 10.0**-DECIMALS
    print(
        f"rounding to {precision:g} %: {n} participants lose {loss:.4f} % of the self-consumed "
        f"energy (flooring: {floor_loss:.2f} %); 50 participants {loss_50:.4f} % (flooring: "
        f"{floor_50:.2f} %)"
    )
    print(
        f"at {precision / 10:g} %: {n} participants lose {fine:.4f} % "
        f"(flooring: {fine_floor:.2f} %)"
    )
    figures = {
        "participants": n,
        "steps": args.steps,
        "loop_steps_timed": len(sample),
        "keys": keys,
        "loop": "per step and per participant, over Python floats; CPU time, extrapolated",
        "battery_seconds": round(battery_s, 4),
        "battery_cpu_seconds": round(battery_cpu, 4),
        "round_coefficients_seconds": round(round_s, 4),
        "round_coefficients_cpu_seconds": round(round_cpu, 4),
        "precision_percent": precision,
        "rounding_loss_percent": round(loss, 4),
        "flooring_loss_percent": round(floor_loss, 4),
        "rounding_loss_percent_at_finer_precision": round(fine, 4),
        "flooring_loss_percent_at_finer_precision": round(fine_floor, 4),
        "rounding_loss_percent_50": round(loss_50, 4),
        "flooring_loss_percent_50": round(floor_50, 4),
        "self_consumption_rate": round(exact.self_consumption_rate, 4),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
