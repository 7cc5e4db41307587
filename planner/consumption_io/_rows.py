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

Large files are read in bounded memory (:func:`read_rows`): the rows of a
block are taken a few megabytes at a time and turned into arrays of times,
values and line numbers (24 bytes a row) before the next slice is read, so the
peak stays within a small multiple of the file's size (``bench/readers.py``
measures it) rather than holding a Python string per row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Literal

import numpy as np
import pandas as pd

from planner.consumption_io._source import Source
from planner.consumption_io.quality import RawReadings, energy_factor, infer_steps, local_to_utc
from quartier_solaire.errors import Problem, ReadError

Convention = Literal["start", "end"]
_OFFSET_RE = r"(?:Z|[+-]\d{2}:?\d{2})$"
# Characters of text parsed at once [-]: a few megabytes keeps the per-row
# Python objects of one slice (about 10x its size) small next to the arrays.
CHUNK_CHARS = 1_000_000

#: Largest magnitude a reading may have, in any unit (W, Wh, kW, kWh, or a
#: cumulative index in Wh) [-]. ASSUMPTION: 1e12 is a terawatt-hour index, out
#: of reach of any home; ``inf`` or ``1e308`` would turn every total into
#: infinity.
MAX_ABS_VALUE = 1e12

#: A stretch of text holding rows: (start offset, end offset, line of the first row).
Span = tuple[int, int, int]


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
    values = values.to_numpy(dtype="float64")
    absurd = np.isinf(values) | (np.abs(values) > MAX_ABS_VALUE)
    if absurd.any():
        i = int(np.flatnonzero(absurd)[0])
        raise ReadError(
            "value is infinite or beyond any meter's reach; expected a reading",
            path=path,
            line=int(lines[i]),
            field=field,
            code="consumption_bad_value",
        )
    return values


def split_rows(
    rows: list[str],
    lines: np.ndarray,
    sep: str,
    source: Source,
    fields: tuple[str, str],
    problems: list[Problem],
    final: bool = True,
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Split ``timestamp<sep>value`` rows; drop a truncated last row, with a finding.

    ``final`` says whether the rows end the file (only then can the last one
    be a row cut short).
    """
    # The C parser splits fields (a third, trailing field is tolerated); a row
    # without separator is found by a vectorised search.
    try:
        parts = pd.read_csv(
            # Bytes, not StringIO: StringIO holds 4 bytes a character.
            io.BytesIO("\n".join(rows).encode("utf-8")),
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
        if bad[0] == last and final and not source.ends_with_newline:
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
    stamps = times.asi8
    if len(stamps) < 2 or bool((stamps[1:] > stamps[:-1]).all()):
        # The usual file: in order, no repeats. No sorting copies.
        steps = infer_steps(times, declared_step_min)
    else:
        order = np.argsort(stamps, kind="stable")
        sorted_times = times[order]
        unique, first = np.unique(sorted_times.asi8, return_index=True)
        steps_unique = infer_steps(sorted_times[first], declared_step_min)
        steps = np.empty(len(times), dtype=np.int64)
        steps[order] = steps_unique[np.searchsorted(unique, sorted_times.asi8)]
        del order, sorted_times, unique, first
    factor, is_power = energy_factor(unit)
    # In place where possible: one new array for energy, one for starts.
    energy = values * (factor / 60.0 if is_power else factor)
    if is_power:
        energy *= steps
    if convention == "end":
        ns = times.as_unit("ns")
        shifted = steps * (60 * 10**9)
        np.subtract(ns.asi8, shifted, out=shifted)
        starts = pd.DatetimeIndex(shifted.view("datetime64[ns]")).tz_localize("UTC")
        starts = starts.tz_convert(ns.tz)
    else:
        starts = times
    return RawReadings(
        start=pd.DatetimeIndex(starts), energy_kwh=energy, step_min=steps, line=lines
    )


def iter_rows(text: str, spans: list[Span], chunk_chars: int | None = None) -> Iterator[tuple]:
    """Yield the non-blank rows of ``spans`` of ``text``, a slice at a time.

    Yields
    ------
    rows : list of str
        Rows without their line break.
    lines : numpy.ndarray
        1-based file line of each row.
    final : bool
        True for the slice after which the text holds nothing but blanks.
    """
    chunk_chars = chunk_chars or CHUNK_CHARS
    for start, end, first_line in spans:
        pos, line = start, first_line
        while pos < end:
            cut = end
            if end - pos > chunk_chars:
                cut = text.rfind("\n", pos, pos + chunk_chars)
                if cut < 0:  # one line longer than a slice
                    cut = text.find("\n", pos + chunk_chars, end)
                    cut = end if cut < 0 else cut
            piece = text[pos:cut]
            rows = piece.split("\n")
            keep = np.fromiter((bool(r.strip()) for r in rows), bool, len(rows))
            lines = np.flatnonzero(keep).astype(np.int64) + line
            rows = [r.rstrip("\r") for r, k in zip(rows, keep, strict=True) if k]
            line += piece.count("\n") + 1
            final = cut == end and not text[end:].strip()
            pos = cut + 1
            if rows:
                yield rows, lines, final


def read_rows(
    source: Source,
    spans: list[Span],
    sep: str,
    fields: tuple[str, str],
    problems: list[Problem],
    *,
    decimal_comma: bool,
    quoted: bool = False,
    timestamp_message: str = "date and time not understood; expected ISO 8601",
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Parse the ``timestamp<sep>value`` rows of ``spans`` into arrays, slice by slice.

    The source's text is released once read (:meth:`Source.release`): a large
    file is never held both as text and as arrays.

    Returns
    -------
    times : pandas.DatetimeIndex
        UTC; naive (wall-clock) times are localised once all rows are read, so
        that the repeated autumn hour is ordered over the whole file.
    values : numpy.ndarray
        Values as in the file (float64, NaN for an empty field).
    lines : numpy.ndarray
        1-based file line of each row.

    Raises
    ------
    quartier_solaire.errors.ReadError
        For the first row that cannot be read, naming its line and field.
    """
    text = source.text  # taken from the source, so that releasing it frees it
    # At most one row a line: the arrays are allocated once and filled slice by
    # slice (no list of pieces to join, which would double the peak).
    capacity = sum(text.count("\n", a, b) + 1 for a, b, _ in spans)
    out_t = np.empty(capacity, dtype="datetime64[ns]")
    out_v = np.empty(capacity, dtype="float64")
    out_l = np.empty(capacity, dtype=np.int64)
    n, aware_file = 0, None
    for rows, lines, final in iter_rows(text, spans):
        ts, val, lines = split_rows(rows, lines, sep, source, fields, problems, final=final)
        del rows
        ts = ts.str.strip()
        if quoted:
            ts, val = ts.str.strip('"'), val.str.strip().str.strip('"')
        has_offset = ts.str.contains(_OFFSET_RE, regex=True).to_numpy()
        aware = bool(has_offset.all())
        if has_offset.any() and not aware or aware_file not in (None, aware):
            expected = True if aware_file is None else aware_file
            i = int(np.flatnonzero(has_offset != expected)[0])
            raise _mixed(source.name, int(lines[i]), fields[0])
        aware_file = aware
        times = pd.to_datetime(ts, format="ISO8601", utc=aware, errors="coerce")
        if times.isna().any():
            i = int(np.flatnonzero(times.isna().to_numpy())[0])
            raise ReadError(
                timestamp_message,
                path=source.name,
                line=int(lines[i]),
                field=fields[0],
                code="consumption_bad_timestamp",
            )
        # UTC (or wall-clock) instants as plain datetime64[ns], 8 bytes a row.
        times = times.dt.tz_convert(None) if aware else times
        k = len(lines)
        out_t[n : n + k] = times.dt.as_unit("ns").to_numpy()
        out_v[n : n + k] = parse_values(val, lines, source.name, fields[1], decimal_comma)
        out_l[n : n + k] = lines
        n += k
    del text
    source.release()  # every row is in the arrays: free the text
    stamps = pd.DatetimeIndex(out_t[:n], copy=False)
    values, lines = out_v[:n], out_l[:n]
    if aware_file is not False:
        return stamps.tz_localize("UTC"), values, lines
    utc = local_to_utc(stamps, lines, source.name, fields[0], problems).tz_convert("UTC")
    return utc, values, lines


def _mixed(path: str | None, line: int, field: str) -> ReadError:
    return ReadError(
        "some timestamps carry a UTC offset and others do not; expected one convention",
        path=path,
        line=line,
        field=field,
        code="consumption_mixed_timezones",
    )
