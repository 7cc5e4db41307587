import numpy as np
import pandas as pd
import pytest

from planner.load_shapes import (
    daily_heatmap,
    month_starts,
    monthly_energy,
    typical_days,
    weekly_heatmap,
)
from solar.typical_year import typical_year_index


@pytest.fixture
def year():
    index = typical_year_index("30min")
    # 0.5 kWh per half-hour (1 kW) at night, 1 kWh (2 kW) from 18:00 to 22:00; more in winter.
    evening = (index.hour >= 18) & (index.hour < 22)
    winter = index.month.isin([12, 1, 2])
    values = np.where(evening, 1.0, 0.5) * np.where(winter, 2.0, 1.0)
    return pd.Series(values, index=index, name="energy_kwh")


def test_monthly_energy_sums_to_the_year(year):
    months = monthly_energy(year)
    assert list(months.index) == list(range(1, 13))
    assert months.sum() == pytest.approx(year.sum())
    assert months.loc[1] > 1.9 * months.loc[7]


def test_daily_heatmap_is_in_kilowatts_by_local_hour(year):
    table = daily_heatmap(year)
    assert table.shape == (365, 48)
    july = table.loc[pd.Timestamp("2025-07-14").day_of_year]
    assert july[19.0] == pytest.approx(2.0)
    assert july[3.5] == pytest.approx(1.0)


def test_the_year_heatmap_has_days_of_the_year_not_dates(year):
    # A typical year has no year: its rows must not carry one into a chart axis.
    table = daily_heatmap(year)
    assert list(table.index) == list(range(1, 366))
    starts = month_starts(year)
    assert list(starts.index) == list(range(1, 13))
    assert list(starts) == [1, 32, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335]


def test_clock_change_days_keep_local_hours(year):
    table = daily_heatmap(year)
    spring = table.loc[pd.Timestamp("2025-03-30").day_of_year]
    assert spring[2.0] != spring[2.0]  # 02:00-03:00 does not exist that day: NaN
    assert spring[19.0] == pytest.approx(2.0)


def test_weekly_heatmap_has_seven_days(year):
    table = weekly_heatmap(year)
    assert list(table.index) == list(range(7))
    assert table.shape[1] == 48


def test_typical_days_differ_by_season(year):
    days = typical_days(year)
    assert list(days.columns) == ["winter", "spring", "summer", "autumn"]
    assert days.loc[19.0, "winter"] == pytest.approx(4.0)
    assert days.loc[19.0, "summer"] == pytest.approx(2.0)
