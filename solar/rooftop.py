"""Rooftop potential of a neighbourhood: roof planes + weather -> yield per roof.

The one orchestrator behind the map: it runs the batch engine on every roof
plane, then summarises per building. It takes the planes frame that
``geodata.roof_planes`` produces, and knows nothing of how it was built.

A roof plane is *suitable* when its specific yield reaches a share of what a
reference plane (30 deg tilt, due south, flush-mounted) produces under the same
weather. The 80 % default is our assumption, shown and editable in the app: it
keeps south-east to south-west roofs and excludes north-facing ones. How east
and west roofs fare depends on the climate's share of diffuse light: in the
embedded Nantes year (diffuse share 0.40 of GHI) a 30 deg plane facing due
east keeps 77.5 % of the reference and one facing due west 77.0 %, just under
the threshold (pinned by ``tests/solar/test_rooftop.py``). Real typical years
with more diffuse light (0.44-0.56) bring them closer to it. A building is
suitable when it has at least ``min_suitable_kwp`` of suitable planes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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
        unshaded_annual_kwh [kWh/yr], shading_loss_percent [%],
        specific_yield_kwh_kwp [kWh/kWp/yr] and suitable [bool].
    monthly_kwh : pandas.DataFrame
        Plane x month (1-12) energy [kWh].
    buildings : pandas.DataFrame
        One row per building_id: planes, kwp [kWp] (all planes), suitable_kwp
        [kWp], suitable_annual_kwh [kWh/yr], best_specific_yield_kwh_kwp
        [kWh/kWp/yr], shading_loss_percent [%] and suitable [bool].
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
    horizon: np.ndarray | None = None,
    sector_deg: float = 10.0,
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
    horizon : numpy.ndarray, optional
        Skyline of each plane, in the order of ``planes``: elevation [deg] per
        azimuth sector (``geodata.shading.horizon_profiles``). None: no shading.
    sector_deg : float
        Width of the horizon's azimuth sectors [deg].

    Returns
    -------
    RooftopYield
        Shading counts in the specific yield, hence in suitability; the
        reference plane stays unshaded, as a roof in the open would be.
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
    if horizon is not None:
        horizon = np.vstack([horizon, np.zeros((1, horizon.shape[1]))])
    result = simulate_planes(
        both, weather, location, params, mode=mode, horizon=horizon, sector_deg=sector_deg
    )
    reference_yield = float(result.specific_yield_kwh_kwp.loc["reference"])

    out = planes.copy()
    out["annual_kwh"] = result.annual_kwh.loc[planes.index]
    out["unshaded_annual_kwh"] = result.unshaded_annual_kwh.loc[planes.index]
    out["shading_loss_percent"] = result.shading_loss_percent.loc[planes.index]
    # NaN where a plane has no installable power (existing PV, too small).
    out["specific_yield_kwh_kwp"] = result.specific_yield_kwh_kwp.loc[planes.index]
    threshold = suitability.min_share_of_reference * reference_yield
    out["suitable"] = (out["specific_yield_kwh_kwp"] >= threshold) & (out["kwp"] > 0)

    suitable_kwp = out["kwp"].where(out["suitable"], 0.0)
    suitable_kwh = out["annual_kwh"].where(out["suitable"], 0.0)
    grouped = out.assign(suitable_kwp=suitable_kwp, suitable_kwh=suitable_kwh).groupby(
        "building_id", sort=False
    )
    unshaded = grouped["unshaded_annual_kwh"].sum()
    buildings = pd.DataFrame(
        {
            "planes": grouped.size(),
            "kwp": grouped["kwp"].sum(),
            "suitable_kwp": grouped["suitable_kwp"].sum(),
            "suitable_annual_kwh": grouped["suitable_kwh"].sum(),
            "best_specific_yield_kwh_kwp": grouped["specific_yield_kwh_kwp"].max(),
            # Energy lost to neighbours' shade over all the roof's planes [%].
            "shading_loss_percent": 100
            * (1 - grouped["annual_kwh"].sum() / unshaded.where(unshaded > 0)),
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
    horizon: np.ndarray | None = None,
    sector_deg: float = 10.0,
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
    horizon, sector_deg
        Skylines of these planes, in their order, as for :func:`simulate_rooftops`.

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
    result = simulate_planes(
        planes[columns],
        weather,
        location,
        params,
        hourly=True,
        horizon=horizon,
        sector_deg=sector_deg,
    )
    power = to_settlement_step(result.ac_kw.sum(axis=1), step)
    hours = pd.Timedelta(step) / pd.Timedelta("1h")
    return (power * hours).rename("energy_kwh")
