"""Point 3: any resident reports a comment once; 3 reports hide it until a moderator decides."""

import threading

import pytest
from sqlalchemy import select

from planner.consultation import (
    moderate,
    moderation_queue,
    my_opinion,
    report_comment,
    results,
    submit_opinion,
)
from planner.store import StoreError, read
from planner.store.consultation_models import Ballot, CommentReport, Opinion
from tests.planner.consultation.conftest import open_consultation, residents


@pytest.fixture(params=[False, True], ids=["open", "secret"])
def commented(request, store, organisers):
    """A consultation with one comment, and five residents who may report it."""
    consultation = open_consultation(store, organisers["coop"], sites=1, secret=request.param)
    author, *others = residents(store, 6)
    site = consultation.sites[0]
    submit_opinion(store, author.id, site.id, "oppose", comment="Pas sur l'école !")
    model = Ballot if consultation.secret else Opinion
    with read(store) as session:
        comment_id = session.scalars(select(model.id)).one()
    return consultation, author, others, comment_id


def _shown(store, consultation):
    found = results(store, consultation.id, now=consultation.closes_at)
    return [c.text for c in found.sites[0].comments]


def test_a_resident_reports_once_and_three_reports_hide_the_comment(commented, store, organisers):
    consultation, _, others, comment_id = commented
    assert report_comment(store, others[0].id, comment_id)
    assert not report_comment(store, others[0].id, comment_id)  # the same account again
    assert report_comment(store, others[1].id, comment_id)
    assert _shown(store, consultation) == ["Pas sur l'école !"]
    assert moderation_queue(store, organisers["coop"].id, consultation.id) == ()
    assert report_comment(store, others[2].id, comment_id)
    assert _shown(store, consultation) == []
    (waiting,) = moderation_queue(store, organisers["coop"].id, consultation.id)
    assert (waiting.id, waiting.text, waiting.reports, waiting.moderation) == (
        comment_id,
        "Pas sur l'école !",
        3,
        "hidden",
    )
    with read(store) as session:
        assert len(session.scalars(select(CommentReport)).all()) == 3


def test_concurrent_reports_are_all_counted(commented, store, organisers):
    consultation, _, others, comment_id = commented
    start, errors = threading.Barrier(4), []

    def send(account):
        start.wait()
        try:
            report_comment(store, account.id, comment_id)
        except Exception as error:  # any failure fails the test
            errors.append(error)

    threads = [threading.Thread(target=send, args=(a,)) for a in others[:4]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (waiting,) = moderation_queue(store, organisers["coop"].id, consultation.id)
    assert waiting.reports == 4


def _hide(store, others, comment_id):
    for account in others[:3]:
        report_comment(store, account.id, comment_id)


def test_restored_comments_stay_shown_whatever_the_reports(commented, store, organisers):
    consultation, _, others, comment_id = commented
    _hide(store, others, comment_id)
    assert moderate(store, organisers["coop"].id, comment_id, "restore").moderation == "restored"
    report_comment(store, others[3].id, comment_id)
    assert _shown(store, consultation) == ["Pas sur l'école !"]
    assert moderation_queue(store, organisers["coop"].id, consultation.id) == ()


def test_a_removed_comment_loses_its_text_and_the_opinion_still_counts(
    commented, store, organisers
):
    consultation, author, others, comment_id = commented
    _hide(store, others, comment_id)
    moderate(store, organisers["coop"].id, comment_id, "remove")
    assert _shown(store, consultation) == []
    assert my_opinion(store, author.id, consultation.sites[0].id).comment is None
    with pytest.raises(StoreError) as error:
        report_comment(store, others[4].id, comment_id)
    assert error.value.code == "consult_comment_not_found"
    found = results(store, consultation.id, now=consultation.closes_at)
    assert found.sites[0].published  # closed: the one opinion is in (suppressed) counts


def test_only_the_organisation_running_it_moderates(commented, store, organisers):
    consultation, author, others, comment_id = commented
    _hide(store, others, comment_id)
    for intruder in (organisers["rival"], organisers["city"], author):
        with pytest.raises(StoreError) as error:
            moderation_queue(store, intruder.id, consultation.id)
        assert error.value.code == "store_not_allowed"
        with pytest.raises(StoreError) as error:
            moderate(store, intruder.id, comment_id, "remove")
        assert error.value.code == "store_not_allowed"
    with pytest.raises(StoreError) as error:
        moderate(store, organisers["coop"].id, comment_id, "delete")
    assert error.value.code == "consult_bad_decision"
    assert len(moderation_queue(store, organisers["coop"].id, consultation.id)) == 1


def test_only_residents_report_and_only_comments(commented, store, organisers):
    consultation, _, others, comment_id = commented
    with pytest.raises(StoreError) as error:
        report_comment(store, organisers["rival"].id, comment_id)
    assert error.value.code == "store_not_allowed"
    submit_opinion(store, others[0].id, consultation.sites[0].id, "support")  # no comment
    with read(store) as session:
        model = Ballot if consultation.secret else Opinion
        silent = session.scalars(select(model.id).where(model.comment.is_(None))).one()
    for target in (silent, "nosuchcomment"):
        with pytest.raises(StoreError) as error:
            report_comment(store, others[1].id, target)
        assert error.value.code == "consult_comment_not_found"
