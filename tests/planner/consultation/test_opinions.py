"""Point 2: one opinion per resident per site, changeable while open, refused outside."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from planner.consultation import ConsultationConfig, my_opinion, submit_opinion
from planner.store import StoreError, read, write
from planner.store.consultation_models import Ballot, Opinion
from planner.store.models import new_id, utcnow
from tests.planner.consultation.conftest import open_consultation, residents


def _rows(store, model=Opinion):
    with read(store) as session:
        return session.scalars(select(model)).all()


def test_an_opinion_is_stored_and_a_change_updates_it(store, organisers):
    site = open_consultation(store, organisers["coop"]).sites[0]
    (alice,) = residents(store, 1)
    submit_opinion(store, alice.id, site.id, "support", tags=["cost"], comment="  Bonne idée  ")
    assert my_opinion(store, alice.id, site.id).comment == "Bonne idée"
    submit_opinion(store, alice.id, site.id, "oppose", tags=["heritage", "visual_impact"])
    (row,) = _rows(store)
    assert (row.stance, row.tags, row.comment) == ("oppose", "heritage,visual_impact", None)
    mine = my_opinion(store, alice.id, site.id)
    assert (mine.stance, mine.tags) == ("oppose", ("heritage", "visual_impact"))


def test_the_database_itself_refuses_a_second_opinion(store, organisers):
    site = open_consultation(store, organisers["coop"]).sites[0]
    (alice,) = residents(store, 1)
    submit_opinion(store, alice.id, site.id, "support")
    with pytest.raises(IntegrityError), write(store) as session:
        session.add(
            Opinion(
                id=new_id(),
                site_id=site.id,
                account_id=alice.id,
                stance="oppose",
                tags="",
                reports=0,
                moderation="visible",
            )
        )


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_two_concurrent_submissions_from_one_account_leave_exactly_one(store, organisers, secret):
    site = open_consultation(store, organisers["coop"], secret=secret).sites[0]
    (alice,) = residents(store, 1)
    model = Ballot if secret else Opinion
    for attempt in range(5):
        start, errors = threading.Barrier(2), []

        def send(stance, start=start, errors=errors):
            start.wait()
            try:
                submit_opinion(store, alice.id, site.id, stance, comment=stance)
            except Exception as error:  # any failure is a failure of the test
                errors.append(error)

        threads = [threading.Thread(target=send, args=(s,)) for s in ("support", "oppose")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        rows = _rows(store, model)
        assert len(rows) == 1, attempt
        # One of the two won, whole: never a stance from one and the comment of the other.
        assert rows[0].stance == rows[0].comment


def test_refused_before_opening_and_after_closing(store, organisers):
    consultation = open_consultation(store, organisers["coop"], days=2)
    site = consultation.sites[0]
    (alice,) = residents(store, 1)
    before = consultation.opens_at - timedelta(seconds=1)
    with pytest.raises(StoreError) as error:
        submit_opinion(store, alice.id, site.id, "support", now=before)
    assert error.value.code == "consult_not_open"
    assert error.value.params == {"date": consultation.opens_at.date().isoformat()}
    submit_opinion(store, alice.id, site.id, "support", now=consultation.opens_at)
    with pytest.raises(StoreError) as error:
        submit_opinion(store, alice.id, site.id, "oppose", now=consultation.closes_at)
    assert error.value.code == "consult_closed"
    assert [r.stance for r in _rows(store)] == ["support"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (dict(stance="maybe"), "consult_bad_stance"),
        (dict(tags=["cost", "noise"]), "consult_bad_tag"),
        (dict(comment="a\x00b"), "consult_comment_control_char"),
    ],
)
def test_bad_opinions_are_refused_and_nothing_is_stored(store, organisers, changes, code):
    site = open_consultation(store, organisers["coop"]).sites[0]
    (alice,) = residents(store, 1)
    arguments = {"stance": "support", **changes}
    with pytest.raises(StoreError) as error:
        submit_opinion(store, alice.id, site.id, **arguments)
    assert error.value.code == code
    assert _rows(store) == []


def test_a_long_comment_is_refused_with_its_length_and_the_limit(store, organisers):
    site = open_consultation(store, organisers["coop"]).sites[0]
    (alice,) = residents(store, 1)
    submit_opinion(store, alice.id, site.id, "support", comment="é" * 1000)
    with pytest.raises(StoreError) as error:
        submit_opinion(store, alice.id, site.id, "oppose", comment="é" * 1001)
    assert error.value.code == "consult_comment_too_long"
    assert error.value.params == {"length": 1001, "max": 1000}
    assert "1001" in error.value.message and "1000" in error.value.message
    assert my_opinion(store, alice.id, site.id).stance == "support"
    short = ConsultationConfig(max_comment_chars=10)
    with pytest.raises(StoreError) as error:
        submit_opinion(store, alice.id, site.id, "oppose", comment="x" * 11, config=short)
    assert error.value.params == {"length": 11, "max": 10}


def test_only_residents_give_opinions_and_only_on_sites_that_exist(store, organisers):
    site = open_consultation(store, organisers["coop"]).sites[0]
    with pytest.raises(StoreError) as error:
        submit_opinion(store, organisers["city"].id, site.id, "support")
    assert error.value.code == "store_not_allowed"
    (alice,) = residents(store, 1)
    with pytest.raises(StoreError) as error:
        submit_opinion(store, alice.id, "nosuchsite", "support")
    assert error.value.code == "consult_not_found"
    with read(store) as session:
        assert session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_an_opinion_goes_with_its_account(store, organisers):
    from planner.store import delete_account

    site = open_consultation(store, organisers["coop"]).sites[0]
    alice, bob = residents(store, 2)
    for person in (alice, bob):
        submit_opinion(store, person.id, site.id, "support", now=utcnow())
    delete_account(store, alice.id)
    assert [r.account_id for r in _rows(store)] == [bob.id]
