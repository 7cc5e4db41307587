"""The allocation keys, vectorised over every step with numpy.

Each key takes production [kWh per step] as a Series indexed by time and
consumption [kWh per step] as a DataFrame (time x participant) and returns an
:class:`~planner.allocation.result.Allocation`. Keys as Enedis applies them
(Enedis "clés de répartition", DESIGN.md "Domain facts"):

- ``static``: fixed shares s_i; A_i = min(s_i P, C_i); an unused share goes to
  surplus;
- ``dynamic_default``: pro rata of consumption, capped: A_i = C_i min(1, P / sum C);
- ``custom`` ("dynamique simple"): a coefficient k_i per participant and step,
  applied like a static share at that step: A_i = min(k_i P, C_i);
- ``priority``: not an Enedis key but what providers compute and send as a
  custom key: levels served in turn, shares inside a level pro rata of
  consumption, equal, or weighted, capped at consumption, and what one
  participant cannot take redistributed to the others of its level
  (water-filling) before the next level is served.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from planner.allocation.result import Allocation, as_arrays, build

# Shares and coefficients may exceed 1 in total by floating noise only.
_SUM_TOLERANCE = 1e-6


def dynamic_default(production: pd.Series, consumption: pd.DataFrame) -> Allocation:
    """Enedis's default dynamic key: pro rata of consumption, capped at consumption.

    A_i = C_i * min(1, P / sum C) at every step.

    Parameters
    ----------
    production : pandas.Series
        Production per step [kWh].
    consumption : pandas.DataFrame
        Consumption per step (rows) and participant (columns) [kWh].

    Returns
    -------
    Allocation
    """
    p, c = as_arrays(production, consumption)
    return build("dynamic_default", production, consumption, _pro_rata(p, c))


def static(
    production: pd.Series,
    consumption: pd.DataFrame,
    shares: Mapping[str, float] | pd.Series | Sequence[float],
) -> Allocation:
    """Static key: a fixed share of the production per participant.

    A_i = min(s_i * P, C_i): what a participant does not use of its share is
    not passed on, it goes to surplus.

    Parameters
    ----------
    production, consumption
        As for :func:`dynamic_default` [kWh].
    shares : mapping, Series or sequence
        Share of each participant [-], by participant name or in column order;
        each at least 0, at most 1 in total.

    Returns
    -------
    Allocation
    """
    p, c = as_arrays(production, consumption)
    s = _shares(_per_participant(shares, consumption.columns, "shares"), "shares")
    allocated = np.multiply.outer(p, s)
    return build("static", production, consumption, np.minimum(allocated, c, out=allocated))


def custom(
    production: pd.Series, consumption: pd.DataFrame, coefficients: pd.DataFrame
) -> Allocation:
    """Custom key ("dynamique simple"): a coefficient per participant and step.

    A_i = min(k_i * P, C_i): Enedis applies each coefficient as a share of that
    step's production, capped at the participant's consumption; what is left
    goes to surplus.

    Parameters
    ----------
    production, consumption
        As for :func:`dynamic_default` [kWh].
    coefficients : pandas.DataFrame
        Share of the production per step and participant [-], on the same index
        and columns as ``consumption`` (column order may differ); at least 0,
        at most 1 in total at every step.

    Returns
    -------
    Allocation
    """
    p, c = as_arrays(production, consumption)
    if not _same_instants(coefficients.index, consumption.index):
        raise ValueError("the coefficients must be on the consumption's time grid")
    missing = set(consumption.columns) - set(coefficients.columns)
    if missing:
        raise ValueError(f"no coefficient for {len(missing)} participant(s)")
    if not coefficients.columns.equals(consumption.columns):
        coefficients = coefficients[list(consumption.columns)]
    k = coefficients.to_numpy(dtype=float)
    if k.size and not k.min() >= 0:  # NaN fails this too
        raise ValueError("coefficients must be given and not negative")
    total = k.sum(axis=1)
    if (total > 1 + _SUM_TOLERANCE).any():
        raise ValueError("the coefficients of a step must not exceed 1 in total")
    allocated = k * (p / np.maximum(total, 1.0))[:, None]
    return build("custom", production, consumption, np.minimum(allocated, c, out=allocated))


def priority(
    production: pd.Series,
    consumption: pd.DataFrame,
    levels: Mapping[str, int] | pd.Series | Sequence[int] | None = None,
    *,
    within: str = "pro_rata",
    weights: Mapping[str, float] | pd.Series | Sequence[float] | None = None,
) -> Allocation:
    """Priority cascade: levels served in turn, leftovers redistributed.

    Level 1 (the lowest number) is served first with all the production, then
    level 2 with what is left, and so on. Inside a level the production is
    shared ``within`` it and capped at consumption; what a participant cannot
    take goes to the others of its level until their demand or the production
    is exhausted, then to the next level; what no one can take is surplus.

    Parameters
    ----------
    production, consumption
        As for :func:`dynamic_default` [kWh].
    levels : mapping, Series or sequence, optional
        Priority level of each participant (lower is served first); all at one
        level by default.
    within : {"pro_rata", "equal"}
        Inside a level: pro rata of consumption, or equal shares (each gets
        min(C_i, lambda), lambda the common level that uses the production up).
    weights : mapping, Series or sequence, optional
        Shares inside a level instead of ``within``: A_i = min(C_i, lambda w_i).

    Returns
    -------
    Allocation
    """
    p, c = as_arrays(production, consumption)
    columns = consumption.columns
    lv = np.ones(len(columns)) if levels is None else _per_participant(levels, columns, "levels")
    if weights is not None:
        w = _per_participant(weights, columns, "weights")
        if (w < 0).any():
            raise ValueError("weights must not be negative")
    elif within in ("pro_rata", "equal"):
        w = None
    else:
        raise ValueError("within must be 'pro_rata' or 'equal'")
    # Participants sorted by level, so that each level is a slice (a view, no copy).
    order = np.argsort(lv, kind="stable")
    permuted = not np.array_equal(order, np.arange(len(order)))
    c_sorted = c[:, order] if permuted else c
    lv_sorted = lv[order]
    w_sorted = None if w is None else w[order]
    out = np.empty_like(c_sorted)
    bounds = [0, *(np.flatnonzero(np.diff(lv_sorted)) + 1).tolist(), len(lv_sorted)]
    left = p.copy()
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        demand, view = c_sorted[:, start:stop], out[:, start:stop]
        if w_sorted is not None:
            total = _water_fill(left, demand, w_sorted[start:stop], view)
        elif within == "equal":
            total = _water_fill(left, demand, np.ones(stop - start), view)
        else:
            total = demand.sum(axis=1)
            _pro_rata(left, demand, total, view)
        # What this level took: all it asked for, or all that was left.
        left = np.maximum(left - np.clip(np.minimum(left, total), 0.0, None), 0.0)
    if permuted:
        allocated = np.empty_like(out)
        allocated[:, order] = out
    else:
        allocated = out
    return build("priority", production, consumption, allocated)


def water_fill(
    available: np.ndarray, demand: np.ndarray, weights: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Share ``available`` in proportion to ``weights``, capped at ``demand``, with redistribution.

    At each step A_i = min(C_i, lambda * w_i), with lambda the water level at
    which sum A_i = min(available, sum C). Participants are sorted by C_i / w_i
    at every step; the cumulative sums give the production used at each
    candidate level, and the first level that needs more than is available
    fixes lambda. Participants of weight 0 get nothing; weights below 1e-12
    of the largest count as 0.

    Parameters
    ----------
    available : numpy.ndarray
        Energy to share per step [kWh], shape (steps,).
    demand : numpy.ndarray
        Cap per step and participant [kWh], shape (steps, n).
    weights : numpy.ndarray
        Weight per participant [-], shape (n,), at least 0.
    out : numpy.ndarray, optional
        Where to write the result, shape (steps, n).

    Returns
    -------
    numpy.ndarray
        Allocated energy per step and participant [kWh], shape (steps, n).
    """
    out = np.empty_like(demand, dtype=float) if out is None else out
    _water_fill(available, demand, np.asarray(weights, dtype=float), out)
    return out


def _water_fill(
    available: np.ndarray, demand: np.ndarray, weights: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """Water-filling into ``out``; returns what the participants could take per step [kWh]."""
    # Only ratios matter; weights below 1e-12 of the largest count as 0 (no overflow).
    top = weights.max(initial=0.0)
    w = np.where(weights > 1e-12 * top, weights / top, 0.0) if top > 0 else np.zeros_like(weights)
    if (w > 0).all():
        out[...] = demand
    else:
        np.multiply(demand, w > 0, out=out)  # weight 0: nothing
    total = out.sum(axis=1)
    out[np.flatnonzero(available <= 0)] = 0.0
    # Only steps with something to share and more demand than that need a level.
    rows = np.flatnonzero((available > 0) & (total > available))
    if rows.size == 0:
        return total
    c, r = out[rows], available[rows]
    if (w == 1).all():
        # Equal shares: the order of C_i / w_i is that of C_i, a plain sort.
        c_s = r_s = np.sort(c, axis=1)
        w_s = np.ones_like(c_s)
    else:
        wr = np.broadcast_to(w, c.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(wr > 0, c / wr, 0.0)
        order = np.argsort(ratio, axis=1)
        c_s = np.take_along_axis(c, order, axis=1)
        w_s = np.take_along_axis(wr, order, axis=1)
        r_s = np.take_along_axis(ratio, order, axis=1)
    served = np.cumsum(c_s, axis=1)
    # Weight of the participants still below their cap at level r_s[k] (j > k).
    weight_ge = np.cumsum(w_s[:, ::-1], axis=1)[:, ::-1]
    used_at = served + r_s * (weight_ge - w_s)
    full = (used_at <= r[:, None]).sum(axis=1)  # participants capped at their demand
    idx = np.arange(len(rows))
    served_before = np.where(full > 0, served[idx, np.maximum(full - 1, 0)], 0.0)
    lam = (r - served_before) / weight_ge[idx, np.minimum(full, c.shape[1] - 1)]
    out[rows] = np.minimum(c, lam[:, None] * w)
    return total


def _same_instants(a: pd.Index, b: pd.Index) -> bool:
    """Same index, or the same instants written in two time zones."""
    if a.equals(b):
        return True
    aware = isinstance(a, pd.DatetimeIndex) and isinstance(b, pd.DatetimeIndex)
    if not aware or a.tz is None or b.tz is None or len(a) != len(b):
        return False
    return bool((a == b).all())


def _pro_rata(
    available: np.ndarray,
    demand: np.ndarray,
    total: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """A_i = C_i * min(1, R / sum C), 0 where nothing is consumed [kWh]."""
    total = demand.sum(axis=1) if total is None else total
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(total > 0, np.minimum(1.0, available / total), 0.0)
    return np.multiply(demand, factor[:, None], out=out)


def _per_participant(values, columns: pd.Index, what: str) -> np.ndarray:
    """Align per-participant values with the consumption columns."""
    if isinstance(values, Mapping | pd.Series):
        series = pd.Series(values, dtype=float)
        missing = columns.difference(series.index)
        if len(missing):
            raise ValueError(f"{what}: no value for {len(missing)} participant(s)")
        array = series.reindex(columns).to_numpy(dtype=float)
    else:
        array = np.asarray(values, dtype=float)
        if array.shape != (len(columns),):
            raise ValueError(f"{what}: one value per participant expected")
    if np.isnan(array).any():
        raise ValueError(f"{what}: every participant needs a value")
    return array


def _shares(array: np.ndarray, what: str) -> np.ndarray:
    if (array < 0).any():
        raise ValueError(f"{what} must not be negative")
    total = array.sum()
    if total > 1 + _SUM_TOLERANCE:
        raise ValueError(f"{what} must not exceed 1 in total")
    return array / max(total, 1.0)
