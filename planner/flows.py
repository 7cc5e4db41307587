"""Energy flows between production and consumption, with the Enedis names.

At every settlement step, a consumer takes what is produced up to what it
consumes. With the Enedis names (collective self-consumption settlement):

- PROD = AUTOCONS + SURPLUS (production: self-consumed, or exported);
- CONS = AUTOCONS + COMPLEMENT (consumption: self-supplied, or from the grid);
- AUTOCONS <= CONS and AUTOCONS <= PROD at every step.

Self-consumption rate = sum AUTOCONS / sum PROD; self-production (or
self-sufficiency) rate = sum AUTOCONS / sum CONS. See DESIGN.md, "Collective
self-consumption", and Code de l'énergie L315-2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class EnergyFlows:
    """Totals of the flows over the period [kWh] and the two rates [-]."""

    prod_kwh: float
    cons_kwh: float
    autocons_kwh: float
    surplus_kwh: float
    complement_kwh: float

    @property
    def self_consumption_rate(self) -> float:
        """Share of production consumed on site [-]; NaN without production."""
        return self.autocons_kwh / self.prod_kwh if self.prod_kwh > 0 else float("nan")

    @property
    def self_production_rate(self) -> float:
        """Share of consumption covered by the production [-]; NaN without consumption."""
        return self.autocons_kwh / self.cons_kwh if self.cons_kwh > 0 else float("nan")


def flows(prod: pd.Series, cons: pd.Series) -> tuple[EnergyFlows, pd.DataFrame]:
    """Split production and consumption into self-consumed, surplus and complement.

    Parameters
    ----------
    prod : pandas.Series
        Production energy per step [kWh], on the same index as ``cons``.
    cons : pandas.Series
        Consumption energy per step [kWh].

    Returns
    -------
    EnergyFlows
        Totals and rates.
    pandas.DataFrame
        Per step: PROD, CONS, AUTOCONS, SURPLUS, COMPLEMENT [kWh].

    Raises
    ------
    ValueError
        If the two series are not on the same time grid, or hold negative or
        missing values.
    """
    if not prod.index.equals(cons.index):
        raise ValueError("production and consumption must share one time grid")
    p = prod.to_numpy(dtype=float)
    c = cons.to_numpy(dtype=float)
    if np.isnan(p).any() or np.isnan(c).any():
        raise ValueError("production and consumption must have no missing steps")
    if (p < 0).any() or (c < 0).any():
        raise ValueError("production and consumption must not be negative")
    autocons = np.minimum(p, c)
    steps = pd.DataFrame(
        {
            "PROD": p,
            "CONS": c,
            "AUTOCONS": autocons,
            "SURPLUS": p - autocons,
            "COMPLEMENT": c - autocons,
        },
        index=prod.index,
    )
    totals = steps.sum()
    return (
        EnergyFlows(
            prod_kwh=float(totals["PROD"]),
            cons_kwh=float(totals["CONS"]),
            autocons_kwh=float(totals["AUTOCONS"]),
            surplus_kwh=float(totals["SURPLUS"]),
            complement_kwh=float(totals["COMPLEMENT"]),
        ),
        steps,
    )
