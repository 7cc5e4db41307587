"""Reads: logged when someone else reads, refused without consent; export holds everything."""

import io
import json
import logging
import zipfile
from datetime import timedelta

import pandas as pd
import pytest

from planner.store import (
    StoreError,
    access_log,
    authenticate,
    export_household,
    give_consent,
    list_consents,
    read_curve_as,
    withdraw_consent,
)
from planner.store.consents import shared_curve
from planner.store.models import utcnow
from tests.planner.store.conftest import curve, terms


def test_third_party_read_is_logged_and_own_read_is_not(store, people):
    resident, coop = people["resident"], people["coop"]
    consent = give_consent(store, resident.id, terms(people["project"]), curve())
    read_curve_as(store, resident.id, consent.pseudonym, "")
    assert access_log(store, resident.id) == []
    when = utcnow()
    values = read_curve_as(store, coop.id, consent.pseudonym, "Size the project", now=when)
    assert len(values) == len(curve())
    (entry,) = access_log(store, resident.id)
    assert (entry.reader_role, entry.reader_organisation) == ("cooperative", "Enercoop")
    assert (entry.purpose, entry.project_name) == ("Size the project", "Toits du Breil")
    assert abs(entry.read_at - when) < timedelta(seconds=1)


@pytest.mark.parametrize("reader", ["city", "other"])
def test_readers_without_a_curve_consent_are_refused_and_nothing_logged(store, people, reader):
    consent = give_consent(
        store, people["resident"].id, terms(people["project"], city_aggregates=True), curve()
    )
    with pytest.raises(StoreError) as error:
        read_curve_as(store, people[reader].id, consent.pseudonym, "curiosity")
    assert error.value.code == "store_not_allowed"
    assert access_log(store, people["resident"].id) == []


def test_aggregates_only_consent_does_not_give_the_curve(store, people):
    only_city = terms(people["project"], cooperative_curve=False, city_aggregates=True)
    consent = give_consent(store, people["resident"].id, only_city, curve())
    with pytest.raises(StoreError, match="may not"):
        read_curve_as(store, people["coop"].id, consent.pseudonym, "sizing")


def test_expired_consent_is_refused_until_purged(store, people):
    now = utcnow()
    short = terms(people["project"], expires_at=now + timedelta(days=10))
    consent = give_consent(store, people["resident"].id, short, curve(), now=now)
    with pytest.raises(StoreError) as error:
        read_curve_as(
            store, people["coop"].id, consent.pseudonym, "x", now=now + timedelta(days=10)
        )
    assert error.value.code == "store_consent_expired"
    assert access_log(store, people["resident"].id) == []


def test_a_read_states_its_purpose(store, people):
    consent = give_consent(store, people["resident"].id, terms(people["project"]), curve())
    with pytest.raises(StoreError) as error:
        read_curve_as(store, people["coop"].id, consent.pseudonym, " ")
    assert error.value.code == "store_purpose_required"


def test_export_holds_everything_the_project_holds(store, people):
    resident = people["resident"]
    energy = curve()
    consent = give_consent(store, resident.id, terms(people["project"]), energy)
    read_curve_as(store, people["coop"].id, consent.pseudonym, "Size the project")
    export = export_household(store, resident.id)
    data = json.loads(export.to_json())
    assert data["account"]["login"] == "alice@example.org"
    assert data["account"]["password"] == "argon2 hash"
    assert "$argon2" not in export.to_json()
    assert data["household"]["pseudonym"] == consent.pseudonym
    (given,) = data["consents"]
    assert (given["id"], given["step"], given["purpose"]) == (consent.id, "30min", consent.purpose)
    assert given["expires_at"] == consent.expires_at.isoformat()
    (stored,) = data["curves"]
    assert len(stored["energy_kwh"]) == len(energy)
    assert stored["energy_kwh"][5][1] is None  # a gap stays a gap
    assert stored["energy_kwh"][0] == [energy.index[0].isoformat(), energy.iloc[0]]
    assert data["access_log"][0]["purpose"] == "Size the project"
    points = pd.read_csv(io.StringIO(export.tables["curves.csv"]))
    assert len(points) == len(energy)
    assert points["energy_kwh"].sum() == pytest.approx(energy.sum())
    assert consent.id in export.tables["consents.csv"]
    assert "Enercoop" in export.tables["access_log.csv"]
    assert consent.pseudonym in export.tables["account.csv"]
    with zipfile.ZipFile(io.BytesIO(export.to_zip())) as archive:
        assert set(archive.namelist()) == {"quartier-solaire.json", *export.tables}


def test_export_of_an_account_that_shares_nothing(store, people):
    from planner.store import account_for_identity

    export = export_household(store, people["city"].id)
    assert export.data["household"] is None and export.data["curves"] == []
    oidc = account_for_identity(store, "https://idp.example", "sub-9")
    assert export_household(store, oidc.id).data["account"]["oidc_subject"] == "sub-9"
    assert "Nantes" in export.tables["account.csv"]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_step_and_values_survive_any_index_unit(unit):
    energy = curve(days=1)
    energy.index = energy.index.as_unit(unit)
    values, step_min = shared_curve(energy, "30min")
    assert step_min == 30
    pd.testing.assert_series_equal(values, energy)


def test_nothing_personal_is_logged(store, people, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # it keeps WARNING unless told
    resident, coop = people["resident"], people["coop"]
    energy = curve()
    with pytest.raises(StoreError):
        authenticate(store, "alice@example.org", "a wrong secret")
    authenticate(store, "alice@example.org", "correct horse")
    consent = give_consent(store, resident.id, terms(people["project"]), energy)
    read_curve_as(store, coop.id, consent.pseudonym, "Size the project")
    export_household(store, resident.id)
    list_consents(store, resident.id)
    withdraw_consent(store, resident.id, consent.id)
    assert caplog.records, "the store logs what it does"
    logged = caplog.text
    assert "consent withdrawn" in logged
    secrets = ["correct horse", "a wrong secret", "alice@example.org", consent.pseudonym]
    secrets += [resident.id, consent.id, str(store.key)]
    secrets += [f"{v}" for v in energy.dropna().iloc[:50]]
    assert [s for s in secrets if s in logged] == []
    # The database's own log was captured too, without the statements' values.
    assert "INSERT INTO curves" in logged and "parameters hidden" in logged
