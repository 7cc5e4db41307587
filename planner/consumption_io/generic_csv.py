"""Reader for a plain ``timestamp,value`` CSV with a declared unit and convention.

The layout is two columns under a header line (``,``, ``;`` or tab separated),
for data from a smart plug, a logger, a spreadsheet::

    timestamp,value
    2025-01-01T00:00:00+01:00,0.21

- ``unit`` is declared by the caller: ``W`` or ``kW`` (AVERAGE POWER over the
  step, energy = power x step) or ``Wh`` or ``kWh`` (energy per step). Without
  it, a unit in the value column's name is used (``value_kwh``, ``power (W)``,
  ``energy [Wh]``); with neither the file cannot be read (``unit_missing``).
- ``timestamp_convention`` says whether a timestamp marks the ``"start"`` or the
  ``"end"`` of its interval. Without it, a column named ``start``/``end`` (or
  ``*_start``/``*_end``) decides; else ``"start"`` is assumed and reported
  (``convention_assumed``, warning).
- Timestamps with an offset (``Z``, ``+00:00``, ``+02:00``) are exact; naive
  timestamps are Europe/Paris wall-clock times.
"""

from __future__ import annotations

import os
import re
from typing import IO, Any

import pandas as pd

from planner.consumption_io import _rows
from planner.consumption_io._source import Source, load
from planner.consumption_io.quality import QualityRules, finalise, normalise_unit
from quartier_solaire.errors import NotRecognised, Problem, ReadError

SOURCE = "generic_csv"
TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "horodate", "start", "end", "ts")
_UNIT_RE = re.compile(r"(?:^|[\s_\[(])(kwh|wh|kw|w)(?:$|[\s_\])])", re.IGNORECASE)
_SEPARATORS = (",", ";", "\t")


def _header(source: Source) -> tuple[int, list[str], str, int]:
    """Return the header's line index, names, separator and the offset after it."""
    text = source.text
    first = re.search(r"\S", text)
    if first is None:
        raise ReadError("the file is empty", path=source.name, code="consumption_empty_file")
    start = text.rfind("\n", 0, first.start()) + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    line = text[start:end].rstrip("\r")
    sep = max(_SEPARATORS, key=line.count)
    names = [n.strip().strip('"').strip() for n in line.split(sep)]
    return text.count("\n", 0, start), names, sep, min(end + 1, len(text))


def sniff(text: str) -> bool:
    """Return True if ``text`` looks like a ``timestamp,value`` CSV."""
    head = text[:4096].lstrip("\ufeff").splitlines()[:1]
    if not head:
        return False
    line = head[0]
    sep = max(_SEPARATORS, key=line.count)
    names = [n.strip().strip('"').lower() for n in line.split(sep)]
    return len(names) == 2 and any(names[0].startswith(t) for t in TIME_COLUMNS)


def read_generic_csv(
    path_or_buffer: str | os.PathLike | IO,
    filename: str | None = None,
    *,
    unit: str | None = None,
    timestamp_convention: str | None = None,
    rules: QualityRules | None = None,
    source: Source | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """Read a ``timestamp,value`` CSV.

    Parameters
    ----------
    path_or_buffer : str, path or file-like
        The CSV file.
    filename : str, optional
        Name shown in messages when reading from a buffer.
    unit : {"W", "kW", "Wh", "kWh"}, optional
        Unit of the values; W and kW are average power over the step.
    timestamp_convention : {"start", "end"}, optional
        Whether timestamps mark the start or the end of their interval.
    rules : QualityRules, optional
        Thresholds of the quality checks.
    source : Source, optional
        Already decoded text.

    Returns
    -------
    energy : pandas.Series
        Energy per interval [kWh], labelled at interval START, Europe/Paris.
    meta : dict
        As for every reader, plus ``timestamp_convention``.
    """
    source = source or load(path_or_buffer, filename)
    problems = list(source.problems)
    first, names, sep, body = _header(source)
    lowered = [n.lower() for n in names]
    if len(names) < 2 or not any(lowered[0].startswith(t) for t in TIME_COLUMNS):
        raise NotRecognised("expected a header 'timestamp,value'", path=source.name, line=first + 1)
    declared = normalise_unit(unit)
    if unit is not None and declared is None:
        raise ValueError(f"unit must be one of W, kW, Wh, kWh, got {unit!r}")
    if declared is None:
        m = _UNIT_RE.search(names[1])
        declared = normalise_unit(m.group(1)) if m else None
    if declared is None:
        raise ReadError(
            "the unit of the values is not known; declare it (W, kW, Wh or kWh) or "
            "name the column with its unit, e.g. 'value_kwh'",
            path=source.name,
            line=first + 1,
            field=names[1],
            code="consumption_unit_missing",
        )
    convention = timestamp_convention
    if convention is not None and convention not in ("start", "end"):
        raise ValueError(f"timestamp_convention must be 'start' or 'end', got {convention!r}")
    if convention is None:
        if lowered[0] == "end" or lowered[0].endswith("_end"):
            convention = "end"
        elif lowered[0] == "start" or lowered[0].endswith("_start"):
            convention = "start"
        else:
            convention = "start"
            problems.append(
                Problem(
                    code="consumption_convention_assumed",
                    message="The file does not say whether timestamps mark the start or "
                    "the end of each interval; start was assumed.",
                    severity="warning",
                    line=first + 1,
                    field=names[0],
                )
            )
    times, values, row_lines = _rows.read_rows(
        source,
        [(body, len(source.text), first + 2)],
        sep,
        (names[0], names[1]),
        problems,
        decimal_comma=sep == ";",
        quoted=True,
    )
    if not len(times):
        raise ReadError(
            "no reading under the header",
            path=source.name,
            line=first + 1,
            code="consumption_no_readings",
        )
    raw = _rows.to_readings(
        times, values, row_lines, unit=declared, convention=convention, declared_step_min=None
    )
    del times, values  # a large file's arrays: only the readings go on
    return finalise(
        raw,
        source=SOURCE,
        meter_id=None,
        unit_in_file=declared,
        problems=problems,
        path=source.name,
        rules=rules,
        extra_meta={"timestamp_convention": convention},
    )
