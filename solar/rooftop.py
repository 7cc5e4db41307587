"""Rooftop potential of a neighbourhood: roof planes + weather -> yield per roof.

The one orchestrator behind the map: it runs the batch engine on every roof
plane, then summarises per building. It takes the planes frame that
``geodata.roof_planes`` produces, and knows nothing of how it was built.

A roof plane is *suitable* when its specific yield reaches a share of what a
reference plane (30 deg tilt, due south, flush-mounted) produces under the same
weather. The 80 % default is our assumption, shown and editable in the app: a
plane facing east or west at 30 deg keeps roughly 80-85 % of the south-facing
yield in western France (PVGIS), so the threshold admits east-west roofs and
excludes north-facing ones. A building is suitable when it has at least
``min_suitable_kwp`` of suitable planes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pvlib

from solar.engine import PVParams, simulate_planes
from solar.resample import to_settlement_step

REFERENCE_TILT = 30.0  # [deg] best fixed tilt in western France is 30-35 deg (PVGIS)
REFERENCE_AZIMUTH = 180.0  # [deg] due south


@dataclass(frozen=True)
class SuitabilityParams:
    """When a roof counts as suitable.

    Parameters
    ----------
    min_share_of_reference : float
        Specific yield at least this share of the reference plane's [-].
    min_suitable_kwp : float
        Installable power on suitable planes at least this [kWp]; 1 kWp is
        about three modules, the smallest system installers quote.
    """

    min_share_of_reference: float = 0.80
    min_suitable_kwp: float = 1.0


@dataclass(frozen=True)
class RooftopYield:
    """Yield of every roof plane and every building.

    Attributes
    ----------
    planes : pandas.DataFrame
        One row per plane: the input columns plus annual_kwh [kWh/yr],
        specific_yield_kwh_kwp [kWh/kWp/yr] and suitable [bool].
    monthly_kwh : pandas.DataFrame
        Plane x month (1-12) energy [kWh].
    buildings : pandas.DataFrame
        One row per building_id: planes, kwp [kWp] (all planes), suitable_kwp
        [kWp], suitable_annual_kwh [kWh/yr], best_specific_yield_kwh_kwp
        [kWh/kWp/yr] and suitable [bool].
    reference_specific_yield_kwh_kwp : float
        Specific yield of the reference plane [kWh/kWp/yr].
    """

    planes: pd.DataFrame
    monthly_kwh: pd.DataFrame
    buildings: pd.DataFrame
    reference_specific_yield_kwh_kwp: float

    def summary(self) -> dict[str, float]:
        """Neighbourhood totals: buildings, suitable share, kWp [kWp] and GWh/yr."""
        b = self.buildings
        return {
            "buildings": int(len(b)),
            "suitable_buildings": int(b["suitable"].sum()),
            "suitable_share": float(b["suitable"].mean()) if len(b) else 0.0,
            "suitable_kwp": float(b["suitable_kwp"].sum()),
            "suitable_gwh_per_year": float(b["suitable_annual_kwh"].sum()) / 1e6,
        }


def simulate_rooftops(
    planes: pd.DataFrame,
    weather: pd.DataFrame,
    location: pvlib.location.Location,
    params: PVParams | None = None,
    suitability: SuitabilityParams | None = None,
    *,
    mode: str = "exact",
) -> RooftopYield:
    """Simulate every roof plane and summarise per building.

    Parameters
    ----------
    planes : pandas.DataFrame
        One row per plane with building_id, surface_tilt [deg],
        surface_azimuth [deg], kwp [kWp] and mounting ("roof" | "rack");
        the index holds plane ids.
    weather : pandas.DataFrame
        Hourly typical year (ghi, dni, dhi [W/m2], temp_air [C], wind_speed [m/s]).
    location : pvlib.location.Location
        Site of the neighbourhood.
    params : PVParams, optional
        System parameters shared by every plane; the defaults when None.
    suitability : SuitabilityParams, optional
        Thresholds for a suitable roof; the defaults when None.
    mode : str
        ``"exact"`` or ``"fast"`` (see :func:`solar.engine.simulate_planes`).

    Returns
    -------
    RooftopYield
    """
    params = params or PVParams()
    suitability = suitability or SuitabilityParams()
    reference = pd.DataFrame(
        {
            "surface_tilt": [REFERENCE_TILT],
            "surface_azimuth": [REFERENCE_AZIMUTH],
            "kwp": [1.0],
            "mounting": ["roof"],
        },
        index=["reference"],
    )
    columns = ["surface_tilt", "surface_azimuth", "kwp", "mounting"]
    both = pd.concat([planes[columns], reference])
    result = simulate_planes(both, weather, location, params, mode=mode)
    reference_yield = float(result.specific_yield_kwh_kwp.loc["reference"])

    out = planes.copy()
    out["annual_kwh"] = result.annual_kwh.loc[planes.index]
    # A plane with no installable power has no specific yield of its own, but its
    # orientation still has one (per kWp), which is what the map compares.
    out["specific_yield_kwh_kwp"] = result.specific_yield_kwh_kwp.loc[planes.index]
    threshold = suitability.min_share_of_reference * reference_yield
    out["suitable"] = (out["specific_yield_kwh_kwp"] >= threshold) & (out["kwp"] > 0)

    suitable_kwp = out["kwp"].where(out["suitable"], 0.0)
    suitable_kwh = out["annual_kwh"].where(out["suitable"], 0.0)
    grouped = out.assign(suitable_kwp=suitable_kwp, suitable_kwh=suitable_kwh).groupby(
        "building_id", sort=False
    )
    buildings = pd.DataFrame(
        {
            "planes": grouped.size(),
            "kwp": grouped["kwp"].sum(),
            "suitable_kwp": grouped["suitable_kwp"].sum(),
            "suitable_annual_kwh": grouped["suitable_kwh"].sum(),
            "best_specific_yield_kwh_kwp": grouped["specific_yield_kwh_kwp"].max(),
        }
    )
    buildings["suitable"] = buildings["suitable_kwp"] >= suitability.min_suitable_kwp
    return RooftopYield(
        planes=out,
        monthly_kwh=result.monthly_kwh.loc[planes.index],
        buildings=buildings,
        reference_specific_yield_kwh_kwp=reference_yield,
    )


def planes_energy(
    planes: pd.DataFrame,
    weather: pd.DataFrame,
    location: pvlib.location.Location,
    params: PVParams | None = None,
    *,
    step: str = "30min",
) -> pd.Series:
    """Return the energy that some planes produce together, per settlement step.

    Parameters
    ----------
    planes : pandas.DataFrame
        The planes (surface_tilt, surface_azimuth, kwp, mounting), e.g. the
        suitable planes of one building.
    weather, location, params
        As for :func:`simulate_rooftops`.
    step : str
        Settlement step: ``"30min"`` or ``"15min"``.

    Returns
    -------
    pandas.Series
        AC energy per step [kWh], named ``energy_kwh``; zeros without planes.
    """
    columns = ["surface_tilt", "surface_azimuth", "kwp", "mounting"]
    if planes.empty:
        index = pd.date_range(
            weather.index[0], weather.index[-1] + pd.Timedelta("1h"), freq=step, inclusive="left"
        )
        return pd.Series(0.0, index=index, name="energy_kwh")
    result = simulate_planes(planes[columns], weather, location, params, hourly=True)
    power = to_settlement_step(result.ac_kw.sum(axis=1), step)
    hours = pd.Timedelta(step) / pd.Timedelta("1h")
    return (power * hours).rename("energy_kwh")
