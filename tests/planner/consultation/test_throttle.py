"""Point 4: submissions are throttled per account and per session, over a sliding window."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from planner.consultation import ConsultationConfig, submit_opinion
from planner.store import StoreError, read
from planner.store.consultation_models import Submission
from planner.store.models import utcnow
from tests.planner.consultation.conftest import open_consultation, residents

TIGHT = ConsultationConfig(per_account=3, per_session=4, window=timedelta(minutes=10))


def test_an_account_is_throttled_then_free_again_once_the_window_slides(store, organisers):
    site = open_consultation(store, organisers["coop"]).sites[0]
    (alice,) = residents(store, 1)
    start = utcnow()
    for n in range(3):
        submit_opinion(
            store, alice.id, site.id, "support", now=start + timedelta(minutes=n), config=TIGHT
        )
    with pytest.raises(StoreError) as error:
        submit_opinion(
            store, alice.id, site.id, "oppose", now=start + timedelta(minutes=3), config=TIGHT
        )
    assert error.value.code == "consult_throttled"
    assert error.value.params == {"minutes": 7}  # the first submission leaves the window then
    # Ten minutes after the first one, one slot is free again.
    later = start + timedelta(minutes=10, seconds=1)
    submit_opinion(store, alice.id, site.id, "oppose", now=later, config=TIGHT)
    with pytest.raises(StoreError):
        submit_opinion(store, alice.id, site.id, "neutral", now=later, config=TIGHT)


def test_one_session_is_throttled_across_accounts(store, organisers):
    site = open_consultation(store, organisers["coop"]).sites[0]
    people = residents(store, 5)
    now = utcnow()
    for person in people[:4]:
        submit_opinion(
            store, person.id, site.id, "support", session_key="tab-1", now=now, config=TIGHT
        )
    with pytest.raises(StoreError) as error:
        submit_opinion(
            store, people[4].id, site.id, "support", session_key="tab-1", now=now, config=TIGHT
        )
    assert error.value.code == "consult_throttled"
    submit_opinion(
        store, people[4].id, site.id, "support", session_key="tab-2", now=now, config=TIGHT
    )


def test_the_throttle_log_holds_no_account_and_forgets_old_submissions(store, organisers):
    site = open_consultation(store, organisers["coop"]).sites[0]
    (alice,) = residents(store, 1)
    start = utcnow()
    for n in range(3):
        submit_opinion(
            store,
            alice.id,
            site.id,
            "support",
            session_key="s",
            now=start + timedelta(minutes=20 * n),
            config=TIGHT,
        )
    with read(store) as session:
        rows = session.scalars(select(Submission)).all()
    assert all(alice.id not in row.key and "s" != row.key for row in rows)
    assert len(rows) == 2  # one per key: the older ones left the window and were deleted
