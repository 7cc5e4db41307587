"""The result of an allocation: Enedis flows per participant and step, with totals.

With one pooled production (the "dynamic simple" settlement of Enedis, where
every producer's output goes into one pot), the flows are, at every step:

- PROD: production [kWh]; AUTOPROD: the part allocated to participants;
  SURPLUS: the rest, exported (PROD = AUTOPROD + SURPLUS);
- per participant, CONS: consumption [kWh]; AUTOCONS: the part allocated to
  it; COMPLEMENT: the rest, bought from its supplier (CONS = AUTOCONS + COMPLEMENT);
- AUTOCONS <= CONS for every participant and AUTOPROD = sum AUTOCONS <= PROD.

Self-consumption rate = sum AUTOCONS / sum PROD; self-production rate =
sum AUTOCONS / sum CONS (DESIGN.md, "Domain facts"; Code de l'énergie L315-2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.flows import EnergyFlows

# Rounding noise allowed by the invariants [kWh]: far below a meter's 1 Wh.
TOLERANCE_KWH = 1e-9


@dataclass(frozen=True)
class Allocation:
    """Enedis flows of one allocation key over a period.

    Attributes
    ----------
    key : str
        Name of the key that produced it (``"static"``, ``"dynamic_default"``, ...).
    prod : pandas.Series
        PROD per step [kWh] (production, battery discharge included).
    cons : pandas.DataFrame
        CONS per step (rows) and participant (columns) [kWh].
    autocons : pandas.DataFrame
        AUTOCONS per step and participant [kWh].
    storage : pandas.DataFrame or None
        With a battery: ``charge_kwh``, ``discharge_kwh`` and ``soc_kwh`` (state
        of charge at the end of the step) per step.
    """

    key: str
    prod: pd.Series
    cons: pd.DataFrame
    autocons: pd.DataFrame
    storage: pd.DataFrame | None = None

    @property
    def autoprod(self) -> pd.Series:
        """AUTOPROD per step: production allocated to participants [kWh]."""
        return self.autocons.sum(axis=1).rename("AUTOPROD")

    @property
    def surplus(self) -> pd.Series:
        """SURPLUS per step: production left unallocated, exported [kWh]."""
        return (self.prod - self.autoprod).clip(lower=0.0).rename("SURPLUS")

    @property
    def complement(self) -> pd.DataFrame:
        """COMPLEMENT per step and participant: bought from the supplier [kWh]."""
        return (self.cons - self.autocons).clip(lower=0.0)

    @property
    def coefficients(self) -> pd.DataFrame:
        """Share of the production allocated to each participant, per step [-].

        ``AUTOCONS / PROD``, 0 where nothing is produced: the coefficients a PMO
        would send to Enedis to reproduce this allocation exactly.
        """
        prod = self.prod.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(prod[:, None] > 0, self.autocons.to_numpy() / prod[:, None], 0.0)
        # sum AUTOCONS <= PROD, but a division by a trace of production (denormal
        # floats) can round a step's total above 1.
        total = share.sum(axis=1)
        over = np.flatnonzero(total > 1)
        share[over] /= total[over, None]
        return pd.DataFrame(
            share, index=self.autocons.index, columns=self.autocons.columns, copy=False
        )

    @property
    def totals(self) -> EnergyFlows:
        """Totals over the period [kWh] and the two rates."""
        prod = float(self.prod.sum())
        cons = float(self.cons.to_numpy().sum())
        autocons = float(self.autocons.to_numpy().sum())
        return EnergyFlows(
            prod_kwh=prod,
            cons_kwh=cons,
            autocons_kwh=autocons,
            surplus_kwh=max(prod - autocons, 0.0),
            complement_kwh=max(cons - autocons, 0.0),
        )

    @property
    def self_consumption_rate(self) -> float:
        """Sum AUTOCONS / sum PROD [-]; NaN without production."""
        return self.totals.self_consumption_rate

    @property
    def self_production_rate(self) -> float:
        """Sum AUTOCONS / sum CONS [-]; NaN without consumption."""
        return self.totals.self_production_rate

    def per_participant(self) -> pd.DataFrame:
        """Totals per participant: CONS, AUTOCONS, COMPLEMENT [kWh] and self-production [-]."""
        cons = self.cons.sum()
        autocons = self.autocons.sum()
        table = pd.DataFrame(
            {"CONS": cons, "AUTOCONS": autocons, "COMPLEMENT": (cons - autocons).clip(lower=0)}
        )
        table["self_production_rate"] = (autocons / cons.where(cons > 0)).astype(float)
        return table

    def steps(self) -> pd.DataFrame:
        """Every flow per step in one wide table [kWh].

        Columns ``PROD``, ``AUTOPROD``, ``SURPLUS``, then for each participant
        ``CONS:<participant>``, ``AUTOCONS:<participant>``, ``COMPLEMENT:<participant>``
        and, with a battery, its charge, discharge and state of charge.
        """
        parts = [self.prod.rename("PROD"), self.autoprod, self.surplus]
        for name, frame in (
            ("CONS", self.cons),
            ("AUTOCONS", self.autocons),
            ("COMPLEMENT", self.complement),
        ):
            parts.append(frame.set_axis([f"{name}:{c}" for c in frame.columns], axis=1))
        if self.storage is not None:
            parts.append(self.storage.add_prefix("battery:"))
        return pd.concat(parts, axis=1)


def as_arrays(production: pd.Series, consumption: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Check the inputs of a key and return them as float arrays (steps,), (steps, n).

    Raises
    ------
    ValueError
        If the two are not on one time grid, or hold missing or negative values.
    """
    if not isinstance(production, pd.Series):
        raise ValueError("production must be a pandas Series indexed by time")
    if not isinstance(consumption, pd.DataFrame):
        raise ValueError("consumption must be a DataFrame: time x participant")
    if not production.index.equals(consumption.index):
        raise ValueError("production and consumption must share one time grid")
    if not consumption.columns.is_unique:
        raise ValueError("each participant must appear once in the consumption columns")
    p = production.to_numpy(dtype=float)
    c = consumption.to_numpy(dtype=float)
    # One pass each: the minimum is NaN if any value is, and NaN >= 0 is False.
    if p.size and c.size and not (p.min() >= 0 and c.min() >= 0):
        if np.isnan(p).any() or np.isnan(c).any():
            raise ValueError("production and consumption must have no missing steps")
        raise ValueError("production and consumption must not be negative")
    return p, c


def build(
    key: str, production: pd.Series, consumption: pd.DataFrame, autocons: np.ndarray
) -> Allocation:
    """Wrap an allocated matrix (steps, n) [kWh] as an :class:`Allocation`."""
    return Allocation(
        key=key,
        prod=production.astype(float).rename("PROD"),
        cons=consumption.astype(float),
        autocons=pd.DataFrame(
            autocons, index=consumption.index, columns=consumption.columns, copy=False
        ),
    )
