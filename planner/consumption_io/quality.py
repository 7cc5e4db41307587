"""Quality checks shared by every consumption reader, and the report they produce.

Every reader turns its file into rows of ``(interval start, energy [kWh], step
[min], file line)`` and hands them to :func:`finalise`, which applies the same
rules to every format, in this order:

1. **Meter id.** A PRM (point de référence mesure) has 14 digits (Enedis). Any
   other id is reported (``meter_id_invalid``, warning) and replaced by ``None``:
   a wrong id is never carried forward.
2. **Duplicates.** Rows with the same interval start and the same value (or one
   of them empty) are merged, keeping the value, and counted
   (``duplicate_dropped``). Rows with the same start and *different* values are an
   error (``duplicate_conflict``): there is no safe way to choose between two
   readings of one interval.
3. **Order.** Rows out of order are sorted (``unsorted``, repaired).
4. **Negative values.** Household consumption is never negative; a negative
   reading becomes a gap (``negative_values``, dropped).
5. **Step.** Each row carries its step. If the step changes inside the file
   (older Linky curves switch from 10 to 30 minutes), every row is summed into
   bins of the coarsest step, which conserves energy; a bin that is not fully
   covered by readings becomes a gap (``step_changed``, repaired). Steps that do
   not divide the coarsest step are an error (``step_incompatible``).
6. **Grid.** The rows are laid on a regular grid (fixed minutes, or calendar
   days for daily data); missing intervals become NaN, never zero, and are
   counted (``gaps``). A row off the grid is an error (``off_grid``).
7. **Units 1000 times off.** The median average power over non-zero intervals
   is compared with :class:`QualityRules` thresholds: below
   ``kw_suspect_median_w`` (5 W: no home draws a median of 5 W, a Linky meter
   alone draws more) in a file that said W or Wh, the values were kW or kWh and
   are multiplied by 1000 (``unit_kw_suspected``, repaired); above
   ``w_suspect_median_kw`` (36 kW: the upper limit of the C5 segment, homes and
   small premises ≤ 36 kVA, Enedis) in a file that said kW or kWh, they were W
   or Wh and are divided by 1000 (``unit_w_suspected``, repaired).

Messages never contain a reading, only counts, line numbers and field names.
Every finding code of this package starts with ``consumption_`` (the module
notes name them without it: ``gaps`` is ``consumption_gaps``), and each has a
``problem.consumption_<name>`` entry in the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quartier_solaire.errors import Problem, ReadError, ReadReport
from solar.typical_year import TIMEZONE

ENERGY_NAME = "energy_kwh"
INDEX_NAME = "time"
DAILY_STEP_MIN = 1440
# Load-curve steps met in practice: Linky 10/30/60 min (Enedis customer space),
# 15 min (ACC settlement since 2025), 5/20 min for third-party loggers.
ALLOWED_STEPS_MIN: tuple[int, ...] = (1, 5, 10, 15, 20, 30, 60)
_PRM_RE = re.compile(r"^\d{14}$")
_POWER_UNITS = {"W": 1e-3, "kW": 1.0}
_ENERGY_UNITS = {"Wh": 1e-3, "kWh": 1.0}


@dataclass(frozen=True)
class QualityRules:
    """Thresholds of the quality checks; every one can be changed by the caller.

    Parameters
    ----------
    kw_suspect_median_w : float
        Median average power [W] below which a file said to be in W (or Wh) is
        taken to be in kW (or kWh). Assumption: a home's median draw is tens to
        hundreds of watts (standby loads, fridge), never under 5 W.
    w_suspect_median_kw : float
        Median average power [kW] above which a file said to be in kW (or kWh)
        is taken to be in W (or Wh): 36 kVA is the top of the C5 segment (Enedis).
    check_units : bool
        Run the two checks above.
    """

    kw_suspect_median_w: float = 5.0
    w_suspect_median_kw: float = 36.0
    check_units: bool = True


@dataclass(frozen=True, kw_only=True)
class QualityReport(ReadReport):
    """What a reader found in a consumption file (a :class:`ReadReport`).

    Parameters
    ----------
    intervals : int
        Intervals on the regular grid that hold a value.
    expected_intervals : int
        Intervals on the regular grid from the first to the last reading.
    coverage : float
        ``intervals / expected_intervals`` [0-1].
    gaps : int
        Intervals without a value (NaN in the series).
    filled : int
        Intervals filled by the reader: always 0, readers never invent data.
    duplicates_removed : int
        Duplicate rows dropped.
    negatives : int
        Negative readings turned into gaps.
    kind, format, name, problems, rows_kept, rows_dropped, rows_repaired
        As :class:`~quartier_solaire.errors.ReadReport`; ``kind`` is
        ``"consumption"``, ``rows_kept`` the intervals with a value,
        ``rows_dropped`` the duplicates and negatives left out.
    """

    intervals: int
    expected_intervals: int
    coverage: float
    gaps: int
    filled: int = 0
    duplicates_removed: int = 0
    negatives: int = 0
    kind: str = "consumption"
    format: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-serialisable values."""
        return {**super().to_dict(), "repairs": self.repairs}


@dataclass
class RawReadings:
    """Rows of a file as a reader understood them, before the quality rules.

    Parameters
    ----------
    start : pandas.DatetimeIndex
        Interval starts, tz-aware.
    energy_kwh : numpy.ndarray
        Energy per interval [kWh], NaN where the file holds no value.
    step_min : numpy.ndarray
        Step of each row [min]; 1440 for calendar days.
    line : numpy.ndarray
        1-based line in the file of each row (0 where there is no line).
    """

    start: pd.DatetimeIndex
    energy_kwh: np.ndarray
    step_min: np.ndarray
    line: np.ndarray


def energy_factor(unit: str) -> tuple[float, bool]:
    """Return the factor to kWh and whether ``unit`` is an average power.

    Parameters
    ----------
    unit : str
        ``"W"``, ``"kW"`` (average power over the step) or ``"Wh"``, ``"kWh"``.

    Returns
    -------
    factor : float
        Multiply by the value (and by the step [h] for powers) to get kWh.
    is_power : bool
        True for W and kW.
    """
    if unit in _POWER_UNITS:
        return _POWER_UNITS[unit], True
    if unit in _ENERGY_UNITS:
        return _ENERGY_UNITS[unit], False
    raise ValueError(f"unit must be one of W, kW, Wh, kWh, got {unit!r}")


def normalise_unit(unit: str | None) -> str | None:
    """Return ``unit`` spelled as one of W, kW, Wh, kWh, or None if unknown."""
    if not isinstance(unit, str):  # a file may hold a number or a list there
        return None
    key = unit.strip().lower().replace(" ", "")
    return {"w": "W", "kw": "kW", "wh": "Wh", "kwh": "kWh"}.get(key)


def check_meter_id(meter_id: str | None, problems: list[Problem]) -> str | None:
    """Return the PRM if it has 14 digits, else None with a warning."""
    if meter_id is None:
        return None
    meter_id = str(meter_id).strip()
    if not meter_id:
        return None
    if _PRM_RE.match(meter_id):
        return meter_id
    problems.append(
        Problem(
            code="consumption_meter_id_invalid",
            message="The meter id (PRM) does not have 14 digits; it is ignored.",
            severity="warning",
            field="Identifiant PRM",
            params={"length": len(meter_id)},
        )
    )
    return None


def infer_steps(times: pd.DatetimeIndex, declared_min: int | None = None) -> np.ndarray:
    """Return the step of each row [min] from the distance to its neighbours.

    The step of a row is the smaller of its distances to the previous and the
    next row: a missing row makes one distance a multiple of the step but leaves
    the other one right, and a change of step (10 -> 30 min) is followed row by
    row. The first and last rows, which have one neighbour, also take the step
    of that neighbour if smaller; a row whose step is still not one of
    ``ALLOWED_STEPS_MIN`` (a row alone between two gaps) takes the smaller step
    of its neighbours. A file with a single row takes ``declared_min``.

    Parameters
    ----------
    times : pandas.DatetimeIndex
        Sorted timestamps without duplicates.
    declared_min : int, optional
        Step declared by the file [min].

    Returns
    -------
    numpy.ndarray
        Step of each row [min] (int64); 0 where it cannot be known.
    """
    n = len(times)
    if n < 2:
        return np.full(n, declared_min or 0, dtype=np.int64)
    diff = np.diff(times.asi8) // (60 * 10 ** _unit_exp(times))
    # min(distance to previous, distance to next), without two shifted copies.
    step = np.empty(n, dtype=np.int64)
    step[0], step[-1] = diff[0], diff[-1]
    np.minimum(diff[:-1], diff[1:], out=step[1:-1])
    del diff
    if n > 2:
        step[0] = min(step[0], step[1])
        step[-1] = min(step[-1], step[-2])
    odd = ~np.isin(step, ALLOWED_STEPS_MIN)
    if odd.any() and n > 2:
        left = np.concatenate([[step[1]], step[:-1]])
        right = np.concatenate([step[1:], [step[-2]]])
        step = np.where(odd, np.minimum(np.minimum(left, right), step), step)
    return step


def _unit_exp(times: pd.DatetimeIndex) -> int:
    # asi8 counts in the index's own resolution (s, ms, us or ns).
    return {"s": 0, "ms": 3, "us": 6, "ns": 9}[np.datetime_data(times.dtype.base)[0]]


def local_to_utc(
    wall: pd.Series | pd.Index,
    lines: np.ndarray,
    path: str | None,
    field: str,
    problems: list[Problem] | None = None,
) -> pd.DatetimeIndex:
    """Localise naive Europe/Paris wall-clock times, in file order.

    The repeated hour of the autumn change is resolved by order (first pass is
    summer time, ``ambiguous="infer"``); an autumn hour that cannot be ordered is
    an error naming the line. A time inside the hour skipped in spring (02:00 to
    03:00) is moved to 03:00, the instant a clock showing it would mean
    (``nonexistent_local_time``, repaired; an interval END written 02:00 is
    exactly 03:00 summer time); without ``problems`` to report to, it is an error.
    """
    idx = pd.DatetimeIndex(wall)
    summer = np.ones(len(idx), dtype=bool)
    skipped = idx.tz_localize(TIMEZONE, ambiguous=summer, nonexistent="NaT").isna() & ~idx.isna()
    if skipped.any():
        first = int(lines[np.flatnonzero(skipped)[0]])
        if problems is None:
            raise ReadError(
                "local time inside the hour skipped by the spring clock change",
                path=path,
                line=first,
                field=field,
                code="consumption_nonexistent_local_time",
            )
        problems.append(
            Problem(
                code="consumption_nonexistent_local_time",
                message="A local time falls in the hour skipped in spring; it was read "
                "as 03:00 summer time.",
                severity="repaired",
                line=first,
                field=field,
                count=int(skipped.sum()),
            )
        )
    try:
        return idx.tz_localize(TIMEZONE, ambiguous="infer", nonexistent="shift_forward")
    except Exception:  # noqa: BLE001 - the failing row is located below
        pass
    loc = idx.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="shift_forward")
    bad = np.flatnonzero(loc.isna() & ~idx.isna())
    line = int(lines[bad[0]]) if len(bad) else None
    raise ReadError(
        "local time without offset that cannot be placed in the repeated hour of the "
        "autumn clock change; expected Europe/Paris wall-clock times in order, or an offset",
        path=path,
        line=line,
        field=field,
        code="consumption_ambiguous_local_time",
    )


def finalise(
    raw: RawReadings,
    *,
    source: str,
    meter_id: str | None,
    unit_in_file: str,
    problems: list[Problem],
    path: str | None,
    rules: QualityRules | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Apply the shared quality rules and build the reader's output.

    Parameters
    ----------
    raw : RawReadings
        Rows as read.
    source : str
        Format name.
    meter_id : str, optional
        PRM found in the file.
    unit_in_file : str
        Unit of the values in the file (W, kW, Wh, kWh).
    problems : list of Problem
        Findings of the reader so far; completed here.
    path : str, optional
        File name for error messages.
    rules : QualityRules, optional
        Thresholds; defaults to ``QualityRules()``.
    extra_meta : dict, optional
        Format-specific metadata to add.

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh], float64, named ``energy_kwh``, on a regular
        tz-aware Europe/Paris index (``freq`` set) whose labels mark the START of
        each interval; gaps are NaN.
    meta : dict
        ``source``, ``meter_id``, ``step_min``, ``start``, ``end``,
        ``unit_in_file``, ``report`` (:class:`QualityReport`) and any extras.
    """
    rules = rules or QualityRules()
    problems = list(problems)
    meter_id = check_meter_id(meter_id, problems)
    if len(raw.start) == 0:
        raise ReadError(
            "no reading found; expected at least one row of timestamp and value",
            path=path,
            code="consumption_no_readings",
        )
    frame = pd.DataFrame(
        {
            "start": raw.start.tz_convert("UTC"),
            "energy": np.asarray(raw.energy_kwh, dtype="float64"),
            "step": np.asarray(raw.step_min, dtype="int64"),
            "line": np.asarray(raw.line, dtype="int64"),
        },
        copy=False,  # the reader's arrays as they are: a large file is not held twice
    )
    frame, duplicates = _drop_duplicates(frame, problems, path)
    if not frame["start"].is_monotonic_increasing:
        problems.append(
            Problem(
                code="consumption_unsorted",
                message="Rows were not in time order; they were sorted.",
                severity="repaired",
            )
        )
        frame = frame.sort_values("start", kind="stable").reset_index(drop=True)
    negatives = _drop_negatives(frame, problems)
    daily = bool((frame["step"] == DAILY_STEP_MIN).any())
    if daily and not (frame["step"] == DAILY_STEP_MIN).all():
        line = int(frame.loc[frame["step"] != DAILY_STEP_MIN, "line"].iloc[0])
        raise ReadError(
            "daily and sub-daily readings mixed in one file; expected one kind",
            path=path,
            line=line or None,
            code="consumption_step_incompatible",
        )
    if daily:
        energy = _daily_grid(frame, path)
        step = DAILY_STEP_MIN
    else:
        frame, step = _common_step(frame, problems, path)
        energy = _regular_grid(frame, step, path)
    energy = _check_units(energy, step, unit_in_file, rules, problems)
    energy.name = ENERGY_NAME
    energy.index.name = INDEX_NAME
    intervals = int(energy.notna().sum())
    expected = len(energy)
    gaps = expected - intervals
    if gaps:
        problems.append(
            Problem(
                code="consumption_gaps",
                message="Some intervals have no reading; they are kept empty (NaN).",
                severity="warning",
                count=gaps,
                params={"expected": expected},
            )
        )
    report = QualityReport(
        intervals=intervals,
        expected_intervals=expected,
        coverage=intervals / expected if expected else 0.0,
        gaps=gaps,
        filled=0,
        duplicates_removed=duplicates,
        negatives=negatives,
        format=source,
        name=path,
        problems=tuple(problems),
        rows_kept=intervals,
        rows_dropped=duplicates + negatives,
        rows_repaired=0,
    )
    meta: dict[str, Any] = {
        "source": source,
        "meter_id": meter_id,
        "step_min": int(step),
        "start": energy.index[0],
        "end": energy.index[-1] + _step_offset(step),
        "unit_in_file": unit_in_file,
        "report": report,
    }
    meta.update(extra_meta or {})
    return energy, meta


def _step_offset(step: int) -> pd.DateOffset | pd.Timedelta:
    return pd.DateOffset(days=1) if step == DAILY_STEP_MIN else pd.Timedelta(minutes=step)


def _drop_duplicates(
    frame: pd.DataFrame, problems: list[Problem], path: str | None
) -> tuple[pd.DataFrame, int]:
    stamps = pd.DatetimeIndex(frame["start"]).asi8
    if len(stamps) < 2 or bool((stamps[1:] > stamps[:-1]).all()):
        return frame, 0  # strictly increasing: no duplicate, and no hash table to build
    dup = frame["start"].duplicated(keep=False)
    if not dup.any():
        return frame, 0
    groups = frame[dup].groupby("start", sort=False)["energy"]
    distinct = groups.nunique(dropna=True)
    if (distinct > 1).any():
        when = distinct[distinct > 1].index[0]
        lines = frame.loc[frame["start"] == when, "line"].tolist()
        raise ReadError(
            "two rows give different values for the same interval; expected one "
            f"reading per interval (see also line {lines[0]})",
            path=path,
            line=int(lines[1]) or None,
            code="consumption_duplicate_conflict",
        )
    # Same value (or one of them empty): keep the row that has a value.
    order = frame.assign(_missing=frame["energy"].isna()).sort_values(
        ["start", "_missing"], kind="stable"
    )
    keep = ~order["start"].duplicated(keep="first")
    dropped = order[~keep]
    out = order[keep].drop(columns="_missing").sort_index()
    problems.append(
        Problem(
            code="consumption_duplicate_dropped",
            message="Rows repeating an interval with the same value were dropped.",
            severity="dropped",
            line=int(dropped["line"].min()) or None,
            count=len(dropped),
        )
    )
    return out.reset_index(drop=True), len(dropped)


def _drop_negatives(frame: pd.DataFrame, problems: list[Problem]) -> int:
    neg = frame["energy"] < 0
    count = int(neg.sum())
    if count:
        problems.append(
            Problem(
                code="consumption_negative_values",
                message="Negative readings cannot be consumption; they were turned into gaps.",
                severity="dropped",
                line=int(frame.loc[neg, "line"].iloc[0]) or None,
                count=count,
            )
        )
        frame.loc[neg, "energy"] = np.nan
    return count


def _common_step(
    frame: pd.DataFrame, problems: list[Problem], path: str | None
) -> tuple[pd.DataFrame, int]:
    steps = frame["step"].to_numpy()
    bad = ~np.isin(steps, ALLOWED_STEPS_MIN)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ReadError(
            "time step not understood; expected one of "
            f"{', '.join(str(s) for s in ALLOWED_STEPS_MIN)} minutes between rows",
            path=path,
            line=int(frame["line"].iloc[i]) or None,
            code="consumption_irregular_step",
        )
    coarse = int(steps.max())
    if (steps == coarse).all():
        return frame, coarse
    if (coarse % steps).any():
        i = int(np.flatnonzero(coarse % steps)[0])
        raise ReadError(
            "the time step changes to one that does not divide the longest step; "
            "expected steps that nest (10 and 30 min, 30 and 60 min)",
            path=path,
            line=int(frame["line"].iloc[i]) or None,
            code="consumption_step_incompatible",
        )
    change = int(np.flatnonzero(steps != steps[0])[0])
    problems.append(
        Problem(
            code="consumption_step_changed",
            message="The time step changes inside the file; readings were summed into "
            "the longest step, which keeps the energy.",
            severity="repaired",
            line=int(frame["line"].iloc[change]) or None,
            params={"step_from": int(steps[0]), "step_to": coarse},
        )
    )
    # Bins of the coarse step, floored in UTC: Paris offsets are whole hours, so
    # the floor is the same in local time for every step up to 60 min.
    bins = frame["start"].dt.floor(f"{coarse}min")
    known = frame["step"].where(frame["energy"].notna(), 0)
    grouped = pd.DataFrame({"bin": bins, "energy": frame["energy"], "known": known}).groupby(
        "bin", sort=True
    )
    energy = grouped["energy"].sum(min_count=1)
    complete = grouped["known"].sum() == coarse
    lines = frame.groupby(bins, sort=True)["line"].min()
    out = pd.DataFrame(
        {
            "start": energy.index,
            "energy": energy.where(complete).to_numpy(),
            "step": coarse,
            "line": lines.to_numpy(),
        }
    )
    return out, coarse


def _regular_grid(frame: pd.DataFrame, step: int, path: str | None) -> pd.Series:
    start = frame["start"].iloc[0]
    # Integer arithmetic on nanoseconds: exact, and one array at a time.
    delta = pd.DatetimeIndex(frame["start"]).as_unit("ns").asi8 - start.as_unit("ns").value
    step_ns = step * 60 * 10**9
    off_grid = np.remainder(delta, step_ns) != 0
    if off_grid.any():
        raise ReadError(
            f"a timestamp falls between the {step}-minute steps of the other rows; "
            "expected a regular step",
            path=path,
            line=int(frame["line"].to_numpy()[off_grid][0]) or None,
            code="consumption_off_grid",
        )
    del off_grid
    offsets = np.floor_divide(delta, step_ns, out=delta)
    n = int(offsets[-1]) + 1
    values = np.full(n, np.nan)
    values[offsets] = frame["energy"].to_numpy()
    index = pd.date_range(start.tz_convert(TIMEZONE), periods=n, freq=f"{step}min")
    return pd.Series(values, index=index, dtype="float64")


def _daily_grid(frame: pd.DataFrame, path: str | None) -> pd.Series:
    local = pd.DatetimeIndex(frame["start"]).tz_convert(TIMEZONE)
    not_midnight = local != local.normalize()
    if not_midnight.any():
        raise ReadError(
            "a daily reading does not start at local midnight; expected one value per day",
            path=path,
            line=int(frame["line"].to_numpy()[not_midnight][0]) or None,
            code="consumption_off_grid",
        )
    index = pd.date_range(local[0], local[-1], freq="D")
    energy = pd.Series(frame["energy"].to_numpy(), index=local, dtype="float64")
    return energy.reindex(index)


def _check_units(
    energy: pd.Series, step: int, unit: str, rules: QualityRules, problems: list[Problem]
) -> pd.Series:
    if not rules.check_units:
        return energy
    # Daily data: 24 h per day is close enough for a factor-1000 test.
    hours = 24.0 if step == DAILY_STEP_MIN else step / 60.0
    power_kw = energy.to_numpy(dtype="float64")
    positive = power_kw[np.isfinite(power_kw) & (power_kw > 0)] / hours
    del power_kw
    if positive.size == 0:
        return energy
    median_kw = float(np.median(positive, overwrite_input=True))  # a copy fewer
    if unit in ("W", "Wh") and median_kw * 1000.0 < rules.kw_suspect_median_w:
        problems.append(
            Problem(
                code="consumption_unit_kw_suspected",
                message="The values look 1000 times too small for a home: the file "
                "probably holds kW (or kWh), not W (or Wh); they were multiplied by 1000.",
                severity="repaired",
                field="unit",
                params={"threshold_w": rules.kw_suspect_median_w},
            )
        )
        return energy * 1000.0
    if unit in ("kW", "kWh") and median_kw > rules.w_suspect_median_kw:
        problems.append(
            Problem(
                code="consumption_unit_w_suspected",
                message="The values look 1000 times too large for a home: the file "
                "probably holds W (or Wh), not kW (or kWh); they were divided by 1000.",
                severity="repaired",
                field="unit",
                params={"threshold_kw": rules.w_suspect_median_kw},
            )
        )
        return energy / 1000.0
    return energy
