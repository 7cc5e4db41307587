"""PV yield of many roof planes at once: pvlib's PVWatts chain, vectorised.

Every roof plane of a neighbourhood is simulated with the chain of
:py:class:`pvlib.modelchain.ModelChain` configured as
``ModelChain(system, location, aoi_model='physical', spectral_model='no_loss',
dc_model='pvwatts', ac_model='pvwatts', losses_model='pvwatts',
transposition_model='haydavies')``, but without a Python loop over planes.

Model chain (pvlib functions called, in order)
----------------------------------------------
1. Solar position, once for all planes:
   :py:meth:`pvlib.location.Location.get_solarposition` (NREL SPA, numpy) at
   the MIDDLE of each interval, with the weather's ``pressure`` (else the
   location's, from its altitude) and ``temp_air`` for refraction, as
   ModelChain does. Extraterrestrial irradiance
   :py:func:`pvlib.irradiance.get_extra_radiation` and, for the Perez models,
   relative airmass :py:meth:`pvlib.location.Location.get_airmass`
   (Kasten & Young 1989, ModelChain's default) are computed once too.
2. Plane-of-array irradiance, the equations of
   :py:func:`pvlib.irradiance.get_total_irradiance` on a (time x orientation)
   grid: ``cos(aoi)`` of :py:func:`pvlib.irradiance.aoi_projection` as one
   (T x 3) @ (3 x G) matrix product of the sun's and the planes' unit vectors;
   sky diffuse by :py:func:`pvlib.irradiance.haydavies` (Hay & Davies 1980,
   default) or ``isotropic`` with their time-only terms factored out; any other
   model through :py:func:`pvlib.irradiance.get_sky_diffuse` by broadcasting;
   ground-reflected diffuse of :py:func:`pvlib.irradiance.get_ground_diffuse`
   and the sums of :py:func:`pvlib.irradiance.poa_components`.
3. Reflection losses: :py:func:`pvlib.iam.physical` (De Soto et al. 2006) on
   the direct part only; diffuse unchanged, as ModelChain's
   ``effective_irradiance = poa_direct * iam + poa_diffuse``; no spectral loss.
   The IAM is tabulated once on 10,001 values of ``cos(aoi)`` and interpolated
   linearly (within 1e-7 of pvlib, tested), ten times cheaper than calling it.
4. Cell temperature: the formula of :py:func:`pvlib.temperature.sapm_cell`
   from ``poa_global`` (King, Boyson & Kratochvil 2004), with the wind factor
   ``exp(a + b ws)`` computed per mounting; parameters chosen by mounting from
   ``pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS['sapm']``.
5. DC power: :py:func:`pvlib.pvsystem.pvwatts_dc` (PVWatts v5, Dobos 2014),
   then the PVWatts system losses and degradation as one DC derate
   (what ModelChain's ``losses_model='pvwatts'`` does).
6. AC power: :py:func:`pvlib.inverter.pvwatts` with clipping at the inverter's
   AC rating.

Hours without any irradiance are skipped: their POA, DC and AC power are
exactly zero. The tests check exact mode against ModelChain run plane by
plane on pvlib's TMY files (agreement to about 1e-8 relative).

Why the sun is placed at mid-interval
-------------------------------------
Weather frames follow the project convention: hourly MEANS labelled at the
START of each hour. pvlib treats values as instantaneous at their labels, so
evaluating the sun at the label would put it 30 minutes early: east planes
would be overrated and west planes underrated, and sunrise hours would get sun
positions below the horizon. The mean over an hour is best represented by the
sun at the hour's middle, so the engine evaluates solar position (and
``dni_extra``) at ``index + step / 2``. The same thing is obtained with
ModelChain by feeding it the weather with its index shifted by +30 min, which
is how the tests validate this module.

Why one profile per orientation is enough
-----------------------------------------
With PVWatts, DC power is proportional to the array rating ``pdc0`` (kWp) and
the inverter model depends only on ``pdc / pdc0_inverter``; with a common
``dc_ac_ratio`` that ratio does not depend on kWp, so AC power is exactly
linear in kWp. The engine therefore computes a per-kWp AC profile once per
distinct (tilt, azimuth, mounting) -- ``mode="exact"`` -- and multiplies it by
each plane's kWp. ``mode="fast"`` computes profiles only on a grid of
orientations (bins of ``bin_tilt_deg`` x ``bin_azimuth_deg``, azimuth wrapping
around 360) and gives each plane the BILINEAR interpolation of its four
surrounding grid nodes (weights on tilt and azimuth). Bilinear rather than
nearest-bin keeps the error second-order in the bin size. Annual energy
varies most with azimuth on steep north-facing planes (they only see the sun
on summer mornings and evenings); with 5 deg x 10 deg bins such planes were
off by up to 0.9 %, with the default 5 deg x 5 deg bins by at most 0.4 % over
5,000 random orientations (Greensboro TMY3), so every orientation, north-facing
and vertical ones included, stays within 1 % of the exact mode (tested). The
grid has at most 19 x 72 nodes per mounting, a few thousand profiles at most,
whatever the number of planes.

Profiles are computed in chunks of orientations so that the (time x
orientation) temporaries stay under ``chunk_mib``; monthly energies are summed
from each chunk and the chunk is dropped. When only aggregates are asked
(``hourly=False``) the time x plane matrix is never built and no profile is
kept: :py:meth:`PlaneYield.ac_kw_for` recomputes the few profiles it needs from
the stored sky state (solar position and weather of the lit hours, a few
hundred kB). With ``hourly=True`` each chunk is scaled straight into the
(plane-major) output, so memory is the output plus one chunk.

Shading by neighbours
---------------------
With ``horizon`` (one skyline profile per plane, as
:func:`geodata.shading.horizon_profiles` returns it), a plane whose skyline
rises above 0 deg in some sector gets its OWN per-kWp profile: the same chain
as above, where the POA components go through
:func:`solar.shading.apply_horizon` before the reflection losses -- beam and
circumsolar diffuse multiplied by :func:`solar.shading.beam_visible` (the sun
at mid-interval above the skyline at its azimuth, a hard cut, the skyline
interpolated between sector centres), the rest of the sky diffuse by
:func:`solar.shading.sky_view_fraction`, the ground-reflected part unchanged.
The circumsolar part is the one pvlib returns with ``return_components=True``
(Hay & Davies, Reindl, Perez, Perez-Driesse); the isotropic and Klucher models
have none and are shaded as isotropic sky. Cell temperature follows the
shaded ``poa_global``. Planes whose skyline is at or below 0 deg everywhere,
and planes of 0 kWp, keep the shared per-orientation profiles, so an all-zero
horizon gives exactly the run without it.

In exact mode shaded planes are computed with this per-plane chain in chunks
of planes (lit time x chunk arrays, bounded by ``chunk_mib``); their unshaded
energy (``unshaded_annual_kwh``, the basis of ``shading_loss_percent``) comes
from the shared profile of their orientation.

In fast mode a shaded plane costs little more than an unshaded one. The
skyline does not change the sky, only what of it the plane sees, so the
orientation grid still carries everything that depends on the orientation:
per grid node the engine keeps, per lit hour, the beam's share of the
effective irradiance (``poa_direct * IAM + circumsolar``), the isotropic sky
diffuse and the beam's reflection loss ``poa_direct * (1 - IAM)`` (which
``poa_global`` keeps for the cell temperature), in float32, two tilt rows of
nodes at a time. Each shaded plane takes the bilinear interpolation of its
nodes' beam and sky diffuse (the nearest node's reflection loss, a small
term), multiplies the beam by its skyline mask (the sun above the skyline at
its azimuth, interpolated between sector centres as in
:func:`solar.shading.beam_visible`), the sky diffuse by its
:func:`solar.shading.sky_view_fraction` (float32), adds the ground-reflected
part of its own tilt, then runs the same cell temperature, PVWatts DC and
inverter equations, written out as polynomials over (plane x lit time)
chunks. Its unshaded energy is the bilinear interpolation of the same nodes,
as for any plane in fast mode, so the loss compares like with like and the
grid's interpolation error cancels out of it; planes that fall on grid nodes
get the exact shaded chain's energy to about 1e-7. Over random orientations
and skylines (tall ones and blocks included, tested) the annual energy of
every shaded plane stays within 1 % of the exact mode, and the loss within
0.5 percentage point. Nodes used only by shaded planes take their unshaded
energy from the same components (float32, within 1e-7 of the pvlib path).
:py:meth:`PlaneYield.ac_kw_for` rebuilds a shaded plane's profile from its
stored skyline, in either mode.

References
----------
.. [1] W. F. Holmgren, C. W. Hansen and M. A. Mikofski, "pvlib python: a
   python package for modeling solar energy systems", JOSS 3(29), 884, 2018.
.. [2] A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641, 2014.
.. [3] D. L. King, W. E. Boyson, J. A. Kratochvil, "Photovoltaic Array
   Performance Model", SAND2004-3535, Sandia, 2004.
.. [4] J. E. Hay, J. A. Davies, "Calculations of the solar radiation incident
   on an inclined surface", 1980.
.. [5] D. C. Jordan, S. R. Kurtz, "Photovoltaic Degradation Rates -- an
   Analytical Review", Prog. Photovolt. 21(1), 12-29, 2013.
.. [6] PVGIS user manual, European Commission JRC: 14 % default system loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from pvlib import iam as _iam
from pvlib import inverter, irradiance, pvsystem, temperature
from pvlib.location import Location
from pvlib.modelchain import ModelChain
from pvlib.pvsystem import PVSystem

from solar.shading import (
    apply_horizon,
    beam_visible,
    horizon_array,
    shading_loss_percent,
    sky_view_fraction,
)

MOUNTINGS = ("roof", "rack")
"""Allowed values of the ``mounting`` column of the planes frame."""

PLANE_COLUMNS = ("surface_tilt", "surface_azimuth", "kwp", "mounting")
"""Required columns of the planes frame."""

WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")
"""Required columns of the weather frame (``pressure`` [Pa] is optional)."""

_AOI_MODELS = {
    "physical": _iam.physical,
    "ashrae": _iam.ashrae,
    "martin_ruiz": _iam.martin_ruiz,
    "no_loss": None,
}
_TRANSPOSITION_MODELS = ("isotropic", "klucher", "haydavies", "reindl", "perez", "perez-driesse")
_NEEDS_AIRMASS = ("perez", "perez-driesse")
# IAM tabulated on 10,001 points of cos(aoi): linear interpolation stays within
# 1e-7 of pvlib.iam.physical (checked in tests) at a tenth of its cost.
_IAM_TABLE_SIZE = 10_000


@dataclass(frozen=True)
class PVParams:
    """System parameters shared by every plane of one simulation.

    Parameters
    ----------
    losses_percent : float
        PVWatts system losses (soiling, wiring, mismatch, ...) applied to DC
        power. [%] Default 14, the PVGIS default system loss [6].
    gamma_pdc : float
        Temperature coefficient of DC power. [1/C] Default -0.004, a typical
        crystalline-silicon value, the one of pvlib's PVWatts examples
        (PVWatts v5 [2] uses -0.0047 for its "standard" module type and
        -0.0035 for "premium").
    dc_ac_ratio : float
        Array DC rating over inverter AC rating, PVWatts' definition: the
        inverter's AC rating is ``kwp / dc_ac_ratio`` and its DC input rating
        ``kwp / (dc_ac_ratio * eta_inv_nom)`` (PVWatts v5 manual [2], eq. for
        ``Pdc0 = Pac0 / eta_nom``); AC power is clipped at the AC rating.
        [unitless] Default 1.1, the PVWatts v5 manual default [2] (the
        PVWatts web calculator now proposes 1.2).
    eta_inv_nom : float
        Nominal inverter efficiency. [unitless] Default 0.96, pvlib's
        :py:func:`pvlib.inverter.pvwatts` default.
    eta_inv_ref : float
        Reference inverter efficiency of the PVWatts curve. [unitless]
        Default 0.9637, pvlib's default.
    degradation_percent_per_year : float
        Linear power degradation. [%/year] Default 0.5, the median for
        crystalline silicon in Jordan & Kurtz 2013 [5].
    year : int
        Year of operation, 0 for the first year. DC power is multiplied by
        ``1 - degradation_percent_per_year / 100 * year`` (linear, as the
        ``age`` loss of PVWatts), together with the system losses:
        ``dc_derate = (1 - losses_percent / 100) * (1 - degradation / 100 * year)``.
    transposition_model : str
        Sky-diffuse model of :py:func:`pvlib.irradiance.get_total_irradiance`.
        Default ``"haydavies"``, as ModelChain's default.
    aoi_model : str
        ``"physical"`` (default), ``"ashrae"``, ``"martin_ruiz"`` or
        ``"no_loss"``, each with pvlib's default parameters.
    temperature_model_roof : str
        Key of ``TEMPERATURE_MODEL_PARAMETERS['sapm']`` for modules flush on a
        pitched roof. Default ``"close_mount_glass_glass"``: King et al. 2004
        [3] Table 1 "close roof mount" (a few cm of air behind the module),
        the usual residential retrofit. ``"insulated_back_glass_polymer"``
        is the worst case (building-integrated, no air gap).
    temperature_model_rack : str
        Key for rack-mounted modules (flat roofs, canopies). Default
        ``"open_rack_glass_polymer"`` [3].
    albedo : float
        Ground reflectance. [unitless] Default 0.2, the customary default of
        PV design tools such as PVsyst (pvlib's ``SURFACE_ALBEDOS['urban']``
        is 0.18).
    temp_ref : float
        Cell reference temperature of PVWatts. [C] Default 25 (STC).
    """

    losses_percent: float = 14.0
    gamma_pdc: float = -0.004
    dc_ac_ratio: float = 1.1
    eta_inv_nom: float = 0.96
    eta_inv_ref: float = 0.9637
    degradation_percent_per_year: float = 0.5
    year: int = 0
    transposition_model: str = "haydavies"
    aoi_model: str = "physical"
    temperature_model_roof: str = "close_mount_glass_glass"
    temperature_model_rack: str = "open_rack_glass_polymer"
    albedo: float = 0.2
    temp_ref: float = 25.0

    def __post_init__(self) -> None:
        if not 0 <= self.losses_percent < 100:
            raise ValueError(f"losses_percent must be in [0, 100), got {self.losses_percent}")
        if not self.dc_ac_ratio > 0:
            raise ValueError(f"dc_ac_ratio must be > 0, got {self.dc_ac_ratio}")
        if not 0 < self.eta_inv_nom <= 1:
            raise ValueError(f"eta_inv_nom must be in (0, 1], got {self.eta_inv_nom}")
        if self.year < 0:
            raise ValueError(f"year must be >= 0, got {self.year}")
        if self.degradation_factor <= 0:
            raise ValueError("degradation_percent_per_year * year leaves no power")
        if self.transposition_model not in _TRANSPOSITION_MODELS:
            raise ValueError(
                f"transposition_model must be one of {_TRANSPOSITION_MODELS}, "
                f"got {self.transposition_model!r}"
            )
        if self.aoi_model not in _AOI_MODELS:
            raise ValueError(
                f"aoi_model must be one of {tuple(_AOI_MODELS)}, got {self.aoi_model!r}"
            )
        for name in (self.temperature_model_roof, self.temperature_model_rack):
            if name not in temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]:
                raise ValueError(f"unknown SAPM temperature model {name!r}")

    @property
    def degradation_factor(self) -> float:
        """Return the DC power factor after ``year`` years of degradation [unitless]."""
        return 1.0 - self.degradation_percent_per_year / 100.0 * self.year

    @property
    def dc_derate(self) -> float:
        """Return the DC power factor for system losses and degradation [unitless]."""
        return (1.0 - self.losses_percent / 100.0) * self.degradation_factor

    def temperature_model_parameters(self, mounting: str) -> dict[str, float]:
        """SAPM cell temperature parameters ``a``, ``b``, ``deltaT`` of a mounting."""
        if mounting == "roof":
            name = self.temperature_model_roof
        elif mounting == "rack":
            name = self.temperature_model_rack
        else:
            raise ValueError(f"mounting must be one of {MOUNTINGS}, got {mounting!r}")
        return dict(temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][name])


@dataclass(frozen=True)
class _Sky:
    """Orientation-independent state of one simulation (a few arrays of length T)."""

    index: pd.DatetimeIndex
    step_hours: float
    lit: np.ndarray  # rows with some irradiance; the arrays below hold these rows only
    apparent_zenith: np.ndarray
    azimuth: np.ndarray
    dni_extra: np.ndarray
    airmass: np.ndarray | None
    ghi: np.ndarray
    dni: np.ndarray
    dhi: np.ndarray
    temp_air: np.ndarray
    wind_speed: np.ndarray
    cos_zenith: np.ndarray
    sun_vector: np.ndarray  # (lit time, 3): cos(zen), sin(zen) cos(az), sin(zen) sin(az)
    iam_table: np.ndarray
    month: np.ndarray
    params: PVParams


@dataclass(frozen=True)
class _Shade:
    """Skylines of the shaded planes of one simulation, to rebuild their profiles."""

    plane_ids: pd.Index  # shaded planes, in the order of the planes frame
    mask: np.ndarray  # (plane,) bool: which planes of the frame are shaded
    horizon: np.ndarray  # (shaded plane, sector) skyline elevation [deg]
    sector_deg: float
    surface_tilt: np.ndarray
    surface_azimuth: np.ndarray
    mounting: np.ndarray
    kwp: np.ndarray
    # Fast mode: each shaded plane's grid nodes (rows of the orientations
    # table, padded by repeating a node) and bilinear weights (0 on padding),
    # shape (shaded plane, 4); None in exact mode.
    corners: np.ndarray | None = None
    corner_weights: np.ndarray | None = None


@dataclass(frozen=True)
class PlaneYield:
    """Production of every plane of one simulation.

    Attributes
    ----------
    annual_kwh : pandas.Series
        AC energy over the whole weather frame (one typical year), per plane. [kWh]
    monthly_kwh : pandas.DataFrame
        AC energy per plane (rows) and calendar month 1..12 (columns) of the
        weather index labels. [kWh]
    specific_yield_kwh_kwp : pandas.Series
        ``annual_kwh / kwp`` per plane (NaN where kwp is 0). [kWh/kWp]
    ac_kw : pandas.DataFrame or None
        Mean AC power per interval (time x plane), only when ``hourly=True``. [kW]
    orientations : pandas.DataFrame
        One row per computed per-kWp profile: ``surface_tilt`` [deg],
        ``surface_azimuth`` [deg], ``mounting``, ``specific_yield_kwh_kwp``
        [kWh/kWp], all unshaded. Exact mode: the distinct orientations; fast
        mode: the grid nodes used, by shaded planes too (module docstring,
        "Shading by neighbours").
    plane_orientations : pandas.DataFrame
        Long table ``plane``, ``orientation`` (row of ``orientations``),
        ``weight`` [unitless]: a plane's per-kWp profile is the weighted sum of
        its orientations' profiles (one row of weight 1 in exact mode, up to
        four bilinear weights in fast mode).
    kwp : pandas.Series
        DC rating per plane. [kWp]
    mode : str
        ``"exact"`` or ``"fast"``.
    unshaded_annual_kwh : pandas.Series
        AC energy per plane without the skyline of the neighbours; equal to
        ``annual_kwh`` for planes without a horizon (all of them when no
        ``horizon`` was given). [kWh]
    unshaded_monthly_kwh : pandas.DataFrame
        The same per plane and calendar month 1..12. [kWh]
    shading_loss_percent : pandas.Series
        ``100 * (1 - annual_kwh / unshaded_annual_kwh)`` per plane, 0 for
        planes without a horizon; NaN where the unshaded energy is 0 (kwp of
        0, or no sun at all). [%]
    """

    annual_kwh: pd.Series
    monthly_kwh: pd.DataFrame
    specific_yield_kwh_kwp: pd.Series
    ac_kw: pd.DataFrame | None
    orientations: pd.DataFrame
    plane_orientations: pd.DataFrame
    kwp: pd.Series
    mode: str
    unshaded_annual_kwh: pd.Series
    unshaded_monthly_kwh: pd.DataFrame
    shading_loss_percent: pd.Series
    _sky: _Sky = field(repr=False, compare=False)
    _shade: _Shade | None = field(default=None, repr=False, compare=False)

    @property
    def params(self) -> PVParams:
        """Return the system parameters of this simulation."""
        return self._sky.params

    def ac_kw_for(self, plane_ids) -> pd.DataFrame:
        """Mean AC power of some planes, rebuilt from their orientations' profiles.

        Only the profiles of the orientations these planes use are computed,
        so this is cheap for a few planes even after an aggregates-only run;
        a shaded plane's own profile is recomputed from its stored skyline.

        Parameters
        ----------
        plane_ids : list-like
            Plane ids (labels of the planes frame index); duplicates dropped.

        Returns
        -------
        pandas.DataFrame
            Time x plane. [kW]
        """
        ids = pd.Index(plane_ids).unique()
        missing = ids.difference(self.kwp.index)
        if len(missing):
            raise KeyError(f"{len(missing)} plane id(s) not in this result, e.g. {missing[0]!r}")
        if self.ac_kw is not None:
            return self.ac_kw.loc[:, ids].copy()
        out = np.zeros((len(ids), len(self._sky.index)))
        shade = self._shade
        in_shade = np.zeros(len(ids), dtype=bool)
        if shade is not None:
            # Shaded planes: their own profiles, rebuilt from their skylines.
            pos = shade.plane_ids.get_indexer(ids)
            in_shade = pos >= 0
            lit_rows = np.flatnonzero(self._sky.lit)
            where = np.flatnonzero(in_shade)
            for part, prof in _shaded_profiles(
                self._sky, shade, pos[in_shade], self.orientations, 16.0
            ):
                out[np.ix_(where[part], lit_rows)] = (prof * shade.kwp[pos[where[part]]]).T
        links = self.plane_orientations[self.plane_orientations["plane"].isin(ids[~in_shade])]
        if len(links) == 0:
            return pd.DataFrame(out.T, index=self._sky.index, columns=ids, copy=False)
        used = np.unique(links["orientation"].to_numpy())
        rows = self.orientations.iloc[used]
        profiles = _ac_per_kwp_lit(
            self._sky,
            rows["surface_tilt"].to_numpy(float),
            rows["surface_azimuth"].to_numpy(float),
            rows["mounting"].to_numpy(object),
        )
        local = np.searchsorted(used, links["orientation"].to_numpy())
        col = ids.get_indexer(links["plane"])
        scale = links["weight"].to_numpy(float) * self.kwp.loc[links["plane"]].to_numpy(float)
        _accumulate(out, self._sky.lit, profiles, col, local, scale, _link_rank(col))
        return pd.DataFrame(out.T, index=self._sky.index, columns=ids, copy=False)


def _add_months(out: np.ndarray, months: tuple, cols: np.ndarray, prof: np.ndarray) -> None:
    """Add the monthly energies of per-kWp profiles ``prof`` (column, lit time) to ``out[:, cols]``.

    ``months`` is ``(starts, run_month, step_hours)``: the lit rows in runs of
    equal months. ``cols`` are distinct, so a month met once is a plain add.
    """
    starts, run_month, step_hours = months
    if not len(starts):
        return
    energy = np.add.reduceat(prof, starts, axis=1, dtype=float).T * step_hours
    if len(np.unique(run_month)) == len(run_month):
        out[np.asarray(run_month)[:, None], cols[None, :]] += energy
    else:
        np.add.at(out, (run_month[:, None], cols[None, :]), energy)


def _link_rank(plane_pos: np.ndarray) -> np.ndarray:
    """Rank of each link among the links of its plane (0 for a plane's first)."""
    return pd.Series(plane_pos).groupby(plane_pos).cumcount().to_numpy()


def _accumulate(
    out: np.ndarray,
    lit: np.ndarray,
    prof: np.ndarray,
    plane_pos: np.ndarray,
    local: np.ndarray,
    scale: np.ndarray,
    rank: np.ndarray,
    batch: int = 1024,
) -> None:
    """Add ``prof[:, local] * scale`` (lit rows) into the plane-major ``out`` rows ``plane_pos``.

    One pass per link rank, so that a plane appears at most once in each
    fancy-indexed update; links are taken ``batch`` at a time to bound memory.
    """
    rows = np.flatnonzero(lit)
    for r in np.unique(rank):
        sel = np.flatnonzero(rank == r)
        for k in range(0, len(sel), batch):
            part = sel[k : k + batch]
            out[np.ix_(plane_pos[part], rows)] += (prof[:, local[part]] * scale[part]).T


def _check_planes(planes: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in PLANE_COLUMNS if c not in planes.columns]
    if missing:
        raise ValueError(f"planes frame lacks column(s) {missing}; expected {list(PLANE_COLUMNS)}")
    if not planes.index.is_unique:
        raise ValueError("planes index (plane ids) must be unique")
    out = pd.DataFrame(index=planes.index)
    for name in ("surface_tilt", "surface_azimuth", "kwp"):
        values = pd.to_numeric(planes[name], errors="coerce").to_numpy(float)
        bad = int((~np.isfinite(values)).sum())
        if bad:
            raise ValueError(f"planes column {name!r}: {bad} value(s) missing or not a number")
        out[name] = values
    if ((out["surface_tilt"] < 0) | (out["surface_tilt"] > 90)).any():
        raise ValueError("planes column 'surface_tilt' must be within [0, 90] degrees")
    if (out["kwp"] < 0).any():
        raise ValueError("planes column 'kwp' must be >= 0")
    out["surface_azimuth"] = np.mod(out["surface_azimuth"], 360.0)
    mounting = planes["mounting"].astype(object)
    bad = ~mounting.isin(MOUNTINGS)
    if bad.any():
        raise ValueError(f"planes column 'mounting': {int(bad.sum())} value(s) not in {MOUNTINGS}")
    out["mounting"] = mounting
    return out


def _step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if len(index) < 2:
        raise ValueError("weather needs at least two time steps")
    steps = np.unique(np.diff(index.asi8))
    if len(steps) != 1 or steps[0] <= 0:
        raise ValueError("weather index must be regular and increasing")
    return pd.Timedelta(index[1] - index[0])


def _prepare_sky(weather: pd.DataFrame, location: Location, params: PVParams) -> _Sky:
    if not isinstance(weather.index, pd.DatetimeIndex) or weather.index.tz is None:
        raise ValueError("weather index must be a time-zone aware DatetimeIndex")
    missing = [c for c in WEATHER_COLUMNS if c not in weather.columns]
    if missing:
        raise ValueError(f"weather frame lacks column(s) {missing}")
    cols = list(WEATHER_COLUMNS) + (["pressure"] if "pressure" in weather.columns else [])
    values = weather[cols].to_numpy(float)
    if not np.isfinite(values).all():
        raise ValueError("weather frame has missing values; fill them before simulating")
    step = _step(weather.index)
    # Hourly means are represented by the sun at mid-interval (module docstring).
    mid = weather.index + step / 2
    kwargs = {"temperature": weather["temp_air"].to_numpy(float)}
    if "pressure" in weather.columns:
        kwargs["pressure"] = weather["pressure"].to_numpy(float)
    solpos = location.get_solarposition(mid, **kwargs)
    airmass = None
    if params.transposition_model in _NEEDS_AIRMASS:
        # ModelChain's default airmass model.
        airmass = location.get_airmass(solar_position=solpos, model="kastenyoung1989")
        airmass = airmass["airmass_relative"].to_numpy(float)
    # Without irradiance, POA, DC and AC power are exactly 0 (pvwatts_dc is
    # proportional to it, inverter.pvwatts maps 0 to 0): such rows are skipped.
    lit = (weather[["ghi", "dni", "dhi"]].to_numpy(float) != 0).any(axis=1)
    zen = np.radians(solpos["apparent_zenith"].to_numpy(float)[lit])
    az = np.radians(solpos["azimuth"].to_numpy(float)[lit])
    sun_vector = np.column_stack([np.cos(zen), np.sin(zen) * np.cos(az), np.sin(zen) * np.sin(az)])
    return _Sky(
        index=weather.index,
        step_hours=step / pd.Timedelta(hours=1),
        lit=lit,
        apparent_zenith=solpos["apparent_zenith"].to_numpy(float)[lit],
        azimuth=solpos["azimuth"].to_numpy(float)[lit],
        # Day of year in UTC, as pvlib derives it from a DatetimeIndex.
        dni_extra=np.asarray(
            irradiance.get_extra_radiation(mid.tz_convert("UTC").day_of_year.to_numpy()),
            dtype=float,
        )[lit],
        airmass=None if airmass is None else airmass[lit],
        ghi=weather["ghi"].to_numpy(float)[lit],
        dni=weather["dni"].to_numpy(float)[lit],
        dhi=weather["dhi"].to_numpy(float)[lit],
        temp_air=weather["temp_air"].to_numpy(float)[lit],
        wind_speed=weather["wind_speed"].to_numpy(float)[lit],
        cos_zenith=sun_vector[:, 0].copy(),
        sun_vector=sun_vector,
        iam_table=_iam_table(params.aoi_model),
        month=weather.index.month.to_numpy(),
        params=params,
    )


def _ac_per_kwp_lit(
    sky: _Sky,
    surface_tilt: np.ndarray,
    surface_azimuth: np.ndarray,
    mounting: np.ndarray,
    visible: np.ndarray | None = None,
    svf: np.ndarray | None = None,
) -> np.ndarray:
    """Return AC power of 1 kWp on the lit rows, shape (lit time, orientation) [kW/kWp].

    With ``visible`` (lit time x orientation, :func:`solar.shading.beam_visible`)
    and ``svf`` (orientation, :func:`solar.shading.sky_view_fraction`), the
    POA components are shaded by :func:`solar.shading.apply_horizon` before
    the rest of the chain; each column is then one plane's own profile.
    """
    p = sky.params
    shaded = visible is not None
    col = (slice(None), None)  # time vectors as (T, 1) columns, broadcast against (1, G)
    cos_tilt = np.cos(np.radians(surface_tilt))[None, :]
    dni, ghi = sky.dni[col], sky.ghi[col]
    cos_aoi, sky_diffuse, circumsolar = _transpose(sky, surface_tilt, surface_azimuth, shaded)
    with np.errstate(invalid="ignore", divide="ignore"):
        # pvlib.irradiance.get_ground_diffuse and poa_components.
        if shaded:
            poa = apply_horizon(
                np.maximum(dni * cos_aoi, 0.0),
                sky_diffuse,
                (ghi * p.albedo) * (0.5 * (1.0 - cos_tilt)),
                visible,
                svf,
                poa_circumsolar=circumsolar,
            )
            poa_direct, poa_diffuse, poa_global = (
                poa["poa_direct"],
                poa["poa_diffuse"],
                poa["poa_global"],
            )
        else:
            poa_diffuse = sky_diffuse + (ghi * p.albedo) * (0.5 * (1.0 - cos_tilt))
            poa_direct = np.maximum(dni * cos_aoi, 0.0)
            poa_global = poa_direct + poa_diffuse
        eff = poa_direct * _iam_lookup(sky.iam_table, cos_aoi) + poa_diffuse
    # pvlib.temperature.sapm_cell: T = E exp(a + b ws) + temp_air + E / 1000 deltaT;
    # the wind factor depends only on time and mounting, so it is computed per mounting.
    factor = np.empty((len(sky.dni), len(mounting)))
    for name in MOUNTINGS:
        sel = mounting == name
        if sel.any():
            tm = p.temperature_model_parameters(name)
            f = np.exp(tm["a"] + tm["b"] * sky.wind_speed) + tm["deltaT"] / 1000.0
            factor[:, sel] = f[col]
    temp_cell = poa_global * factor + sky.temp_air[col]
    # 1 kWp = 1000 W of DC rating; PVWatts losses + degradation as one DC derate.
    dc = pvsystem.pvwatts_dc(eff, temp_cell, 1000.0, p.gamma_pdc, temp_ref=p.temp_ref)
    dc *= p.dc_derate
    # Inverter DC input rating such that its AC rating is 1 kWp / dc_ac_ratio.
    pdc0_inv = 1000.0 / (p.dc_ac_ratio * p.eta_inv_nom)
    ac = inverter.pvwatts(dc, pdc0_inv, eta_inv_nom=p.eta_inv_nom, eta_inv_ref=p.eta_inv_ref)
    ac /= 1000.0
    return ac


def _transpose(
    sky: _Sky, surface_tilt: np.ndarray, surface_azimuth: np.ndarray, components: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``cos(aoi)``, sky diffuse and its circumsolar part (or None), each (lit time, G).

    The circumsolar part is returned only with ``components`` (always for
    Hay & Davies, whose terms are computed here; None for isotropic/Klucher).
    """
    p = sky.params
    col = (slice(None), None)  # time vectors as (T, 1) columns, broadcast against (1, G)
    tilt_rad = np.radians(surface_tilt)
    azim_rad = np.radians(surface_azimuth)
    cos_tilt = np.cos(tilt_rad)[None, :]
    # pvlib.irradiance.aoi_projection as a (T x 3) by (3 x G) product:
    # cos(aoi) = cos(zen) cos(tilt) + sin(zen) sin(tilt) cos(sun_az - az),
    # with cos(sun_az - az) expanded into cos/sin products.
    plane = np.stack(
        [np.cos(tilt_rad), np.sin(tilt_rad) * np.cos(azim_rad), np.sin(tilt_rad) * np.sin(azim_rad)]
    )
    # Written out rather than with `@`: multithreaded BLAS on tiny inner
    # dimensions only spins on a shared machine.
    sun = sky.sun_vector
    cos_aoi = sun[:, 0:1] * plane[0] + sun[:, 1:2] * plane[1]
    cos_aoi += sun[:, 2:3] * plane[2]
    np.clip(cos_aoi, -1.0, 1.0, out=cos_aoi)
    dni, ghi, dhi = sky.dni[col], sky.ghi[col], sky.dhi[col]
    with np.errstate(invalid="ignore", divide="ignore"):
        circumsolar = None  # the part of the sky diffuse that the beam's shade hides
        if p.transposition_model == "haydavies":
            # pvlib.irradiance.haydavies, terms that depend on time only factored out.
            cos_pos = np.maximum(cos_aoi, 0.0)
            ai = sky.dni / sky.dni_extra
            iso = np.maximum(sky.dhi * (1.0 - ai), 0.0)[col] * (0.5 * (1.0 + cos_tilt))
            circ = np.maximum(sky.dhi * ai / np.maximum(sky.cos_zenith, 0.01745), 0.0)[col]
            circumsolar = circ * cos_pos
            sky_diffuse = iso + circumsolar
        elif p.transposition_model == "isotropic":
            sky_diffuse = dhi * (0.5 * (1.0 + cos_tilt))
        else:
            sky_diffuse = irradiance.get_sky_diffuse(
                surface_tilt[None, :],
                surface_azimuth[None, :],
                sky.apparent_zenith[col],
                sky.azimuth[col],
                dni,
                ghi,
                dhi,
                dni_extra=sky.dni_extra[col],
                airmass=None if sky.airmass is None else sky.airmass[col],
                model=p.transposition_model,
                # Klucher has no circumsolar term of its own: shaded as isotropic.
                return_components=components and p.transposition_model != "klucher",
            )
            if isinstance(sky_diffuse, dict):
                circumsolar = sky_diffuse["poa_circumsolar"]
                sky_diffuse = sky_diffuse["poa_sky_diffuse"]
    return cos_aoi, sky_diffuse, circumsolar


def _iam_table(aoi_model: str, n: int = _IAM_TABLE_SIZE) -> np.ndarray:
    """IAM of pvlib's ``aoi_model`` on ``n + 1`` equally spaced cos(aoi) in [0, 1]."""
    fn = _AOI_MODELS[aoi_model]
    if fn is None:
        return np.ones(n + 1)
    cos_aoi = np.linspace(0.0, 1.0, n + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = np.asarray(fn(np.degrees(np.arccos(cos_aoi))), dtype=float)
    return np.clip(np.nan_to_num(table, nan=0.0), 0.0, None)


def _iam_lookup(table: np.ndarray, cos_aoi: np.ndarray) -> np.ndarray:
    # Linear interpolation on the uniform cos(aoi) grid; light from behind gets IAM(90 deg).
    n = len(table) - 1
    x = np.clip(cos_aoi, 0.0, 1.0) * n
    i = np.minimum(x.astype(np.intp), n - 1)
    x -= i
    lo = table[i]
    return lo + x * (table[i + 1] - lo)


def _chunks(n_time: int, n_cols: int, chunk_mib: float, temporaries: int = 24):
    # About 24 float64 (T x G) temporaries live at once inside _ac_per_kwp_lit,
    # about 40 with shading (visibility, skyline interpolation, shaded components).
    per_col = max(n_time, 1) * 8 * temporaries
    size = max(1, int(chunk_mib * 2**20 // per_col))
    for start in range(0, n_cols, size):
        yield slice(start, min(start + size, n_cols))


def _exact_orientations(planes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = ["surface_tilt", "surface_azimuth", "mounting"]
    codes = planes.groupby(keys, sort=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    orientations = planes[keys].iloc[first].reset_index(drop=True)
    links = pd.DataFrame(
        {"plane": planes.index, "orientation": codes, "weight": np.ones(len(planes))}
    )
    return orientations, links


def _fast_orientations(
    planes: pd.DataFrame, bin_tilt_deg: float, bin_azimuth_deg: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not (bin_tilt_deg > 0 and bin_azimuth_deg > 0):
        raise ValueError("bin sizes must be > 0")
    n_az = round(360.0 / bin_azimuth_deg)
    if not np.isclose(n_az * bin_azimuth_deg, 360.0):
        raise ValueError("bin_azimuth_deg must divide 360")
    t = planes["surface_tilt"].to_numpy(float) / bin_tilt_deg
    z = planes["surface_azimuth"].to_numpy(float) / bin_azimuth_deg
    i0 = np.floor(t).astype(np.int64)
    j0 = np.floor(z).astype(np.int64)
    ft = t - i0
    fz = z - j0
    j0 %= n_az
    j1 = (j0 + 1) % n_az
    mount = planes["mounting"].map({m: k for k, m in enumerate(MOUNTINGS)}).to_numpy(np.int64)
    corners = [
        (i0, j0, (1 - ft) * (1 - fz)),
        (i0, j1, (1 - ft) * fz),
        (i0 + 1, j0, ft * (1 - fz)),
        (i0 + 1, j1, ft * fz),
    ]
    rows = []
    for i, j, w in corners:
        # A horizontal plane has no azimuth: all tilt-0 nodes are one node.
        j = np.where(i == 0, 0, j)
        keep = w > 0
        rows.append(pd.DataFrame({"i": i[keep], "j": j[keep], "m": mount[keep], "w": w[keep]}))
        rows[-1]["plane"] = planes.index[keep]
    links = pd.concat(rows, ignore_index=True)
    # Merge duplicate corners (tilt-0 nodes) of the same plane.
    links = links.groupby(["plane", "i", "j", "m"], sort=False, as_index=False)["w"].sum()
    node = links["i"] * (n_az * len(MOUNTINGS)) + links["j"] * len(MOUNTINGS) + links["m"]
    codes, uniques = pd.factorize(node.to_numpy(), sort=True)
    ui = uniques // (n_az * len(MOUNTINGS))
    uj = (uniques // len(MOUNTINGS)) % n_az
    um = uniques % len(MOUNTINGS)
    orientations = pd.DataFrame(
        {
            "surface_tilt": ui * float(bin_tilt_deg),
            "surface_azimuth": uj * float(bin_azimuth_deg),
            "mounting": np.asarray(MOUNTINGS, dtype=object)[um],
        }
    )
    links = pd.DataFrame(
        {"plane": links["plane"].to_numpy(), "orientation": codes, "weight": links["w"].to_numpy()}
    )
    return orientations, links


def _check_horizon(planes: pd.DataFrame, horizon, sector_deg: float) -> _Shade:
    """Validate the skylines and keep those of the planes they shade."""
    horizon = np.asarray(horizon, dtype=float)
    if horizon.ndim != 2 or horizon.shape[0] != len(planes):
        raise ValueError(
            f"horizon must have one row per plane, shape ({len(planes)}, n_sectors); "
            f"got shape {horizon.shape}"
        )
    if not sector_deg > 0 or not np.isclose(horizon.shape[1] * sector_deg, 360.0):
        raise ValueError(
            f"{horizon.shape[1]} horizon sectors of {sector_deg} deg do not cover 360 deg"
        )
    bad = int((~np.isfinite(horizon) | (np.abs(horizon) > 90.0)).any(axis=1).sum())
    if bad:
        raise ValueError(
            f"horizon: {bad} plane(s) with elevations missing or outside [-90, 90] deg"
        )
    kwp = planes["kwp"].to_numpy(float)
    # A skyline at or below 0 deg hides nothing; a plane without power needs no profile.
    shaded = (horizon > 0.0).any(axis=1) & (kwp > 0)
    return _Shade(
        plane_ids=planes.index[shaded],
        mask=shaded,
        horizon=horizon[shaded],
        sector_deg=float(sector_deg),
        surface_tilt=planes["surface_tilt"].to_numpy(float)[shaded],
        surface_azimuth=planes["surface_azimuth"].to_numpy(float)[shaded],
        mounting=planes["mounting"].to_numpy(object)[shaded],
        kwp=kwp[shaded],
    )


def _shaded_profiles(
    sky: _Sky, shade: _Shade, sel: np.ndarray, grid: pd.DataFrame, chunk_mib, node_fill=None
):
    """Per-kWp AC profiles of the shaded planes ``sel`` (positions in ``shade``), by chunks.

    Yields ``(part, profiles)``: ``part`` indexes ``sel``, ``profiles`` has
    shape (lit time, len(part)) [kW/kWp]. Exact mode: each plane's own
    chain; fast mode: the grid nodes' components (:func:`_fast_shaded_ac_lit`),
    which also fills ``node_fill`` (see there).
    """
    if shade.corners is not None:
        yield from _fast_shaded_ac_lit(sky, shade, sel, grid, chunk_mib, node_fill)
        return
    for sl in _chunks(int(sky.lit.sum()), len(sel), chunk_mib, temporaries=40):
        part = np.arange(sl.start, sl.stop)
        yield part, _shaded_ac_per_kwp_lit(sky, shade, sel[part])


def _shaded_ac_per_kwp_lit(sky: _Sky, shade: _Shade, sel: np.ndarray) -> np.ndarray:
    """Own per-kWp AC profiles of the shaded planes ``sel``, shape (lit time, plane) [kW/kWp]."""
    horizon = shade.horizon[sel]
    tilt, azim = shade.surface_tilt[sel], shade.surface_azimuth[sel]
    # The apparent zenith, as the transposition uses it.
    visible = beam_visible(sky.apparent_zenith, sky.azimuth, horizon, shade.sector_deg)
    svf = sky_view_fraction(horizon, tilt, azim, shade.sector_deg)
    return _ac_per_kwp_lit(sky, tilt, azim, shade.mounting[sel], visible, svf)


def _with_corners(
    shade: _Shade, is_shaded: np.ndarray, plane_pos: np.ndarray, links: pd.DataFrame
) -> _Shade:
    """``shade`` with each shaded plane's fast-grid nodes and bilinear weights, (plane, 4).

    ``plane_pos`` is the position of each link's plane in the planes frame.
    """
    # Position among the shaded planes (their order in the planes frame), -1 if not shaded.
    pos = np.where(is_shaded, np.cumsum(is_shaded) - 1, -1)[plane_pos]
    mine = pos >= 0
    pos = pos[mine]
    node = links["orientation"].to_numpy()[mine]
    weight = links["weight"].to_numpy(float)[mine]
    rank = _link_rank(pos)
    corners = np.zeros((len(shade.plane_ids), 4), dtype=np.int64)
    weights = np.zeros((len(shade.plane_ids), 4))
    # Padding repeats the plane's first node with weight 0.
    first = rank == 0
    corners[pos[first]] = node[first][:, None]
    corners[pos, rank] = node
    weights[pos, rank] = weight
    return replace(shade, corners=corners, corner_weights=weights)


def _node_parts(sky: _Sky, tilt, azim) -> np.ndarray:
    """Unshaded POA parts of some grid nodes, shape (node, 3, lit time), float32 [W/m2].

    Per node: the beam's share of the effective irradiance ``poa_direct * IAM
    + circumsolar``; the isotropic sky diffuse (sky diffuse without
    circumsolar); the beam's reflection loss ``poa_direct * (1 - IAM)``, which
    ``poa_global`` (hence the cell temperature) keeps.
    """
    dtype = sky.dni.dtype
    cos_aoi, sky_diffuse, circumsolar = _transpose(
        sky, np.asarray(tilt, dtype), np.asarray(azim, dtype), True
    )
    direct = np.maximum(sky.dni[:, None] * cos_aoi, 0.0)
    seen = direct * _iam_lookup(sky.iam_table, cos_aoi)
    if circumsolar is None:
        circumsolar = 0.0
    parts = np.stack([seen + circumsolar, sky_diffuse - circumsolar, direct - seen])
    return parts.transpose(0, 2, 1).astype(np.float32, order="C")


def _fast_shaded_ac_lit(
    sky: _Sky, shade: _Shade, sel: np.ndarray, grid: pd.DataFrame, chunk_mib, node_fill=None
):
    """Fast-mode per-kWp AC profiles of shaded planes, yielded as ``(part, (lit time, part))``.

    Each plane's beam and isotropic sky diffuse are the bilinear interpolation
    of its grid nodes' (:func:`_node_parts`), its beam's reflection loss the
    nearest node's; the beam is cut where the sun is below the plane's
    skyline (as :func:`solar.shading.beam_visible`, the skyline tabulated
    every 0.25 deg of azimuth), the sky diffuse scaled by its
    :func:`solar.shading.sky_view_fraction`, the ground-reflected part
    computed for its own tilt; then the engine's temperature, DC and inverter
    model written out as polynomials, in float32 over (plane x lit time)
    chunks. Planes are taken by mounting and tilt row so that only about two
    rows of nodes are held at a time.

    ``node_fill``, optional ``(monthly, months, nodes)``: the unshaded
    monthly energies [kWh/kWp] of these grid nodes are added to the columns
    of ``monthly`` (12, node) as their components are computed, by the same
    float32 chain without skyline.
    """
    import scipy.sparse  # a dependency of pvlib

    if not len(sel):
        return
    p = sky.params
    n_lit = int(sky.lit.sum())
    corners, weights = shade.corners[sel], shade.corner_weights[sel].astype(np.float32)
    node_tilt = grid["surface_tilt"].to_numpy(float)
    node_azimuth = grid["surface_azimuth"].to_numpy(float)
    mount = pd.Series(shade.mounting[sel]).map({m: k for k, m in enumerate(MOUNTINGS)})
    mount = mount.to_numpy(np.int64)
    row = node_tilt[corners].min(axis=1)
    order = np.lexsort((mount, row))
    key = row[order] * 10.0 + mount[order]
    bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
    sun = _sun_terms(sky, shade.horizon.shape[1], shade.sector_deg)
    sky32 = _float32_sky(sky)
    ground_share = (0.5 * (1.0 - np.cos(np.radians(shade.surface_tilt[sel])))).astype(np.float32)
    nearest = corners[np.arange(len(sel)), weights.argmax(axis=1)]
    used = np.unique(corners)
    by_tilt: dict[float, tuple[np.ndarray, np.ndarray]] = {}  # node tilt -> (nodes, parts)
    size = max(1, int(chunk_mib * 2**20 // (max(n_lit, 1) * 4 * 16)))
    for g0, g1 in zip(bounds[:-1], bounds[1:], strict=False):
        group = order[g0:g1]
        tilts = np.unique(node_tilt[corners[group]]).tolist()
        # Rows of nodes below this group's are done with: dropped.
        by_tilt = {t: by_tilt[t] for t in tilts if t in by_tilt}
        for t in tilts:
            if t not in by_tilt:
                nodes = used[node_tilt[used] == t]
                by_tilt[t] = (
                    nodes,
                    np.concatenate(
                        [
                            _node_parts(sky32, node_tilt[nodes[sl]], node_azimuth[nodes[sl]])
                            for sl in _chunks(n_lit, len(nodes), chunk_mib)
                        ],
                        axis=1,
                    ),
                )
                if node_fill is not None:
                    _fill_nodes(node_fill, sun, p, grid, *by_tilt[t])
        needed = np.concatenate([by_tilt[t][0] for t in tilts])
        table = np.concatenate([by_tilt[t][1] for t in tilts], axis=1)  # (3, node, lit time)
        beam_table, loss_table = table[0], table[2]
        # The ground-reflected irradiance of a horizontal plane as one more "node".
        iso_table = np.concatenate([table[1], sun["ground"][None, :]])
        b = sun["dc_b"][int(mount[group[0]])]
        for start in range(0, len(group), size):
            part = group[start : start + size]
            n = len(part)
            local = np.searchsorted(needed, corners[part])
            rows = np.arange(0, 4 * n + 1, 4)
            beam = (
                scipy.sparse.csr_array(
                    (weights[part].ravel(), local.ravel(), rows), shape=(n, len(needed))
                )
                @ beam_table
            )
            # Sky diffuse scaled by the sky view, plus the ground-reflected part.
            # (The sky view per chunk: its (plane x 360) temporaries stay small.)
            svf = sky_view_fraction(
                shade.horizon[sel[part]],
                shade.surface_tilt[sel[part]],
                shade.surface_azimuth[sel[part]],
                shade.sector_deg,
                dtype=np.float32,
            )
            diffuse = np.column_stack([weights[part] * svf[:, None], ground_share[part]])
            index = np.column_stack([local, np.full(n, len(needed))])
            other = (
                scipy.sparse.csr_array(
                    (diffuse.ravel(), index.ravel(), np.arange(0, 5 * n + 1, 5)),
                    shape=(n, len(needed) + 1),
                )
                @ iso_table
            )
            loss = loss_table[np.searchsorted(needed, nearest[part])]
            # The skyline at the sun's azimuth, linear between sector centres.
            horizon = shade.horizon[sel[part]].astype(np.float32)
            rise = np.roll(horizon, -1, axis=1) - horizon
            skyline = horizon[:, sun["sector"]]
            rise = rise[:, sun["sector"]]
            rise *= sun["fraction"]
            skyline += rise
            visible = sun["elevation"] > skyline
            # Products with the mask: np.where is ten times slower on a random mask.
            np.multiply(beam, visible, out=beam)
            eff = beam
            eff += other
            np.multiply(loss, visible, out=loss)
            dc = loss
            dc += eff  # poa_global
            dc *= b
            dc += sun["dc_a"]
            dc *= eff
            yield part, _pvwatts_ac_kw(dc, p).T


def _float32_sky(sky: _Sky) -> _Sky:
    """``sky`` with its arrays in float32, for the fast shaded pass's node parts."""
    names = ("apparent_zenith", "azimuth", "dni_extra", "airmass", "ghi", "dni", "dhi")
    names += ("temp_air", "wind_speed", "cos_zenith", "sun_vector", "iam_table")
    return replace(
        sky,
        **{n: getattr(sky, n).astype(np.float32) for n in names if getattr(sky, n) is not None},
    )


def _fill_nodes(node_fill, sun: dict, p: PVParams, grid, nodes, parts) -> None:
    """Unshaded monthly energy of the ``nodes`` asked by ``node_fill``, from their parts."""
    monthly, months, wanted = node_fill
    keep = np.isin(nodes, wanted)
    if not keep.any():
        return
    nodes, parts = nodes[keep], parts[:, keep]
    tilt = np.radians(grid["surface_tilt"].to_numpy(float)[nodes])
    mount = grid["mounting"].map({m: k for k, m in enumerate(MOUNTINGS)}).to_numpy()[nodes]
    eff = parts[0] + parts[1]
    eff += np.multiply.outer((0.5 * (1.0 - np.cos(tilt))).astype(np.float32), sun["ground"])
    dc = parts[2] + eff  # poa_global
    dc *= np.stack(sun["dc_b"])[mount]
    dc += sun["dc_a"]
    dc *= eff
    _add_months(monthly, months, nodes, _pvwatts_ac_kw(dc, p))


def _sun_terms(sky: _Sky, n_sectors: int, sector_deg: float) -> dict:
    """Time-only terms of :func:`_fast_shaded_ac_lit`, float32, (lit time,) unless stated."""
    p = sky.params
    elevation = (90.0 - sky.apparent_zenith).astype(np.float32)
    elevation[elevation <= 0] = -np.inf  # the sun down reaches no plane
    # The sector centre west of the sun, and the sun's way to the next one.
    position = np.mod(sky.azimuth, 360.0) / sector_deg
    sector = np.floor(position).astype(np.intp)
    # pvwatts_dc with the cell temperature of sapm_cell: dc = eff (a + b poa_global) [W/kWp].
    dc_a = p.dc_derate * (1.0 + p.gamma_pdc * (sky.temp_air - p.temp_ref))
    dc_b = []
    for name in MOUNTINGS:
        tm = p.temperature_model_parameters(name)
        factor = np.exp(tm["a"] + tm["b"] * sky.wind_speed) + tm["deltaT"] / 1000.0
        dc_b.append((p.dc_derate * p.gamma_pdc * factor).astype(np.float32))
    return {
        "elevation": elevation,
        "sector": sector % n_sectors,
        "fraction": (position - sector).astype(np.float32),
        "ground": (sky.ghi * p.albedo).astype(np.float32),
        "dc_a": dc_a.astype(np.float32),
        "dc_b": dc_b,
    }


def _pvwatts_ac_kw(dc: np.ndarray, p: PVParams) -> np.ndarray:
    """:py:func:`pvlib.inverter.pvwatts` of ``dc`` [W per kWp] in place, in kW per kWp.

    ``pac = eta_nom / eta_ref (0.9858 pdc - 0.0162 pdc^2 / pdc0 - 0.0059 pdc0)``
    clipped to ``[0, eta_nom pdc0]``, pvlib's formula multiplied out.
    """
    pdc0 = 1000.0 / (p.dc_ac_ratio * p.eta_inv_nom)
    k = p.eta_inv_nom / p.eta_inv_ref / 1000.0
    ac = dc * np.float32(-0.0162 * k / pdc0)
    ac += np.float32(0.9858 * k)
    ac *= dc
    ac += np.float32(-0.0059 * k * pdc0)
    return np.clip(ac, 0.0, p.eta_inv_nom * pdc0 / 1000.0, out=ac)


def simulate_planes(
    planes: pd.DataFrame,
    weather: pd.DataFrame,
    location: Location,
    params: PVParams | None = None,
    *,
    mode: Literal["exact", "fast"] = "exact",
    bin_tilt_deg: float = 5.0,
    bin_azimuth_deg: float = 5.0,
    hourly: bool = False,
    chunk_mib: float = 16.0,
    horizon: np.ndarray | pd.DataFrame | None = None,
    sector_deg: float | None = None,
) -> PlaneYield:
    """Simulate the AC production of many roof planes for one weather frame.

    Parameters
    ----------
    planes : pandas.DataFrame
        One row per roof plane, index = plane ids, columns ``surface_tilt``
        [deg, 0..90], ``surface_azimuth`` [deg, pvlib convention: 180 =
        south], ``kwp`` [kWp DC], ``mounting`` (``"roof"`` | ``"rack"``).
    weather : pandas.DataFrame
        ``ghi``, ``dni``, ``dhi`` [W/m2], ``temp_air`` [C], ``wind_speed``
        [m/s], optional ``pressure`` [Pa]; regular tz-aware index labelled at
        the START of each interval, values are means over the interval.
    location : pvlib.location.Location
        Site (latitude, longitude, altitude).
    params : PVParams, optional
        System parameters; ``PVParams()`` by default.
    mode : {"exact", "fast"}
        ``"exact"``: one profile per distinct (tilt, azimuth, mounting);
        ``"fast"``: profiles on an orientation grid, bilinear interpolation.
    bin_tilt_deg, bin_azimuth_deg : float
        Grid steps of the fast mode. [deg] Defaults 5 and 5 keep annual
        energy within 1 % of the exact mode for any orientation (module
        docstring); ``bin_azimuth_deg`` must divide 360.
    hourly : bool
        Also build ``ac_kw`` (time x plane). Off by default: aggregates only,
        the time x plane matrix is never allocated.
    chunk_mib : float
        Memory budget of the (time x orientation) temporaries. [MiB] Default
        16, measured fastest on a 2-core machine: temporaries stay in cache and
        are reused by the allocator instead of being mapped afresh each chunk.
    horizon : pandas.DataFrame or array of shape (n_planes, n_sectors), optional
        Skyline elevation around each plane [deg]: a frame indexed by plane
        id whose columns are the sector centre azimuths ``0, w, 2 w, ...``
        clockwise from north (:func:`geodata.shading.horizon_frame`), or an
        array with one row per plane in the order of ``planes``
        (:func:`geodata.shading.horizon_profiles`). Planes whose skyline has
        an elevation above 0 are shaded (module docstring, "Shading by
        neighbours": their own chain in exact mode, their grid nodes'
        components masked by their skyline in fast mode); the others, and all
        planes when None (default), are simulated exactly as without it.
    sector_deg : float, optional
        Width of the horizon sectors; ``n_sectors * sector_deg`` must be 360.
        [deg] For an array, default 10 (the default of
        :func:`geodata.shading.horizon_profiles`); a frame's columns give it.

    Returns
    -------
    PlaneYield
    """
    params = PVParams() if params is None else params
    if mode not in ("exact", "fast"):
        raise ValueError(f"mode must be 'exact' or 'fast', got {mode!r}")
    planes = _check_planes(planes)
    shade = None
    if horizon is not None:
        horizon, sector_deg = horizon_array(horizon, planes.index, sector_deg)
        shade = _check_horizon(planes, horizon, sector_deg)
    sky = _prepare_sky(weather, location, params)
    is_shaded = np.zeros(len(planes), dtype=bool)
    if shade is not None:
        # Positions rather than ids: isin on string ids is slow.
        is_shaded = shade.mask
    if mode == "exact":
        orientations, links = _exact_orientations(planes)
    else:
        # Shaded planes too: their unshaded energy and their shaded one both
        # come from the same grid nodes (module docstring).
        orientations, links = _fast_orientations(planes, bin_tilt_deg, bin_azimuth_deg)

    n_orient = len(orientations)
    plane_pos = planes.index.get_indexer(links["plane"])
    if mode == "fast" and shade is not None:
        shade = _with_corners(shade, is_shaded, plane_pos, links)
    orient = links["orientation"].to_numpy()
    scale = links["weight"].to_numpy(float) * planes["kwp"].to_numpy(float)[plane_pos]
    tilt = orientations["surface_tilt"].to_numpy(float)
    azim = orientations["surface_azimuth"].to_numpy(float)
    mount = orientations["mounting"].to_numpy(object)
    # Monthly energy: sums over the runs of equal months of the (sorted) lit rows.
    lit_month = sky.month[sky.lit]
    starts = np.flatnonzero(np.r_[True, lit_month[1:] != lit_month[:-1]]) if len(lit_month) else []
    run_month = lit_month[starts] - 1 if len(lit_month) else []
    monthly_orient = np.zeros((12, n_orient))
    # Hourly output is built plane-major (plane x time), so that each plane's
    # series is contiguous and the DataFrame below wraps it without a copy.
    ac = np.zeros((len(planes), len(sky.index))) if hourly else None
    # The unshaded profiles of shaded planes only give their unshaded energy.
    by_orient = np.argsort(orient, kind="stable")
    by_orient = by_orient[~is_shaded[plane_pos[by_orient]]]
    bounds = np.searchsorted(orient[by_orient], np.arange(n_orient + 1))
    rank = _link_rank(plane_pos)
    months = (starts, run_month, sky.step_hours)
    # Fast mode: the nodes only shaded planes use get their unshaded energy
    # from the shaded pass's node components (below), not from this loop.
    grid = np.arange(n_orient)
    if mode == "fast" and shade is not None:
        grid = np.unique(orient[~is_shaded[plane_pos]])
    for sl in _chunks(int(sky.lit.sum()), len(grid), chunk_mib):
        nodes = grid[sl]
        prof = _ac_per_kwp_lit(sky, tilt[nodes], azim[nodes], mount[nodes])
        _add_months(monthly_orient, months, nodes, prof.T)
        if ac is not None:
            sel = by_orient[bounds[nodes[0]] : bounds[nodes[-1] + 1]]
            local = np.searchsorted(nodes, orient[sel])
            _accumulate(ac, sky.lit, prof, plane_pos[sel], local, scale[sel], rank[sel])
    shaded_profiles = None
    if shade is not None and len(shade.plane_ids):
        # Exact mode: each shaded plane its own chain; fast mode: its nodes'
        # components. The fast pass fills the unshaded energy of the nodes
        # left out above as it computes them, hence before the sums below.
        spos = np.flatnonzero(is_shaded)
        monthly_shaded = np.zeros((12, len(spos)))
        rows = np.flatnonzero(sky.lit)
        left_out = np.setdiff1d(np.arange(n_orient), grid)
        node_fill = (monthly_orient, months, left_out) if mode == "fast" else None
        every = np.arange(len(spos))
        for sel, prof in _shaded_profiles(sky, shade, every, orientations, chunk_mib, node_fill):
            _add_months(monthly_shaded, months, sel, prof.T)
            if ac is not None:
                ac[np.ix_(spos[sel], rows)] = (prof * shade.kwp[sel]).T
        shaded_profiles = spos, monthly_shaded
    orientations = orientations.assign(specific_yield_kwh_kwp=monthly_orient.sum(axis=0))

    # Planes = weighted sums of orientation columns, scaled by kWp.
    unshaded = np.zeros((len(planes), 12))
    np.add.at(unshaded, plane_pos, monthly_orient[:, orient].T * scale[:, None])
    monthly = unshaded.copy()
    if shaded_profiles is not None:
        spos, monthly_shaded = shaded_profiles
        monthly[spos] = monthly_shaded.T * shade.kwp[:, None]

    def frame(values: np.ndarray) -> pd.DataFrame:
        out = pd.DataFrame(values, index=planes.index, columns=pd.RangeIndex(1, 13))
        out.columns.name = "month"
        return out

    monthly_kwh = frame(monthly)
    unshaded_monthly_kwh = frame(unshaded)
    annual_kwh = monthly_kwh.sum(axis=1).rename("annual_kwh")
    unshaded_annual_kwh = unshaded_monthly_kwh.sum(axis=1).rename("unshaded_annual_kwh")
    kwp = planes["kwp"].rename("kwp")
    specific = (annual_kwh / kwp.where(kwp > 0)).rename("specific_yield_kwh_kwp")
    ac_kw = None
    if ac is not None:
        ac_kw = pd.DataFrame(ac.T, index=sky.index, columns=planes.index, copy=False)

    return PlaneYield(
        annual_kwh=annual_kwh,
        monthly_kwh=monthly_kwh,
        specific_yield_kwh_kwp=specific,
        ac_kw=ac_kw,
        orientations=orientations,
        plane_orientations=links,
        kwp=kwp,
        mode=mode,
        unshaded_annual_kwh=unshaded_annual_kwh,
        unshaded_monthly_kwh=unshaded_monthly_kwh,
        shading_loss_percent=shading_loss_percent(unshaded_annual_kwh, annual_kwh),
        _sky=sky,
        _shade=shade,
    )


def modelchain_ac_kw(
    plane: pd.Series, weather: pd.DataFrame, location: Location, params: PVParams | None = None
) -> pd.Series:
    """Simulate one plane with pvlib's ModelChain, configured like the engine.

    The plain, slow reference path: the tests validate :func:`simulate_planes`
    against it and ``bench/pv_engine.py`` times it. System losses go into
    PVWatts' ``soiling`` loss (the others set to 0) and degradation into its
    ``age`` loss, which ModelChain combines multiplicatively like
    :py:attr:`PVParams.dc_derate`; the weather index is shifted by +30 min so
    that the sun is evaluated at mid-hour, as the engine does.

    Parameters
    ----------
    plane : pandas.Series
        One row of the planes frame (``surface_tilt``, ``surface_azimuth``,
        ``kwp``, ``mounting``).
    weather : pandas.DataFrame
        Weather frame, hourly means labelled at the start of each hour.
    location : pvlib.location.Location
        Site.
    params : PVParams, optional
        System parameters; ``PVParams()`` by default.

    Returns
    -------
    pandas.Series
        Mean AC power on the weather index. [kW]
    """
    params = PVParams() if params is None else params
    losses = dict.fromkeys(
        [
            "soiling",
            "shading",
            "snow",
            "mismatch",
            "wiring",
            "connections",
            "lid",
            "nameplate_rating",
            "age",
            "availability",
        ],
        0.0,
    )
    losses["soiling"] = params.losses_percent
    losses["age"] = params.degradation_percent_per_year * params.year
    system = PVSystem(
        surface_tilt=float(plane["surface_tilt"]),
        surface_azimuth=float(plane["surface_azimuth"]),
        albedo=params.albedo,
        module_parameters={
            "pdc0": float(plane["kwp"]) * 1000.0,
            "gamma_pdc": params.gamma_pdc,
            "temp_ref": params.temp_ref,
        },
        # PVWatts: the inverter's DC rating is its AC rating over eta_inv_nom.
        inverter_parameters={
            "pdc0": float(plane["kwp"]) * 1000.0 / (params.dc_ac_ratio * params.eta_inv_nom),
            "eta_inv_nom": params.eta_inv_nom,
            "eta_inv_ref": params.eta_inv_ref,
        },
        temperature_model_parameters=params.temperature_model_parameters(plane["mounting"]),
        losses_parameters=losses,
    )
    chain = ModelChain(
        system,
        location,
        aoi_model=params.aoi_model,
        spectral_model="no_loss",
        dc_model="pvwatts",
        ac_model="pvwatts",
        losses_model="pvwatts",
        transposition_model=params.transposition_model,
    )
    shifted = weather.copy()
    shifted.index = shifted.index + _step(weather.index) / 2
    chain.run_model(shifted)
    ac = chain.results.ac.fillna(0.0) / 1000.0
    ac.index = weather.index
    return ac.rename(plane.name)
