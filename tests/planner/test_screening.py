"""Screening on Dask gives the single-process answer, edges included, and resumes."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geodata.demo import demo_buildings
from geodata.schema import CRS, METRIC_CRS_FRANCE
from geodata.shading import ShadingParams
from planner.rooftops import RooftopConfig
from planner.screening import (
    BUILDING_COLUMNS,
    PLANE_COLUMNS,
    partition_with_halo,
    screen_buildings,
)

# Exact mode everywhere: the comparison does not depend on the auto threshold.
EXACT = RooftopConfig(mode="exact")


def _tiled(n: int) -> gpd.GeoDataFrame:
    """``n`` buildings: copies of the demo 20 m apart, so copies shade each other."""
    demo = demo_buildings(0).to_crs(METRIC_CRS_FRANCE)
    west, south, east, north = demo.total_bounds
    cols = math.ceil(math.sqrt(math.ceil(n / len(demo))))
    copies = []
    for k in range(math.ceil(n / len(demo))):
        row, col = divmod(k, cols)
        tile = demo.copy()
        tile["id"] = [f"t{k}-{i}" for i in demo["id"]]
        tile.geometry = demo.geometry.translate(
            col * (east - west + 20), row * (north - south + 20)
        )
        copies.append(tile)
    grid = pd.concat(copies, ignore_index=True).iloc[:n]
    return gpd.GeoDataFrame(grid, geometry="geometry", crs=METRIC_CRS_FRANCE).to_crs(CRS)


def _read(folder) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    buildings = pd.concat(
        [gpd.read_parquet(p) for p in sorted((folder / "buildings").glob("part-*.parquet"))]
    )
    planes = pd.concat(
        [gpd.read_parquet(p) for p in sorted((folder / "planes").glob("part-*.parquet"))]
    )
    return buildings.set_index("id").sort_index(), planes.set_index("plane_id").sort_index()


@pytest.fixture(scope="module")
def buildings():
    return _tiled(2_000)


def test_partitions_are_compact_and_their_halo_reaches_the_neighbours(buildings):
    part, halos = partition_with_halo(buildings, 300, radius_m=100.0)
    assert np.bincount(part).max() == 300 and len(halos) == math.ceil(2_000 / 300)
    assert all(len(h) for h in halos), "every partition has neighbours in another one"
    for p, halo in enumerate(halos):
        assert not (part[halo] == p).any()
    # Hilbert order: a partition is a patch, far smaller than the whole area.
    metric = buildings.to_crs(METRIC_CRS_FRANCE).geometry
    whole = metric.total_bounds
    first = metric[part == 0].total_bounds
    assert (first[2] - first[0]) * (first[3] - first[1]) < 0.5 * (
        (whole[2] - whole[0]) * (whole[3] - whole[1])
    )


def test_a_2_worker_cluster_gives_the_single_process_answer(buildings, tmp_path):
    from distributed import Client

    from planner.screening import local_cluster

    alone = screen_buildings(buildings, tmp_path / "alone", config=EXACT, partition_size=10**6)
    assert alone.summary["partitions"] == 1 and alone.summary["workers"] == 0
    with (
        local_cluster(2) as cluster,
        Client(cluster) as client,
    ):
        spread = screen_buildings(
            buildings, tmp_path / "spread", config=EXACT, client=client, partition_size=300
        )
    assert spread.summary["partitions"] == 7 and spread.summary["workers"] == 2
    b1, p1 = _read(tmp_path / "alone")
    b2, p2 = _read(tmp_path / "spread")
    assert list(b1.reset_index().columns) == list(BUILDING_COLUMNS)
    assert list(p1.reset_index().columns) == list(PLANE_COLUMNS)
    assert len(b1) == 2_000 and b1.index.equals(b2.index) and p1.index.equals(p2.index)
    numbers = b1.select_dtypes("number").columns
    np.testing.assert_allclose(b2[numbers], b1[numbers], rtol=1e-9, atol=1e-9)
    assert (b1["suitable"] == b2["suitable"]).all()
    numbers = p1.select_dtypes("number").columns
    np.testing.assert_allclose(p2[numbers], p1[numbers], rtol=1e-9, atol=1e-9)
    # Buildings on a partition's edge are shaded by buildings of the next one:
    # without the halo their shading would be lower.
    part, halos = partition_with_halo(buildings, 300, radius_m=100.0)
    edge = buildings["id"].iloc[np.unique(np.concatenate(halos))]
    assert (b1.loc[edge, "shading_loss_percent"] > 0).sum() > 50
    for key in ("buildings", "planes", "suitable_kwp", "annual_mwh"):
        assert spread.summary[key] == pytest.approx(alone.summary[key], rel=1e-9)


def test_without_the_halo_edge_buildings_would_lose_their_shade(buildings, tmp_path, monkeypatch):
    import planner.screening as screening

    small = buildings.iloc[:400]
    screen_buildings(small, tmp_path / "whole", config=EXACT, partition_size=10**6)
    cut = screen_buildings(small, tmp_path / "cut", config=EXACT, partition_size=100)
    assert cut.summary["partitions"] == 4
    a, _ = _read(tmp_path / "whole")
    b, _ = _read(tmp_path / "cut")
    np.testing.assert_allclose(b["annual_kwh"], a["annual_kwh"], rtol=1e-9)
    # Control: the same partitions with empty halos get edge buildings wrong.
    real = screening.partition_with_halo

    def no_halo(frame, size, radius_m):
        part, halos = real(frame, size, radius_m)
        return part, [h[:0] for h in halos]

    monkeypatch.setattr(screening, "partition_with_halo", no_halo)
    screen_buildings(small, tmp_path / "bare", config=EXACT, partition_size=100)
    c, _ = _read(tmp_path / "bare")
    brighter = c["annual_kwh"] > a["annual_kwh"] * (1 + 1e-6)
    assert brighter.sum() > 10 and (c["annual_kwh"] >= a["annual_kwh"] * (1 - 1e-9)).all()


def test_an_interrupted_screening_resumes_and_a_new_config_starts_afresh(buildings, tmp_path):
    small = buildings.iloc[:200]
    out = tmp_path / "out"
    first = screen_buildings(small, out, config=EXACT, partition_size=50)
    assert first.skipped == 0 and first.summary["partitions"] == 4
    # An interruption after two partitions: the last two parts are missing.
    for i in (2, 3):
        (out / "buildings" / f"part-{i:05d}.parquet").unlink()
    seen = []
    again = screen_buildings(
        small, out, config=EXACT, partition_size=50, progress=lambda d, n: seen.append(d)
    )
    assert again.skipped == 2 and seen == [2, 3, 4]
    assert again.summary["planes"] == first.summary["planes"]
    assert again.summary["annual_mwh"] == pytest.approx(first.summary["annual_mwh"], rel=1e-12)
    unshaded = RooftopConfig(mode="exact", shading=ShadingParams(enabled=False))
    other = screen_buildings(small, out, config=unshaded, partition_size=50)
    assert other.skipped == 0
    assert other.summary["annual_mwh"] > first.summary["annual_mwh"]
