"""A campaign's figures: nothing below ten households, no sum that one or two dominate."""

import pytest

from planner.campaign_figures import MIN_HOUSEHOLDS, campaign_figures
from planner.store import Contributions


def _joined(kwh, coverage=None, area_kwh=100_000.0):
    coverage = coverage or [0.9] * len(kwh)
    return Contributions(len(kwh), tuple(sorted(coverage)), tuple(sorted(kwh)), 50, area_kwh)


def test_below_ten_households_nothing_is_published_and_the_gap_is_counted():
    figures = campaign_figures(_joined([4000.0] * 7))
    assert figures.households is None and figures.coverage is None
    assert figures.measured_share is None  # suppressed: None, never 0
    assert figures.missing == MIN_HOUSEHOLDS - 7


def test_from_ten_households_counts_and_shares_are_published():
    figures = campaign_figures(_joined([4000.0] * 10, coverage=[0.8] * 5 + [1.0] * 5))
    assert figures.households == 10 and figures.missing == 0
    assert figures.coverage == pytest.approx(0.9)
    assert figures.measured_share == pytest.approx(0.4)


def test_a_sum_that_two_households_dominate_is_suppressed():
    # Two large consumers hold more than 85 % of the total: their share would reveal them.
    figures = campaign_figures(_joined([100.0] * 8 + [50_000.0, 50_000.0]))
    assert figures.households == 10
    assert figures.measured_share is None
    assert figures.coverage == pytest.approx(0.9)


def test_households_without_a_stored_curve_count_but_do_not_make_a_share():
    joined = Contributions(12, (0.9,) * 9, (4000.0,) * 9, 50, 100_000.0)
    figures = campaign_figures(joined)
    assert figures.households == 12
    assert figures.measured_share is None and figures.coverage is None
