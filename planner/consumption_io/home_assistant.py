"""Reader for a Home Assistant history export (History panel, "Download data").

The CSV has the columns ``entity_id,state,last_changed`` (UTC, ISO 8601 with
``Z``); Home Assistant writes a row only when a state changes, so rows are
irregular, and states such as ``unavailable`` or ``unknown`` appear.

Two kinds of sensor are read, onto a regular grid of ``step_min`` minutes
(default 30, the Linky step) aligned on the clock:

- **cumulative energy** [kWh or Wh] (``state_class: total_increasing``): a drop
  of the counter is a reset (meter replaced, counter restarted) and the new
  value is counted from zero (Home Assistant's own rule for total_increasing,
  ``counter_reset``, repaired). The counter is interpolated linearly between
  readings (constant power between two readings) and each interval gets the
  counter's increase across it: the total energy is conserved exactly.
- **power** [W or kW]: the state holds until the next change (zero-order hold,
  as Home Assistant records only changes); each interval gets the integral of
  power over it.

Non-numeric states end the known stretch (power) or are skipped (energy).
Between two readings more than ``max_gap_h`` apart (default 6 h, assumption:
the recorder or the sensor was down) nothing is invented: the intervals
touching that stretch are gaps and its energy is not attributed
(``gap_not_interpolated``). An interval only partly covered by readings is a
gap too.

Which kind: ``unit`` says it (Wh/kWh: cumulative energy; W/kW: power). Without
it, a series whose differences are non-negative for at least 90 % of the rows
is read as a kWh counter, otherwise as power in W (``unit_inferred``, warning).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pandas as pd

from planner.consumption_io import _rows
from planner.consumption_io._source import Source, load
from planner.consumption_io.quality import (
    QualityRules,
    RawReadings,
    energy_factor,
    finalise,
    normalise_unit,
)
from quartier_solaire.errors import NotRecognised, Problem, ReadError

SOURCE = "home_assistant"
COLUMNS = ("entity_id", "state", "last_changed")
# Share of non-negative differences above which an unlabelled series is taken
# as a cumulative counter (assumption: a power signal goes down about half the time).
COUNTER_SHARE = 0.9


def sniff(text: str) -> bool:
    """Return True if ``text`` starts with a Home Assistant history header."""
    head = text.lstrip("\ufeff").lstrip().split("\n", 1)[0].strip().lower()
    return head.replace(" ", "").startswith(",".join(COLUMNS))


@dataclass(frozen=True)
class _Stretches:
    """Readings turned into energy between consecutive readings.

    ``energy_kwh[i]`` and ``known_s[i]`` belong to the stretch from ``t[i]`` to
    ``t[i + 1]``; a stretch not interpolated has 0 of both.
    """

    t: np.ndarray  # [s since 1970, UTC]
    line: np.ndarray
    energy_kwh: np.ndarray  # [kWh]
    known_s: np.ndarray  # [s]
    long_gaps: int


def read_home_assistant(
    path_or_buffer: str | os.PathLike | IO,
    filename: str | None = None,
    *,
    unit: str | None = None,
    entity_id: str | None = None,
    step_min: int = 30,
    max_gap_h: float = 6.0,
    rules: QualityRules | None = None,
    source: Source | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read a Home Assistant history CSV into regular energy intervals.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The CSV file.
    filename : str, optional
        Name shown in messages when reading from a buffer.
    unit : {"kWh", "Wh", "W", "kW"}, optional
        Unit of the states: energy units mean a cumulative counter, power units
        an instantaneous power.
    entity_id : str, optional
        Entity to read when the file holds several.
    step_min : int
        Step of the output grid [min]; must divide 60.
    max_gap_h : float
        Longest stretch between readings that is interpolated [h].
    rules : QualityRules, optional
        Thresholds of the quality checks.
    source : Source, optional
        Already decoded text.

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh], labelled at interval START, Europe/Paris.
    meta : dict
        As for every reader, plus ``entity_id`` and ``sensor_kind``
        (``"energy_counter"`` or ``"power"``).
    """
    if 60 % step_min:
        raise ValueError("step_min must divide 60")
    source = source or load(path_or_buffer, filename)
    problems = list(source.problems)
    frame = _parse(source)
    frame = _pick_entity(frame, entity_id, source.name)
    t, state, line = _readings(frame, source.name, problems)
    declared = _sensor_unit(unit, state, problems)
    factor, is_power = energy_factor(declared)
    max_gap_s = max_gap_h * 3600.0
    if is_power:
        stretches = _hold_power(t, state, line, factor, max_gap_s)
    else:
        stretches = _count_energy(t, state, line, factor, max_gap_s, problems)
    if stretches.long_gaps:
        problems.append(
            Problem(
                code="consumption_gap_not_interpolated",
                message="Readings stop for longer than the interpolation limit; those "
                "intervals are left empty.",
                severity="warning",
                count=stretches.long_gaps,
                params={"max_gap_h": max_gap_h},
            )
        )
    return finalise(
        _resample(stretches, step_min, source.name),
        source=SOURCE,
        meter_id=None,
        unit_in_file=declared,
        problems=problems,
        path=source.name,
        rules=rules,
        extra_meta={
            "entity_id": str(frame["entity_id"].iloc[0]),
            "sensor_kind": "power" if is_power else "energy_counter",
        },
    )


def _parse(source: Source) -> pd.DataFrame:
    """Return the export's rows as text, with their ``line`` in the file."""
    if not sniff(source.text):
        raise NotRecognised("expected the header 'entity_id,state,last_changed'", path=source.name)
    try:
        frame = pd.read_csv(
            # Bytes, not StringIO: StringIO holds 4 bytes a character.
            io.BytesIO(source.text.encode("utf-8")),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ReadError(
            "row has more fields than the header 'entity_id,state,last_changed'",
            path=source.name,
            line=int(m.group(1)) if m else None,
            code="consumption_bad_row",
        ) from None
    # Blank lines are kept by read_csv so that line numbers stay true; then dropped.
    frame["line"] = np.arange(len(frame), dtype=np.int64) + 2
    return frame[frame["entity_id"].str.strip() != ""]


def _pick_entity(frame: pd.DataFrame, entity_id: str | None, name: str | None) -> pd.DataFrame:
    """Keep the rows of one entity: the one asked for, or the only one."""
    entities = frame["entity_id"].unique()
    if entity_id is not None:
        frame = frame[frame["entity_id"] == entity_id]
        if frame.empty:
            raise ReadError(
                "the requested entity is not in the file",
                path=name,
                field="entity_id",
                code="consumption_entity_missing",
            )
    elif len(entities) > 1:
        raise ReadError(
            f"the file holds {len(entities)} entities; expected one, or say which to read",
            path=name,
            field="entity_id",
            code="consumption_several_entities",
            params={"entities": len(entities)},
        )
    return frame


def _readings(
    frame: pd.DataFrame, name: str | None, problems: list[Problem]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return times [s since 1970, UTC], states (NaN if not a number) and lines, by time."""
    times = pd.to_datetime(
        frame["last_changed"].str.strip(), format="ISO8601", utc=True, errors="coerce"
    )
    if times.isna().any():
        i = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise ReadError(
            "date and time not understood; expected ISO 8601 (UTC)",
            path=name,
            line=int(frame["line"].iloc[i]),
            field="last_changed",
            code="consumption_bad_timestamp",
        )
    state = pd.to_numeric(frame["state"].str.strip(), errors="coerce").to_numpy(dtype="float64")
    # "inf" or 1e308 is no more a reading than "unavailable" (see _rows.MAX_ABS_VALUE).
    state = np.where(np.abs(state) <= _rows.MAX_ABS_VALUE, state, np.nan)
    seconds = ((times - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy(
        dtype="float64"
    )
    order = np.argsort(seconds, kind="stable")
    state = state[order]
    non_numeric = int(np.isnan(state).sum())
    if non_numeric:
        problems.append(
            Problem(
                code="consumption_states_unavailable",
                message="Some states are not numbers (unavailable, unknown); they were skipped.",
                severity="dropped",
                field="state",
                count=non_numeric,
            )
        )
    return seconds[order], state, frame["line"].to_numpy()[order]


def _sensor_unit(unit: str | None, state: np.ndarray, problems: list[Problem]) -> str:
    """Return the unit of the states: the one declared, or one inferred from their shape."""
    declared = normalise_unit(unit)
    if unit is not None and declared is None:
        raise ValueError(f"unit must be one of W, kW, Wh, kWh, got {unit!r}")
    if declared is not None:
        return declared
    finite = state[np.isfinite(state)]
    rising = np.mean(np.diff(finite) >= 0) if finite.size > 1 else 1.0
    declared = "kWh" if rising >= COUNTER_SHARE else "W"
    problems.append(
        Problem(
            code="consumption_unit_inferred",
            message="The unit was not declared; it was inferred from the shape of the "
            "series (a counter in kWh, or a power in W).",
            severity="warning",
            field="state",
            params={"unit": declared},
        )
    )
    return declared


def _hold_power(
    t: np.ndarray, power: np.ndarray, line: np.ndarray, factor: float, max_gap_s: float
) -> _Stretches:
    """Integrate a power held until its next change; a non-number ends the known stretch."""
    dt = np.diff(t)
    p = power[:-1]
    known = np.isfinite(p) & (dt <= max_gap_s)
    return _Stretches(
        t=t,
        line=line,
        energy_kwh=np.where(known, p * factor * dt / 3600.0, 0.0),
        known_s=np.where(known, dt, 0.0),
        long_gaps=int(np.sum(np.isfinite(p) & (dt > max_gap_s))),
    )


def _count_energy(
    t: np.ndarray,
    counter: np.ndarray,
    line: np.ndarray,
    factor: float,
    max_gap_s: float,
    problems: list[Problem],
) -> _Stretches:
    """Take a cumulative counter's increases, counting from zero after a reset."""
    ok = np.isfinite(counter)
    t, counter, line = t[ok], counter[ok], line[ok]
    dt = np.diff(t)
    d = np.diff(counter)
    reset = d < 0
    if reset.any():
        problems.append(
            Problem(
                code="consumption_counter_reset",
                message="The energy counter went down (reset); counting restarted from zero.",
                severity="repaired",
                line=int(line[1:][reset][0]),
                count=int(reset.sum()),
            )
        )
    # Home Assistant's rule for total_increasing: after a drop, the new value is the increase.
    d = np.where(reset, counter[1:], d)
    known = dt <= max_gap_s
    return _Stretches(
        t=t,
        line=line,
        energy_kwh=np.where(known, d * factor, 0.0),
        known_s=np.where(known, dt, 0.0),
        long_gaps=int(np.sum(~known)),
    )


def _resample(stretches: _Stretches, step_min: int, name: str | None) -> RawReadings:
    """Spread the stretches onto a clock-aligned grid; a partly covered interval is a gap.

    Both the energy and the known time are accumulated and interpolated
    linearly, so each interval gets exactly the energy that crosses it.
    """
    t, line = stretches.t, stretches.line
    if len(t) < 2:
        raise ReadError(
            "fewer than two usable readings; nothing to resample",
            path=name,
            field="state",
            code="consumption_no_readings",
        )
    cumulative = np.concatenate([[0.0], np.cumsum(stretches.energy_kwh)])
    known_time = np.concatenate([[0.0], np.cumsum(stretches.known_s)])
    step_s = step_min * 60.0
    grid = np.arange(np.ceil(t[0] / step_s) * step_s, np.floor(t[-1] / step_s) * step_s + 1, step_s)
    if len(grid) < 2:
        raise ReadError(
            "the readings span less than one step",
            path=name,
            field="last_changed",
            code="consumption_no_readings",
        )
    energy = np.diff(np.interp(grid, t, cumulative))
    covered = np.diff(np.interp(grid, t, known_time))
    energy = np.where(np.isclose(covered, step_s, rtol=0, atol=1e-6), energy, np.nan)
    start = pd.DatetimeIndex(pd.to_datetime(grid[:-1], unit="s", utc=True))
    return RawReadings(
        start=start,
        energy_kwh=energy,
        step_min=np.full(len(start), step_min, dtype=np.int64),
        # The line of the last reading at or before each interval's start.
        line=line[np.clip(np.searchsorted(t, grid[:-1], side="right") - 1, 0, len(t) - 1)],
    )
