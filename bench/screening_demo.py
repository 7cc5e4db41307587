"""A screening directory made of the demo neighbourhood, for tests and benchmarks.

The rooftop chain runs once on the demo; each tile of
:func:`bench.buildings.neighbourhood` takes its demo building's results (a
tile is the demo turned by a few degrees: its yields differ by less than the
map's colour classes). The directory has the layout ``quartier-solaire
screen`` writes: ``DIR/buildings/part-00000.parquet``, one row per building,
plus ``dwellings`` and a ``district`` (one per tile row) the screening passes
through from its source.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pvlib

from bench.buildings import neighbourhood
from geodata.demo import DEMO_SITE, demo_buildings
from planner.rooftops import RooftopChain
from solar.typical_year import TIMEZONE

RESULT_COLUMNS = (
    "planes",
    "kwp",
    "suitable_kwp",
    "annual_kwh",
    "suitable_annual_kwh",
    "best_specific_yield_kwh_kwp",
    "shading_loss_percent",
    "suitable",
)


def demo_run():
    """Return the rooftop chain's run on the demo neighbourhood."""
    site = pvlib.location.Location(
        DEMO_SITE["latitude"], DEMO_SITE["longitude"], tz=TIMEZONE, altitude=DEMO_SITE["altitude"]
    )
    return RooftopChain(demo_buildings(), site).run_model()


def screened_buildings(n_buildings: int, run=None) -> gpd.GeoDataFrame:
    """Return ``n_buildings`` tiled demo buildings with their screening columns."""
    run = run if run is not None else demo_run()
    tiles = neighbourhood(n_buildings)
    demo_id = tiles["id"].str.split("-", n=1).str[1]
    results = run.buildings.reindex(demo_id.to_numpy())
    frame = tiles[["id", "usage", "dwellings", "geometry"]].copy()
    for column in RESULT_COLUMNS:
        frame[column] = results[column].to_numpy()
    frame["suitable"] = frame["suitable"].fillna(False).astype(bool)
    frame["planes"] = frame["planes"].fillna(0).astype(int)
    # One district per tenth of the tiles, named like a city's.
    tile = tiles["id"].map(lambda i: int(re.match(r"t(\d+)-", i).group(1)))
    frame["district"] = [f"Quartier {k % 10 + 1}" for k in tile]
    return frame


def write_screening(directory: str | Path, n_buildings: int, run=None) -> Path:
    """Write a screening directory of ``n_buildings`` tiled demo buildings; return it."""
    directory = Path(directory)
    (directory / "buildings").mkdir(parents=True, exist_ok=True)
    screened_buildings(n_buildings, run).to_parquet(directory / "buildings" / "part-00000.parquet")
    return directory
