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

``coverage`` is the share of the 365 days of the year (by day of year, any
measured year) covered by measured intervals; below ``min_coverage`` (80 % by
default, our assumption) the profile is flagged ``is_estimate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.estimate import _step_minutes, french_holidays, h25_shape
from quartier_solaire.errors import Problem, ReadError
from solar.typical_year import TIMEZONE, TYPICAL_YEAR, typical_year_index

_NEIGHBOUR_WEEKS = (1, -1, 2, -2, 3, -3)  # same class, 1-3 weeks apart (stage 2a)
_MIN_KNOWN_FOR_SHAPE = 0.5  # share of a day that must be known for shape scaling (2b)
_DAYS = 365
_SAME_WEEK_DAYS = 3  # a measured day this close stands for its own week


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
    borrowed_days : int
        Matched days whose nearest measured day is more than
        ``_SAME_WEEK_DAYS`` away in every year: the week itself was not
        measured and was borrowed from a neighbouring week.
    extrapolated_days : int
        Days of the typical year built from the scaled reference shape.
    source_days : int
        Distinct measured days used.
    measured_kwh : float
        Measured energy on the target step, before any filling [kWh].
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
    borrowed_days: int
    extrapolated_days: int
    source_days: int
    measured_kwh: float
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
        Coverage, what was filled or extrapolated, and findings.

    Raises
    ------
    ReadError
        If the series has no usable time index, no measured value, or if the
        step or the reference cannot be used.
    """
    tgt = _step_minutes(step)
    if not 0.0 <= min_coverage <= 1.0:
        raise ReadError(
            "min_coverage must be between 0 and 1",
            field="min_coverage",
            code="profile_bad_parameter",
            params={"field": "min_coverage"},
        )
    source, src, problems = _source_series(energy)
    on_step, partial = _to_step(source, src, tgt)
    if not np.isfinite(on_step.to_numpy()).any():
        raise ReadError("no measured energy", field="energy", code="profile_no_data")
    if partial:
        problems.append(
            Problem(
                code="profile_partial_intervals",
                message="intervals only partly measured at the target step were treated as gaps",
                severity="dropped",
                field="energy",
                count=partial,
            )
        )
    measured_kwh = float(np.nansum(on_step.to_numpy()))
    slots = 1440 // tgt
    sph = 60 // tgt

    # Full local days spanning the measurement.
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
    measured1 = np.isfinite(v1)
    v_measured = v1.copy()  # before any filling
    measured2 = np.isfinite(v2)

    dates = pd.DatetimeIndex(pd.date_range(first_day, periods=n_days, freq="D"))
    cls = _day_class(dates)
    doy = _doy365(dates)
    n_expected = expect1.sum(axis=1) + expect2.sum(axis=1)
    n_measured = measured1.sum(axis=1) + measured2.sum(axis=1)
    frac = n_measured / n_expected
    best = np.zeros(_DAYS)
    np.maximum.at(best, doy, frac)
    coverage = float(best.sum() / _DAYS)

    # Stage 2a: same class and clock time, one to three weeks apart (measured values only).
    partial_day = (n_measured > 0) & (n_measured < n_expected)
    gap = expect1 & ~measured1 & partial_day[:, None]
    sums = np.zeros_like(v1)
    counts = np.zeros_like(v1)
    for weeks in _NEIGHBOUR_WEEKS:
        shift = 7 * weeks
        src_days = np.arange(n_days) + shift
        ok = (src_days >= 0) & (src_days < n_days)
        rows = np.flatnonzero(ok)
        nb = src_days[ok]
        same = cls[nb] == cls[rows]
        rows, nb = rows[same], nb[same]
        vals = v1[nb]
        good = np.isfinite(vals)
        sums[rows] += np.where(good, vals, 0.0)
        counts[rows] += good
    fill_a = gap & (counts > 0)
    v1[fill_a] = sums[fill_a] / counts[fill_a]
    gap2 = expect2 & ~measured2 & np.isfinite(v1)
    v2[gap2] = v1[gap2]
    gap_filled = int(fill_a.sum() + gap2.sum())

    # Stage 2b: daily-shape scaling for days at least half known.
    known1 = np.isfinite(v1) & expect1
    known2 = np.isfinite(v2) & expect2
    complete = (known1 | ~expect1).all(axis=1) & (known2 | ~expect2).all(axis=1)
    complete &= n_measured > 0
    shape_filled = 0
    incomplete = np.flatnonzero((n_measured > 0) & ~complete)
    if len(incomplete):
        shapes = np.where(np.isfinite(v1), v1, 0.0)
        totals = shapes.sum(axis=1, keepdims=True)
        norm = np.divide(shapes, totals, out=np.zeros_like(shapes), where=totals > 0)
        pool_all = complete.copy()
        if pool_all.any():
            shape_all = norm[pool_all].mean(axis=0)
        else:
            # No complete day at all: the H25 clock shape averaged over the year.
            grid = typical_year_index(step)
            clock = np.asarray((grid.hour * 60 + grid.minute) // tgt)
            ref = np.asarray(h25_shape(step))
            shape_all = np.bincount(clock, ref, slots) / np.bincount(clock, minlength=slots)
        shape_by_class = {}
        for c in np.unique(cls[incomplete]):
            pool = pool_all & (cls == c)
            shape_by_class[c] = norm[pool].mean(axis=0) if pool.any() else shape_all
        for d in incomplete:
            known_share = (known1[d].sum() + known2[d].sum()) / n_expected[d]
            if known_share < _MIN_KNOWN_FOR_SHAPE:
                continue
            shape = shape_by_class[cls[d]]
            have = known1[d]
            scale_den = shape[have].sum()
            if scale_den <= 0:
                continue
            scale = v1[d, have].sum() / scale_den
            miss = expect1[d] & ~have
            v1[d, miss] = shape[miss] * scale
            shape_filled += int(miss.sum())
            miss2 = expect2[d] & ~np.isfinite(v2[d])
            v2[d, miss2] = v1[d, miss2]
            shape_filled += int(miss2.sum())
            complete[d] = True
    dropped = int(((n_measured > 0) & ~complete).sum())
    _fill_missing_clock_hour(v1, expect1, sph)
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

    # Per source day, clock vectors for: an ordinary target day (repeated hour
    # averaged), and the 25-h target day (first and second occurrences).
    src_idx = np.flatnonzero(complete)
    has2 = expect2[src_idx]
    v_first = v1[src_idx]
    v_second = np.where(has2, v2[src_idx], v_first)
    v_mean = np.where(has2, 0.5 * (v_first + v_second), v_first)

    # Stage 3: nearest same-class day of each measured year, averaged over years.
    grid = typical_year_index(step)
    t_dates = pd.DatetimeIndex(pd.date_range(f"{TYPICAL_YEAR}-01-01", periods=_DAYS, freq="D"))
    t_cls = _day_class(t_dates)
    t_doy = np.arange(_DAYS)
    s_cls, s_doy = cls[src_idx], doy[src_idx]
    s_year = np.asarray(dates.year)[src_idx]
    chosen: list[np.ndarray] = []
    nearest = np.full(_DAYS, np.inf)
    for year in np.unique(s_year):
        in_year = np.flatnonzero(s_year == year)
        dist = _circular(t_doy[:, None], s_doy[in_year][None, :]).astype(float)
        dist[t_cls[:, None] != s_cls[in_year][None, :]] = np.inf
        pick = np.argmin(dist, axis=1)
        ok = np.isfinite(dist[t_doy, pick]) & (dist[t_doy, pick] <= max_shift_days)
        chosen.append(np.where(ok, in_year[pick], -1))
        nearest = np.minimum(nearest, np.where(ok, dist[t_doy, pick], np.inf))
    choice = np.stack(chosen, axis=1) if chosen else np.full((_DAYS, 1), -1)
    valid = choice >= 0
    n_src = valid.sum(axis=1)
    matched = n_src > 0
    safe = np.where(valid, choice, 0)

    def _average(table: np.ndarray) -> np.ndarray:
        if not len(table):
            return np.full((_DAYS, slots), np.nan)
        picked = np.where(valid[:, :, None], table[safe], 0.0)
        return picked.sum(axis=1) / np.maximum(n_src, 1)[:, None]

    t_mean, t_first, t_second = _average(v_mean), _average(v_first), _average(v_second)

    g_day, g_slot, g_second = _local_layout(grid, tgt, t_dates[0].to_datetime64())
    long_day = np.zeros(_DAYS, bool)
    long_day[g_day[g_second]] = True
    first_table = np.where(long_day[:, None], t_first, t_mean)
    out = np.where(g_second, t_second[g_day, g_slot], first_table[g_day, g_slot])

    # Stage 5: extrapolate unmatched days from the reference shape.
    if reference is None:
        ref = np.asarray(h25_shape(step), dtype=float)
        ref_name = "BDEW H25 (demandlib)"
    else:
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
        ref_name = str(reference.name or "caller's reference")
    extrapolated = int((~matched).sum())
    if extrapolated:
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
            cells = np.isfinite(v_measured)
            ref_cells = ref_table[doy[:, None].repeat(slots, 1)[cells], np.nonzero(cells)[1]]
            ok = np.isfinite(ref_cells)
            global_ratio = v_measured[cells][ok].sum() / max(ref_cells[ok].sum(), 1e-12)
        ratio = np.full(_DAYS, global_ratio)
        for t in np.flatnonzero(~matched):
            near = m_days[_circular(m_days, t) <= scale_window_days]
            if len(near) and ref_day_e[near].sum() > 0:
                ratio[t] = out_day[near].sum() / ref_day_e[near].sum()
        fill = ~matched[g_day]
        out = np.where(fill, ref * ratio[g_day], out)
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
    borrowed = int((matched & (nearest > _SAME_WEEK_DAYS)).sum())
    if borrowed:
        problems.append(
            Problem(
                code="profile_days_borrowed",
                message="some weeks were not measured and were taken from a neighbouring week",
                severity="info",
                count=borrowed,
            )
        )
    if gap_filled + shape_filled:
        problems.append(
            Problem(
                code="profile_gaps_filled",
                message="gaps in measured days were filled from neighbouring weeks and the "
                "daily shape",
                severity="repaired",
                count=gap_filled + shape_filled,
            )
        )
    is_estimate = coverage < min_coverage
    if is_estimate:
        problems.append(
            Problem(
                code="profile_low_coverage",
                message="less of the year is measured than required; the profile is an estimate",
                severity="warning",
                params={
                    "coverage_pct": round(100 * coverage),
                    "min_pct": round(100 * min_coverage),
                },
            )
        )

    profile = pd.Series(out, index=grid, name="energy_kwh", dtype="float64")
    intervals_per_day = np.bincount(g_day, minlength=_DAYS)
    report = ProfileReport(
        is_estimate=is_estimate,
        coverage=coverage,
        filled_intervals=gap_filled + shape_filled + int(intervals_per_day[~matched].sum()),
        gap_filled_intervals=gap_filled,
        shape_filled_intervals=shape_filled,
        dropped_days=dropped,
        matched_days=int(matched.sum()),
        borrowed_days=borrowed,
        extrapolated_days=extrapolated,
        source_days=int(len(np.unique(choice[valid]))),
        measured_kwh=measured_kwh,
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
