"""Weather file readers: PVGIS TMY (CSV, JSON, EPW), EPW, TMY3, TMY2.

The PVGIS files are generated here, in the exact layout of PVGIS 5.3 files
(pvlib's test data ``tests/data/tmy_45.000_8.000_2005_2023.{csv,json,epw}``),
from a clear-sky year at Nantes dimmed by a seeded random cloudiness, with
months taken from different years. TMY3 and TMY2 files are the real ones that
pvlib installs in ``pvlib/data``.
"""

from __future__ import annotations

import calendar
import io
import json
import re
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest

from quartier_solaire.errors import NotRecognised, ReadError
from quartier_solaire.i18n import describe, has
from solar.typical_year import TIMEZONE, TYPICAL_YEAR, typical_year_index
from solar.weather_files import inspect_weather, read_weather_file, site_timezone

NANTES = (47.218, -1.554, 20.0)  # latitude, longitude [deg], elevation [m]
MONTHS_YEARS = {
    1: 2018, 2: 2007, 3: 2009, 4: 2013, 5: 2008, 6: 2006,
    7: 2011, 8: 2010, 9: 2020, 10: 2006, 11: 2007, 12: 2016,
}  # fmt: skip
LEAP_MONTHS_YEARS = {**MONTHS_YEARS, 2: 2016}
PVGIS_COLUMNS = ["T2m", "RH", "G(h)", "Gb(n)", "Gd(h)", "IR(h)", "WS10m", "WD10m", "SP"]
TIME_OFFSET_H = 0.1761  # as in pvlib's PVGIS-SARAH3 test file
COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed", "pressure"]
PVLIB_DATA = files("pvlib") / "data"


# --------------------------------------------------------------------------- generators


def pvgis_frame(months_years=MONTHS_YEARS, site=NANTES, seed=1) -> pd.DataFrame:
    """One TMY in PVGIS columns, UTC index labelled HH:00, months from mixed years."""
    latitude, longitude, altitude = site
    pieces = [
        pd.date_range(
            pd.Timestamp(year, month, 1, tz="UTC"),
            periods=calendar.monthrange(year, month)[1] * 24,
            freq="h",
        )
        for month, year in sorted(months_years.items())
    ]
    times = pieces[0].append(pieces[1:])
    # Values are hour means: the sun is taken at the middle of the hour.
    middle = times + pd.Timedelta(minutes=30)
    sun = pvlib.solarposition.get_solarposition(middle, latitude, longitude)
    airmass = pvlib.atmosphere.get_absolute_airmass(
        pvlib.atmosphere.get_relative_airmass(sun["apparent_zenith"])
    )
    clear = pvlib.clearsky.ineichen(
        sun["apparent_zenith"],
        airmass,
        linke_turbidity=3.0,
        altitude=altitude,
        dni_extra=pvlib.irradiance.get_extra_radiation(middle),
    ).fillna(0.0)
    rng = np.random.default_rng(seed)
    clearness = np.repeat(rng.uniform(0.3, 1.0, len(times) // 24), 24)
    cosz = np.clip(np.cos(np.radians(sun["zenith"].to_numpy())), 0, None)
    ghi = clear["ghi"].to_numpy() * clearness
    dni = clear["dni"].to_numpy() * clearness**2
    dhi = np.clip(ghi - dni * cosz, 0, None)
    doy = times.day_of_year.to_numpy()
    hour = times.hour.to_numpy()
    # A thousandth of a degree per year marks which year each month came from.
    t2m = (
        12.0
        - 7.0 * np.cos(2 * np.pi * (doy - 15) / 365)
        + 4.0 * np.sin(2 * np.pi * (hour - 9) / 24)
        + 0.001 * (times.year.to_numpy() - 2000)
    )
    frame = pd.DataFrame(
        {
            "T2m": t2m,
            "RH": 80.0,
            "G(h)": ghi,
            "Gb(n)": dni,
            "Gd(h)": dhi,
            "IR(h)": 300.0,
            "WS10m": 3.0 + 2.0 * clearness,
            "WD10m": 250.0,
            "SP": 101000.0 - 10.0 * hour,
        },
        index=times,
    )
    return frame.round(3)


def write_pvgis_csv(path, frame, months_years=MONTHS_YEARS, site=NANTES, drop=()) -> Path:
    """Write ``frame`` as PVGIS 5.3 writes a TMY CSV (CRLF line ends)."""
    latitude, longitude, altitude = site
    columns = [c for c in PVGIS_COLUMNS if c not in drop]
    lines = [
        f"Latitude (decimal degrees): {latitude:.3f}",
        f"Longitude (decimal degrees): {longitude:.3f}",
        f"Elevation (m): {altitude:.1f}",
        f"Irradiance Time Offset (h): {TIME_OFFSET_H}",
        "month,year",
        *(f"{m},{y}" for m, y in sorted(months_years.items())),
        ",".join(["time(UTC)", *columns]),
    ]
    stamps = frame.index.strftime("%Y%m%d:%H%M")
    values = frame[columns].to_numpy()
    lines += [
        ",".join([s, *(f"{v:g}" for v in row)]) for s, row in zip(stamps, values, strict=True)
    ]
    lines += [
        "",
        "T2m: 2-m air temperature (degree Celsius)",
        "RH: relative humidity (%)",
        "G(h): Global irradiance on the horizontal plane (W/m2)",
        "Gb(n): Beam/direct irradiance on a plane always normal to sun rays (W/m2)",
        "Gd(h): Diffuse irradiance on the horizontal plane (W/m2)",
        "IR(h): Surface infrared (thermal) irradiance on a horizontal plane (W/m2)",
        "WS10m: 10-m total wind speed (m/s)",
        "WD10m: 10-m wind direction (0 = N, 90 = E) (degree)",
        "SP: Surface (air) pressure (Pa)",
        "",
        "PVGIS (c) European Union, 2001-2025",
        "",
    ]
    path = Path(path)
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    return path


def pvgis_json_document(frame, months_years=MONTHS_YEARS, site=NANTES, drop=()) -> dict:
    """The PVGIS 5.3 TMY JSON document of ``frame``."""
    latitude, longitude, altitude = site
    hourly = frame.drop(columns=list(drop)).reset_index(drop=True)
    hourly.insert(0, "time(UTC)", frame.index.strftime("%Y%m%d:%H%M"))
    variables = {c: {"description": c, "units": "-"} for c in PVGIS_COLUMNS}
    return {
        "inputs": {
            "location": {
                "latitude": latitude,
                "longitude": longitude,
                "elevation": altitude,
                "irradiance_time_offset": TIME_OFFSET_H,
            },
            "meteo_data": {
                "radiation_db": "PVGIS-SARAH3",
                "meteo_db": "ERA5",
                "year_min": 2005,
                "year_max": 2023,
                "use_horizon": True,
                "horizon_db": "DEM-calculated",
            },
        },
        "outputs": {
            "months_selected": [{"month": m, "year": y} for m, y in sorted(months_years.items())],
            "tmy_hourly": hourly.to_dict(orient="records"),
        },
        "meta": {
            "inputs": {"location": {"description": "Selected location"}},
            "outputs": {"tmy_hourly": {"type": "time series", "variables": variables}},
        },
    }


def write_pvgis_json(path, frame, months_years=MONTHS_YEARS, site=NANTES, drop=()) -> Path:
    path = Path(path)
    path.write_text(json.dumps(pvgis_json_document(frame, months_years, site, drop)))
    return path


def _epw_row(year, month, day, hour, t2m, sp, ghi, dni, dhi, ws) -> str:
    # EPW data dictionary order; unknown fields carry their "missing" codes.
    return (
        f"{year},{month},{day},{hour},0,?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9,"
        f"{t2m:.2f},{t2m - 3:.2f},80.00,{sp:.2f},9999,9999,300.00,{ghi:.2f},{dni:.2f},"
        f"{dhi:.2f},999999,999999,999999,9999,250,{ws:.1f},99,99,9999,99999,9,999999999,"
        "999,0.999,999,99,999,999,99"
    )


def write_epw(path, frame, site=NANTES, *, pvgis_style=False, utc_offset_h=1) -> Path:
    """Write ``frame`` as an EPW: PVGIS style (UTC rows) or a station file in local time."""
    latitude, longitude, altitude = site
    if pvgis_style:
        location = (
            "LOCATION,unknown,-,unknown,ECMWF/ERA,unknown,"
            f"{latitude:f},{longitude:f},1,{altitude:g}"
        )
        comments = [
            "COMMENTS 1,Weather Analytics - Sensor Point System data - based on the ECMWF-ERA",
            f"COMMENTS 2,Irradiance Time Offset (h):{TIME_OFFSET_H - 1:.4f}",
        ]
        clock = frame.index
    else:
        location = (
            "LOCATION,Nantes,PDL,FRA,Test station,072220,"
            f"{latitude},{longitude},{utc_offset_h:.1f},{altitude:g}"
        )
        comments = ["COMMENTS 1,Generated for tests", "COMMENTS 2,-"]
        clock = frame.index.tz_convert(f"Etc/GMT{-utc_offset_h:+d}")
    lines = [
        location,
        "DESIGN CONDITIONS,0",
        "TYPICAL/EXTREME PERIODS,0",
        "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVING,No,0,0,0",
        *comments,
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    # EPW hour h is the hour ENDING at h: the hour starting at label HH is HH+1.
    for t, row in zip(clock, frame.itertuples(index=False), strict=True):
        lines.append(
            _epw_row(
                t.year, t.month, t.day, t.hour + 1, row.T2m, row.SP,
                row._2, row._3, row._4, row.WS10m,
            )
        )  # fmt: skip
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path


def best_shift_h(data: pd.DataFrame, latitude: float, longitude: float) -> int:
    """Shift of the labels [h] that best lines GHI up with the sun at mid-hour."""
    middle = data.index + pd.Timedelta(minutes=30)
    sun = pvlib.solarposition.get_solarposition(middle, latitude, longitude)
    cosz = np.clip(np.cos(np.radians(sun["zenith"].to_numpy())), 0, None)
    ghi = data["ghi"].to_numpy()
    scores = {s: np.corrcoef(np.roll(ghi, -s), cosz)[0, 1] for s in (-1, 0, 1)}
    return max(scores, key=scores.get)


def peak_hour_standard_time(data: pd.DataFrame, utc_offset_h: float) -> int:
    """Hour label of the highest mean GHI, in standard (winter) time."""
    shifted = data.index.tz_convert("UTC") + pd.Timedelta(hours=utc_offset_h)
    return int(data["ghi"].groupby(shifted.hour).mean().idxmax())


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pvgis_frame()


@pytest.fixture(scope="module")
def leap_frame() -> pd.DataFrame:
    return pvgis_frame(LEAP_MONTHS_YEARS)


# --------------------------------------------------------------------------- formats


def _check_typical_year(data: pd.DataFrame, tz=TIMEZONE, columns=COLUMNS):
    assert list(data.columns) == columns
    assert len(data) == 8760
    assert data.index.equals(typical_year_index(tz=tz))
    assert data.index.is_monotonic_increasing and data.index.is_unique
    assert data.notna().all().all()
    assert (data[["ghi", "dni", "dhi"]] >= 0).all().all()


@pytest.mark.parametrize("kind", ["csv", "json", "epw"])
def test_pvgis_files_read_onto_the_typical_year(tmp_path, frame, kind):
    path = tmp_path / f"tmy_47.218_-1.554_2005_2023.{kind}"
    if kind == "csv":
        write_pvgis_csv(path, frame)
    elif kind == "json":
        write_pvgis_json(path, frame)
    else:
        write_epw(path, frame, pvgis_style=True)
    data, meta = read_weather_file(path)
    _check_typical_year(data)
    assert meta["source"] == "PVGIS TMY"
    assert meta["format"] == f"pvgis-{kind}"
    assert meta["latitude"] == pytest.approx(47.218)
    assert meta["longitude"] == pytest.approx(-1.554)
    assert meta["altitude"] == pytest.approx(20.0)
    assert meta["timezone"] == TIMEZONE
    assert "European Union" in meta["attribution"] and "JRC" in meta["attribution"]
    assert meta["irradiance_time_offset_h"] == pytest.approx(TIME_OFFSET_H)
    assert meta["warnings"] == [] and meta["problems"] == []
    # Annual GHI: the generated year is 0.3-1.0 of clear sky; Nantes gets about
    # 1,200-1,300 kWh/m2 (PVGIS), a sane band is 900-1,500.
    assert 900 < data["ghi"].sum() / 1000 < 1500
    assert data["pressure"].between(90_000, 105_000).all()
    assert meta["period"] == ("2005-2023" if kind == "json" else "2006-2020")


def test_pvgis_csv_json_and_epw_give_the_same_year(tmp_path, frame):
    a, _ = read_weather_file(write_pvgis_csv(tmp_path / "a.csv", frame))
    b, _ = read_weather_file(write_pvgis_json(tmp_path / "b.json", frame))
    c, _ = read_weather_file(write_epw(tmp_path / "c.epw", frame, pvgis_style=True))
    pd.testing.assert_frame_equal(a, b)
    # EPW rounds irradiance to 2 decimals and wind speed to 1.
    pd.testing.assert_frame_equal(a, c, atol=0.06, rtol=0)


def test_station_epw_in_local_standard_time(tmp_path, frame):
    data, meta = read_weather_file(write_epw(tmp_path / "nantes.epw", frame, utc_offset_h=1))
    _check_typical_year(data)
    assert meta["source"] == "EPW"
    assert "Generated for tests" in meta["attribution"]
    reference, _ = read_weather_file(write_pvgis_csv(tmp_path / "ref.csv", frame))
    # Same hours once both are in Paris time: the EPW end-of-hour labels were
    # turned into start labels, and its UTC+1 clock into Europe/Paris.
    pd.testing.assert_series_equal(data["ghi"], reference["ghi"], atol=0.006, rtol=0)


@pytest.mark.parametrize(
    ("name", "utc_offset_h", "ghi_band", "temp_band"),
    [
        ("723170TYA.CSV", -5, (1400, 1750), (12, 17)),  # Greensboro NC
        ("703165TY.csv", -9, (700, 1000), (2, 7)),  # Sand Point AK
        ("12839.tm2", -5, (1650, 1950), (22, 27)),  # Miami FL
    ],
)
def test_nrel_files_from_pvlib(name, utc_offset_h, ghi_band, temp_band):
    path = PVLIB_DATA / name
    data, meta = read_weather_file(path)
    tz = pd.Timestamp("2025-01-01", tz=f"Etc/GMT{-utc_offset_h:+d}").tz
    assert list(data.columns) == COLUMNS
    assert len(data) == 8760 and data.index.is_unique and data.index.is_monotonic_increasing
    assert data.index[0] == pd.Timestamp(f"{TYPICAL_YEAR}-01-01", tz=tz)
    assert (data.index[1:] - data.index[:-1] == pd.Timedelta("1h")).all()
    assert data.index.tz.utcoffset(None) == pd.Timedelta(hours=utc_offset_h)
    assert meta["source"] == ("TMY2" if name.endswith("tm2") else "TMY3")
    assert ghi_band[0] < data["ghi"].sum() / 1000 < ghi_band[1]
    assert temp_band[0] < data["temp_air"].mean() < temp_band[1]
    assert 95_000 < data["pressure"].mean() < 103_000  # mbar -> Pa
    assert 0 < data["wind_speed"].mean() < 10  # TMY2 tenths -> m/s
    # A sunny noon stays at noon: in the file's standard time the hour that
    # starts at 11, 12 or 13 has the most sun, and no shift fits the sun better.
    assert peak_hour_standard_time(data, utc_offset_h) in (11, 12, 13)
    assert best_shift_h(data, meta["latitude"], meta["longitude"]) == 0


def test_tmy3_end_of_hour_labels_move_to_the_start():
    data, _ = read_weather_file(PVLIB_DATA / "723170TYA.CSV")
    # First data row: "01/01/1988,01:00" (the hour 00:00-01:00), dry bulb 10.0 C;
    # last row "12/31/1980,24:00" (23:00-24:00), pressure 1010 mbar would be
    # 101000 Pa: the two ends of the file are the two ends of the year.
    raw = pd.read_csv(PVLIB_DATA / "723170TYA.CSV", skiprows=1)
    assert data["temp_air"].iloc[0] == raw["Dry-bulb (C)"].iloc[0] == 10.0
    assert data["temp_air"].iloc[-1] == raw["Dry-bulb (C)"].iloc[-1]
    assert data["pressure"].iloc[-1] == raw["Pressure (mbar)"].iloc[-1] * 100


@pytest.mark.parametrize("kind", ["csv", "json", "epw"])
def test_pvgis_sun_stays_at_noon(tmp_path, frame, kind):
    path = tmp_path / f"tmy.{kind}"
    {"csv": write_pvgis_csv, "json": write_pvgis_json}.get(
        kind, lambda p, f: write_epw(p, f, pvgis_style=True)
    )(path, frame)
    data, _ = read_weather_file(path)
    assert peak_hour_standard_time(data, 1) in (11, 12, 13)
    assert best_shift_h(data, *NANTES[:2]) == 0


# --------------------------------------------------------------------------- typical year


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_months_from_mixed_years_land_on_their_hours(tmp_path, frame, kind):
    writer = write_pvgis_csv if kind == "csv" else write_pvgis_json
    data, meta = read_weather_file(writer(tmp_path / f"tmy.{kind}", frame))
    assert meta["months_selected"] == [{"month": m, "year": y} for m, y in MONTHS_YEARS.items()]
    utc = data.index.tz_convert("UTC")
    source = pd.DatetimeIndex([t.replace(year=MONTHS_YEARS[t.month]) for t in utc])
    np.testing.assert_array_equal(data["temp_air"].to_numpy(), frame.loc[source, "T2m"].to_numpy())
    np.testing.assert_array_equal(data["ghi"].to_numpy(), frame.loc[source, "G(h)"].to_numpy())
    # The last UTC hour of December (23:00 UTC = midnight in Paris) wraps round
    # to the first hour of the typical year.
    first = data.iloc[0]
    assert data.index[0] == pd.Timestamp(f"{TYPICAL_YEAR}-01-01 00:00", tz=TIMEZONE)
    assert first["temp_air"] == frame.loc[pd.Timestamp("2016-12-31 23:00", tz="UTC"), "T2m"]
    assert data["temp_air"].iloc[-1] == frame.loc[pd.Timestamp("2016-12-31 22:00", tz="UTC"), "T2m"]


@pytest.mark.parametrize("kind", ["csv", "json", "epw"])
def test_leap_year_february_loses_its_29th(tmp_path, leap_frame, kind):
    assert len(leap_frame) == 8784
    path = tmp_path / f"leap.{kind}"
    if kind == "csv":
        write_pvgis_csv(path, leap_frame, LEAP_MONTHS_YEARS)
    elif kind == "json":
        write_pvgis_json(path, leap_frame, LEAP_MONTHS_YEARS)
    else:
        write_epw(path, leap_frame, pvgis_style=True)
    data, meta = read_weather_file(path)
    _check_typical_year(data)
    assert [p.code for p in meta["problems"]] == ["weather.leap_day_dropped"]
    assert meta["problems"][0].count == 24
    assert "29 February" in meta["warnings"][0]
    march_first = pd.Timestamp(f"{TYPICAL_YEAR}-03-01 12:00", tz=TIMEZONE)
    source = leap_frame.loc[pd.Timestamp("2009-03-01 11:00", tz="UTC"), "T2m"]
    assert data.loc[march_first, "temp_air"] == pytest.approx(source, abs=0.006)  # EPW: 2 decimals


def test_time_zone_can_be_chosen(tmp_path, frame):
    data, meta = read_weather_file(write_pvgis_csv(tmp_path / "a.csv", frame), tz="UTC")
    assert str(data.index.tz) == "UTC" and meta["timezone"] == "UTC"
    # In UTC there is nothing to wrap: the first hour is 1 January 00:00 UTC.
    assert data["temp_air"].iloc[0] == frame.loc[pd.Timestamp("2018-01-01 00:00", tz="UTC"), "T2m"]


def test_pvgis_file_outside_france_stays_in_utc(tmp_path):
    site = (37.98, 23.73, 100.0)  # Athens
    small = pvgis_frame(site=site)
    data, meta = read_weather_file(write_pvgis_csv(tmp_path / "athens.csv", small, site=site))
    assert str(data.index.tz) == "UTC" and meta["timezone"] == "UTC"
    assert peak_hour_standard_time(data, 0) in (9, 10)  # solar noon 10:25 UTC


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (47.218, -1.554, TIMEZONE),  # Nantes
        (48.45, -5.10, TIMEZONE),  # Ouessant
        (41.92, 8.74, TIMEZONE),  # Ajaccio
        (51.03, 2.37, TIMEZONE),  # Dunkerque
        (51.51, -0.13, None),  # London
        (50.82, -0.14, None),  # Brighton
        (36.1, -79.95, None),  # Greensboro
    ],
)
def test_site_timezone(lat, lon, expected):
    assert site_timezone(lat, lon) == expected


def test_buffers_and_bytes_read_like_paths(tmp_path, frame):
    path = write_pvgis_csv(tmp_path / "tmy.csv", frame)
    expected, _ = read_weather_file(path)
    from_bytes, meta = read_weather_file(path.read_bytes(), filename="upload.csv")
    from_buffer, _ = read_weather_file(io.BytesIO(path.read_bytes()))
    from_text, _ = read_weather_file(io.StringIO(path.read_text()))
    for data in (from_bytes, from_buffer, from_text):
        pd.testing.assert_frame_equal(data, expected)
    assert meta["file"] == "upload.csv"


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(("kind", "column"), [("csv", "G(h)"), ("json", "Gb(n)"), ("csv", "T2m")])
def test_missing_column_is_named(tmp_path, frame, kind, column):
    writer = write_pvgis_csv if kind == "csv" else write_pvgis_json
    path = writer(tmp_path / f"tmy.{kind}", frame, drop=(column,))
    with pytest.raises(ReadError) as info:
        read_weather_file(path)
    assert info.value.code == "weather.missing_column"
    assert info.value.field == column
    assert column in str(info.value)
    assert column in describe(info.value, "fr") and column in describe(info.value, "en")


def test_missing_tmy3_column_is_named(tmp_path):
    text = (PVLIB_DATA / "723170TYA.CSV").read_text()
    path = tmp_path / "no_dni.csv"
    path.write_text(text.replace("DNI (W/m^2)", "Direct (W/m^2)", 1))
    with pytest.raises(ReadError) as info:
        read_weather_file(path)
    assert info.value.code == "weather.missing_column"
    assert info.value.field == "DNI (W/m^2)" and info.value.line == 2


@pytest.mark.parametrize("kind", ["csv", "json", "epw"])
def test_short_year_reports_the_count(tmp_path, frame, kind):
    short = frame.iloc[:8000]
    path = tmp_path / f"short.{kind}"
    if kind == "csv":
        write_pvgis_csv(path, short)
    elif kind == "json":
        write_pvgis_json(path, short)
    else:
        write_epw(path, short, pvgis_style=True)
    with pytest.raises(ReadError) as info:
        read_weather_file(path)
    assert info.value.code == "weather.hours"
    assert "8000" in str(info.value) and "8760" in str(info.value)
    assert info.value.params["count"] == 8000
    assert "8000" in describe(info.value, "fr")


def test_duplicated_hours_are_refused(tmp_path, frame):
    doubled = frame.copy()
    index = doubled.index.to_numpy().copy()
    index[100] = index[99]  # one hour twice, one hour missing
    doubled.index = pd.DatetimeIndex(index)
    with pytest.raises(ReadError) as info:
        read_weather_file(write_pvgis_json(tmp_path / "dup.json", doubled))
    assert info.value.code == "weather.irregular_time"
    assert "twice" in str(info.value)


def test_bad_number_gives_the_line(tmp_path, frame):
    path = write_pvgis_csv(tmp_path / "tmy.csv", frame)
    lines = path.read_bytes().decode().split("\r\n")
    # Line 19 is the first data row (4 header lines, month table of 13, column line).
    assert lines[18].startswith("20180101:0000")
    lines[118] = lines[118].replace(",80,", ",eighty,", 1)
    path.write_text("\r\n".join(lines))
    with pytest.raises(ReadError) as info:
        read_weather_file(path)
    assert info.value.code == "weather.not_a_number"
    assert (info.value.line, info.value.field) == (119, "RH")


def test_truncated_json_gives_the_line(tmp_path, frame):
    text = json.dumps(pvgis_json_document(frame), indent=1)
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ReadError) as info:
        read_weather_file(path)
    assert info.value.code == "weather.malformed"
    assert info.value.line is not None and info.value.line > 1000


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "weather.empty"),
        (b"  \n\n ", "weather.empty"),
        (bytes(range(256)) * 20, "weather.binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "weather.binary"),
        (b"hello,world\n1,2\n", "weather.unknown_format"),
        (b'{"type": "FeatureCollection", "features": []}', "wrong_place"),
    ],
)
def test_unreadable_inputs_raise_read_error(tmp_path, content, code):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError) as info:
        read_weather_file(path)
    assert info.value.code == code
    assert info.value.path == "upload.csv"
    kind = info.value.params.get("kind")  # wrong_place: one sentence per kind
    assert has(f"problem.{code}") or has(f"problem.{code}.{kind}")


def test_garbage_after_a_pvgis_header_is_a_read_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Latitude (decimal degrees): abc\nLongitude: x\n")
    with pytest.raises(ReadError) as info:
        read_weather_file(path)
    assert info.value.code in ("weather.malformed", "weather.hours")


def test_missing_values_are_interpolated_and_reported(tmp_path, frame):
    gappy = frame.copy()
    gappy.iloc[2000:2005, gappy.columns.get_loc("T2m")] = 99.9  # EPW "missing"
    data, meta = read_weather_file(write_epw(tmp_path / "gaps.epw", gappy, pvgis_style=True))
    assert [p.code for p in meta["problems"]] == ["weather.values_filled"]
    assert meta["problems"][0].count == 5 and meta["problems"][0].field == "temp_air"
    assert data["temp_air"].max() < 40


def test_too_many_missing_values_are_refused(tmp_path, frame):
    gappy = frame.copy()
    gappy.iloc[:1000, gappy.columns.get_loc("G(h)")] = 9999  # EPW "missing"
    with pytest.raises(ReadError) as info:
        read_weather_file(write_epw(tmp_path / "gaps.epw", gappy, pvgis_style=True))
    assert info.value.code == "weather.too_many_missing"
    assert info.value.params["count"] == 1000
    data, meta = read_weather_file(
        tmp_path / "gaps.epw", max_missing_fraction=0.2
    )  # the caller may accept more
    assert meta["problems"][0].code == "weather.values_filled"
    assert meta["problems"][0].count == 1000


# --------------------------------------------------------------------------- inspect


def test_inspect_weather_reports_json_fields(tmp_path, frame):
    path = write_pvgis_json(tmp_path / "tmy.json", frame)
    report = inspect_weather(path)
    assert json.loads(json.dumps(report)) == report  # plain JSON values only
    data, _ = read_weather_file(path)
    assert report["kind"] == "weather" and report["source"] == "PVGIS TMY"
    assert report["hours"] == 8760
    assert report["ghi_kwh_m2"] == pytest.approx(data["ghi"].sum() / 1000, abs=0.05)
    assert report["temp_air_mean_c"] == pytest.approx(data["temp_air"].mean(), abs=0.005)
    assert (report["latitude"], report["longitude"]) == (47.218, -1.554)
    assert report["period"] == "2005-2023"
    assert report["problems"] == []


def test_inspect_weather_lists_problems(tmp_path, leap_frame):
    report = inspect_weather(write_pvgis_csv(tmp_path / "leap.csv", leap_frame, LEAP_MONTHS_YEARS))
    assert [p["code"] for p in report["problems"]] == ["weather.leap_day_dropped"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("conso.csv", "\ufeffIdentifiant PRM;Type de donnees;Date de debut\n"
                      "00000000000000;Courbe;2024-01-01\nHorodate;Valeur\n"
                      "2024-01-01T00:30:00+01:00;512\n"),
        ("buildings.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", '
                              '"geometry": null, "properties": {"height": 9}}]}'),
        ("empty.csv", ""),
    ],
)  # fmt: skip
def test_inspect_weather_passes_on_other_kinds(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NotRecognised):
        inspect_weather(path)


def test_inspect_weather_raises_read_error_for_a_broken_weather_file(tmp_path, frame):
    path = write_pvgis_csv(tmp_path / "short.csv", frame.iloc[:8000])
    with pytest.raises(ReadError) as info:
        inspect_weather(path)
    assert not isinstance(info.value, NotRecognised)


def test_every_code_is_in_the_catalogue():
    solar = Path(__file__).parents[2] / "solar"
    source = "".join((solar / name).read_text() for name in ("weather_files.py", "pvgis.py"))
    codes = set(re.findall(r'"(weather\.[a-z_]+)"', source))
    assert {"weather.hours", "weather.missing_column", "weather.pvgis_unavailable"} <= codes
    for code in codes:
        assert has(f"problem.{code}"), code
