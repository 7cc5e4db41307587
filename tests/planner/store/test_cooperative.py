"""The cooperative's view: pseudonyms, what each shares, the curves as one table, all logged."""

from datetime import timedelta

import pytest

from planner.store import (
    StoreError,
    access_log,
    create_account,
    demo_accounts,
    give_consent,
    read_curves_as,
    shared_households,
)
from planner.store.models import utcnow
from tests.planner.store.conftest import curve, terms


@pytest.fixture
def shared(store, people):
    """Three households: 30-min curve, daily totals, city aggregates only."""
    project = people["project"]
    residents = [people["resident"]] + [
        create_account(store, f"r{n}@example.org", "resident") for n in (1, 2)
    ]
    choices = [
        terms(project),
        terms(project, step="daily"),
        terms(project, cooperative_curve=False, city_aggregates=True),
    ]
    consents = [
        give_consent(store, r.id, c, curve(days=3, seed=n))
        for n, (r, c) in enumerate(zip(residents, choices, strict=True))
    ]
    return residents, consents


def test_the_cooperative_lists_what_each_household_shares(store, people, shared):
    residents, consents = shared
    listed = shared_households(store, people["coop"].id, people["project"].id, "Size the project")
    expected = sorted(consents[:2], key=lambda c: c.pseudonym)
    assert [h.pseudonym for h in listed] == [c.pseudonym for c in expected]
    assert {(h.step, h.step_min) for h in listed} == {("30min", 30), ("daily", 1440)}
    assert all(0 < h.coverage <= 1 and h.annual_kwh > 0 for h in listed)
    # Listing is reading: each listed household sees it, the aggregates-only one does not.
    assert [a.purpose for a in access_log(store, residents[0].id)] == ["Size the project"]
    assert access_log(store, residents[2].id) == []


def test_curves_as_one_table_of_pseudonyms(store, people, shared):
    _, consents = shared
    coop, project = people["coop"], people["project"]
    half_hours = read_curves_as(store, coop.id, project.id, "Size the project")
    assert list(half_hours.columns) == [consents[0].pseudonym]
    assert len(half_hours) == 3 * 48
    daily = read_curves_as(store, coop.id, project.id, "Size the project", step="daily")
    assert sorted(daily.columns) == sorted(c.pseudonym for c in consents[:2])
    assert daily.index.name == "time" and len(daily) == 4  # 3 x 48 half-hours span 4 days
    one_day = curve(days=3, seed=0).loc["2025-03-29"].sum()
    assert daily[consents[0].pseudonym].iloc[1] == pytest.approx(one_day)
    # No name, login or account anywhere in what the cooperative gets.
    assert "alice" not in daily.to_csv()


@pytest.mark.parametrize("reader", ["other", "city", "resident"])
def test_only_the_projects_cooperative_sees_its_households(store, people, shared, reader):
    with pytest.raises(StoreError) as error:
        shared_households(store, people[reader].id, people["project"].id, "curiosity")
    assert error.value.code == "store_not_allowed"
    with pytest.raises(StoreError):
        read_curves_as(store, people[reader].id, people["project"].id, "curiosity")
    assert access_log(store, people["resident"].id) == []


def test_expired_consents_drop_out_of_the_view(store, people, shared):
    later = utcnow() + timedelta(days=400)
    assert shared_households(store, people["coop"].id, people["project"].id, "x", now=later) == []


def test_reads_state_their_purpose(store, people, shared):
    with pytest.raises(StoreError) as error:
        read_curves_as(store, people["coop"].id, people["project"].id, "")
    assert error.value.code == "store_purpose_required"
    assert access_log(store, people["resident"].id) == []


def test_demo_accounts_one_per_role_on_the_embedded_database_only(store):
    if not store.embedded:
        with pytest.raises(StoreError) as error:
            demo_accounts(store)
        assert error.value.code == "store_demo_off"
        return
    first = demo_accounts(store)
    assert {role: a.role for role, a in first.items()} == {r: r for r in first}
    assert first["cooperative"].organisation and first["resident"].organisation is None
    assert demo_accounts(store) == first  # created once
