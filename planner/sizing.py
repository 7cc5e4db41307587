"""How much to install: a sweep of installed power, and a recommended size.

For a collective project the totals do not depend on the allocation key as long
as the key wastes nothing (dynamic default, or any key that gives every shared
kWh to someone who consumes it): at every step the collective self-consumes
AUTOCONS = min(PROD, sum CONS) (see planner/flows.py). The sweep therefore
needs only the total production and the total consumption per step, and it
runs for every size at once on a 2-D array (sizes x steps).

Two ways to grow the installation:

- :func:`sweep_planes` adds roof planes one by one, best specific yield first;
- :func:`sweep_scaling` scales the chosen planes' production to each size.

:func:`recommend` picks a size for an objective and says why with a catalogue
key and its parameters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.economics import EconomicParams, npv_of_sizes

# Columns of a sweep, in order.
SWEEP_COLUMNS = (
    "kwp",
    "prod_kwh",
    "autocons_kwh",
    "surplus_kwh",
    "cons_kwh",
    "self_consumption_rate",
    "self_production_rate",
    "npv_eur",
)

OBJECTIVES = ("max_npv", "self_production", "self_consumption")

# Rows of the 2-D array computed at once: bounds memory (rows x steps x 8 bytes).
_CHUNK_ROWS = 64


def _total_consumption(cons: pd.Series | pd.DataFrame) -> pd.Series:
    return cons.sum(axis=1) if isinstance(cons, pd.DataFrame) else cons


def _years_covered(index: pd.Index) -> float:
    # The economics need yearly kWh: a sweep over a typical year covers 1 year.
    if isinstance(index, pd.DatetimeIndex) and len(index) > 1:
        step = pd.Series(index).diff().median()
        return len(index) * step / pd.Timedelta(days=365)
    return 1.0


def _check(prod: np.ndarray, cons: np.ndarray) -> None:
    if np.isnan(prod).any() or np.isnan(cons).any():
        raise ValueError("production and consumption must have no missing steps")
    if (prod < 0).any() or (cons < 0).any():
        raise ValueError("production and consumption must not be negative")


def _autocons_per_row(prod_rows: np.ndarray, cons: np.ndarray) -> np.ndarray:
    """Sum over steps of min(PROD, CONS) [kWh] for every row of ``prod_rows`` (rows x steps)."""
    out = np.empty(prod_rows.shape[0])
    for start in range(0, prod_rows.shape[0], _CHUNK_ROWS):
        block = prod_rows[start : start + _CHUNK_ROWS]
        out[start : start + _CHUNK_ROWS] = np.minimum(block, cons).sum(axis=1)
    return out


def _sweep_frame(
    kwp: np.ndarray,
    prod_kwh: np.ndarray,
    autocons_kwh: np.ndarray,
    cons_kwh: float,
    installations: list[np.ndarray],
    years: float,
    params: EconomicParams,
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "kwp": kwp,
            "prod_kwh": prod_kwh,
            "autocons_kwh": autocons_kwh,
            "surplus_kwh": prod_kwh - autocons_kwh,
            "cons_kwh": cons_kwh,
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["self_consumption_rate"] = np.where(prod_kwh > 0, autocons_kwh / prod_kwh, np.nan)
        frame["self_production_rate"] = autocons_kwh / cons_kwh if cons_kwh > 0 else np.nan
    frame["npv_eur"] = npv_of_sizes(prod_kwh / years, autocons_kwh / years, installations, params)
    return frame


def sweep_scaling(
    prod: pd.Series,
    cons: pd.Series | pd.DataFrame,
    kwp: float | Sequence[float],
    sizes_kwp: Sequence[float] | np.ndarray,
    params: EconomicParams | None = None,
) -> pd.DataFrame:
    """Scale the chosen planes' production to each installed power.

    Parameters
    ----------
    prod : pandas.Series
        Production of the chosen planes per step [kWh], at their installed power.
    cons : pandas.Series or pandas.DataFrame
        Consumption per step [kWh]: the collective total, or one column per
        participant (summed), on the same time grid as ``prod``.
    kwp : float or sequence of float
        Installed power of the chosen planes [kWc], one value per installation;
        each is scaled by the same factor and priced by its own size band.
    sizes_kwp : sequence of float
        Total installed powers to evaluate [kWc].
    params : EconomicParams, optional

    Returns
    -------
    pandas.DataFrame
        One row per size with :data:`SWEEP_COLUMNS`: ``kwp`` [kWc], ``prod_kwh``,
        ``autocons_kwh``, ``surplus_kwh``, ``cons_kwh`` [kWh over the period],
        ``self_consumption_rate``, ``self_production_rate`` [-], ``npv_eur`` [EUR].

    Notes
    -----
    The NPV needs yearly energies: on a DatetimeIndex the period's kWh are
    scaled to 365 days (a typical year is left as it is); on any other index the
    period is taken as one year.
    """
    params = params or EconomicParams()
    total = _total_consumption(cons)
    if not prod.index.equals(total.index):
        raise ValueError("production and consumption must share one time grid")
    p = prod.to_numpy(dtype=float)
    c = total.to_numpy(dtype=float)
    _check(p, c)
    planes = np.atleast_1d(np.asarray(kwp, dtype=float))
    if planes.sum() <= 0:
        raise ValueError("the chosen planes must have some installed power")
    sizes = np.asarray(sizes_kwp, dtype=float)
    if np.isnan(sizes).any() or (sizes < 0).any():
        raise ValueError("sizes must be non-negative kWc")
    factors = sizes / planes.sum()
    autocons = _autocons_per_row(factors[:, None] * p[None, :], c)
    return _sweep_frame(
        sizes,
        factors * p.sum(),
        autocons,
        float(c.sum()),
        [planes * f for f in factors],
        _years_covered(prod.index),
        params,
    )


def sweep_planes(
    plane_prod: pd.DataFrame,
    plane_kwp: pd.Series,
    cons: pd.Series | pd.DataFrame,
    params: EconomicParams | None = None,
) -> pd.DataFrame:
    """Add roof planes one by one, best specific yield first.

    Parameters
    ----------
    plane_prod : pandas.DataFrame
        Production per step [kWh], one column per candidate plane.
    plane_kwp : pandas.Series
        Installed power of each plane [kWc], indexed by the same plane ids.
        Each plane is one installation, priced by its own size band.
    cons : pandas.Series or pandas.DataFrame
        Consumption per step [kWh], total or per participant (summed).
    params : EconomicParams, optional

    Returns
    -------
    pandas.DataFrame
        As :func:`sweep_scaling`, one row per number of planes, plus ``planes``
        (how many) and ``added_plane`` (the id of the plane added at that row).
        Specific yield ties keep the order of ``plane_prod``'s columns.
    """
    params = params or EconomicParams()
    total = _total_consumption(cons)
    if not plane_prod.index.equals(total.index):
        raise ValueError("production and consumption must share one time grid")
    missing = [p for p in plane_prod.columns if p not in plane_kwp.index]
    if missing or plane_prod.shape[1] == 0:
        raise ValueError("every plane needs an installed power, and there must be one plane")
    kwp = plane_kwp.reindex(plane_prod.columns).to_numpy(dtype=float)
    if not (kwp > 0).all():
        raise ValueError("every plane's installed power must be positive")
    p = plane_prod.to_numpy(dtype=float)
    c = total.to_numpy(dtype=float)
    _check(p, c)
    order = np.argsort(-p.sum(axis=0) / kwp, kind="stable")
    cumulative = np.cumsum(p[:, order].T, axis=0)  # row k: the k+1 best planes
    autocons = _autocons_per_row(cumulative, c)
    frame = _sweep_frame(
        np.cumsum(kwp[order]),
        cumulative.sum(axis=1),
        autocons,
        float(c.sum()),
        [kwp[order[: k + 1]] for k in range(order.size)],
        _years_covered(plane_prod.index),
        params,
    )
    frame.insert(0, "added_plane", plane_prod.columns[order])
    frame.insert(0, "planes", np.arange(1, order.size + 1))
    return frame


@dataclass(frozen=True)
class Recommendation:
    """A recommended size and why, in words the catalogue holds.

    Attributes
    ----------
    row : pandas.Series
        The chosen row of the sweep.
    key : str
        Catalogue key of the explanation (``econ.sizing.*``).
    params : dict
        Its placeholders, as numbers for the page to write in the reader's
        language: ``kwp`` [kWc], ``npv_eur`` [EUR], ``self_consumption_rate``,
        ``self_production_rate`` and ``target_rate`` [shares, 0-1].
    """

    row: pd.Series = field(compare=False)
    key: str
    params: dict = field(compare=False)


def _explain(row: pd.Series, key: str, target: float | None) -> Recommendation:
    params = {
        "kwp": float(row["kwp"]),
        "npv_eur": float(row["npv_eur"]),
        "self_consumption_rate": float(row["self_consumption_rate"]),
        "self_production_rate": float(row["self_production_rate"]),
    }
    if target is not None:
        params["target_rate"] = float(target)
    return Recommendation(row=row, key=key, params=params)


def recommend(
    sweep: pd.DataFrame, objective: str = "max_npv", target: float | None = None
) -> Recommendation:
    """Pick a size from a sweep for an objective, and explain the choice.

    Parameters
    ----------
    sweep : pandas.DataFrame
        A frame from :func:`sweep_scaling` or :func:`sweep_planes`.
    objective : {"max_npv", "self_production", "self_consumption"}
        ``max_npv``: the size with the largest NPV. ``self_production``: the
        smallest size whose self-production rate reaches ``target``.
        ``self_consumption``: the largest size whose self-consumption rate stays
        at least ``target``.
    target : float, optional
        The rate [0-1] the last two objectives need.

    Returns
    -------
    Recommendation
        When no size meets the target, the closest one and an ``*_unreachable``
        key; when no size has a positive NPV, the best one and
        ``econ.sizing.max_npv_negative``.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}")
    if sweep.empty:
        raise ValueError("the sweep holds no size")
    ordered = sweep.sort_values("kwp", kind="stable")
    if objective == "max_npv":
        row = ordered.loc[ordered["npv_eur"].idxmax()]
        key = "econ.sizing.max_npv" if row["npv_eur"] > 0 else "econ.sizing.max_npv_negative"
        return _explain(row, key, None)
    if target is None or not 0 <= target <= 1 or math.isnan(target):
        raise ValueError("this objective needs a target rate between 0 and 1")
    if objective == "self_production":
        reached = ordered[ordered["self_production_rate"] >= target]
        if reached.empty:
            best = ordered.loc[ordered["self_production_rate"].fillna(-1.0).idxmax()]
            return _explain(best, "econ.sizing.self_production_unreachable", target)
        return _explain(reached.iloc[0], "econ.sizing.self_production", target)
    kept = ordered[ordered["self_consumption_rate"] >= target]
    if kept.empty:
        best = ordered.loc[ordered["self_consumption_rate"].fillna(-1.0).idxmax()]
        return _explain(best, "econ.sizing.self_consumption_unreachable", target)
    return _explain(kept.iloc[-1], "econ.sizing.self_consumption", target)
