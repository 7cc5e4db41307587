"""Turn ``timestamp<sep>value`` text rows into readings, vectorised.

Shared by the Enedis load-curve CSV and the generic CSV. Rules:

- Timestamps with an offset (``+01:00``, ``Z``) are exact. Timestamps without
  one are Europe/Paris wall-clock times (the declared convention of the file);
  a file mixing both is an error (``mixed_timezones``).
- A last row that cannot be read, in a file that does not end with a line
  break, was cut while writing or downloading: it is dropped
  (``truncated_last_row``). Any other unreadable row is an error naming its line
  and field (``bad_row``, ``bad_timestamp``, ``bad_value``).
- Empty values are gaps (NaN), never zero.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Literal

import numpy as np
import pandas as pd

from planner.consumption_io._source import Source
from planner.consumption_io.quality import RawReadings, energy_factor, infer_steps, local_to_utc
from quartier_solaire.errors import Problem, ReadError

Convention = Literal["start", "end"]
_OFFSET_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_timestamps(
    text: pd.Series,
    lines: np.ndarray,
    path: str | None,
    field: str,
    problems: list[Problem] | None = None,
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Parse ISO 8601 strings to UTC; return the times and a mask of failures.

    Naive times are localised by :func:`~planner.consumption_io.quality.local_to_utc`,
    which reports to ``problems``.
    """
    text = text.str.strip()
    has_offset = text.str.contains(_OFFSET_RE, regex=True)
    if has_offset.all():
        times = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        return pd.DatetimeIndex(times), times.isna().to_numpy()
    if has_offset.any():
        i = int(np.flatnonzero(~has_offset.to_numpy())[0])
        raise ReadError(
            "some timestamps carry a UTC offset and others do not; expected one convention",
            path=path,
            line=int(lines[i]),
            field=field,
            code="consumption_mixed_timezones",
        )
    wall = pd.to_datetime(text, format="ISO8601", errors="coerce")
    times = local_to_utc(pd.DatetimeIndex(wall), lines, path, field, problems).tz_convert("UTC")
    return times, wall.isna().to_numpy()


def parse_values(
    text: pd.Series, lines: np.ndarray, path: str | None, field: str, decimal_comma: bool
) -> np.ndarray:
    """Parse numbers; empty strings are NaN, anything else unreadable is an error."""
    text = text.str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
    bad = values.isna() & text.ne("") & text.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReadError(
            "value is not a number; expected a number or an empty field",
            path=path,
            line=int(lines[i]),
            field=field,
            code="consumption_bad_value",
        )
    return values.to_numpy(dtype="float64")


def split_rows(
    rows: list[str],
    lines: np.ndarray,
    sep: str,
    source: Source,
    fields: tuple[str, str],
    problems: list[Problem],
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Split ``timestamp<sep>value`` rows; drop a truncated last row, with a finding."""
    # The C parser splits fields (a third, trailing field is tolerated); a row
    # without separator is found by a vectorised search.
    try:
        parts = pd.read_csv(
            io.StringIO("\n".join(rows)),
            sep=sep,
            header=None,
            names=[0, 1, 2],
            index_col=False,
            dtype=str,
            keep_default_na=False,
            quoting=csv.QUOTE_NONE,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        row = int(m.group(1)) - 1 if m else 0
        raise ReadError(
            f"row has too many fields; expected '{fields[0]}{sep}{fields[1]}'",
            path=source.name,
            line=int(lines[min(row, len(lines) - 1)]),
            code="consumption_bad_row",
        ) from None
    ts = parts[0]
    val = parts[1].where(pd.Series(rows, dtype="object").str.contains(sep, regex=False))
    missing = val.isna().to_numpy()
    times_probe = ts.str.strip().str.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")
    if missing.any() or not times_probe.all():
        bad = np.flatnonzero(missing | ~times_probe.to_numpy())
        last = len(rows) - 1
        if bad[0] == last and not source.ends_with_newline:
            problems.append(
                Problem(
                    code="consumption_truncated_last_row",
                    message="The last row is cut short (the file was truncated); it was dropped.",
                    severity="dropped",
                    line=int(lines[last]),
                )
            )
            ts, val, lines = ts.iloc[:-1], val.iloc[:-1], lines[:-1]
        else:
            i = int(bad[0])
            what = (
                f"expected '{fields[0]}{sep}{fields[1]}'"
                if missing[i]
                else "expected an ISO 8601 date and time"
            )
            raise ReadError(
                f"row cannot be read; {what}",
                path=source.name,
                line=int(lines[i]),
                field=fields[1] if missing[i] else fields[0],
                code="consumption_bad_row" if missing[i] else "consumption_bad_timestamp",
            )
    return ts.reset_index(drop=True), val.fillna("").reset_index(drop=True), lines


def to_readings(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    lines: np.ndarray,
    *,
    unit: str,
    convention: Convention,
    declared_step_min: int | None,
) -> RawReadings:
    """Label rows at interval starts and convert values to energy [kWh].

    Parameters
    ----------
    times : pandas.DatetimeIndex
        Timestamps as in the file, UTC.
    values : numpy.ndarray
        Values in ``unit``.
    lines : numpy.ndarray
        1-based file lines.
    unit : str
        W or kW (average power over the step) or Wh or kWh (energy per step).
    convention : {"start", "end"}
        Whether a timestamp marks the start or the end of its interval.
    declared_step_min : int, optional
        Step stated by the file [min], used when a file has one row.
    """
    order = np.argsort(times.asi8, kind="stable")
    sorted_times = times[order]
    unique, first = np.unique(sorted_times.asi8, return_index=True)
    steps_unique = infer_steps(sorted_times[first], declared_step_min)
    steps = np.empty(len(times), dtype=np.int64)
    steps[order] = steps_unique[np.searchsorted(unique, sorted_times.asi8)]
    factor, is_power = energy_factor(unit)
    energy = values * factor * (steps / 60.0 if is_power else 1.0)
    starts = times - pd.to_timedelta(steps, unit="min") if convention == "end" else times
    return RawReadings(
        start=pd.DatetimeIndex(starts), energy_kwh=energy, step_min=steps, line=lines
    )
