import numpy as np
import pandas as pd
import pytest

from planner.comparison import (
    BANDS,
    compare_household,
    comparison_messages,
    comparison_sentences,
    suppression_message,
)
from planner.load_shapes import SEASONS
from planner.privacy import ReleaseLog, SecrecyRules, SecrecyVerdict, publish
from quartier_solaire.i18n import catalogue, t
from solar.typical_year import typical_year_index

INDEX = typical_year_index("h")
WINTER = INDEX.month.isin([12, 1, 2])
SHAPE = np.where(WINTER, 2.0, 1.0) * np.where((INDEX.hour >= 18) & (INDEX.hour < 22), 2.0, 1.0)
# Quartiles of these years: 3,100, 4,100 and 5,400 kWh.
BASE = [2100.0, 2600.0, 3000.0, 3400.0, 3900.0, 4300.0, 4800.0, 5600.0, 6500.0, 8000.0]


def curve(total, shape=SHAPE, name="me"):
    return pd.Series(shape / shape.sum() * total, index=INDEX, name=name)


def neighbours(totals):
    if not totals:
        return pd.DataFrame(index=INDEX)
    return pd.concat([curve(v, name=f"N{i:02d}") for i, v in enumerate(totals)], axis=1)


def test_a_resident_using_less_mostly_in_winter_is_told_so_in_both_languages():
    # Same shape as the neighbours, but half the January: 18 % below a median of 4,100.
    shape = np.where(INDEX.month == 1, 0.5, 1.0) * SHAPE
    result = compare_household(curve(0.82 * 4100, shape), neighbours(BASE))
    assert result.published
    assert result.annual.table.loc["year", "median"] == pytest.approx(4100)
    assert result.gap == pytest.approx(-0.18)
    assert result.season == "winter"
    assert result.band == "below_median"
    assert comparison_sentences(result, "fr") == [
        "Vous consommez 18 % de moins que la médiane du quartier, surtout en hiver.",
        "Vous consommez moins que la moitié des foyers du quartier, "
        "sans être parmi les 25 % qui consomment le moins.",
    ]
    assert comparison_sentences(result, "en")[0] == (
        "You use 18% less than the neighbourhood median, especially in winter."
    )


def test_a_resident_using_more_mostly_in_summer():
    shape = np.where(INDEX.month == 7, 3.0, 1.0) * SHAPE
    result = compare_household(curve(1.3 * 4100, shape), neighbours(BASE))
    assert result.season == "summer"
    assert comparison_messages(result)[0] == ("privacy.compare.more.summer", {"percent": 30})
    assert comparison_sentences(result, "fr")[0].endswith(
        "de plus que la médiane du quartier, surtout en été."
    )


def test_a_gap_spread_over_the_year_names_no_season():
    result = compare_household(curve(0.7 * 4100), neighbours(BASE))
    assert result.season is None
    assert (
        comparison_sentences(result, "fr")[0]
        == "Vous consommez 30 % de moins que la médiane du quartier."
    )


def test_near_the_median_is_about_the_same_without_a_season():
    result = compare_household(curve(4150.0), neighbours(BASE))
    assert result.season is None
    assert (
        comparison_sentences(result, "en")[0]
        == "You use about as much as the neighbourhood median."
    )


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (2000.0, "lowest_25"),
        (3500.0, "below_median"),
        (4500.0, "above_median"),
        (9000.0, "highest_25"),
    ],
)
def test_where_the_resident_stands_is_a_quartile_band(total, band):
    result = compare_household(curve(total), neighbours(BASE))
    assert result.band == band and band in BANDS
    assert ("privacy.band." + band, {}) in comparison_messages(result)


def test_the_band_follows_from_the_published_quartiles_alone():
    # Two neighbourhoods with the same quartiles but different households give the same band:
    # the band says nothing the published figures do not.
    other = [2100.0, 2500.0, 3000.0, 3400.0, 3900.0, 4300.0, 4800.0, 5600.0, 7000.0, 9500.0]
    # 3,050 kWh is 4th of 11 (30 %) by rank, but below the published first quartile.
    one = compare_household(curve(3050.0), neighbours(BASE))
    two = compare_household(curve(3050.0), neighbours(other))
    pd.testing.assert_frame_equal(one.annual.table, two.annual.table)
    assert one.band == two.band == "lowest_25"


def test_nine_others_are_not_enough_and_the_resident_sees_how_many_more():
    result = compare_household(curve(3000.0), neighbours(BASE[:9]))
    assert not result.published and result.band is None and result.gap is None
    assert result.monthly.table is None and result.typical_day.table is None
    assert (result.verdict.reason, result.verdict.missing) == ("too_few", 1)
    assert comparison_sentences(result, "fr") == [
        "Pas encore assez de foyers : il en faut encore 1 pour comparer sans dévoiler personne."
    ]
    assert comparison_sentences(result, "en") == [
        "Not enough households yet: 1 more is needed to compare without revealing anyone."
    ]
    assert (
        "4 more are needed"
        in comparison_sentences(compare_household(curve(1.0), neighbours(BASE[:6])), "en")[0]
    )


def test_the_residents_own_figures_are_never_suppressed():
    own = curve(3000.0)
    result = compare_household(own, neighbours([]))
    assert result.own_annual_kwh == pytest.approx(3000.0)
    assert result.own_monthly_kwh.sum() == pytest.approx(3000.0)
    assert list(result.own_monthly_kwh.index) == list(range(1, 13))
    assert list(result.own_typical_day_kwh.index) == list(range(24))
    assert np.isfinite(result.own_typical_day_kwh).all()
    assert result.verdict.missing == 10


def test_the_neighbourhood_excludes_the_resident():
    # The resident is one of ten sharing households: nine others are not enough.
    others = neighbours(BASE)
    own = others["N04"]
    result = compare_household(own, others)
    assert result.verdict.reason == "too_few" and result.verdict.contributors == 9
    with_eleven = compare_household(own, neighbours([*BASE, 5000.0]))
    assert with_eleven.published and with_eleven.verdict.contributors == 10
    mine = compare_household(own, neighbours([*BASE, 5000.0]).rename(columns={"N04": "me"}))
    assert mine.verdict.contributors == 11  # another name: not the resident


def test_a_dominated_neighbourhood_is_not_shown():
    result = compare_household(curve(3000.0), neighbours([1000.0] * 8 + [36000.0, 36000.0]))
    assert result.verdict.reason == "dominated"
    assert comparison_sentences(result, "fr")[0] == t("privacy.suppressed.dominated", "fr")
    assert "one or two households" in comparison_sentences(result, "en")[0]


def test_rules_are_passed_through():
    result = compare_household(
        curve(3000.0), neighbours(BASE[:5]), SecrecyRules(min_contributors=5)
    )
    assert result.published


def test_every_sentence_the_comparison_can_say_is_in_the_catalogue():
    keys = {f"privacy.band.{band}" for band in BANDS} | {"privacy.compare.same"}
    for direction in ("less", "more"):
        keys |= {f"privacy.compare.{direction}"}
        keys |= {f"privacy.compare.{direction}.{season}" for season in SEASONS}
    for reason in ("too_few", "dominated", "too_close"):
        for missing in (0, 1, 2):
            keys.add(suppression_message(SecrecyVerdict(False, reason, missing, 9))[0])
    assert sorted(k for k in keys if k not in catalogue()) == []


# The resident's successive views against the project's releases (differencing)


def test_the_residents_view_is_a_published_snapshot_minus_themselves():
    me = curve(3000.0, name="ME")
    everyone = pd.concat([neighbours(BASE), me], axis=1)
    publication, log = publish(everyone, ReleaseLog.new())
    assert publication.release == 0
    result = compare_household(me, everyone, log=log)
    assert result.published and result.verdict.contributors == 10


def test_one_newcomer_since_the_release_does_not_move_the_residents_view():
    me = curve(3000.0, name="ME")
    everyone = pd.concat([neighbours(BASE), me], axis=1)
    _, log = publish(everyone, ReleaseLog.new())
    newcomer = curve(4550.0, name="NEW")
    result = compare_household(me, pd.concat([everyone, newcomer], axis=1), log=log)
    assert not result.published and result.monthly.table is None
    assert (result.verdict.reason, result.verdict.missing) == ("too_close", 2)
    assert result.own_annual_kwh == pytest.approx(3000.0)  # still theirs
    assert comparison_sentences(result, "en") == [
        "The neighbourhood's figures will be updated once 2 more households have joined, "
        "left or changed their data: sooner, they could reveal a household."
    ]
    # Without the log the newcomer would have moved the median the resident sees.
    moved = compare_household(me, pd.concat([everyone, newcomer], axis=1))
    assert moved.annual.table.loc["year", "median"] != pytest.approx(4100)


def test_a_resident_who_joined_after_the_release_sees_that_release():
    _, log = publish(neighbours(BASE), ReleaseLog.new())
    me = curve(3000.0, name="ME")
    result = compare_household(me, pd.concat([neighbours(BASE), me], axis=1), log=log)
    assert result.published
