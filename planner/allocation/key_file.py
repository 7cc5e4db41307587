"""The custom key's coefficients at Enedis's precision, and the CSV a PMO sends.

Layout assumed. Enedis's published specification of the "clé dynamique
simple" file could not be found in the sources available to us (the ACC
notes Enedis-NOI-CF_110E and Enedis-OPE-CF_07E describe the keys, not the
file). We write what public PMO tooling writes: one UTF-8 CSV, ``;`` as
separator, a header ``Horodate;<participant>;<participant>;...`` (the PRM
numbers in practice), then one line per settlement step, the timestamp in ISO
8601 with its offset (the step's start), and each participant's coefficient
in percent with a decimal comma, at most 100 in total per line. Precision
assumed: 0.1 % (one decimal in percent), the precision of the keys those tools
publish; ``decimals`` changes it. The reader accepts ``.`` or ``,`` as the
decimal mark and ``;`` or ``,`` as separator.

Rounding. Enedis gives each participant min(k_i P, C_i), so a coefficient
rounded down loses self-consumed energy and one rounded up past C_i / P is
harmless (the excess goes to surplus) as long as the line stays within 100 %.
:func:`round_coefficients` starts from the exact allocation's coefficients
A_i / P, floors them to whole units of precision, then hands the units still
free (100 % minus the floored total) to the participants whose allocation
gains from them, min(C_i - units_i * unit P, unit P): first one unit to each
with a whole unit of headroom under its consumption, largest remainder first
(so that no column order is favoured), then the rest by gain; never to one
already at its consumption. That is the optimum at each step (the gains are
concave), checked against handing units out one by one in the tests. Plain
flooring (:func:`floor_coefficients`) leaves those units unused: at 0.1 % it
loses 4 % of the self-consumed energy at 50 participants and 39 % at 500;
this rounding 0.006 % and 0.63 % (``bench/allocation.py``, production at 60 %
of consumption), the rest being what no rounding to 0.1 % can avoid when each
of 500 shares is about 0.2 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from planner.allocation.keys import custom
from planner.allocation.result import Allocation
from planner.allocation.tables import read_table
from quartier_solaire.errors import ReadError

DECIMALS = 1
"""Decimals of a coefficient in percent (1 = steps of 0.1 %); assumed, see above."""

_GAIN_FLOOR_KWH = 1e-12


def _units(decimals: int) -> int:
    return 10 ** (decimals + 2)


def floor_coefficients(allocation: Allocation, decimals: int = DECIMALS) -> pd.DataFrame:
    """The exact coefficients floored to the precision: what naive tools publish [-]."""
    n_units = _units(decimals)
    units = np.floor(allocation.coefficients.to_numpy() * n_units + 1e-9)
    return pd.DataFrame(
        units / n_units, index=allocation.cons.index, columns=allocation.cons.columns, copy=False
    )


def round_coefficients(allocation: Allocation, decimals: int = DECIMALS) -> pd.DataFrame:
    """The coefficients at the precision that lose the least self-consumed energy [-].

    At each step the units left free by flooring go, in this order: one unit
    to each participant with a whole unit of headroom under its consumption,
    largest remainder of its exact coefficient first (the fair order); more
    whole units in column order; then the partial units, largest gain first.
    Each unit's gain is min(headroom, unit), concave per participant, so this
    greedy order is the optimum for the step.

    Parameters
    ----------
    allocation : Allocation
        The exact allocation to reproduce (any key; with storage, the battery
        is one of the participants).
    decimals : int
        Decimals of a coefficient in percent.

    Returns
    -------
    pandas.DataFrame
        Coefficients per step and participant, multiples of 10**-(decimals+2),
        at most 1 in total per step.
    """
    n_units = _units(decimals)
    prod = allocation.prod.to_numpy()
    scaled = allocation.coefficients.to_numpy() * n_units
    units = np.floor(scaled + 1e-9)
    free = n_units - units.sum(axis=1)
    # Units worth less than the gain floor (a trace of production) gain nothing.
    rows = np.flatnonzero((free > 0) & (prod / n_units > _GAIN_FLOOR_KWH))
    if rows.size:
        unit_kwh = (prod[rows] / n_units)[:, None]
        headroom = np.maximum(allocation.cons.to_numpy()[rows] - units[rows] * unit_kwh, 0.0)
        remainder = scaled[rows] - units[rows]
        units[rows] += _hand_out(headroom, unit_kwh, remainder, free[rows])
    return pd.DataFrame(
        units / n_units, index=allocation.cons.index, columns=allocation.cons.columns, copy=False
    )


def _hand_out(
    headroom: np.ndarray, unit_kwh: np.ndarray, remainder: np.ndarray, free: np.ndarray
) -> np.ndarray:
    """Units given per participant and step: whole units first, then the largest partial ones."""
    given = _top(np.where(headroom >= unit_kwh, 1.0 + remainder, 0.0), free).astype(float)
    free = free - given.sum(axis=1)
    late = np.flatnonzero(free > 0)  # more free units than participants with headroom
    if late.size == 0:
        return given
    unit, left = unit_kwh[late], free[late]
    whole = np.floor(headroom[late] / unit + 1e-9)
    # More whole units: any order gains the same.
    more = whole - given[late]
    before = np.cumsum(more, axis=1) - more
    extra = np.clip(left[:, None] - before, 0.0, more)
    left = left - extra.sum(axis=1)
    # Then the partial units: every whole unit is given where some remain free.
    partial = np.maximum(headroom[late] - whole * unit, 0.0)
    given[late] += extra + _top(np.where(left[:, None] > 0, partial, 0.0), left)
    return given


def _top(gain: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Mask of the ``count`` largest positive gains of each row (ties: leftmost first).

    Where there are more takers than units, a sort gives the row's threshold,
    the count-th largest gain; cells above it are taken, and as many cells
    equal to it as are still needed.
    """
    positive = gain > _GAIN_FLOOR_KWH
    out = positive.copy()
    # Rows with at least as many units as takers need no sort.
    crowded = np.flatnonzero(positive.sum(axis=1) > count)
    if crowded.size:
        out[crowded] = _top_sorted(gain[crowded], count[crowded])
    return out


def _top_sorted(gain: np.ndarray, count: np.ndarray) -> np.ndarray:
    """:func:`_top` for rows with more takers than units: a sort finds the threshold."""
    n = gain.shape[1]
    ordered = np.sort(gain, axis=1)
    k = np.clip(count.astype(np.int64), 0, n)
    kth = ordered[np.arange(len(gain)), n - np.maximum(k, 1)]
    threshold = np.where(k > 0, np.maximum(kth, _GAIN_FLOOR_KWH), np.inf)
    above = gain > threshold[:, None]
    at = gain == threshold[:, None]
    still = (k - above.sum(axis=1))[:, None]
    return above | (at & (np.cumsum(at, axis=1) <= still))


def rounding_loss_percent(allocation: Allocation, coefficients: pd.DataFrame) -> float:
    """Self-consumed energy lost when Enedis applies ``coefficients`` instead [% of AUTOCONS]."""
    exact = allocation.totals.autocons_kwh
    if exact <= 0:
        return 0.0
    applied = custom(allocation.prod, allocation.cons, coefficients).totals.autocons_kwh
    return 100.0 * (exact - applied) / exact


def write_key_csv(
    coefficients: pd.DataFrame, path_or_buffer=None, decimals: int = DECIMALS
) -> str | None:
    """Write coefficients [-] as the CSV a PMO sends to Enedis (layout in the module doc).

    Returns the text when ``path_or_buffer`` is None.
    """
    n_units = _units(decimals)
    units = np.rint(coefficients.to_numpy(dtype=float) * n_units).astype(np.int64)
    if (units.sum(axis=1) > n_units).any():
        raise ValueError("coefficients of a step exceed 100 % at this precision")
    if (units < 0).any():
        raise ValueError("coefficients must not be negative")
    # Every cell is one of n_units + 1 texts: look them up rather than format
    # millions of numbers (np.char took 15 s for a year of 200 participants).
    whole, part = np.divmod(np.arange(n_units + 1), 10**decimals)
    texts = [
        f"{w},{p:0{decimals}d}" if decimals else f"{w}" for w, p in zip(whole, part, strict=True)
    ]
    cells = np.asarray(texts, dtype=object)[units]
    stamps = [ts.isoformat() for ts in coefficients.index]
    lines = ["Horodate;" + ";".join(str(c) for c in coefficients.columns)]
    lines += [f"{stamp};{';'.join(row)}" for stamp, row in zip(stamps, cells.tolist(), strict=True)]
    text = "\n".join(lines) + "\n"
    if path_or_buffer is None:
        return text
    if isinstance(path_or_buffer, str | Path):
        Path(path_or_buffer).write_text(text, encoding="utf-8")
    else:
        path_or_buffer.write(text)
    return None


def read_key_csv(path_or_buffer) -> pd.DataFrame:
    """Read a key CSV (layout in the module doc) as coefficients [-].

    Raises
    ------
    ReadError
        Naming the line and the column of the first cell that is missing, not a
        number or negative, the first timestamp that cannot be read or is out
        of order, or the first line whose coefficients exceed 100 %.
    """
    table = read_table(path_or_buffer)
    name = str(path_or_buffer) if isinstance(path_or_buffer, str | Path) else None
    if str(table.index.name).strip().lower() != "horodate":
        raise ReadError(
            "expected a header 'Horodate;<participant>;...'",
            path=name,
            line=1,
            field=str(table.index.name),
            code="alloc_key_header",
        )
    over = np.flatnonzero(table.to_numpy().sum(axis=1) > 100 + 1e-6)
    if over.size:
        raise ReadError(
            "coefficients exceed 100 % on this line",
            path=name,
            line=int(over[0]) + 2,
            code="alloc_key_over_100",
        )
    return table / 100.0
