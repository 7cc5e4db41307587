"""Consent: nothing stored without it, terms validated, withdrawal and expiry leave no trace."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from planner.store import (
    StoreError,
    add_years,
    change_consent,
    give_consent,
    list_consents,
    purge_expired,
    read,
    read_curve_as,
    withdraw_consent,
)
from planner.store.crypto import decrypt, pack_curve
from planner.store.models import AccessLog, Consent, Curve, Household, utcnow
from tests.planner.store._trace import traces
from tests.planner.store.conftest import curve, terms


def _counts(store):
    with read(store) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Household, Consent, Curve, AccessLog)
        }


EMPTY = {"households": 0, "consents": 0, "curves": 0, "access_log": 0}


def test_consent_stores_the_curve_encrypted(store, people):
    energy = curve()
    consent = give_consent(store, people["resident"].id, terms(people["project"]), energy)
    assert _counts(store) == {"households": 1, "consents": 1, "curves": 1, "access_log": 0}
    assert consent.step_min == 30
    assert consent.annual_kwh == pytest.approx(energy.mean() * 365 * 48)
    with read(store) as session:
        stored = session.scalars(select(Curve)).one()
    plain = pack_curve(energy)
    assert plain not in stored.payload and stored.payload != plain
    assert f"{energy.iloc[0]}".encode() not in stored.payload
    assert decrypt(store.key, stored.payload, stored.id) == plain
    # The ciphertext is bound to its row: moved to another id, it does not decrypt.
    with pytest.raises(StoreError, match="decrypted"):
        decrypt(store.key, stored.payload, "another id")
    own = read_curve_as(store, people["resident"].id, consent.pseudonym, "")
    pd.testing.assert_series_equal(own, energy, check_freq=False)


def test_pseudonyms_are_random_and_unique(store, people):
    from planner.store import create_account

    pseudonyms = set()
    for n in range(5):
        account = create_account(store, f"r{n}@example.org", "resident")
        pseudonyms.add(give_consent(store, account.id, terms(people["project"]), curve()).pseudonym)
    assert len(pseudonyms) == 5
    assert all(p.startswith("F-") and len(p) == 14 for p in pseudonyms)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"cooperative_curve": False, "city_aggregates": False}, "store_no_recipient"),
        ({"step": "hourly"}, "store_bad_step"),
        ({"purpose": "  "}, "store_purpose_required"),
        ({"wording_version": "v0"}, "store_wording_outdated"),
        ({"project_id": "0" * 32}, "store_unknown_project"),
    ],
)
def test_no_valid_consent_nothing_stored(store, people, changes, code):
    with pytest.raises(StoreError) as error:
        give_consent(store, people["resident"].id, terms(people["project"], **changes), curve())
    assert error.value.code == code
    assert _counts(store) == EMPTY


@pytest.mark.parametrize("years", [0, -1, 3.01, 4])
def test_duration_is_more_than_nothing_and_at_most_three_years(store, people, years):
    now = utcnow()
    expires = now + timedelta(days=365.25 * years) if years else now
    with pytest.raises(StoreError) as error:
        give_consent(
            store,
            people["resident"].id,
            terms(people["project"], expires_at=expires),
            curve(),
            now=now,
        )
    assert error.value.code == "store_invalid_duration"
    assert error.value.params == {"years": 3}
    assert _counts(store) == EMPTY


def test_default_duration_is_one_year_and_three_years_is_allowed(store, people):
    from planner.store import create_account

    now = utcnow().replace(microsecond=0)
    first = give_consent(store, people["resident"].id, terms(people["project"]), curve(), now=now)
    assert first.expires_at == add_years(now, 1)
    other = create_account(store, "bob@example.org", "resident")
    longest = terms(people["project"], expires_at=add_years(now, 3))
    assert give_consent(store, other.id, longest, curve(), now=now).expires_at == add_years(now, 3)


@pytest.mark.parametrize(
    "energy",
    [
        "not a series",
        pd.Series([1.0, 2.0]),
        pd.Series([1.0, 2.0], index=pd.date_range("2025-01-01", periods=2, freq="30min")),
        curve() * np.nan,
        -curve(),
        curve().astype(str),
        curve().iloc[::-1],
    ],
    ids=["text", "no-index", "naive-index", "all-gaps", "negative", "strings", "unsorted"],
)
def test_what_is_not_a_curve_is_refused_and_nothing_stored(store, people, energy):
    with pytest.raises(StoreError) as error:
        give_consent(store, people["resident"].id, terms(people["project"]), energy)
    assert error.value.code == "store_not_a_curve"
    assert _counts(store) == EMPTY


def test_only_a_resident_gives_consent(store, people):
    with pytest.raises(StoreError) as error:
        give_consent(store, people["coop"].id, terms(people["project"]), curve())
    assert error.value.code == "store_not_allowed"
    assert _counts(store) == EMPTY


def test_consent_given_twice_is_refused_and_the_first_kept(store, people):
    first = give_consent(store, people["resident"].id, terms(people["project"]), curve(seed=1))
    with pytest.raises(StoreError) as error:
        give_consent(store, people["resident"].id, terms(people["project"]), curve(seed=2))
    assert error.value.code == "store_consent_exists"
    assert _counts(store) == {"households": 1, "consents": 1, "curves": 1, "access_log": 0}
    assert [c.id for c in list_consents(store, people["resident"].id)] == [first.id]


def test_daily_consent_stores_daily_totals_only(store, people):
    energy = curve(days=3)
    consent = give_consent(
        store, people["resident"].id, terms(people["project"], step="daily"), energy
    )
    assert consent.step_min == 1440
    stored = read_curve_as(store, people["coop"].id, consent.pseudonym, "sizing")
    # 3 x 48 half-hours from 28 March run one hour into 31 March (clocks change on the 30th).
    assert list(stored.index.day) == [28, 29, 30, 31]
    # A day with a gap, or only partly covered, stays a gap: a partial sum would understate it.
    assert np.isnan(stored.iloc[0]) and np.isnan(stored.iloc[3])
    assert stored.iloc[1] == pytest.approx(energy.loc["2025-03-29"].sum())
    assert stored.iloc[2] == pytest.approx(energy.loc["2025-03-30"].sum())  # a 23-hour day


def test_finer_curves_are_shared_at_30_minutes(store, people):
    index = pd.date_range("2025-06-01", periods=6 * 24 * 2, freq="10min", tz="Europe/Paris")
    energy = pd.Series(0.1, index=index, name="energy_kwh")
    consent = give_consent(store, people["resident"].id, terms(people["project"]), energy)
    stored = read_curve_as(store, people["coop"].id, consent.pseudonym, "sizing")
    assert consent.step_min == 30
    assert len(stored) == len(energy) // 3
    assert stored.sum() == pytest.approx(energy.sum())


def _ids(store, consent):
    with read(store) as session:
        row = session.scalars(select(Curve).where(Curve.consent_id == consent.id)).one()
        return [row.household_id, row.id, consent.id, consent.pseudonym, row.payload]


def test_withdrawal_leaves_no_trace_in_any_table(store, people):
    resident = people["resident"]
    consent = give_consent(store, resident.id, terms(people["project"]), curve())
    read_curve_as(store, people["coop"].id, consent.pseudonym, "sizing")
    needles = _ids(store, consent)
    assert len(traces(store.engine, needles)) >= 8  # the search finds what is there
    withdraw_consent(store, resident.id, consent.id)
    assert traces(store.engine, needles) == []
    assert _counts(store) == EMPTY
    assert list_consents(store, resident.id) == []


def test_withdrawal_twice_is_a_clear_error_and_changes_nothing(store, people):
    resident = people["resident"]
    consent = give_consent(store, resident.id, terms(people["project"]), curve())
    withdraw_consent(store, resident.id, consent.id)
    with pytest.raises(StoreError) as error:
        withdraw_consent(store, resident.id, consent.id)
    assert error.value.code == "store_consent_not_found"
    assert _counts(store) == EMPTY


def test_nobody_withdraws_someone_elses_consent(store, people):
    consent = give_consent(store, people["resident"].id, terms(people["project"]), curve())
    with pytest.raises(StoreError):
        withdraw_consent(store, people["coop"].id, consent.id)
    assert _counts(store)["curves"] == 1


def test_withdrawing_one_consent_keeps_the_others(store, people):
    from planner.store import create_project

    second = create_project(store, people["other"].id, "Autre", "Compare", "v1")
    resident = people["resident"]
    keep = give_consent(store, resident.id, terms(people["project"]), curve())
    drop = give_consent(store, resident.id, terms(second), curve(seed=3))
    withdraw_consent(store, resident.id, drop.id)
    assert [c.id for c in list_consents(store, resident.id)] == [keep.id]
    assert _counts(store) == {"households": 1, "consents": 1, "curves": 1, "access_log": 0}


def test_purge_expired_deletes_expired_consents_and_their_curves(store, people):
    from planner.store import create_account

    now = utcnow()
    soon = terms(people["project"], expires_at=now + timedelta(days=30))
    short = give_consent(store, people["resident"].id, soon, curve(), now=now)
    bob = create_account(store, "bob@example.org", "resident")
    give_consent(store, bob.id, terms(people["project"]), curve(seed=4), now=now)
    needles = _ids(store, short)
    assert purge_expired(store, now + timedelta(days=29)) == 0
    assert purge_expired(store, now + timedelta(days=30)) == 1
    assert traces(store.engine, needles) == []
    assert _counts(store) == {"households": 1, "consents": 1, "curves": 1, "access_log": 0}
    assert purge_expired(store, now + timedelta(days=30)) == 0


def test_change_to_daily_totals_replaces_the_stored_curve_at_once(store, people):
    resident, coop = people["resident"], people["coop"]
    energy = curve(days=3)
    consent = give_consent(store, resident.id, terms(people["project"]), energy)
    before = _ids(store, consent)[-1]
    later = utcnow() + timedelta(days=3)
    changed = change_consent(
        store,
        resident.id,
        consent.id,
        terms(people["project"], step="daily", city_aggregates=True),
        now=later,
    )
    assert (changed.id, changed.step, changed.step_min) == (consent.id, "daily", 1440)
    assert changed.city_aggregates and changed.starts_at == later
    assert changed.expires_at == add_years(later, 1)
    assert traces(store.engine, [before]) == []  # the 30-minute ciphertext is gone
    daily = read_curve_as(store, coop.id, consent.pseudonym, "sizing")
    assert daily.iloc[1] == pytest.approx(energy.loc["2025-03-29"].sum())
    # Daily totals cannot become half-hours again: a clear refusal, nothing changed.
    with pytest.raises(StoreError) as error:
        change_consent(store, resident.id, consent.id, terms(people["project"]))
    assert error.value.code == "store_step_finer"
    assert list_consents(store, resident.id)[0].step == "daily"


def test_change_can_stop_the_cooperative_reading(store, people):
    resident = people["resident"]
    consent = give_consent(store, resident.id, terms(people["project"]), curve())
    only_city = terms(people["project"], cooperative_curve=False, city_aggregates=True)
    change_consent(store, resident.id, consent.id, only_city)
    with pytest.raises(StoreError, match="may not"):
        read_curve_as(store, people["coop"].id, consent.pseudonym, "sizing")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"cooperative_curve": False}, "store_no_recipient"),
        ({"expires_at": utcnow() + timedelta(days=4 * 366)}, "store_invalid_duration"),
        ({"project_id": "0" * 32}, "store_unknown_project"),
    ],
)
def test_invalid_changes_change_nothing(store, people, changes, code):
    resident = people["resident"]
    consent = give_consent(store, resident.id, terms(people["project"]), curve())
    with pytest.raises(StoreError) as error:
        change_consent(store, resident.id, consent.id, terms(people["project"], **changes))
    assert error.value.code == code
    assert list_consents(store, resident.id) == [consent]


def test_nobody_changes_someone_elses_consent(store, people):
    consent = give_consent(store, people["resident"].id, terms(people["project"]), curve())
    with pytest.raises(StoreError) as error:
        change_consent(store, people["coop"].id, consent.id, terms(people["project"]))
    assert error.value.code == "store_consent_not_found"


def test_one_form_submitted_twice_at_once_stores_one_consent(store, people):
    import threading

    outcomes: list[str] = []
    start = threading.Barrier(4)

    def submit() -> None:
        start.wait()
        try:
            give_consent(store, people["resident"].id, terms(people["project"]), curve())
            outcomes.append("stored")
        except StoreError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["store_consent_exists"] * 3 + ["stored"]
    assert _counts(store) == {"households": 1, "consents": 1, "curves": 1, "access_log": 0}
