"""Production at the settlement step of collective self-consumption.

Since 1 January 2025 the collective self-consumption (ACC) settlement step is
15 minutes; Linky load curves are usually 30 minutes. PV simulation runs on
hourly weather, so hourly mean power must be spread over sub-hourly steps.

Method (:func:`to_settlement_step`)
-----------------------------------
1. Shape: the hourly means are anchored at the middle of their hours and
   interpolated linearly at the middle of each sub-step (the first and last
   hours hold their value outwards). In the morning ramp the first half-hour
   therefore gets less than the second, unlike a plain copy of the hourly
   value.
2. Energy: within each hour, the interpolated sub-steps are multiplied by the
   ratio of the hourly mean to their own mean, which restores each hour's
   energy exactly (to rounding). Because the hour's own mean carries at least
   half of the weight of every one of its sub-steps, that mean is at least half
   the hourly value, so the ratio is finite wherever the hour produces.
3. Sign: with non-negative hourly power, interpolated values are non-negative
   and the correction is a positive factor, so no value needs clipping and no
   energy is lost; an hour with zero production (night) stays zero in every
   sub-step.

The result is a production shape for settlement studies, not a measurement:
real sub-hourly PV power also fluctuates with passing clouds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_HOUR = pd.Timedelta(hours=1)


def _regular_step(index: pd.Index) -> pd.Timedelta:
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError("power must have a DatetimeIndex")
    if len(index) < 2:
        raise ValueError("power needs at least two time steps")
    steps = np.unique(np.diff(index.asi8))
    if len(steps) != 1 or steps[0] <= 0:
        raise ValueError("power index must be regular and increasing")
    return pd.Timedelta(index[1] - index[0])


def _substeps(step: str | pd.Timedelta) -> tuple[pd.Timedelta, int]:
    delta = pd.Timedelta(step)
    if delta <= pd.Timedelta(0) or _HOUR % delta != pd.Timedelta(0):
        raise ValueError(f"step must divide one hour, got {step!r}")
    return delta, int(_HOUR // delta)


def to_settlement_step(
    power_hourly: pd.Series | pd.DataFrame, step: str = "15min"
) -> pd.Series | pd.DataFrame:
    """Spread hourly mean power over sub-hourly steps, conserving each hour's energy.

    Parameters
    ----------
    power_hourly : pandas.Series or pandas.DataFrame
        Mean power per hour, non-negative, on a regular hourly DatetimeIndex
        labelled at the START of each hour (columns: e.g. plane ids). [kW]
    step : str
        Settlement step, ``"30min"`` or ``"15min"`` (any divisor of an hour).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Mean power per sub-step, labels at the start of each sub-step, same
        columns. [kW] The mean of the sub-steps of an hour equals that hour's
        value. NaN hours stay NaN and their neighbours hold their own value
        towards them.

    See Also
    --------
    energy_kwh
    """
    if _regular_step(power_hourly.index) != _HOUR:
        raise ValueError("power_hourly must be hourly")
    delta, n = _substeps(step)
    frame = power_hourly.to_frame() if isinstance(power_hourly, pd.Series) else power_hourly
    values = frame.to_numpy(dtype=float)
    if (values < 0).any():
        raise ValueError("power_hourly must be non-negative")
    own = values
    # Neighbours for the interpolation; edges and NaN neighbours hold the hour's value.
    prev = np.vstack([own[:1], own[:-1]])
    nxt = np.vstack([own[1:], own[-1:]])
    prev = np.where(np.isnan(prev), own, prev)
    nxt = np.where(np.isnan(nxt), own, nxt)
    # Sub-step centres in hours from the hour's middle: -0.5 + (k + 0.5) / n.
    offset = (np.arange(n) + 0.5) / n - 0.5
    before = np.clip(-offset, 0.0, None)[None, :, None]
    after = np.clip(offset, 0.0, None)[None, :, None]
    shape = (
        own[:, None, :] * (1.0 - before - after)
        + prev[:, None, :] * before
        + nxt[:, None, :] * after
    )
    mean = shape.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(mean > 0, own[:, None, :] / mean, 0.0)
    sub = shape * ratio
    sub = np.where(np.isnan(own)[:, None, :], np.nan, sub)
    sub = sub.reshape(len(own) * n, own.shape[1])
    # The input is regular and hourly, so the output grid is regular too.
    index = pd.date_range(
        power_hourly.index[0], periods=len(own) * n, freq=delta, name=power_hourly.index.name
    )
    out = pd.DataFrame(sub, index=index, columns=frame.columns)
    if isinstance(power_hourly, pd.Series):
        return out.iloc[:, 0].rename(power_hourly.name)
    return out


def energy_kwh(
    power_kw: pd.Series | pd.DataFrame, step: str | pd.Timedelta | None = None
) -> float | pd.Series:
    """Energy of a mean-power series: sum of power times step.

    Parameters
    ----------
    power_kw : pandas.Series or pandas.DataFrame
        Mean power per interval. [kW]
    step : str or pandas.Timedelta, optional
        Interval length; inferred from the regular index when omitted.

    Returns
    -------
    float or pandas.Series
        Energy, per column for a DataFrame. [kWh] NaN values count as zero.
    """
    delta = _regular_step(power_kw.index) if step is None else pd.Timedelta(step)
    hours = delta / _HOUR
    total = power_kw.sum(axis=0) * hours
    return float(total) if isinstance(power_kw, pd.Series) else total
