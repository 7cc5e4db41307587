"""Rooftop potential of a neighbourhood: roof planes + weather -> yield per roof.

The yield steps of the rooftop chain (``planner.rooftops.RooftopChain``), in
two parts: :func:`simulate_rooftop_planes` runs the batch engine on every roof
plane (the expensive part, with the neighbours' shade), and
:func:`apply_suitability` classifies and sums per building (cheap, so a changed
threshold does not simulate again). They take the planes frame that
``geodata.roof_planes`` produces, and know nothing of how it was built.

A roof plane is *suitable* when its specific yield reaches a share of what a
reference plane (30 deg tilt, due south, flush-mounted) produces under the same
weather. The 80 % default is our assumption, shown and editable in the app: it
keeps south-east to south-west roofs and excludes north-facing ones. How east
and west roofs fare depends on the climate's share of diffuse light: in the
embedded Nantes year (diffuse share 0.465 of GHI, within the 0.44-0.56 of real
typical years of similar climates) a 30 deg plane facing due east keeps 79.0 %
of the reference and one facing due west 78.5 %, just under the threshold
(pinned by ``tests/solar/test_rooftop.py``); a year with more diffuse light
can bring them over it. A building is suitable when it has at least
``min_suitable_kwp`` of suitable planes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pvlib

from solar.engine import PlaneYield, PVParams, simulate_planes
from solar.resample import to_settlement_step
from solar.shading import horizon_array

REFERENCE_TILT = 30.0  # [deg] best fixed tilt in western France is 30-35 deg (PVGIS)
REFERENCE_AZIMUTH = 180.0  # [deg] due south
_REFERENCE = "\x00reference"  # a plane id no building file can hold


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
class RooftopSimulation:
    """Yield of every roof plane under one weather year, before any suitability threshold.

    The expensive part of the rooftop potential (the simulation, with the
    neighbours' shade): :func:`apply_suitability` then classifies the roofs
    in a blink, so that changing a threshold does not simulate again.

    Attributes
    ----------
    planes : pandas.DataFrame
        One row per plane: the input columns plus annual_kwh [kWh/yr],
        unshaded_annual_kwh [kWh/yr], shading_loss_percent [%] and
        specific_yield_kwh_kwp [kWh/kWp/yr] (NaN without installable power).
    monthly_kwh : pandas.DataFrame
        Plane x month (1-12) energy [kWh].
    reference_specific_yield_kwh_kwp : float
        Specific yield of the reference plane [kWh/kWp/yr], unshaded.
    plane_yield : solar.engine.PlaneYield
        The engine's result, from which :meth:`energy` rebuilds time series.
    """

    planes: pd.DataFrame
    monthly_kwh: pd.DataFrame
    reference_specific_yield_kwh_kwp: float
    plane_yield: PlaneYield = field(repr=False, compare=False)

    def energy(self, plane_ids, step: str = "30min") -> pd.Series:
        """Energy that some planes produce together per settlement step [kWh].

        The planes' hourly power is rebuilt from the stored simulation (same
        mode, same skylines), so its sum is their ``annual_kwh``.

        Parameters
        ----------
        plane_ids : list-like
            Plane ids of :attr:`planes`; none gives zeros.
        step : str
            Settlement step: ``"30min"`` or ``"15min"``.

        Returns
        -------
        pandas.Series
            AC energy per step [kWh], named ``energy_kwh``.
        """
        power = self.plane_yield.ac_kw_for(plane_ids).sum(axis=1)
        return _to_energy(power, step)


@dataclass(frozen=True)
class RooftopYield:
    """Yield of every roof plane and every building, with suitability.

    Attributes
    ----------
    planes : pandas.DataFrame
        One row per plane: the columns of :class:`RooftopSimulation` plus
        suitable [bool].
    monthly_kwh : pandas.DataFrame
        Plane x month (1-12) energy [kWh].
    buildings : pandas.DataFrame
        One row per building_id: planes, kwp [kWp] (all planes), annual_kwh
        [kWh/yr] (all planes), suitable_kwp [kWp], suitable_annual_kwh
        [kWh/yr], best_specific_yield_kwh_kwp [kWh/kWp/yr],
        shading_loss_percent [%] and suitable [bool].
    reference_specific_yield_kwh_kwp : float
        Specific yield of the reference plane [kWh/kWp/yr].
    """

    planes: pd.DataFrame
    monthly_kwh: pd.DataFrame
    buildings: pd.DataFrame
    reference_specific_yield_kwh_kwp: float

    def summary(self) -> dict[str, float]:
        """Neighbourhood totals: buildings, suitable share, kWp [kWp] and GWh/yr."""
        return summarise(self.buildings)


def summarise(buildings: pd.DataFrame) -> dict[str, float]:
    """Neighbourhood totals of a per-building frame (:attr:`RooftopYield.buildings`).

    Returns buildings, suitable_buildings, suitable_share [-], suitable_kwp
    [kWp] and suitable_gwh_per_year [GWh/yr].
    """
    b = buildings
    return {
        "buildings": int(len(b)),
        "suitable_buildings": int(b["suitable"].sum()),
        "suitable_share": float(b["suitable"].mean()) if len(b) else 0.0,
        "suitable_kwp": float(b["suitable_kwp"].sum()),
        "suitable_gwh_per_year": float(b["suitable_annual_kwh"].sum()) / 1e6,
    }


def simulate_rooftop_planes(
    planes: pd.DataFrame,
    weather: pd.DataFrame,
    location: pvlib.location.Location,
    params: PVParams | None = None,
    *,
    mode: str = "exact",
    horizon: np.ndarray | pd.DataFrame | None = None,
    sector_deg: float | None = None,
) -> RooftopSimulation:
    """Simulate every roof plane and the reference plane, with no threshold applied.

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
    mode : str
        ``"exact"`` or ``"fast"`` (see :func:`solar.engine.simulate_planes`).
    horizon : pandas.DataFrame or numpy.ndarray, optional
        Skyline of each plane [deg]: a frame plane id x sector centre azimuth
        [deg] (``geodata.shading.horizon_frame``), or an array in the order of
        ``planes``. None: no shading.
    sector_deg : float, optional
        Width of an array's azimuth sectors [deg], default 10.

    Returns
    -------
    RooftopSimulation
        The reference plane stays unshaded, as a roof in the open would be.
    """
    params = params or PVParams()
    reference = pd.DataFrame(
        {
            "surface_tilt": [REFERENCE_TILT],
            "surface_azimuth": [REFERENCE_AZIMUTH],
            "kwp": [1.0],
            "mounting": ["roof"],
        },
        index=[_REFERENCE],
    )
    columns = ["surface_tilt", "surface_azimuth", "kwp", "mounting"]
    both = pd.concat([planes[columns], reference])
    if horizon is not None:
        horizon, sector_deg = horizon_array(horizon, planes.index, sector_deg)
        horizon = np.vstack([horizon, np.zeros((1, horizon.shape[1]))])
    result = simulate_planes(
        both, weather, location, params, mode=mode, horizon=horizon, sector_deg=sector_deg
    )
    out = planes.copy()
    out["annual_kwh"] = result.annual_kwh.loc[planes.index]
    out["unshaded_annual_kwh"] = result.unshaded_annual_kwh.loc[planes.index]
    out["shading_loss_percent"] = result.shading_loss_percent.loc[planes.index]
    # NaN where a plane has no installable power (existing PV, too small).
    out["specific_yield_kwh_kwp"] = result.specific_yield_kwh_kwp.loc[planes.index]
    return RooftopSimulation(
        planes=out,
        monthly_kwh=result.monthly_kwh.loc[planes.index],
        reference_specific_yield_kwh_kwp=float(result.specific_yield_kwh_kwp.loc[_REFERENCE]),
        plane_yield=result,
    )


def apply_suitability(
    simulation: RooftopSimulation, suitability: SuitabilityParams | None = None
) -> RooftopYield:
    """Classify the simulated planes and buildings as suitable, and sum per building.

    A plane is suitable when its specific yield reaches
    ``min_share_of_reference`` of the reference plane's (shading counts) and
    it has installable power; a building when its suitable planes reach
    ``min_suitable_kwp``.

    Parameters
    ----------
    simulation : RooftopSimulation
        What :func:`simulate_rooftop_planes` returned.
    suitability : SuitabilityParams, optional
        Thresholds for a suitable roof; the defaults when None.

    Returns
    -------
    RooftopYield
    """
    suitability = suitability or SuitabilityParams()
    reference_yield = simulation.reference_specific_yield_kwh_kwp
    out = simulation.planes.copy()
    threshold = suitability.min_share_of_reference * reference_yield
    out["suitable"] = (out["specific_yield_kwh_kwp"] >= threshold) & (out["kwp"] > 0)

    suitable_kwp = out["kwp"].where(out["suitable"], 0.0)
    suitable_kwh = out["annual_kwh"].where(out["suitable"], 0.0)
    grouped = out.assign(suitable_kwp=suitable_kwp, suitable_kwh=suitable_kwh).groupby(
        "building_id", sort=False
    )
    annual = grouped["annual_kwh"].sum()
    unshaded = grouped["unshaded_annual_kwh"].sum()
    buildings = pd.DataFrame(
        {
            "planes": grouped.size(),
            "kwp": grouped["kwp"].sum(),
            "annual_kwh": annual,
            "suitable_kwp": grouped["suitable_kwp"].sum(),
            "suitable_annual_kwh": grouped["suitable_kwh"].sum(),
            "best_specific_yield_kwh_kwp": grouped["specific_yield_kwh_kwp"].max(),
            # Energy lost to neighbours' shade over all the roof's planes [%].
            "shading_loss_percent": 100 * (1 - annual / unshaded.where(unshaded > 0)),
        }
    )
    buildings["suitable"] = buildings["suitable_kwp"] >= suitability.min_suitable_kwp
    return RooftopYield(
        planes=out,
        monthly_kwh=simulation.monthly_kwh,
        buildings=buildings,
        reference_specific_yield_kwh_kwp=reference_yield,
    )


def simulate_rooftops(
    planes: pd.DataFrame,
    weather: pd.DataFrame,
    location: pvlib.location.Location,
    params: PVParams | None = None,
    suitability: SuitabilityParams | None = None,
    *,
    mode: str = "exact",
    horizon: np.ndarray | pd.DataFrame | None = None,
    sector_deg: float | None = None,
) -> RooftopYield:
    """Simulate every roof plane and summarise per building, thresholds applied.

    :func:`simulate_rooftop_planes` then :func:`apply_suitability`; see them
    for the parameters. Shading counts in the specific yield, hence in
    suitability; the reference plane stays unshaded.
    """
    simulation = simulate_rooftop_planes(
        planes, weather, location, params, mode=mode, horizon=horizon, sector_deg=sector_deg
    )
    return apply_suitability(simulation, suitability)


def planes_energy(
    planes: pd.DataFrame,
    weather: pd.DataFrame,
    location: pvlib.location.Location,
    params: PVParams | None = None,
    *,
    step: str = "30min",
    horizon: np.ndarray | pd.DataFrame | None = None,
    sector_deg: float | None = None,
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
        Skylines of these planes, as for :func:`simulate_rooftop_planes`.

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
    return _to_energy(result.ac_kw.sum(axis=1), step)


def _to_energy(power: pd.Series, step: str) -> pd.Series:
    """Hourly mean power [kW] -> energy per settlement step [kWh]."""
    power = to_settlement_step(power, step)
    hours = pd.Timedelta(step) / pd.Timedelta("1h")
    return (power * hours).rename("energy_kwh")
