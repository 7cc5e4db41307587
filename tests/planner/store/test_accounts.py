"""Accounts: argon2 hashes, one answer for wrong login or password, throttling, deletion."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from planner.store import (
    StoreError,
    authenticate,
    create_account,
    delete_account,
    get_account,
    give_consent,
    read,
)
from planner.store.models import Account, utcnow
from tests.planner.store._trace import traces
from tests.planner.store.conftest import curve, terms


def test_passwords_are_stored_as_argon2id_hashes(store, people):
    with read(store) as session:
        hashed = session.scalars(
            select(Account.password_hash).where(Account.id == people["resident"].id)
        ).one()
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed


def test_sign_in_with_the_right_password_whatever_the_case_of_the_login(store, people):
    account = authenticate(store, "  ALICE@example.org", "correct horse")
    assert account == people["resident"]


@pytest.mark.parametrize("login", ["alice@example.org", "nobody@example.org"])
def test_wrong_password_and_unknown_login_get_the_same_answer(store, people, login):
    with pytest.raises(StoreError) as error:
        authenticate(store, login, "wrong password")
    assert error.value.code == "store_wrong_credentials"


def test_throttled_after_repeated_failures_even_with_the_right_password(store, people):
    now = utcnow()
    for minute in range(3):  # FAST.max_failures
        with pytest.raises(StoreError, match="Wrong"):
            authenticate(store, "alice@example.org", "guess", now=now + timedelta(minutes=minute))
    with pytest.raises(StoreError) as error:
        authenticate(store, "alice@example.org", "correct horse", now=now + timedelta(minutes=3))
    assert error.value.code == "store_throttled"
    assert error.value.params["minutes"] == 4  # lockout 5 min from the third failure
    # Once the lockout is over, the right password works again and resets the count.
    later = now + timedelta(minutes=8)
    assert authenticate(store, "alice@example.org", "correct horse", now=later).role == "resident"
    with read(store) as session:
        account = session.get(Account, people["resident"].id)
        assert (account.failed_attempts, account.locked_until) == (0, None)


def test_failures_spread_beyond_the_window_do_not_lock(store, people):
    now = utcnow()
    for step in range(5):
        with pytest.raises(StoreError, match="Wrong"):
            authenticate(
                store, "alice@example.org", "guess", now=now + timedelta(minutes=11 * step)
            )
    later = now + timedelta(minutes=45)
    assert authenticate(store, "alice@example.org", "correct horse", now=later)


@pytest.mark.parametrize(
    ("login", "role", "kwargs", "code"),
    [
        ("alice@example.org", "resident", {}, "store_login_taken"),
        ("x@example.org", "mayor", {}, "store_bad_role"),
        ("   ", "resident", {}, "store_login_required"),
        ("x@example.org", "resident", {"password": "short"}, "store_password_too_short"),
        ("x@example.org", "cooperative", {}, "store_organisation_required"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(store, people, login, role, kwargs, code):
    with pytest.raises(StoreError) as error:
        create_account(store, login, role, **kwargs)
    assert error.value.code == code
    with read(store) as session:
        assert len(session.scalars(select(Account)).all()) == 4


def test_account_deletion_leaves_no_trace(store, people):
    resident = people["resident"]
    consent = give_consent(store, resident.id, terms(people["project"]), curve())
    with read(store) as session:
        household_id = session.scalars(select(Account).where(Account.id == resident.id)).one()
        household_id = household_id.household.id
    delete_account(store, resident.id)
    needles = [resident.id, resident.login, household_id, consent.id, consent.pseudonym]
    assert traces(store.engine, needles) == []
    with pytest.raises(StoreError) as error:
        get_account(store, resident.id)
    assert error.value.code == "store_account_not_found"
    with pytest.raises(StoreError) as error:
        delete_account(store, resident.id)
    assert error.value.code == "store_account_not_found"
    # The other accounts are untouched.
    assert get_account(store, people["coop"].id).organisation == "Enercoop"


def test_an_openid_identity_gets_one_account_kept_across_sign_ins(store, people):
    from planner.store import account_for_identity

    first = account_for_identity(store, "https://idp.example", "sub-1", email="New@Example.org")
    assert (first.login, first.role) == ("new@example.org", "resident")
    assert account_for_identity(store, "https://idp.example", "sub-1") == first
    # Subjects are case-sensitive, and another provider's same subject is another person.
    assert account_for_identity(store, "https://idp.example", "SUB-1").id != first.id
    assert account_for_identity(store, "https://other.example", "sub-1").id != first.id
    # It signs in through its provider only: no password works for it.
    with pytest.raises(StoreError, match="Wrong"):
        authenticate(store, "new@example.org", "")


def test_an_openid_identity_is_never_joined_to_a_local_account_by_email(store, people):
    from planner.store import account_for_identity

    taken = account_for_identity(store, "https://idp.example", "x", email="alice@example.org")
    assert taken.id != people["resident"].id
    assert taken.login.startswith("oidc-")
    assert authenticate(store, "alice@example.org", "correct horse") == people["resident"]


def test_an_openid_cooperative_names_its_organisation(store):
    from planner.store import account_for_identity

    with pytest.raises(StoreError) as error:
        account_for_identity(store, "https://idp.example", "c", role="cooperative")
    assert error.value.code == "store_organisation_required"
