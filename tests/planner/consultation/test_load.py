"""Point 7: 50 residents vote at once on 10 sites: each opinion counted once, tallies = recount."""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from planner.consultation import STANCES, ConsultationConfig, results, submit_opinion
from planner.store import read
from planner.store.consultation_models import Ballot, Opinion, Participant, Site
from tests.planner.consultation.conftest import open_consultation, residents

RESIDENTS, SITES = 50, 10
ALL_SHOWN = ConsultationConfig(min_count=0)


def _final(person: int, site: int) -> str:
    # Every third pair changes its mind: the second choice is the one that counts.
    return STANCES[(person + site + 1) % 3]


def _first(person: int, site: int) -> str:
    return STANCES[(person + site) % 3]


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_fifty_residents_on_ten_sites_count_exactly_once(store, organisers, secret):
    consultation = open_consultation(store, organisers["coop"], sites=SITES, secret=secret)
    people = residents(store, RESIDENTS)
    start, errors = threading.Barrier(RESIDENTS), []

    def vote(n: int) -> None:
        start.wait()
        for s, site in enumerate(consultation.sites):
            try:
                submit_opinion(store, people[n].id, site.id, _first(n, s), tags=["cost"])
                if (n + s) % 3 == 0:
                    submit_opinion(store, people[n].id, site.id, _final(n, s))
            except Exception as error:  # every failure counts, "database is locked" first
                errors.append(error)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(RESIDENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [str(e) for e in errors] == []

    model = Ballot if secret else Opinion
    with read(store) as session:
        raw = session.execute(
            select(model.site_id, model.stance, func.count()).group_by(model.site_id, model.stance)
        ).all()
        assert session.scalar(select(func.count()).select_from(model)) == RESIDENTS * SITES
        if secret:
            assert session.scalar(select(func.count()).select_from(Participant)) == RESIDENTS
        assert session.scalar(select(func.count()).select_from(Site)) == SITES
    recount = {(site, stance): n for site, stance, n in raw}
    expected = Counter()
    for n in range(RESIDENTS):
        for s, site in enumerate(consultation.sites):
            stance = _final(n, s) if (n + s) % 3 == 0 else _first(n, s)
            expected[(site.id, stance)] += 1
    assert recount == dict(expected)

    shown = results(store, consultation.id, config=ALL_SHOWN)
    guarded = results(store, consultation.id)
    for tally, safe in zip(shown.sites, guarded.sites, strict=True):
        assert tally.opinions == RESIDENTS
        assert tally.counts == {s: recount.get((tally.site.id, s), 0) for s in STANCES}
        assert tally.tags["cost"] == RESIDENTS - sum(
            1 for n in range(RESIDENTS) if (n + consultation.sites.index(tally.site)) % 3 == 0
        )
        # With the default rule, every shown count is the recount, and the rest is hidden.
        assert all(v is None or v == tally.counts[s] for s, v in safe.counts.items())
