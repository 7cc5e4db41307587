"""A synthetic French household when there is no meter data.

When a resident has no load curve to share, the planner still needs one: this
module builds an *estimate* on the typical-year grid from a few facts about the
home (:class:`Household`) and the weather of the typical year. Every figure it
uses is listed, with its source, in ``meta["assumptions"]`` so that the user
interface can show and edit it; every result is labelled as an estimate.

Model
-----
The load is the sum of five components, each in [kWh] per interval:

``baseline`` (specific uses, plus cooking when it is electric)
    The shape is the BDEW **H25** household standard load profile (demandlib
    0.2.2, 2025 revision, 15-min, with its day-of-year dynamisation), laid on
    the typical year with French public holidays (Code du travail L3133-1) as
    "Sundays/holidays". Its energy is
    ``specific_kwh_per_year * (occupants / reference_occupants) ** occupant_elasticity``:
    2,228 kWh/yr of specific uses measured on 100 homes (ADEME/RTE/Enertech
    "Panel Elecdom" 2019-2020), for a household of 2.2 persons (INSEE mean
    household size, recensement 2019-2020), with an elasticity of 0.5
    (assumption: economies of scale in appliances). Electric cooking adds
    335 kWh/yr = 7 % (CEREN/SDES share of residential electricity for
    cooking) of the 4,792 kWh/yr Panel Elecdom all-use mean, scaled the same
    way. The H25 shape already holds meal-time peaks, so cooking follows it.

``heating`` (``heating="electric_direct"`` or ``"heat_pump"``)
    Heat need per day = ``heating_kwh_per_m2_dju * floor_area_m2 * DJU_d`` with
    ``DJU_d = max(0, 18 - (Tmin + Tmax) / 2)`` over the local day: the French
    unified degree-days, base 18 degC, "méthode météo" (Météo-France / SDES
    convention). ``heating_kwh_per_m2_dju = 0.0236`` [kWh/(m2.K.day)] is
    derived: ~55 kWh/m2/yr for an electrically heated home (CEREN/SDES:
    heating is ~33 % of the 4,792 kWh/yr mean = ~1,580 kWh/yr over all homes;
    about a third of French main residences are heated by electricity, so
    ~4,500 kWh/yr per electrically heated home of ~80 m2 -- our assumption)
    divided by 2,334 DJU, the Nantes normal computed from the monthly mean
    temperatures in DESIGN.md. Within a day the energy follows the hourly
    deficit ``max(0, 18 - temp_air)``, weighted 1.0 from 06:00 to 22:00 and
    0.8 at night (assumption: night set-back). A heat pump draws the heat need
    divided by a seasonal COP of 3.0 (assumption: lower end of the 3-4 usually
    quoted for air-to-water units in France; edit to the unit's SCOP).

``water_heater`` (``water_heater="offpeak"`` or ``"daytime"``)
    Per day ``occupants * 50 L * 0.0011628 kWh/(L.K) * (40 - 13) K + 1.0 kWh``
    of standing losses (assumptions: 50 L of hot water at 40 degC per person
    and day, mains water at 13 degC, 1 kWh/day lost by a ~200 L tank); a
    2.5-person home gets ~1,800 kWh/yr, consistent with the CEREN/SDES 14 %
    hot-water share. "offpeak": the tank heats at 2.4 kW (assumption, common
    element rating) from the start of each off-peak window, the day's energy
    split between windows by duration. "daytime": spread over 07:00-22:00
    following the baseline shape.

``ev`` (``ev_km_per_year > 0``)
    ``ev_km_per_year * 0.18 kWh/km`` at the socket (assumption within the
    15-20 kWh/100 km usually quoted), charged on ~3 random days a week
    (assumption) at 7.4 kW (single-phase 32 A wall box) from the start of the
    longest night off-peak window.

Default off-peak windows follow the new CRE scheme (from 1 Nov 2025, phased to
2027): 8 h a day, at least 5 h at night between 23:00 and 07:00 plus up to 3 h
between 11:00 and 17:00 (CRE reform, reported by aqui.fr, 2025). The default
``01:00-06:00`` + ``12:00-15:00`` is one example that fits the rule; the
customer's own windows are on the bill.

When ``annual_kwh`` is unknown, it is the sum of the components. Defaults:
occupants 2.5 in a house, 1.8 in an apartment (assumption bracketing the INSEE
mean of 2.2); floor area 112 m2 for a house, 63 m2 for an apartment (INSEE,
Enquête Logement 2013). When ``annual_kwh`` is given, every component except
the EV (whose distance is the user's own figure) is scaled so that the year
sums to it.

Stochastic variation (seeded ``numpy.random.Generator``): a household time
shift of the baseline of up to +/- 1 h, a daily level factor (log-normal,
sigma 0.15), an interval factor (gamma, mean 1, coefficient of variation 0.3)
and a daily hot-water factor (log-normal, sigma 0.2), all assumptions that
turn an average profile into one that looks like a single home. Same seed,
same curve.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from quartier_solaire.errors import Problem, ReadError
from solar.typical_year import TIMEZONE, TYPICAL_YEAR, typical_year_index

Dwelling = Literal["house", "apartment"]
Heating = Literal["electric_direct", "heat_pump", "other"]
WaterHeater = Literal["offpeak", "none", "daytime"]
Cooking = Literal["electric", "gas"]

DWELLINGS: tuple[str, ...] = ("house", "apartment")
HEATINGS: tuple[str, ...] = ("electric_direct", "heat_pump", "other")
WATER_HEATERS: tuple[str, ...] = ("offpeak", "none", "daytime")
COOKINGS: tuple[str, ...] = ("electric", "gas")

#: Example off-peak windows (local clock, start inclusive, end exclusive) fitting
#: the new CRE scheme: >= 5 h at night in 23:00-07:00 plus <= 3 h in 11:00-17:00.
DEFAULT_OFFPEAK_WINDOWS: tuple[tuple[str, str], ...] = (("01:00", "06:00"), ("12:00", "15:00"))
OFFPEAK_SOURCE = (
    "CRE reform of heures creuses (from 1 Nov 2025, phased to 2027): 8 h/day, >= 5 h "
    "at night between 23:00 and 07:00 plus up to 3 h between 11:00 and 17:00; reported "
    "by aqui.fr (2025). Default windows are one example that fits the rule."
)

_WATER_KWH_PER_L_K = 4.186 / 3600.0  # [kWh/(L.K)] specific heat of water


@dataclass(frozen=True)
class Household:
    """What a resident can say about their home.

    Parameters
    ----------
    annual_kwh : float, optional
        Annual consumption from the bill [kWh/yr]; derived when None.
    dwelling : str
        ``"house"`` or ``"apartment"``.
    floor_area_m2 : float, optional
        Heated floor area [m2]; a default by dwelling type when None.
    occupants : int, optional
        Number of persons; a default by dwelling type when None.
    heating : str
        ``"electric_direct"`` (convectors, radiant panels), ``"heat_pump"`` or
        ``"other"`` (gas, oil, wood, district heating: no electric heating).
    water_heater : str
        Electric water heater: ``"offpeak"`` (switched by the off-peak contact),
        ``"daytime"`` (heats whenever) or ``"none"``.
    offpeak_windows : tuple of (str, str)
        Off-peak windows as local ``"HH:MM"`` start (inclusive) and end
        (exclusive); a window may cross midnight.
    ev_km_per_year : float
        Distance driven by an electric car charged at home [km/yr].
    cooking : str
        ``"electric"`` or ``"gas"``.
    """

    annual_kwh: float | None = None
    dwelling: Dwelling = "house"
    floor_area_m2: float | None = None
    occupants: int | None = None
    heating: Heating = "other"
    water_heater: WaterHeater = "offpeak"
    offpeak_windows: tuple[tuple[str, str], ...] = DEFAULT_OFFPEAK_WINDOWS
    ev_km_per_year: float = 0.0
    cooking: Cooking = "electric"

    def __post_init__(self) -> None:
        for name, allowed in (
            ("dwelling", DWELLINGS),
            ("heating", HEATINGS),
            ("water_heater", WATER_HEATERS),
            ("cooking", COOKINGS),
        ):
            if getattr(self, name) not in allowed:
                _invalid(name, f"expected one of {', '.join(allowed)}")
        for name in ("annual_kwh", "floor_area_m2"):
            value = getattr(self, name)
            if value is not None and not (_is_number(value) and 0 < value < 1e6):
                _invalid(name, "expected a positive number")
        if self.occupants is not None and not (
            _is_number(self.occupants) and 1 <= self.occupants <= 50
        ):
            _invalid("occupants", "expected a number of persons between 1 and 50")
        if not (_is_number(self.ev_km_per_year) and 0 <= self.ev_km_per_year < 1e6):
            _invalid("ev_km_per_year", "expected a distance >= 0 km")
        windows = _parse_windows(self.offpeak_windows)
        if not windows and (self.water_heater == "offpeak" or self.ev_km_per_year > 0):
            _invalid("offpeak_windows", "an off-peak water heater or an EV needs a window")


def parse_offpeak_windows(text: str) -> tuple[tuple[str, str], ...]:
    """Read off-peak windows written as on a bill: ``"01:00-06:00, 12:00-15:00"``.

    Parameters
    ----------
    text : str
        Windows separated by commas or semicolons, each ``HH:MM-HH:MM`` in
        local time; ``h`` works for ``:`` (``"22h30-6h30"``). Empty: no window.

    Returns
    -------
    tuple of (str, str)
        ``(("01:00", "06:00"), ...)``, as :class:`Household` takes them.

    Raises
    ------
    ReadError
        Naming the window that cannot be read (field ``offpeak_windows``).
    """
    windows = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        try:
            start, end = (
                _clock_text(side) for side in part.replace("–", "-").split("-", maxsplit=1)
            )
        except ValueError:
            raise ReadError(
                f"cannot read the off-peak window {part!r}: expected HH:MM-HH:MM",
                field="offpeak_windows",
                code="household_offpeak_unreadable",
                params={"window": part},
            ) from None
        windows.append((start, end))
    _parse_windows(windows)  # same validation as a Household: overlaps, bounds
    return tuple(windows)


def format_offpeak_windows(windows: tuple[tuple[str, str], ...]) -> str:
    """Write off-peak windows back as ``"01:00-06:00, 12:00-15:00"``."""
    return ", ".join(f"{start}-{end}" for start, end in windows)


def _clock_text(text: str) -> str:
    hours, _, minutes = text.strip().lower().replace("h", ":").partition(":")
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h <= 24 and 0 <= m < 60):
        raise ValueError(text)
    return f"{h:02d}:{m:02d}"


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _invalid(field: str, expected: str) -> None:
    raise ReadError(
        f"invalid household description: {expected}",
        field=field,
        code="household_invalid",
        params={"field": field},
    )


def _parse_windows(windows: Any) -> list[tuple[int, int]]:
    # [(start_min, end_min)] in local clock minutes; validated, no overlaps.
    out: list[tuple[int, int]] = []
    try:
        items = list(windows)
    except TypeError:
        _invalid("offpeak_windows", "expected pairs of 'HH:MM' times")
    for item in items:
        try:
            start, end = item
            mins = []
            for text in (start, end):
                hh, mm = str(text).split(":")
                h, m = int(hh), int(mm)
                if not (0 <= h <= 24 and 0 <= m < 60 and h * 60 + m <= 1440):
                    raise ValueError
                mins.append((h * 60 + m) % 1440)
        except (TypeError, ValueError):
            _invalid("offpeak_windows", "expected pairs of 'HH:MM' times")
        if mins[0] == mins[1]:
            _invalid("offpeak_windows", "a window must not be empty")
        out.append((mins[0], mins[1]))
    covered = np.zeros(1440, dtype=int)
    for start, end in out:
        covered[_minute_mask(np.arange(1440), start, end)] += 1
    if covered.max(initial=0) > 1:
        _invalid("offpeak_windows", "windows must not overlap")
    return out


@dataclass(frozen=True)
class EstimateAssumptions:
    """Every figure of the estimate model; each is editable by the caller.

    See the module docstring and :data:`ASSUMPTION_SOURCES` for the unit and
    source of each field.
    """

    specific_kwh_per_year: float = 2228.0
    reference_occupants: float = 2.2
    occupant_elasticity: float = 0.5
    cooking_kwh_per_year: float = 335.0
    default_occupants_house: float = 2.5
    default_occupants_apartment: float = 1.8
    default_floor_area_house_m2: float = 112.0
    default_floor_area_apartment_m2: float = 63.0
    heating_base_temp_c: float = 18.0
    heating_kwh_per_m2_dju: float = 0.0236
    heating_night_factor: float = 0.8
    heating_day_start_hour: int = 6
    heating_day_end_hour: int = 22
    heat_pump_scop: float = 3.0
    hot_water_litres_per_person_day: float = 50.0
    hot_water_temp_c: float = 40.0
    cold_water_temp_c: float = 13.0
    water_heater_standby_kwh_per_day: float = 1.0
    water_heater_power_kw: float = 2.4
    daytime_water_start_hour: int = 7
    daytime_water_end_hour: int = 22
    ev_kwh_per_km: float = 0.18
    ev_charger_power_kw: float = 7.4
    ev_charging_days_per_week: float = 3.0
    max_time_shift_h: float = 1.0
    daily_variation_sigma: float = 0.15
    interval_noise_cv: float = 0.3
    hot_water_daily_sigma: float = 0.2


#: Unit and source of every :class:`EstimateAssumptions` field.
ASSUMPTION_SOURCES: dict[str, tuple[str, str]] = {
    "specific_kwh_per_year": (
        "kWh/yr",
        "ADEME/RTE/Enertech Panel Elecdom 2019-2020: 2,228 kWh/yr of specific uses (100 homes)",
    ),
    "reference_occupants": (
        "persons",
        "INSEE mean household size (~2.2, recensement); assumed to be the Panel's mean",
    ),
    "occupant_elasticity": ("-", "assumption: economies of scale in appliances"),
    "cooking_kwh_per_year": (
        "kWh/yr",
        "7 % (CEREN/SDES cooking share) of 4,792 kWh/yr (Panel Elecdom all uses)",
    ),
    "default_occupants_house": ("persons", "assumption bracketing the INSEE mean of 2.2"),
    "default_occupants_apartment": ("persons", "assumption bracketing the INSEE mean of 2.2"),
    "default_floor_area_house_m2": ("m2", "INSEE Enquête Logement 2013: mean house 112 m2"),
    "default_floor_area_apartment_m2": ("m2", "INSEE Enquête Logement 2013: mean flat 63 m2"),
    "heating_base_temp_c": ("degC", "French unified degree-days (DJU) base 18 degC, Météo-France"),
    "heating_kwh_per_m2_dju": (
        "kWh/(m2.K.day)",
        "derived assumption: ~55 kWh/m2/yr (CEREN/SDES 33 % heating share of 4,792 kWh/yr, "
        "about a third of homes electrically heated, ~80 m2) / 2,334 DJU (Nantes normal)",
    ),
    "heating_night_factor": ("-", "assumption: night set-back, 22:00-06:00"),
    "heating_day_start_hour": ("h", "assumption: occupied hours start"),
    "heating_day_end_hour": ("h", "assumption: occupied hours end"),
    "heat_pump_scop": ("-", "assumption: lower end of the SCOP 3-4 quoted for air-to-water"),
    "hot_water_litres_per_person_day": ("L/(person.day)", "assumption: hot water at 40 degC"),
    "hot_water_temp_c": ("degC", "assumption: temperature of the hot water drawn"),
    "cold_water_temp_c": ("degC", "assumption: annual mean mains water temperature"),
    "water_heater_standby_kwh_per_day": ("kWh/day", "assumption: ~200 L tank standing losses"),
    "water_heater_power_kw": ("kW", "assumption: common immersion element rating"),
    "daytime_water_start_hour": ("h", "assumption: a daytime water heater runs from"),
    "daytime_water_end_hour": ("h", "assumption: a daytime water heater runs until"),
    "ev_kwh_per_km": ("kWh/km", "assumption within the 15-20 kWh/100 km usually quoted"),
    "ev_charger_power_kw": ("kW", "assumption: single-phase 32 A wall box"),
    "ev_charging_days_per_week": ("days/week", "assumption"),
    "max_time_shift_h": ("h", "assumption: household habits vs the average profile"),
    "daily_variation_sigma": ("-", "assumption: day-to-day level variation (log-normal)"),
    "interval_noise_cv": ("-", "assumption: interval-to-interval variation (gamma)"),
    "hot_water_daily_sigma": ("-", "assumption: day-to-day hot-water variation (log-normal)"),
}


def french_holidays(year: int) -> list[dt.date]:
    """Return the French public holidays of ``year`` (Code du travail L3133-1).

    Parameters
    ----------
    year : int
        Gregorian year.

    Returns
    -------
    list of datetime.date
        The eleven national holidays (Alsace-Moselle's two extra days are not
        included).
    """
    # Anonymous Gregorian algorithm (Meeus/Jones/Butcher) for Easter Sunday.
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    easter = dt.date(year, month, day)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [easter + dt.timedelta(days=n) for n in (1, 39, 50)]
    return sorted([dt.date(year, mo, dd) for mo, dd in fixed] + moving)


def _step_minutes(step: str) -> int:
    try:
        minutes = pd.Timedelta(pd.tseries.frequencies.to_offset(step)).total_seconds() / 60
    except (ValueError, TypeError):
        minutes = float("nan")
    if minutes not in (15.0, 30.0, 60.0):
        raise ReadError(
            "step must be 15min, 30min or 1h",
            field="step",
            code="profile_bad_step",
            params={"step": str(step)},
        )
    return int(minutes)


@lru_cache(maxsize=4)
def h25_shape(step: str = "30min") -> np.ndarray:
    """Return the BDEW H25 household profile on the typical-year grid, summing to 1.

    Parameters
    ----------
    step : str
        ``"15min"``, ``"30min"`` or ``"h"``.

    Returns
    -------
    numpy.ndarray
        Read-only share of the annual energy in each interval of
        ``typical_year_index(step)`` [-]; French public holidays are days of
        the "FT" (Sunday/holiday) type.
    """
    minutes = _step_minutes(step)
    grid15 = typical_year_index("15min")
    # demandlib is imported here, once, and run with warning filters restored
    # afterwards: its older ElecSlp sets a global "error" filter; H25 does not,
    # but nothing it does must leak into the caller's warning state.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from demandlib.bdew import H25

        values = np.asarray(H25(grid15, holidays=french_holidays(TYPICAL_YEAR)), dtype=float)
    if values.shape != (len(grid15),) or not np.all(np.isfinite(values)):
        raise RuntimeError("demandlib H25 did not return one value per 15-min interval")
    per = minutes // 15
    values = values.reshape(-1, per).sum(axis=1)
    shape = values / values.sum()
    shape.setflags(write=False)
    return shape


def _minute_mask(minute_of_day: np.ndarray, start: int, end: int) -> np.ndarray:
    if start < end:
        return (minute_of_day >= start) & (minute_of_day < end)
    return (minute_of_day >= start) | (minute_of_day < end)


@dataclass(frozen=True)
class _Grid:
    index: pd.DatetimeIndex
    step_min: int
    minute: np.ndarray  # local clock minute of day of each interval start
    doy: np.ndarray  # 0-based local day of year
    hour_pos: np.ndarray  # position of the hour in the hourly typical-year grid


@lru_cache(maxsize=4)
def _grid(step: str) -> _Grid:
    minutes = _step_minutes(step)
    index = typical_year_index(step)
    minute = np.asarray(index.hour * 60 + index.minute)
    doy = np.asarray(index.day_of_year - 1)
    hour_pos = np.arange(len(index)) // (60 // minutes)
    for arr in (minute, doy, hour_pos):
        arr.setflags(write=False)
    return _Grid(index, minutes, minute, doy, hour_pos)


def _deliver(
    energy_per_day: np.ndarray,
    grid: _Grid,
    window: tuple[int, int],
    cap_kwh: float,
) -> np.ndarray:
    """Deliver each day's energy in one daily window from its start at ``cap_kwh`` per step.

    A window crossing midnight belongs to the day it starts; the year is
    treated as circular so that 1 January 00:00 continues 31 December's night.
    When a day's energy exceeds what the window can take at ``cap_kwh``, it is
    spread evenly over the window instead (energy is always conserved).
    """
    n = len(grid.index)
    start, end = window
    inside = _minute_mask(grid.minute, start, end)
    pos = np.flatnonzero(inside)
    ndays = int(grid.doy.max()) + 1
    inst = grid.doy[pos].copy()
    before_start = grid.minute[pos] < start  # early part of a midnight-crossing window
    if start > end:
        inst[before_start] -= 1
    wrapped = inst < 0
    inst %= ndays
    order = pos + n * wrapped
    sort = np.lexsort((order, inst))
    pos, inst = pos[sort], inst[sort]
    counts = np.bincount(inst, minlength=ndays)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(len(pos)) - first[inst]
    energy = energy_per_day[inst]
    slots = counts[inst]
    even = energy / np.maximum(slots, 1)
    ramp = np.clip(energy - rank * cap_kwh, 0.0, cap_kwh)
    out = np.zeros(n)
    out[pos] = np.where(energy > slots * cap_kwh, even, ramp)
    return out


def _window_hours(window: tuple[int, int]) -> float:
    start, end = window
    return ((end - start) % 1440) / 60.0


def _is_night(window: tuple[int, int]) -> bool:
    # A window is a night one when it starts between 20:00 and 07:00.
    return window[0] >= 20 * 60 or window[0] < 7 * 60


def _daily_temperatures(temp_air: pd.Series) -> np.ndarray:
    """Return hourly temp_air [degC] on the typical-year hourly grid, local time."""
    hourly = typical_year_index("h")
    if not isinstance(temp_air, pd.Series) or not isinstance(temp_air.index, pd.DatetimeIndex):
        raise ReadError(
            "temp_air must be a Series with a DatetimeIndex",
            field="temp_air",
            code="estimate_weather_invalid",
        )
    if temp_air.index.tz is None:
        raise ReadError(
            "temp_air needs a time-zone-aware index",
            field="temp_air",
            code="estimate_weather_invalid",
        )
    series = pd.to_numeric(temp_air, errors="coerce").astype(float)
    series = series[~series.index.duplicated()].tz_convert(TIMEZONE).sort_index()
    # Hourly means labelled at the hour start; a UTC-labelled year misses one local
    # hour at an end, filled from its neighbour (at most 3 h either way).
    values = series.reindex(hourly).interpolate(limit=3, limit_direction="both")
    if values.isna().mean() > 0 or len(values) != len(hourly):
        raise ReadError(
            "temp_air does not cover the typical year",
            field="temp_air",
            code="estimate_weather_incomplete",
            params={"year": TYPICAL_YEAR},
        )
    return values.to_numpy()


def _assumption_table(
    assumptions: EstimateAssumptions, used: dict[str, tuple[Any, str, str]]
) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for f in fields(assumptions):
        unit, source = ASSUMPTION_SOURCES[f.name]
        table[f.name] = {"value": getattr(assumptions, f.name), "unit": unit, "source": source}
    for name, (value, unit, source) in used.items():
        table[name] = {"value": value, "unit": unit, "source": source}
    return table


def _occupants_and_area(
    household: Household, a: EstimateAssumptions
) -> tuple[float, str, float, str]:
    """The household's occupants and floor area, or the defaults, with their sources."""
    house = household.dwelling == "house"
    if household.occupants is not None:
        occupants, occ_source = float(household.occupants), "household"
    else:
        name = "default_occupants_house" if house else "default_occupants_apartment"
        occupants, occ_source = getattr(a, name), ASSUMPTION_SOURCES[name][1]
    if household.floor_area_m2 is not None:
        area, area_source = float(household.floor_area_m2), "household"
    else:
        name = "default_floor_area_house_m2" if house else "default_floor_area_apartment_m2"
        area, area_source = getattr(a, name), ASSUMPTION_SOURCES[name][1]
    return occupants, occ_source, area, area_source


def _baseline(
    household: Household,
    a: EstimateAssumptions,
    grid: _Grid,
    step: str,
    occupants: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline: H25 shape, shifted by household habit, with daily and interval variation.

    Returns the baseline [kWh] per interval and its normalised shape [-].
    """
    n, ndays = len(grid.index), int(grid.doy.max()) + 1
    max_shift = int(round(a.max_time_shift_h * 60 / grid.step_min))
    shift = int(rng.integers(-max_shift, max_shift + 1)) if max_shift > 0 else 0
    sigma = a.daily_variation_sigma
    day_factor = rng.lognormal(-0.5 * sigma**2, sigma, ndays) if sigma > 0 else np.ones(ndays)
    cv = a.interval_noise_cv
    noise = rng.gamma(1.0 / cv**2, cv**2, n) if cv > 0 else np.ones(n)
    base_shape = np.roll(h25_shape(step), shift) * day_factor[grid.doy] * noise
    base_shape /= base_shape.sum()
    occ_scale = (occupants / a.reference_occupants) ** a.occupant_elasticity
    baseline_kwh = a.specific_kwh_per_year * occ_scale
    if household.cooking == "electric":
        baseline_kwh += a.cooking_kwh_per_year * occ_scale
    return base_shape * baseline_kwh, base_shape


def _degree_days(temps: np.ndarray, a: EstimateAssumptions, ndays: int) -> np.ndarray:
    """Unified degree-days of each local day, max(0, base - (Tmin + Tmax) / 2) [K.day]."""
    hourly_doy = np.asarray(typical_year_index("h").day_of_year - 1)
    tmin = np.full(ndays, np.inf)
    tmax = np.full(ndays, -np.inf)
    np.minimum.at(tmin, hourly_doy, temps)
    np.maximum.at(tmax, hourly_doy, temps)
    return np.maximum(0.0, a.heating_base_temp_c - 0.5 * (tmin + tmax))


def _heating(
    household: Household,
    a: EstimateAssumptions,
    grid: _Grid,
    temps: np.ndarray,
    dju: np.ndarray,
    area: float,
) -> np.ndarray:
    """Electric heating from the day's degree-days, laid on the hourly deficit [kWh]."""
    if household.heating not in ("electric_direct", "heat_pump"):
        return np.zeros(len(grid.index))
    hourly = typical_year_index("h")
    hourly_doy = np.asarray(hourly.day_of_year - 1)
    hourly_hour = np.asarray(hourly.hour)
    heat_day = a.heating_kwh_per_m2_dju * area * dju
    occupied = (hourly_hour >= a.heating_day_start_hour) & (hourly_hour < a.heating_day_end_hour)
    weight = np.maximum(0.0, a.heating_base_temp_c - temps) * np.where(
        occupied, 1.0, a.heating_night_factor
    )
    day_weight = np.bincount(hourly_doy, weight, minlength=len(dju))
    # (Tmin+Tmax)/2 < base implies an hour below base, so day_weight > 0 when dju > 0.
    heat_hour = np.where(
        day_weight[hourly_doy] > 0,
        heat_day[hourly_doy] * weight / np.where(day_weight > 0, day_weight, 1.0)[hourly_doy],
        0.0,
    )
    if household.heating == "heat_pump":
        heat_hour = heat_hour / a.heat_pump_scop
    return heat_hour[grid.hour_pos] / (60 // grid.step_min)


def _water_heater(
    household: Household,
    a: EstimateAssumptions,
    grid: _Grid,
    windows: list[tuple[int, int]],
    base_shape: np.ndarray,
    occupants: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Hot water: off-peak from each window's start, or daytime on the baseline [kWh]."""
    water = np.zeros(len(grid.index))
    if household.water_heater == "none":
        return water
    ndays = int(grid.doy.max()) + 1
    per_day = (
        occupants
        * a.hot_water_litres_per_person_day
        * _WATER_KWH_PER_L_K
        * (a.hot_water_temp_c - a.cold_water_temp_c)
        + a.water_heater_standby_kwh_per_day
    )
    hw_sigma = a.hot_water_daily_sigma
    factors = rng.lognormal(0.0, hw_sigma, ndays) if hw_sigma > 0 else np.ones(ndays)
    water_day = per_day * ndays * factors / factors.sum()
    if household.water_heater == "offpeak":
        total_h = sum(_window_hours(w) for w in windows)
        cap = a.water_heater_power_kw * grid.step_min / 60.0
        for w in windows:
            water += _deliver(water_day * _window_hours(w) / total_h, grid, w, cap)
        return water
    on = (grid.minute >= a.daytime_water_start_hour * 60) & (
        grid.minute < a.daytime_water_end_hour * 60
    )
    weight = np.where(on, base_shape, 0.0)
    day_weight = np.bincount(grid.doy, weight, minlength=ndays)
    return water_day[grid.doy] * weight / day_weight[grid.doy]


def _ev(
    household: Household,
    a: EstimateAssumptions,
    grid: _Grid,
    windows: list[tuple[int, int]],
    rng: np.random.Generator,
) -> np.ndarray:
    """Electric vehicle, charged in the longest night off-peak window [kWh]."""
    ev_kwh = household.ev_km_per_year * a.ev_kwh_per_km
    if ev_kwh <= 0:
        return np.zeros(len(grid.index))
    ndays = int(grid.doy.max()) + 1
    night = [w for w in windows if _is_night(w)] or windows
    window = max(night, key=_window_hours)
    p = min(1.0, max(a.ev_charging_days_per_week, 0.0) / 7.0)
    sessions = rng.random(ndays) < p
    if not sessions.any():
        sessions[int(rng.integers(ndays))] = True
    ev_day = np.where(sessions, ev_kwh / sessions.sum(), 0.0)
    return _deliver(ev_day, grid, window, a.ev_charger_power_kw * grid.step_min / 60.0)


def _scale_to_bill(
    household: Household, components: dict[str, np.ndarray], problems: list[Problem]
) -> dict[str, np.ndarray]:
    """Scale every component but the EV so that the year sums to the bill's figure."""
    if household.annual_kwh is None:
        return components
    target = float(household.annual_kwh)
    ev = float(components["ev"].sum())
    modelled = float(sum(c.sum() for c in components.values()))
    rest = modelled - ev
    if target > ev and rest > 0:
        factor = (target - ev) / rest
        return {k: v if k == "ev" else v * factor for k, v in components.items()}
    problems.append(
        Problem(
            code="estimate_annual_below_ev",
            message="the annual consumption given is below the EV charging alone; "
            "every component was scaled down",
            severity="warning",
            field="annual_kwh",
        )
    )
    factor = target / modelled
    return {k: v * factor for k, v in components.items()}


def _used_figures(
    household: Household,
    occupants: tuple[float, str],
    area: tuple[float, str],
    dju: np.ndarray,
) -> dict[str, tuple[Any, str, str]]:
    """The figures the estimate used besides the assumptions, with unit and source."""
    return {
        "occupants": (occupants[0], "persons", occupants[1]),
        "floor_area_m2": (area[0], "m2", area[1]),
        "offpeak_windows": (
            [list(w) for w in household.offpeak_windows],
            "local HH:MM",
            OFFPEAK_SOURCE if household.offpeak_windows == DEFAULT_OFFPEAK_WINDOWS else "household",
        ),
        "dju_typical_year": (
            float(dju.sum()),
            "K.day",
            "computed: sum of max(0, base - (Tmin+Tmax)/2) over the local days of temp_air",
        ),
        "baseline_profile": ("BDEW H25", "-", "demandlib 0.2.2, BDEW 2025 household profile"),
    }


def estimate_profile(
    household: Household,
    temp_air: pd.Series,
    *,
    step: str = "30min",
    seed: int = 0,
    assumptions: EstimateAssumptions | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Estimate a household's consumption over the typical year.

    Parameters
    ----------
    household : Household
        What is known about the home.
    temp_air : pandas.Series
        Hourly air temperature of the typical year [degC], tz-aware index
        labelled at the start of each hour (the weather frame's column).
    step : str
        ``"15min"``, ``"30min"`` or ``"h"``.
    seed : int
        Seed of the random variation; the same seed gives the same curve.
    assumptions : EstimateAssumptions, optional
        The model's figures; the documented defaults when None.

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh], named ``energy_kwh``, on
        ``typical_year_index(step)`` (labels mark the interval start).
    meta : dict
        ``is_estimate`` (True), ``source`` ("estimate"), ``step_min``,
        ``seed``, ``annual_kwh`` [kWh/yr], ``annual_kwh_derived`` (bool),
        ``components_kwh`` (annual kWh of baseline, heating, water_heater,
        ev), ``components`` (the same four as a DataFrame of [kWh] per
        interval on the energy's index, for :mod:`planner.flexibility`),
        ``household`` (the inputs), ``assumptions`` (``{name: {value,
        unit, source}}`` for every figure used), ``method`` and ``problems``
        (list of :class:`~quartier_solaire.errors.Problem`).

    Raises
    ------
    ReadError
        If the step or the weather cannot be used.
    """
    a = assumptions if assumptions is not None else EstimateAssumptions()
    grid = _grid(step)
    temps = _daily_temperatures(temp_air)
    rng = np.random.default_rng(seed)  # drawn in this order: baseline, water, EV
    windows = _parse_windows(household.offpeak_windows)
    problems: list[Problem] = []
    occupants, occ_source, area, area_source = _occupants_and_area(household, a)
    baseline, base_shape = _baseline(household, a, grid, step, occupants, rng)
    dju = _degree_days(temps, a, int(grid.doy.max()) + 1)
    components = {
        "baseline": baseline,
        "heating": _heating(household, a, grid, temps, dju, area),
        "water_heater": _water_heater(household, a, grid, windows, base_shape, occupants, rng),
        "ev": _ev(household, a, grid, windows, rng),
    }
    components = _scale_to_bill(household, components, problems)
    total = components["baseline"] + components["heating"]
    total = total + components["water_heater"] + components["ev"]
    energy = pd.Series(total, index=grid.index, name="energy_kwh", dtype="float64")
    used = _used_figures(household, (occupants, occ_source), (area, area_source), dju)
    meta: dict[str, Any] = {
        "is_estimate": True,
        "source": "estimate",
        "step_min": grid.step_min,
        "seed": seed,
        "annual_kwh": float(energy.sum()),
        "annual_kwh_derived": household.annual_kwh is None,
        "components_kwh": {k: float(v.sum()) for k, v in components.items()},
        "components": pd.DataFrame(components, index=grid.index),
        "household": asdict(household),
        "assumptions": _assumption_table(a, used),
        "method": "BDEW H25 baseline + degree-day heating + off-peak water heater + EV "
        "(see planner.estimate module docstring)",
        "problems": problems,
    }
    return energy, meta
