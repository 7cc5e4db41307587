"""The shapes of a load curve that people read: heatmaps, months, typical days.

Each function takes energy per interval [kWh] on a tz-aware regular index and
returns a small frame ready to draw. Time of day is local clock time, so that
"7 pm" means 7 pm in winter and in summer.
"""

from __future__ import annotations

import pandas as pd

SEASONS: dict[str, tuple[int, ...]] = {
    # Meteorological seasons, the convention of climate normals.
    "winter": (12, 1, 2),
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "autumn": (9, 10, 11),
}


def _step_hours(energy: pd.Series) -> float:
    step = pd.Timedelta(energy.index.freq or pd.infer_freq(energy.index))
    return step / pd.Timedelta(hours=1)


def _clock(index: pd.DatetimeIndex) -> pd.Index:
    return pd.Index(index.hour + index.minute / 60.0, name="hour")


def daily_heatmap(energy: pd.Series) -> pd.DataFrame:
    """Return mean power [kW] by day of the year (rows, 1-365) and local time of day.

    Rows are days of the year, not dates: a profile on the typical year has no
    year of its own, and a chart must not show one (see :func:`month_starts`
    for where each month begins). On the 23- and 25-hour days of the clock
    changes, the missing hour is empty and the repeated hour is averaged.
    """
    power = energy / _step_hours(energy)
    frame = pd.DataFrame(
        {"day": energy.index.day_of_year, "hour": _clock(energy.index), "kw": power.to_numpy()}
    )
    return frame.pivot_table(index="day", columns="hour", values="kw", aggfunc="mean")


def month_starts(energy: pd.Series) -> pd.Series:
    """Return the day of the year [1-366] on which each month (index 1-12) begins."""
    days = pd.Series(energy.index.day_of_year, index=energy.index.month)
    return days.groupby(level=0).min().rename_axis("month")


def weekly_heatmap(energy: pd.Series) -> pd.DataFrame:
    """Return mean power [kW] by weekday (rows, 0 = Monday) and local time of day."""
    power = energy / _step_hours(energy)
    frame = pd.DataFrame(
        {
            "weekday": energy.index.day_of_week,
            "hour": _clock(energy.index),
            "kw": power.to_numpy(),
        }
    )
    return frame.pivot_table(index="weekday", columns="hour", values="kw", aggfunc="mean")


def monthly_energy(energy: pd.Series) -> pd.Series:
    """Return energy per calendar month [kWh], indexed 1-12."""
    return energy.groupby(energy.index.month).sum().rename_axis("month")


def typical_days(energy: pd.Series) -> pd.DataFrame:
    """Return the mean daily power curve [kW] of each season, by local time of day."""
    power = energy / _step_hours(energy)
    season_of_month = {m: name for name, months in SEASONS.items() for m in months}
    frame = pd.DataFrame(
        {
            "season": energy.index.month.map(season_of_month),
            "hour": _clock(energy.index),
            "kw": power.to_numpy(),
        }
    )
    table = frame.pivot_table(index="hour", columns="season", values="kw", aggfunc="mean")
    return table[[s for s in SEASONS if s in table.columns]]
