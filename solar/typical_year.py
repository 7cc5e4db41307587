"""The one calendar year on which every typical-year series is laid.

Weather years (synthetic, PVGIS TMY, EPW) and household profiles all land on
the same year so that production and consumption line up step by step. 2025 is
not a leap year (8,760 hours) and its 1 January is a Wednesday.
"""

from __future__ import annotations

import pandas as pd

TYPICAL_YEAR = 2025
TIMEZONE = "Europe/Paris"


def typical_year_index(freq: str = "h", tz: str = TIMEZONE) -> pd.DatetimeIndex:
    """Return the regular time grid of the typical year.

    Parameters
    ----------
    freq : str
        Step: ``"h"`` (simulation), ``"30min"`` or ``"15min"`` (settlement).
    tz : str
        Time zone of the labels. Steps are regular in absolute time, so the
        spring and autumn clock changes give 23- and 25-hour local days.

    Returns
    -------
    pandas.DatetimeIndex
        Labels mark the START of each interval; 8,760 hours in all.
    """
    start = pd.Timestamp(f"{TYPICAL_YEAR}-01-01", tz=tz)
    end = pd.Timestamp(f"{TYPICAL_YEAR + 1}-01-01", tz=tz)
    return pd.date_range(start, end, freq=freq, inclusive="left", name="time")
