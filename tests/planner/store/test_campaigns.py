"""Campaigns: created by an organisation, joined by code, counted without naming anyone."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from planner.store import (
    StoreError,
    campaign_by_code,
    campaign_of_project,
    campaigns_of,
    contributions,
    create_account,
    create_campaign,
    delete_account,
    give_consent,
    normal_code,
    read,
    read_curves_as,
    withdraw_consent,
)
from planner.store.campaigns import CODE_ALPHABET
from planner.store.models import Campaign, Project, utcnow
from tests.planner.store.conftest import curve, terms

BBOX = (-1.60, 47.20, -1.55, 47.23)


def _campaign(store, account, **changes):
    base = dict(
        name="Toits de Malakoff",
        purpose="Dimensionner une centrale solaire collective",
        terms="Vos données servent uniquement à ce projet.",
        bbox=BBOX,
        area_households=120,
        area_kwh=120 * 4400.0,
    )
    return create_campaign(store, account.id, **{**base, **changes})


def test_an_organisation_creates_a_campaign_with_a_readable_code(store, people):
    campaign = _campaign(store, people["coop"])
    assert campaign.organisation == "Enercoop"
    assert len(campaign.code) == 9 and campaign.code[4] == "-"
    assert set(campaign.code.replace("-", "")) <= set(CODE_ALPHABET)
    assert campaign.code_expires_at > utcnow() + timedelta(days=89)
    assert campaign_of_project(store, campaign.project_id) == campaign
    assert campaign_of_project(store, people["project"].id) is None
    # Typed by hand, in lower case with a space: the same code.
    typed = " " + campaign.code.lower().replace("-", " ") + " "
    assert campaign_by_code(store, typed) == campaign
    assert normal_code(typed) == campaign.code
    city = _campaign(store, people["city"], name="Quartier Nord")
    assert [c.id for c in campaigns_of(store, people["city"].id)] == [city.id]
    assert [c.id for c in campaigns_of(store, people["coop"].id)] == [campaign.id]
    assert campaigns_of(store, people["other"].id) == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": " "}, "store_campaign_incomplete"),
        ({"terms": ""}, "store_campaign_incomplete"),
        ({"bbox": (-1.5, 47.2, -1.6, 47.3)}, "store_bad_area"),
        ({"bbox": (-1.6, 95.0, -1.5, 96.0)}, "store_bad_area"),
        ({"area_households": 0}, "store_bad_area"),
        ({"code_days": 0}, "store_bad_code_days"),
        ({"code_days": 400}, "store_bad_code_days"),
    ],
)
def test_an_incomplete_campaign_is_refused_and_nothing_stored(store, people, changes, code):
    with pytest.raises(StoreError) as raised:
        _campaign(store, people["coop"], **changes)
    assert raised.value.code == code
    with read(store) as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 0


def test_a_resident_cannot_create_or_list_campaigns(store, people):
    for call in (
        lambda: _campaign(store, people["resident"]),
        lambda: campaigns_of(store, people["resident"].id),
    ):
        with pytest.raises(StoreError) as raised:
            call()
        assert raised.value.code == "store_not_allowed"


def test_unknown_and_expired_codes_say_which(store, people):
    then = utcnow() - timedelta(days=10)
    old = _campaign(store, people["coop"], code_days=3, now=then)
    with pytest.raises(StoreError) as raised:
        campaign_by_code(store, old.code)
    assert raised.value.code == "store_code_expired"
    with pytest.raises(StoreError) as raised:
        campaign_by_code(store, "ZZZZ-ZZZZ")
    assert raised.value.code == "store_unknown_code"


def test_contributions_count_households_without_naming_them(store, people):
    campaign = _campaign(store, people["coop"])
    project = Project(
        id=campaign.project_id,
        name=campaign.name,
        organisation=campaign.organisation,
        purpose=campaign.purpose,
        consent_wording_version=campaign.wording_version,
    )
    residents = [people["resident"]] + [
        create_account(store, f"r{n}@example.org", "resident") for n in range(3)
    ]
    consents = [
        give_consent(store, r.id, terms(project), curve(days=3, seed=n))
        for n, r in enumerate(residents)
    ]
    seen = contributions(store, people["coop"].id, campaign.id)
    assert seen.households == 4 and len(seen.annual_kwh) == 4
    assert list(seen.annual_kwh) == sorted(c.annual_kwh for c in consents)
    assert seen.area_kwh == 120 * 4400.0
    # Another organisation, and a resident, see nothing.
    for account in (people["other"], people["resident"]):
        with pytest.raises(StoreError, match="may not"):
            contributions(store, account.id, campaign.id)
    # The cooperative reads the curves of its campaign, as for any project.
    frame = read_curves_as(store, people["coop"].id, campaign.project_id, "sizing")
    assert frame.shape[1] == 4
    # Withdrawal and account deletion take a household out of the counts at once.
    withdraw_consent(store, residents[0].id, consents[0].id)
    delete_account(store, residents[1].id)
    assert contributions(store, people["coop"].id, campaign.id).households == 2


def test_deleting_the_organiser_keeps_the_campaign_for_those_who_joined(store, people):
    campaign = _campaign(store, people["coop"])
    delete_account(store, people["coop"].id)
    assert campaign_by_code(store, campaign.code).id == campaign.id
