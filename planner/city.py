"""A screened city: the figures it plans with, hexagons, and the largest roofs.

A screening (``quartier-solaire screen``) writes a directory with one
GeoParquet dataset of buildings, ``DIR/buildings/part-*.parquet``, one row per
building with its rooftop totals. This module reads it, aggregates it on H3
hexagons for a zoomed-out map, answers what is inside a view for a zoomed-in
one, and computes the totals a city plans with.

The share of consumption rooftops could cover needs the area's consumption,
which a screening does not carry. It is estimated as dwellings x the average
household consumption of 4.4 MWh/yr (CRE, January 2025 deliberation, see
DESIGN.md): only when the buildings carry a ``dwellings`` column, else the
share is None rather than a guess. It is an order of magnitude for planning:
it leaves out shops, offices and public buildings, and supposes every kWh of
the year could be used when it is produced.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from quartier_solaire.errors import ReadError

__all__ = [
    "HOUSEHOLD_KWH_PER_YEAR",
    "CityFigures",
    "by_district",
    "by_hexagon",
    "candidate_sites",
    "city_figures",
    "hexagon_cells",
    "in_view",
    "read_screening",
    "sites_csv",
    "sites_geojson",
]

# Average consumption of a household [kWh/yr] (CRE, regulated residential tariff).
HOUSEHOLD_KWH_PER_YEAR = 4_400.0
# Columns every screened building has (the screening's output contract).
SCREENING_COLUMNS = (
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
)
# Columns of the candidate sites, in the order they are exported.
SITE_COLUMNS = (
    "rank",
    "id",
    "name",
    "usage",
    "district",
    "suitable_kwp",
    "suitable_annual_kwh",
    "best_specific_yield_kwh_kwp",
)
# First characters a spreadsheet reads as a formula in a CSV cell.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CityFigures:
    """Totals of a screened area.

    Attributes
    ----------
    buildings : int
        Buildings screened.
    suitable_roofs : int
        Buildings with at least one suitable roof plane.
    suitable_mwp : float
        Installable peak power on suitable planes [MWp].
    annual_gwh : float
        Yearly production of the suitable planes [GWh/yr].
    dwellings : int or None
        Dwellings in the area, when the buildings carry them.
    consumption_gwh : float or None
        Estimated consumption, dwellings x 4.4 MWh/yr [GWh/yr].
    coverage : float or None
        annual_gwh / consumption_gwh [-]; may exceed 1.
    """

    buildings: int
    suitable_roofs: int
    suitable_mwp: float
    annual_gwh: float
    dwellings: int | None
    consumption_gwh: float | None
    coverage: float | None


def read_screening(directory: str | Path) -> gpd.GeoDataFrame:
    """Read the buildings of a screening directory, indexed 0..n-1, in EPSG:4326.

    Raises
    ------
    ReadError
        No ``buildings/*.parquet`` in it (``code="no_screening"``), a part
        that cannot be read (``"unreadable"``), or a column of the contract
        missing (``"screening_column"``).
    """
    directory = Path(directory)
    parts = sorted((directory / "buildings").glob("*.parquet"))
    if not parts:
        raise ReadError("no buildings/*.parquet in it", path=directory.name, code="no_screening")
    frames = []
    for part in parts:
        try:
            frames.append(gpd.read_parquet(part))
        except Exception as exc:  # pyarrow and geopandas raise many kinds
            raise ReadError("not a GeoParquet file", path=part.name, code="unreadable") from exc
    buildings = pd.concat(frames, ignore_index=True)
    for column in SCREENING_COLUMNS:
        if column not in buildings:
            raise ReadError(
                "a column of the screening is missing",
                path=directory.name,
                field=column,
                code="screening_column",
                params={"column": column},
            )
    buildings = gpd.GeoDataFrame(buildings, geometry="geometry", crs=frames[0].crs)
    if buildings.crs is not None and not buildings.crs.equals("EPSG:4326"):
        buildings = buildings.to_crs("EPSG:4326")
    buildings["id"] = buildings["id"].astype(str)
    buildings["suitable"] = buildings["suitable"].fillna(False).astype(bool)
    return buildings


def city_figures(buildings: pd.DataFrame) -> CityFigures:
    """Return the totals of screened buildings (see :class:`CityFigures`)."""
    annual_gwh = float(buildings["suitable_annual_kwh"].fillna(0).sum()) / 1e6
    dwellings = None
    consumption = coverage = None
    if "dwellings" in buildings and buildings["dwellings"].notna().any():
        dwellings = int(buildings["dwellings"].fillna(0).sum())
        consumption = dwellings * HOUSEHOLD_KWH_PER_YEAR / 1e6
        coverage = annual_gwh / consumption if consumption > 0 else None
    return CityFigures(
        buildings=len(buildings),
        suitable_roofs=int(buildings["suitable"].sum()),
        suitable_mwp=float(buildings["suitable_kwp"].fillna(0).sum()) / 1e3,
        annual_gwh=annual_gwh,
        dwellings=dwellings,
        consumption_gwh=consumption,
        coverage=coverage,
    )


def _totals(groups) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "buildings": groups.size(),
            "suitable_roofs": groups["suitable"].sum().astype(int),
            "suitable_mwp": groups["suitable_kwp"].sum() / 1e3,
            "annual_gwh": groups["suitable_annual_kwh"].sum() / 1e6,
        }
    )


def hexagon_cells(buildings: gpd.GeoDataFrame, resolution: int) -> np.ndarray:
    """Return the H3 cell (hex string) of each building's representative point."""
    points = shapely.point_on_surface(buildings.geometry.to_numpy())
    return np.array(
        [
            h3.latlng_to_cell(y, x, resolution)
            for x, y in zip(shapely.get_x(points), shapely.get_y(points), strict=True)
        ],
        dtype=object,
    )


def by_hexagon(buildings: gpd.GeoDataFrame, cells: np.ndarray) -> gpd.GeoDataFrame:
    """Return the totals per H3 cell, with each cell's hexagon as geometry.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Screened buildings (:func:`read_screening`).
    cells : numpy.ndarray
        Their cells (:func:`hexagon_cells`).
    """
    totals = _totals(pd.DataFrame(buildings.drop(columns="geometry")).groupby(cells))
    totals.index.name = "cell"
    hexagons = [
        shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in totals.index
    ]
    return gpd.GeoDataFrame(totals.reset_index(), geometry=hexagons, crs="EPSG:4326")


def by_district(buildings: pd.DataFrame) -> pd.DataFrame | None:
    """Return the totals per ``district``, or None when the buildings carry none."""
    if "district" not in buildings or buildings["district"].isna().all():
        return None
    frame = pd.DataFrame(buildings.drop(columns="geometry", errors="ignore"))
    return _totals(frame.groupby(frame["district"].astype(str)))


def in_view(
    buildings: gpd.GeoDataFrame, bounds: tuple[float, float, float, float]
) -> gpd.GeoDataFrame:
    """Return the buildings that touch (west, south, east, north), through the spatial index."""
    hits = buildings.sindex.query(shapely.box(*bounds), predicate="intersects")
    return buildings.iloc[np.sort(hits)]


def candidate_sites(buildings: gpd.GeoDataFrame, n: int = 50) -> gpd.GeoDataFrame:
    """Return the n largest suitable roofs, by installable power, as candidate sites.

    Large roofs (schools, gymnasiums, warehouses) come first: one roof for a
    collective project or a consultation. Columns: :data:`SITE_COLUMNS` and
    the footprint; ``name`` and ``district`` are empty when not in the data.
    """
    chosen = buildings.loc[buildings["suitable"] & (buildings["suitable_kwp"] > 0)]
    chosen = chosen.sort_values(["suitable_kwp", "id"], ascending=[False, True]).head(n)
    sites = gpd.GeoDataFrame(
        {
            column: chosen[column].to_numpy() if column in chosen else pd.NA
            for column in SITE_COLUMNS[1:]
        },
        geometry=chosen.geometry.to_numpy(),
        crs=buildings.crs,
    )
    sites.insert(0, "rank", np.arange(1, len(sites) + 1))
    return sites


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)) and not np.isnan(value):
        return repr(round(float(value), 3))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None or pd.isna(value) else str(value)
    # A name that starts like a formula would run in a spreadsheet: quote it.
    return "'" + text if text.startswith(_FORMULA) else text


def sites_csv(sites: gpd.GeoDataFrame) -> bytes:
    """Return the candidate sites as CSV (UTF-8 with BOM, for spreadsheets), text cells escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SITE_COLUMNS)
    for row in sites[list(SITE_COLUMNS)].itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sites_geojson(sites: gpd.GeoDataFrame) -> bytes:
    """Return the candidate sites as a GeoJSON FeatureCollection in EPSG:4326."""
    frame = sites.to_crs("EPSG:4326") if sites.crs is not None else sites
    frame = frame.astype({c: object for c in ("id", "name", "usage", "district")})
    frame = frame.where(frame.notna(), None)
    return json.dumps(json.loads(frame.to_json(drop_id=True)), ensure_ascii=False).encode("utf-8")
