"""Offline synthetic typical weather year, calibrated on published climate normals.

The app must work with no network, so it carries its own typical year: an hourly
weather frame (project convention: ``ghi``, ``dni``, ``dhi`` [W/m2],
``temp_air`` [C], ``wind_speed`` [m/s], ``pressure`` [Pa]; hourly means labelled
at the START of each hour of :data:`solar.typical_year.TYPICAL_YEAR`) built from
pvlib's clear sky and a few published climate figures.

Calibration targets (per month)
-------------------------------
* Sunshine duration ``n`` [h]: the monthly normals of the nearest calibrated
  station (``data/climate_normals.toml``; for Nantes-Bouguenais two months are
  published and ten are filled so that the published summer and annual totals
  hold, see :func:`fill_sunshine_hours`).
* Irradiation: the Angstrom-Prescott relation ``Rs = (a_s + b_s n/N) Ra``
  with the FAO-56 coefficients ``a_s = 0.25``, ``b_s = 0.50`` (Allen et al.
  1998, FAO Irrigation and Drainage Paper 56, eq. 35), ``Ra`` and ``N`` from
  FAO-56 eqs. 21-25 and 34 (:func:`angstrom_prescott_irradiation`).
* Mean air temperature [C]: the station's monthly normals.

How the year is built
---------------------
1. Clear sky: :py:meth:`pvlib.location.Location.get_clearsky`, model
   ``"ineichen"`` with pvlib's bundled Linke turbidity climatology, and solar
   position, both evaluated at the MIDDLE of each hour (label + 30 min) since
   the values are hourly means labelled at the start.
2. Hours that CAN be sunny: those whose clear-sky GHI, decomposed by
   :py:func:`pvlib.irradiance.erbs`, gives DNI above the WMO sunshine threshold
   of 120 W/m2 (WMO CIMO Guide, WMO-No. 8, ch. 8). Near sunrise and sunset the
   sun is too low to "shine" by that definition even in a clear sky, as on a
   real sunshine recorder.
3. Daily weather: each day draws a relative sunshine
   ``sigma_d = expit(a_m + spread * z_d)`` where ``z_d`` is a standard-normal
   AR(1) series (day-to-day persistence) from a seeded
   :py:class:`numpy.random.Generator`. ``spread`` gives the U-shaped
   distribution of daily sunshine of temperate climates (many nearly sunless
   days, many nearly clear ones); the offset ``a_m`` of each month is solved
   so that the month's draws add up to the sunshine normal: the draws are
   rescaled to their target. Day ``d`` then gets ``s_d = sigma_d * Np_d`` sunny
   hours (``Np_d`` its possible sunny hours), rounded to whole hours by
   largest remainders so that the month total is the normal to the hour.
4. Within a day the sunny hours form one spell of ``s_d`` consecutive possible
   hours, placed at random. Their clear-sky index ``k`` (GHI over clear-sky
   GHI) is a Beta draw between ``k_low`` (the index at which Erbs gives DNI 5 %
   above the sunshine threshold) and 1, whose mean position is
   ``1 - broken_cloud (1 - sigma_d)``: every sunny hour of a fully sunny day is
   clear, those of a partly sunny day are broken cloud (sun between clouds,
   mostly diffuse light), the more so the less sunny the day. The other hours
   are overcast: ``k = min(k_c w_h, k_high)`` with ``w_h = 2 Beta(2, 2)`` (mean
   1) and ``k_high`` the index at which Erbs gives DNI 5 % below the threshold,
   so an overcast hour never counts as sunshine; the month's transmittance
   ``k_c`` is solved (bisection) so that its irradiation is exactly the
   Angstrom-Prescott target. In very sunny climates the sunny hours alone
   would exceed the target; ``k_c`` then stays at ``cloud_transmittance_min``
   and the sunny hours are dimmed instead (hazy sun).
5. GHI is split into DNI and DHI by :py:func:`pvlib.irradiance.erbs`.

Why sunny spells rather than one factor per day: with hourly data and an
hourly decomposition, the count of hours with DNI > 120 W/m2 is a steep
function of the hourly clearness. Scaling every hour of a day by one factor,
with logit-normal daily factors rescaled to the Angstrom-Prescott irradiation,
gave at Nantes 300 sunny hours in June (normal 219 h) for equal days and still
240-250 h for moderate spreads; in April no spread came below 195 h (normal
168 h). Real partly sunny days alternate clear and cloudy spells, which is what
the Angstrom-Prescott line ``Rs/Ra = a_s + b_s n/N`` describes: each sunny
hour adds (nearly) clear-sky irradiation, each cloudy hour a fraction of it. Modelling
the day as such a mixture makes the WMO sunshine count and the irradiation two
independent knobs (number of sunny hours, cloud transmittance), so both are met
exactly. Sunshine is counted the WMO way on hourly data: a whole hour when its
mean DNI exceeds 120 W/m2 (sunny hours stay at least 5 % above the
threshold, overcast hours 5 % below, so no fraction of an hour is needed).
Should the normals be out of the model's reach (more than 5 % off after
construction), ``warnings`` says so.

Why Erbs: the Erbs, Klein & Duffie (1982) correlation depends only on the
hourly clearness index, and the DNI it gives grows with that index, so the clear-sky index at
which an hour crosses the sunshine threshold is unique and computed once
(bisection); the sunny-hour count is then set by construction. DIRINT/DIRINDEX
use the clearness of neighbouring hours and dew point, which the synthetic
year does not have.

Broken cloud and diffuse share: a sky made only of clear hours (diffuse
fraction 0.27 under Erbs) and dull overcast ones (0.98) gave the Nantes year
a diffuse share of 0.40 of GHI, below real typical years of similar climates;
other decompositions did not close the gap (Erbs-Driesse 0.40,
Orgill-Hollands 0.41, Boland 0.43), because real skies put much of their
light in broken-cloud hours (hourly clearness index 0.3-0.65), which that sky
lacked (17 % of the daylight hours at Nantes, against 37 % at Sand Point, AK,
and 52 % at Greensboro, NC, in pvlib's bundled TMY3 files). Hourly clearness
within a day is Beta-distributed given the day's clearness (Graham &
Hollands 1990, Solar Energy 44(6) 333-341; truncated Gaussians given the
daily clearness and solar height in Aguiar & Collares-Pereira 1992, Solar
Energy 48(3) 157-167); step 4 follows that idea inside the constraints of the
calibration (sunny hours above the threshold, overcast ones below). With the
defaults the Nantes year has 36 % broken-cloud hours and a diffuse share of
0.465 (seeds 0-2: 0.465-0.473), between the TMY3 files' 0.44 (Greensboro,
36 N) and 0.56 (Sand Point, 55 N); the monthly sunshine and irradiation are
unchanged. Not reproduced: the hour-to-hour correlation of the clearness
(0.54 in Graham & Hollands), since the draws are independent within a spell.

Air temperature: the monthly normals are turned into daily means by a
periodic 12-term Fourier series whose monthly averages equal the normals
exactly (smooth between mid-months, mean-preserving). A daily cycle is added:
minimum at sunrise, maximum ``t_max_lag_h`` after solar noon, half-cosine
branches, with a range growing with the day's relative sunshine from
``dtr_overcast_k`` to ``dtr_clear_k``; it has zero mean over each day.

Wind speed is the station's constant annual mean; pressure is
:py:func:`pvlib.atmosphere.alt2pres` of the altitude.

For any location: the nearest calibrated station within ``max_distance_km``
(50 km) is used as is. Farther away, a generic year is built from the nearest
station's relative sunshine ``n/N`` by month (re-applied to the site's own
day length, shifted six months across the equator) and its temperatures
moved by the standard-atmosphere lapse rate for the altitude difference; the
metadata then carry an explicit warning.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
from scipy.special import expit

from solar.typical_year import TIMEZONE, TYPICAL_YEAR, typical_year_index

NORMALS_PATH = Path(__file__).with_name("data") / "climate_normals.toml"

SOURCE = "synthetic"
LABEL = "synthetic typical year"
LABEL_KEY = "weather.synthetic.label"
GENERIC_FALLBACK_KEY = "weather.generic_fallback"

# FAO-56 (Allen et al. 1998) eq. 21: solar constant [MJ m-2 min-1].
_GSC_MJ_M2_MIN = 0.0820
_MJ_TO_WH = 1e6 / 3600.0
# Mean Earth radius [km] (IUGG), for great-circle distances.
_EARTH_RADIUS_KM = 6371.0088

ATTRIBUTION = (
    "Synthetic typical year generated offline by Quartier Solaire. Calibrated on "
    "climate normals of {site}{normals_source}. Clear sky: pvlib Ineichen-Perez model with "
    "the Linke turbidity climatology bundled with pvlib (SoDa, Remund et al. 2003). "
    "Broken cloud on partly sunny days: after Graham & Hollands (1990). "
    "Decomposition: Erbs, Klein & Duffie (1982). Irradiation: Angstrom-Prescott with "
    "FAO-56 coefficients (Allen et al. 1998). Not measured data."
)
_SHIPPED_SOURCE = (
    " (Météo-France figures as quoted by the press: francebleu.fr 2021, 20minutes.fr "
    "2018, france3-regions 2013; see solar/data/climate_normals.toml)"
)


@dataclass(frozen=True)
class ClimateNormals:
    """Monthly climate normals of one station.

    Attributes
    ----------
    name : str
        Station name.
    latitude, longitude : float
        Station position [degrees], north and east positive.
    altitude : float
        Station altitude [m].
    sunshine_hours : tuple of float
        Monthly sunshine duration, January to December [h].
    temp_air_mean : tuple of float
        Monthly mean air temperature, January to December [C].
    wind_speed_mean : float
        Annual mean wind speed at 10 m [m/s].
    sources : dict
        Where each figure comes from, keyed by field name.
    filled_months : tuple of int
        Months (1-12) whose sunshine duration is filled, not published.
    """

    name: str
    latitude: float
    longitude: float
    altitude: float
    sunshine_hours: tuple[float, ...]
    temp_air_mean: tuple[float, ...]
    wind_speed_mean: float
    sources: dict[str, str] = field(default_factory=dict, hash=False)
    filled_months: tuple[int, ...] = ()


@dataclass(frozen=True)
class SyntheticWeatherParameters:
    """Parameters of :func:`synthetic_year`; every one can be changed.

    Attributes
    ----------
    a_s, b_s : float
        Angstrom-Prescott coefficients [-]; FAO-56 eq. 35 defaults 0.25, 0.50.
    sunshine_threshold_w_m2 : float
        DNI above which the sun counts as shining [W/m2]; WMO CIMO Guide: 120.
    sunshine_spread : float
        Scale of the logit-normal daily relative sunshine [-]. ASSUMPTION: 2.0
        gives a U-shaped distribution (at Nantes about a quarter of the days
        get less than 10 % or more than 90 % of their possible sunshine, 40 %
        in April); not fitted to observations.
    persistence : float
        Lag-1 autocorrelation of the latent daily weather [-]. ASSUMPTION: 0.4,
        so that sunny and dull spells last a few days; not fitted.
    dtr_overcast_k, dtr_clear_k : float
        Daily temperature range on a sunless and on a fully sunny day [K].
        ASSUMPTION: 3 and 14 K, giving monthly mean ranges of about 7 K in
        winter and 9-10 K in summer at Nantes, the order of the 5 K (January)
        and 10 K (July) differences between mean daily maxima and minima
        quoted by klima.org/frankreich/klima-nantes.
    t_max_lag_h : float
        Time of the daily maximum after solar noon [h]. ASSUMPTION: 2.5 h
        (mid-afternoon).
    lapse_rate_k_per_m : float
        Temperature decrease with altitude for the generic fallback [K/m];
        ICAO standard atmosphere: 0.0065.
    max_distance_km : float
        Farthest calibrated station used as is [km]. ASSUMPTION: 50 km, within
        which monthly sunshine normals of lowland western France differ by a
        few percent.
    cloud_transmittance_min : float
        Darkest monthly overcast transmittance ``k_c``, as a fraction of the
        clear-sky GHI [-]. ASSUMPTION: 0.15, a thick overcast. Only very sunny
        climates reach it; their sunny hours are then dimmed (hazy sun) to meet
        the irradiation target.
    broken_cloud : float
        How far below clear the sunny hours of a partly sunny day are [-]: their
        mean position between the sunshine threshold and the clear sky is
        ``1 - broken_cloud (1 - sigma_d)``. 0 gives clear sunny hours only.
        ASSUMPTION: 0.5, chosen so that the share of broken-cloud hours and the
        diffuse share at Nantes fall between those of pvlib's TMY3 files of
        Greensboro and Sand Point; not fitted to Nantes observations.
    broken_cloud_concentration : float
        Concentration ``a + b`` of the Beta draw of the sunny hours [-].
        ASSUMPTION: 2, a wide spread.
    overcast_concentration : float
        ``c`` of the overcast hours' factor ``w = 2 Beta(c, c)`` [-]. ASSUMPTION:
        2 (standard deviation 0.45 around the month's transmittance).
    threshold_margin : float
        Sunny hours stay this fraction above the sunshine threshold, overcast
        ones this fraction below [-], so that the count does not hinge on
        rounding. ASSUMPTION: 0.05.
    """

    a_s: float = 0.25
    b_s: float = 0.50
    sunshine_threshold_w_m2: float = 120.0
    sunshine_spread: float = 2.0
    persistence: float = 0.4
    dtr_overcast_k: float = 3.0
    dtr_clear_k: float = 14.0
    t_max_lag_h: float = 2.5
    lapse_rate_k_per_m: float = 0.0065
    max_distance_km: float = 50.0
    cloud_transmittance_min: float = 0.15
    broken_cloud: float = 0.5
    broken_cloud_concentration: float = 2.0
    threshold_margin: float = 0.05
    overcast_concentration: float = 2.0


# --- climate normals -------------------------------------------------------------


def load_climate_normals(path: str | Path | None = None) -> list[ClimateNormals]:
    """Read the calibrated stations of ``climate_normals.toml``.

    Parameters
    ----------
    path : str or Path, optional
        TOML file; default the one shipped in ``solar/data/``.

    Returns
    -------
    list of ClimateNormals
    """
    return list(_load_normals(str(path or NORMALS_PATH)))


@cache
def _load_normals(path: str) -> tuple[ClimateNormals, ...]:
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    sites = []
    for site in raw.get("site", []):
        sites.append(
            ClimateNormals(
                name=site["name"],
                latitude=float(site["latitude"]),
                longitude=float(site["longitude"]),
                altitude=float(site["altitude"]),
                sunshine_hours=tuple(float(v) for v in site["sunshine_hours"]),
                temp_air_mean=tuple(float(v) for v in site["temp_air_mean"]),
                wind_speed_mean=float(site["wind_speed_mean"]),
                sources=dict(site.get("sources", {})),
                filled_months=tuple(int(m) for m in site.get("filled_months", ())),
            )
        )
    return tuple(sites)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance between two points [km]."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest_normals(
    latitude: float, longitude: float, normals: Sequence[ClimateNormals] | None = None
) -> tuple[ClimateNormals, float]:
    """Return the calibrated station nearest to a point and its distance [km]."""
    sites = list(normals) if normals is not None else load_climate_normals()
    if not sites:
        raise ValueError("no climate normals to choose from")
    dists = [distance_km(latitude, longitude, s.latitude, s.longitude) for s in sites]
    i = int(np.argmin(dists))
    return sites[i], dists[i]


# --- FAO-56 astronomy and Angstrom-Prescott ----------------------------------------


def _year_days(year: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")


def _fao56_daily(day_of_year: np.ndarray, latitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Extraterrestrial irradiation Ra [Wh/m2/day] and daylight hours N [h], FAO-56."""
    j = np.asarray(day_of_year, dtype=float)
    phi = math.radians(latitude)
    dr = 1 + 0.033 * np.cos(2 * np.pi * j / 365)  # eq. 23
    delta = 0.409 * np.sin(2 * np.pi * j / 365 - 1.39)  # eq. 24
    # eq. 25, clipped for polar day and night (FAO-56 eqs. 26-27 do the same job)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(delta), -1.0, 1.0))
    ra_mj = (
        24
        * 60
        / np.pi
        * _GSC_MJ_M2_MIN
        * dr
        * (ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))
    )  # eq. 21
    return ra_mj * _MJ_TO_WH, 24 / np.pi * ws  # eq. 34


def monthly_daylight_hours(latitude: float, year: int = TYPICAL_YEAR) -> np.ndarray:
    """Astronomical daylight hours of each month, FAO-56 eq. 34 summed over its days [h]."""
    days = _year_days(year)
    _, n = _fao56_daily(days.day_of_year.to_numpy(), latitude)
    return np.bincount(days.month.to_numpy() - 1, n, minlength=12)


def angstrom_prescott_irradiation(
    sunshine_hours: Sequence[float],
    latitude: float,
    *,
    year: int = TYPICAL_YEAR,
    a_s: float = 0.25,
    b_s: float = 0.50,
) -> np.ndarray:
    """Monthly mean daily global irradiation from sunshine duration.

    ``Rs = (a_s + b_s * n / N) * Ra`` (FAO-56 eq. 35), with ``n/N`` the month's
    relative sunshine and ``Ra`` the daily extraterrestrial irradiation
    (FAO-56 eqs. 21-25), averaged over the days of the month.

    Parameters
    ----------
    sunshine_hours : sequence of 12 float
        Monthly sunshine duration, January to December [h].
    latitude : float
        [degrees], north positive.
    year : int
        Calendar whose days are used; default the typical year.
    a_s, b_s : float
        Angstrom-Prescott coefficients [-]; FAO-56 defaults 0.25 and 0.50.

    Returns
    -------
    numpy.ndarray
        Monthly mean daily irradiation, January to December [Wh/m2/day].
    """
    n = np.asarray(sunshine_hours, dtype=float)
    if n.shape != (12,):
        raise ValueError("sunshine_hours must hold 12 monthly values")
    days = _year_days(year)
    month = days.month.to_numpy() - 1
    ra, daylight = _fao56_daily(days.day_of_year.to_numpy(), latitude)
    sigma = n / np.bincount(month, daylight, minlength=12)
    rs = (a_s + b_s * sigma[month]) * ra
    return np.bincount(month, rs, minlength=12) / np.bincount(month, minlength=12)


def fill_sunshine_hours(
    latitude: float,
    monthly: Mapping[int, float],
    totals: Mapping[tuple[int, ...], float],
    *,
    year: int = TYPICAL_YEAR,
) -> np.ndarray:
    """Fill twelve monthly sunshine durations from a few published figures.

    The relative sunshine ``n/N`` is the two-harmonic annual curve
    ``c0 + a1 cos(wt) + b1 sin(wt) + a2 cos(2wt) + b2 sin(2wt)`` (``t`` the
    mid-month day of year, ``w = 2 pi / 365``) that reproduces every figure
    exactly and has the smallest second harmonic ``a2^2 + b2^2`` (the smoothest
    such curve); ``n = (n/N) N`` with ``N`` from :func:`monthly_daylight_hours`.

    Parameters
    ----------
    latitude : float
        Station latitude [degrees].
    monthly : mapping of int to float
        Published monthly values {month 1-12: hours [h]}.
    totals : mapping of tuple of int to float
        Published sums over several months {(6, 7, 8): hours [h]}.
    year : int
        Calendar of the daylight sums.

    Returns
    -------
    numpy.ndarray
        Twelve monthly sunshine durations [h].
    """
    days = _year_days(year)
    month = days.month.to_numpy() - 1
    mid_doy = np.bincount(month, days.day_of_year.to_numpy()) / np.bincount(month)
    daylight = monthly_daylight_hours(latitude, year)
    w = 2 * np.pi / 365
    basis = np.column_stack(
        [
            np.ones(12),
            np.cos(w * mid_doy),
            np.sin(w * mid_doy),
            np.cos(2 * w * mid_doy),
            np.sin(2 * w * mid_doy),
        ]
    )
    rows, rhs = [], []
    for m, hours in monthly.items():
        rows.append(basis[m - 1] * daylight[m - 1])
        rhs.append(hours)
    for months, hours in totals.items():
        idx = np.asarray(months) - 1
        rows.append((basis[idx] * daylight[idx, None]).sum(axis=0))
        rhs.append(hours)
    a = np.asarray(rows)
    if len(rows) > 5:
        raise ValueError("at most five figures can be matched by a two-harmonic curve")
    # Least a2^2 + b2^2 subject to a c = rhs: the KKT system (pseudo-inverse copes
    # with fewer figures, when the first harmonic is also free).
    p = np.diag([0.0, 0.0, 0.0, 1.0, 1.0])
    k = np.block([[2 * p, a.T], [a, np.zeros((len(rows), len(rows)))]])
    sol = np.linalg.lstsq(k, np.r_[np.zeros(5), rhs], rcond=None)[0]
    return basis @ sol[:5] * daylight


# --- the synthetic year -------------------------------------------------------------


def _generic_normals(
    site: ClimateNormals, latitude: float, longitude: float, altitude: float, lapse_rate: float
) -> ClimateNormals:
    """Normals for a far location: the site's n/N and temperatures, moved."""
    sigma = np.asarray(site.sunshine_hours) / monthly_daylight_hours(site.latitude)
    temps = np.asarray(site.temp_air_mean) - lapse_rate * (altitude - site.altitude)
    if (latitude < 0) != (site.latitude < 0):
        # Opposite hemisphere: seasons are six months apart.
        sigma, temps = np.roll(sigma, 6), np.roll(temps, 6)
    sunshine = np.clip(sigma, 0.0, 1.0) * monthly_daylight_hours(latitude)
    return ClimateNormals(
        name=f"generic (from {site.name})",
        latitude=latitude,
        longitude=longitude,
        altitude=altitude,
        sunshine_hours=tuple(float(v) for v in sunshine),
        temp_air_mean=tuple(float(v) for v in temps),
        wind_speed_mean=site.wind_speed_mean,
        sources={"generic": f"relative sunshine and temperature of {site.name}"},
        filled_months=tuple(range(1, 13)),
    )


def _latent_weather(rng: np.random.Generator, n: int, persistence: float) -> np.ndarray:
    """Standard-normal AR(1) series: the day-to-day memory of the weather."""
    e = rng.standard_normal(n)
    z = np.empty(n)
    z[0] = e[0]
    scale = math.sqrt(1 - persistence**2)
    for i in range(1, n):
        z[i] = persistence * z[i - 1] + scale * e[i]
    return z


def _solve_offsets(
    z: np.ndarray, possible: np.ndarray, month: np.ndarray, target: np.ndarray, spread: float
) -> np.ndarray:
    """Per month, the offset a with sum_d expit(a + spread z_d) Np_d = target (bisection)."""
    lo, hi = np.full(12, -40.0), np.full(12, 40.0)
    for _ in range(80):
        a = (lo + hi) / 2
        total = np.bincount(month, expit(a[month] + spread * z) * possible, minlength=12)
        low = total < target
        lo = np.where(low, a, lo)
        hi = np.where(low, hi, a)
    return (lo + hi) / 2


def _round_by_month(values: np.ndarray, month: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Whole hours per day whose monthly sums are the rounded monthly sums (largest remainder)."""
    out = np.floor(values).astype(int)
    for m in range(12):
        days = np.flatnonzero(month == m)
        need = int(round(values[days].sum())) - out[days].sum()
        order = days[np.argsort(-(values[days] - out[days]), kind="stable")]
        order = order[out[order] < caps[order]]
        out[order[: max(need, 0)]] += 1
    return out


def _fourier_monthly_means(
    monthly: Sequence[float], day_of_year: np.ndarray, month: np.ndarray
) -> np.ndarray:
    """Smooth periodic daily curve whose average over each month is exactly ``monthly``."""
    t = 2 * np.pi * (day_of_year - 0.5) / len(day_of_year)
    cols = [np.ones_like(t)]
    for h in range(1, 6):
        cols += [np.cos(h * t), np.sin(h * t)]
    cols.append(np.cos(6 * t))
    basis = np.column_stack(cols)
    counts = np.bincount(month, minlength=12)
    a = np.vstack([np.bincount(month, basis[:, j], minlength=12) / counts for j in range(12)]).T
    coef = np.linalg.solve(a, np.asarray(monthly, dtype=float))
    return basis @ coef


def synthetic_year(
    latitude: float,
    longitude: float,
    altitude: float | None = None,
    *,
    seed: int = 0,
    normals: ClimateNormals | Sequence[ClimateNormals] | None = None,
    tz: str = TIMEZONE,
    parameters: SyntheticWeatherParameters | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Build the offline synthetic typical weather year of a location.

    Parameters
    ----------
    latitude, longitude : float
        Site [degrees], north and east positive.
    altitude : float, optional
        Site altitude [m]; default :py:func:`pvlib.location.lookup_altitude`
        (pvlib's bundled map, offline).
    seed : int
        Seed of the :py:class:`numpy.random.Generator`; the same seed gives the
        same year, another seed another year with the same calibration.
    normals : ClimateNormals or sequence of them, optional
        One station to use as is, or stations to choose the nearest from;
        default the stations of ``solar/data/climate_normals.toml``.
    tz : str
        Time zone of the index.
    parameters : SyntheticWeatherParameters, optional
        Model parameters; defaults documented on the class.

    Returns
    -------
    weather : pandas.DataFrame
        8,760 hourly rows labelled at the START of each hour: ``ghi``, ``dni``,
        ``dhi`` [W/m2], ``temp_air`` [C], ``wind_speed`` [m/s], ``pressure`` [Pa].
    metadata : dict
        ``source`` ("synthetic"), ``label``, ``label_key``, ``latitude``,
        ``longitude``, ``altitude``, ``period``, ``seed``, ``normals_site``,
        ``normals_distance_km``, ``attribution`` (English), ``attribution_key``
        and ``attribution_params`` (the same, for the catalogue), ``warnings`` (English),
        ``warning_keys`` (catalogue keys with parameters, for the UI) and
        ``targets`` (monthly ``sunshine_hours`` [h], ``irradiation`` [Wh/m2/day],
        ``temp_air_mean`` [C] the year was calibrated on).
    """
    par = parameters or SyntheticWeatherParameters()
    if altitude is None:
        altitude = float(pvlib.location.lookup_altitude(latitude, longitude))
    warnings: list[str] = []
    warning_keys: list[dict] = []

    if isinstance(normals, ClimateNormals):
        site, dist = normals, distance_km(latitude, longitude, normals.latitude, normals.longitude)
        if dist > par.max_distance_km:
            warnings.append(
                f"Climate normals of {site.name} used as given, {dist:.0f} km from the site."
            )
        used = site
    else:
        site, dist = nearest_normals(latitude, longitude, normals)
        used = site
        if dist > par.max_distance_km:
            used = _generic_normals(site, latitude, longitude, altitude, par.lapse_rate_k_per_m)
            warnings.append(
                f"No calibrated climate normals within {par.max_distance_km:.0f} km: generic "
                f"synthetic year from the relative sunshine and temperatures of {site.name} "
                f"({dist:.0f} km away), temperatures moved by the standard lapse rate for "
                "altitude. Yields are indicative only; use PVGIS or a local weather file."
            )
            warning_keys.append(
                {
                    "key": GENERIC_FALLBACK_KEY,
                    "params": {"site": site.name, "distance_km": round(dist)},
                }
            )

    index = typical_year_index("h", tz)
    mid = index + pd.Timedelta(minutes=30)
    location = pvlib.location.Location(latitude, longitude, tz=tz, altitude=altitude)
    solpos = location.get_solarposition(mid)
    clear = location.get_clearsky(mid, model="ineichen", solar_position=solpos)
    ghi_cs = clear["ghi"].to_numpy()
    zenith = solpos["zenith"].to_numpy()
    doy = mid.day_of_year.to_numpy()

    # Local calendar days; month of each day and of each hour.
    day_code, days = pd.factorize(index.tz_localize(None).normalize())
    n_days = len(days)
    day_month = days.month.to_numpy() - 1
    hour_month = index.month.to_numpy() - 1

    thr = par.sunshine_threshold_w_m2
    possible = np.asarray(pvlib.irradiance.erbs(ghi_cs, zenith, doy)["dni"]) > thr
    possible_per_day = np.bincount(day_code, possible, minlength=n_days)

    # Calibration targets.
    target_sun = np.asarray(used.sunshine_hours, dtype=float)
    available = np.bincount(day_month, possible_per_day, minlength=12)
    short = target_sun > available
    if short.any():
        warnings.append(
            "Sunshine normals exceed the hours in which the sun can shine above "
            f"{thr:.0f} W/m2 in months {[int(m) + 1 for m in np.flatnonzero(short)]}; capped."
        )
        target_sun = np.minimum(target_sun, available)
    target_h = angstrom_prescott_irradiation(
        used.sunshine_hours, latitude, year=TYPICAL_YEAR, a_s=par.a_s, b_s=par.b_s
    )
    month_days = np.bincount(day_month, minlength=12)

    # Daily relative sunshine, rescaled per month to the normal, then whole hours.
    rng = np.random.default_rng(seed)
    z = _latent_weather(rng, n_days, par.persistence)
    offsets = _solve_offsets(z, possible_per_day, day_month, target_sun, par.sunshine_spread)
    sun_float = expit(offsets[day_month] + par.sunshine_spread * z) * possible_per_day
    sun_hours = _round_by_month(sun_float, day_month, possible_per_day)

    # One sunny spell per day, at a random place among the possible hours.
    starts_u = rng.random(n_days)
    sunny = np.zeros(len(index), dtype=bool)
    possible_idx = np.flatnonzero(possible)
    bounds = np.searchsorted(day_code[possible_idx], np.arange(n_days + 1))
    for d in np.flatnonzero(sun_hours):
        hours = possible_idx[bounds[d] : bounds[d + 1]]
        n = sun_hours[d]
        start = int(starts_u[d] * (len(hours) - n + 1))
        sunny[hours[start : start + n]] = True

    # Broken cloud: a sunny hour of a partly sunny day is clear only part of the
    # time, so its clear-sky index lies between the sunshine threshold and 1.
    sigma_day = np.divide(
        sun_hours, possible_per_day, out=np.zeros(n_days), where=possible_per_day > 0
    )
    k_low = _threshold_index(ghi_cs, zenith, doy, thr * (1 + par.threshold_margin))
    k_high = _threshold_index(ghi_cs, zenith, doy, thr * (1 - par.threshold_margin))
    k_sun = _sunny_hour_index(rng, sigma_day[day_code], k_low, par)
    k_sun = np.where(sunny, k_sun, 0.0)

    # Cloud transmittance per month so that irradiation meets Angstrom-Prescott;
    # an overcast hour stays below the sunshine threshold (capped at k_high).
    target_wh = target_h * month_days
    sun_wh = np.bincount(hour_month, k_sun * ghi_cs, minlength=12)
    # Overcast hours vary around the month's transmittance k_c: k_c w, w = 2 Beta(c, c).
    c = par.overcast_concentration
    w = np.where(sunny, 0.0, 2 * rng.beta(c, c, len(index)))
    k_cloud = _solve_cloud(ghi_cs, w, k_high, hour_month, target_wh - sun_wh, par)
    k_over = np.minimum(k_cloud[hour_month] * w, k_high)
    cloud_wh = np.bincount(hour_month, k_over * ghi_cs, minlength=12)
    # Very sunny climates: the sunny hours alone would exceed the target, so they
    # are dimmed (hazy sun) instead of making the cloudy hours darker than the floor.
    hazy = np.clip((target_wh - cloud_wh) / np.where(sun_wh > 0, sun_wh, 1.0), 0, 1)
    ghi = np.where(sunny, k_sun * hazy[hour_month], k_over) * ghi_cs
    parts = pvlib.irradiance.erbs(ghi, zenith, doy)
    dni = np.asarray(parts["dni"], dtype=float)
    dhi = np.asarray(parts["dhi"], dtype=float)
    got_sun = np.bincount(hour_month, dni > thr, minlength=12)
    got_wh = np.bincount(hour_month, ghi, minlength=12)
    missed = (np.abs(got_sun - target_sun) > 0.05 * np.maximum(target_sun, 1.0)) | (
        np.abs(got_wh - target_wh) > 0.05 * np.maximum(target_wh, 1.0)
    )
    if missed.any():
        months = [int(m) + 1 for m in np.flatnonzero(missed)]
        warnings.append(
            f"Sunshine or irradiation more than 5% off the normals in months {months}: "
            "the normals are outside what this model can reproduce."
        )

    # Air temperature: smooth daily means + a daily cycle that is larger when sunny.
    t_day = _fourier_monthly_means(used.temp_air_mean, np.arange(1, n_days + 1), day_month)
    dtr = par.dtr_overcast_k + (par.dtr_clear_k - par.dtr_overcast_k) * sigma_day
    shape = _diurnal_shape(mid, longitude, latitude, doy, par.t_max_lag_h)
    shape = shape - (np.bincount(day_code, shape) / np.bincount(day_code))[day_code]
    temp_air = t_day[day_code] + dtr[day_code] * shape

    weather = pd.DataFrame(
        {
            "ghi": ghi,
            "dni": dni,
            "dhi": dhi,
            "temp_air": temp_air,
            "wind_speed": np.full(len(index), used.wind_speed_mean),
            "pressure": np.full(len(index), float(pvlib.atmosphere.alt2pres(altitude))),
        },
        index=index,
    )
    metadata = {
        "source": SOURCE,
        "label": LABEL,
        "label_key": LABEL_KEY,
        "latitude": latitude,
        "longitude": longitude,
        "altitude": altitude,
        "period": f"{TYPICAL_YEAR} (typical year)",
        "seed": seed,
        "normals_site": used.name,
        "normals_distance_km": dist,
        "attribution": ATTRIBUTION.format(
            site=site.name,
            normals_source=_SHIPPED_SOURCE if site in load_climate_normals() else " (caller's)",
        ),
        "attribution_key": "synthetic" if site in load_climate_normals() else "synthetic_caller",
        "attribution_params": {"site": site.name},
        "warnings": warnings,
        "warning_keys": warning_keys,
        "targets": {
            "sunshine_hours": tuple(float(v) for v in target_sun),
            "irradiation": tuple(float(v) for v in target_h),
            "temp_air_mean": tuple(float(v) for v in used.temp_air_mean),
        },
    }
    return weather, metadata


def _threshold_index(
    ghi_cs: np.ndarray, zenith: np.ndarray, doy: np.ndarray, dni_w_m2: float
) -> np.ndarray:
    """Per hour, the clear-sky index at which Erbs gives DNI = ``dni_w_m2`` (bisection).

    Erbs' DNI grows with the clearness index, so the index is unique; 1 when
    even the clear sky stays below (sun too low), 0 when there is no sun.
    """
    out = np.ones_like(ghi_cs)
    up = ghi_cs > 0  # only daylight hours need the search
    cs, z, j = ghi_cs[up], zenith[up], doy[up]
    lo, hi = np.zeros_like(cs), np.ones_like(cs)
    for _ in range(24):  # 6e-8 in index
        k = (lo + hi) / 2
        above = np.asarray(pvlib.irradiance.erbs(k * cs, z, j)["dni"]) > dni_w_m2
        hi = np.where(above, k, hi)
        lo = np.where(above, lo, k)
    out[up] = hi
    return out


def _sunny_hour_index(
    rng: np.random.Generator, sigma: np.ndarray, k_low: np.ndarray, par: SyntheticWeatherParameters
) -> np.ndarray:
    """Clear-sky index of each hour were it sunny: a Beta draw in [k_low, 1].

    The mean position in that interval is ``1 - broken_cloud (1 - sigma)``: clear
    on a fully sunny day, more broken the less sunny the day (hourly clearness
    Beta-distributed given the day's, after Graham & Hollands 1990).
    """
    m = np.clip(1 - par.broken_cloud * (1 - sigma), 1e-3, 1 - 1e-3)
    b = rng.beta(par.broken_cloud_concentration * m, par.broken_cloud_concentration * (1 - m))
    b = np.where(sigma >= 1.0, 1.0, b)
    return k_low + (1 - k_low) * b


def _solve_cloud(
    ghi_cs: np.ndarray,
    w: np.ndarray,
    cap: np.ndarray,
    month: np.ndarray,
    target: np.ndarray,
    par: SyntheticWeatherParameters,
) -> np.ndarray:
    """Per month, k with sum min(k w, cap) ghi_cs = target, k in [floor, 2] (bisection)."""
    lo = np.full(12, par.cloud_transmittance_min)
    hi = np.full(12, 2.0)
    for _ in range(50):
        k = (lo + hi) / 2
        got = np.bincount(month, np.minimum(k[month] * w, cap) * ghi_cs, minlength=12)
        low = got < target
        lo = np.where(low, k, lo)
        hi = np.where(low, hi, k)
    return (lo + hi) / 2


def _diurnal_shape(
    mid: pd.DatetimeIndex, longitude: float, latitude: float, doy: np.ndarray, lag_h: float
) -> np.ndarray:
    """Daily temperature cycle in [0, 1]: 0 at sunrise, 1 at solar noon + lag."""
    utc = mid.tz_convert("UTC")
    eot = pvlib.solarposition.equation_of_time_spencer71(doy)  # [min]
    solar_time = np.mod(
        utc.hour.to_numpy() + utc.minute.to_numpy() / 60 + longitude / 15 + eot / 60, 24
    )
    _, daylight = _fao56_daily(doy, latitude)
    t_max = 12 + lag_h
    # Sunrise in solar time; kept at least an hour before the maximum (polar days).
    t_rise = np.clip(12 - daylight / 2, 1.0, t_max - 1.0)
    rising = (solar_time >= t_rise) & (solar_time <= t_max)
    up = 0.5 * (1 - np.cos(np.pi * (solar_time - t_rise) / (t_max - t_rise)))
    fall_len = 24 - (t_max - t_rise)
    down = 0.5 * (1 + np.cos(np.pi * np.mod(solar_time - t_max, 24) / fall_len))
    return np.where(rising, up, down)
