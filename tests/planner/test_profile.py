import numpy as np
import pandas as pd
import pytest

from planner.estimate import h25_shape
from planner.profile import heating_bracket, to_typical_year
from quartier_solaire.errors import ReadError
from quartier_solaire.i18n import has
from solar.typical_year import TIMEZONE, typical_year_index
from tests.conftest import assert_rel_close


def _measured(start: str, end: str, step: str, seed: int = 0) -> pd.Series:
    """A readers'-contract series: kWh per interval, tz-aware, interval start, freq set."""
    index = pd.date_range(
        pd.Timestamp(start, tz=TIMEZONE),
        pd.Timestamp(end, tz=TIMEZONE),
        freq=step,
        inclusive="left",
        name="time",
    )
    hour = index.hour.to_numpy() + index.minute.to_numpy() / 60
    doy = index.day_of_year.to_numpy()
    power = (
        0.3 + 0.5 * np.exp(-(((hour - 19.5) / 2) ** 2)) + 0.2 * np.exp(-(((hour - 8) / 1.5) ** 2))
    )
    power = power * (1 + 0.5 * np.cos(2 * np.pi * (doy - 15) / 365))  # kW, winter peak
    noise = np.random.default_rng(seed).gamma(4.0, 0.25, len(index))
    hours = pd.Timedelta(step).total_seconds() / 3600
    return pd.Series(power * hours * noise, index=index, name="energy_kwh")


@pytest.mark.parametrize("step", ["15min", "30min"])
def test_full_2025_maps_onto_itself(step):
    energy = _measured("2025-01-01", "2026-01-01", step)
    profile, report = to_typical_year(energy, step)
    assert profile.index.equals(typical_year_index(step))
    assert profile.name == "energy_kwh"
    np.testing.assert_allclose(profile.to_numpy(), energy.to_numpy(), rtol=1e-12)
    assert_rel_close(profile.sum(), energy.sum(), 1e-9, "annual")
    assert report.coverage == 1.0
    assert report.is_estimate is False
    assert report.filled_intervals == 0
    assert report.extrapolated_days == 0
    assert report.problems == ()


@pytest.mark.parametrize(
    ("source", "target"),
    [("15min", "30min"), ("10min", "30min"), ("60min", "30min"), ("30min", "15min")],
)
def test_step_change_conserves_energy(source, target):
    energy = _measured("2025-01-01", "2026-01-01", source, seed=1)
    profile, report = to_typical_year(energy, target)
    assert_rel_close(profile.sum(), energy.sum(), 1e-9, "annual")
    assert report.source_step_min == int(pd.Timedelta(source).total_seconds() // 60)
    assert profile.notna().all()


def test_thirty_to_fifteen_splits_evenly_and_ten_to_thirty_sums():
    energy = _measured("2025-01-01", "2026-01-01", "30min", seed=2)
    quarter, _ = to_typical_year(energy, "15min")
    np.testing.assert_allclose(quarter.to_numpy()[0::2], energy.to_numpy() / 2, rtol=1e-12)
    np.testing.assert_allclose(quarter.to_numpy()[1::2], energy.to_numpy() / 2, rtol=1e-12)
    ten = _measured("2025-01-01", "2026-01-01", "10min", seed=3)
    half, _ = to_typical_year(ten, "30min")
    np.testing.assert_allclose(half.to_numpy(), ten.to_numpy().reshape(-1, 3).sum(1))


def test_dst_days_from_another_year():
    # 2024: the 25-h day is Sunday 27 October; 2025's is Sunday 26 October.
    energy = _measured("2024-01-01", "2025-01-01", "30min", seed=4)
    local = energy.index
    autumn = local.normalize() == pd.Timestamp("2024-10-27", tz=TIMEZONE)
    two_am = autumn & (local.hour == 2)
    first = two_am & (local.tz_convert("UTC").hour == 0)
    second = two_am & (local.tz_convert("UTC").hour == 1)
    energy[first] = 5.0
    energy[second] = 7.0
    profile, report = to_typical_year(energy, "30min")
    day = profile[profile.index.normalize() == pd.Timestamp("2025-10-26", tz=TIMEZONE)]
    assert len(day) == 50
    at_two = day[day.index.hour == 2]
    assert at_two.tolist() == [5.0, 5.0, 7.0, 7.0]
    spring = profile[profile.index.normalize() == pd.Timestamp("2025-03-30", tz=TIMEZONE)]
    assert len(spring) == 46 and spring.notna().all()
    # Ordinary days that 2024's 25-h day stands for get the mean of the two occurrences.
    assert report.matched_days == 365
    assert profile.notna().all()


def test_ordinary_day_fills_the_long_day_by_repeating_its_hour():
    energy = _measured("2024-01-01", "2025-01-01", "30min", seed=5)
    energy[energy.index.normalize() == pd.Timestamp("2024-10-27", tz=TIMEZONE)] = np.nan
    profile, _ = to_typical_year(energy, "30min")
    day = profile[profile.index.normalize() == pd.Timestamp("2025-10-26", tz=TIMEZONE)]
    at_two = day[day.index.hour == 2].to_numpy()
    np.testing.assert_array_equal(at_two[:2], at_two[2:])


def test_spring_day_standing_for_an_ordinary_day():
    # 2024's 23-h day (31 March, a Sunday) is the only Sunday measured near 2025's 6 April.
    energy = _measured("2024-03-25", "2024-04-01", "30min", seed=6)
    profile, _ = to_typical_year(energy, "30min", min_coverage=0.0)
    april6 = profile[profile.index.normalize() == pd.Timestamp("2025-04-06", tz=TIMEZONE)]
    source = energy[energy.index.normalize() == pd.Timestamp("2024-03-31", tz=TIMEZONE)]
    assert len(april6) == 48 and len(source) == 46
    at = source.groupby(source.index.hour).mean()
    expected_two = 0.5 * (at[1] + at[3])  # the hour that did not exist
    assert_rel_close(april6[april6.index.hour == 2].mean(), expected_two, 1e-9)
    assert_rel_close(april6[april6.index.hour != 2].sum(), source.sum(), 1e-9)


def test_gap_filled_from_neighbouring_weeks():
    energy = _measured("2025-01-01", "2026-01-01", "30min", seed=7)
    day = pd.Timestamp("2025-06-11", tz=TIMEZONE)  # a Wednesday
    gap = (energy.index >= day + pd.Timedelta(hours=8)) & (
        energy.index < day + pd.Timedelta(hours=14)
    )
    expected = np.mean(
        [energy.iloc[np.flatnonzero(gap) + 48 * 7 * k].to_numpy() for k in (1, -1, 2, -2, 3, -3)],
        axis=0,
    )
    original = energy.copy()
    energy[gap] = np.nan
    profile, report = to_typical_year(energy, "30min")
    np.testing.assert_allclose(profile[gap].to_numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(profile[~gap].to_numpy(), original[~gap].to_numpy())
    assert report.gap_filled_intervals == 12
    assert report.filled_intervals == 12
    assert [p.code for p in report.problems] == ["profile_gaps_filled"]
    assert report.problems[0].count == 12


def test_daily_shape_scaling_and_dropped_days():
    # One week only: a gap on Wednesday has no same-class neighbour week.
    energy = _measured("2025-03-03", "2025-03-10", "30min", seed=8)
    wed = energy.index.normalize() == pd.Timestamp("2025-03-05", tz=TIMEZONE)
    thu = energy.index.normalize() == pd.Timestamp("2025-03-06", tz=TIMEZONE)
    evening = energy.index.hour >= 18
    known = energy[wed & ~evening].sum()
    energy[wed & evening] = np.nan  # 12 of 48 missing: shape-scaled
    energy[thu & (energy.index.hour >= 4)] = np.nan  # 40 of 48 missing: dropped
    profile, report = to_typical_year(energy, "30min")
    assert report.shape_filled_intervals == 12
    assert report.gap_filled_intervals == 0
    assert report.dropped_days == 1
    codes = {p.code for p in report.problems}
    assert {"profile_days_dropped", "profile_gaps_filled", "profile_low_coverage"} <= codes
    target = profile[profile.index.normalize() == pd.Timestamp("2025-03-05", tz=TIMEZONE)]
    # Known part preserved, the evening filled in proportion to the other days' shape.
    assert_rel_close(target[target.index.hour < 18].sum(), known, 1e-9)
    assert target[target.index.hour >= 18].sum() > 0


def test_weeks_only_extrapolated_and_flagged():
    # A household that really follows H25: four measured weeks give back the whole H25 year.
    grid = typical_year_index("30min")
    truth = pd.Series(3500.0 * h25_shape("30min"), index=grid)
    weeks = truth["2025-01-13":"2025-02-09"]
    weeks.index.freq = "30min"
    profile, report = to_typical_year(weeks, "30min")
    assert report.is_estimate is True
    assert_rel_close(report.coverage, 28 / 365, 1e-9)
    assert report.extrapolated_days > 250
    assert report.matched_days + report.extrapolated_days == 365
    codes = {p.code for p in report.problems}
    assert {"profile_low_coverage", "profile_days_extrapolated"} <= codes
    assert_rel_close(profile.sum(), 3500.0, 0.02, "annual")
    monthly = profile.groupby(profile.index.month).sum()
    true_monthly = truth.groupby(truth.index.month).sum()
    assert_rel_close(monthly.to_numpy(), true_monthly.to_numpy(), 0.05, "monthly")


def test_reference_shape_for_extrapolation():
    grid = typical_year_index("30min")
    flat = pd.Series(1.0, index=grid, name="flat")
    weeks = _measured("2025-01-13", "2025-02-10", "30min", seed=9)
    profile, report = to_typical_year(weeks, "30min", reference=flat)
    july = profile["2025-07"]
    assert np.allclose(july.to_numpy(), july.iloc[0])  # the flat reference, scaled
    assert report.problems[0].params["reference"] == "flat"
    with pytest.raises(ReadError) as err:
        to_typical_year(weeks, "30min", reference=flat.iloc[:100])
    assert err.value.code == "profile_bad_reference"


def test_several_years_are_averaged():
    a = pd.Series(0.1, index=_measured("2023-01-01", "2024-01-01", "30min").index)
    b = pd.Series(0.3, index=_measured("2024-01-01", "2025-01-01", "30min").index)
    both = pd.concat([a, b])
    both = both.asfreq("30min")
    profile, report = to_typical_year(both, "30min")
    assert np.allclose(profile.to_numpy(), 0.2)
    assert report.coverage == 1.0


def test_public_holiday_takes_a_sunday():
    energy = _measured("2024-01-01", "2025-01-01", "30min", seed=10)
    day = energy.index.normalize()
    dates = pd.DatetimeIndex(day.tz_localize(None))
    sunday_like = (dates.day_of_week == 6) | dates.isin(
        pd.to_datetime(["2024-05-01", "2024-05-08"])
    )
    energy = pd.Series(np.where(sunday_like, 1.0, 0.1), index=energy.index).asfreq("30min")
    profile, _ = to_typical_year(energy, "30min")
    may_day = profile["2025-05-01"]  # a Thursday, public holiday
    ordinary = profile["2025-05-15"]  # a Thursday
    assert np.allclose(may_day.to_numpy(), 1.0)
    assert np.allclose(ordinary.to_numpy(), 0.1)


def test_missing_summer_borrowed_and_counted():
    energy = _measured("2025-01-01", "2026-01-01", "30min", seed=11)
    energy[energy.index.month == 7] = np.nan
    profile, report = to_typical_year(energy, "30min")
    assert profile.notna().all()
    assert_rel_close(report.coverage, 334 / 365, 1e-9)
    assert report.is_estimate is False
    assert report.borrowed_days > 20
    assert report.extrapolated_days == 0
    assert "profile_days_borrowed" in {p.code for p in report.problems}


def test_negative_values_are_gaps():
    energy = _measured("2025-01-01", "2026-01-01", "30min", seed=12)
    energy.iloc[100] = -1.0
    profile, report = to_typical_year(energy, "30min")
    assert profile.iloc[100] >= 0
    negative = [p for p in report.problems if p.code == "profile_negative_values"]
    assert negative and negative[0].count == 1


@pytest.mark.parametrize(
    ("series", "code"),
    [
        (
            pd.Series([1.0, 2.0], index=pd.date_range("2025-01-01", periods=2, freq="30min")),
            "profile_bad_index",
        ),
        (
            pd.Series(
                [np.nan] * 4,
                index=pd.date_range("2025-01-01", periods=4, freq="30min", tz=TIMEZONE),
            ),
            "profile_no_data",
        ),
        (
            pd.Series(
                [1.0, 2.0, 3.0],
                index=pd.DatetimeIndex(
                    ["2025-01-01 00:00", "2025-01-01 00:30", "2025-01-01 00:47"], tz=TIMEZONE
                ),
            ),
            "profile_irregular_step",
        ),
        ([1.0, 2.0], "profile_bad_index"),
    ],
)
def test_unusable_input(series, code):
    with pytest.raises(ReadError) as err:
        to_typical_year(series, "30min")
    assert err.value.code == code


def test_bad_step_and_coverage_parameter():
    energy = _measured("2025-01-01", "2025-02-01", "30min")
    with pytest.raises(ReadError) as err:
        to_typical_year(energy, "20min")
    assert err.value.code == "profile_bad_step"
    with pytest.raises(ReadError) as err:
        to_typical_year(energy, "30min", min_coverage=1.5)
    assert err.value.code == "profile_bad_parameter"


def test_catalogue_has_every_code():
    for code in (
        "profile_bad_index",
        "profile_irregular_step",
        "profile_no_data",
        "profile_bad_parameter",
        "profile_bad_reference",
        "profile_negative_values",
        "profile_partial_intervals",
        "profile_days_dropped",
        "profile_days_borrowed",
        "profile_days_extrapolated",
        "profile_gaps_filled",
        "profile_low_coverage",
    ):
        assert has(f"problem.{code}")


def test_no_usable_day_still_scaled_to_what_was_measured():
    grid = typical_year_index("30min")
    truth = pd.Series(3500.0 * h25_shape("30min"), index=grid)
    sparse = truth["2025-06-02":"2025-06-02"].copy()
    sparse.index.freq = "30min"
    sparse.iloc[10:] = np.nan  # 10 of 48 intervals: too few for any day to be used
    profile, report = to_typical_year(sparse, "30min")
    assert report.dropped_days == 1 and report.matched_days == 0
    assert report.extrapolated_days == 365
    assert report.is_estimate is True
    assert_rel_close(profile.to_numpy(), truth.to_numpy(), 1e-9, "profile")


def test_shape_scaling_from_h25_when_no_day_is_complete():
    energy = _measured("2025-09-10", "2025-09-11", "30min", seed=13)
    energy[energy.index.hour >= 15] = np.nan  # 30 of 48 known, nothing else measured
    profile, report = to_typical_year(energy, "30min")
    assert report.shape_filled_intervals == 18
    assert report.dropped_days == 0
    assert report.matched_days > 0
    day = profile["2025-09-10"]
    assert_rel_close(day[day.index.hour < 15].sum(), energy.sum(), 1e-9)
    assert (day[day.index.hour >= 15] > 0).all()


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_fully_measured_year_borrows_nothing(year):
    # A Monday that was a public holiday in the measured year is built from the
    # Monday a week away, but its own day was measured: it is not "borrowed".
    energy = _measured(f"{year}-01-01", f"{year + 1}-01-01", "30min", seed=year)
    _, report = to_typical_year(energy, "30min")
    assert report.coverage == 1.0
    assert report.measured_days == 365
    assert report.borrowed_days == 0
    assert report.extrapolated_days == 0
    assert "profile_days_borrowed" not in {p.code for p in report.problems}


def test_day_counts_agree_with_coverage_and_the_file():
    energy = _measured("2023-01-01", "2024-01-01", "30min", seed=14)
    gap = (energy.index >= pd.Timestamp("2023-03-01", tz=TIMEZONE)) & (
        energy.index < pd.Timestamp("2023-03-16", tz=TIMEZONE)
    )
    energy[gap] = np.nan
    _, report = to_typical_year(energy, "30min")
    assert_rel_close(report.coverage, 350 / 365, 1e-9)
    assert (report.measured_days, report.borrowed_days, report.extrapolated_days) == (350, 15, 0)
    borrowed = [p for p in report.problems if p.code == "profile_days_borrowed"]
    assert borrowed[0].count == 15
    assert report.file_days == 350
    assert_rel_close(report.measured_kwh, float(energy.sum()), 1e-12)
    assert report.measured_from == pd.Timestamp("2023-01-01", tz=TIMEZONE)
    assert report.measured_to == pd.Timestamp("2024-01-01", tz=TIMEZONE)


def test_two_days_counted_once_each():
    energy = _measured("2025-03-03", "2025-03-05", "30min", seed=15)
    _, report = to_typical_year(energy, "30min")
    assert report.file_days == 2 and report.measured_days == 2
    assert report.measured_days + report.borrowed_days + report.extrapolated_days == 365
    assert report.extrapolated_days > 300
    assert_rel_close(report.measured_kwh, float(energy.sum()), 1e-12)


def _temp_air() -> pd.Series:
    grid = typical_year_index("h")
    days = np.asarray(grid.day_of_year)
    hours = np.asarray(grid.hour)
    seasonal = 12.0 - 7.0 * np.cos(2 * np.pi * (days - 20) / 365)
    return pd.Series(seasonal + 4.0 * np.sin(2 * np.pi * (hours - 9) / 24), index=grid)


def test_heating_bracket_spans_the_unmeasured_seasons():
    temp_air = _temp_air()
    # Two winter days: a heated home puts more of its year in winter, so the
    # same two days give it a lower annual figure than the H25 home.
    winter = _measured("2025-01-14", "2025-01-16", "30min", seed=16)
    low, high = heating_bracket(winter, temp_air)
    _, report = to_typical_year(winter, "30min")
    assert low < 0.9 * high
    assert_rel_close(high, report.annual_kwh, 1e-9)
    # Two summer weeks: the other way round.
    summer = _measured("2025-07-07", "2025-07-21", "30min", seed=17)
    low, high = heating_bracket(summer, temp_air)
    _, report = to_typical_year(summer, "30min")
    assert_rel_close(low, report.annual_kwh, 1e-9)
    assert high > 1.5 * low
    # A measured year extrapolates nothing: one figure.
    year = _measured("2025-01-01", "2026-01-01", "30min", seed=18)
    low, high = heating_bracket(year, temp_air)
    assert low == high == pytest.approx(float(year.sum()), rel=1e-9)
