"""Batch PV engine against a plain pvlib ModelChain loop, side by side in one run.

10,000 roof planes of random orientation (seeded) for one typical year:

* ``fast`` and ``exact`` modes of :func:`solar.engine.simulate_planes`,
  aggregates only (no time x plane matrix), timed on all planes;
* the plain loop, one :class:`pvlib.modelchain.ModelChain` per plane configured
  like the engine, timed on a sample of ``--sample`` planes and EXTRAPOLATED to
  all planes (running it on 10,000 planes would take several minutes);
* the speed-up at each batch size (``--batches``, default 100, 1,000 and
  10,000 planes, the first planes of the set): the engine's time per call
  against the ModelChain loop's time for as many planes. One call has a fixed
  cost (solar position, sky state) that small batches do not amortise, so the
  speed-up grows with the batch: it is stated per batch size, never as one
  figure, with the fixed cost and the marginal cost per plane of a straight
  line fitted to the times (least squares, time = fixed + marginal x planes).
  The line describes the exact mode (one profile per distinct orientation);
  the fast mode's cost follows the grid nodes its planes touch, which
  saturates (at most 19 x 72 per mounting), so its line is only indicative;
* memory: tracemalloc peak of each engine call (aggregates only, then exact mode
  with ``hourly=True`` which builds the time x plane matrix), and the process
  peak RSS (``resource.getrusage``) at the end;
* shading by neighbours: the demo neighbourhood (``geodata.demo``, its roof
  planes and horizons through :class:`planner.rooftops.RooftopChain`) with
  and without its horizons, its mean shading loss, then the random planes with
  the demo's skylines given to them in turn (every plane shaded), aggregates
  only: exact mode (each plane its own chain), then fast mode (each plane
  interpolates its grid nodes' components, masked by its skyline) beside the
  fast mode without horizons, both best of ``FAST_REPEAT`` calls, in wall
  time and in CPU time of this process (the one-core figure on a shared
  machine); the fast shaded mode's largest error against the exact one.

Weather: the embedded synthetic Nantes year if ``solar.synthetic_weather`` is
importable, else pvlib's Greensboro TMY3.

Usage: ``.venv/bin/python bench/pv_engine.py [--planes 10000] [--sample 20]
[--batches 100,1000,10000]``.
The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
from pvlib.location import Location

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geodata.demo import DEMO_SITE, demo_buildings  # noqa: E402
from planner.rooftops import RooftopChain  # noqa: E402
from solar.engine import PVParams, modelchain_ac_kw, simulate_planes  # noqa: E402
from solar.typical_year import TIMEZONE  # noqa: E402

# Best of this many calls for the batches below 1,000 planes (a few ms each:
# one call would carry the noise of a shared machine).
SMALL_BATCH_REPEAT = 3
# Best of this many calls for the side-by-side fast runs with and without horizons.
FAST_REPEAT = 3


def _weather() -> tuple[pd.DataFrame, Location, str]:
    try:
        from solar.synthetic_weather import synthetic_year

        weather, meta = synthetic_year(47.2, -1.55, seed=0)
        location = Location(47.2, -1.55, altitude=meta.get("altitude") or 0.0)
        return weather, location, "synthetic Nantes year (solar.synthetic_weather, seed 0)"
    except ImportError:
        path = importlib.resources.files("pvlib") / "data" / "723170TYA.CSV"
        data, meta = pvlib.iotools.read_tmy3(str(path), coerce_year=2025)
        data.index = data.index - pd.Timedelta(hours=1)  # TMY3 labels the end of the hour
        weather = data[["ghi", "dni", "dhi", "temp_air", "wind_speed"]]
        location = Location(meta["latitude"], meta["longitude"], altitude=meta["altitude"])
        return weather, location, "pvlib Greensboro TMY3"


def _planes(n: int, seed: int = 20251128) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tilt = rng.uniform(0, 90, n)
    return pd.DataFrame(
        {
            "surface_tilt": tilt,
            "surface_azimuth": rng.uniform(0, 360, n),
            "kwp": rng.uniform(1, 36, n),
            "mounting": np.where(tilt < 10, "rack", "roof"),
        },
        index=pd.Index([f"plane{i:05d}" for i in range(n)], name="plane"),
    )


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _best_of(fn, repeat: int):
    """Result of ``fn`` and its best wall and CPU (this process) times over ``repeat`` calls [s]."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return out, min(wall), min(cpu)


def _traced_peak_mib(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del out
    return peak


def _shading(planes, weather, location, params) -> dict[str, float]:
    """Time the engine with horizon profiles, on the demo then on ``planes``."""
    buildings = demo_buildings()
    site = Location(
        DEMO_SITE["latitude"], DEMO_SITE["longitude"], tz=TIMEZONE, altitude=DEMO_SITE["altitude"]
    )
    chain = RooftopChain(buildings, site)
    demo, roofs_s = _timed(chain.roof_planes)
    frame, horizon_s = _timed(chain.horizons)
    horizon = frame.to_numpy()
    frame = demo.set_index("plane_id")[["surface_tilt", "surface_azimuth", "kwp", "mounting"]]
    _, plain_s = _timed(lambda: simulate_planes(frame, weather, location, params))
    shaded, shaded_s = _timed(
        lambda: simulate_planes(frame, weather, location, params, horizon=horizon)
    )
    loss = shaded.shading_loss_percent
    n_shaded = int((loss > 0).sum())
    weighted = 100.0 * (1.0 - shaded.annual_kwh.sum() / shaded.unshaded_annual_kwh.sum())
    print(
        f"demo  : {len(buildings)} buildings, {len(frame)} planes ({n_shaded} shaded); roof "
        f"planes {roofs_s:.2f} s, horizons {horizon_s:.2f} s, engine {plain_s:.2f} s without "
        f"/ {shaded_s:.2f} s with horizons; shading loss mean {loss.mean():.2f} %, median "
        f"{loss.median():.2f} %, max {loss.max():.1f} %, energy-weighted {weighted:.2f} %"
    )
    # Every random plane shaded by one of the demo's (non-zero) skylines.
    skylines = horizon[(horizon > 0).any(axis=1)]
    many = skylines[np.arange(len(planes)) % len(skylines)]
    big, big_s = _timed(lambda: simulate_planes(planes, weather, location, params, horizon=many))
    big_mib = _traced_peak_mib(
        lambda: simulate_planes(planes, weather, location, params, horizon=many)
    )
    print(
        f"shaded: {big_s:8.2f} s for {len(planes)} planes all shaded (exact, aggregates), "
        f"traced peak {big_mib:.0f} MiB, mean loss {big.shading_loss_percent.mean():.2f} %"
    )
    n = len(planes)
    plain, plain_fast_s, plain_fast_cpu = _best_of(
        lambda: simulate_planes(planes, weather, location, params, mode="fast"), FAST_REPEAT
    )
    quick, quick_s, quick_cpu = _best_of(
        lambda: simulate_planes(planes, weather, location, params, mode="fast", horizon=many),
        FAST_REPEAT,
    )
    quick_mib = _traced_peak_mib(
        lambda: simulate_planes(planes, weather, location, params, mode="fast", horizon=many)
    )
    quick_err = float((quick.annual_kwh / big.annual_kwh - 1).abs().max())
    loss_gap = float((quick.shading_loss_percent - big.shading_loss_percent).abs().max())
    print(
        f"fast shaded: {quick_s:6.2f} s wall, {quick_cpu:.2f} s CPU for {n} planes all shaded "
        f"({n / quick_s:.0f} planes/s wall, {n / quick_cpu:.0f} CPU) beside fast unshaded "
        f"{plain_fast_s:.2f} s wall, {plain_fast_cpu:.2f} s CPU ({n / plain_fast_s:.0f} / "
        f"{n / plain_fast_cpu:.0f} planes/s) and exact shaded {n / big_s:.0f} planes/s; "
        f"vs exact shaded max {quick_err:.2%}, loss gap max {loss_gap:.2f} points, "
        f"traced peak {quick_mib:.0f} MiB"
    )
    demo_fast, demo_fast_s = _timed(
        lambda: simulate_planes(frame, weather, location, params, mode="fast", horizon=horizon)
    )
    demo_err = float((demo_fast.annual_kwh / shaded.annual_kwh - 1).abs().max())
    print(f"demo  : fast with horizons {demo_fast_s:.2f} s, max {demo_err:.2%} from exact")
    del plain
    return {
        "demo_planes": len(frame),
        "demo_shaded_planes": n_shaded,
        "demo_horizon_profiles_seconds": round(horizon_s, 3),
        "demo_engine_seconds": round(plain_s, 3),
        "demo_engine_with_horizon_seconds": round(shaded_s, 3),
        "demo_mean_shading_loss_percent": round(float(loss.mean()), 2),
        "demo_energy_weighted_shading_loss_percent": round(weighted, 2),
        "shaded_exact_planes_per_s": round(len(planes) / big_s, 1),
        "shaded_aggregates_traced_peak_mib": round(big_mib, 1),
        "shaded_fast_planes_per_s": round(n / quick_s, 1),
        "shaded_fast_cpu_planes_per_s": round(n / quick_cpu, 1),
        "unshaded_fast_planes_per_s": round(n / plain_fast_s, 1),
        "unshaded_fast_cpu_planes_per_s": round(n / plain_fast_cpu, 1),
        "shaded_fast_max_rel_error_vs_exact": float(f"{quick_err:.3g}"),
        "shaded_fast_max_loss_gap_points": float(f"{loss_gap:.3g}"),
        "shaded_fast_traced_peak_mib": round(quick_mib, 1),
        "demo_engine_fast_with_horizon_seconds": round(demo_fast_s, 3),
        "demo_fast_max_rel_error_vs_exact": float(f"{demo_err:.3g}"),
    }


def _batches(planes, weather, location, params, sizes, per_plane_s, known) -> dict[str, float]:
    """Time the engine per call at each batch size; the speed-up over the ModelChain loop.

    ``known`` holds the times [s] already measured on all planes, per mode.
    """
    out: dict[str, float] = {}
    for mode in ("exact", "fast"):
        times = []
        for n in sizes:
            if n == len(planes):
                times.append(known[mode])
            else:
                repeat = SMALL_BATCH_REPEAT if n < 1000 else 1
                batch = planes.iloc[:n]
                times.append(
                    min(
                        _timed(
                            lambda b=batch, m=mode: simulate_planes(
                                b, weather, location, params, mode=m
                            )
                        )[1]
                        for _ in range(repeat)
                    )
                )
            best = times[-1]
            speedup = n * per_plane_s / best
            out[f"{mode}_{n}_planes_seconds"] = round(best, 4)
            out[f"{mode}_vs_modelchain_at_{n}_planes"] = round(speedup, 1)
            print(
                f"batch : {mode:5s} {n:6d} planes in {best:7.3f} s per call, "
                f"{speedup:6.0f}x the ModelChain loop"
            )
        if len(sizes) > 1:
            marginal, fixed = np.polyfit(np.asarray(sizes, float), np.asarray(times), 1)
            out[f"{mode}_fixed_seconds_per_call"] = round(float(fixed), 4)
            out[f"{mode}_marginal_ms_per_plane"] = round(float(marginal) * 1000, 4)
            print(
                f"fit   : {mode:5s} fixed cost {fixed * 1000:.0f} ms per call, "
                f"{marginal * 1000:.3f} ms per plane beyond it"
            )
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the bench, print one line per measurement and the JSON figures; return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--planes", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument(
        "--batches",
        default="100,1000,10000",
        help="comma-separated batch sizes [planes] (those above --planes are skipped)",
    )
    args = parser.parse_args(argv)
    sizes = {int(n) for n in args.batches.split(",") if 0 < int(n) < args.planes}
    sizes = sorted(sizes | {args.planes})
    t0 = time.perf_counter()

    weather, location, source = _weather()
    planes = _planes(args.planes)
    params = PVParams()
    print(f"weather: {source}, {len(weather)} hours; planes: {len(planes)}")

    # Warm-up on a few planes so that imports and first-call costs are not timed.
    simulate_planes(planes.iloc[:5], weather, location, params)

    fast, fast_s = _timed(lambda: simulate_planes(planes, weather, location, params, mode="fast"))
    exact, exact_s = _timed(lambda: simulate_planes(planes, weather, location, params))
    print(f"fast  : {fast_s:8.2f} s, {len(fast.orientations)} grid profiles")
    print(f"exact : {exact_s:8.2f} s, {len(exact.orientations)} distinct orientations")

    sample = planes.sample(args.sample, random_state=1)
    loop_s = 0.0
    chain_kwh = {}
    for plane_id, plane in sample.iterrows():
        ac, dt = _timed(lambda plane=plane: modelchain_ac_kw(plane, weather, location, params))
        loop_s += dt
        chain_kwh[plane_id] = ac.sum()
    chain_kwh = pd.Series(chain_kwh)
    per_plane = loop_s / len(sample)
    print(
        f"loop  : {loop_s:8.2f} s for {len(sample)} ModelChain runs, {per_plane * 1000:.1f} ms "
        f"per plane -> {per_plane * len(planes):.0f} s extrapolated to {len(planes)} planes"
    )

    exact_err = (exact.annual_kwh[chain_kwh.index] / chain_kwh - 1).abs().max()
    fast_err = (fast.annual_kwh / exact.annual_kwh - 1).abs().max()
    print(f"accuracy: exact vs ModelChain max {exact_err:.2e}; fast vs exact max {fast_err:.2%}")

    agg_fast_mib = _traced_peak_mib(
        lambda: simulate_planes(planes, weather, location, params, mode="fast")
    )
    agg_exact_mib = _traced_peak_mib(lambda: simulate_planes(planes, weather, location, params))
    rss_aggregates = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hourly, hourly_s = _timed(
        lambda: simulate_planes(planes, weather, location, params, hourly=True)
    )
    del hourly
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory: traced peak aggregates-only fast {agg_fast_mib:.0f} MiB, exact "
        f"{agg_exact_mib:.0f} MiB; peak RSS {rss_aggregates:.0f} MiB after aggregates-only "
        f"runs, {rss_peak:.0f} MiB after exact hourly=True ({hourly_s:.1f} s)"
    )

    known = {"exact": exact_s, "fast": fast_s}
    batches = _batches(planes, weather, location, params, sizes, per_plane, known)
    shading = _shading(planes, weather, location, params)

    planes_n = len(planes)
    fast_rate = planes_n / fast_s
    exact_rate = planes_n / exact_s
    chain_rate = 1.0 / per_plane
    print(
        f"planes/s: fast {fast_rate:.0f}, exact {exact_rate:.0f} on {planes_n} planes, "
        f"ModelChain {chain_rate:.1f} (extrapolated); speed-up per batch size above"
    )
    figures = {
        "planes": planes_n,
        "fast_planes_per_s": round(fast_rate, 1),
        "exact_planes_per_s": round(exact_rate, 1),
        "modelchain_planes_per_s": round(chain_rate, 2),
        "modelchain_sample_planes": len(sample),
        "modelchain_seconds_per_plane": round(per_plane, 4),
        **batches,
        "fast_max_rel_error_vs_exact": float(f"{fast_err:.3g}"),
        "exact_max_rel_error_vs_modelchain": float(f"{exact_err:.3g}"),
        "aggregates_fast_traced_peak_mib": round(agg_fast_mib, 1),
        "aggregates_exact_traced_peak_mib": round(agg_exact_mib, 1),
        "aggregates_peak_rss_mib": round(rss_aggregates, 1),
        "hourly_exact_seconds": round(hourly_s, 2),
        "peak_rss_mib": round(rss_peak, 1),
        **shading,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
