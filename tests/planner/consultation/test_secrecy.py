"""Point 4: a secret ballot keeps opinions apart from identity; the tables cannot link them."""

import dataclasses

import pytest
from sqlalchemy import String, inspect, select, text
from sqlalchemy.exc import OperationalError

from planner.consultation import (
    ballot_key,
    my_opinion,
    results,
    seal_ballots,
    submit_opinion,
    voter_token,
    withdraw_ballots,
)
from planner.store import StoreError, new_key, read
from planner.store.consultation_models import Ballot, Participant
from planner.store.crypto import parse_key
from tests.planner.consultation.conftest import open_consultation, residents


def _all_values(store):
    """Every (table, column, value as text) in the database."""
    found = []
    with read(store) as session:
        connection = session.connection()
        for table in inspect(connection).get_table_names():
            for column in inspect(connection).get_columns(table):
                name = column["name"]
                rows = connection.execute(text(f'SELECT "{name}" FROM "{table}"')).scalars()
                found += [(table, name, str(v)) for v in rows if v is not None]
    return found


@pytest.fixture
def secret_vote(store, organisers):
    consultation = open_consultation(store, organisers["coop"], sites=2, secret=True)
    voters = residents(store, 4)
    for n, voter in enumerate(voters):
        for site in consultation.sites:
            submit_opinion(store, voter.id, site.id, ("support", "oppose")[n % 2], comment=f"c{n}")
    return consultation, voters


def test_one_ballot_per_person_and_site_changeable_and_found_again_by_its_voter(secret_vote, store):
    consultation, voters = secret_vote
    site = consultation.sites[0]
    submit_opinion(store, voters[0].id, site.id, "neutral", tags=["cost"])
    assert my_opinion(store, voters[0].id, site.id).stance == "neutral"
    assert my_opinion(store, voters[1].id, site.id).stance == "oppose"
    with read(store) as session:
        ballots = session.scalars(select(Ballot)).all()
        register = session.scalars(select(Participant)).all()
    assert len(ballots) == 8
    assert sorted(p.account_id for p in register) == sorted(v.id for v in voters)
    assert {p.consultation_id for p in register} == {consultation.id}


def test_no_table_holds_the_account_id_beside_a_ballot(secret_vote, store):
    _, voters = secret_vote
    values = _all_values(store)
    for voter in voters:
        where = {(table, column) for table, column, value in values if voter.id in value}
        # The account itself, and the register of who took part: nothing else.
        assert where == {("accounts", "id"), ("participants", "account_id")}


def test_no_ballot_column_joins_the_register(secret_vote, store):
    values = _all_values(store)
    register = {v for table, _, v in values if table == "participants"}
    in_ballots = {v for table, _, v in values if table == "ballots"}
    assert register and in_ballots
    assert register & in_ballots == set()
    columns = {c["name"]: c["type"] for c in inspect(store.engine).get_columns("ballots")}
    # No time to join on, no account: id, site, token, and what the ballot says.
    assert set(columns) == {
        "id",
        "site_id",
        "voter_token",
        "stance",
        "tags",
        "comment",
        "reports",
        "moderation",
    }
    assert not {c["name"] for c in inspect(store.engine).get_columns("participants")} - {
        "consultation_id",
        "account_id",
    }
    assert all(isinstance(columns[name], String) for name in ("id", "voter_token"))


def test_tokens_cannot_be_rebuilt_without_the_key(secret_vote, store):
    consultation, voters = secret_vote
    with read(store) as session:
        tokens = set(session.scalars(select(Ballot.voter_token)))
    right = ballot_key(store, consultation.id)
    wrong = ballot_key(dataclasses.replace(store, key=parse_key(new_key())), consultation.id)
    site = consultation.sites[0].id
    # With the key (the server's operator): every ballot links. That is the threat model.
    assert {voter_token(right, v.id, site) for v in voters} <= tokens
    # With only the tables, or another key: none does.
    assert not {voter_token(wrong, v.id, site) for v in voters} & tokens
    # And one person's tokens differ from site to site: their ballots are not linked either.
    other = consultation.sites[1].id
    assert voter_token(right, voters[0].id, site) != voter_token(right, voters[0].id, other)


def test_ballot_ids_do_not_follow_the_order_of_casting(store, organisers):
    consultation = open_consultation(store, organisers["coop"], sites=1, secret=True)
    voters = residents(store, 12)
    for voter in voters:
        submit_opinion(store, voter.id, consultation.sites[0].id, "support")
    with read(store) as session:
        ids = list(session.scalars(select(Ballot.id)))
        register = list(session.scalars(select(Participant.account_id)))
    assert len(set(ids)) == 12 and all(len(i) == 32 for i in ids)
    # The register is in account order, not in the order people voted.
    assert register == sorted(register) or not store.embedded
    if store.embedded:
        with store.engine.connect() as connection, pytest.raises(OperationalError):
            connection.execute(text("SELECT rowid FROM ballots"))
        with store.engine.connect() as connection, pytest.raises(OperationalError):
            connection.execute(text("SELECT rowid FROM participants"))
    else:
        # A ballot never shares a transaction with the register (same xmin = same voter).
        with store.engine.connect() as connection:
            ballots = set(connection.execute(text("SELECT xmin::text FROM ballots")).scalars())
            registered = set(
                connection.execute(text("SELECT xmin::text FROM participants")).scalars()
            )
        assert ballots and registered and not ballots & registered


def test_results_of_a_secret_ballot_count_ballots(secret_vote, store):
    consultation, _ = secret_vote
    found = results(store, consultation.id, now=consultation.closes_at)
    assert found.closed
    tally = found.sites[0]
    assert tally.published
    # 4 ballots: every count is below 10, so "not enough", never 0.
    assert tally.opinions is None and set(tally.counts.values()) == {None}
    assert sorted(c.text for c in tally.comments) == ["c0", "c1", "c2", "c3"]


def test_sealing_erases_the_order_of_writes_once_closed(store, organisers):
    consultation = open_consultation(store, organisers["coop"], sites=2, secret=True)
    voters = residents(store, 6)
    for voter in voters:
        for site in consultation.sites:
            submit_opinion(store, voter.id, site.id, "support")
    coop = organisers["coop"].id
    with pytest.raises(StoreError) as error:
        seal_ballots(store, coop, consultation.id)
    assert error.value.code == "consult_still_open"
    with pytest.raises(StoreError) as error:
        seal_ballots(store, organisers["rival"].id, consultation.id, now=consultation.closes_at)
    assert error.value.code == "store_not_allowed"
    before = results(store, consultation.id, now=consultation.closes_at)
    seal_ballots(store, coop, consultation.id, now=consultation.closes_at)
    assert results(store, consultation.id, now=consultation.closes_at) == before
    if store.embedded:
        return
    with store.engine.connect() as connection:
        for table, key in (("ballots", "id"), ("participants", "account_id")):
            rows = connection.execute(
                text(f"SELECT xmin::text, {key} FROM {table} ORDER BY ctid")
            ).all()
            # One transaction wrote them all, and they lie in key order, not in voting order.
            assert len({xmin for xmin, _ in rows}) == 1, table
            assert [k for _, k in rows] == sorted(k for _, k in rows), table


def test_a_leaving_resident_takes_their_open_ballots_with_them(store, organisers):
    from datetime import timedelta

    from planner.store import delete_account

    running = open_consultation(store, organisers["coop"], sites=2, secret=True)
    ending = open_consultation(store, organisers["coop"], sites=1, secret=True, days=1)
    alice, bob = residents(store, 2)
    for consultation in (running, ending):
        for site in consultation.sites:
            for person in (alice, bob):
                submit_opinion(store, person.id, site.id, "oppose")
    # The second consultation has closed by then: its ballots stay in its results.
    later = ending.closes_at + timedelta(seconds=1)
    assert withdraw_ballots(store, alice.id, now=later) == 2
    delete_account(store, alice.id)
    assert my_opinion(store, bob.id, running.sites[0].id).stance == "oppose"
    with read(store) as session:
        sites_left = list(session.scalars(select(Ballot.site_id)))
        register = list(session.scalars(select(Participant.account_id)))
    assert sorted(sites_left) == sorted([s.id for s in running.sites] + [ending.sites[0].id] * 2)
    assert alice.id not in register
    assert not [v for _, _, v in _all_values(store) if alice.id in v]
