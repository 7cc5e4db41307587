"""What each household can do: flexible loads that could move into solar hours.

Two loads of a French home can usually move without changing its comfort: the
electric water heater (a storage tank, switched on by the off-peak contact at
the start of the night off-peak window) and the charging of an electric car.
This module finds them and quantifies what moving them brings.

Finding them
------------
- For an **estimated** profile (:func:`planner.estimate.estimate_profile`), the
  loads are the modelled components themselves (``meta["components"]``): the
  ``water_heater`` component when the home has an off-peak water heater, and
  the ``ev`` component. The estimate models no washing machine or dishwasher
  apart from the specific uses (BDEW H25 shape), so none is proposed.
- For a **measured** curve, they are detected (:func:`detect_water_heater`,
  :func:`detect_ev`) with the rules of :class:`FlexibilityRules`, every
  threshold documented there. The water heater is a step of 1.2-3.5 kW
  (elements are rated 2-3 kW) that starts within minutes of the night
  off-peak start, lasts 1-4 h and recurs most nights; the car is a plateau
  of 3 kW or more lasting 1.5 h or more, in the evening or at night, several
  times a week, found once the water heater is taken out.

Moving them
-----------
:func:`shift_load` takes the load's energy out of each day and lays the same
daily energy again, at the load's power, from the start that catches the most
production inside the solar window (by default the household's midday
off-peak window when it has one, e.g. 12:00-15:00, else 11:00-17:00: the
window the new CRE off-peak scheme opens from 1 Nov 2025). Daily energy is
conserved exactly.

What it is worth
----------------
:func:`geste` recomputes :func:`planner.flows.flows` against the production
available to the household (its share of the collective production, or its
roof's production: an input), and reports the extra self-consumed kWh, the
euros saved on the household's bill under a :class:`Tariff` (each step's grid
kWh at its price, each self-consumed kWh at the shared kWh's cost), and, given
the collective's production and total consumption, the change of the
collective's self-consumption rate in percentage points.

Under the new off-peak scheme a water heater moved from the night window to
the midday window displaces off-peak kWh (0.1579 EUR/kWh) and not Base ones
(0.1940): with the default cost of a shared kWh (0.16 EUR/kWh all included,
:class:`planner.economics.EconomicParams`), moving it saves a household on the
HP/HC option almost nothing, while a household on Base saves ~0.03 EUR per
extra self-consumed kWh. Without a midday off-peak window (the old scheme),
what the sun does not cover is bought at the peak price, and moving costs
money. The collective gains either way (more production sold inside the
operation instead of exported). The figures say so rather than hide it
(``test_the_new_off_peak_scheme_changes_what_the_move_is_worth``).

:func:`everyone` applies every household's moves together: the surplus one
household's move uses is no longer there for the next, so the joint gain is
not the sum of the individual gains.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from planner.economics import EconomicParams
from planner.estimate import DEFAULT_OFFPEAK_WINDOWS
from planner.flows import flows
from quartier_solaire.i18n import DEFAULT_LANGUAGE, number
from solar.typical_year import TIMEZONE

LoadKind = Literal["water_heater", "ev"]
Origin = Literal["detected", "modelled"]

_ECON = EconomicParams()
#: Cost of a shared kWh to a participant [EUR/kWh]: the PMO's price plus the TURPE
#: ACC charge and the excise still due on it (planner.economics defaults).
SHARED_KWH_COST_EUR = (
    _ECON.shared_price_eur_per_kwh + _ECON.turpe_acc_eur_per_kwh + _ECON.excise_eur_per_kwh
)


@dataclass(frozen=True)
class FlexibilityRules:
    """Detection rules and thresholds; every one an editable assumption.

    Attributes
    ----------
    wh_min_rise_kw, wh_max_rise_kw : float
        Step rise of a water-heater block over the hour before it [kW]: 1.2 to
        3.5. Heating elements are rated 2-3 kW (deco-maison-fr.com, "Consommation
        d'un chauffe-eau électrique 200 litres": 2,000-3,000 W; the estimate uses
        2.4 kW); the margins allow a 30-min average whose first step is partly
        off and a baseline that moves.
    wh_min_hours, wh_max_hours : float
        Duration of the block [h]: 1 to 4, and 2 steps at least. A 200 L tank heats a day's draw of
        ~5-8 kWh (2,000-3,000 kWh/yr for a 200 L tank, same source; ~800 kWh per
        person and year, Selectra after ADEME) in 2-3.5 h at 2.4 kW.
    wh_start_tolerance_min : int
        The block starts at most this late after the off-peak start [min]: 30
        (one step of a 30-min curve; contacts switch within minutes).
    wh_min_share_of_nights : float
        Share of the nights with data that show the block [-]: 0.5 ("most
        nights"; a tank that was not drawn from does not reheat).
    night_search : tuple of (str, str)
        Where to look for the off-peak start when the windows are unknown
        [local HH:MM]: 20:00-03:00 (every night window of the old and new
        schemes starts there).
    min_days : int
        Fewest days showing the load before anything is reported [-]: 7.
    min_snr : float
        The load's median rise must exceed this many times the curve's noise
        [-]: 3, the noise being the robust standard deviation of step-to-step
        changes (1.4826 x MAD / sqrt 2). Guards against false positives on
        noisy curves.
    max_rise_cv : float
        Largest coefficient of variation of the rise between days [-]: 0.35.
        A heating element or a charger draws the same power every time.
    max_plateau_cv : float
        Largest median, over the days, of the coefficient of variation of the
        power inside one block or session [-]: 0.25. An element or a charger
        draws a flat power while on (our assumption, with room for the rest of
        the home's load moving beneath it).
    ev_min_kw : float
        Smallest charging power over the day's low level [kW]: 3.0 (3.7 kW
        and 7.4 kW single-phase wall boxes; a 2.3 kW socket charge is not
        told apart from other loads: our assumption).
    ev_min_hours : float
        Shortest plateau [h]: 1.5, and 3 steps at least (on an hourly curve,
        3 h), so that its flatness can be seen.
    ev_search : tuple of (str, str)
        When charging starts is looked for [local HH:MM]: 17:00 to 09:00 the
        next morning (home charging, evening and night).
    ev_min_sessions_per_week : float
        Fewest sessions per week on average [1/week]: 1 ("several nights a
        week" for a commuter, once for a light user).
    ev_min_sessions : int
        Fewest sessions in the curve [-]: 4.
    ev_max_high_elsewhere : float
        Largest median share of a session day's other steps that reach the
        same power [-]: 0.1. A charge stands out of its day; a home whose load
        is that high all day (or a random curve) has no charge to tell apart.
    solar_window : tuple of (str, str)
        Where a moved load may start [local HH:MM]: 11:00-17:00, the midday
        window of the new off-peak scheme (CRE reform from 1 Nov 2025,
        reported by aqui.fr). Narrowed to the tariff's midday off-peak window
        when it has one.
    """

    wh_min_rise_kw: float = 1.2
    wh_max_rise_kw: float = 3.5
    wh_min_hours: float = 1.0
    wh_max_hours: float = 4.0
    wh_start_tolerance_min: int = 30
    wh_min_share_of_nights: float = 0.5
    night_search: tuple[str, str] = ("20:00", "03:00")
    min_days: int = 7
    min_snr: float = 3.0
    max_rise_cv: float = 0.35
    max_plateau_cv: float = 0.25
    ev_min_kw: float = 3.0
    ev_min_hours: float = 1.5
    ev_search: tuple[str, str] = ("17:00", "09:00")
    ev_min_sessions_per_week: float = 1.0
    ev_min_sessions: int = 4
    ev_max_high_elsewhere: float = 0.1
    solar_window: tuple[str, str] = ("11:00", "17:00")


@dataclass(frozen=True)
class Tariff:
    """What the household pays per kWh, from the grid and for a shared kWh.

    Attributes
    ----------
    option : str
        ``"hphc"`` (peak / off-peak) or ``"base"`` (one price).
    base_eur_per_kwh : float
        Base option [EUR/kWh incl. tax]: 0.1940, regulated tariff 3-6 kVA from
        1 Feb 2026 (arrêté du 28 janvier 2026; CRE délibération 2026-06).
    peak_eur_per_kwh, offpeak_eur_per_kwh : float
        HP/HC option [EUR/kWh incl. tax]: 0.2065 and 0.1579, regulated tariff
        from 1 Feb 2026 (CRE délibération 2026-06, as computed by selectra.info
        and reported by econostrum.info, Feb 2026).
    offpeak_windows : tuple of (str, str)
        The household's off-peak windows [local HH:MM]; default the example of
        the new scheme used by :mod:`planner.estimate`, 01:00-06:00 and
        12:00-15:00.
    solar_eur_per_kwh : float
        What a self-consumed kWh costs the household [EUR/kWh]: by default a
        shared kWh of the collective, 0.12 to the PMO + 0.0102 TURPE ACC +
        0.02998 excise (:class:`planner.economics.EconomicParams`). For the
        household's own roof, the surplus sale price it forgoes (0.04 under S21).
    """

    option: Literal["hphc", "base"] = "hphc"
    base_eur_per_kwh: float = 0.1940
    peak_eur_per_kwh: float = 0.2065
    offpeak_eur_per_kwh: float = 0.1579
    offpeak_windows: tuple[tuple[str, str], ...] = DEFAULT_OFFPEAK_WINDOWS
    solar_eur_per_kwh: float = SHARED_KWH_COST_EUR

    def __post_init__(self) -> None:
        if self.option not in ("hphc", "base"):
            raise ValueError("option must be 'hphc' or 'base'")


@dataclass(frozen=True, eq=False)
class FlexibleLoad:
    """A load that could move, detected on a curve or taken from the model.

    Attributes
    ----------
    kind : str
        ``"water_heater"`` or ``"ev"``.
    origin : str
        ``"detected"`` (measured curve) or ``"modelled"`` (estimate).
    daily_energy_kwh : float
        Mean energy on the days it runs [kWh/day].
    power_kw : float
        Its power [kW].
    start : str
        Its usual start [local HH:MM].
    days : int
        Days on which it runs in the curve [-].
    annual_kwh : float
        Its energy over the curve scaled to 365 days [kWh/yr].
    confidence : float
        1 for a modelled load; for a detected one, how often it recurs times
        how steady its power is, in [0, 1].
    energy : pandas.Series
        Its energy per step [kWh] on the curve's index.
    """

    kind: LoadKind
    origin: Origin
    daily_energy_kwh: float
    power_kw: float
    start: str
    days: int
    annual_kwh: float
    confidence: float
    energy: pd.Series = field(repr=False)


@dataclass(frozen=True, eq=False)
class Geste:
    """What moving one load of one household brings.

    Attributes
    ----------
    participant : str
        Who (a pseudonym or an id; never shown raw by this module).
    kind, origin, daily_energy_kwh, power_kw, confidence
        Those of the :class:`FlexibleLoad`.
    window : tuple of (str, str)
        Where it moves to [local HH:MM], start and end of the moved block.
    moved_kwh : float
        Energy moved per year [kWh/yr].
    extra_autocons_kwh : float
        Extra self-consumed energy of the household per year [kWh/yr], >= 0
        when the load leaves hours without production.
    savings_eur : float
        Change of the household's yearly bill [EUR/yr]; negative when moving
        costs more than it saves.
    collective_extra_autocons_kwh : float
        Extra self-consumed energy of the collective per year [kWh/yr]; NaN
        without a collective.
    delta_collective_self_consumption : float
        Change of the collective's self-consumption rate [percentage points];
        NaN without a collective.
    shift : pandas.Series
        New curve minus old curve [kWh per step]; sums to 0.
    """

    participant: str
    kind: LoadKind
    origin: Origin
    daily_energy_kwh: float
    power_kw: float
    confidence: float
    window: tuple[str, str]
    moved_kwh: float
    extra_autocons_kwh: float
    savings_eur: float
    collective_extra_autocons_kwh: float
    delta_collective_self_consumption: float
    shift: pd.Series = field(repr=False)

    def advice(self, lang: str = DEFAULT_LANGUAGE) -> tuple[str, dict[str, str]]:
        """Catalogue key and parameters, written for ``lang``, of this advice.

        ``key, params = geste.advice(lang)`` then ``t(key, lang, **params)``.
        The "no_saving" sentence is chosen below 0.5 EUR/yr of savings.
        """
        suffix = "saves" if self.savings_eur >= 0.5 else "no_saving"
        return f"gestes.advice.{self.kind}.{suffix}", {
            "start": _clock_text(self.window[0], lang),
            "end": _clock_text(self.window[1], lang),
            "kwh": number(self.extra_autocons_kwh, lang),
            "eur": number(abs(self.savings_eur), lang),
        }


@dataclass(frozen=True)
class CollectiveGestes:
    """The collective if everyone followed the advice (see :func:`everyone`).

    Attributes
    ----------
    prod_kwh, cons_kwh : float
        Collective production and consumption [kWh/yr]; moves keep ``cons_kwh``.
    autocons_before_kwh, autocons_after_kwh : float
        Collective self-consumed energy before and after [kWh/yr].
    extra_autocons_kwh : float
        Joint gain [kWh/yr].
    sum_of_individual_kwh : float
        Sum of the gestes' individual collective gains [kWh/yr], for
        comparison: it counts the same surplus several times.
    self_consumption_rate_before, self_consumption_rate_after : float
        [-].
    self_production_rate_before, self_production_rate_after : float
        [-].
    savings_eur : float
        Sum of the households' bill changes under the dynamic default key [EUR/yr].
    households : int
        Households with at least one move.
    """

    prod_kwh: float
    cons_kwh: float
    autocons_before_kwh: float
    autocons_after_kwh: float
    extra_autocons_kwh: float
    sum_of_individual_kwh: float
    self_consumption_rate_before: float
    self_consumption_rate_after: float
    self_production_rate_before: float
    self_production_rate_after: float
    savings_eur: float
    households: int


# --- the curve as days x slots --------------------------------------------------------


@dataclass(frozen=True)
class _Days:
    step_min: int
    power: np.ndarray  # [kW], days x slots, NaN where no data
    pos: np.ndarray  # position in the curve, -1 where no data
    spd: int  # slots per day

    def triple(self, values: np.ndarray, fill: float) -> np.ndarray:
        """Each day beside the day before and the day after: days x (3 x slots)."""
        pad = np.full((1, values.shape[1]), fill, dtype=values.dtype)
        before = np.vstack([pad, values[:-1]])
        after = np.vstack([values[1:], pad])
        return np.hstack([before, values, after])


def _local_index(series: pd.Series) -> pd.DatetimeIndex:
    index = series.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise ValueError("the curve needs a time-zone-aware DatetimeIndex")
    return index.tz_convert(TIMEZONE)


def _step_minutes(index: pd.DatetimeIndex) -> int:
    if len(index) < 2:
        raise ValueError("the curve needs at least two steps")
    minutes = int(round((index[1:] - index[:-1]).median().total_seconds() / 60.0))
    if minutes <= 0 or 1440 % minutes:
        raise ValueError("the curve's step must divide a day")
    return minutes


def _days(energy: pd.Series) -> _Days:
    local = _local_index(energy)
    step = _step_minutes(local)
    dates = local.normalize().tz_localize(None)
    day = np.asarray((dates - dates[0]).days)
    slot = np.asarray(local.hour * 60 + local.minute) // step
    spd = 1440 // step
    values = energy.to_numpy(dtype=float)
    power = np.full((int(day.max()) + 1, spd), np.nan)
    pos = np.full(power.shape, -1)
    power[day, slot] = values * 60.0 / step
    pos[day, slot] = np.arange(len(values))
    return _Days(step, power, pos, spd)


def _served_day(index: pd.DatetimeIndex) -> np.ndarray:
    """The day each step's load serves, counted from the curve's first local date.

    The local date four hours later: a block starting at 22:00 serves the next
    day; one at 01:00, 12:00 or 18:00 the same day.
    """
    local = index.tz_convert(TIMEZONE)
    first = local[0].normalize().tz_localize(None)
    served = (local + pd.Timedelta(hours=4)).normalize().tz_localize(None)
    return np.asarray((served - first).days)


def _minutes(text: str) -> int:
    hours, minutes = str(text).split(":")
    return (int(hours) * 60 + int(minutes)) % 1440


def _clock(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _clock_text(clock: str, lang: str) -> str:
    """``"12:30"`` as its readers write it: 12 h 30 / 12:30; 12 h / 12:00."""
    h, m = divmod(_minutes(clock), 60)
    if lang == "fr":
        return f"{h} h {m:02d}" if m else f"{h} h"
    return f"{h}:{m:02d}"


def _noise_kw(days: _Days) -> float:
    """Robust standard deviation of one step's power [kW] (1.4826 x MAD of changes / sqrt 2)."""
    flat = days.power.ravel()
    changes = np.diff(flat[np.isfinite(flat)])
    if changes.size == 0:
        return 0.0
    mad = np.median(np.abs(changes - np.median(changes)))
    return float(1.4826 * mad / math.sqrt(2.0))


def _row_min(values: np.ndarray) -> np.ndarray:
    lowest = np.where(np.isfinite(values), values, np.inf).min(axis=1)
    return np.where(np.isfinite(lowest), lowest, np.nan)


def _cv(values: np.ndarray) -> float:
    mean = float(np.mean(values))
    return float(np.std(values) / mean) if mean > 0 else math.inf


def _plateau_cv(excess: np.ndarray, in_run: np.ndarray, days: np.ndarray) -> float:
    """Median over ``days`` of the coefficient of variation of ``excess`` inside each run."""
    count = np.maximum(in_run.sum(axis=1), 1)
    values = np.where(in_run, excess, 0.0)
    mean = values.sum(axis=1) / count
    spread = np.sqrt(np.where(in_run, (excess - mean[:, None]) ** 2, 0.0).sum(axis=1) / count)
    ratio = spread / np.where(mean > 0, mean, np.inf)
    return float(np.median(ratio[days])) if days.any() else math.inf


def _runs(mask: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each column (0 where False), row by row."""
    cols = np.arange(mask.shape[1])
    last_false = np.maximum.accumulate(np.where(mask, -1, cols), axis=1)
    return np.where(mask, cols - last_false, 0)


# --- detection on a measured curve ------------------------------------------------------


def _candidate_slots(
    days: _Days, offpeak_windows: Iterable[tuple[str, str]] | None, rules: FlexibilityRules
) -> list[int]:
    """Slots where the water heater may start: night off-peak starts, or the search range."""
    step, spd = days.step_min, days.spd
    if offpeak_windows is not None:
        starts = [_minutes(start) for start, _ in offpeak_windows]
        night = [s for s in starts if s >= 20 * 60 or s < 7 * 60]
        tolerance = rules.wh_start_tolerance_min // step
        return sorted({(s // step + k) % spd for s in night for k in range(tolerance + 1)})
    first, last = (_minutes(t) // step for t in rules.night_search)
    return [(first + k) % spd for k in range((last - first) % spd + 1)]


def _block_on(
    days: _Days, column: int, rules: FlexibilityRules
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per day, a water-heater block starting at ``column`` of the tripled days.

    Returns the excess power over the hour before [kW] (days x width), the run
    length [steps], whether the day shows a block, and whether it has data.
    """
    step = days.step_min
    power = days.triple(days.power, np.nan)
    pre_n = max(1, 60 // step)
    # the level is the lowest step of the hour before: evening loads wind down
    pre = _row_min(power[:, column - pre_n : column])
    longest = int(rules.wh_max_hours * 60 // step)
    shortest = max(2, math.ceil(rules.wh_min_hours * 60 / step))  # 2: one full step + tail
    excess = power[:, column : column + longest + 2] - pre[:, None]
    on = np.nan_to_num(excess, nan=-np.inf) >= rules.wh_min_rise_kw
    run = np.cumprod(on, axis=1).sum(axis=1)
    in_run = np.arange(excess.shape[1])[None, :] < run[:, None]
    highest = np.where(in_run, excess, -np.inf).max(axis=1)
    has_data = np.isfinite(pre) & np.isfinite(excess[:, 0])
    shows = (run >= shortest) & (run <= longest) & has_data & (highest <= rules.wh_max_rise_kw)
    return excess, run, shows, has_data


def _block_energy(
    days: _Days,
    column: int,
    excess: np.ndarray,
    run: np.ndarray,
    shows: np.ndarray,
    n: int,
    min_tail_kw: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Energy of the blocks per step of the curve [kWh], and each day's block power [kW]."""
    cols = np.arange(excess.shape[1])[None, :]
    in_run = (cols < run[:, None]) & shows[:, None]
    safe_run = np.maximum(run, 1)
    power = np.where(in_run, excess, 0.0).sum(axis=1) / safe_run
    # The step after the block holds its tail when the element stops mid-step.
    tail = (cols == run[:, None]) & shows[:, None]
    tail &= np.nan_to_num(excess) >= min_tail_kw  # a partial step, not noise
    full = np.where(in_run, excess, 0.0).max(axis=1)
    tail_kw = np.clip(np.nan_to_num(excess), 0.0, full[:, None])
    kw = np.where(in_run, excess, np.where(tail, tail_kw, 0.0))
    pos = days.triple(days.pos, -1)[:, column : column + excess.shape[1]]
    take = (in_run | tail) & (pos >= 0)
    out = np.zeros(n)
    np.add.at(out, pos[take], kw[take] * days.step_min / 60.0)
    return out, power[shows]


def _midday_top_up(
    days: _Days,
    offpeak_windows: Iterable[tuple[str, str]] | None,
    rules: FlexibilityRules,
    rise: float,
    n: int,
) -> np.ndarray:
    """The heater's run at the start of a midday off-peak window, on any day [kWh per step].

    Under the new scheme the contact also closes at midday and the tank tops
    up; that run belongs to the same load, or a move would stack on it. Taken
    when the power is the night block's within ``max_rise_cv``, even if short.
    """
    out = np.zeros(n)
    low, high = (_minutes(t) for t in rules.solar_window)
    for start, _ in offpeak_windows or ():
        if not low <= _minutes(start) < high:
            continue
        column = days.spd + _minutes(start) // days.step_min
        excess, run, _, has_data = _block_on(days, column, rules)
        in_run = np.arange(excess.shape[1])[None, :] < run[:, None]
        power = np.where(in_run, excess, 0.0).sum(axis=1) / np.maximum(run, 1)
        shows = has_data & (run >= 1) & (np.abs(power / rise - 1) <= rules.max_rise_cv)
        out += _block_energy(days, column, excess, run, shows, n, rules.wh_min_rise_kw / 4)[0]
    return out


def detect_water_heater(
    consumption: pd.Series,
    offpeak_windows: Iterable[tuple[str, str]] | None = None,
    rules: FlexibilityRules | None = None,
) -> FlexibleLoad | None:
    """Find the water-heater block at the start of the night off-peak window.

    For every candidate start (each night off-peak start and the steps within
    ``wh_start_tolerance_min`` after it, or every step of ``night_search``
    when the windows are unknown), every day is tested at once: the lowest power
    in the hour before is the day's level; the block is the run of steps
    whose power exceeds it by ``wh_min_rise_kw`` or more, which must last
    ``wh_min_hours`` to ``wh_max_hours`` and stay below ``wh_max_rise_kw``.
    The start shown by the most days wins; it is reported when it recurs on
    ``wh_min_share_of_nights`` of the nights and ``min_days`` days at least,
    rises ``min_snr`` times above the curve's noise and draws a steady power
    (coefficient of variation at most ``max_rise_cv`` between days and
    ``max_plateau_cv`` within a block). A night where the car starts with the
    heater rises above ``wh_max_rise_kw`` and does not count: a car charged
    every night at the same moment hides the heater.

    Parameters
    ----------
    consumption : pandas.Series
        Energy per step [kWh], tz-aware regular index (30 min for Linky).
    offpeak_windows : iterable of (str, str), optional
        The household's off-peak windows [local HH:MM]; searched when None.
    rules : FlexibilityRules, optional

    Returns
    -------
    FlexibleLoad or None
        The block (energy per step = the excess over the level before it,
        the partial step after it included), with its midday top-up when a
        window given starts inside ``solar_window``; None when there is none.
    """
    rules = rules or FlexibilityRules()
    days = _days(consumption)
    best = None
    for slot in _candidate_slots(days, offpeak_windows, rules):
        found = _block_on(days, days.spd + slot, rules)
        if best is None or found[2].sum() > best[1][2].sum():
            best = (slot, found)
    if best is None:
        return None
    slot, (excess, run, shows, has_data) = best
    n_days, n_data = int(shows.sum()), int(has_data.sum())
    if n_days < rules.min_days or n_days < rules.wh_min_share_of_nights * n_data:
        return None
    energy, power = _block_energy(
        days, days.spd + slot, excess, run, shows, len(consumption), rules.wh_min_rise_kw / 4
    )
    cols = np.arange(excess.shape[1])[None, :]
    in_run = (cols < run[:, None]) & shows[:, None]
    rise, cv = float(np.median(excess[in_run])), _cv(power)
    # the last step may be partial: the element stops when the tank is hot
    flat = _plateau_cv(excess, in_run & (cols < run[:, None] - 1), shows)
    if (
        rise < rules.min_snr * _noise_kw(days)
        or max(cv - rules.max_rise_cv, flat - rules.max_plateau_cv) > 0
    ):
        return None
    energy += _midday_top_up(days, offpeak_windows, rules, rise, len(consumption))
    total = float(energy.sum())
    n_days = int((np.bincount(_served_day(consumption.index), energy) > 0).sum())
    return FlexibleLoad(
        kind="water_heater",
        origin="detected",
        daily_energy_kwh=total / n_days,
        power_kw=rise,
        start=_clock(slot * days.step_min),
        days=n_days,
        annual_kwh=total * 365.0 / max(n_data, 1),
        confidence=float(min(1.0, n_days / n_data) * max(0.0, 1.0 - cv)),
        energy=pd.Series(energy, index=consumption.index, name="water_heater_kwh"),
    )


def _low_level(power: np.ndarray) -> np.ndarray:
    """Each day's lower quartile of power [kW] (NaN for a day without data)."""
    ordered = np.sort(power, axis=1)  # NaN sort last
    count = np.isfinite(power).sum(axis=1)
    pick = np.maximum(count - 1, 0) // 4
    level = ordered[np.arange(len(power)), pick]
    return np.where(count > 0, level, np.nan)


@dataclass(frozen=True)
class _Sessions:
    """Each day's longest high run in the search range (columns of ``power``)."""

    power: np.ndarray  # [kW], days x search range, ``pad`` steps either side
    pos: np.ndarray  # position of each column in the curve, -1 where none
    level: np.ndarray  # each day's lower quartile [kW]
    start: np.ndarray  # first column of the run, days x 1
    end: np.ndarray  # last column of the run
    length: np.ndarray  # [steps]
    sessions: np.ndarray  # the days whose run is a session
    first_slot: int  # slot of the day of column 0


_PAD = 2  # steps either side of a session: its partial edges, then its own level


def _ev_sessions(days: _Days, rules: FlexibilityRules) -> _Sessions:
    step, spd = days.step_min, days.spd
    first, last = (_minutes(t) // step for t in rules.ev_search)
    cols = slice(spd + first - _PAD, spd + first + ((last - first) % spd or spd) + _PAD)
    level = _low_level(days.power)
    power = days.triple(days.power, np.nan)[:, cols]
    high = np.nan_to_num(power - level[:, None], nan=-np.inf) >= rules.ev_min_kw
    high[:, :_PAD] = high[:, -_PAD:] = False
    runs = _runs(high)
    length, end = runs.max(axis=1), runs.argmax(axis=1)
    # at least 3 steps, so that two full ones show the plateau's flatness
    sessions = length >= max(3, math.ceil(rules.ev_min_hours * 60 / step))
    pos = days.triple(days.pos, -1)[:, cols]
    start = (end - length + 1)[:, None]
    return _Sessions(power, pos, level, start, end, length, sessions, first - _PAD)


def _session_energy(
    s: _Sessions, rules: FlexibilityRules, step: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Measure the sessions.

    Returns the excess over each session's own level [kW], the run mask, each
    day's session power [kW] and the sessions' energy per step of the curve [kWh].
    """
    cols = np.arange(s.power.shape[1])[None, :]
    end = s.end[:, None]
    in_run = (cols >= s.start) & (cols <= end) & s.sessions[:, None]
    # The session's own level: the lowest of the two steps either side of it.
    around = ((cols >= s.start - _PAD) & (cols < s.start)) | ((cols > end) & (cols <= end + _PAD))
    local = _row_min(np.where(around, s.power, np.nan))
    excess = s.power - np.where(np.isfinite(local), local, s.level)[:, None]
    power = np.where(in_run, excess, 0.0).sum(axis=1) / np.maximum(s.length, 1)
    edge = ((cols == s.start - 1) | (cols == end + 1)) & s.sessions[:, None]
    edge &= np.nan_to_num(excess) >= rules.ev_min_kw / 4  # a partial step, not noise
    kw = np.where(in_run | edge, np.minimum(np.nan_to_num(excess), power[:, None]), 0.0)
    take = (in_run | edge) & (s.pos >= 0)
    energy = np.zeros(n)
    np.add.at(energy, s.pos[take], kw[take] * step / 60.0)
    return excess, in_run, power, energy


def detect_ev(
    consumption: pd.Series,
    rules: FlexibilityRules | None = None,
) -> FlexibleLoad | None:
    """Find electric-car charging: a long plateau of ``ev_min_kw`` or more.

    Every day at once: in the ``ev_search`` range (evening to next morning)
    the longest run of steps at ``ev_min_kw`` or more above the day's lower
    quartile of power is the day's session when it lasts ``ev_min_hours``
    (3 steps at least). Its power is measured over its own level, the lowest
    of the two steps either side. Reported with ``ev_min_sessions`` sessions
    and ``ev_min_sessions_per_week`` a week at least, a median power
    ``min_snr`` times above the noise, a steady power (``max_rise_cv`` between
    sessions, ``max_plateau_cv`` within one) and a day that is not as high
    elsewhere (``ev_max_high_elsewhere``). Take the water heater out first
    (:func:`detect_loads` does), or a 3 kW element could pass.

    Parameters
    ----------
    consumption : pandas.Series
        Energy per step [kWh], tz-aware regular index.
    rules : FlexibilityRules, optional

    Returns
    -------
    FlexibleLoad or None
        The sessions (energy per step = the excess over the session's level,
        the partial steps either side included), or None.
    """
    rules = rules or FlexibilityRules()
    days = _days(consumption)
    s = _ev_sessions(days, rules)
    n_data, n_sessions = int(np.isfinite(s.level).sum()), int(s.sessions.sum())
    needed = max(rules.ev_min_sessions, rules.ev_min_sessions_per_week * n_data / 7.0)
    if n_sessions == 0 or n_sessions < needed:
        return None
    excess, in_run, power, energy = _session_energy(s, rules, days.step_min, len(consumption))
    rise, cv = float(np.median(excess[in_run])), _cv(power[s.sessions])
    # the last step may be partial, or the charge tapering as the battery fills
    cols = np.arange(excess.shape[1])[None, :]
    flat = _plateau_cv(excess, in_run & (cols < s.end[:, None]), s.sessions)
    above = np.nan_to_num(days.power - s.level[:, None], nan=-np.inf) >= rules.ev_min_kw
    elsewhere = np.clip(above.sum(axis=1) - s.length, 0, None) / days.spd
    if (
        np.median(elsewhere[s.sessions]) > rules.ev_max_high_elsewhere
        or rise < rules.min_snr * _noise_kw(days)
        or max(cv - rules.max_rise_cv, flat - rules.max_plateau_cv) > 0
    ):
        return None
    total = float(energy.sum())
    start_slot = int(np.median(s.start[s.sessions, 0])) + s.first_slot
    return FlexibleLoad(
        kind="ev",
        origin="detected",
        daily_energy_kwh=total / n_sessions,
        power_kw=rise,
        start=_clock(start_slot * days.step_min),
        days=n_sessions,
        annual_kwh=total * 365.0 / max(n_data, 1),
        confidence=float(min(1.0, n_sessions * 7.0 / n_data / 3.0) * max(0.0, 1.0 - cv)),
        energy=pd.Series(energy, index=consumption.index, name="ev_kwh"),
    )


def detect_loads(
    consumption: pd.Series,
    offpeak_windows: Iterable[tuple[str, str]] | None = None,
    rules: FlexibilityRules | None = None,
) -> list[FlexibleLoad]:
    """Detect the water heater, then the car on what is left of the curve."""
    loads = []
    water = detect_water_heater(consumption, offpeak_windows, rules)
    rest = consumption
    if water is not None:
        loads.append(water)
        rest = consumption - water.energy
    car = detect_ev(rest, rules)
    if car is not None:
        loads.append(car)
    return loads


def modelled_loads(energy: pd.Series, meta: Mapping[str, Any]) -> list[FlexibleLoad]:
    """The movable components of an estimated profile (``estimate_profile``'s meta).

    The off-peak water heater (a ``"daytime"`` one already runs in the day)
    and the car, each with the power the model gives it and confidence 1.
    """
    components = meta["components"]
    household = meta["household"]
    step_h = meta["step_min"] / 60.0
    loads = []
    for kind, active in (
        ("water_heater", household["water_heater"] == "offpeak"),
        ("ev", household["ev_km_per_year"] > 0),
    ):
        series = components[kind].reindex(energy.index).fillna(0.0).rename(f"{kind}_kwh")
        if not active or series.sum() <= 0:
            continue
        days = _days(series)
        daily = np.nansum(days.power, axis=1) * days.step_min / 60.0
        running = daily > 1e-9
        first_on = np.argmax(np.nan_to_num(days.power[running]) > 0, axis=1)
        loads.append(
            FlexibleLoad(
                kind=kind,
                origin="modelled",
                daily_energy_kwh=float(daily[running].mean()),
                # Scaled to the bill like its energy: the largest step shows it.
                power_kw=float(series.max() / step_h),
                start=_clock(int(np.median(first_on)) * days.step_min),
                days=int(running.sum()),
                annual_kwh=float(series.sum()) * _year_factor(series.index),
                confidence=1.0,
                energy=series,
            )
        )
    return loads


def flexible_loads(
    consumption: pd.Series,
    meta: Mapping[str, Any] | None = None,
    offpeak_windows: Iterable[tuple[str, str]] | None = None,
    rules: FlexibilityRules | None = None,
) -> list[FlexibleLoad]:
    """The modelled loads of an estimate, or the loads detected on a measured curve."""
    if meta is not None and meta.get("is_estimate") and "components" in meta:
        return modelled_loads(consumption, meta)
    return detect_loads(consumption, offpeak_windows, rules)


# --- moving a load into the solar window --------------------------------------------------


def _year_factor(index: pd.DatetimeIndex) -> float:
    """365 days over the days the curve covers [-]."""
    return 365.0 * 1440.0 / (len(index) * _step_minutes(index))


def solar_window(tariff: Tariff | None = None, rules: FlexibilityRules | None = None):
    """Where moved loads go [local minutes]: the tariff's midday off-peak window, else 11-17.

    The household's midday off-peak window (one inside ``rules.solar_window``)
    when the tariff is HP/HC and has one, so that what the sun does not cover
    is still bought off-peak; the whole ``rules.solar_window`` otherwise.
    """
    tariff, rules = tariff or Tariff(), rules or FlexibilityRules()
    low, high = (_minutes(t) for t in rules.solar_window)
    if tariff.option == "hphc":
        for start, end in tariff.offpeak_windows:
            s, e = _minutes(start), _minutes(end) or 1440
            if low <= s < e <= high:
                return s, e
    return low, high


def _best_start(production: pd.Series, days: _Days, window: tuple[int, int], length: int) -> int:
    """Slot where ``length`` steps inside ``window`` catch the most production on average."""
    prod = _days(production)
    if prod.spd != days.spd:
        raise ValueError("production and consumption must share one time grid")
    mean = np.nansum(prod.power, axis=0)
    first, last = window[0] // days.step_min, window[1] // days.step_min
    length = int(min(max(length, 1), last - first))
    sums = np.convolve(mean[first:last], np.ones(length), mode="valid")
    return first + int(np.argmax(sums))


def shift_load(
    consumption: pd.Series,
    load: FlexibleLoad,
    production: pd.Series,
    tariff: Tariff | None = None,
    rules: FlexibilityRules | None = None,
) -> tuple[pd.Series, tuple[str, str]]:
    """Move a load into the solar window, keeping each day's energy.

    Each step of the load belongs to the day it serves: the local date four
    hours later (a block starting at 22:00 serves the next day; one at 01:00
    or 18:00 the same day; the year is circular, as in :mod:`planner.estimate`).
    That day's energy is taken out and laid again from the start that catches
    the most production (mean over the curve) in :func:`solar_window`, at the
    load's power per step, the last step partial; if the day after that start
    cannot take it at that power, it is spread evenly there. A day whose
    target steps have no data keeps its load where it was.

    Parameters
    ----------
    consumption : pandas.Series
        Energy per step [kWh], tz-aware regular index.
    load : FlexibleLoad
        A load of this curve.
    production : pandas.Series
        Production available to the household [kWh per step], same index.
    tariff : Tariff, optional
    rules : FlexibilityRules, optional

    Returns
    -------
    pandas.Series
        The new curve [kWh per step]; each day served keeps its energy.
    tuple of (str, str)
        The usual moved block, start and end [local HH:MM].
    """
    days = _days(consumption)
    step, spd = days.step_min, days.spd
    cap = load.power_kw * step / 60.0
    window = solar_window(tariff, rules)
    length = math.ceil(load.daily_energy_kwh / cap - 1e-9) if cap > 0 else 1
    target = _best_start(production, days, window, length)
    block = load.energy.reindex(consumption.index).fillna(0.0).to_numpy(dtype=float)
    owner = _served_day(consumption.index) % len(days.power)
    daily = np.bincount(owner, block, minlength=len(days.power))
    slots = np.arange(spd)[None, :]
    free = (slots >= target) & (days.pos >= 0)
    count = free.sum(axis=1)
    moved = (daily > 0) & (count > 0)
    rank = np.cumsum(free, axis=1) - 1
    energy = daily[:, None]
    even = energy / np.maximum(count, 1)[:, None]
    ramp = np.clip(energy - rank * cap, 0.0, cap)
    laid = np.where(free & moved[:, None], np.where(energy > count[:, None] * cap, even, ramp), 0.0)
    new = consumption.to_numpy(dtype=float) - np.where(moved[owner], block, 0.0)
    np.add.at(new, days.pos[free], laid[free])
    end = target * step + min(length, spd - target) * step
    new[(new < 0) & (new > -1e-9)] = 0.0  # rounding of a block taken out whole
    shifted = pd.Series(new, index=consumption.index, name=consumption.name)
    return shifted, (_clock(target * step), _clock(end))


# --- what a move is worth -----------------------------------------------------------------


def grid_prices(index: pd.DatetimeIndex, tariff: Tariff | None = None) -> np.ndarray:
    """Price of a grid kWh at each step [EUR/kWh]: off-peak or peak, or Base."""
    tariff = tariff or Tariff()
    if tariff.option == "base":
        return np.full(len(index), tariff.base_eur_per_kwh)
    local = index.tz_convert(TIMEZONE)
    minute = np.asarray(local.hour * 60 + local.minute)
    offpeak = np.zeros(len(index), dtype=bool)
    for start, end in tariff.offpeak_windows:
        s, e = _minutes(start), _minutes(end)
        offpeak |= ((minute >= s) & (minute < e)) if s < e else ((minute >= s) | (minute < e))
    return np.where(offpeak, tariff.offpeak_eur_per_kwh, tariff.peak_eur_per_kwh)


def _bill(cons: np.ndarray, autocons: np.ndarray, price: np.ndarray, solar: float) -> float:
    """What the household pays [EUR]: grid kWh at their price, self-consumed at ``solar``."""
    return float(((cons - autocons) * price).sum() + autocons.sum() * solar)


def _collective_autocons(production: np.ndarray, total: np.ndarray) -> float:
    # With any key that gives away every kWh it can (dynamic default, priority
    # cascades with redistribution), the collective self-consumes min(P, sum C).
    return float(np.minimum(production, total).sum())


def geste(
    consumption: pd.Series,
    load: FlexibleLoad,
    production: pd.Series,
    *,
    tariff: Tariff | None = None,
    rules: FlexibilityRules | None = None,
    collective_production: pd.Series | None = None,
    collective_consumption: pd.Series | None = None,
    participant: str = "",
) -> Geste:
    """What moving ``load`` into the solar window brings, per year.

    Parameters
    ----------
    consumption : pandas.Series
        The household's energy per step [kWh], tz-aware regular index.
    load : FlexibleLoad
        One of its loads (:func:`flexible_loads`).
    production : pandas.Series
        Production available to the household [kWh per step], same index: its
        share of the collective production (a static share, say), or its own
        roof's. A dynamic allocation computed on the current consumption is
        capped by it and would hide the gain.
    tariff : Tariff, optional
        Prices; the household's off-peak windows. Regulated HP/HC by default.
    rules : FlexibilityRules, optional
    collective_production, collective_consumption : pandas.Series, optional
        The collective's production and total consumption, this household
        included [kWh per step], same index; without them the collective
        figures are NaN.
    participant : str
        Who, as the caller names them.

    Returns
    -------
    Geste
        Energies per year (the curve's totals scaled to 365 days).
    """
    tariff = tariff or Tariff()
    shifted, window = shift_load(consumption, load, production, tariff, rules)
    year = _year_factor(consumption.index)
    before, steps_before = flows(production, consumption)
    after, steps_after = flows(production, shifted)
    price = grid_prices(consumption.index, tariff)
    cost = [
        _bill(s["CONS"].to_numpy(), s["AUTOCONS"].to_numpy(), price, tariff.solar_eur_per_kwh)
        for s in (steps_before, steps_after)
    ]
    shift = (shifted - consumption).rename("shift_kwh")
    collective_kwh = delta_pp = math.nan
    if collective_production is not None and collective_consumption is not None:
        for series in (collective_production, collective_consumption):
            if not series.index.equals(consumption.index):
                raise ValueError("the collective's curves must share the household's time grid")
        p = collective_production.to_numpy(dtype=float)
        total = collective_consumption.to_numpy(dtype=float)
        gain = _collective_autocons(p, total + shift.to_numpy()) - _collective_autocons(p, total)
        collective_kwh = gain * year
        delta_pp = 100.0 * gain / p.sum() if p.sum() > 0 else math.nan
    return Geste(
        participant=participant,
        kind=load.kind,
        origin=load.origin,
        daily_energy_kwh=load.daily_energy_kwh,
        power_kw=load.power_kw,
        confidence=load.confidence,
        window=window,
        moved_kwh=float(shift.clip(lower=0).sum()) * year,
        extra_autocons_kwh=(after.autocons_kwh - before.autocons_kwh) * year,
        savings_eur=(cost[0] - cost[1]) * year,
        collective_extra_autocons_kwh=collective_kwh,
        delta_collective_self_consumption=delta_pp,
        shift=shift,
    )


def gestes(
    consumption: pd.Series,
    production: pd.Series,
    *,
    meta: Mapping[str, Any] | None = None,
    offpeak_windows: Iterable[tuple[str, str]] | None = None,
    tariff: Tariff | None = None,
    rules: FlexibilityRules | None = None,
    collective_production: pd.Series | None = None,
    collective_consumption: pd.Series | None = None,
    participant: str = "",
) -> list[Geste]:
    """Every geste of one household: its loads (:func:`flexible_loads`), each moved alone.

    ``meta`` is :func:`planner.estimate.estimate_profile`'s for an estimated
    profile; the other parameters are :func:`geste`'s.
    """
    return [
        geste(
            consumption,
            load,
            production,
            tariff=tariff,
            rules=rules,
            collective_production=collective_production,
            collective_consumption=collective_consumption,
            participant=participant,
        )
        for load in flexible_loads(consumption, meta, offpeak_windows, rules)
    ]


def collective_gestes(
    consumption: pd.DataFrame,
    production: pd.Series,
    *,
    shares: Mapping[str, float] | None = None,
    metas: Mapping[str, Mapping[str, Any]] | None = None,
    offpeak_windows: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    tariffs: Tariff | Mapping[str, Tariff] | None = None,
    rules: FlexibilityRules | None = None,
) -> list[Geste]:
    """Every household's gestes in a collective, each valued alone.

    Parameters
    ----------
    consumption : pandas.DataFrame
        Energy per step [kWh], time x participant.
    production : pandas.Series
        Collective production [kWh per step], same index.
    shares : mapping of participant to float, optional
        Each household's share of the production [-] (a static key). By
        default its share of the collective's consumption over the curve (our
        assumption: what a dynamic key gives it on average).
    metas : mapping of participant to dict, optional
        ``estimate_profile``'s meta for households with an estimated profile.
    offpeak_windows : mapping of participant to windows, optional
        Known off-peak windows of households with a measured curve.
    tariffs : Tariff or mapping of participant to Tariff, optional
    rules : FlexibilityRules, optional

    Returns
    -------
    list of Geste
        With the collective figures filled in; pass them to :func:`everyone`.
    """
    total = consumption.sum(axis=1)
    if shares is None:
        grand = float(total.sum())
        shares = {n: float(consumption[n].sum()) / grand if grand > 0 else 0.0 for n in consumption}
    out: list[Geste] = []
    for name in consumption.columns:
        tariff = tariffs.get(name) if isinstance(tariffs, Mapping) else tariffs
        out += gestes(
            consumption[name],
            production * shares.get(name, 0.0),
            meta=(metas or {}).get(name),
            offpeak_windows=(offpeak_windows or {}).get(name),
            tariff=tariff,
            rules=rules,
            collective_production=production,
            collective_consumption=total,
            participant=str(name),
        )
    return out


def _dynamic_default(consumption: np.ndarray, production: np.ndarray) -> np.ndarray:
    """AUTOCONS per step and participant under the dynamic default key [kWh]."""
    total = consumption.sum(axis=1)
    ratio = np.where(total > 0, np.minimum(1.0, production / np.where(total > 0, total, 1.0)), 0.0)
    return consumption * ratio[:, None]


def everyone(
    consumption: pd.DataFrame,
    production: pd.Series,
    moves: Iterable[Geste],
    tariffs: Tariff | Mapping[str, Tariff] | None = None,
) -> CollectiveGestes:
    """The collective if every household made its moves, all at once.

    The joint gain is computed on the collective's curves with every move
    applied, not added up from the gestes: the same surplus hour would be
    counted once per household moving a load into it, while it can be
    self-consumed only once. ``sum_of_individual_kwh`` gives that sum for
    comparison. The joint gain is at most the sum whenever, at every step
    with production, the moves all add load or all take it away (min(P, .)
    is concave): the case of loads leaving the night for the midday; a load
    taken out of an hour with a surplus could break it.

    Parameters
    ----------
    consumption : pandas.DataFrame
        Energy per step [kWh], time x participant (the names of the gestes).
    production : pandas.Series
        Collective production [kWh per step], same index.
    moves : iterable of Geste
        The gestes to apply; a household's several gestes add up (each moves
        its own load).
    tariffs : Tariff or mapping of participant to Tariff, optional
        To price each household's bill; regulated HP/HC by default.

    Returns
    -------
    CollectiveGestes
        Totals per year (scaled to 365 days). The euros are the sum of the
        households' bill changes when the production is shared with the
        dynamic default key (pro rata of consumption, capped).
    """
    if not production.index.equals(consumption.index):
        raise ValueError("production and consumption must share one time grid")
    moves = list(moves)
    c = consumption.to_numpy(dtype=float)
    delta = np.zeros_like(c)
    column = {name: k for k, name in enumerate(consumption.columns)}
    for move in moves:
        if not move.shift.index.equals(consumption.index):
            raise ValueError("every move must be on the collective's time grid")
        delta[:, column[move.participant]] += move.shift.to_numpy()
    p = production.to_numpy(dtype=float)
    year = _year_factor(consumption.index)
    before = _collective_autocons(p, c.sum(axis=1))
    after = _collective_autocons(p, (c + delta).sum(axis=1))
    individual = sum(
        _collective_autocons(p, c.sum(axis=1) + m.shift.to_numpy()) - before for m in moves
    )
    savings = 0.0
    a_before, a_after = _dynamic_default(c, p), _dynamic_default(c + delta, p)
    for name, k in column.items():
        tariff = tariffs.get(name, Tariff()) if isinstance(tariffs, Mapping) else tariffs
        tariff = tariff or Tariff()
        price = grid_prices(consumption.index, tariff)
        solar = tariff.solar_eur_per_kwh
        savings += _bill(c[:, k], a_before[:, k], price, solar)
        savings -= _bill(c[:, k] + delta[:, k], a_after[:, k], price, solar)
    prod, cons = float(p.sum()), float(c.sum())
    return CollectiveGestes(
        prod_kwh=prod * year,
        cons_kwh=cons * year,
        autocons_before_kwh=before * year,
        autocons_after_kwh=after * year,
        extra_autocons_kwh=(after - before) * year,
        sum_of_individual_kwh=float(individual) * year,
        self_consumption_rate_before=before / prod if prod > 0 else math.nan,
        self_consumption_rate_after=after / prod if prod > 0 else math.nan,
        self_production_rate_before=before / cons if cons > 0 else math.nan,
        self_production_rate_after=after / cons if cons > 0 else math.nan,
        savings_eur=savings * year,
        households=len({m.participant for m in moves}),
    )
