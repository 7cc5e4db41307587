"""A measured load curve laid on the project's typical year.

Household curves arrive in many shapes: a few weeks or several years, 10-, 15-,
30- or 60-minute steps, with gaps. Production is simulated on one typical year
(:data:`solar.typical_year.TYPICAL_YEAR`, Europe/Paris, labels at the interval
start), so :func:`to_typical_year` turns any measured series into one profile
on that grid, at the 15-min (ACC settlement) or 30-min (Linky) step.

Method
------
1. **Step.** Energy is moved to the target step conserving it: each source
   interval is split evenly into sub-intervals of ``gcd(source, target)``
   minutes (a 30-min mean holds no information on how the half-hour was used
   inside, so the even split is our assumption), which are then summed into
   target intervals. 10 -> 30 min sums three values, 60 -> 30 min halves
   each hour, 30 -> 15 min halves each half-hour. A target interval that is
   only partly measured is a gap.
2. **Gaps inside measured days**, in order:
   (a) the mean of the same local clock time on days of the same class
   (weekday, French public holidays counting as Sundays) one, two and three
   weeks before and after, where measured; (b) for days still incomplete but
   at least half known, the mean daily shape of complete days of the same
   class, scaled to the known part of the day ("daily-shape scaling"). Days
   still incomplete are dropped (counted in the report).
3. **Days of the typical year.** For every day of 2025, take from each
   measured calendar year the complete day of the same class nearest in day of
   year (circular, so late December neighbours early January), at most
   ``max_shift_days`` away, and average those days over the years. A full
   measured 2025 maps onto itself, so its energy is preserved exactly.
4. **Clock changes.** Days are handled as 24-h local clock vectors: the
   repeated 02:00 hour of an October day is kept as two occurrences; on the
   23-h March day the missing 02:00 hour is, only when that day must stand
   for an ordinary day, the mean of the hours either side; an ordinary day
   standing for the 25-h day repeats its 02:00 hour, and the 23-h target day
   drops it.
5. **Days without a measured neighbour** (the missing seasons when only weeks
   were measured) are *extrapolated*: a reference shape -- the BDEW H25
   household profile (demandlib) by default, or any profile the caller
   passes, e.g. :func:`planner.estimate.estimate_profile` for an electrically
   heated home -- scaled by the ratio of measured to reference energy over
   the matched days within ``scale_window_days``, or over all matched days
   when none is that close. H25 has the seasonality of a home without
   electric heating; that is why such a profile is flagged as an estimate.

Every day of the typical year is counted once, in one of three kinds that sum
to 365: *measured* (its own calendar day was measured in some year, even if
the day that stands for it is a week away because the measured day was a
public holiday), *borrowed* from a neighbouring week (stage 3, its own day
was not measured) or *extrapolated* (stage 5).
``coverage`` is the share of the 365 days of the year (by day of year, any
measured year) covered by measured intervals; below ``min_coverage`` (80 % by
default, our assumption) the profile is flagged ``is_estimate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.estimate import (
    EstimateAssumptions,
    Household,
    _step_minutes,
    estimate_profile,
    french_holidays,
    h25_shape,
)
from quartier_solaire.errors import Problem, ReadError
from solar.typical_year import TIMEZONE, TYPICAL_YEAR, typical_year_index

_NEIGHBOUR_WEEKS = (1, -1, 2, -2, 3, -3)  # same class, 1-3 weeks apart (stage 2a)
_MIN_KNOWN_FOR_SHAPE = 0.5  # share of a day that must be known for shape scaling (2b)
_DAYS = 365


@dataclass(frozen=True)
class ProfileReport:
    """What :func:`to_typical_year` did.

    Attributes
    ----------
    is_estimate : bool
        True when ``coverage`` is below ``min_coverage``.
    coverage : float
        Share of the year's days covered by measured intervals [-], 0-1.
    filled_intervals : int
        Intervals that are not measured values: gap-filled intervals of the
        measured days plus every interval of an extrapolated day.
    gap_filled_intervals : int
        Filled from the same clock time one to three weeks apart (stage 2a).
    shape_filled_intervals : int
        Filled by daily-shape scaling (stage 2b).
    dropped_days : int
        Measured days too incomplete to use.
    matched_days : int
        Days of the typical year built from measured days.
    measured_days : int
        Matched days whose own calendar day (day of year) was measured and
        usable in some year.
    borrowed_days : int
        Matched days whose own calendar day was measured in no year: they were
        taken from a neighbouring week. ``measured_days + borrowed_days +
        extrapolated_days`` is always 365.
    extrapolated_days : int
        Days of the typical year built from the scaled reference shape.
    source_days : int
        Distinct measured days used.
    file_days : int
        Calendar days of the file holding at least one measured interval.
    measured_kwh : float
        Energy measured in the file, before any filling or step change [kWh].
    measured_from, measured_to : pandas.Timestamp
        Start of the first and end of the last measured interval, local time.
    annual_kwh : float
        Energy of the profile [kWh/yr].
    step_min, source_step_min : int
        Target and source steps [min].
    method : str
        One line describing the method (details in the module docstring).
    problems : tuple of Problem
        Findings for the user (low coverage, gaps filled, days extrapolated...).
    """

    is_estimate: bool
    coverage: float
    filled_intervals: int
    gap_filled_intervals: int
    shape_filled_intervals: int
    dropped_days: int
    matched_days: int
    measured_days: int
    borrowed_days: int
    extrapolated_days: int
    source_days: int
    file_days: int
    measured_kwh: float
    measured_from: pd.Timestamp
    measured_to: pd.Timestamp
    annual_kwh: float
    step_min: int
    source_step_min: int
    method: str
    problems: tuple[Problem, ...] = ()


def _bad_index(message: str, code: str = "profile_bad_index") -> ReadError:
    return ReadError(message, field="energy", code=code)


def _source_series(energy: pd.Series) -> tuple[pd.Series, int, list[Problem]]:
    """Return the series on a regular absolute grid, its step [min] and findings."""
    if not isinstance(energy, pd.Series) or not isinstance(energy.index, pd.DatetimeIndex):
        raise _bad_index("expected a Series of energy with a DatetimeIndex")
    if energy.index.tz is None:
        raise _bad_index("the time index must be time-zone aware")
    problems: list[Problem] = []
    values = pd.to_numeric(energy, errors="coerce").astype("float64")
    values = values[~values.index.duplicated(keep="first")].sort_index()
    values = values.tz_convert("UTC")
    if len(values) < 1:
        raise ReadError("no measured energy", field="energy", code="profile_no_data")
    if energy.index.freq is not None:
        step = pd.Timedelta(energy.index.freq)
    elif len(values) > 1:
        step = pd.Series(values.index).diff().min()
    else:
        raise _bad_index("the step cannot be known from one value", "profile_irregular_step")
    minutes = step.total_seconds() / 60
    if not (minutes >= 1 and minutes.is_integer() and 1440 % int(minutes) == 0):
        raise _bad_index(
            "the step must be a whole number of minutes dividing a day", "profile_irregular_step"
        )
    minutes = int(minutes)
    full = pd.date_range(values.index[0], values.index[-1], freq=f"{minutes}min")
    if not values.index.isin(full).all():
        raise _bad_index("timestamps are not on a regular step", "profile_irregular_step")
    values = values.reindex(full)
    bad = ~np.isfinite(values.to_numpy()) & values.notna().to_numpy()
    negative = (values < 0).to_numpy()
    if negative.any() or bad.any():
        count = int(negative.sum() + bad.sum())
        values[negative | bad] = np.nan
        problems.append(
            Problem(
                code="profile_negative_values",
                message="negative or infinite energies were treated as gaps",
                severity="dropped",
                field="energy",
                count=count,
            )
        )
    return values, minutes, problems


def _to_step(values: pd.Series, src: int, tgt: int) -> tuple[pd.Series, int]:
    """Move energy to the target step (even split into gcd sub-steps, then sums)."""
    epoch_min = values.index.as_unit("s").asi8 // 60
    offset = int(epoch_min[0] % tgt)
    base = math.gcd(src, tgt, offset) if offset else math.gcd(src, tgt)
    split = src // base
    sub_val = np.repeat(values.to_numpy() / split, split)
    sub_min = (epoch_min[:, None] + base * np.arange(split)[None, :]).ravel()
    bins = sub_min // tgt
    first_bin = bins[0]
    rel = bins - first_bin
    nbins = int(rel[-1]) + 1
    ok = np.isfinite(sub_val)
    sums = np.bincount(rel, np.where(ok, sub_val, 0.0), minlength=nbins)
    counts = np.bincount(rel, ok, minlength=nbins)
    need = tgt // base
    out = np.where(counts == need, sums, np.nan)
    partial = int(((counts > 0) & (counts < need)).sum())
    index = pd.date_range(
        pd.Timestamp(int(first_bin) * tgt * 60, unit="s", tz="UTC"),
        periods=nbins,
        freq=f"{tgt}min",
    ).tz_convert(TIMEZONE)
    return pd.Series(out, index=index), partial


def _local_layout(index: pd.DatetimeIndex, tgt: int, first_day: np.datetime64):
    """Day number, clock slot and 'second occurrence' flag of each interval."""
    naive = index.tz_localize(None)
    day = ((naive.normalize().to_numpy() - first_day) // np.timedelta64(1, "D")).astype(int)
    slot = np.asarray((naive.hour * 60 + naive.minute) // tgt)
    second = pd.Series(day * (1440 // tgt) + slot).duplicated().to_numpy()
    return day, slot, second


def _day_class(dates: pd.DatetimeIndex) -> np.ndarray:
    """Weekday 0-6 (Monday=0); French public holidays count as Sunday (6)."""
    years = range(dates.year.min(), dates.year.max() + 1)
    holidays = pd.DatetimeIndex([d for y in years for d in french_holidays(y)])
    cls = np.asarray(dates.day_of_week)
    return np.where(dates.isin(holidays), 6, cls)


def _doy365(dates: pd.DatetimeIndex) -> np.ndarray:
    """0-based day of year on a 365-day calendar (29 Feb shares 28 Feb's place)."""
    doy = np.asarray(dates.day_of_year - 1)
    leap = np.asarray(dates.is_leap_year)
    return np.where(leap & (doy >= 59), doy - 1, doy)


def _fill_missing_clock_hour(v1: np.ndarray, expect1: np.ndarray, sph: int) -> None:
    """Give the 02:00 hour that a spring day lacks the mean of the hours either side.

    That clock hour does not exist; it is used only when the 23-h day stands
    for an ordinary day of the typical year.
    """
    missing = ~expect1
    if not missing.any():
        return
    pair = np.stack([np.roll(v1, sph, axis=1), np.roll(v1, -sph, axis=1)])
    n_ok = np.isfinite(pair).sum(axis=0)
    mean = np.nansum(pair, axis=0) / np.maximum(n_ok, 1)
    use = missing & (n_ok > 0)
    v1[use] = mean[use]


def _circular(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = np.abs(a - b)
    return np.minimum(d, _DAYS - d)


@dataclass
class _Days:
    """The measurement as local day x clock slot tables, filled in place by stage 2.

    ``v1`` holds the first occurrence of each clock slot, ``v2`` the second
    occurrence of the repeated autumn hour; ``expect1``/``expect2`` say which
    slots exist on that day.
    """

    dates: pd.DatetimeIndex
    cls: np.ndarray
    doy: np.ndarray
    expect1: np.ndarray
    expect2: np.ndarray
    v1: np.ndarray
    v2: np.ndarray
    v_measured: np.ndarray
    n_expected: np.ndarray
    n_measured: np.ndarray

    @property
    def n_days(self) -> int:
        return len(self.dates)


def _check_min_coverage(min_coverage: float) -> None:
    if not 0.0 <= min_coverage <= 1.0:
        raise ReadError(
            "min_coverage must be between 0 and 1",
            field="min_coverage",
            code="profile_bad_parameter",
            params={"field": "min_coverage"},
        )


def _measured_period(source: pd.Series, src: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Start of the first and end of the last measured interval, local time."""
    measured = source.index[np.isfinite(source.to_numpy())]
    start = measured[0].tz_convert(TIMEZONE)
    end = (measured[-1] + pd.Timedelta(minutes=src)).tz_convert(TIMEZONE)
    return start, end


def _note_partial_intervals(on_step_partial: int, problems: list[Problem]) -> None:
    if on_step_partial:
        problems.append(
            Problem(
                code="profile_partial_intervals",
                message="intervals only partly measured at the target step were treated as gaps",
                severity="dropped",
                field="energy",
                count=on_step_partial,
            )
        )


def _day_tables(on_step: pd.Series, tgt: int) -> _Days:
    """Lay the series on full local days spanning the measurement (stage 4's vectors)."""
    slots = 1440 // tgt
    local_naive = on_step.index.tz_localize(None)
    first_day = local_naive[0].normalize()
    last_day = local_naive[-1].normalize()
    start = first_day.tz_localize(TIMEZONE)
    end = (last_day + pd.Timedelta(days=1)).tz_localize(TIMEZONE)
    full = pd.date_range(start, end, freq=f"{tgt}min", inclusive="left")
    n_days = int((last_day - first_day).days) + 1
    day, slot, second = _local_layout(full, tgt, first_day.to_datetime64())
    pos = ((on_step.index - full[0]) // pd.Timedelta(minutes=tgt)).to_numpy()
    full_vals = np.full(len(full), np.nan)
    full_vals[pos] = on_step.to_numpy()

    expect1 = np.zeros((n_days, slots), bool)
    expect2 = np.zeros((n_days, slots), bool)
    v1 = np.full((n_days, slots), np.nan)
    v2 = np.full((n_days, slots), np.nan)
    expect1[day[~second], slot[~second]] = True
    expect2[day[second], slot[second]] = True
    v1[day[~second], slot[~second]] = full_vals[~second]
    v2[day[second], slot[second]] = full_vals[second]
    dates = pd.DatetimeIndex(pd.date_range(first_day, periods=n_days, freq="D"))
    return _Days(
        dates=dates,
        cls=_day_class(dates),
        doy=_doy365(dates),
        expect1=expect1,
        expect2=expect2,
        v1=v1,
        v2=v2,
        v_measured=v1.copy(),  # before any filling
        n_expected=expect1.sum(axis=1) + expect2.sum(axis=1),
        n_measured=np.isfinite(v1).sum(axis=1) + np.isfinite(v2).sum(axis=1),
    )


def _coverage(days: _Days) -> float:
    """Share of the 365 days of the year measured, best measured year per day [-]."""
    frac = days.n_measured / days.n_expected
    best = np.zeros(_DAYS)
    np.maximum.at(best, days.doy, frac)
    return float(best.sum() / _DAYS)


def _fill_from_neighbour_weeks(days: _Days) -> int:
    """Stage 2a: same class and clock time, one to three weeks apart; return the count."""
    v1, v2 = days.v1, days.v2
    partial_day = (days.n_measured > 0) & (days.n_measured < days.n_expected)
    gap = days.expect1 & ~np.isfinite(v1) & partial_day[:, None]
    gap_second = days.expect2 & ~np.isfinite(v2)
    sums = np.zeros_like(v1)
    counts = np.zeros_like(v1)
    for weeks in _NEIGHBOUR_WEEKS:
        src_days = np.arange(days.n_days) + 7 * weeks
        ok = (src_days >= 0) & (src_days < days.n_days)
        rows = np.flatnonzero(ok)
        nb = src_days[ok]
        same = days.cls[nb] == days.cls[rows]
        rows, nb = rows[same], nb[same]
        vals = v1[nb]
        good = np.isfinite(vals)
        sums[rows] += np.where(good, vals, 0.0)
        counts[rows] += good
    fill_a = gap & (counts > 0)
    v1[fill_a] = sums[fill_a] / counts[fill_a]
    gap2 = gap_second & np.isfinite(v1)
    v2[gap2] = v1[gap2]
    return int(fill_a.sum() + gap2.sum())


def _clock_shape(step: str, tgt: int) -> np.ndarray:
    """The H25 clock shape averaged over the year, for when no day is complete."""
    slots = 1440 // tgt
    grid = typical_year_index(step)
    clock = np.asarray((grid.hour * 60 + grid.minute) // tgt)
    ref = np.asarray(h25_shape(step))
    return np.bincount(clock, ref, slots) / np.bincount(clock, minlength=slots)


def _fill_by_daily_shape(days: _Days, step: str, tgt: int) -> tuple[np.ndarray, int]:
    """Stage 2b: daily-shape scaling of days at least half known.

    Returns which days are complete (usable) and how many intervals were filled.
    """
    v1, v2, expect1, expect2 = days.v1, days.v2, days.expect1, days.expect2
    known1 = np.isfinite(v1) & expect1
    known2 = np.isfinite(v2) & expect2
    complete = (known1 | ~expect1).all(axis=1) & (known2 | ~expect2).all(axis=1)
    complete &= days.n_measured > 0
    incomplete = np.flatnonzero((days.n_measured > 0) & ~complete)
    if not len(incomplete):
        return complete, 0
    shapes = np.where(np.isfinite(v1), v1, 0.0)
    totals = shapes.sum(axis=1, keepdims=True)
    norm = np.divide(shapes, totals, out=np.zeros_like(shapes), where=totals > 0)
    pool_all = complete.copy()
    shape_all = norm[pool_all].mean(axis=0) if pool_all.any() else _clock_shape(step, tgt)
    shape_by_class = {}
    for c in np.unique(days.cls[incomplete]):
        pool = pool_all & (days.cls == c)
        shape_by_class[c] = norm[pool].mean(axis=0) if pool.any() else shape_all
    filled = 0
    for d in incomplete:
        known_share = (known1[d].sum() + known2[d].sum()) / days.n_expected[d]
        if known_share < _MIN_KNOWN_FOR_SHAPE:
            continue
        shape = shape_by_class[days.cls[d]]
        have = known1[d]
        scale_den = shape[have].sum()
        if scale_den <= 0:
            continue
        scale = v1[d, have].sum() / scale_den
        miss = expect1[d] & ~have
        v1[d, miss] = shape[miss] * scale
        filled += int(miss.sum())
        miss2 = expect2[d] & ~np.isfinite(v2[d])
        v2[d, miss2] = v1[d, miss2]
        filled += int(miss2.sum())
        complete[d] = True
    return complete, filled


@dataclass(frozen=True)
class _Match:
    """Stage 3's choice: for each typical day, the source day of each measured year."""

    choice: np.ndarray  # (365, years) index into the usable source days, -1 for none
    valid: np.ndarray
    n_src: np.ndarray
    matched: np.ndarray
    measured: np.ndarray  # the typical day's own calendar day is measured in some year


def _match_days(days: _Days, src_idx: np.ndarray, max_shift_days: int) -> _Match:
    """Stage 3: nearest same-class day of each measured year (circular day of year)."""
    t_dates = pd.DatetimeIndex(pd.date_range(f"{TYPICAL_YEAR}-01-01", periods=_DAYS, freq="D"))
    t_cls = _day_class(t_dates)
    t_doy = np.arange(_DAYS)
    s_cls, s_doy = days.cls[src_idx], days.doy[src_idx]
    s_year = np.asarray(days.dates.year)[src_idx]
    chosen: list[np.ndarray] = []
    for year in np.unique(s_year):
        in_year = np.flatnonzero(s_year == year)
        dist = _circular(t_doy[:, None], s_doy[in_year][None, :]).astype(float)
        dist[t_cls[:, None] != s_cls[in_year][None, :]] = np.inf
        pick = np.argmin(dist, axis=1)
        ok = np.isfinite(dist[t_doy, pick]) & (dist[t_doy, pick] <= max_shift_days)
        chosen.append(np.where(ok, in_year[pick], -1))
    choice = np.stack(chosen, axis=1) if chosen else np.full((_DAYS, 1), -1)
    valid = choice >= 0
    n_src = valid.sum(axis=1)
    matched = n_src > 0
    # A day is "measured" when its own calendar day was usable in some year,
    # whatever the class: a Monday that was a holiday in the measured year is
    # built from the Monday a week away, but the day itself was measured.
    own_day = np.zeros(_DAYS, bool)
    own_day[s_doy] = True
    return _Match(choice, valid, n_src, matched, matched & own_day)


def _lay_on_grid(days: _Days, src_idx: np.ndarray, match: _Match, grid, tgt: int) -> np.ndarray:
    """Stages 3-4: average the chosen days over years, handling the clock changes."""
    slots = 1440 // tgt
    # Per source day, clock vectors for: an ordinary target day (repeated hour
    # averaged), and the 25-h target day (first and second occurrences).
    has2 = days.expect2[src_idx]
    v_first = days.v1[src_idx]
    v_second = np.where(has2, days.v2[src_idx], v_first)
    v_mean = np.where(has2, 0.5 * (v_first + v_second), v_first)
    safe = np.where(match.valid, match.choice, 0)

    def _average(table: np.ndarray) -> np.ndarray:
        if not len(table):
            return np.full((_DAYS, slots), np.nan)
        picked = np.where(match.valid[:, :, None], table[safe], 0.0)
        return picked.sum(axis=1) / np.maximum(match.n_src, 1)[:, None]

    t_mean, t_first, t_second = _average(v_mean), _average(v_first), _average(v_second)
    g_day, g_slot, g_second = _local_layout(grid, tgt, np.datetime64(f"{TYPICAL_YEAR}-01-01"))
    long_day = np.zeros(_DAYS, bool)
    long_day[g_day[g_second]] = True
    first_table = np.where(long_day[:, None], t_first, t_mean)
    return np.where(g_second, t_second[g_day, g_slot], first_table[g_day, g_slot])


def _reference_shape(reference: pd.Series | None, step: str, grid) -> tuple[np.ndarray, str]:
    """The shape of extrapolated days and its name (stage 5)."""
    if reference is None:
        return np.asarray(h25_shape(step), dtype=float), "BDEW H25 (demandlib)"
    if not isinstance(reference, pd.Series):
        raise ReadError(
            "reference must be a Series", field="reference", code="profile_bad_reference"
        )
    ref = pd.to_numeric(reference, errors="coerce").reindex(grid).to_numpy(dtype=float)
    if not np.isfinite(ref).all() or (ref < 0).any() or ref.sum() <= 0:
        raise ReadError(
            "reference must cover the typical-year grid with energies >= 0",
            field="reference",
            code="profile_bad_reference",
        )
    return ref, str(reference.name or "caller's reference")


def _extrapolate(
    out: np.ndarray,
    matched: np.ndarray,
    ref: np.ndarray,
    days: _Days,
    grid,
    tgt: int,
    scale_window_days: int,
) -> np.ndarray:
    """Stage 5: unmatched days from the reference, scaled to the measured days."""
    slots = 1440 // tgt
    g_day, g_slot, g_second = _local_layout(grid, tgt, np.datetime64(f"{TYPICAL_YEAR}-01-01"))
    out_day = np.bincount(g_day, np.where(np.isfinite(out), out, 0.0), minlength=_DAYS)
    ref_day_e = np.bincount(g_day, ref, minlength=_DAYS)
    m_days = np.flatnonzero(matched)
    if len(m_days):
        global_ratio = out_day[m_days].sum() / max(ref_day_e[m_days].sum(), 1e-12)
    else:
        # No usable day: the level of every measured interval against the
        # reference at the same day of year and clock time.
        ref_table = np.full((_DAYS, slots), np.nan)
        ref_table[g_day[~g_second], g_slot[~g_second]] = ref[~g_second]
        cells = np.isfinite(days.v_measured)
        ref_cells = ref_table[days.doy[:, None].repeat(slots, 1)[cells], np.nonzero(cells)[1]]
        ok = np.isfinite(ref_cells)
        global_ratio = days.v_measured[cells][ok].sum() / max(ref_cells[ok].sum(), 1e-12)
    ratio = np.full(_DAYS, global_ratio)
    for t in np.flatnonzero(~matched):
        near = m_days[_circular(m_days, t) <= scale_window_days]
        if len(near) and ref_day_e[near].sum() > 0:
            ratio[t] = out_day[near].sum() / ref_day_e[near].sum()
    return np.where(~matched[g_day], ref * ratio[g_day], out)


def _day_findings(
    dropped: int, extrapolated: int, ref_name: str, borrowed: int, filled: int
) -> list[Problem]:
    problems = []
    if dropped:
        problems.append(
            Problem(
                code="profile_days_dropped",
                message="days with too few measured intervals were not used",
                severity="dropped",
                field="energy",
                count=dropped,
            )
        )
    if extrapolated:
        problems.append(
            Problem(
                code="profile_days_extrapolated",
                message="days without measured neighbours were extrapolated from a standard "
                "profile scaled to the measured weeks",
                severity="warning",
                count=extrapolated,
                params={"reference": ref_name},
            )
        )
    if borrowed:
        problems.append(
            Problem(
                code="profile_days_borrowed",
                message="some weeks were not measured and were taken from a neighbouring week",
                severity="info",
                count=borrowed,
            )
        )
    if filled:
        problems.append(
            Problem(
                code="profile_gaps_filled",
                message="gaps in measured days were filled from neighbouring weeks and the "
                "daily shape",
                severity="repaired",
                count=filled,
            )
        )
    return problems


def _low_coverage(coverage: float, min_coverage: float) -> Problem:
    return Problem(
        code="profile_low_coverage",
        message="less of the year is measured than required; the profile is an estimate",
        severity="warning",
        params={"coverage_pct": round(100 * coverage), "min_pct": round(100 * min_coverage)},
    )


def to_typical_year(
    energy: pd.Series,
    step: str = "30min",
    *,
    min_coverage: float = 0.8,
    max_shift_days: int = 21,
    scale_window_days: int = 28,
    reference: pd.Series | None = None,
) -> tuple[pd.Series, ProfileReport]:
    """Lay a measured consumption series on the typical-year grid.

    Parameters
    ----------
    energy : pandas.Series
        Energy per interval [kWh], tz-aware index marking the interval start,
        regular step, gaps as NaN (the readers' output).
    step : str
        Target step: ``"15min"``, ``"30min"`` or ``"h"``.
    min_coverage : float
        Share of the year that must be measured for the profile not to be an
        estimate [-].
    max_shift_days : int
        How far (in day of year) a measured day may stand for a day of the
        typical year [days].
    scale_window_days : int
        Matched days within this distance set the level of an extrapolated
        day [days].
    reference : pandas.Series, optional
        Shape for extrapolated days on ``typical_year_index(step)`` (any
        scale); the BDEW H25 household profile when None.

    Returns
    -------
    profile : pandas.Series
        Energy per interval [kWh], named ``energy_kwh``, on
        ``typical_year_index(step)``.
    report : ProfileReport
        What the file measured, how the typical year was built, and findings.

    Raises
    ------
    ReadError
        If the series has no usable time index, no measured value, or if the
        step or the reference cannot be used.
    """
    tgt = _step_minutes(step)
    _check_min_coverage(min_coverage)
    # Stage 1: the step.
    source, src, problems = _source_series(energy)
    on_step, partial = _to_step(source, src, tgt)
    if not np.isfinite(on_step.to_numpy()).any():
        raise ReadError("no measured energy", field="energy", code="profile_no_data")
    _note_partial_intervals(partial, problems)
    days = _day_tables(on_step, tgt)
    coverage = _coverage(days)
    # Stage 2: gaps inside measured days.
    gap_filled = _fill_from_neighbour_weeks(days)
    complete, shape_filled = _fill_by_daily_shape(days, step, tgt)
    dropped = int(((days.n_measured > 0) & ~complete).sum())
    _fill_missing_clock_hour(days.v1, days.expect1, 60 // tgt)
    # Stages 3-4: the days of the typical year, across clock changes.
    grid = typical_year_index(step)
    src_idx = np.flatnonzero(complete)
    match = _match_days(days, src_idx, max_shift_days)
    out = _lay_on_grid(days, src_idx, match, grid, tgt)
    # Stage 5: days without a measured neighbour.
    ref, ref_name = _reference_shape(reference, step, grid)
    extrapolated = int((~match.matched).sum())
    if extrapolated:
        out = _extrapolate(out, match.matched, ref, days, grid, tgt, scale_window_days)
    borrowed = int((match.matched & ~match.measured).sum())
    problems += _day_findings(dropped, extrapolated, ref_name, borrowed, gap_filled + shape_filled)
    is_estimate = coverage < min_coverage
    if is_estimate:
        problems.append(_low_coverage(coverage, min_coverage))

    profile = pd.Series(out, index=grid, name="energy_kwh", dtype="float64")
    g_day = _local_layout(grid, tgt, np.datetime64(f"{TYPICAL_YEAR}-01-01"))[0]
    intervals_per_day = np.bincount(g_day, minlength=_DAYS)
    measured_from, measured_to = _measured_period(source, src)
    report = ProfileReport(
        is_estimate=is_estimate,
        coverage=coverage,
        filled_intervals=gap_filled + shape_filled + int(intervals_per_day[~match.matched].sum()),
        gap_filled_intervals=gap_filled,
        shape_filled_intervals=shape_filled,
        dropped_days=dropped,
        matched_days=int(match.matched.sum()),
        measured_days=int(match.measured.sum()),
        borrowed_days=borrowed,
        extrapolated_days=extrapolated,
        source_days=int(len(np.unique(match.choice[match.valid]))),
        file_days=int((days.n_measured > 0).sum()),
        measured_kwh=float(np.nansum(source.to_numpy())),
        measured_from=measured_from,
        measured_to=measured_to,
        annual_kwh=float(profile.sum()),
        step_min=tgt,
        source_step_min=src,
        method=(
            f"step {src}->{tgt} min by even split and sums; gaps: same class +-1..3 weeks, "
            f"then daily-shape scaling; days: nearest same-class day (+-{max_shift_days} d) "
            f"per measured year, averaged; missing days: {ref_name} scaled to measured days"
        ),
        problems=tuple(problems),
    )
    return profile, report


def heating_bracket(
    energy: pd.Series, temp_air: pd.Series, step: str = "30min"
) -> tuple[float, float]:
    """Annual energy of the typical year extrapolated two ways, lower first [kWh/yr].

    With a few measured days, the annual figure rests on how the unmeasured
    seasons are assumed to look. The two ends used here are a home without
    electric heating (the BDEW H25 household profile, the default reference)
    and a home heated by electric convectors in the same weather
    (:func:`planner.estimate.estimate_profile` with its average household and
    no random variation), each scaled to the same measured days. The true
    figure of a home can still lie outside (absences, air conditioning).

    Parameters
    ----------
    energy : pandas.Series
        Measured energy per interval [kWh] (as for :func:`to_typical_year`).
    temp_air : pandas.Series
        Hourly air temperature of the typical year [degC].
    step : str
        Target step.

    Returns
    -------
    tuple of float
        The lower and the higher annual energy [kWh/yr].

    Raises
    ------
    ReadError
        As :func:`to_typical_year`, or if the weather does not cover the
        typical year.
    """
    steady = EstimateAssumptions(
        max_time_shift_h=0.0,
        daily_variation_sigma=0.0,
        interval_noise_cv=0.0,
        hot_water_daily_sigma=0.0,
    )
    heated, _ = estimate_profile(
        Household(heating="electric_direct"), temp_air, step=step, assumptions=steady
    )
    without, _ = to_typical_year(energy, step, min_coverage=0.0)
    with_heating, _ = to_typical_year(
        energy, step, min_coverage=0.0, reference=heated.rename("electric heating")
    )
    low, high = sorted((float(without.sum()), float(with_heating.sum())))
    return low, high
