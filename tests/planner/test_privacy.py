import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.privacy import (
    ReleaseLog,
    SecrecyRules,
    annual_kwh,
    check_secrecy,
    neighbourhood_annual,
    neighbourhood_monthly,
    neighbourhood_typical_day,
    publish,
)
from solar.typical_year import typical_year_index

RULES = SecrecyRules()


def households(annuals, index=None, seed=0):
    """Curves [kWh per hour] whose years are exactly ``annuals``, shapes varied per household."""
    index = typical_year_index("h") if index is None else index
    rng = np.random.default_rng(seed)
    winter = np.where(index.month.isin([12, 1, 2]), 2.0, 1.0)
    evening = np.where((index.hour >= 18) & (index.hour < 22), 2.0, 1.0)
    columns = {}
    for i, total in enumerate(annuals):
        shape = winter ** rng.uniform(0.2, 1.5) * evening * rng.uniform(0.8, 1.2, len(index))
        columns[f"H{i:02d}"] = shape / shape.sum() * total
    return pd.DataFrame(columns, index=index)


# Check one aggregate's contributions


def test_nine_households_are_suppressed_with_one_missing():
    verdict = check_secrecy([4000.0] * 9, RULES)
    assert (verdict.published, verdict.reason, verdict.missing) == (False, "too_few", 1)


def test_ten_households_are_published():
    verdict = check_secrecy([4000.0] * 10, RULES)
    assert (verdict.published, verdict.reason, verdict.missing) == (True, None, 0)


def test_ten_households_with_two_giants_at_90_percent_are_dominated():
    # Two giants hold 90 % of the total: 8 households of 1,000 kWh, two of 36,000.
    values = [1000.0] * 8 + [36000.0, 36000.0]
    assert sum(values[-2:]) / sum(values) == pytest.approx(0.9)
    verdict = check_secrecy(values, RULES)
    assert (verdict.published, verdict.reason, verdict.missing) == (False, "dominated", 0)


def test_dominance_is_strictly_above_the_share():
    # Top two at exactly 85 %: allowed; just above: not.
    values = [150.0 / 8] * 8 + [425.0, 425.0]
    assert check_secrecy(values, RULES).published
    assert not check_secrecy(values[:-1] + [430.0], RULES).published


def test_households_without_data_do_not_count():
    verdict = check_secrecy([4000.0] * 9 + [float("nan")], RULES)
    assert verdict.contributors == 9 and verdict.missing == 1


def test_rules_are_configurable():
    assert check_secrecy([1.0] * 5, SecrecyRules(min_contributors=5)).published


# Neighbourhood aggregates


def test_aggregates_of_ten_households_are_quartiles_of_their_years():
    annuals = [2000.0 + 300 * i for i in range(10)]
    frame = households(annuals)
    annual = neighbourhood_annual(frame)
    assert annual.published
    assert annual.table.loc["year", "median"] == pytest.approx(np.median(annuals), abs=5)
    assert annual.table.loc["year", "q1"] == pytest.approx(np.quantile(annuals, 0.25), abs=5)
    # Rounded to tens of kWh a year, kWh a month, hundredths of kWh an hour.
    assert (annual.table % 10 == 0).all().all()
    monthly = neighbourhood_monthly(frame)
    assert list(monthly.table.index) == list(range(1, 13))
    assert monthly.table.loc[1, "median"] > monthly.table.loc[7, "median"]
    day = neighbourhood_typical_day(frame)
    assert list(day.table.index) == list(range(24))
    assert day.table.loc[19, "median"] > day.table.loc[3, "median"]
    assert (monthly.table == monthly.table.round()).all().all()
    assert (day.table == day.table.round(2)).all().all()


def test_a_suppressed_aggregate_is_none_with_its_reason_never_zero():
    frame = households([3000.0] * 9)
    for aggregate in (
        neighbourhood_annual(frame),
        neighbourhood_monthly(frame),
        neighbourhood_typical_day(frame),
    ):
        assert aggregate.table is None and not aggregate.published
        assert aggregate.verdict.reason == "too_few" and aggregate.verdict.missing == 1


def test_the_aggregate_of_a_dominated_neighbourhood_is_suppressed():
    frame = households([1000.0] * 8 + [36000.0, 36000.0])
    assert neighbourhood_annual(frame).verdict.reason == "dominated"


def test_one_month_dominated_suppresses_the_whole_monthly_chart():
    # Ten equal years, but in June two households hold almost everything.
    frame = households([3000.0] * 10)
    june = frame.index.month == 6
    frame.loc[june, frame.columns[:8]] = 0.0001
    monthly = neighbourhood_monthly(frame)
    assert monthly.table is None and monthly.verdict.reason == "dominated"
    assert neighbourhood_annual(frame).published


@st.composite
def frames(draw):
    n = draw(st.integers(0, 14))
    index = pd.date_range("2025-01-01", "2025-12-31 18:00", freq="6h", tz="Europe/Paris")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    columns = {}
    for i in range(n):
        kind = draw(st.sampled_from(["normal", "zero", "giant", "empty", "gappy"]))
        scale = {"normal": 1.0, "zero": 0.0, "giant": 500.0, "empty": 1.0, "gappy": 1.0}[kind]
        values = rng.gamma(2.0, 0.5, len(index)) * scale
        if kind == "empty":
            values[:] = np.nan
        if kind == "gappy":
            values[rng.random(len(index)) < 0.5] = np.nan
        columns[f"P{i}"] = values
    return pd.DataFrame(columns, index=index)


@settings(max_examples=40, deadline=None)
@given(frames())
def test_published_values_are_finite_and_suppressed_ones_are_none_with_a_reason(frame):
    for aggregate in (
        neighbourhood_annual(frame),
        neighbourhood_monthly(frame),
        neighbourhood_typical_day(frame),
    ):
        verdict = aggregate.verdict
        if aggregate.published:
            assert verdict.published and verdict.reason is None
            assert np.isfinite(aggregate.table.to_numpy()).all()
            assert verdict.contributors >= RULES.min_contributors
        else:
            assert aggregate.table is None
            assert not verdict.published and verdict.reason in ("too_few", "dominated")
            if verdict.reason == "too_few":
                assert verdict.missing == RULES.min_contributors - verdict.contributors > 0
    # The year is published exactly when its households' totals pass the rules.
    expected = check_secrecy(annual_kwh(frame), RULES).published
    assert neighbourhood_annual(frame).published == expected


# Differencing between releases


BASE = [2100.0, 2600.0, 3000.0, 3400.0, 3900.0, 4300.0, 4800.0, 5600.0, 6500.0, 8000.0]


def _numbers(publication):
    out = []
    for aggregate in (publication.annual, publication.monthly, publication.typical_day):
        if aggregate.published:
            out.append(aggregate.table)
    return out


def test_publishing_before_and_after_one_household_joins_does_not_reveal_that_household():
    before = households(
        [2100.0, 2600.0, 3000.0, 3400.0, 3900.0, 4300.0, 4800.0, 5600.0, 6500.0, 8000.0]
    )
    newcomer = households([4550.0], seed=7).rename(columns={"H00": "NEW"})
    after = before.join(newcomer)
    # The attack is real on sums: the totals before and after give the newcomer exactly.
    assert after.sum().sum() - before.sum().sum() == pytest.approx(4550.0)

    log = ReleaseLog.new()
    first, log = publish(before, log)
    assert first.release == 0 and first.annual.published
    second, log_after = publish(after, log)
    # One household apart from a release: nothing new is published.
    assert second.release is None and log_after == log
    for aggregate in (second.annual, second.monthly, second.typical_day):
        assert aggregate.table is None
        assert (aggregate.verdict.reason, aggregate.verdict.missing) == ("too_close", 2)
    # What the attacker holds: the first release only. Its figures and every
    # difference with the (absent) second leave the newcomer's year unknown.
    released = [v for table in _numbers(first) + _numbers(second) for v in table.to_numpy().ravel()]
    assert not any(math.isclose(v, 4550.0, rel_tol=0.02) for v in released)


def test_a_release_needs_three_changed_households_and_then_reveals_none_of_them():
    newcomers = [4550.0, 2900.0, 7100.0]
    before = households(BASE)
    joined = households(newcomers, seed=9).rename(columns=lambda c: "NEW" + c)
    log = ReleaseLog.new()
    first, log = publish(before, log)
    two, _ = publish(before.join(joined.iloc[:, :2]), log)
    assert two.annual.verdict.reason == "too_close" and two.annual.verdict.missing == 1
    three, log = publish(before.join(joined), log)
    assert three.release == 1 and three.annual.published
    # The attacker subtracts every published figure of one release from the
    # same figure of the other, and scales medians back to would-be totals.
    a, b = first.annual.table.loc["year"], three.annual.table.loc["year"]
    guesses = list(b - a) + list(13 * b - 10 * a) + list(b) + list(a)
    for q in ("q1", "median", "q3"):
        monthly = three.monthly.table[q] - first.monthly.table[q]
        guesses += [
            monthly.sum(),
            (13 * three.monthly.table[q] - 10 * first.monthly.table[q]).sum(),
        ]
    for value in newcomers:
        assert not any(math.isclose(g, value, rel_tol=0.02) for g in guesses), value


def test_a_withdrawal_or_a_changed_curve_is_a_change():
    frame = households([3000.0 + 100 * i for i in range(12)])
    log = ReleaseLog.new()
    _, log = publish(frame, log)
    withdrawn, _ = publish(frame.drop(columns="H03"), log)
    assert withdrawn.annual.verdict.reason == "too_close"
    changed = frame.copy()
    changed["H03"] *= 1.1
    again, _ = publish(changed, log)
    assert again.annual.verdict.reason == "too_close"


def test_the_same_snapshot_is_released_again_without_a_new_entry():
    frame = households([3000.0 + 100 * i for i in range(12)])
    first, log = publish(frame, ReleaseLog.new())
    second, log_again = publish(frame, log)
    assert second.release == first.release == 0 and log_again == log
    pd.testing.assert_frame_equal(second.monthly.table, first.monthly.table)


def test_every_earlier_release_counts_not_only_the_last():
    # A street (12) inside a neighbourhood (12 + 1) sharing one log: 1 apart.
    frame = households([3000.0 + 100 * i for i in range(16)])
    street, neighbourhood = frame.iloc[:, :12], frame.iloc[:, :13]
    _, log = publish(street, ReleaseLog.new())
    _, log = publish(frame, log)  # 4 apart from the street: published
    assert len(log.releases) == 2
    refused, _ = publish(neighbourhood, log)  # 1 from the street, 3 from the last
    assert refused.annual.verdict.reason == "too_close"


def test_a_suppressed_snapshot_is_not_logged():
    _, log = publish(households([3000.0] * 9), ReleaseLog.new())
    assert log.releases == ()


def test_the_log_round_trips_as_json_and_holds_no_pseudonym():
    frame = households([3000.0 + 100 * i for i in range(12)])
    _, log = publish(frame, ReleaseLog.new())
    text = json.dumps(log.to_dict())
    assert ReleaseLog.from_dict(json.loads(text)) == log
    assert not any(name in text for name in frame.columns)


def test_too_few_households_say_so_rather_than_too_close():
    frame = households([3000.0 + 100 * i for i in range(10)])
    _, log = publish(frame, ReleaseLog.new())
    fewer, _ = publish(frame.iloc[:, :9], log)
    assert (fewer.annual.verdict.reason, fewer.annual.verdict.missing) == ("too_few", 1)


def test_medians_alone_would_reveal_a_newcomer_between_the_middle_values():
    # Why releases are controlled: 10 households have a median between 3,900 and
    # 4,300; an 11th at 4,123 kWh becomes the median of 11.
    before, after = households(BASE), households([*BASE, 4123.0])
    naive_after, _ = publish(after, ReleaseLog.new())  # a fresh log: no control
    assert naive_after.annual.table.loc["year", "median"] == pytest.approx(4123.0, abs=5)
    _, log = publish(before, ReleaseLog.new())
    controlled, _ = publish(after, log)
    assert controlled.annual.table is None
    assert controlled.annual.verdict.reason == "too_close"
