"""Screening every roof of a city on Dask: partitions with a halo, GeoParquet out.

:func:`screen_buildings` runs the rooftop chain (:class:`planner.rooftops.RooftopChain`)
on spatial partitions of a large set of buildings and writes two GeoParquet
datasets and a summary into a folder::

    DIR/buildings/part-00000.parquet   one row per building (EPSG:4326)
    DIR/planes/part-00000.parquet      one row per roof plane, monthly kWh m01..m12
    DIR/summary.json                   the totals
    DIR/manifest.json                  what the parts were computed from

How it stays equal to the single-process chain
----------------------------------------------
* Partitions: buildings in Hilbert order (:meth:`dask_geopandas.GeoDataFrame.hilbert_distance`
  on the bounds of the whole input), cut into runs of ``partition_size``
  buildings: each partition is a compact patch of the city.
* Halo: each partition also receives every other building within
  ``config.shading.radius_m`` of the convex hull of one of its buildings. A
  roof plane lies inside its building's hull, so every neighbour that the
  shading step (:func:`geodata.shading.horizon_frame`, neighbours within the
  radius of a plane's centroid) can see is in the partition. Halo buildings
  cast shade; their own roofs are not computed.
* One site for the whole run (:func:`planner.rooftops.site_of` on all
  buildings): every partition uses the same sun and the same weather year.
  Across a region wider than ~200 km the sun and the weather change enough to
  deserve one site per partition; this module does not do that.
* One engine mode for the whole run: ``"auto"`` is resolved once on the
  number of buildings (a lower bound of the number of planes), so that no
  partition switches mode because it happens to be small.

Where it runs
-------------
``client=None``: in this process, partition after partition (no Dask). With a
:class:`distributed.Client` (a LocalCluster or any scheduler): one task per
partition; the weather year is scattered to every worker once and each task
refers to it. Workers write their parts themselves: on a remote cluster the
output folder must be on a file system that every worker shares.

Resuming
--------
Each part is written to a temporary file then renamed, the planes part before
the buildings part: a partition is done when its buildings part exists. The
manifest holds a digest of the buildings, the configuration, the weather and
the partitioning; a run whose digest differs deletes the old parts first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pvlib
import shapely

from geodata.metric import metric_crs
from geodata.roofs import roof_planes
from geodata.shading import building_heights, horizon_frame
from planner.rooftops import RooftopChain, RooftopConfig, site_of

__all__ = [
    "BUILDING_COLUMNS",
    "MONTHS",
    "PARTITION_SIZE",
    "PLANE_COLUMNS",
    "ScreenResult",
    "local_cluster",
    "partition_with_halo",
    "resolve_mode",
    "screen_buildings",
    "screen_partition",
]

PARTITION_SIZE = 3_000
"""Buildings per partition by default: a few seconds of work, a few hundred MiB at most."""

BUILDING_COLUMNS: tuple[str, ...] = (
    "id",
    "usage",
    "planes",
    "kwp",
    "suitable_kwp",
    "annual_kwh",
    "suitable_annual_kwh",
    "best_specific_yield_kwh_kwp",
    "shading_loss_percent",
    "suitable",
    "geometry",
)
"""Columns of ``DIR/buildings``."""

MONTHS: tuple[str, ...] = tuple(f"m{m:02d}" for m in range(1, 13))

PLANE_COLUMNS: tuple[str, ...] = (
    "plane_id",
    "building_id",
    "surface_tilt",
    "surface_azimuth",
    "kwp",
    "annual_kwh",
    "specific_yield_kwh_kwp",
    "shading_loss_percent",
    "suitable",
    *MONTHS,
    "geometry",
)
"""Columns of ``DIR/planes``; m01..m12 are the monthly energy [kWh]."""

_MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ScreenResult:
    """What a screening wrote and how long it took.

    Attributes
    ----------
    summary : dict
        buildings, planes, suitable_buildings, suitable_kwp [kWp], annual_mwh
        [MWh/yr] (suitable planes), all_planes_annual_mwh [MWh/yr], mode,
        partitions, seconds, workers (0: in this process).
    out_dir : pathlib.Path
        The output folder.
    skipped : int
        Partitions found already written (resumed run).
    problems : dict
        Findings of every partition, count per code.
    """

    summary: dict[str, Any]
    out_dir: Path
    skipped: int
    problems: dict[str, int]


def partition_with_halo(
    buildings: gpd.GeoDataFrame, partition_size: int, radius_m: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Cut buildings into Hilbert-ordered partitions and find each one's halo.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings (any CRS with a metric equivalent, :func:`geodata.metric.metric_crs`).
    partition_size : int
        Buildings per partition (the last one may be smaller).
    radius_m : float
        Shading radius [m]: the halo holds the other partitions' buildings
        within this distance of a partition building's convex hull.

    Returns
    -------
    part : numpy.ndarray
        Partition number of every row of ``buildings``.
    halos : list of numpy.ndarray
        Per partition, the row positions of its halo buildings.
    """
    import dask_geopandas

    if partition_size < 1:
        raise ValueError(f"partition_size must be >= 1, got {partition_size}")
    n = len(buildings)
    n_parts = max(1, math.ceil(n / partition_size))
    geometry = buildings.geometry.reset_index(drop=True)
    dask_geometry = dask_geopandas.from_geopandas(geometry, npartitions=max(1, min(n_parts, 64)))
    distance = dask_geometry.hilbert_distance(total_bounds=geometry.total_bounds)
    order = np.argsort(distance.compute(scheduler="synchronous").to_numpy(), kind="stable")
    part = np.empty(n, dtype=np.int64)
    part[order] = np.arange(n) // partition_size
    metric = geometry.to_crs(metric_crs(buildings)).to_numpy()
    tree = shapely.STRtree(metric)
    inner, outer = tree.query(
        shapely.convex_hull(metric), predicate="dwithin", distance=float(radius_m)
    )
    across = part[inner] != part[outer]
    pairs = pd.DataFrame({"part": part[inner[across]], "row": outer[across]}).drop_duplicates()
    grouped = pairs.groupby("part")["row"]
    halos = [
        np.sort(grouped.get_group(p).to_numpy()) if p in grouped.groups else np.empty(0, np.int64)
        for p in range(n_parts)
    ]
    return part, halos


def screen_partition(
    index: int,
    core: gpd.GeoDataFrame,
    halo: gpd.GeoDataFrame,
    location: pvlib.location.Location,
    config: RooftopConfig,
    weather: pd.DataFrame,
    out_dir: str,
) -> dict[str, Any]:
    """Screen one partition and write its two parts; return its counts and findings.

    Runs on a worker (or in this process). ``config.mode`` must be ``"exact"``
    or ``"fast"`` (resolved once for the whole run).
    """
    buildings = pd.concat([core, halo], ignore_index=True) if len(halo) else core
    buildings = gpd.GeoDataFrame(buildings, geometry="geometry", crs=core.crs)
    planes = roof_planes(core, config.roof)
    shading = config.shading
    horizons, found = None, []
    if shading.enabled:
        horizons, found = horizon_frame(
            planes, buildings, radius_m=shading.radius_m, sector_deg=shading.sector_deg
        )
        # Height findings for this partition's buildings only: halo buildings
        # are counted in their own partition.
        found = [p for p in found if not p.code.startswith("shading_height_")]
        found += building_heights(core)[1]
    chain = RooftopChain(
        core, location, config, roof_planes=planes, horizons=horizons, horizon_problems=found
    )
    run = chain.run_model(weather)
    plane_part = _planes_part(run, planes)
    building_part = _buildings_part(core, run.buildings)
    out = Path(out_dir)
    _write_atomic(plane_part, out / "planes" / f"part-{index:05d}.parquet")
    _write_atomic(building_part, out / "buildings" / f"part-{index:05d}.parquet")
    problems: dict[str, int] = {}
    for p in run.problems:
        problems[p.code] = problems.get(p.code, 0) + int(p.count or 1)
    return {"index": index, "buildings": len(core), "planes": len(plane_part), "problems": problems}


def _planes_part(run, planes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = run.planes.copy()
    monthly = run.monthly_kwh.reindex(frame.index)
    for month, name in zip(range(1, 13), MONTHS, strict=True):
        frame[name] = monthly[month].to_numpy(float)
    geometry = planes.set_index("plane_id").geometry.reindex(frame.index)
    frame = frame.rename_axis("plane_id").reset_index()
    frame["suitable"] = frame["suitable"].astype(bool)
    out = gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=planes.crs)
    return out[list(PLANE_COLUMNS)].to_crs(4326)


def _buildings_part(core: gpd.GeoDataFrame, results: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every building of the partition; those without a plane get zeros, unsuitable."""
    ids = core["id"].astype("string")
    found = results.reindex(pd.Index(ids))
    frame = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "usage": core["usage"].astype("string").to_numpy() if "usage" in core else pd.NA,
        }
    )
    for column in BUILDING_COLUMNS[2:-1]:
        values = found[column].to_numpy()
        if column == "suitable":
            frame[column] = pd.array(values, dtype="boolean").fillna(False).astype(bool)
        elif column in ("best_specific_yield_kwh_kwp", "shading_loss_percent"):
            frame[column] = pd.to_numeric(values, errors="coerce").astype(float)
        else:
            frame[column] = pd.to_numeric(values, errors="coerce").astype(float)
            frame[column] = frame[column].fillna(0.0)
    frame["planes"] = frame["planes"].astype(np.int64)
    out = gpd.GeoDataFrame(frame, geometry=core.geometry.to_numpy(), crs=core.crs)
    return out.to_crs(4326)


def _write_atomic(frame: gpd.GeoDataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _digest(buildings: gpd.GeoDataFrame, config, weather, partition_size: int) -> str:
    """A digest of everything a part depends on."""
    h = hashlib.sha256()
    h.update(
        pd.util.hash_pandas_object(buildings.drop(columns="geometry"), index=False)
        .to_numpy()
        .tobytes()
    )
    h.update(b"".join(shapely.to_wkb(buildings.geometry.to_numpy())))
    h.update(repr(config).encode())
    h.update(pd.util.hash_pandas_object(weather, index=True).to_numpy().tobytes())
    h.update(f"{partition_size}/{_MANIFEST_VERSION}".encode())
    return h.hexdigest()


def _prepare(out: Path, digest: str, n_parts: int) -> set[int]:
    """The partitions already written for this digest; stale parts deleted."""
    manifest = out / "manifest.json"
    same = False
    if manifest.is_file():
        try:
            same = json.loads(manifest.read_text()).get("digest") == digest
        except (OSError, ValueError):
            same = False
    if not same:
        for folder in ("buildings", "planes"):
            for part in (out / folder).glob("*part-*.parquet*"):
                part.unlink()
        (out / "summary.json").unlink(missing_ok=True)
        out.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({"digest": digest, "partitions": n_parts}))
    return {i for i in range(n_parts) if (out / "buildings" / f"part-{i:05d}.parquet").is_file()}


def local_cluster(n_workers: int, **kwargs):
    """A :class:`distributed.LocalCluster` of ``n_workers`` processes, 1 thread each.

    Dask starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which makes
    glibc hand every large array back to the system and fault it in again: the
    rooftop chain then runs about 4x slower (measured on 3,000 buildings: 6.7 s
    in-process, 28.9 s with that variable, most of it system time). Here it
    is left unset; on your own cluster, unset it in the workers' environment
    (``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null``).
    """
    import logging

    import dask
    from distributed import LocalCluster

    options = {
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,
        "silence_logs": logging.CRITICAL,
        **kwargs,
    }
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(n_workers=n_workers, **options)


def resolve_mode(config: RooftopConfig, n_buildings: int) -> RooftopConfig:
    """``config`` with ``"auto"`` resolved once for the whole run, on the building count."""
    return dataclasses.replace(config, mode=config.engine_mode(n_buildings))


def screen_buildings(
    buildings: gpd.GeoDataFrame,
    out_dir: str | Path,
    *,
    config: RooftopConfig | None = None,
    weather: pd.DataFrame | None = None,
    location: pvlib.location.Location | None = None,
    client=None,
    partition_size: int = PARTITION_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> ScreenResult:
    """Screen every roof of ``buildings`` into ``out_dir``, partition by partition.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings in the schema of :mod:`geodata.schema` (EPSG:4326), unique ids.
    out_dir : str or Path
        Output folder (created); parts already written for the same inputs are kept.
    config : RooftopConfig, optional
        The rooftop chain's assumptions; ``"auto"`` mode is resolved once.
    weather : pandas.DataFrame, optional
        Hourly typical year; None: the embedded synthetic year of the site.
    location : pvlib.location.Location, optional
        The one site of the run; None: :func:`planner.rooftops.site_of` on all buildings.
    client : distributed.Client, optional
        Where to run; None: in this process, one partition after the other.
    partition_size : int
        Buildings per partition.
    progress : callable, optional
        Called as ``progress(done, total)`` after each partition.

    Returns
    -------
    ScreenResult
    """
    start = time.perf_counter()
    out = Path(out_dir)
    config = resolve_mode(RooftopConfig() if config is None else config, len(buildings))
    location = site_of(buildings) if location is None else location
    if weather is None:
        weather = RooftopChain(buildings.iloc[:0], location, config).weather()[0]
    buildings = buildings.reset_index(drop=True)
    part, halos = partition_with_halo(buildings, partition_size, config.shading.radius_m)
    n_parts = len(halos)
    done = _prepare(out, _digest(buildings, config, weather, partition_size), n_parts)
    todo = [i for i in range(n_parts) if i not in done]
    if progress:
        progress(len(done), n_parts)

    def args(i):
        halo = buildings.iloc[halos[i]] if config.shading.enabled else buildings.iloc[:0]
        return i, buildings[part == i], halo

    problems: dict[str, int] = {}
    finished = len(done)
    if client is None:
        results = (screen_partition(*args(i), location, config, weather, str(out)) for i in todo)
    else:
        results = _submit(client, todo, args, location, config, weather, out)
    for result in results:
        finished += 1
        for code, count in result["problems"].items():
            problems[code] = problems.get(code, 0) + count
        if progress:
            progress(finished, n_parts)
    workers = 0 if client is None else len(client.scheduler_info().get("workers", {}))
    summary = _summary(out, n_parts, config.mode, time.perf_counter() - start, workers)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return ScreenResult(summary, out, len(done), problems)


def _submit(client, todo, args, location, config, weather, out):
    """One task per partition; the weather year scattered once to every worker."""
    from distributed import as_completed

    weather_future = client.scatter(weather, broadcast=True)
    futures = []
    for i in todo:
        index, core, halo = args(i)
        core_f, halo_f = client.scatter([core, halo])
        futures.append(
            client.submit(
                screen_partition,
                index,
                core_f,
                halo_f,
                location,
                config,
                weather_future,
                str(out),
                key=f"screen-part-{i}",
                pure=False,
            )
        )
    for future in as_completed(futures):
        yield future.result()
        future.release()


def _summary(out: Path, n_parts: int, mode: str, seconds: float, workers: int) -> dict:
    """Totals read back from every part (so a resumed run counts every partition)."""
    import pyarrow.parquet as pq

    columns = ["suitable", "suitable_kwp", "suitable_annual_kwh", "annual_kwh"]
    frames = [
        pd.read_parquet(out / "buildings" / f"part-{i:05d}.parquet", columns=columns)
        for i in range(n_parts)
    ]
    b = pd.concat(frames, ignore_index=True)
    planes = sum(
        pq.read_metadata(out / "planes" / f"part-{i:05d}.parquet").num_rows for i in range(n_parts)
    )
    return {
        "buildings": int(len(b)),
        "planes": int(planes),
        "suitable_buildings": int(b["suitable"].sum()),
        "suitable_kwp": round(float(b["suitable_kwp"].sum()), 3),
        "annual_mwh": round(float(b["suitable_annual_kwh"].sum()) / 1e3, 3),
        "all_planes_annual_mwh": round(float(b["annual_kwh"].sum()) / 1e3, 3),
        "mode": mode,
        "partitions": n_parts,
        "seconds": round(seconds, 3),
        "workers": workers,
    }
