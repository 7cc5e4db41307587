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
2. Plane-of-array irradiance: :py:func:`pvlib.irradiance.get_total_irradiance`
   (sky diffuse by Hay & Davies 1980 by default, ground-reflected with a
   constant albedo) on a (time x orientation) grid by numpy broadcasting.
3. Reflection losses: :py:func:`pvlib.iam.physical` (De Soto et al. 2006) on
   the direct part only; diffuse unchanged, as ModelChain's
   ``effective_irradiance = poa_direct * iam + poa_diffuse``; no spectral loss.
4. Cell temperature: :py:func:`pvlib.temperature.sapm_cell` from
   ``poa_global`` (King, Boyson & Kratochvil 2004), parameters chosen by
   mounting from ``pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS['sapm']``.
5. DC power: :py:func:`pvlib.pvsystem.pvwatts_dc` (PVWatts v5, Dobos 2014),
   then the PVWatts system losses and degradation as one DC derate
   (what ModelChain's ``losses_model='pvwatts'`` does).
6. AC power: :py:func:`pvlib.inverter.pvwatts` with clipping at the inverter's
   AC rating.

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
nearest-bin keeps the error second-order in the bin size: with the default
5 deg x 10 deg bins the annual energy of any orientation, north-facing and
vertical ones included, stays within 1 % of the exact mode (tested).

Profiles are computed in chunks of orientations so that the (time x
orientation) temporaries stay under ``chunk_mib``. When only aggregates are
asked (``hourly=False``) the time x plane matrix is never built and no profile
is kept: :py:meth:`PlaneYield.ac_kw_for` recomputes the few profiles it needs
from the stored sky state (solar position and weather, a few hundred kB).

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

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pvlib import iam as _iam
from pvlib import inverter, irradiance, pvsystem, temperature
from pvlib.location import Location

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


@dataclass(frozen=True)
class PVParams:
    """System parameters shared by every plane of one simulation.

    Parameters
    ----------
    losses_percent : float
        PVWatts system losses (soiling, wiring, mismatch, ...) applied to DC
        power. [%] Default 14, the PVGIS default system loss [6].
    gamma_pdc : float
        Temperature coefficient of DC power. [1/C] Default -0.004, PVWatts v5
        "standard" crystalline-silicon module [2].
    dc_ac_ratio : float
        Array DC rating over inverter AC rating, PVWatts' definition: the
        inverter's AC rating is ``kwp / dc_ac_ratio`` and its DC input rating
        ``kwp / (dc_ac_ratio * eta_inv_nom)`` (PVWatts v5 manual [2], eq. for
        ``Pdc0 = Pac0 / eta_nom``); AC power is clipped at the AC rating.
        [unitless] Default 1.1 (PVWatts v5 default DC/AC ratio [2]).
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
        Ground reflectance. [unitless] Default 0.2, a common urban value
        (pvlib's ``SURFACE_ALBEDOS['urban']`` is 0.18; 0.2 is the customary
        PVGIS/PVsyst default).
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
        """DC power factor after ``year`` years of linear degradation. [unitless]"""
        return 1.0 - self.degradation_percent_per_year / 100.0 * self.year

    @property
    def dc_derate(self) -> float:
        """DC power factor for system losses and degradation. [unitless]"""
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
    month: np.ndarray
    params: PVParams


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
        [kWh/kWp]. Exact mode: the distinct orientations; fast mode: the grid
        nodes used.
    plane_orientations : pandas.DataFrame
        Long table ``plane``, ``orientation`` (row of ``orientations``),
        ``weight`` [unitless]: a plane's per-kWp profile is the weighted sum of
        its orientations' profiles (one row of weight 1 in exact mode, up to
        four bilinear weights in fast mode).
    kwp : pandas.Series
        DC rating per plane. [kWp]
    mode : str
        ``"exact"`` or ``"fast"``.
    """

    annual_kwh: pd.Series
    monthly_kwh: pd.DataFrame
    specific_yield_kwh_kwp: pd.Series
    ac_kw: pd.DataFrame | None
    orientations: pd.DataFrame
    plane_orientations: pd.DataFrame
    kwp: pd.Series
    mode: str
    _sky: _Sky = field(repr=False, compare=False)

    def ac_kw_for(self, plane_ids) -> pd.DataFrame:
        """Mean AC power of some planes, rebuilt from their orientations' profiles.

        Only the profiles of the orientations these planes use are computed,
        so this is cheap for a few planes even after an aggregates-only run.

        Parameters
        ----------
        plane_ids : list-like
            Plane ids (labels of the planes frame index).

        Returns
        -------
        pandas.DataFrame
            Time x plane. [kW]
        """
        ids = pd.Index(plane_ids)
        missing = ids.difference(self.kwp.index)
        if len(missing):
            raise KeyError(f"{len(missing)} plane id(s) not in this result, e.g. {missing[0]!r}")
        if self.ac_kw is not None:
            return self.ac_kw.loc[:, ids].copy()
        links = self.plane_orientations[self.plane_orientations["plane"].isin(ids)]
        used = np.unique(links["orientation"].to_numpy())
        rows = self.orientations.iloc[used]
        profiles = _ac_per_kwp(
            self._sky,
            rows["surface_tilt"].to_numpy(float),
            rows["surface_azimuth"].to_numpy(float),
            rows["mounting"].to_numpy(object),
        )
        local = np.searchsorted(used, links["orientation"].to_numpy())
        col = ids.get_indexer(links["plane"])
        scale = links["weight"].to_numpy(float) * self.kwp.loc[links["plane"]].to_numpy(float)
        out = np.zeros((len(self._sky.index), len(ids)))
        for k in range(len(links)):
            out[:, col[k]] += profiles[:, local[k]] * scale[k]
        return pd.DataFrame(out, index=self._sky.index, columns=ids)


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
    return _Sky(
        index=weather.index,
        step_hours=step / pd.Timedelta(hours=1),
        lit=lit,
        apparent_zenith=solpos["apparent_zenith"].to_numpy(float)[lit],
        azimuth=solpos["azimuth"].to_numpy(float)[lit],
        dni_extra=np.asarray(irradiance.get_extra_radiation(mid), dtype=float)[lit],
        airmass=None if airmass is None else airmass[lit],
        ghi=weather["ghi"].to_numpy(float)[lit],
        dni=weather["dni"].to_numpy(float)[lit],
        dhi=weather["dhi"].to_numpy(float)[lit],
        temp_air=weather["temp_air"].to_numpy(float)[lit],
        wind_speed=weather["wind_speed"].to_numpy(float)[lit],
        month=weather.index.month.to_numpy(),
        params=params,
    )


def _ac_per_kwp(
    sky: _Sky, surface_tilt: np.ndarray, surface_azimuth: np.ndarray, mounting: np.ndarray
) -> np.ndarray:
    """AC power of 1 kWp per orientation column, shape (time, orientation). [kW/kWp]"""
    out = np.zeros((len(sky.index), len(surface_tilt)))
    out[sky.lit] = _ac_per_kwp_lit(sky, surface_tilt, surface_azimuth, mounting)
    return out


def _ac_per_kwp_lit(
    sky: _Sky, surface_tilt: np.ndarray, surface_azimuth: np.ndarray, mounting: np.ndarray
) -> np.ndarray:
    """Same as `_ac_per_kwp` on the lit rows only, shape (lit time, orientation)."""
    p = sky.params
    col = (slice(None), None)  # time vectors as (T, 1) columns, broadcast against (1, G)
    tilt = surface_tilt[None, :]
    azim = surface_azimuth[None, :]
    zen = sky.apparent_zenith[col]
    sun_az = sky.azimuth[col]
    dni, ghi, dhi = sky.dni[col], sky.ghi[col], sky.dhi[col]
    with np.errstate(invalid="ignore", divide="ignore"):
        # get_total_irradiance unrolled so that the angle of incidence is computed once.
        sky_diffuse = irradiance.get_sky_diffuse(
            tilt,
            azim,
            zen,
            sun_az,
            dni,
            ghi,
            dhi,
            dni_extra=sky.dni_extra[col],
            airmass=None if sky.airmass is None else sky.airmass[col],
            model=p.transposition_model,
        )
        ground_diffuse = irradiance.get_ground_diffuse(tilt, ghi, albedo=p.albedo)
        aoi = irradiance.aoi(tilt, azim, zen, sun_az)
        poa = irradiance.poa_components(aoi, dni, sky_diffuse, ground_diffuse)
        iam_fn = _AOI_MODELS[p.aoi_model]
        if iam_fn is None:
            eff = poa["poa_direct"] + poa["poa_diffuse"]
        else:
            eff = poa["poa_direct"] * iam_fn(aoi) + poa["poa_diffuse"]
    a = np.empty(len(mounting))
    b = np.empty(len(mounting))
    delta_t = np.empty(len(mounting))
    for name in MOUNTINGS:
        sel = mounting == name
        tm = p.temperature_model_parameters(name)
        a[sel], b[sel], delta_t[sel] = tm["a"], tm["b"], tm["deltaT"]
    temp_cell = temperature.sapm_cell(
        poa["poa_global"], sky.temp_air[col], sky.wind_speed[col], a, b, delta_t
    )
    # 1 kWp = 1000 W of DC rating; PVWatts losses + degradation as one DC derate.
    dc = pvsystem.pvwatts_dc(eff, temp_cell, 1000.0, p.gamma_pdc, temp_ref=p.temp_ref)
    dc = dc * p.dc_derate
    # Inverter DC input rating so that its AC rating is 1 kWp / dc_ac_ratio.
    pdc0_inv = 1000.0 / (p.dc_ac_ratio * p.eta_inv_nom)
    ac = inverter.pvwatts(dc, pdc0_inv, eta_inv_nom=p.eta_inv_nom, eta_inv_ref=p.eta_inv_ref)
    return np.asarray(ac, dtype=float) / 1000.0


def _chunks(n_time: int, n_cols: int, chunk_mib: float):
    # About 24 float64 (T x G) temporaries live at once inside _ac_per_kwp.
    per_col = n_time * 8 * 24
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


def simulate_planes(
    planes: pd.DataFrame,
    weather: pd.DataFrame,
    location: Location,
    params: PVParams | None = None,
    *,
    mode: Literal["exact", "fast"] = "exact",
    bin_tilt_deg: float = 5.0,
    bin_azimuth_deg: float = 10.0,
    hourly: bool = False,
    chunk_mib: float = 256.0,
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
        Grid steps of the fast mode. [deg] Defaults 5 and 10 keep annual
        energy within 1 % of the exact mode (see module docstring).
    hourly : bool
        Also build ``ac_kw`` (time x plane). Off by default: aggregates only,
        the time x plane matrix is never allocated.
    chunk_mib : float
        Memory budget of the (time x orientation) temporaries. [MiB] Default
        256, an assumption that keeps 10,000 planes well under 1 GiB.

    Returns
    -------
    PlaneYield
    """
    params = PVParams() if params is None else params
    if mode not in ("exact", "fast"):
        raise ValueError(f"mode must be 'exact' or 'fast', got {mode!r}")
    planes = _check_planes(planes)
    sky = _prepare_sky(weather, location, params)
    if mode == "exact":
        orientations, links = _exact_orientations(planes)
    else:
        orientations, links = _fast_orientations(planes, bin_tilt_deg, bin_azimuth_deg)

    n_time, n_orient = len(sky.index), len(orientations)
    # Monthly energy by one matrix product: (12 x T) indicator times (T x G) power.
    months = np.zeros((12, n_time))
    months[sky.month - 1, np.arange(n_time)] = sky.step_hours
    monthly_orient = np.zeros((12, n_orient))
    profiles = np.empty((n_time, n_orient)) if hourly else None
    tilt = orientations["surface_tilt"].to_numpy(float)
    azim = orientations["surface_azimuth"].to_numpy(float)
    mount = orientations["mounting"].to_numpy(object)
    months_lit = months[:, sky.lit]
    for sl in _chunks(int(sky.lit.sum()), n_orient, chunk_mib):
        prof = _ac_per_kwp_lit(sky, tilt[sl], azim[sl], mount[sl])
        monthly_orient[:, sl] = months_lit @ prof
        if profiles is not None:
            profiles[:, sl] = 0.0
            profiles[sky.lit, sl] = prof
    orientations = orientations.assign(specific_yield_kwh_kwp=monthly_orient.sum(axis=0))

    # Planes = weighted sums of orientation columns, scaled by kWp.
    plane_pos = planes.index.get_indexer(links["plane"])
    orient = links["orientation"].to_numpy()
    scale = links["weight"].to_numpy(float) * planes["kwp"].to_numpy(float)[plane_pos]
    monthly = np.zeros((len(planes), 12))
    np.add.at(monthly, plane_pos, monthly_orient[:, orient].T * scale[:, None])
    monthly_kwh = pd.DataFrame(monthly, index=planes.index, columns=pd.RangeIndex(1, 13))
    monthly_kwh.columns.name = "month"
    annual_kwh = monthly_kwh.sum(axis=1).rename("annual_kwh")
    kwp = planes["kwp"].rename("kwp")
    specific = (annual_kwh / kwp.where(kwp > 0)).rename("specific_yield_kwh_kwp")

    ac_kw = None
    if profiles is not None:
        ac = np.zeros((n_time, len(planes)))
        # Corners one at a time: each plane appears at most once per pass.
        rank = links.groupby("plane", sort=False).cumcount().to_numpy()
        for r in range(int(rank.max()) + 1 if len(rank) else 0):
            sel = rank == r
            ac[:, plane_pos[sel]] += profiles[:, orient[sel]] * scale[sel]
        ac_kw = pd.DataFrame(ac, index=sky.index, columns=planes.index)
        del profiles

    return PlaneYield(
        annual_kwh=annual_kwh,
        monthly_kwh=monthly_kwh,
        specific_yield_kwh_kwp=specific,
        ac_kw=ac_kw,
        orientations=orientations,
        plane_orientations=links,
        kwp=kwp,
        mode=mode,
        _sky=sky,
    )
