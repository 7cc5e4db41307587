"""Screening a city on Dask: buildings per second, 2-worker speed-up, peak memory per worker.

For each size of ``--sizes`` (default 1,000, 10,000 and 100,000 buildings) a
synthetic neighbourhood is tiled from the demo generator
(:func:`bench.buildings.neighbourhood`: copies of :func:`geodata.demo.demo_buildings`
20 m apart, each turned by a seeded angle) and screened by
:func:`planner.screening.screen_buildings` with the page's assumptions
(``RooftopConfig()``: shading on within 100 m, mode ``"auto"`` resolved once on
the building count: fast above 2,000) on a fresh ``dask.distributed``
LocalCluster of 1 and of 2 workers (:func:`planner.screening.local_cluster`:
processes, 1 thread each, glibc's memory trimming left at its default),
partitions of
``--partition-size`` buildings (fewer for small sizes: at least 8 partitions,
so that two workers share the load, but at least 1,000 buildings each, so 1,000
buildings are one partition) with their shading halo, into a temporary
folder.

What is timed: the call to ``screen_buildings`` (partitioning, halos, every
partition's roof planes, horizons, simulation and parquet parts, the summary),
on a cluster whose workers were warmed up first by screening 200 buildings
(imports and first calls, a few seconds on a loaded machine, reported apart
as ``warmup_s``). The weather year (the embedded synthetic year of the site)
is computed once per size before timing. Peak memory per worker:
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` read in every worker process
after the run (a fresh cluster per run, so it is this run's peak).

One run per figure: the machine is shared, the figures carry its noise; the
load average at start is reported beside them. Results are written to
``bench/RESULTS.md`` (one section per set of sizes, between ``screen.py``
markers, replaced by the next run of the same sizes) unless ``--no-write``.

Usage: ``.venv/bin/python bench/screen.py [--sizes 1000,10000,100000] [--workers 1,2]
[--partition-size 3000]``. The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from buildings import neighbourhood  # noqa: E402

from planner.rooftops import RooftopChain, RooftopConfig, site_of  # noqa: E402
from planner.screening import PARTITION_SIZE, local_cluster, screen_buildings  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MIB = 2**20
WARMUP_BUILDINGS = 200
MIN_PARTITIONS = 8
MIN_PARTITION_SIZE = 1000


def _peak_rss_mib() -> float:
    """This process's peak resident memory [MiB] (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    """Cores, memory and load average of this machine, now."""
    import psutil

    load1, load5, _ = os.getloadavg()
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_1min": round(load1, 2),
        "load_average_5min": round(load5, 2),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }


def run_once(buildings, weather, location, workers: int, partition_size: int) -> dict:
    """Screen ``buildings`` on a fresh LocalCluster of ``workers``; its figures."""
    from distributed import Client

    config = RooftopConfig()
    start = time.perf_counter()
    with (
        local_cluster(workers) as cluster,
        Client(cluster) as client,
        tempfile.TemporaryDirectory() as tmp,
    ):
        screen_buildings(
            buildings.iloc[:WARMUP_BUILDINGS],
            Path(tmp) / "warmup",
            config=config,
            client=client,
            partition_size=min(WARMUP_BUILDINGS, len(buildings)) // workers + 1,
        )
        warmup = time.perf_counter() - start
        start = time.perf_counter()
        result = screen_buildings(
            buildings,
            Path(tmp) / "out",
            config=config,
            weather=weather,
            location=location,
            client=client,
            partition_size=partition_size,
        )
        seconds = time.perf_counter() - start
        peaks = client.run(_peak_rss_mib)
    return {
        "buildings": len(buildings),
        "workers": workers,
        "planes": result.summary["planes"],
        "mode": result.summary["mode"],
        "partitions": result.summary["partitions"],
        "partition_size": partition_size,
        "seconds": round(seconds, 2),
        "buildings_per_s": round(len(buildings) / seconds, 1),
        "peak_worker_rss_mib": round(max(peaks.values()), 1),
        "warmup_s": round(warmup, 2),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--partition-size", type=int, default=PARTITION_SIZE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    host = machine()
    print(f"machine: {host}")
    runs = []
    for size in sizes:
        buildings = neighbourhood(size, args.seed)
        location = site_of(buildings)
        weather = RooftopChain(buildings.iloc[:0], location).weather()[0]
        # At least MIN_PARTITIONS partitions, so that 2 workers share the load
        # evenly, but none under MIN_PARTITION_SIZE buildings: each partition
        # pays the engine's fixed cost per call (the sun's year) once.
        size_of_part = min(args.partition_size, max(MIN_PARTITION_SIZE, -(-size // MIN_PARTITIONS)))
        for workers in worker_counts:
            run = run_once(buildings, weather, location, workers, size_of_part)
            runs.append(run)
            print(
                f"{size:>7} buildings, {workers} worker(s): {run['seconds']:8.2f} s, "
                f"{run['buildings_per_s']:8.1f} buildings/s, {run['planes']} planes "
                f"({run['mode']}), {run['partitions']} partitions, peak "
                f"{run['peak_worker_rss_mib']:.0f} MiB/worker",
                flush=True,
            )
    figures = _figures(host, runs, sizes, args.partition_size)
    if not args.no_write:
        _write_results(figures)
    print(json.dumps(figures))
    return figures


def _figures(host: dict, runs: list[dict], sizes: list[int], partition_size: int) -> dict:
    by = {(r["buildings"], r["workers"]): r for r in runs}
    largest = max(sizes)
    speedups = {
        str(size): round(by[size, 1]["seconds"] / by[size, 2]["seconds"], 2)
        for size in sizes
        if (size, 1) in by and (size, 2) in by
    }
    one_worker = [r for r in runs if r["workers"] == 1 and r["buildings"] == largest]
    return {
        "machine": host,
        "partition_size": partition_size,
        "partition_sizes": {str(r["buildings"]): r["partition_size"] for r in runs},
        "runs": runs,
        "largest": largest,
        "seconds_100k_2_workers": by.get((100_000, 2), {}).get("seconds"),
        f"seconds_{largest}_2_workers": by.get((largest, 2), {}).get("seconds"),
        "speedup_2_workers": speedups.get(str(largest)),
        "speedup_2_workers_by_size": speedups,
        "peak_worker_rss_mib": max(r["peak_worker_rss_mib"] for r in runs),
        "buildings_per_s_per_worker": one_worker[0]["buildings_per_s"] if one_worker else None,
    }


def _write_results(figures: dict) -> None:
    """Replace this bench's section for these sizes in RESULTS.md (others keep theirs)."""
    host = figures["machine"]
    sizes = ",".join(str(r["buildings"]) for r in figures["runs"] if r["workers"] == 1)
    begin, end = f"<!-- screen.py {sizes}: begin -->", f"<!-- screen.py {sizes}: end -->"
    lines = [
        begin,
        f"## Screening on Dask (`bench/screen.py --sizes {sizes}`)",
        "",
        f"Machine: {host['nproc']} cores ({host['cpu']}), {host['memory_gib']} GiB, Python "
        f"{host['python']}; load average at start {host['load_average_1min']} (1 min), "
        f"{host['load_average_5min']} (5 min). The machine is SHARED with other jobs: "
        "one run per figure, carrying their noise.",
        f"Partitions of at most {figures['partition_size']} buildings (8 per run, "
        "of at least 1,000 buildings) "
        "with a 100 m shading halo; "
        "page's assumptions (shading on, mode auto resolved on the building count).",
        "",
        "| buildings | workers | planes | mode | seconds | buildings/s | peak MiB/worker |",
        "|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in figures["runs"]:
        lines.append(
            f"| {r['buildings']:,} | {r['workers']} | {r['planes']:,} | {r['mode']} | "
            f"{r['seconds']} | {r['buildings_per_s']} | {r['peak_worker_rss_mib']:.0f} |"
        )
    lines += [
        "",
        f"2-worker speed-up by size: {figures['speedup_2_workers_by_size']} (a size screened "
        "in one partition runs on one worker whatever the cluster: its ratio is noise; on a "
        "machine whose load average exceeds its cores, no second core is free either).",
        end,
    ]
    section = "\n".join(lines)
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text + ("" if text.endswith("\n") else "\n"))


if __name__ == "__main__":
    main()
