"""Shading of roof planes by a skyline (horizon profile), for many planes at once.

A horizon profile, as :func:`geodata.shading.horizon_profiles` computes it, is
an array ``(n_planes, n_sectors)`` of skyline elevations [deg] in azimuth
sectors centred on ``0, sector_deg, ..., 360 - sector_deg`` (clockwise from
north, pvlib's azimuth convention). The PV model uses it twice:

- beam: the direct irradiance, and the circumsolar part of the sky diffuse
  (Hay & Davies, Perez), reaches a plane only while the sun is above the
  plane's skyline at the sun's azimuth (:func:`beam_visible`);
- diffuse: the isotropic sky diffuse is reduced by the fraction of the
  plane's (cosine-weighted) view of the sky that the skyline hides
  (:func:`sky_view_fraction`).

:func:`apply_horizon` combines both with pvlib's POA components.

The skyline between sector centres
----------------------------------
The profile is a sampled curve. With ``interpolate=True`` (default) the
skyline at an azimuth is the linear interpolation between the two nearest
sector centres (periodic over 360 deg); with ``interpolate=False`` it is the
value of the sector containing the azimuth (a step function, sector ``k``
covering ``[k - 1/2, k + 1/2) * sector_deg``).

Hourly means
------------
Weather frames hold hourly means and the sun is placed mid-interval, so a
hard 0/1 cut flips a whole hour at once. ``edge_deg > 0`` in
:func:`beam_visible` spreads the cut into a linear ramp of that width in
elevation, centred on the skyline: an approximation of the fraction of the
hour the sun spends above it (the sun rises by up to ~12 deg in an hour at
Nantes in summer mornings). Default 0: a hard cut.

What is not modelled
--------------------
Light reflected by neighbouring walls, and the ground's shadow: the
ground-reflected component of pvlib (isotropic, constant albedo) is kept
unchanged. The Perez horizon-brightening band lies at the horizon and is more
hidden than the isotropic sky; it is scaled with the isotropic part here
(the engine's default, Hay & Davies, has no such band).

References
----------
.. [1] J. E. Hay, J. A. Davies, "Calculations of the solar radiation incident
   on an inclined surface", 1980 (circumsolar + isotropic sky diffuse).
.. [2] D. Passias, B. Källbäck, "Shading effects in rows of solar cell
   panels", Solar Cells 11, 281-291, 1984; pvlib's
   :py:func:`pvlib.shading.sky_diffuse_passias` gives the 2-D (infinite row)
   case, which :func:`sky_view_fraction` reproduces for a horizontal plane.
.. [3] M. F. Modest, "Radiative Heat Transfer", 3rd ed., 2013, ch. 4:
   view factor of a surface element to a region of the hemisphere,
   ``F = (1/pi) * integral cos(theta) dOmega``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "apply_horizon",
    "beam_visible",
    "horizon_array",
    "horizon_at",
    "shading_loss_percent",
    "sky_view_fraction",
]

# Azimuth samples [per 360 deg] of the sky-view integral. With the
# elevation integral done analytically, 360 midpoint samples keep the
# integral within 1e-4 of the exact value (tested against cos^2(h)).
_N_AZIMUTH = 360


def horizon_array(
    horizon: np.ndarray | pd.DataFrame, plane_ids=None, sector_deg: float | None = None
) -> tuple[np.ndarray, float]:
    """Skylines as the array the engine uses, in the order of ``plane_ids``.

    Parameters
    ----------
    horizon : numpy.ndarray or pandas.DataFrame
        A frame indexed by plane id whose columns are the sector centre
        azimuths ``0, w, 2 w, ...`` [deg clockwise from north], as
        ``geodata.shading.horizon_frame`` returns it; or an array
        ``(n_planes, n_sectors)`` already in the planes' order.
    plane_ids : list-like, optional
        The planes, in order; the frame's rows are taken in this order.
    sector_deg : float, optional
        Sector width [deg]. For an array, default 10; for a frame, the width
        its columns give (a different value is an error).

    Returns
    -------
    horizon : numpy.ndarray
        ``(n_planes, n_sectors)`` elevations [deg].
    sector_deg : float
        The sector width [deg].

    Raises
    ------
    ValueError
        For columns that are not evenly spaced sector centres from 0, or a
        frame without a row for some plane.
    """
    if not isinstance(horizon, pd.DataFrame):
        return np.asarray(horizon, dtype=float), 10.0 if sector_deg is None else float(sector_deg)
    centres = pd.to_numeric(pd.Series(horizon.columns), errors="coerce").to_numpy(float)
    width = 360.0 / len(centres) if len(centres) else np.nan
    if not len(centres) or not np.allclose(centres, np.arange(len(centres)) * width):
        raise ValueError("horizon columns must be the sector centre azimuths 0, w, 2w, ... [deg]")
    if sector_deg is not None and not np.isclose(sector_deg, width):
        raise ValueError(f"horizon columns are {width:g} deg apart, not {sector_deg:g} deg")
    if plane_ids is None:
        return horizon.to_numpy(float), width
    ids = pd.Index(plane_ids)
    missing = ids.difference(horizon.index)
    if len(missing):
        raise ValueError(f"horizon has no row for {len(missing)} plane(s), e.g. {missing[0]!r}")
    return horizon.loc[ids].to_numpy(float), width


def horizon_at(
    horizon: np.ndarray,
    azimuth: np.ndarray,
    sector_deg: float = 10.0,
    *,
    interpolate: bool = True,
) -> np.ndarray:
    """Skyline elevation of every plane at some azimuths.

    Parameters
    ----------
    horizon : array of shape (n_planes, n_sectors) or (n_sectors,)
        Skyline elevation per sector. [deg]
    azimuth : array of shape (n,)
        Azimuths, clockwise from north. [deg]
    sector_deg : float, default 10
        Sector width; ``n_sectors * sector_deg`` must be 360. [deg]
    interpolate : bool, default True
        Linear between sector centres, else the containing sector's value.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n_planes)``. [deg]
    """
    horizon = _as_profiles(horizon, sector_deg)
    n_sectors = horizon.shape[1]
    pos = np.mod(np.asarray(azimuth, dtype=float), 360.0) / float(sector_deg)
    if not interpolate:
        k = np.mod(np.floor(pos + 0.5).astype(np.int64), n_sectors)
        return horizon[:, k].T
    k0 = np.floor(pos).astype(np.int64)
    frac = (pos - k0)[:, None]
    k0 = np.mod(k0, n_sectors)
    k1 = np.mod(k0 + 1, n_sectors)
    return horizon[:, k0].T * (1.0 - frac) + horizon[:, k1].T * frac


def beam_visible(
    solar_zenith,
    solar_azimuth,
    horizon: np.ndarray,
    sector_deg: float = 10.0,
    *,
    interpolate: bool = True,
    edge_deg: float = 0.0,
) -> np.ndarray:
    """Whether the sun is above each plane's skyline, at each time step.

    Parameters
    ----------
    solar_zenith : array of shape (n_time,)
        Solar zenith angle; use the apparent (refracted) zenith as the
        transposition does. [deg]
    solar_azimuth : array of shape (n_time,)
        Solar azimuth, clockwise from north. [deg]
    horizon : array of shape (n_planes, n_sectors) or (n_sectors,)
        Skyline elevation per sector. [deg]
    sector_deg : float, default 10
        Sector width. [deg]
    interpolate : bool, default True
        Skyline between sector centres, see :func:`horizon_at`.
    edge_deg : float, default 0
        Width of the linear ramp from hidden to visible, centred on the
        skyline (module docstring). [deg] 0 gives exactly 0 or 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_time, n_planes)``: 1 where the sun's elevation exceeds the
        skyline, 0 where it does not (or the sun is below the astronomical
        horizon), in between on the ramp. [unitless]
    """
    zenith = np.asarray(solar_zenith, dtype=float)
    elevation = (90.0 - zenith)[:, None]
    skyline = horizon_at(horizon, solar_azimuth, sector_deg, interpolate=interpolate)
    if edge_deg < 0:
        raise ValueError(f"edge_deg must be >= 0, got {edge_deg}")
    if edge_deg == 0:
        out = (elevation > skyline).astype(float)
    else:
        out = np.clip((elevation - skyline) / edge_deg + 0.5, 0.0, 1.0)
    # The sun below the astronomical horizon reaches no plane.
    return np.where(elevation > 0, out, 0.0)


def sky_view_fraction(
    horizon: np.ndarray,
    surface_tilt,
    surface_azimuth,
    sector_deg: float = 10.0,
    *,
    interpolate: bool = True,
    dtype=np.float64,
) -> np.ndarray:
    """Fraction of a tilted plane's isotropic sky diffuse left by the skyline.

    Isotropic sky radiance ``L`` on the upper hemisphere gives a plane the
    irradiance ``L * integral max(cos(theta), 0) dOmega`` over the visible sky
    [3], with ``dOmega = cos(e) de da`` (elevation ``e``, azimuth ``a``) and
    the incidence cosine on a plane of tilt ``b`` facing ``a_s``::

        cos(theta) = sin(e) cos(b) + cos(e) sin(b) cos(a - a_s)

    Unobstructed, the integral over ``e`` in ``[0, 90]`` is ``pi (1 + cos b) /
    2``, pvlib's isotropic factor. With a skyline ``h(a)`` the sky below it is
    hidden and the fraction is::

        SVF = integral_a integral_{e=h(a)}^{90} max(cos theta, 0) cos(e) de da
              / integral_a integral_{e=0}^{90} max(cos theta, 0) cos(e) de da

    The inner integral is analytic: with ``A = cos(b)``, ``B = sin(b) cos(a -
    a_s)``, the integrand is positive for ``e > e0 = atan2(-B, A)`` and its
    primitive is ``F(e) = A sin(e)^2 / 2 + B (e / 2 + sin(2e) / 4)``, so the
    inner integral is ``F(90) - F(max(h, e0, 0))``. The outer integral is a
    midpoint sum over 360 azimuths. For a horizontal plane and a uniform
    skyline ``h`` this gives ``SVF = cos(h)^2 = 1 - sin(h)^2``.

    Parameters
    ----------
    horizon : array of shape (n_planes, n_sectors) or (n_sectors,)
        Skyline elevation per sector. [deg]
    surface_tilt : array of shape (n_planes,) or float
        Plane tilt from horizontal, 0..90. [deg]
    surface_azimuth : array of shape (n_planes,) or float
        Direction the plane faces, clockwise from north. [deg]
    sector_deg : float, default 10
        Sector width. [deg]
    interpolate : bool, default True
        Skyline between sector centres, see :func:`horizon_at`.
    dtype : numpy dtype, default float64
        Precision of the integral. ``numpy.float32`` is several times faster
        (its sines are vectorised) and within about 1e-5 of float64: the
        engine's fast mode uses it.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_planes,)``, in [0, 1]. [unitless]
    """
    horizon = _as_profiles(horizon, sector_deg)
    n_planes = horizon.shape[0]
    tilt = np.radians(np.broadcast_to(np.asarray(surface_tilt, dtype=float), (n_planes,)))
    facing = np.broadcast_to(np.asarray(surface_azimuth, dtype=float), (n_planes,))
    azimuth = (np.arange(_N_AZIMUTH) + 0.5) * (360.0 / _N_AZIMUTH)
    if np.dtype(dtype) == np.float64:
        skyline = np.radians(
            np.clip(horizon_at(horizon, azimuth, sector_deg, interpolate=interpolate).T, 0.0, 90.0)
        )  # (n_planes, n_azimuth)
        a = np.cos(tilt)[:, None]
        b = np.sin(tilt)[:, None] * np.cos(np.radians(azimuth[None, :] - facing[:, None]))
    else:
        skyline, a, b = _view_terms(horizon, tilt, facing, azimuth, sector_deg, interpolate, dtype)
    e0 = np.clip(np.arctan2(-b, a), 0.0, np.pi / 2)

    def primitive(e):
        return a * np.sin(e) ** 2 / 2.0 + b * (e / 2.0 + np.sin(2.0 * e) / 4.0)

    top = primitive(a.dtype.type(np.pi / 2))
    seen = (top - primitive(np.maximum(skyline, e0))).sum(axis=1)
    whole = (top - primitive(e0)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(whole > 0, seen / whole, 1.0)
    return np.clip(out, 0.0, 1.0)


def _view_terms(horizon, tilt, facing, azimuth, sector_deg, interpolate, dtype):
    """Skyline [rad], ``cos(tilt)`` and ``sin(tilt) cos(a - a_s)`` in ``dtype``, (plane, azimuth).

    The skyline as :func:`horizon_at` (without its matrix product: BLAS
    threads only spin on a shared machine); the cosine of the azimuth
    difference expanded into products.
    """
    skyline = horizon_at(horizon.astype(dtype), azimuth, sector_deg, interpolate=interpolate).T
    skyline = skyline.astype(dtype)
    np.clip(skyline, 0.0, 90.0, out=skyline)
    skyline *= dtype(np.pi / 180.0)
    az = np.radians(azimuth)
    sin_tilt = np.sin(tilt).astype(dtype)[:, None]
    b = (sin_tilt * np.cos(np.radians(facing)).astype(dtype)[:, None]) * np.cos(az).astype(dtype)
    b += (sin_tilt * np.sin(np.radians(facing)).astype(dtype)[:, None]) * np.sin(az).astype(dtype)
    return skyline, np.cos(tilt).astype(dtype)[:, None], b


def apply_horizon(
    poa_direct,
    poa_sky_diffuse,
    poa_ground_diffuse,
    beam_visible,
    sky_view_fraction,
    *,
    poa_circumsolar=None,
) -> dict[str, np.ndarray]:
    """Plane-of-array irradiance components with the skyline's shade.

    ``poa_direct`` and the circumsolar part of the sky diffuse are multiplied
    by ``beam_visible``; the rest of the sky diffuse by
    ``sky_view_fraction``; the ground-reflected part is unchanged (module
    docstring). Arrays broadcast as numpy does: time x plane for the
    irradiances and ``beam_visible``, plane for ``sky_view_fraction``.

    Parameters
    ----------
    poa_direct : array
        Beam irradiance on the plane. [W/m2]
    poa_sky_diffuse : array
        Sky diffuse on the plane, circumsolar included. [W/m2]
    poa_ground_diffuse : array
        Ground-reflected irradiance on the plane. [W/m2]
    beam_visible : array
        From :func:`beam_visible`. [unitless]
    sky_view_fraction : array
        From :func:`sky_view_fraction`. [unitless]
    poa_circumsolar : array, optional
        Circumsolar part of ``poa_sky_diffuse`` (``poa_circumsolar`` of
        :py:func:`pvlib.irradiance.haydavies` or ``perez`` with
        ``return_components=True``). [W/m2] Default: none, the whole sky
        diffuse is treated as isotropic.

    Returns
    -------
    dict of numpy.ndarray
        ``poa_global``, ``poa_direct``, ``poa_diffuse``, ``poa_sky_diffuse``,
        ``poa_ground_diffuse`` (the names of
        :py:func:`pvlib.irradiance.poa_components`), shaded. [W/m2]
    """
    visible = np.asarray(beam_visible, dtype=float)
    svf = np.asarray(sky_view_fraction, dtype=float)
    direct = np.asarray(poa_direct, dtype=float) * visible
    sky = np.asarray(poa_sky_diffuse, dtype=float)
    circumsolar = 0.0 if poa_circumsolar is None else np.asarray(poa_circumsolar, dtype=float)
    sky = (sky - circumsolar) * svf + circumsolar * visible
    ground = np.broadcast_to(np.asarray(poa_ground_diffuse, dtype=float), np.shape(sky))
    diffuse = sky + ground
    return {
        "poa_global": direct + diffuse,
        "poa_direct": direct,
        "poa_diffuse": diffuse,
        "poa_sky_diffuse": sky,
        "poa_ground_diffuse": np.array(ground),
    }


def shading_loss_percent(unshaded_energy, shaded_energy):
    """Energy lost to shade, relative to the unshaded energy.

    Parameters
    ----------
    unshaded_energy : float, array or pandas.Series
        Energy (or irradiation) without the skyline, any unit.
    shaded_energy : same as ``unshaded_energy``
        The same with the skyline, same unit.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        ``100 * (1 - shaded / unshaded)`` [%]; NaN where the unshaded energy
        is not positive (no loss can be stated). A Series keeps its index.
    """
    unshaded = np.asarray(unshaded_energy, dtype=float)
    shaded = np.asarray(shaded_energy, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(unshaded > 0, 100.0 * (1.0 - shaded / unshaded), np.nan)
    if isinstance(unshaded_energy, pd.Series):
        return pd.Series(out, index=unshaded_energy.index, name="shading_loss_percent")
    if out.ndim == 0:
        return float(out)
    return out


def _as_profiles(horizon: np.ndarray, sector_deg: float) -> np.ndarray:
    horizon = np.asarray(horizon, dtype=float)
    if horizon.ndim == 1:
        horizon = horizon[None, :]
    if horizon.ndim != 2:
        raise ValueError(f"horizon must be (n_planes, n_sectors), got shape {horizon.shape}")
    if not sector_deg > 0 or not np.isclose(horizon.shape[1] * sector_deg, 360.0):
        raise ValueError(f"{horizon.shape[1]} sectors of {sector_deg} deg do not cover 360 deg")
    return horizon
