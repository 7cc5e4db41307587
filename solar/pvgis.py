"""PVGIS typical year for a site, cached on disk, with a synthetic fallback.

:func:`get_pvgis_weather` asks PVGIS (JRC) for its typical meteorological year
with :func:`pvlib.iotools.get_pvgis_tmy`, horizon included, and keeps the answer
on disk as a PVGIS TMY JSON file: the cache is a file that
:func:`solar.weather_files.read_weather_file` (and a person) can read, not a
pickle. Coordinates are rounded to :data:`CACHE_RESOLUTION_DEG` before the
request, so that every site within about a kilometre shares one entry and the
entry holds exactly what PVGIS answered for its own key.

:func:`weather_for_site` is what the app calls: the synthetic year, or PVGIS
with the synthetic year as the fallback when PVGIS cannot be reached; the
reason is added to ``metadata["warnings"]``.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from pvlib.iotools import get_pvgis_tmy

from quartier_solaire.errors import Problem, ReadError
from solar.weather_files import read_weather_file

__all__ = [
    "CACHE_RESOLUTION_DEG",
    "WeatherUnavailable",
    "cache_path",
    "default_cache_dir",
    "get_pvgis_weather",
    "weather_for_site",
]

#: Rounding of cache keys [deg]: 0.01 deg is 1.1 km of latitude, finer than the
#: PVGIS-SARAH3 grid (0.05 deg, CM SAF), so rounding does not change the answer.
CACHE_RESOLUTION_DEG = 0.01

# Bump when the cache file layout changes, so that old entries are not misread.
_CACHE_VERSION = 1


class WeatherUnavailable(ReadError):
    """PVGIS could not give a typical year (no network, refused, bad answer)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("code", "weather.pvgis_unavailable")
        super().__init__(message, **kwargs)


def default_cache_dir() -> Path:
    """Return the default cache folder, ``~/.cache/quartier-solaire/pvgis``.

    ``$XDG_CACHE_HOME`` replaces ``~/.cache`` when set (XDG Base Directory
    specification).
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "quartier-solaire" / "pvgis"


def cache_path(
    latitude: float,
    longitude: float,
    cache_dir: str | Path | None = None,
    *,
    resolution_deg: float = CACHE_RESOLUTION_DEG,
) -> Path:
    """Return the cache file of a site.

    Parameters
    ----------
    latitude, longitude : float
        Site [deg], north and east positive.
    cache_dir : str or Path, optional
        Cache folder; default :func:`default_cache_dir`.
    resolution_deg : float
        Rounding of the coordinates [deg]; default :data:`CACHE_RESOLUTION_DEG`.

    Returns
    -------
    pathlib.Path
        ``tmy_<lat>_<lon>_horizon_v<version>.json`` with the rounded coordinates.
    """
    lat, lon = _rounded(latitude, longitude, resolution_deg)
    digits = _decimals(resolution_deg)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"tmy_{lat:.{digits}f}_{lon:.{digits}f}_horizon_v{_CACHE_VERSION}.json"


def get_pvgis_weather(
    latitude: float,
    longitude: float,
    *,
    cache_dir: str | Path | None = None,
    timeout: float = 10,
    resolution_deg: float = CACHE_RESOLUTION_DEG,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return the PVGIS typical year of a site, from the cache or from PVGIS.

    The request includes the horizon computed by PVGIS from its elevation
    model (``usehorizon=True``), so distant hills already shade the data.

    Parameters
    ----------
    latitude, longitude : float
        Site [deg], north and east positive.
    cache_dir : str or Path, optional
        Cache folder; default :func:`default_cache_dir`.
    timeout : float
        Seconds to wait for PVGIS [s]. 10 s by default: PVGIS usually answers
        a TMY request in 1-3 s, and a user waits for this call.
    resolution_deg : float
        Rounding of the coordinates for the request and the cache key [deg];
        default :data:`CACHE_RESOLUTION_DEG`.

    Returns
    -------
    data : pandas.DataFrame
        The typical year, as :func:`solar.weather_files.read_weather_file`
        returns it.
    metadata : dict
        As read_weather_file, plus ``cache_file`` and ``from_cache``.

    Raises
    ------
    WeatherUnavailable
        If there is no cache entry and PVGIS cannot be reached, refuses the
        request (e.g. a point at sea) or answers something unreadable.
    """
    path = cache_path(latitude, longitude, cache_dir, resolution_deg=resolution_deg)
    warnings: list[Problem] = []
    if path.is_file():
        try:
            data, meta = read_weather_file(path)
        except ReadError as error:
            # A damaged entry is fetched again rather than trusted.
            warnings.append(
                Problem(
                    "weather.pvgis_cache_ignored",
                    f"damaged PVGIS cache entry ignored ({error.message})",
                    severity="warning",
                )
            )
        else:
            meta.update(cache_file=str(path), from_cache=True)
            return data, meta
    lat, lon = _rounded(latitude, longitude, resolution_deg)
    document = _fetch(lat, lon, timeout)
    source: Path | io.BytesIO = path
    try:
        _write_atomic(path, document)
    except OSError as error:
        # A read-only or full disk costs the cache, not the answer.
        source = io.BytesIO(json.dumps(document).encode("utf-8"))
        warnings.append(
            Problem(
                "weather.pvgis_cache_not_written",
                f"PVGIS answer not cached ({type(error).__name__})",
                severity="warning",
            )
        )
    try:
        data, meta = read_weather_file(source, filename=path.name)
    except ReadError as error:
        if source is path:
            path.unlink(missing_ok=True)
        raise WeatherUnavailable(
            f"PVGIS answered with data that could not be read ({error.message})"
        ) from error
    meta.update(cache_file=str(path), from_cache=False)
    if warnings:
        meta["problems"] = warnings + list(meta["problems"])
        meta["warnings"] = [p.message for p in meta["problems"]]
    return data, meta


def weather_for_site(
    latitude: float,
    longitude: float,
    source: str = "synthetic",
    *,
    cache_dir: str | Path | None = None,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return a typical year for a site from the chosen source.

    Parameters
    ----------
    latitude, longitude : float
        Site [deg], north and east positive.
    source : {"synthetic", "pvgis"}
        ``"synthetic"``: :func:`solar.synthetic_weather.synthetic_year`, no
        network. ``"pvgis"``: :func:`get_pvgis_weather`, falling back to the
        synthetic year when PVGIS is unavailable.
    cache_dir : str or Path, optional
        PVGIS cache folder; default :func:`default_cache_dir`.
    seed : int
        Seed of the synthetic year.

    Returns
    -------
    data : pandas.DataFrame
        The typical year (weather frame convention).
    metadata : dict
        The source's metadata. After a fallback, ``warnings`` ends with the
        reason, ``problems`` with a ``weather.pvgis_unavailable`` finding, and
        ``requested_source`` is ``"pvgis"``.

    Raises
    ------
    ValueError
        If ``source`` is not one of the two names.
    """
    if source == "synthetic":
        return _synthetic(latitude, longitude, seed)
    if source != "pvgis":
        raise ValueError(f"source must be 'synthetic' or 'pvgis', not {source!r}")
    try:
        return get_pvgis_weather(latitude, longitude, cache_dir=cache_dir)
    except WeatherUnavailable as error:
        data, meta = _synthetic(latitude, longitude, seed)
        meta = dict(meta)
        reason = f"PVGIS unavailable, synthetic year used instead: {error.message}"
        meta["warnings"] = [*meta.get("warnings", []), reason]
        meta["problems"] = [
            *meta.get("problems", []),
            Problem(
                "weather.pvgis_unavailable",
                reason,
                severity="warning",
                params={"reason": error.message},
            ),
        ]
        meta["requested_source"] = "pvgis"
        return data, meta


def _synthetic(latitude: float, longitude: float, seed: int):
    # Imported here: the synthetic year lives in its own module, written apart.
    from solar.synthetic_weather import synthetic_year

    data, meta = synthetic_year(latitude, longitude, seed=seed)
    meta = dict(meta)
    meta.setdefault("warnings", [])
    return data, meta


def _decimals(resolution_deg: float) -> int:
    return max(0, -math.floor(math.log10(resolution_deg) + 1e-9))


def _rounded(latitude: float, longitude: float, resolution_deg: float) -> tuple[float, float]:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"latitude/longitude out of range: {latitude}, {longitude}")
    if not resolution_deg > 0:
        raise ValueError(f"resolution_deg must be positive, not {resolution_deg}")
    digits = _decimals(resolution_deg)

    def snap(x: float) -> float:
        # +0.0 turns -0.0 into 0.0 in file names.
        return round(round(float(x) / resolution_deg) * resolution_deg, digits) + 0.0

    return snap(latitude), snap(longitude)


def _fetch(latitude: float, longitude: float, timeout: float) -> dict[str, Any]:
    """Ask PVGIS and return the answer as a PVGIS TMY JSON document."""
    try:
        data, meta = get_pvgis_tmy(
            latitude,
            longitude,
            outputformat="json",
            usehorizon=True,
            map_variables=False,
            coerce_year=None,
            timeout=timeout,
        )
    except requests.Timeout as error:
        raise WeatherUnavailable(f"PVGIS did not answer within {timeout:g} s") from error
    except requests.ConnectionError as error:
        raise WeatherUnavailable("PVGIS could not be reached (no internet connection?)") from error
    except requests.HTTPError as error:
        # PVGIS explains a refusal itself, e.g. "Location over the sea".
        raise WeatherUnavailable(f"PVGIS refused the request: {error}") from error
    except requests.RequestException as error:
        raise WeatherUnavailable(f"PVGIS request failed ({type(error).__name__})") from error
    except (ValueError, KeyError, TypeError) as error:
        raise WeatherUnavailable(
            f"PVGIS answered something unexpected ({type(error).__name__})"
        ) from error
    return _to_pvgis_json(data, meta)


def _to_pvgis_json(data: pd.DataFrame, meta: dict[str, Any]) -> dict[str, Any]:
    """Rebuild the PVGIS JSON document that pvlib parsed (inverse of its parser)."""
    inputs = {k: v for k, v in meta.get("inputs", {}).items() if k != "descriptions"}
    descriptions = meta.get("inputs", {}).get("descriptions", {})
    rest = {k: v for k, v in meta.items() if k not in ("inputs", "months_selected")}
    index = pd.DatetimeIndex(data.index).tz_convert("UTC")
    hourly = data.reset_index(drop=True).astype(float)
    hourly.insert(0, "time(UTC)", index.strftime("%Y%m%d:%H%M"))
    return {
        "inputs": inputs,
        "outputs": {
            "months_selected": meta.get("months_selected", []),
            "tmy_hourly": hourly.to_dict(orient="records"),
        },
        "meta": {**rest, "inputs": descriptions},
    }


def _write_atomic(path: Path, document: dict[str, Any]) -> None:
    # Write then rename, so a reader never sees half a file (two app sessions
    # may fetch the same site at once).
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump(document, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
