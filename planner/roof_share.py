"""A household is not a building: the share of a roof's production that is one home's.

A resident who compares their consumption with "their" roof compares with the
roof of the whole building. A block of 34 flats, a school or a campus hall
produces for many more people than one household, so the comparison is made
with the household's share: the roof's production divided among the
households that share it.

How many share the roof, in order:

1. the building's ``dwellings`` when the data give it (OpenStreetMap
   ``building:flats``, BD TOPO ``nombre_de_logements``);
2. for a residential building without that count, its floor area (footprint
   x levels, one level when unknown) times the share of it that is living area,
   divided by the average dwelling area of France: 63 m2 for a flat, 112 m2
   for a house (INSEE, *Les conditions de logement en France*, Insee
   Références, édition 2017, fiche "Surface des logements", enquête Logement
   2013);
3. for a building that is not a home (school, campus, gymnasium, shop), as
   many average households as its production supplies over the year, 4.4
   MWh/yr each (regulated-tariff residential customers, CRE deliberation of
   January 2025): the share a collective project could give one household.

Every default is editable by the user; the page says which rule gave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "AVERAGE_DWELLING_M2",
    "AVERAGE_HOUSEHOLD_KWH",
    "LIVING_SHARE",
    "RESIDENTIAL_USAGES",
    "Households",
    "footprint_m2",
    "households_sharing",
    "share_of",
]

# Average living area of a dwelling [m2] (INSEE, enquête Logement 2013, édition 2017).
AVERAGE_DWELLING_M2: dict[str, float] = {"apartments": 63.0, "residential": 112.0}
# Share of a building's gross floor area (footprint x levels) that is living area [-]:
# walls, stairwells and corridors take the rest (our assumption, about a fifth).
LIVING_SHARE = 0.8
# Average consumption of a residential customer [kWh/yr] (CRE, January 2025).
AVERAGE_HOUSEHOLD_KWH = 4400.0
RESIDENTIAL_USAGES = ("residential", "apartments")


@dataclass(frozen=True)
class Households:
    """How many households share a roof, and which rule said so.

    Attributes
    ----------
    count : int
        Households sharing the roof's production [-], at least 1.
    rule : str
        ``"dwellings"`` (the data's count), ``"floor_area"`` (estimated from
        footprint and levels) or ``"production"`` (a building that is not a
        home: as many average households as its production supplies).
    residential : bool
        True when the building is a home.
    """

    count: int
    rule: str
    residential: bool


def footprint_m2(planes: pd.DataFrame, building_id: str) -> float:
    """Footprint of a building [m2]: the horizontal area of its roof planes.

    Parameters
    ----------
    planes : pandas.DataFrame
        Roof planes with ``building_id`` and ``footprint_area_m2`` [m2] (the
        rooftop chain's plane table).
    building_id : str
        The building.
    """
    mine = planes["building_id"] == building_id
    return float(planes.loc[mine, "footprint_area_m2"].sum())


def _known_int(value) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def households_sharing(
    building: Mapping,
    footprint: float,
    annual_production_kwh: float,
    *,
    dwelling_m2: Mapping[str, float] = AVERAGE_DWELLING_M2,
    living_share: float = LIVING_SHARE,
    household_kwh: float = AVERAGE_HOUSEHOLD_KWH,
) -> Households:
    """Return how many households share a building's roof (see the module docstring).

    Parameters
    ----------
    building : mapping
        A row of the building schema: ``usage``, ``dwellings``, ``levels``.
    footprint : float
        Footprint of the building [m2].
    annual_production_kwh : float
        What the roof's suitable planes produce in a year [kWh/yr].
    dwelling_m2 : mapping
        Average living area of a dwelling by usage [m2].
    living_share : float
        Share of the gross floor area that is living area [-].
    household_kwh : float
        Consumption of an average household [kWh/yr].

    Returns
    -------
    Households
    """
    usage = building.get("usage")
    usage = "unknown" if usage is None or pd.isna(usage) else str(usage)
    residential = usage in RESIDENTIAL_USAGES
    dwellings = _known_int(building.get("dwellings"))
    if dwellings is not None and dwellings > 0:
        return Households(dwellings, "dwellings", residential)
    if residential:
        levels = _known_int(building.get("levels")) or 1
        living = max(footprint, 0.0) * max(levels, 1) * living_share
        count = round(living / dwelling_m2[usage])
        return Households(max(count, 1), "floor_area", True)
    count = round(max(annual_production_kwh, 0.0) / household_kwh)
    return Households(max(count, 1), "production", False)


def share_of(production: pd.Series, households: int) -> pd.Series:
    """One household's share of a roof's production, per step [kWh].

    Parameters
    ----------
    production : pandas.Series
        The roof's production per step [kWh].
    households : int
        Households sharing it equally [-], at least 1.
    """
    if households < 1:
        raise ValueError("at least one household shares a roof")
    return production / households
