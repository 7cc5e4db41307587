"""Candidate sites from the rooftop chain: the largest suitable roofs, with their figures."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pandas as pd
import shapely.geometry

from planner.consultation.records import CandidateSite
from planner.roof_share import AVERAGE_HOUSEHOLD_KWH

# How many households a roof's production could supply is counted against the
# average French household's consumption [kWh/yr] (CRE), as everywhere else.
HOUSEHOLD_KWH = AVERAGE_HOUSEHOLD_KWH


def candidate_sites(
    buildings: gpd.GeoDataFrame,
    rooftops: pd.DataFrame,
    computed_at: datetime,
    *,
    limit: int = 5,
    names: dict[str, str] | None = None,
) -> list[CandidateSite]:
    """Return the ``limit`` largest suitable roofs as candidate sites, largest first.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Footprints with an ``id`` column, in any CRS (turned to EPSG:4326).
    rooftops : pandas.DataFrame
        :attr:`planner.rooftops.RooftopRun.buildings`: indexed by building id,
        with suitable [bool], suitable_kwp [kWp], suitable_annual_kwh [kWh/yr]
        and shading_loss_percent [%].
    computed_at : datetime
        When the figures were simulated (aware).
    names : dict, optional
        A name per building id; otherwise ``"<building id>"``.

    Returns
    -------
    list of CandidateSite
        kwp [kWp], mwh_per_year [MWh/yr], households (annual kWh /
        :data:`HOUSEHOLD_KWH`, rounded down), shading_loss_pct [%].
    """
    suitable = rooftops[rooftops["suitable"] & (rooftops["suitable_kwp"] > 0)]
    largest = suitable.sort_values("suitable_kwp", ascending=False).head(limit)
    outlines = buildings.to_crs("EPSG:4326").set_index("id").geometry
    names = names or {}
    return [
        CandidateSite(
            name=names.get(str(building_id), str(building_id)),
            geometry=shapely.geometry.mapping(outlines.loc[building_id]),
            kwp=round(float(row["suitable_kwp"]), 1),
            mwh_per_year=round(float(row["suitable_annual_kwh"]) / 1000, 1),
            households=int(float(row["suitable_annual_kwh"]) // HOUSEHOLD_KWH),
            shading_loss_pct=_loss(row["shading_loss_percent"]),
            computed_at=computed_at,
            building_id=str(building_id),
        )
        for building_id, row in largest.iterrows()
        if building_id in outlines.index
    ]


def _loss(value: float) -> float:
    # NaN only where a roof has no installable power; clipped to the stored 0-100 %.
    return 0.0 if pd.isna(value) else round(min(max(float(value), 0.0), 100.0), 1)
