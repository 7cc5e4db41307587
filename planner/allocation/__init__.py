"""Sharing a collective project's production among its participants, as Enedis settles it.

``allocate(production, consumption, key=...)`` runs one allocation key, with an
optional shared battery, and returns the Enedis flows (PROD, AUTOPROD,
SURPLUS, CONS, AUTOCONS, COMPLEMENT) per participant and step with their
totals and rates. Each key is also a public function. The custom key's
coefficients round-trip through the CSV a PMO sends to Enedis, rounded so as
to lose the least self-consumed energy. No Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from planner.allocation.key_file import (
    DECIMALS,
    floor_coefficients,
    read_key_csv,
    round_coefficients,
    rounding_loss_percent,
    write_key_csv,
)
from planner.allocation.keys import custom, dynamic_default, priority, static, water_fill
from planner.allocation.result import Allocation
from planner.allocation.storage import Battery, dispatch_battery

KEYS: dict[str, Callable[..., Allocation]] = {
    "static": static,
    "dynamic_default": dynamic_default,
    "priority": priority,
    "custom": custom,
}
"""Allocation keys by name."""


def allocate(
    production: pd.Series,
    consumption: pd.DataFrame,
    key: str = "dynamic_default",
    *,
    battery: Battery | None = None,
    **options,
) -> Allocation:
    """Share the production among the participants with one key.

    Parameters
    ----------
    production : pandas.Series
        Production per step [kWh], indexed by time.
    consumption : pandas.DataFrame
        Consumption per step (rows, same index) and participant (columns) [kWh].
    key : str
        One of :data:`KEYS`: ``"static"`` (``shares=``), ``"dynamic_default"``,
        ``"priority"`` (``levels=``, ``within=``, ``weights=``) or ``"custom"``
        (``coefficients=``).
    battery : Battery, optional
        A shared battery dispatched greedily after the key.
    **options
        Passed to the key's function.

    Returns
    -------
    Allocation

    Raises
    ------
    ValueError
        For an unknown key, inputs on different time grids, missing or
        negative values, or options the key does not accept.
    """
    if key not in KEYS:
        raise ValueError(f"unknown key {key!r}; expected one of {', '.join(KEYS)}")
    result = KEYS[key](production, consumption, **options)
    return result if battery is None else dispatch_battery(result, battery)


__all__ = [
    "DECIMALS",
    "KEYS",
    "Allocation",
    "Battery",
    "allocate",
    "custom",
    "dispatch_battery",
    "dynamic_default",
    "floor_coefficients",
    "priority",
    "read_key_csv",
    "round_coefficients",
    "rounding_loss_percent",
    "static",
    "water_fill",
    "write_key_csv",
]
