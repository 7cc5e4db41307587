"""Read the weather files people upload: PVGIS TMY, EPW, TMY3 and TMY2.

Every format is parsed by pvlib's own reader (:func:`pvlib.iotools.read_pvgis_tmy`,
:func:`~pvlib.iotools.read_epw`, :func:`~pvlib.iotools.read_tmy3`,
:func:`~pvlib.iotools.read_tmy2`); this module detects the format from the
content, checks what the reader returned, and lays it on the project's one
typical year (:data:`solar.typical_year.TYPICAL_YEAR`).

Time labels
-----------
The project's weather frame is labelled at the START of each hour (values are
means over the hour that begins at the label). Each format says it its own way:

* TMY3 labels the END of the hour ("01:00" holds the irradiation received from
  00:00 to 01:00, NREL/TP-581-43156, and pvlib's ``read_tmy3`` docstring); the
  labels are moved back by one hour.
* EPW hour ``h`` (1..24) is also the hour ENDING at ``h``; pvlib's ``read_epw``
  already labels it ``h - 1`` (its start), and TMY2 likewise (``read_tmy2``),
  so these labels are kept.
* PVGIS TMY writes ``HH:00`` in UTC. The irradiance is a satellite estimate at
  ``HH:00`` plus the "irradiance time offset" (0.18 h for PVGIS-SARAH3 in
  pvlib's test file ``tmy_45.000_8.000_2005_2023.csv``; 0.5 h for ERA5 hourly
  means), so the value describes the hour that *begins* at ``HH:00`` better than
  the one that ends there. We keep ``HH:00`` as the start label, as pvlib
  does, and report the offset in the metadata (``irradiance_time_offset_h``).
  A PVGIS EPW holds the very rows of the PVGIS CSV (checked against pvlib's
  test files of the same site), so its clock is UTC whatever its LOCATION
  time-zone field says (PVGIS fills that field from the longitude).

Typical year
------------
A TMY strings together months taken from different years. The months are laid
on :data:`~solar.typical_year.TYPICAL_YEAR` keeping month, day and hour in the
file's own clock; 29 February is dropped (reported); then the labels are
converted to the target time zone: :data:`~solar.typical_year.TIMEZONE` for a
site in metropolitan France (a bounding box, see :func:`site_timezone`), the
file's own UTC offset elsewhere (UTC for PVGIS). The hours that the conversion
pushes past 31 December (or before 1 January) are wrapped round to the other
end of the year, so the result is always the 8,760 hours of the typical year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from pvlib.iotools import read_epw, read_pvgis_tmy, read_tmy2, read_tmy3
from pvlib.iotools.pvgis import VARIABLE_MAP as PVGIS_VARIABLE_MAP
from pvlib.iotools.tmy import VARIABLE_MAP as TMY3_VARIABLE_MAP

from quartier_solaire.errors import NotRecognised, Problem, ReadError, ReadReport, WrongPlace
from quartier_solaire.textfiles import MAX_UPLOAD_MB, too_large, utf16_codec
from solar.typical_year import TIMEZONE, TYPICAL_YEAR

__all__ = [
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "PVGIS_ATTRIBUTION",
    "read_weather_file",
    "inspect_weather",
    "site_timezone",
    "to_typical_year",
    "MAX_MISSING_FRACTION",
    "PHYSICAL_RANGES",
    "MAX_WEATHER_BYTES",
    "sniff_weather",
    "WeatherSummary",
    "weather_summary",
]

#: Columns every weather frame carries [W/m2, W/m2, W/m2, C, m/s].
REQUIRED_COLUMNS: tuple[str, ...] = ("ghi", "dni", "dhi", "temp_air", "wind_speed")
#: Columns kept when the file has them [Pa].
OPTIONAL_COLUMNS: tuple[str, ...] = ("pressure",)

#: Attribution required by the JRC for PVGIS data (PVGIS file footer; reuse
#: authorised with acknowledgement of the source, Commission Decision 2011/833/EU).
PVGIS_ATTRIBUTION = (
    "PVGIS (c) European Union, JRC. Reuse authorised provided the source is "
    "acknowledged (Commission Decision 2011/833/EU)."
)

#: Plausible range of each weather variable, (low, high) in its unit: a value
#: outside it (or infinite) is an error naming its line, never averaged in.
#: Irradiance [W/m2]: the sun's normal irradiance above the atmosphere is at most
#: 1,413 W/m2 (solar constant 1,361 W/m2, Kopp & Lean 2011, times 1.034 at
#: perihelion), so DNI stays below it; GHI and DHI may pass it briefly under
#: broken clouds (cloud enhancement): 1,500 W/m2 is our assumption, in line with
#: the BSRN "extremely rare" limits (Long & Dutton 2002) at high sun. Slightly
#: negative irradiance (night-time sensor offsets) is set to 0 and reported;
#: below -100 W/m2 it is an error (assumption). Air temperature [C]: the WMO
#: world records are -89.2 C (Vostok, 1983) and 56.7 C (Death Valley, 1913).
#: Wind speed [m/s]: hourly means stay far below the 113 m/s gust record (WMO,
#: Barrow Island 1996). Pressure [Pa]: 30 kPa is below the air pressure at the
#: top of Everest (about 33 kPa) and 110 kPa above the sea-level record
#: (108.4 kPa, Agata 1968).
PHYSICAL_RANGES: dict[str, tuple[float, float]] = {
    "ghi": (-100.0, 1500.0),
    "dni": (-100.0, 1500.0),
    "dhi": (-100.0, 1500.0),
    "temp_air": (-90.0, 60.0),
    "wind_speed": (0.0, 100.0),
    "pressure": (30_000.0, 110_000.0),
}
_UNITS = {
    "ghi": "W/m2",
    "dni": "W/m2",
    "dhi": "W/m2",
    "temp_air": "C",
    "wind_speed": "m/s",
    "pressure": "Pa",
}

#: Largest weather file read [bytes]. A year of hours is 1.3 MB as a PVGIS CSV,
#: 1.6 MB as an EPW and about 3 MB as an indented PVGIS JSON; 20 MiB (our
#: assumption) leaves room for comments and padding, and refuses a huge file
#: before it is split into lines.
MAX_WEATHER_BYTES = 20 * 2**20

# Accepted lengths of one year of hourly rows [h].
_HOURS_PER_YEAR = 8760
_HOURS_PER_LEAP_YEAR = 8784

# Above this share of missing hours in a required column the file is refused
# rather than repaired [-]; our assumption: a tenth of the year interpolated
# would no longer be the year the file claims to describe.
MAX_MISSING_FRACTION = 0.10

# Metropolitan France and Corsica [deg]: the IGN extreme points (51.09 N Bray-Dunes,
# 41.33 N Lavezzi, 5.15 W Ouessant, 9.56 E Corsica) plus a small margin. The box
# also covers parts of neighbouring countries, all on Central European Time like
# France, except southern England, cut out below.
_FRANCE_BOX = (41.2, 51.2, -5.3, 9.7)  # lat_min, lat_max, lon_min, lon_max
_ENGLAND_CUT = (50.0, 1.5)  # north of this latitude and west of this longitude

# EPW "missing" codes (EnergyPlus Auxiliary Programs, EPW data dictionary).
_EPW_MISSING = {
    "ghi": 9999.0,
    "dni": 9999.0,
    "dhi": 9999.0,
    "temp_air": 99.9,
    "wind_speed": 999.0,
    "pressure": 999999.0,
}
# TMY3 marks a missing value with -9900 (Wilcox & Marion 2008, NREL/TP-581-43156).
_TMY3_MISSING = -9900.0

# TMY2 stores temperature and wind speed in tenths, pressure in mbar (TMY2
# user's manual, NREL 1995, table 3-1; pvlib's read_tmy2 keeps file units).
_TMY2_MAP = {"GHI": "ghi", "DNI": "dni", "DHI": "dhi", "DryBulb": "temp_air", "Wspd": "wind_speed"}
_TMY2_SCALE = {"temp_air": 0.1, "wind_speed": 0.1, "pressure": 100.0}
_MBAR_TO_PA = 100.0

_PVGIS_NAMES = {v: k for k, v in PVGIS_VARIABLE_MAP.items()}
_TMY3_NAMES = {v: k for k, v in TMY3_VARIABLE_MAP.items()}
_PVGIS_TIME = re.compile(r"^\s*(\d{8}):(\d{4})\s*,")
_TMY2_HEADER = re.compile(r"^\s*\d{5}\s+\S.*\s[NS]\s+\d+\s+\d+\s+[EW]\s+\d+\s+\d+\s+-?\d+\s*$")
_TMY2_ROW = re.compile(r"^.\d{8}")
_SOURCES = {
    "pvgis-csv": "PVGIS TMY",
    "pvgis-json": "PVGIS TMY",
    "pvgis-epw": "PVGIS TMY",
    "epw": "EPW",
    "tmy3": "TMY3",
    "tmy2": "TMY2",
}


@dataclass
class _Raw:
    """What one format reader hands to the common checks."""

    data: pd.DataFrame  # pvlib column names, values as in the file
    start: pd.DatetimeIndex  # START of each hour, file clock, original years
    meta: dict[str, Any]
    names: dict[str, str] = field(default_factory=dict)  # pvlib name -> name in the file
    lines: np.ndarray | None = None  # 1-based file line of each row
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- public


def read_weather_file(
    path_or_buffer: str | Path | IO[bytes] | IO[str] | bytes,
    filename: str | None = None,
    *,
    tz: str | dt.tzinfo | None = None,
    max_missing_fraction: float = MAX_MISSING_FRACTION,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a weather file of any supported format onto the typical year.

    Supported: PVGIS TMY (CSV, JSON, EPW), EPW from any source, TMY3, TMY2.
    The format is detected from the content (the file name only breaks ties).

    Parameters
    ----------
    path_or_buffer : str, Path, file-like or bytes
        The file, an open buffer (e.g. a Streamlit upload) or its bytes.
    filename : str, optional
        Name to report in messages and to help detection; defaults to the
        path's name or the buffer's ``name``.
    tz : str or tzinfo, optional
        Time zone of the result. Default: :data:`solar.typical_year.TIMEZONE`
        for sites in metropolitan France, the file's own UTC offset elsewhere.
    max_missing_fraction : float
        Share of the hours a required column may miss before the file is
        refused [-]; fewer missing values are interpolated in time and
        reported. Default :data:`MAX_MISSING_FRACTION`.

    Returns
    -------
    data : pandas.DataFrame
        8,760 rows, tz-aware hourly index named ``time`` labelled at the START
        of each hour, on :data:`~solar.typical_year.TYPICAL_YEAR`; columns
        ``ghi``, ``dni``, ``dhi`` [W/m2], ``temp_air`` [C], ``wind_speed``
        [m/s] and, when the file has it, ``pressure`` [Pa].
    metadata : dict
        ``source``, ``format``, ``latitude`` [deg], ``longitude`` [deg],
        ``altitude`` [m], ``period``, ``months_selected``, ``timezone``,
        ``attribution`` (English), ``attribution_key`` (which licence:
        ``"pvgis"``, ``"epw"``, ``"tmy3"``, ``"tmy2"``, for the catalogue),
        ``attribution_file_text`` (the file's own words on its source, verbatim),
        ``warnings`` (list of str), ``problems`` (list of
        :class:`~quartier_solaire.errors.Problem`), ``report`` (the same
        findings as a :class:`~quartier_solaire.errors.ReadReport`), and
        ``irradiance_time_offset_h`` for PVGIS files that state it.

    Raises
    ------
    quartier_solaire.errors.ReadError
        If the file is empty, binary, of an unknown format, lacks a required
        field, or does not hold one year of hourly values.
    """
    raw_bytes, name = _read_bytes(path_or_buffer, filename)
    text = _decode(raw_bytes, name)
    kind = _detect(text, name)
    if kind is None:
        _refuse_other_kinds(text, name)
        raise ReadError(
            "not a weather file this reader knows (PVGIS TMY CSV/JSON/EPW, EPW, TMY3 or TMY2)",
            path=name,
            code="weather.unknown_format",
        )
    raw = _READERS[kind](text, name)
    return _finish(raw, kind, name, tz, max_missing_fraction)


def inspect_weather(path: str | Path) -> dict[str, Any]:
    """Say what a weather file holds, for ``quartier-solaire inspect``.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    dict
        ``kind`` ("weather"), ``source``, ``format``, ``hours``,
        ``ghi_kwh_m2`` (annual global horizontal irradiation [kWh/m2]),
        ``diffuse_share`` (diffuse over global horizontal irradiation [-]),
        ``temp_air_mean_c`` [C], ``station``, ``latitude``, ``longitude``, ``altitude``,
        ``period``, ``timezone``, ``attribution`` and ``problems`` (list of
        dicts); plain JSON values only.

    Raises
    ------
    quartier_solaire.errors.NotRecognised
        If the file is clearly not a weather file (so the caller tries others).
    quartier_solaire.errors.ReadError
        If it is a weather file that cannot be read.
    """
    path = Path(path)
    try:
        raw_bytes, name = _read_bytes(path, None)
        text = _decode(raw_bytes, name)
    except ReadError as error:
        raise NotRecognised("not a weather file", path=str(path)) from error
    if _detect(text, name) is None:
        _refuse_other_kinds(text, name)
        raise NotRecognised("not a weather file", path=str(path))
    data, meta = read_weather_file(path)
    summary = weather_summary(data, meta)
    return {
        "kind": "weather",
        "source": meta["source"],
        "format": meta["format"],
        "hours": summary.hours,
        "ghi_kwh_m2": summary.ghi_kwh_m2,
        "diffuse_share": summary.diffuse_share,
        "temp_air_mean_c": summary.temp_air_mean_c,
        **({"station": summary.station} if summary.station else {}),
        "latitude": meta["latitude"],
        "longitude": meta["longitude"],
        "altitude": meta["altitude"],
        "period": meta["period"],
        "timezone": meta["timezone"],
        "attribution": meta["attribution"],
        "problems": [p.to_dict() for p in meta["problems"]],
    }


@dataclass(frozen=True)
class WeatherSummary:
    """What a weather year holds, as ``inspect`` and the sidebar show it.

    Parameters
    ----------
    source : str
        Where the year comes from ("PVGIS TMY", "EPW", "synthetic"...).
    station : str or None
        Station or place name given by the file, if any.
    latitude, longitude : float or None
        Site of the data [deg].
    period : str or None
        Years the data describe ("2005-2023").
    hours : int
        Hourly rows [h].
    ghi_kwh_m2 : float
        Annual global horizontal irradiation [kWh/m2], 0.1 precision.
    diffuse_share : float
        Diffuse horizontal over global horizontal irradiation over the year
        [-], 0.001 precision.
    temp_air_mean_c : float
        Mean air temperature [C], 0.01 precision.
    """

    source: str
    station: str | None
    latitude: float | None
    longitude: float | None
    period: str | None
    hours: int
    ghi_kwh_m2: float
    diffuse_share: float
    temp_air_mean_c: float


def weather_summary(data: pd.DataFrame, meta: dict[str, Any]) -> WeatherSummary:
    """Summarise a weather year: place, period, irradiation, diffuse share, temperature.

    Parameters
    ----------
    data : pandas.DataFrame
        Hourly weather with ``ghi``, ``dhi`` [W/m2] and ``temp_air`` [C], as
        :func:`read_weather_file` returns it.
    meta : dict
        Its metadata (``source``, ``station``, ``latitude``, ``longitude``,
        ``period``; missing keys give None).

    Returns
    -------
    WeatherSummary
    """
    ghi_wh = float(data["ghi"].sum())  # 1-h steps: W/m2 x 1 h = Wh/m2
    dhi_wh = float(data["dhi"].sum())
    return WeatherSummary(
        source=str(meta.get("source", "")),
        station=meta.get("station") or None,
        latitude=_float_or_none(meta.get("latitude")),
        longitude=_float_or_none(meta.get("longitude")),
        period=meta.get("period"),
        hours=len(data),
        ghi_kwh_m2=round(ghi_wh / 1000.0, 1),
        diffuse_share=round(dhi_wh / ghi_wh, 3) if ghi_wh > 0 else 0.0,
        temp_air_mean_c=round(float(data["temp_air"].mean()), 2),
    )


def site_timezone(latitude: float, longitude: float) -> str | None:
    """Return :data:`~solar.typical_year.TIMEZONE` for a site in metropolitan France.

    A bounding box of metropolitan France and Corsica (IGN extreme points with
    a 0.1 deg margin), minus southern England. Neighbouring places inside the
    box (Belgium, Luxembourg, western Germany and Switzerland, north-west Italy,
    north-east Spain, Andorra, Monaco) keep the same clock as France. The
    Channel Islands (UTC/BST) fall inside and get the French clock: a one-hour
    error that only matters for a site there.

    Parameters
    ----------
    latitude, longitude : float
        Site [deg], north and east positive.

    Returns
    -------
    str or None
        The time-zone name, or None outside France.
    """
    if latitude is None or longitude is None:
        return None
    lat_min, lat_max, lon_min, lon_max = _FRANCE_BOX
    if not (lat_min <= latitude <= lat_max and lon_min <= longitude <= lon_max):
        return None
    if latitude > _ENGLAND_CUT[0] and longitude < _ENGLAND_CUT[1]:
        return None
    return TIMEZONE


def to_typical_year(
    data: pd.DataFrame, tz: str | dt.tzinfo, *, year: int = TYPICAL_YEAR
) -> tuple[pd.DataFrame, int]:
    """Lay a year of hourly values from mixed years onto one typical year.

    Parameters
    ----------
    data : pandas.DataFrame
        8,760 or 8,784 rows with a tz-aware index labelling the START of each
        hour, in the file's own clock (a fixed UTC offset), possibly with
        months from different years.
    tz : str or tzinfo
        Time zone of the result.
    year : int
        The typical year; must not be a leap year.

    Returns
    -------
    data : pandas.DataFrame
        8,760 rows on the hours of ``year`` in ``tz``, sorted, index ``time``.
    dropped : int
        How many 29 February hours were dropped.

    Raises
    ------
    ValueError
        If the rows are not one value per hour of the year (a caller that
        reads a file turns it into a ReadError).
    """
    if calendar.isleap(year):
        raise ValueError(f"the typical year must have 365 days, {year} is a leap year")
    index = data.index
    leap = np.asarray((index.month == 2) & (index.day == 29))
    data = data.loc[~leap]
    index = data.index
    if len(index) != _HOURS_PER_YEAR:
        raise ValueError(f"{len(index)} hours after removing 29 February, expected 8760")
    clock = index.tz
    # Same month, day and hour in the file's clock, on the typical year.
    moved = pd.to_datetime(
        {
            "year": np.full(len(index), year),
            "month": index.month,
            "day": index.day,
            "hour": index.hour,
            "minute": index.minute,
        }
    )
    moved = pd.DatetimeIndex(moved).tz_localize(clock).tz_convert(tz)
    start = pd.Timestamp(f"{year}-01-01", tz=tz)
    end = pd.Timestamp(f"{year + 1}-01-01", tz=tz)
    length = end - start
    # The UTC->local shift pushes a few hours past 31 Dec (or before 1 Jan):
    # they belong at the other end of the same typical year.
    wrapped = moved.where(moved < end, moved - length)
    wrapped = wrapped.where(wrapped >= start, wrapped + length)
    out = data.set_axis(wrapped).sort_index()
    grid = pd.date_range(start, end, freq="h", inclusive="left", name="time")
    if not out.index.equals(grid):
        duplicated = int(out.index.duplicated().sum())
        raise ValueError(
            f"{duplicated} hours appear twice" if duplicated else "the hours are not one per hour"
        )
    out.index = grid
    return out, int(leap.sum())


# --------------------------------------------------------------------------- input


def _read_bytes(src: Any, filename: str | None) -> tuple[bytes, str | None]:
    if isinstance(src, bytes | bytearray | memoryview):
        _check_size(len(src), filename)
        return bytes(src), filename
    if hasattr(src, "read"):
        name = filename or getattr(src, "name", None)
        name = Path(name).name if isinstance(name, str) else None
        _check_size(_buffer_size(src), name)
        try:
            content = src.read(MAX_WEATHER_BYTES + 1)
        except (OSError, ValueError) as error:
            raise ReadError("the file could not be read", path=name, code="unreadable") from error
        if isinstance(content, str):
            content = content.encode("utf-8")
        _check_size(len(content), name)
        return bytes(content), name
    path = Path(src)
    name = filename or path.name
    try:
        _check_size(path.stat().st_size, name)
        return path.read_bytes(), name
    except OSError as error:
        raise ReadError("the file could not be opened", path=name, code="unreadable") from error


def _buffer_size(src: Any) -> int | None:
    # Bytes left in a seekable buffer, without reading them.
    try:
        here = src.tell()
        end = src.seek(0, io.SEEK_END)
        src.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end - here


def _check_size(size: int | None, name: str | None) -> None:
    if too_large(size) or (size is not None and size > MAX_WEATHER_BYTES):
        limit = min(MAX_UPLOAD_MB, MAX_WEATHER_BYTES // 2**20)
        raise ReadError(
            f"the file is larger than the {limit} MB a year of hourly weather can fill",
            path=name,
            code="file_too_large",
            params={"limit_mb": limit},
        )


def _decode(content: bytes, name: str | None) -> str:
    if not content.strip():
        raise ReadError("the file is empty", path=name, code="weather.empty")
    head = content[:4096]
    codec = utf16_codec(head)
    if codec:
        # Excel's "Unicode text" export: UTF-16, with or without BOM.
        try:
            return content.decode(codec)
        except UnicodeDecodeError as error:
            raise ReadError(
                "the file looks like UTF-16 text but cannot be decoded",
                path=name,
                code="weather.binary",
            ) from error
    # Control bytes other than tab/newline/carriage return do not occur in text.
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise ReadError(
            "the file is binary, not a text weather file", path=name, code="weather.binary"
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older EPW/TMY files are Latin-1 (station names with accents).
        return content.decode("latin-1")


def sniff_weather(text: str, name: str | None = None) -> str | None:
    """Return the weather format of decoded text, or None if it is not weather.

    Parameters
    ----------
    text : str
        The file's text (its first lines are enough for CSV/EPW/TMY formats;
        a PVGIS JSON is recognised by its ``"tmy_hourly"`` key).
    name : str, optional
        File name, to break ties (``.tm2``).

    Returns
    -------
    str or None
        ``"pvgis-csv"``, ``"pvgis-json"``, ``"pvgis-epw"``, ``"epw"``,
        ``"tmy3"``, ``"tmy2"`` or None.
    """
    return _detect(text, name)


# Cheap marks of the other kinds of file the app takes (the readers of those
# kinds live in planner and geodata, which solar does not import).
_CONSUMPTION_MARKS = (
    re.compile(r"^\ufeff?\s*Identifiant PRM", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^\s*Horodate\s*[;,\t]", re.IGNORECASE | re.MULTILINE),
    re.compile(r'"(meter_reading|interval_reading)"'),
    re.compile(r'"grandeur"'),
    re.compile(r"^\s*entity_id,state,last_changed", re.MULTILINE),
)
_BUILDINGS_MARKS = (
    re.compile(r'"FeatureCollection"'),
    re.compile(r"^\s*(<\?xml[^>]*>\s*)?<osm[\s>]"),
)
_SNIFF_CHARS = 65536


def _refuse_other_kinds(text: str, name: str | None) -> None:
    """Raise WrongPlace if ``text`` looks like consumption or buildings."""
    head = text[:_SNIFF_CHARS]
    for kind, marks in (("consumption", _CONSUMPTION_MARKS), ("buildings", _BUILDINGS_MARKS)):
        if any(mark.search(head) for mark in marks):
            raise WrongPlace(kind, f"this file looks like {kind} data, not weather", path=name)


def _detect(text: str, name: str | None) -> str | None:
    # Only the head is split: the text may be a 200 MB file of another kind.
    stripped = text[:_SNIFF_CHARS].lstrip()
    lines = stripped.splitlines()
    first = lines[0] if lines else ""
    second = lines[1] if len(lines) > 1 else ""
    suffix = Path(name).suffix.lower() if name else ""
    if stripped.startswith("{"):
        return "pvgis-json" if '"tmy_hourly"' in text else None
    if first.startswith("Latitude (decimal degrees)"):
        return "pvgis-csv"
    if first.upper().startswith("LOCATION,"):
        header = "\n".join(lines[:8])
        fields = [f.strip() for f in first.split(",")]
        pvgis = "Irradiance Time Offset" in header or (
            len(fields) > 4 and fields[1] == "unknown" and fields[4].startswith("ECMWF")
        )
        return "pvgis-epw" if pvgis else "epw"
    if second.startswith("Date (MM/DD/YYYY)") and first.count(",") >= 6:
        return "tmy3"
    if _TMY2_ROW.match(second) and (_TMY2_HEADER.match(first) or suffix == ".tm2"):
        return "tmy2"
    return None


# --------------------------------------------------------------------------- formats


def _bad_line(message: str, name: str | None, line: int | None, fld: str | None = None):
    return ReadError(message, path=name, line=line, field=fld, code="weather.malformed")


def _read_pvgis_csv(text: str, name: str | None) -> _Raw:
    lines = text.splitlines()
    rows = [i for i, line in enumerate(lines) if _PVGIS_TIME.match(line)]
    header_at = next((i for i, line in enumerate(lines) if line.startswith("time(UTC)")), None)
    if header_at is None:
        raise _bad_line("no 'time(UTC),...' header line", name, None, "time(UTC)")
    _check_hours(len(rows), name)
    header = [h.strip() for h in lines[header_at].split(",")]
    for i in rows:
        parts = lines[i].split(",")
        if len(parts) != len(header):
            raise _bad_line(f"{len(parts)} fields, expected {len(header)}", name, i + 1)
        _check_numbers(parts[1:], header[1:], name, i + 1)
    problems: list[Problem] = []
    kept = rows
    if len(rows) == _HOURS_PER_LEAP_YEAR:
        # pvlib's CSV parser reads exactly 8,760 rows: drop 29 Feb before it.
        leap = {i for i in rows if lines[i].strip()[4:8] == "0229"}
        kept = [i for i in rows if i not in leap]
        if len(kept) != _HOURS_PER_YEAR:
            _check_hours(len(kept), name, after_leap=True)
        problems.append(_leap_problem(len(leap)))
        lines = [line for i, line in enumerate(lines) if i not in leap]
    buffer = io.BytesIO("\n".join(lines).encode("utf-8"))
    data, meta = _call(read_pvgis_tmy, name, buffer, pvgis_format="csv", map_variables=True)
    file_lines = np.asarray(kept) + 1
    inputs = meta.get("inputs", {})
    footer = [line.strip() for line in lines if line.strip().startswith("PVGIS (c)")]
    out_meta = {
        "latitude": inputs.get("latitude"),
        "longitude": inputs.get("longitude"),
        "altitude": inputs.get("elevation"),
        "months_selected": meta.get("months_selected"),
        "irradiance_time_offset_h": inputs.get("irradiance time offset"),
        "attribution": PVGIS_ATTRIBUTION + (f" File: {footer[0]}." if footer else ""),
        "attribution_key": "pvgis",
        "attribution_file_text": footer[0] if footer else "",
    }
    return _Raw(data, pd.DatetimeIndex(data.index), out_meta, _PVGIS_NAMES, file_lines, problems)


def _read_pvgis_json(text: str, name: str | None) -> _Raw:
    try:
        src = json.loads(text)
    except json.JSONDecodeError as error:
        raise _bad_line(f"invalid JSON ({error.msg})", name, error.lineno) from error
    except RecursionError as error:
        # Python's JSON parser recurses once per level: a hostile file nests
        # deeper than the interpreter's stack allows. No PVGIS file nests > 5.
        raise ReadError(
            "the JSON is nested too deeply to be a PVGIS file", path=name, code="json_too_deep"
        ) from error
    try:
        hourly = src["outputs"]["tmy_hourly"]
        src["outputs"]["months_selected"]
        src["inputs"]
        src["meta"]
    except (KeyError, TypeError) as error:
        raise ReadError(
            f"not a PVGIS TMY JSON: no '{error}' entry",
            path=name,
            field=str(error).strip("'"),
            code="weather.missing_column",
            params={"field": str(error).strip("'")},
        ) from error
    if not isinstance(hourly, list):
        raise _bad_line("'tmy_hourly' is not a list of hours", name, None, "tmy_hourly")
    _check_hours(len(hourly), name)
    if any(not isinstance(h, dict) or "time(UTC)" not in h for h in hourly):
        raise ReadError(
            "an hour has no 'time(UTC)'",
            path=name,
            field="time(UTC)",
            code="weather.missing_column",
            params={"field": "time(UTC)"},
        )
    data, meta = _call(read_pvgis_tmy, name, io.StringIO(text), pvgis_format="json")
    inputs = _dict(meta.get("inputs"))
    location, meteo = _dict(inputs.get("location")), _dict(inputs.get("meteo_data"))
    period = None
    if meteo.get("year_min") and meteo.get("year_max"):
        period = f"{meteo['year_min']}-{meteo['year_max']}"
    out_meta = {
        "latitude": location.get("latitude"),
        "longitude": location.get("longitude"),
        "altitude": location.get("elevation"),
        "months_selected": meta.get("months_selected"),
        "irradiance_time_offset_h": location.get("irradiance_time_offset"),
        "radiation_database": meteo.get("radiation_db"),
        "horizon": meteo.get("use_horizon"),
        "period": period,
        "attribution": PVGIS_ATTRIBUTION,
        "attribution_key": "pvgis",
    }
    return _Raw(data, pd.DatetimeIndex(data.index), out_meta, _PVGIS_NAMES)


def _dict(value: Any) -> dict:
    # A JSON member that should be an object may be anything in a hostile file.
    return value if isinstance(value, dict) else {}


def _epw_common(text: str, name: str | None) -> tuple[pd.DataFrame, dict, np.ndarray, list[str]]:
    lines = text.splitlines()
    header = lines[:8]
    if len(lines) <= 8 or not lines[7].upper().startswith("DATA PERIODS"):
        raise _bad_line("the EPW header is not 8 lines ending with DATA PERIODS", name, 8)
    _check_hours(sum(1 for line in lines[8:] if line.strip()), name)
    for i, line in enumerate(lines[8:], start=9):
        if not line.strip():
            continue
        parts = line.split(",")
        if len(parts) < 22:
            raise _bad_line(f"{len(parts)} fields, expected at least 22", name, i)
        _check_numbers(parts[:4], ["year", "month", "day", "hour"], name, i)
        _check_numbers(
            parts[6:10], ["temp_air", "temp_dew", "relative_humidity", "pressure"], name, i
        )
        _check_numbers(parts[13:16] + parts[21:22], ["ghi", "dni", "dhi", "wind_speed"], name, i)
    data, meta = _call(read_epw, name, io.StringIO(text))
    data = data.rename(columns={"atmospheric_pressure": "pressure"})
    row_lines = np.flatnonzero([bool(line.strip()) for line in lines[8:]]) + 9
    comments = [
        line.split(",", 1)[1].strip() for line in header if line.upper().startswith("COMMENTS")
    ]
    return data, meta, row_lines, comments


def _epw_start(data: pd.DataFrame, clock: dt.tzinfo) -> pd.DatetimeIndex:
    # pvlib labels EPW hour h at h-1 (its start); rebuild in the clock we choose.
    return pd.DatetimeIndex(data.index.tz_localize(None)).tz_localize(clock)


def _read_epw(text: str, name: str | None) -> _Raw:
    data, meta, row_lines, comments = _epw_common(text, name)
    clock = _clock(meta["TZ"], name, line=1)
    data = data.mask(data == pd.Series(_EPW_MISSING).reindex(data.columns))
    period = _years(data["year"])
    out_meta = {
        "latitude": meta["latitude"],
        "longitude": meta["longitude"],
        "altitude": meta["altitude"],
        "period": period,
        "station": ", ".join(x for x in (meta.get("city"), meta.get("country")) if x),
        "attribution": "EPW weather file"
        + (f" ({meta.get('data_type')})" if meta.get("data_type") else "")
        + "; terms of use as given by its provider"
        + (f": {' '.join(comments)}" if comments else "."),
        "attribution_key": "epw",
        "attribution_file_text": " ".join(x for x in (meta.get("data_type") or "", *comments) if x),
    }
    return _Raw(data, _epw_start(data, clock), out_meta, {}, row_lines)


def _read_pvgis_epw(text: str, name: str | None) -> _Raw:
    data, meta, row_lines, comments = _epw_common(text, name)
    data = data.mask(data == pd.Series(_EPW_MISSING).reindex(data.columns))
    offset = None
    for comment in comments:
        match = re.search(r"Irradiance Time Offset \(h\):\s*(-?[\d.]+)", comment)
        if match:
            # Stated against the EPW end-of-hour label; +1 h refers it to the start.
            offset = round(float(match.group(1)) + 1.0, 4)
    out_meta = {
        "latitude": meta["latitude"],
        "longitude": meta["longitude"],
        "altitude": meta["altitude"],
        "period": _years(data["year"]),
        "irradiance_time_offset_h": offset,
        "attribution": PVGIS_ATTRIBUTION,
        "attribution_key": "pvgis",
    }
    return _Raw(data, _epw_start(data, dt.UTC), out_meta, {}, row_lines)


def _read_tmy3(text: str, name: str | None) -> _Raw:
    lines = text.splitlines()
    header = [h.strip() for h in lines[1].split(",")]
    needed = ["Date (MM/DD/YYYY)", "Time (HH:MM)"] + [_TMY3_NAMES[c] for c in REQUIRED_COLUMNS]
    for column in needed:
        if column not in header:
            raise _missing(column, name, line=2)
    _check_hours(sum(1 for line in lines[2:] if line.strip()), name)
    positions = [header.index(_TMY3_NAMES[c]) for c in REQUIRED_COLUMNS]
    date_re = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
    time_re = re.compile(r"^\d{1,2}:\d{2}$")
    for i, line in enumerate(lines[2:], start=3):
        if not line.strip():
            continue
        parts = line.split(",")
        if len(parts) < len(header):
            raise _bad_line(f"{len(parts)} fields, expected {len(header)}", name, i)
        if not date_re.match(parts[0].strip()):
            raise _bad_line("date is not MM/DD/YYYY", name, i, "Date (MM/DD/YYYY)")
        if not time_re.match(parts[1].strip()):
            raise _bad_line("time is not HH:MM", name, i, "Time (HH:MM)")
        _check_numbers([parts[p] for p in positions], [header[p] for p in positions], name, i)
    data, meta = _call(read_tmy3, name, io.StringIO(text), map_variables=True)
    # Our own START labels from the file's columns: pvlib moves 29 Feb onto
    # 1 March (duplicating it), and TMY3 labels the END of the hour.
    dates = pd.to_datetime(data["Date (MM/DD/YYYY)"], format="%m/%d/%Y", errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna())[0])
        raise _bad_line("not a calendar date", name, row + 3, "Date (MM/DD/YYYY)")
    hhmm = data["Time (HH:MM)"].str.split(":", expand=True).astype(int)
    end = dates + pd.to_timedelta(hhmm[0], unit="h") + pd.to_timedelta(hhmm[1], unit="min")
    start = pd.DatetimeIndex(end - pd.Timedelta(hours=1))
    start = start.tz_localize(_clock(meta["TZ"], name, line=1))
    data = data.mask(data.isin([_TMY3_MISSING]))
    if "pressure" in data:
        data["pressure"] = pd.to_numeric(data["pressure"], errors="coerce") * _MBAR_TO_PA
    out_meta = {
        "latitude": meta["latitude"],
        "longitude": meta["longitude"],
        "altitude": meta["altitude"],
        "period": _years(dates.dt.year),
        "station": str(meta.get("Name", "")).strip('"'),
        "attribution": "TMY3 data set (NREL, National Solar Radiation Database); "
        "terms of use as given by the provider of the file.",
        "attribution_key": "tmy3",
    }
    return _Raw(data, start, out_meta, _TMY3_NAMES, np.arange(len(data)) + 3)


def _read_tmy2(text: str, name: str | None) -> _Raw:
    lines = text.splitlines()
    _check_hours(sum(1 for line in lines[1:] if line.strip()), name)
    for i, line in enumerate(lines[1:], start=2):
        if line.strip() and (len(line) < 130 or not _TMY2_ROW.match(line)):
            raise _bad_line("not a TMY2 fixed-width data line", name, i)
    # pvlib's read_tmy2 takes a file name only.
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder) / "weather.tm2"
        tmp.write_text(text, encoding="latin-1", errors="replace")
        data, meta = _call(read_tmy2, name, str(tmp))
    years = data["year"].astype(int) + 1900
    data = data.rename(columns=_TMY2_MAP | {"Pressure": "pressure"})
    for column, scale in _TMY2_SCALE.items():
        data[column] = pd.to_numeric(data[column], errors="coerce") * scale
    # pvlib labels hour h at h-1 (its start) in the first row's year; keep the
    # labels and the file's clock.
    start = pd.DatetimeIndex(data.index.tz_localize(None))
    start = start.tz_localize(_clock(meta["TZ"], name, line=1))
    out_meta = {
        "latitude": meta["latitude"],
        "longitude": meta["longitude"],
        "altitude": meta["altitude"],
        "period": _years(years),
        "station": str(meta.get("City", "")).strip(),
        "attribution": "TMY2 data set (NREL); terms of use as given by the provider of the file.",
        "attribution_key": "tmy2",
    }
    return _Raw(
        data, start, out_meta, {v: k for k, v in _TMY2_MAP.items()}, np.arange(len(data)) + 2
    )


_READERS = {
    "pvgis-csv": _read_pvgis_csv,
    "pvgis-json": _read_pvgis_json,
    "pvgis-epw": _read_pvgis_epw,
    "epw": _read_epw,
    "tmy3": _read_tmy3,
    "tmy2": _read_tmy2,
}


# --------------------------------------------------------------------------- checks


def _call(reader, name, *args, **kwargs):
    """Run a pvlib reader; whatever it raises becomes a ReadError."""
    try:
        return reader(*args, **kwargs)
    except ReadError:
        raise
    except Exception as error:  # noqa: BLE001 - any parser failure is a bad file
        detail = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        match = re.search(r"line (\d+)", detail)
        raise _bad_line(
            f"the file could not be parsed ({type(error).__name__}: {detail})",
            name,
            int(match.group(1)) if match else None,
        ) from error


def _check_hours(count: int, name: str | None, *, after_leap: bool = False) -> None:
    if after_leap or count not in (_HOURS_PER_YEAR, _HOURS_PER_LEAP_YEAR):
        expected = "8760" if after_leap else "8760 or 8784"
        found = "once 29 February is removed" if after_leap else "found"
        raise ReadError(
            f"{count} hourly rows {found}, expected {expected} (one year of hours)",
            path=name,
            code="weather.hours",
            params={"count": count, "expected": expected},
        )


def _check_numbers(values: list[str], names: list[str], name: str | None, line: int) -> None:
    for value, column in zip(values, names, strict=False):
        try:
            float(value)
        except ValueError:
            raise ReadError(
                "a value is not a number",
                path=name,
                line=line,
                field=column,
                code="weather.not_a_number",
                params={"field": column},
            ) from None


def _missing(column: str, name: str | None, line: int | None = None) -> ReadError:
    return ReadError(
        f"required field '{column}' is missing",
        path=name,
        line=line,
        field=column,
        code="weather.missing_column",
        params={"field": column},
    )


def _leap_problem(count: int) -> Problem:
    return Problem(
        "weather.leap_day_dropped",
        f"29 February dropped ({count} hours): the typical year has 365 days",
        severity="dropped",
        count=count,
    )


def _clock(hours: float, name: str | None, line: int | None) -> dt.tzinfo:
    """The file's clock: a fixed UTC offset (UTC-12 to UTC+14 exist)."""
    if not math.isfinite(hours) or not -12 <= hours <= 14:
        raise _bad_line(f"time-zone offset {hours} h is out of range", name, line, "TZ")
    return dt.UTC if hours == 0 else dt.timezone(dt.timedelta(hours=float(hours)))


def _years(years: pd.Series) -> str | None:
    years = pd.to_numeric(pd.Series(years), errors="coerce").dropna().astype(int)
    if years.empty:
        return None
    low, high = int(years.min()), int(years.max())
    return str(low) if low == high else f"{low}-{high}"


def _months_selected(start: pd.DatetimeIndex) -> list[dict[str, int]]:
    frame = pd.DataFrame({"month": start.month, "year": start.year})
    picked = frame.groupby("month")["year"].agg(lambda s: int(s.mode().iloc[0]))
    return [{"month": int(m), "year": int(y)} for m, y in picked.items()]


def _finish(
    raw: _Raw,
    kind: str,
    name: str | None,
    tz: str | dt.tzinfo | None,
    max_missing_fraction: float,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    data = raw.data
    problems = list(raw.problems)
    for column in REQUIRED_COLUMNS:
        if column not in data.columns:
            raise _missing(raw.names.get(column, column), name)
    columns = [c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in data.columns]
    frame = pd.DataFrame(index=raw.start)
    for column in columns:
        values = pd.to_numeric(pd.Series(data[column].to_numpy()), errors="coerce")
        bad = values.isna().to_numpy() & pd.Series(data[column].to_numpy()).notna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            line = int(raw.lines[row]) if raw.lines is not None else None
            fld = raw.names.get(column, column)
            raise ReadError(
                "a value is not a number" + ("" if line else f" (hour {row + 1})"),
                path=name,
                line=line,
                field=fld,
                code="weather.not_a_number",
                params={"field": fld},
            )
        frame[column] = values.to_numpy(dtype=float)
    if "pressure" in frame and frame["pressure"].isna().all():
        frame = frame.drop(columns="pressure")
    _check_ranges(frame, raw, name)
    first_gap = _first_gap_lines(frame, raw.lines)
    _check_hours(len(frame), name)
    if (np.asarray(raw.start.minute) != 0).any():
        raise ReadError("time labels are not on the hour", path=name, code="weather.not_hourly")
    leap = int(((raw.start.month == 2) & (raw.start.day == 29)).sum())
    if leap and len(frame) - leap != _HOURS_PER_YEAR:
        _check_hours(len(frame) - leap, name, after_leap=True)
    months = _months_selected(raw.start)
    latitude = _float_or_none(raw.meta.get("latitude"))
    longitude = _float_or_none(raw.meta.get("longitude"))
    target = tz or site_timezone(latitude, longitude) or raw.start.tz
    try:
        frame, dropped = to_typical_year(frame, target)
    except ValueError as error:
        raise ReadError(
            f"the time labels are not one year of hours: {error}",
            path=name,
            code="weather.irregular_time",
            params={"detail": str(error)},
        ) from error
    if dropped and not any(p.code == "weather.leap_day_dropped" for p in problems):
        problems.append(_leap_problem(dropped))
    frame, filled = _fill_missing(frame, name, raw.names, max_missing_fraction, first_gap)
    problems.extend(filled)
    problems.extend(_clip_negative(frame))
    meta = {
        "source": _SOURCES[kind],
        "format": kind,
        "file": name,
        "latitude": latitude,
        "longitude": longitude,
        "altitude": _float_or_none(raw.meta.get("altitude")),
        "period": raw.meta.get("period")
        or _period_from_months(raw.meta.get("months_selected"))
        or _years(pd.Series([m["year"] for m in months])),
        "months_selected": raw.meta.get("months_selected") or months,
        "timezone": str(frame.index.tz),
        "attribution": raw.meta.get("attribution", ""),
        # What the pages translate (catalogue weather.licence.<key>), and the
        # file's own words, shown as written.
        "attribution_key": raw.meta.get("attribution_key", ""),
        "attribution_file_text": raw.meta.get("attribution_file_text", ""),
    }
    for key in ("irradiance_time_offset_h", "radiation_database", "horizon", "station"):
        if raw.meta.get(key) not in (None, ""):
            meta[key] = raw.meta[key]
    meta["problems"] = problems
    meta["warnings"] = [p.message for p in problems]
    meta["report"] = ReadReport(
        kind="weather",
        format=kind,
        name=name,
        problems=tuple(problems),
        rows_kept=len(frame),
        rows_dropped=sum(p.count for p in problems if p.severity == "dropped"),
        rows_repaired=sum(p.count for p in problems if p.severity == "repaired"),
    )
    return frame, meta


def _period_from_months(months: list[dict] | None) -> str | None:
    if not months:
        return None
    return _years(pd.Series([m.get("year") for m in months]))


def _float_or_none(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _check_ranges(frame: pd.DataFrame, raw: _Raw, name: str | None) -> None:
    """Refuse the first value outside :data:`PHYSICAL_RANGES`, naming line and field."""
    for column in frame.columns:
        low, high = PHYSICAL_RANGES[column]
        values = frame[column].to_numpy()
        bad = np.isinf(values) | (values < low) | (values > high)  # NaN is a gap, not bad
        if not bad.any():
            continue
        row = int(np.flatnonzero(bad)[0])
        line = int(raw.lines[row]) if raw.lines is not None else None
        fld = raw.names.get(column, column)
        unit = _UNITS[column]
        raise ReadError(
            f"a value is outside the plausible range {low:g} to {high:g} {unit}"
            + ("" if line else f" (hour {row + 1})"),
            path=name,
            line=line,
            field=fld,
            code="weather.out_of_range",
            params={"field": fld, "low": f"{low:g}", "high": f"{high:g}", "unit": unit},
        )


def _first_gap_lines(frame: pd.DataFrame, lines: np.ndarray | None) -> dict[str, int]:
    # File line of each column's first missing value, before rows are reordered.
    if lines is None:
        return {}
    out = {}
    for column in frame.columns:
        missing = np.flatnonzero(frame[column].isna().to_numpy())
        if missing.size:
            out[column] = int(lines[missing[0]])
    return out


def _fill_missing(
    frame: pd.DataFrame,
    name: str | None,
    names: dict[str, str],
    max_fraction: float,
    first_gap: dict[str, int] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    problems = []
    for column in frame.columns:
        missing = int(frame[column].isna().sum())
        if not missing:
            continue
        fld = names.get(column, column)
        if missing == len(frame) and column in REQUIRED_COLUMNS:
            raise _missing(fld, name)
        line = (first_gap or {}).get(column)
        if missing > max_fraction * len(frame):
            raise ReadError(
                f"{missing} hours have no value, more than {max_fraction:.0%} of the year",
                path=name,
                line=line,
                field=fld,
                code="weather.too_many_missing",
                params={"field": fld, "count": missing},
            )
        frame[column] = frame[column].interpolate(method="time", limit_direction="both")
        problems.append(
            Problem(
                "weather.values_filled",
                f"{missing} missing hourly values interpolated in time"
                + (f" (first at line {line})" if line else ""),
                severity="repaired",
                line=line,
                field=fld,
                count=missing,
                params={"field": fld},
            )
        )
    return frame, problems


def _clip_negative(frame: pd.DataFrame) -> list[Problem]:
    problems = []
    for column in ("ghi", "dni", "dhi"):
        negative = int((frame[column] < 0).sum())
        if negative:
            frame[column] = frame[column].clip(lower=0.0)
            problems.append(
                Problem(
                    "weather.negative_irradiance",
                    f"{negative} negative irradiance values set to 0",
                    severity="repaired",
                    field=column,
                    count=negative,
                    params={"field": column},
                )
            )
    return problems
