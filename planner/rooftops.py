"""The rooftop chain: buildings -> roof planes -> horizons -> yield, outside any interface.

:class:`RooftopChain` is our :class:`pvlib.modelchain.ModelChain`: one object
that owns the steps, memoises them, and returns one frozen result,
:class:`RooftopRun`, with every finding of every step. The map page, the
command line (``quartier-solaire screen``), the benchmarks and the collective
planner all go through it; none of them re-assembles the steps by hand.

Steps, each memoised on the inputs it depends on
------------------------------------------------
1. :meth:`RooftopChain.roof_planes`: :func:`geodata.roofs.roof_planes`
   (roof parameters);
2. :meth:`RooftopChain.horizons`: :func:`geodata.shading.horizon_frame`, a
   frame plane id x sector centre azimuth [deg] (roof and shading parameters);
3. the simulation: :func:`solar.rooftop.simulate_rooftop_planes` with the
   horizons when shading is on (roof, PV and shading parameters, mode, weather);
4. suitability: :func:`solar.rooftop.apply_suitability`, applied AFTER the
   simulation, so that a changed threshold costs a classification, not a
   shaded simulation (:meth:`RooftopRun.with_suitability`).

:meth:`RooftopChain.with_config` returns a chain for another configuration
that shares the memo: the steps whose inputs did not change are not run again.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pvlib

from geodata.clusters import representative_point
from geodata.metric import metric_crs
from geodata.roofs import RoofParams, roof_planes
from geodata.shading import ShadingParams, horizon_frame
from quartier_solaire.errors import Problem
from solar.engine import PVParams
from solar.pvgis import weather_for_site
from solar.rooftop import (
    RooftopSimulation,
    SuitabilityParams,
    apply_suitability,
    simulate_rooftop_planes,
    summarise,
)
from solar.typical_year import TIMEZONE

# The parameters a RooftopConfig holds are part of the chain's API: callers
# (pages, command line) build configs without reaching into geodata or solar.
__all__ = [
    "FAST_MODE_PLANES",
    "MODES",
    "PVParams",
    "RoofParams",
    "RooftopChain",
    "RooftopConfig",
    "RooftopRun",
    "ShadingParams",
    "SuitabilityParams",
    "building_energy",
    "site_of",
]

MODES: tuple[str, ...] = ("exact", "fast", "auto")
"""Engine modes: exact, fast (orientation grid), or auto (fast above a plane count)."""

# Above this many roof planes "auto" uses the engine's fast mode (orientation
# bins, within 1 % of exact on any plane, see solar.engine); below it, exact.
FAST_MODE_PLANES = 2_000

# Columns of the simulated planes that the engine needs.
_ENGINE_COLUMNS = ["building_id", "surface_tilt", "surface_azimuth", "kwp", "mounting"]


@dataclass(frozen=True)
class RooftopConfig:
    """Every assumption of the rooftop chain, frozen and hashable.

    Parameters
    ----------
    roof : RoofParams
        Roof planes from footprints (:mod:`geodata.roofs`).
    pv : PVParams
        PV system shared by every plane (:mod:`solar.engine`).
    suitability : SuitabilityParams
        When a roof counts as suitable (:mod:`solar.rooftop`).
    shading : ShadingParams
        Whether and how far to look for the neighbours' shade (:mod:`geodata.shading`).
    mode : {"exact", "fast", "auto"}
        Engine mode; ``"auto"`` is fast above ``fast_above_planes`` planes.
    fast_above_planes : int
        Plane count above which ``"auto"`` is fast.
    """

    roof: RoofParams = RoofParams()
    pv: PVParams = PVParams()
    suitability: SuitabilityParams = SuitabilityParams()
    shading: ShadingParams = ShadingParams()
    mode: str = "auto"
    fast_above_planes: int = FAST_MODE_PLANES

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")

    def engine_mode(self, n_planes: int) -> str:
        """The engine mode for ``n_planes`` planes: ``"exact"`` or ``"fast"``."""
        if self.mode == "auto":
            return "fast" if n_planes > self.fast_above_planes else "exact"
        return self.mode


@dataclass(frozen=True)
class RooftopRun:
    """What the rooftop chain found: every plane, every building, every finding.

    Attributes
    ----------
    planes : pandas.DataFrame
        One row per roof plane, indexed by plane id: the columns of
        :func:`geodata.roofs.roof_planes` but the geometry, plus annual_kwh
        [kWh/yr], unshaded_annual_kwh [kWh/yr], shading_loss_percent [%],
        specific_yield_kwh_kwp [kWh/kWp/yr] and suitable [bool].
    buildings : pandas.DataFrame
        One row per building with roof planes, indexed by building id:
        planes, kwp [kWp], annual_kwh [kWh/yr] (all planes), suitable_kwp
        [kWp], suitable_annual_kwh [kWh/yr] (suitable planes),
        best_specific_yield_kwh_kwp [kWh/kWp/yr], shading_loss_percent [%]
        and suitable [bool].
    monthly_kwh : pandas.DataFrame
        Plane x month (1-12) energy [kWh].
    horizons : pandas.DataFrame or None
        Skyline elevation [deg], plane id x sector centre azimuth [deg]; None
        when shading is off.
    reference_specific_yield_kwh_kwp : float
        Specific yield of the reference plane (30 deg, due south) [kWh/kWp/yr].
    config : RooftopConfig
        The assumptions of this run.
    problems : tuple of Problem
        Every finding of every step, in step order.
    mode : str
        The engine mode used, ``"exact"`` or ``"fast"``.
    """

    planes: pd.DataFrame
    buildings: pd.DataFrame
    monthly_kwh: pd.DataFrame
    horizons: pd.DataFrame | None
    reference_specific_yield_kwh_kwp: float
    config: RooftopConfig
    problems: tuple[Problem, ...]
    mode: str
    simulation: RooftopSimulation = field(repr=False, compare=False)

    def summary(self) -> dict[str, float]:
        """Neighbourhood totals (:func:`solar.rooftop.summarise`)."""
        return summarise(self.buildings)

    def with_suitability(self, suitability: SuitabilityParams) -> RooftopRun:
        """The same run under other suitability thresholds, without simulating again."""
        return _finish(
            self.simulation,
            dataclasses.replace(self.config, suitability=suitability),
            self.horizons,
            self.problems,
            self.mode,
        )


def building_energy(run: RooftopRun, building_id: str, step: str = "30min") -> pd.Series:
    """What a building's suitable roof planes produce per settlement step [kWh].

    The planes' power is rebuilt from the run's simulation (same weather,
    mode and skylines), so the series sums to the building's
    ``suitable_annual_kwh`` up to the resampling to ``step``.

    Parameters
    ----------
    run : RooftopRun
        A run of the chain.
    building_id : str
        The building; one without suitable planes (or without planes) gives zeros.
    step : str
        Settlement step: ``"30min"`` or ``"15min"``.

    Returns
    -------
    pandas.Series
        AC energy per step [kWh], named ``energy_kwh``.
    """
    planes = run.planes
    chosen = planes.index[(planes["building_id"] == building_id) & planes["suitable"]]
    return run.simulation.energy(chosen, step)


def site_of(buildings: gpd.GeoDataFrame, name: str | None = None) -> pvlib.location.Location:
    """The pvlib location of a set of buildings.

    The centre of the buildings' main group (:func:`geodata.representative_point`:
    for a scattered file, not a field between its groups), footprints without a
    usable position in the metric CRS of :func:`geodata.metric.metric_crs` left
    out; its altitude from :func:`pvlib.location.lookup_altitude`, and the
    typical year's time zone.

    Raises
    ------
    ValueError
        If no building has a usable position.
    """
    crs = metric_crs(buildings)
    with np.errstate(invalid="ignore", over="ignore"):
        centroids = buildings.geometry.to_crs(crs).centroid
    ok = np.isfinite(centroids.x.to_numpy(float)) & np.isfinite(centroids.y.to_numpy(float))
    if not ok.any():
        raise ValueError("no building has a usable position")
    latitude, longitude = representative_point(buildings[ok])
    altitude = float(pvlib.location.lookup_altitude(latitude, longitude))
    return pvlib.location.Location(latitude, longitude, tz=TIMEZONE, altitude=altitude, name=name)


class RooftopChain:
    """Buildings -> roof planes -> horizons -> yield, each step memoised.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings in the schema of :mod:`geodata.schema` (EPSG:4326).
    location : pvlib.location.Location
        Site of the neighbourhood (weather, sun).
    config : RooftopConfig, optional
        The assumptions; the defaults when None.
    roof_planes, horizons, horizon_problems : optional
        Results of :meth:`roof_planes`, :meth:`horizons` and the horizons'
        findings already computed for these buildings and ``config`` (by a
        cache, say): they are taken as they are instead of being computed.

    Examples
    --------
    >>> chain = RooftopChain.for_buildings(buildings)  # doctest: +SKIP
    >>> run = chain.run_model()  # the embedded typical year of the site
    >>> run.buildings["suitable_annual_kwh"].sum()
    """

    def __init__(
        self,
        buildings: gpd.GeoDataFrame,
        location: pvlib.location.Location,
        config: RooftopConfig | None = None,
        *,
        roof_planes: gpd.GeoDataFrame | None = None,
        horizons: pd.DataFrame | None = None,
        horizon_problems: tuple[Problem, ...] | list[Problem] = (),
        _memo: dict | None = None,
    ) -> None:
        self.buildings = buildings
        self.location = location
        self.config = RooftopConfig() if config is None else config
        # Keyed by step and the parameters it depends on: chains made by
        # with_config share it, and reuse what their configs have in common.
        self._memo = {} if _memo is None else _memo
        if roof_planes is not None:
            self._memo[self._roof_key()] = roof_planes
        if horizons is not None:
            self._memo[self._horizons_key()] = (horizons, list(horizon_problems))

    @classmethod
    def for_buildings(
        cls,
        buildings: gpd.GeoDataFrame,
        config: RooftopConfig | None = None,
        *,
        name: str | None = None,
    ) -> RooftopChain:
        """A chain whose site is derived from the buildings (:func:`site_of`)."""
        return cls(buildings, site_of(buildings, name=name), config)

    def with_config(self, config: RooftopConfig) -> RooftopChain:
        """The same buildings and site under ``config``, sharing this chain's memo."""
        return RooftopChain(self.buildings, self.location, config, _memo=self._memo)

    def _memoised(self, key: tuple, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _roof_key(self) -> tuple:
        return ("roof_planes", self.config.roof)

    def _horizons_key(self) -> tuple:
        shading = self.config.shading
        return ("horizons", self.config.roof, shading.radius_m, shading.sector_deg)

    def roof_planes(self) -> gpd.GeoDataFrame:
        """Roof planes of every building (:func:`geodata.roofs.roof_planes`)."""
        return self._memoised(
            self._roof_key(), lambda: roof_planes(self.buildings, self.config.roof)
        )

    def horizons(self) -> pd.DataFrame:
        """Skyline of every plane [deg]: plane id x sector centre azimuth [deg]."""
        return self._horizons()[0]

    def horizon_problems(self) -> list[Problem]:
        """What the horizons step assumed (building heights) or left out."""
        return list(self._horizons()[1])

    def _horizons(self) -> tuple[pd.DataFrame, list[Problem]]:
        shading = self.config.shading
        return self._memoised(
            self._horizons_key(),
            lambda: horizon_frame(
                self.roof_planes(),
                self.buildings,
                radius_m=shading.radius_m,
                sector_deg=shading.sector_deg,
            ),
        )

    def weather(self) -> tuple[pd.DataFrame, dict]:
        """The embedded typical year of the site (:func:`solar.pvgis.weather_for_site`)."""
        lat, lon = round(self.location.latitude, 4), round(self.location.longitude, 4)
        return self._memoised(
            ("weather", lat, lon), lambda: weather_for_site(lat, lon, source="synthetic")
        )

    def run_model(self, weather: pd.DataFrame | None = None) -> RooftopRun:
        """Run every step and return the result.

        Parameters
        ----------
        weather : pandas.DataFrame, optional
            Hourly typical year (weather frame convention of
            :mod:`solar.engine`); None: the embedded synthetic year of the site,
            whose findings then join the run's.

        Returns
        -------
        RooftopRun
        """
        found: list[Problem] = []
        if weather is None:
            weather, meta = self.weather()
            found += list(meta.get("problems", []))
        planes = self.roof_planes()
        found += _roof_problems(self.buildings, planes)
        mode = self.config.engine_mode(len(planes))
        horizons = None
        if self.config.shading.enabled:
            horizons, shading_problems = self._horizons()
            found += list(shading_problems)
        simulation = self._simulate(planes, weather, mode, horizons)
        return _finish(simulation, self.config, horizons, tuple(found), mode)

    def _simulate(self, planes, weather, mode, horizons) -> RooftopSimulation:
        c = self.config
        # Without shading the skylines' radius and sectors do not matter.
        shading = c.shading if c.shading.enabled else None
        key = ("simulate", c.roof, c.pv, shading, mode, _weather_key(weather))

        def compute() -> RooftopSimulation:
            frame = pd.DataFrame(planes[_ENGINE_COLUMNS + _other_columns(planes)])
            frame = frame.set_index("plane_id")
            return simulate_rooftop_planes(
                frame, weather, self.location, c.pv, mode=mode, horizon=horizons
            )

        return self._memoised(key, compute)


def _other_columns(planes: gpd.GeoDataFrame) -> list[str]:
    """The planes' descriptive columns, kept in the result (geometry left out)."""
    return [c for c in planes.columns if c not in _ENGINE_COLUMNS and c != "geometry"]


def _weather_key(weather: pd.DataFrame) -> tuple:
    """A content key of a weather frame: equal frames, equal keys."""
    rows = pd.util.hash_pandas_object(weather, index=True).to_numpy()
    return (tuple(weather.columns), hashlib.sha256(rows.tobytes()).hexdigest())


def _finish(simulation, config, horizons, problems, mode) -> RooftopRun:
    """Apply the suitability thresholds to a simulation."""
    result = apply_suitability(simulation, config.suitability)
    return RooftopRun(
        planes=result.planes,
        buildings=result.buildings,
        monthly_kwh=result.monthly_kwh,
        horizons=horizons,
        reference_specific_yield_kwh_kwp=result.reference_specific_yield_kwh_kwp,
        config=config,
        problems=tuple(problems),
        mode=mode,
        simulation=simulation,
    )


def _roof_problems(buildings: gpd.GeoDataFrame, planes: gpd.GeoDataFrame) -> list[Problem]:
    """What the roof step left out: buildings without a plane, planes without modules."""
    ids = buildings["id"].astype("string") if "id" in buildings else buildings.index.astype(str)
    without = int((~pd.Index(ids).isin(planes["building_id"].astype("string"))).sum())
    out = []
    if without:
        out.append(
            Problem(
                code="roof_no_plane",
                message=f"{without} building(s) without any roof plane (footprint too small "
                "or unusable): left out of the rooftop potential.",
                severity="dropped",
                field="geometry",
                count=without,
            )
        )
    excluded = planes["excluded"].astype("string").fillna("")
    for reason in ("existing_pv", "below_min_area"):
        count = int((excluded == reason).sum())
        if count:
            out.append(
                Problem(
                    code=f"roof_plane_{reason}",
                    message=f"{count} roof plane(s) without modules ({reason.replace('_', ' ')}).",
                    severity="info",
                    count=count,
                )
            )
    return out
