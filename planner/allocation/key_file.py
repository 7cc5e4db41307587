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
free (100 % minus the floored total) one at a time to the participants whose
allocation gains most from it, min(C_i - units_i * unit P, unit P): those with
headroom under their consumption first, never to one already at its
consumption. Plain flooring (:func:`floor_coefficients`) leaves those units
unused.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from planner.allocation.keys import custom
from planner.allocation.result import Allocation
from planner.allocation.tables import parse_timestamps
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


def round_coefficients(
    allocation: Allocation, decimals: int = DECIMALS, rounds: int = 3
) -> pd.DataFrame:
    """The coefficients at the precision that lose the least self-consumed energy [-].

    Parameters
    ----------
    allocation : Allocation
        The exact allocation to reproduce (any key; with storage, the battery
        is one of the participants).
    decimals : int
        Decimals of a coefficient in percent.
    rounds : int
        Passes that hand out free units; one suffices but for rare steps.

    Returns
    -------
    pandas.DataFrame
        Coefficients per step and participant, multiples of 10**-(decimals+2),
        at most 1 in total per step.
    """
    n_units = _units(decimals)
    prod = allocation.prod.to_numpy()
    cons = allocation.cons.to_numpy()
    units = np.floor(allocation.coefficients.to_numpy() * n_units + 1e-9)
    free = n_units - units.sum(axis=1)
    rows = np.flatnonzero((free > 0) & (prod > 0))
    for _ in range(rounds):
        if rows.size == 0:
            break
        unit_kwh = (prod[rows] / n_units)[:, None]
        gain = np.minimum(cons[rows] - units[rows] * unit_kwh, unit_kwh)
        give = _top(gain, free[rows])
        units[rows] += give
        free[rows] -= give.sum(axis=1)
        rows = rows[(free[rows] > 0) & give.any(axis=1)]
    return pd.DataFrame(
        units / n_units, index=allocation.cons.index, columns=allocation.cons.columns, copy=False
    )


def _top(gain: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Mask of the ``count`` largest positive gains of each row (ties: leftmost first).

    A sort gives each row's threshold, the count-th largest gain; cells above it
    are taken, and as many cells equal to it as are still needed.
    """
    n = gain.shape[1]
    ordered = np.sort(gain, axis=1)
    k = np.clip(count.astype(np.int64), 1, n)
    threshold = np.maximum(ordered[np.arange(len(gain)), n - k], _GAIN_FLOOR_KWH)
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
    whole, part = np.divmod(units, 10**decimals)
    cells = np.char.add(
        np.char.add(whole.astype(str), ","), np.char.zfill(part.astype(str), decimals)
    )
    if decimals == 0:
        cells = whole.astype(str)
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
        number, negative, or that makes its line exceed 100 %, and of the
        first timestamp that cannot be read or is out of order.
    """
    name = str(path_or_buffer) if isinstance(path_or_buffer, str | Path) else None
    if isinstance(path_or_buffer, str | Path):
        text = Path(path_or_buffer).read_text(encoding="utf-8-sig")
    else:
        text = path_or_buffer.read()
    rows = list(
        csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n", 1)[0] else ",")
    )
    if not rows or rows[0][:1] != ["Horodate"] or len(rows[0]) < 2:
        raise ReadError(
            "expected a header 'Horodate;<participant>;...'",
            path=name,
            line=1,
            code="alloc_key_header",
        )
    header = rows[0]
    values = np.zeros((len(rows) - 1, len(header) - 1))
    stamps = []
    for i, row in enumerate(rows[1:]):
        line = i + 2
        if len(row) != len(header):
            field = header[len(row)] if len(row) < len(header) else None
            raise ReadError(
                f"{len(row)} fields where the header has {len(header)}",
                path=name,
                line=line,
                field=field,
                code="alloc_truncated",
            )
        for j, cell in enumerate(row[1:]):
            try:
                values[i, j] = float(cell.strip().replace(",", "."))
            except ValueError:
                raise ReadError(
                    "not a number",
                    path=name,
                    line=line,
                    field=header[j + 1],
                    code="alloc_not_a_number",
                ) from None
            if not values[i, j] >= 0:
                raise ReadError(
                    "a coefficient must not be negative",
                    path=name,
                    line=line,
                    field=header[j + 1],
                    code="alloc_negative",
                )
        if values[i].sum() > 100 + 1e-6:
            raise ReadError(
                "coefficients exceed 100 % on this line",
                path=name,
                line=line,
                field=header[-1],
                code="alloc_key_over_100",
            )
        stamps.append(row[0])
    index = parse_timestamps(pd.Series(stamps, dtype=object), name or "", "Horodate", None)
    return pd.DataFrame(values / 100.0, index=index, columns=header[1:], copy=False)
