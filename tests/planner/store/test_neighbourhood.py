"""A resident compared with the project's other sharing households, through the store."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select

from planner.comparison import compare_household
from planner.privacy import DEFAULT_RULES
from planner.store import access_log, create_account, give_consent, read
from planner.store.errors import StoreError
from planner.store.models import AccessLog, Household, ReleaseRecord
from planner.store.neighbourhood import (
    PURPOSE,
    READER_ROLE,
    compare_with_neighbourhood,
    neighbourhood_curves,
)
from tests.planner.store.conftest import curve, terms


def _share(store, project, n, *, seed, **changes):
    account = create_account(store, f"h{seed}-{n}@example.org", "resident", password="long enough")
    series = curve(days=3, seed=seed) * (1 + n / 7)
    give_consent(store, account.id, terms(project, **{"city_aggregates": True, **changes}), series)
    return account


@pytest.fixture
def ten_others(store, people):
    """Alice and ten other households sharing for aggregates."""
    project = people["project"]
    give_consent(store, people["resident"].id, terms(project, city_aggregates=True), curve(days=3))
    return [_share(store, project, n, seed=100 + n) for n in range(10)]


def test_only_aggregate_consents_enter_and_the_resident_is_left_out(store, people, ten_others):
    project = people["project"]
    _share(store, project, 0, seed=7, city_aggregates=False)  # cooperative curve only
    frame = neighbourhood_curves(store, people["resident"].id, project.id)
    assert frame.shape[1] == 10
    with read(store) as session:
        alice = session.scalars(
            select(Household).where(Household.owner_id == people["resident"].id)
        ).one()
    assert alice.pseudonym not in frame.columns
    assert frame.notna().any().all()


def test_every_household_read_is_logged_for_the_comparison(store, people, ten_others):
    compare_with_neighbourhood(store, people["resident"].id, people["project"].id)
    with read(store) as session:
        rows = session.scalars(select(AccessLog)).all()
    assert len(rows) == 10
    assert {(r.reader_role, r.purpose) for r in rows} == {(READER_ROLE, PURPOSE)}
    # A neighbour sees the read in their log; the resident's own curve was not "read".
    assert [a.purpose for a in access_log(store, ten_others[0].id)] == [PURPOSE]
    assert access_log(store, people["resident"].id) == []


def test_a_resident_without_aggregate_consent_gets_nothing(store, people, ten_others):
    bob = _share(store, people["project"], 0, seed=9, city_aggregates=False)
    with pytest.raises(StoreError) as raised:
        compare_with_neighbourhood(store, bob.id, people["project"].id)
    assert raised.value.code == "store_not_allowed"


def test_figures_are_compare_household_on_the_same_data(store, people, ten_others):
    project = people["project"]
    view = compare_with_neighbourhood(store, people["resident"].id, project.id)
    others = neighbourhood_curves(store, people["resident"].id, project.id)
    own = curve(days=3).rename("me")
    expected = compare_household(own, others, DEFAULT_RULES)
    assert view.comparison.published and view.waiting is None and view.step == "30min"
    pd.testing.assert_frame_equal(view.comparison.annual.table, expected.annual.table)
    pd.testing.assert_frame_equal(view.comparison.monthly.table, expected.monthly.table)
    assert view.comparison.band == expected.band
    assert view.comparison.own_annual_kwh == pytest.approx(expected.own_annual_kwh)


def test_nine_others_say_one_more_is_needed(store, people):
    project = people["project"]
    give_consent(store, people["resident"].id, terms(project, city_aggregates=True), curve(days=3))
    for n in range(9):
        _share(store, project, n, seed=200 + n)
    view = compare_with_neighbourhood(store, people["resident"].id, project.id)
    assert not view.comparison.published
    assert (view.comparison.verdict.reason, view.comparison.verdict.missing) == ("too_few", 1)
    assert view.comparison.own_annual_kwh > 0  # own figures never suppressed


def test_a_household_joining_is_not_revealed_the_last_release_is_shown(store, people, ten_others):
    project = people["project"]
    first = compare_with_neighbourhood(store, people["resident"].id, project.id)
    _share(store, project, 11, seed=300)
    second = compare_with_neighbourhood(store, people["resident"].id, project.id)
    # Too close to the first release: the page keeps the last accepted one.
    assert second.waiting is not None and second.waiting.reason == "too_close"
    assert second.waiting.missing == DEFAULT_RULES.min_change - 1
    with read(store) as session:
        record = session.get(ReleaseRecord, project.id)
        assert len(json.loads(record.log)["releases"]) == 1
    # The last accepted release counts Alice: its median differs from the first view's.
    assert second.comparison.annual.published
    assert second.comparison.own_annual_kwh == pytest.approx(first.comparison.own_annual_kwh)
    # Two more households make three changes: a new release is accepted.
    _share(store, project, 12, seed=301)
    _share(store, project, 13, seed=302)
    third = compare_with_neighbourhood(store, people["resident"].id, project.id)
    assert third.waiting is None and third.comparison.published


def test_a_daily_household_puts_the_comparison_on_daily_totals(store, people, ten_others):
    project = people["project"]
    _share(store, project, 20, seed=400, step="daily")
    frame = neighbourhood_curves(store, people["resident"].id, project.id)
    assert len(frame) == 4 and (frame.index.hour == 0).all()  # local days, DST included
    view = compare_with_neighbourhood(store, people["resident"].id, project.id)
    assert view.step == "daily"
    assert len(view.own_typical_day_kwh.dropna()) == 24  # own typical day from own 30-min curve


def test_the_first_household_to_share_sees_its_own_figures(store, people):
    project = people["project"]
    give_consent(store, people["resident"].id, terms(project, city_aggregates=True), curve(days=3))
    assert neighbourhood_curves(store, people["resident"].id, project.id).shape[1] == 0
    view = compare_with_neighbourhood(store, people["resident"].id, project.id)
    assert (view.comparison.verdict.reason, view.comparison.verdict.missing) == ("too_few", 10)
    assert view.comparison.own_annual_kwh == pytest.approx(float(curve(days=3).sum()))


def test_a_release_counting_the_resident_among_ten_is_not_shown_to_them(store, people):
    project = people["project"]
    give_consent(store, people["resident"].id, terms(project, city_aggregates=True), curve(days=3))
    for n in range(9):
        _share(store, project, n, seed=500 + n)
    first = compare_with_neighbourhood(store, people["resident"].id, project.id)
    assert first.comparison.verdict.reason == "too_few"  # yet ten were published, Alice included
    _share(store, project, 9, seed=509)
    second = compare_with_neighbourhood(store, people["resident"].id, project.id)
    # That release holds only nine households besides Alice: she waits, and sees why.
    assert second.waiting is None and not second.comparison.published
    assert (second.comparison.verdict.reason, second.comparison.verdict.missing) == ("too_close", 2)
