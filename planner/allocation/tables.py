"""Reading the production and consumption tables a PMO scripts with.

Production: a CSV with a timestamp column then one column of energy per step
[kWh]. Consumption: a timestamp column then one column per participant
[kWh per step]. Separator ``,`` or ``;``; decimal mark ``.`` (or ``,`` with
``;``); timestamps in ISO 8601, with or without offset, one per settlement
step. A header may name its unit, ``(kWh)``, ``[kWh]`` or a ``_kWh`` suffix;
any other unit (W, Wh, kW, MWh) is refused rather than guessed.

Every fault raises :class:`~quartier_solaire.errors.ReadError` naming the line
(1-based, header = line 1) and the column: a line with fewer fields than the
header (a truncated file), an empty or non-numeric cell, a negative value, a
timestamp that cannot be read, is out of order, off the step, or not the same
in both files. Values from the file never appear in a message.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from quartier_solaire.errors import ReadError

_UNITS = {"w", "wh", "kw", "kwh", "mw", "mwh", "gwh", "va", "kva"}
_BRACKETED = re.compile(r"[\(\[]\s*([A-Za-z]+)\s*[\)\]]\s*$")
_SUFFIX = re.compile(r"[\s_]([A-Za-z]+)$")


def read_production_csv(path: str | Path, step_minutes: int | None = None) -> pd.Series:
    """Read a production table as energy per step [kWh], indexed by time."""
    frame = read_table(path, step_minutes)
    if frame.shape[1] != 1:
        raise ReadError(
            "expected two columns: timestamp, kWh", path=str(path), line=1, code="alloc_header"
        )
    return frame.iloc[:, 0].rename("PROD")


def read_consumption_csv(path: str | Path, step_minutes: int | None = None) -> pd.DataFrame:
    """Read a consumption table as energy per step [kWh]: time x participant."""
    return read_table(path, step_minutes)


def check_aligned(
    production: pd.Series, consumption: pd.DataFrame, production_path: str, consumption_path: str
) -> None:
    """Raise ReadError at the first step where the two tables' timestamps differ."""
    a, b = production.index, consumption.index
    n = min(len(a), len(b))
    try:
        differ = np.flatnonzero(np.asarray(a[:n] != b[:n]))
    except TypeError:  # with and without offsets: not the same instants
        differ = np.arange(n)
    if differ.size:
        row, path = int(differ[0]), consumption_path
    elif len(a) != len(b):
        row, path = n, consumption_path if len(b) > len(a) else production_path
    else:
        return
    raise ReadError(
        "this timestamp is not on the other file's grid at the same line",
        path=path,
        line=row + 2,
        field=(consumption.index.name if path == consumption_path else production.index.name),
        code="alloc_misaligned",
    )


def read_participant_values(path: str | Path) -> pd.Series:
    """Read a two-column table ``participant, value`` (shares, levels) as a Series."""
    frame = read_table(path, None, timestamps=False)
    if frame.shape[1] != 1:
        raise ReadError(
            "expected two columns: participant, value", path=str(path), line=1, code="alloc_header"
        )
    return frame.iloc[:, 0]


def read_table(source, step_minutes: int | None = None, timestamps: bool = True) -> pd.DataFrame:
    """Read a table of energies: a first column (timestamps or names), then numbers.

    ``source`` is a path or a text buffer. Returns the numbers as floats, the
    first column as index (named after its header). Raises ReadError as the
    module says.
    """
    name = str(source) if isinstance(source, str | Path) else None
    try:
        if isinstance(source, str | Path):
            text = Path(source).read_text(encoding="utf-8-sig")
        else:
            text = source.read()
            text = text.decode("utf-8-sig") if isinstance(text, bytes) else text.lstrip("\ufeff")
    except FileNotFoundError:
        raise ReadError("no such file", path=name, code="no_such_file") from None
    except (OSError, UnicodeDecodeError):
        raise ReadError("not a UTF-8 text file", path=name, code="unreadable") from None
    lines = text.splitlines()
    if len(lines) < 2:
        raise ReadError("no data under the header", path=name, line=1, code="alloc_empty")
    header = lines[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    if header.count(sep) < 1:
        raise ReadError("expected at least two columns", path=name, line=1, code="alloc_header")
    # pandas would rename a repeated column "a.1": catch it on the raw header.
    seen: set[str] = set()
    for cell in header.split(sep):
        cell = cell.strip().strip('"')
        if cell in seen:
            raise ReadError(
                "a participant appears twice in the header",
                path=name,
                line=1,
                field=cell,
                code="alloc_duplicate_participant",
            )
        seen.add(cell)
    try:
        # With ";" the decimal mark is usually ","; cells in the other form are
        # converted below, column by column.
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            decimal="," if sep == ";" else ".",
            skip_blank_lines=False,
            dtype={0: str},  # names and PRM numbers keep their leading zeros
        )
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+)", str(error))
        raise ReadError(
            "more fields than the header has",
            path=name,
            line=int(found.group(1)) if found else None,
            code="alloc_too_many_fields",
        ) from None
    frame = frame.loc[: frame.notna().any(axis=1)[::-1].idxmax()]  # trailing blank lines
    columns = [str(c).strip() for c in frame.columns]
    for column in columns[1:]:
        _check_unit(column, name)
    values = np.empty((len(frame), len(columns) - 1))
    for j, column in enumerate(frame.columns[1:]):
        values[:, j] = _numbers(frame[column], lines, sep, len(columns), name, columns, j + 1)
    first = columns[0]
    if timestamps:
        index = parse_timestamps(frame.iloc[:, 0], name, first, step_minutes)
    else:
        index = pd.Index(frame.iloc[:, 0].astype(str).str.strip(), name=first)
    return pd.DataFrame(values, index=index, columns=columns[1:], copy=False)


def _check_unit(column: str, name: str) -> None:
    found = _BRACKETED.search(column) or _SUFFIX.search(column)
    unit = (found.group(1) if found else column).lower()
    if unit in _UNITS and unit != "kwh":
        raise ReadError(
            "values must be energies in kWh per step",
            path=name,
            line=1,
            field=column,
            code="alloc_unit",
        )


def _numbers(column: pd.Series, lines, sep, width, name, columns, j) -> np.ndarray:
    """The column as floats; ReadError at its first empty, non-numeric or negative cell."""
    if column.dtype.kind not in "fi":
        text = column.astype("string").str.strip().str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text, errors="coerce")
        bad = np.flatnonzero(numbers.isna().to_numpy() & text.notna().to_numpy())
        if bad.size:
            raise ReadError(
                "not a number",
                path=name,
                line=int(bad[0]) + 2,
                field=columns[j],
                code="alloc_not_a_number",
            )
        column = numbers
    values = column.to_numpy(dtype=float, na_value=np.nan)
    missing = np.flatnonzero(np.isnan(values))
    if missing.size:
        line = int(missing[0]) + 2
        fields = len(lines[line - 1].split(sep)) if line - 1 < len(lines) else 0
        truncated = fields < width
        raise ReadError(
            f"{fields} fields where the header has {width}" if truncated else "empty cell",
            path=name,
            line=line,
            field=columns[fields] if truncated else columns[j],
            code="alloc_truncated" if truncated else "alloc_missing_value",
        )
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise ReadError(
            "energy must not be negative",
            path=name,
            line=int(negative[0]) + 2,
            field=columns[j],
            code="alloc_negative",
        )
    return values


def parse_timestamps(
    column: pd.Series, name: str, field: str, step_minutes: int | None
) -> pd.DatetimeIndex:
    """ISO 8601 timestamps, increasing at a regular step; ReadError naming the line otherwise."""
    text = column.astype("string").str.strip()
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    except ValueError:  # offsets that change (summer time): compare them in UTC
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        raise ReadError(
            "not a date and time",
            path=name,
            line=int(bad[0]) + 2,
            field=field,
            code="alloc_bad_timestamp",
        )
    index = pd.DatetimeIndex(parsed, name=field)
    if len(index) < 2:
        return index
    steps = np.diff(index.as_unit("s").asi8)
    if (steps <= 0).any():
        raise ReadError(
            "timestamps must increase from one line to the next",
            path=name,
            line=int(np.flatnonzero(steps <= 0)[0]) + 3,
            field=field,
            code="alloc_timestamp_order",
        )
    expected = step_minutes * 60 if step_minutes else steps[0]
    off = np.flatnonzero(steps != expected)
    if off.size:
        raise ReadError(
            "timestamps must follow each other at the settlement step",
            path=name,
            line=int(off[0]) + 3,
            field=field,
            code="alloc_step",
            params={"minutes": int(expected // 60)},
        )
    return index
